// Package testkit is what the tests of every package share, so that no
// package's tests carry a copy of another's fixtures:
//
//   - Main, for a TestMain: klog (tessera, the witness library) routed to
//     stderr, warnings and worse.
//   - NewService (NewServiceWith for other domains): a service for the
//     demo's domains, with password hashing cheap enough that a test loads
//     the demo's principals in milliseconds.
//   - NewDemo: the demo process loaded into a service on a temporary
//     SQLite file, with its logins, optionally through a log.
//   - NewLog and OpenLog: a real transparency log (package ledger) in a
//     temporary directory, with in-process witnesses; NewWitness: one
//     witness behind an HTTP server on a port the system chose, which a
//     test can stop and start again at the same URL.
//   - LogKey, WitnessKey, Leaves and Tiles: key pairs, parley leaves, and
//     a reader of a served log's hash tiles for golang.org/x/mod/sumdb/tlog.
//   - Records and Entities: everything a store holds, read as the system.
//   - Signed: a signed kind's body as `parley sign` makes it.
//   - Postgres and PostgresSchema: the test database, or a skip that says
//     why.
//   - Fetch, one HTTP request; Buffer, a log sink that a server's
//     goroutines and the test share.
//   - Concurrently, BareTessera and ReportLatencies, for benchmarks.
//
// Nothing listens on a fixed port and nothing sleeps in place of
// synchronisation: servers listen on port 0 and the address is read back,
// and waits poll their condition against a deadline.
//
// Production code never imports testkit; access's own tests check the
// production password cost. The internal tests (package x, not x_test) of
// a package testkit imports (parley, app, ledger, witness, store,
// store/sqlite, scenario, talks, web, i18n, access, record) cannot use it: that would
// be an import cycle.
package testkit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// Main runs a package's tests, with the messages that tessera and the
// witness library log through klog sent to stderr, warnings and worse
// only. A package whose tests open logs or witnesses calls it:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
func Main(m *testing.M) {
	ledger.RouteKlog(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// CheapPasswords is the argon2id cost tests hash at: one pass over 8 KiB,
// where production takes three over 64 MiB (access.DefaultPasswordCost).
var CheapPasswords = access.PasswordCost{Time: 1, MemoryKiB: 8, Threads: 1}

// NewService returns a service on st for the demo's domains, hashing
// passwords at CheapPasswords. now and logger may be nil.
func NewService(st store.Store, now func() time.Time, logger *slog.Logger) *app.Service {
	return NewServiceWith(st, scenario.Registry(), now, logger)
}

// NewServiceWith is NewService for the domains of reg: a test's own domain
// beside the demo's (talks keeps the parties). It creates the domains'
// projections, as the binary does before it serves, in a store that runs
// them (a test's wrapper that injects faults into a store does not, and
// its test writes none of their kinds).
func NewServiceWith(st store.Store, reg *parley.Registry, now func() time.Time, logger *slog.Logger) *app.Service {
	svc := app.New(st, reg, now, logger)
	svc.SetPasswordCost(CheapPasswords)
	if _, runs := st.(interface{ Dialect() string }); !runs {
		return svc
	}
	if err := svc.MigrateProjections(context.Background()); err != nil {
		panic(fmt.Sprintf("testkit: couldn't create the domains' projections: %v", err))
	}
	return svc
}

// Buffer is an output stream that a server's or a command's goroutines and
// the test may use at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// StrictSite serves svc's UI with sections on a test server whose
// catalogues are strict (i18n.Bundle.Strict): a test renders pages in
// Ukrainian and Russian and fails on what the bundle's Missed returns.
func StrictSite(tb testing.TB, svc *app.Service, sections ...web.Section) (*httptest.Server, *i18n.Bundle) {
	tb.Helper()
	b, err := web.Messages(sections)
	if err != nil {
		tb.Fatal(err)
	}
	b.Strict()
	h, err := web.New(svc, slog.New(slog.DiscardHandler), web.Options{Sections: sections, Messages: b})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts, b
}
