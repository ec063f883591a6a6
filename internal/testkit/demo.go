package testkit

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/postgres"
	"github.com/parley-project/parley/store/sqlite"
)

// DemoOptions configures NewDemo. The zero value is the demo without a
// log.
type DemoOptions struct {
	// Log, when set, is attached to the service before the demo is
	// loaded, so that every record of the demo has a leaf in it.
	Log app.Log
	// Now and Logger are the service's; nil for the defaults.
	Now    func() time.Time
	Logger *slog.Logger
	// Postgres, when set, is the connection string of a PostgreSQL
	// database (PostgresSchema gives one) that holds the demo instead of
	// a SQLite file.
	Postgres string
}

// Demo is the demo process (package scenario) loaded into a service on a
// temporary SQLite file, or the PostgreSQL database DemoOptions names.
type Demo struct {
	Store   store.Store
	Service *app.Service
	// Logins are the demo's logins, one per demo role.
	Logins []scenario.Login
}

// NewDemo loads the demo into a new service (NewService) on a new SQLite
// file in a directory of tb's, or on o.Postgres. At the end of the test the service stops,
// then the store closes; a log given in o, opened before, closes after
// them.
func NewDemo(tb testing.TB, o DemoOptions) *Demo {
	tb.Helper()
	ctx := context.Background()
	var (
		st  store.Store
		err error
	)
	if o.Postgres != "" {
		st, err = postgres.Open(ctx, o.Postgres, true)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(tb.TempDir(), "parley.db"), true)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := NewService(st, o.Now, o.Logger)
	tb.Cleanup(svc.Close)
	if o.Log != nil {
		if err := svc.AttachLog(ctx, o.Log); err != nil {
			tb.Fatal(err)
		}
	}
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		tb.Fatal(err)
	}
	return &Demo{Store: st, Service: svc, Logins: logins}
}

// Login returns the demo login named login.
func (d *Demo) Login(tb testing.TB, login string) scenario.Login {
	tb.Helper()
	for _, l := range d.Logins {
		if l.Login == login {
			return l
		}
	}
	tb.Fatalf("the demo has no login %q", login)
	return scenario.Login{}
}

// Principal signs in as the demo login named login, with its password.
func (d *Demo) Principal(tb testing.TB, login string) access.Principal {
	tb.Helper()
	l := d.Login(tb, login)
	p, err := d.Service.Login(context.Background(), l.Login, l.Password)
	if err != nil {
		tb.Fatalf("demo login %s: %v", l.Login, err)
	}
	return p
}

// Principals signs in as every demo login, and returns the principals by
// login.
func (d *Demo) Principals(tb testing.TB) map[string]access.Principal {
	tb.Helper()
	ps := map[string]access.Principal{}
	for _, l := range d.Logins {
		ps[l.Login] = d.Principal(tb, l.Login)
	}
	return ps
}

// Records returns every record in st, in order.
func Records(tb testing.TB, st store.Store) []store.Record {
	tb.Helper()
	var all []store.Record
	after := int64(0)
	for {
		rs, err := st.Records(context.Background(), after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, rs...)
		if len(rs) < 1000 {
			return all
		}
		after = rs[len(rs)-1].Seq
	}
}

// Entities returns every entity in st of every kind of the demo's
// domains, read as access.System (what no reader may see, included), kind
// by kind in the registry's order, each kind in order of creation.
func Entities(tb testing.TB, st store.Store) []store.Entity {
	tb.Helper()
	var all []store.Entity
	for _, k := range scenario.Registry().Kinds() {
		q := store.Query{Kind: k.Name, Limit: 500}
		for {
			es, more, err := st.Entities(context.Background(), access.System, q)
			if err != nil {
				tb.Fatal(err)
			}
			all = append(all, es...)
			if !more || len(es) == 0 {
				break
			}
			q.After = es[len(es)-1].CreatedSeq
		}
	}
	return all
}

// Find returns the id of the entity of kind whose top-level field is value
// (compared as JSON decodes it), as login sees it, and fails tb when there
// is none.
func (d *Demo) Find(tb testing.TB, login, kind, field string, value any) string {
	tb.Helper()
	p := d.Principal(tb, login)
	es, err := d.Service.All(tb.Context(), &p, kind, "")
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range es {
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		if m[field] == value {
			return e.ID
		}
	}
	tb.Fatalf("%s sees no %s with %s %v", login, kind, field, value)
	return ""
}
