package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
)

// TestLiveAudit: the audit serve runs in the background, while writes go
// on, finds nothing wrong in a sound installation however the writes fall
// around it (records not yet in the log, entities changed after their
// replay), and still finds a record changed behind parley's back.
func TestLiveAudit(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	l := testkit.NewLog(t)
	st, err := sqlite.Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := testkit.NewService(st, nil, nil)
	t.Cleanup(svc.Close)
	if err := svc.AttachLog(ctx, l.Log); err != nil {
		t.Fatal(err)
	}
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	var password string
	for _, lg := range logins {
		if lg.Login == "us-mediator" {
			password = lg.Password
		}
	}
	med, err := svc.Login(ctx, "us-mediator", password)
	if err != nil {
		t.Fatal(err)
	}

	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var werr error
	var mu sync.Mutex
	for w := range 4 {
		wg.Go(func() {
			for i := 0; wctx.Err() == nil; i++ {
				body := fmt.Sprintf(`{"name":"Round %d-%d","place":"Geneva","starts_on":"2026-03-01","status":"planned"}`, w, i)
				r, err := svc.Create(wctx, med, talks.KindRound, []byte(body))
				if err == nil {
					_, err = svc.Update(wctx, med, talks.KindRound, r.Entity.ID, []byte(strings.Replace(body, "planned", "ongoing", 1)))
				}
				if err != nil && wctx.Err() == nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					return
				}
			}
		})
	}
	audits := 0
	for range 4 {
		rep, err := audit.RunWith(ctx, svc, audit.Options{Live: true, NoWitnesses: true})
		if err != nil {
			t.Fatal(err)
		}
		audits++
		if len(rep.Findings) > 0 {
			t.Errorf("live audit %d of a sound installation under writes found %v", audits, rep.Findings)
		}
	}
	stop()
	wg.Wait()
	if werr != nil {
		t.Fatalf("a writer failed: %v", werr)
	}

	// The oldest record, a party, widened behind parley's back: past the
	// start check's newest records, the background audit must find it.
	rs := records(t, st)
	old := rs[0]
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DROP TRIGGER records_no_update",
		"UPDATE records SET author_party = 'xx' WHERE id = '" + old.ID + "'",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rep, err := audit.RunWith(ctx, svc, audit.Options{Live: true, NoWitnesses: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.ID == old.ID && strings.Contains(f.Problem, "disagree with its canonical bytes")
	}
	if !found {
		t.Errorf("the live audit misses a record changed behind parley's back: %v", rep.Findings)
	}
}
