package app_test

// Fault tests of the commit path with a real SQLite store and a real
// transparency log (ledger, on tessera's POSIX driver): parley audit finds
// rows changed behind parley's back, recovery finishes what a crash left
// half done, forged proofs fail, and a witness outage delays publication
// without stopping writes.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/parley-project/parley"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/proof"

	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite" // the "sqlite" driver, to tamper behind parley's back

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
)

// install is one parley installation in a temporary directory: a SQLite
// file and a log directory, opened and closed as a server would be.
type install struct {
	t      testing.TB
	dbPath string
	logDir string
	signer note.Signer
	vkey   string
	// witnesses and witnessTimeout configure the log's witness policy
	// (quorum 0: all of them).
	witnesses      []ledger.Witness
	witnessTimeout time.Duration
	// batchAge and checkpointInterval are short for tests; 0 takes the
	// ledger's defaults (for benchmarks).
	batchAge           time.Duration
	checkpointInterval time.Duration

	st  *sqlite.Store
	log *ledger.Log
	svc *app.Service
}

func newInstall(t testing.TB) *install {
	t.Helper()
	dir := t.TempDir()
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	in := &install{t: t, dbPath: filepath.Join(dir, "parley.db"), logDir: filepath.Join(dir, "log"),
		signer: signer, vkey: vkey, witnessTimeout: 2 * time.Second,
		batchAge: 5 * time.Millisecond, checkpointInterval: 100 * time.Millisecond}
	t.Cleanup(in.stop)
	return in
}

func (in *install) openStore() {
	in.t.Helper()
	st, err := sqlite.Open(context.Background(), in.dbPath, true)
	if err != nil {
		in.t.Fatal(err)
	}
	in.st = st
}

func (in *install) openLog() {
	in.t.Helper()
	l, err := ledger.Open(context.Background(), ledger.Config{
		Dir:                in.logDir,
		Signer:             in.signer,
		VKey:               in.vkey,
		Witnesses:          in.witnesses,
		WitnessTimeout:     in.witnessTimeout,
		CheckpointInterval: in.checkpointInterval,
		BatchAge:           in.batchAge,
		Create:             true,
		Logger:             slog.New(slog.DiscardHandler),
	})
	if err != nil {
		in.t.Fatal(err)
	}
	in.log = l
}

// start opens the store and a service on it; with withLog, also the log,
// attached (and so recovered) before the service is used.
func (in *install) start(withLog bool) {
	in.t.Helper()
	in.openStore()
	if !withLog {
		in.svc = testkit.NewService(in.st, nil, nil)
		return
	}
	in.openLog()
	in.reattach(in.st, in.log)
}

// reattach closes the service, if one runs, and starts another on st,
// attached (and so recovered) to log: for the tests that wrap the store or
// the log to inject faults.
func (in *install) reattach(st store.Store, log app.Log) {
	in.t.Helper()
	if in.svc != nil {
		in.svc.Close()
	}
	in.svc = testkit.NewService(st, nil, nil)
	if err := in.svc.AttachLog(context.Background(), log); err != nil {
		in.t.Fatalf("AttachLog: %v", err)
	}
}

// stop closes what is open: the service, then the log (which waits,
// briefly, for publication), then the store.
func (in *install) stop() {
	if in.svc != nil {
		in.svc.Close()
		in.svc = nil
	}
	if in.log != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = in.log.Close(ctx)
		cancel()
		in.log = nil
	}
	if in.st != nil {
		_ = in.st.Close()
		in.st = nil
	}
}

// clone returns a copy of the stopped installation in, in a directory of
// t's, with the same log key.
func (in *install) clone(t testing.TB) *install {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Dir(in.dbPath))); err != nil {
		t.Fatal(err)
	}
	c := *in
	c.t, c.dbPath, c.logDir = t, filepath.Join(dir, filepath.Base(in.dbPath)), filepath.Join(dir, filepath.Base(in.logDir))
	c.st, c.log, c.svc = nil, nil, nil
	t.Cleanup(c.stop)
	return &c
}

// restart stops the installation and starts it again with its log.
func (in *install) restart() {
	in.t.Helper()
	in.stop()
	in.start(true)
}

// tamper stops parley, changes the SQLite file with fn as someone with
// access to the file would, and starts parley again.
func (in *install) tamper(fn func(db *sql.DB) error) {
	in.t.Helper()
	in.stop()
	db, err := sql.Open("sqlite", in.dbPath)
	if err != nil {
		in.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := fn(db); err != nil {
		db.Close()
		in.t.Fatalf("tampering: %v", err)
	}
	if err := db.Close(); err != nil {
		in.t.Fatal(err)
	}
	in.start(true)
}

// loadScenario commits the demo process and returns the mediator.
func (in *install) loadScenario() access.Principal {
	in.t.Helper()
	ctx := context.Background()
	if _, err := scenario.Load(ctx, in.svc); err != nil {
		in.t.Fatal(err)
	}
	return in.principal("us-mediator")
}

func (in *install) principal(login string) access.Principal {
	in.t.Helper()
	p, err := in.st.PrincipalByLogin(context.Background(), login)
	if err != nil {
		in.t.Fatal(err)
	}
	return p.Principal
}

func (in *install) records() []store.Record {
	in.t.Helper()
	return testkit.Records(in.t, in.st)
}

func (in *install) record(id string) store.Record {
	in.t.Helper()
	r, err := in.st.RecordByID(context.Background(), id)
	if err != nil {
		in.t.Fatal(err)
	}
	return r
}

func (in *install) integratedSize() uint64 {
	in.t.Helper()
	n, err := in.log.IntegratedSize(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return n
}

func (in *install) audit() audit.Report {
	in.t.Helper()
	rep, err := audit.Run(context.Background(), in.svc)
	if err != nil {
		in.t.Fatalf("Audit: %v", err)
	}
	return rep
}

// auditClean audits and fails on any finding; it also checks that every
// record but a batch's items has exactly one leaf and every leaf one record.
func (in *install) auditClean() audit.Report {
	in.t.Helper()
	rep := in.audit()
	for _, f := range rep.Findings {
		in.t.Errorf("audit finding: %s", f)
	}
	if rep.Records == 0 || uint64(rep.Records-rep.Items) != rep.Leaves {
		in.t.Errorf("audit saw %d records, %d of them items of batches, and %d leaves; want a leaf for every record but the items", rep.Records, rep.Items, rep.Leaves)
	}
	return rep
}

func aspectBody(title string) []byte {
	b, _ := json.Marshal(map[string]any{"title": title, "status": "open"})
	return b
}

// createAspects commits n aspects as p, concurrently, and returns their
// receipts.
func createAspects(t testing.TB, svc *app.Service, p access.Principal, n int, prefix string) []app.Receipt {
	t.Helper()
	out := make([]app.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, err := svc.Create(context.Background(), p, talks.KindAspect, aspectBody(fmt.Sprintf("%s %d", prefix, i)))
			out[i], errs[i] = w.Receipt, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// want is a finding a test expects, by What and ID, with a piece of its
// problem.
type want struct{ what, id, problem string }

// checkFindings fails unless every wanted finding is there, and every
// finding is about one of the things allowed (what/id).
func checkFindings(t *testing.T, rep audit.Report, wants []want, allowed ...string) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, f := range rep.Findings {
			if f.What == w.what && f.ID == w.id && strings.Contains(f.Problem, w.problem) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding %s %s (%q); the audit found %v", w.what, w.id, w.problem, rep.Findings)
		}
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, w := range wants {
		ok[w.what+" "+w.id] = true
	}
	for _, f := range rep.Findings {
		if !ok[f.What+" "+f.ID] {
			t.Errorf("unexpected finding: %s", f)
		}
	}
	for _, f := range rep.Findings {
		t.Logf("finding: %s", f)
	}
}

func TestLedgerAuditClean(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	rep := in.auditClean()
	if rep.Entities == 0 {
		t.Fatalf("audit saw no entities: %+v", rep)
	}
	n, err := in.st.LeafCount(ctx)
	if err != nil || n != int64(rep.Records) {
		t.Fatalf("LeafCount = %d, %v; want %d", n, err, rep.Records)
	}

	// Updates and new records, some concurrent; then a restart.
	rounds, err := in.svc.All(ctx, &med, talks.KindRound, "")
	if err != nil || len(rounds) == 0 {
		t.Fatalf("rounds: %v %v", rounds, err)
	}
	body, _ := json.Marshal(map[string]any{"name": "Abu Dhabi, second trilateral round", "place": "Abu Dhabi", "starts_on": "2026-02-01", "status": "planned"})
	w, err := in.svc.Update(ctx, med, talks.KindRound, rounds[len(rounds)-1].ID, body)
	if err != nil {
		t.Fatal(err)
	}
	if w.Receipt.LeafIndex == nil {
		t.Fatal("an update's receipt has no leaf index")
	}
	rcs := createAspects(t, in.svc, med, 100, "Clean aspect")
	seen := map[uint64]bool{*w.Receipt.LeafIndex: true}
	for _, rc := range rcs {
		if rc.LeafIndex == nil || seen[*rc.LeafIndex] {
			t.Fatalf("receipt %+v: missing or repeated leaf index", rc)
		}
		seen[*rc.LeafIndex] = true
		if r := in.record(rc.RecordID); r.LeafIndex != int64(*rc.LeafIndex) {
			t.Fatalf("record %s is at %d in the store, its receipt says %d", rc.RecordID, r.LeafIndex, *rc.LeafIndex)
		}
	}
	before := in.auditClean()
	if before.Records != rep.Records+101 {
		t.Fatalf("audit saw %d records, want %d", before.Records, rep.Records+101)
	}
	in.restart()
	if after := in.auditClean(); after.Records != before.Records || after.Leaves != before.Leaves {
		t.Fatalf("after a restart the audit saw %+v, before %+v", after, before)
	}
}

// TestLedgerAuditFindsTampering changes the SQLite file behind parley's
// back, one way per subtest, and expects parley audit to name what changed.
func TestLedgerAuditFindsTampering(t *testing.T) {
	ctx := context.Background()
	// One installation with the scenario, copied for each subtest.
	golden := newInstall(t)
	golden.start(true)
	golden.loadScenario()
	if rep := golden.audit(); len(rep.Findings) > 0 {
		t.Fatalf("audit before tampering: %v", rep.Findings)
	}
	goldenRecords := golden.records()
	golden.stop()
	// setup returns a started copy of the installation, and its records.
	setup := func(t *testing.T) (*install, []store.Record) {
		in := golden.clone(t)
		in.start(true)
		return in, goldenRecords
	}
	first := func(t *testing.T, rs []store.Record, ok func(store.Record) bool) store.Record {
		t.Helper()
		for _, r := range rs {
			if ok(r) {
				return r
			}
		}
		t.Fatal("no record fits")
		return store.Record{}
	}
	ofKind := func(kind string) func(store.Record) bool {
		return func(r store.Record) bool { return r.Kind == kind }
	}
	// rewrite returns r's canonical bytes with its body's title changed,
	// still in canonical form.
	rewrite := func(t *testing.T, r store.Record) []byte {
		t.Helper()
		var env record.Envelope
		if err := json.Unmarshal(r.Canonical, &env); err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(env.Body, &body); err != nil {
			t.Fatal(err)
		}
		body["title"] = fmt.Sprint(body["title"], " (as amended by nobody)")
		env.Body, _ = json.Marshal(body)
		c, err := record.Canonical(env)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	exec := func(db *sql.DB, q string, args ...any) error {
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s: no row changed", q)
		}
		return nil
	}
	projection := func(r store.Record) string { return r.Kind + "/" + r.Subject }
	// Most tampering starts by dropping the trigger that refuses it, which
	// the audit reports in its own right.
	noUpdate := want{"guard", "records_no_update", "the trigger is missing"}

	t.Run("canonical bytes changed", func(t *testing.T) {
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindAspect))
		forged := rewrite(t, r)
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return exec(db, "UPDATE records SET canonical = ? WHERE id = ?", forged, r.ID)
		})
		checkFindings(t, in.audit(), []want{{"record", r.ID, "commitment does not match"}, noUpdate}, "projection "+projection(r))
	})

	t.Run("canonical bytes and commitment changed", func(t *testing.T) {
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindAspect))
		forged := rewrite(t, r)
		c := record.Commitment(r.Salt, forged)
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return exec(db, "UPDATE records SET canonical = ?, commitment = ? WHERE id = ?", forged, c[:], r.ID)
		})
		// The store agrees with itself; only the log shows the change.
		checkFindings(t, in.audit(), []want{{"record", r.ID, fmt.Sprintf("its leaf at log position %d commits to other bytes", r.LeafIndex)}, noUpdate}, "projection "+projection(r))
	})

	t.Run("salts swapped", func(t *testing.T) {
		in, rs := setup(t)
		a := first(t, rs, ofKind(talks.KindPerson))
		b := first(t, rs, ofKind(talks.KindRound))
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return errors.Join(exec(db, "UPDATE records SET salt = ? WHERE id = ?", b.Salt, a.ID),
				exec(db, "UPDATE records SET salt = ? WHERE id = ?", a.Salt, b.ID))
		})
		checkFindings(t, in.audit(), []want{
			{"record", a.ID, "commitment does not match its salt"},
			{"record", b.ID, "commitment does not match its salt"},
			noUpdate,
		})
	})

	t.Run("leaf indexes swapped", func(t *testing.T) {
		in, rs := setup(t)
		a := first(t, rs, ofKind(talks.KindPerson))
		b := first(t, rs, ofKind(talks.KindStatement))
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return errors.Join(exec(db, "UPDATE records SET leaf_index = -1 WHERE id = ?", a.ID),
				exec(db, "UPDATE records SET leaf_index = ? WHERE id = ?", a.LeafIndex, b.ID),
				exec(db, "UPDATE records SET leaf_index = ? WHERE id = ?", b.LeafIndex, a.ID))
		})
		checkFindings(t, in.audit(), []want{
			{"record", a.ID, fmt.Sprintf("log position %d commits to other bytes", b.LeafIndex)},
			{"record", b.ID, fmt.Sprintf("log position %d commits to other bytes", a.LeafIndex)},
			noUpdate,
		})
	})

	t.Run("two records at one log position", func(t *testing.T) {
		// The unique index dropped, a second record claims a position
		// another holds: one leaf can prove only one record.
		in, rs := setup(t)
		a := first(t, rs, ofKind(talks.KindPerson))
		b := first(t, rs, ofKind(talks.KindStatement))
		in.tamper(func(db *sql.DB) error {
			for _, q := range []string{"DROP TRIGGER records_no_update", "DROP INDEX records_leaf_index"} {
				if _, err := db.Exec(q); err != nil {
					return err
				}
			}
			return exec(db, "UPDATE records SET leaf_index = ? WHERE id = ?", a.LeafIndex, b.ID)
		})
		rep := in.audit()
		found := false
		for _, f := range rep.Findings {
			found = found || strings.Contains(f.Problem, fmt.Sprintf("log position %d", a.LeafIndex)) && strings.Contains(f.Problem, "claim")
		}
		if !found {
			t.Errorf("audit with two records at position %d: %v, want a finding that both claim it", a.LeafIndex, rep.Findings)
		}
		// And b's own position is now held by no record: a gap.
		checkFindings(t, rep, []want{
			{"leaf", fmt.Sprint(b.LeafIndex), "no record in the store has this position"},
			{"guard", "records_leaf_index", "the unique index is missing"},
			noUpdate,
		}, "record "+a.ID, "record "+b.ID)
	})

	t.Run("leaf index beyond the log", func(t *testing.T) {
		// A record moved past the log's end: its own position is left
		// without a record, and it claims one no leaf has.
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindAction))
		beyond := int64(in.integratedSize()) + 7
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return exec(db, "UPDATE records SET leaf_index = ? WHERE id = ?", beyond, r.ID)
		})
		checkFindings(t, in.audit(), []want{
			{"record", r.ID, fmt.Sprintf("claims log position %d, beyond the log's", beyond)},
			{"leaf", fmt.Sprint(r.LeafIndex), "no record in the store has this position"},
			noUpdate,
		})
	})

	t.Run("record row deleted", func(t *testing.T) {
		in, rs := setup(t)
		// A statement: the only record of its subject, so its projection
		// is left without a record.
		r := first(t, rs, ofKind(talks.KindStatement))
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_delete"); err != nil {
				return err
			}
			return exec(db, "DELETE FROM records WHERE id = ?", r.ID)
		})
		checkFindings(t, in.audit(), []want{
			{"leaf", fmt.Sprint(r.LeafIndex), "no record in the store has this position"},
			{"projection", projection(r), "no record made it"},
			{"guard", "records_no_delete", "the trigger is missing"},
		})
	})

	t.Run("leaf index cleared", func(t *testing.T) {
		// A cleared position looks like a record a crash left pending:
		// the next start finds its leaf in the log and restores it,
		// without a second leaf.
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindAction))
		size := in.integratedSize()
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return exec(db, "UPDATE records SET leaf_index = NULL WHERE id = ?", r.ID)
		})
		if got := in.record(r.ID).LeafIndex; got != r.LeafIndex {
			t.Errorf("recovery put record %s at %d, its leaf is at %d", r.ID, got, r.LeafIndex)
		}
		if got := in.integratedSize(); got != size {
			t.Errorf("the log grew from %d to %d entries", size, got)
		}
		checkFindings(t, in.audit(), []want{noUpdate})
	})

	t.Run("projection body changed", func(t *testing.T) {
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindAspect))
		in.tamper(func(db *sql.DB) error {
			return exec(db, "UPDATE entities SET body = json_set(body, '$.title', 'Forged title') WHERE kind = ? AND id = ?", r.Kind, r.Subject)
		})
		checkFindings(t, in.audit(), []want{{"projection", projection(r), "differs from its records"}})
	})

	t.Run("projection audience changed", func(t *testing.T) {
		in, rs := setup(t)
		r := first(t, rs, func(r store.Record) bool { return r.Audience.Scope == record.PartyMediator })
		in.tamper(func(db *sql.DB) error {
			return exec(db, "UPDATE entities SET aud_scope = 'public', aud_party = '' WHERE kind = ? AND id = ?", r.Kind, r.Subject)
		})
		checkFindings(t, in.audit(), []want{{"projection", projection(r), "differs from its records"}})
	})

	t.Run("projection row deleted", func(t *testing.T) {
		in, rs := setup(t)
		r := first(t, rs, ofKind(talks.KindRound))
		in.tamper(func(db *sql.DB) error {
			return exec(db, "DELETE FROM entities WHERE kind = ? AND id = ?", r.Kind, r.Subject)
		})
		checkFindings(t, in.audit(), []want{{"projection", projection(r), "is missing though records made it"}})
	})

	t.Run("record audience column changed", func(t *testing.T) {
		in, rs := setup(t)
		// A confidential record made public in its columns, which decide
		// who may read it, while its bytes still say otherwise.
		r := first(t, rs, func(r store.Record) bool { return r.Audience.Scope == record.PartyMediator })
		in.tamper(func(db *sql.DB) error {
			if _, err := db.Exec("DROP TRIGGER records_no_update"); err != nil {
				return err
			}
			return exec(db, "UPDATE records SET aud_scope = 'public', aud_party = '' WHERE id = ?", r.ID)
		})
		checkFindings(t, in.audit(), []want{{"record", r.ID, "disagree with its canonical bytes"}, noUpdate})
	})
}

// TestLedgerAuditPagesPastTies: a projection row added with the creation
// sequence of another, just where a page of the audit's list ends, is
// still compared: the audit must not page by creation sequence alone,
// which would skip every row after the first that shares it.
func TestLedgerAuditPagesPastTies(t *testing.T) {
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	createAspects(t, in.svc, med, app.MaxPage+10, "Paged aspect")
	var aspects []store.Entity
	for _, e := range testkit.Entities(t, in.st) {
		if e.Kind == talks.KindAspect {
			aspects = append(aspects, e)
		}
	}
	if len(aspects) <= app.MaxPage {
		t.Fatalf("%d aspects, want more than a page of %d", len(aspects), app.MaxPage)
	}
	// The last row of the audit's first page, in the stores' order
	// (creation sequence, then id); the forged row's id sorts after it.
	last := aspects[app.MaxPage-1]
	const forged = "zzzzzzzz-forged-aspect"
	in.tamper(func(db *sql.DB) error {
		_, err := db.Exec(`INSERT INTO entities (kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at)
			SELECT kind, ?, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at
			FROM entities WHERE kind = ? AND id = ?`, forged, last.Kind, last.ID)
		return err
	})
	checkFindings(t, in.audit(), []want{{"projection", talks.KindAspect + "/" + forged, "no record made it"}})
}

// TestLedgerRecoverUnlogged: a crash between the store commit and the log
// append leaves records stored without a leaf. Attaching the log appends
// them, once each.
func TestLedgerRecoverUnlogged(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(false) // no log: every record stays pending
	med := in.loadScenario()
	createAspects(t, in.svc, med, 50, "Unlogged aspect")
	rs := in.records()
	for _, r := range rs {
		if r.LeafIndex != -1 {
			t.Fatalf("record %s has leaf index %d without a log", r.ID, r.LeafIndex)
		}
	}
	pending, err := in.st.PendingRecords(ctx, 1<<20)
	if err != nil || len(pending) != len(rs) {
		t.Fatalf("PendingRecords = %d, %v; want %d", len(pending), err, len(rs))
	}

	in.restart() // AttachLog recovers
	if got := in.integratedSize(); got != uint64(len(rs)) {
		t.Fatalf("the log has %d entries after recovery, want %d", got, len(rs))
	}
	seen := map[int64]bool{}
	for _, r := range in.records() {
		if r.LeafIndex < 0 || seen[r.LeafIndex] {
			t.Fatalf("record %s: leaf index %d after recovery", r.ID, r.LeafIndex)
		}
		seen[r.LeafIndex] = true
	}
	if n, err := in.st.LeafCount(ctx); err != nil || n != int64(len(rs)) {
		t.Fatalf("LeafCount = %d, %v", n, err)
	}
	in.auditClean()

	// Recovery again finds nothing to do.
	in.restart()
	if got := in.integratedSize(); got != uint64(len(rs)) {
		t.Fatalf("a second recovery grew the log to %d", got)
	}
	// And the service writes on.
	rc := createAspects(t, in.svc, med, 1, "After recovery")[0]
	if rc.LeafIndex == nil || *rc.LeafIndex != uint64(len(rs)) {
		t.Fatalf("receipt after recovery: %+v", rc)
	}
	in.auditClean()
}

// TestLedgerRecoverLoggedNotStored: a crash after the log append but before
// SetLeafIndex leaves records pending whose leaves are in the log. Recovery
// matches them by content and appends only the others.
func TestLedgerRecoverLoggedNotStored(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	in.svc.Close()

	// Records committed to the store by a service that died before its
	// log stage.
	in.svc = testkit.NewService(in.st, nil, nil)
	rcs := createAspects(t, in.svc, med, 60, "Half-logged aspect")
	in.svc.Close()
	in.svc = nil
	// The log stage got as far as appending 40 of their leaves (in an
	// order of its own) before the crash.
	var leaves [][]byte
	var ids []string
	for _, i := range []int{5, 1, 59, 30, 2} {
		rcs[i], rcs[len(rcs)-1-i] = rcs[len(rcs)-1-i], rcs[i]
	}
	for _, rc := range rcs[:40] {
		r := in.record(rc.RecordID)
		if r.LeafIndex != -1 {
			t.Fatalf("record %s is not pending", r.ID)
		}
		leaves = append(leaves, record.Leaf(r.Commitment))
		ids = append(ids, r.ID)
	}
	idx, err := in.log.AppendAll(ctx, leaves)
	if err != nil {
		t.Fatal(err)
	}
	size := in.integratedSize()

	in.reattach(in.st, in.log)
	if got := in.integratedSize(); got != size+20 {
		t.Fatalf("recovery grew the log from %d to %d entries; want exactly the 20 missing leaves", size, got)
	}
	for i, id := range ids {
		if got := in.record(id).LeafIndex; got != int64(idx[i]) {
			t.Errorf("record %s: recovery set leaf index %d, its leaf is at %d", id, got, idx[i])
		}
	}
	for _, rc := range rcs[40:] {
		if r := in.record(rc.RecordID); r.LeafIndex < int64(size) {
			t.Errorf("record %s: leaf index %d, want a new one at or past %d", r.ID, r.LeafIndex, size)
		}
	}
	in.auditClean()
	in.restart()
	if got := in.integratedSize(); got != size+20 {
		t.Fatalf("a second recovery grew the log to %d", got)
	}
	in.auditClean()
}

// TestLedgerRecoverManyPending: more records pending than recovery reads
// in one page (10,000) are all recovered by one AttachLog.
func TestLedgerRecoverManyPending(t *testing.T) {
	if testing.Short() {
		t.Skip("commits 10,050 records")
	}
	ctx := context.Background()
	in := newInstall(t)
	in.start(false)
	med := in.loadScenario()
	const extra = 10_050
	var wg sync.WaitGroup
	var next, failed atomic.Int64
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= extra; i = next.Add(1) {
				if _, err := in.svc.Create(ctx, med, talks.KindAspect, aspectBody(fmt.Sprint("Pending aspect ", i))); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d writes failed", failed.Load())
	}
	total := len(in.records())
	in.restart()
	pending, err := in.st.PendingRecords(ctx, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) > 0 {
		t.Errorf("after AttachLog, %d of %d records are still pending (first seq %d): recovery stopped after one page of PendingRecords", len(pending), total, pending[0].Seq)
	}
	if got := in.integratedSize(); got != uint64(total) {
		t.Errorf("the log has %d entries, want %d", got, total)
	}
	if rep := in.audit(); len(rep.Findings) > 0 {
		t.Errorf("audit: %d findings, the first %s", len(rep.Findings), rep.Findings[0])
	}
}

// flakyLog fails one AppendAll, after appending the first half of its
// leaves, as a log whose batch failed part way would.
type flakyLog struct {
	*ledger.Log
	armed atomic.Bool
	// queued, if set, reports whether the writes have queued up behind
	// the failing call, which waits for it (10s at most) before failing.
	queued func() bool
	fired  atomic.Int64
}

func (f *flakyLog) AppendAll(ctx context.Context, leaves [][]byte) ([]uint64, error) {
	if f.armed.CompareAndSwap(true, false) {
		f.fired.Add(1)
		if half := leaves[:len(leaves)/2]; len(half) > 0 {
			if _, err := f.Log.AppendAll(ctx, half); err != nil {
				return nil, err
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for f.queued != nil && !f.queued() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return nil, errors.New("injected: the log failed part way through a batch")
	}
	return f.Log.AppendAll(ctx, leaves)
}

// TestLedgerLogFailureUnderLoad: one failed log append, among concurrent
// writers, must leave every record with exactly one leaf. The writers of
// the failed batch are told their record is stored but not confirmed;
// every other writer gets a receipt with its leaf index.
func TestLedgerLogFailureUnderLoad(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	const writers, perWriter = 64, 20
	// The failing call holds on until every writer still writing waits
	// in Create, so that more batches queue up behind it.
	var writing, inCreate atomic.Int64
	writing.Store(writers)
	fl := &flakyLog{Log: in.log, queued: func() bool { return inCreate.Load() >= writing.Load() }}
	in.reattach(in.st, fl)
	var wg sync.WaitGroup
	var acked, refused atomic.Int64
	var mu sync.Mutex
	var badReceipts []string
	for w := range writers {
		wg.Go(func() {
			defer writing.Add(-1)
			for i := range perWriter {
				if w == 0 && i == 5 {
					fl.armed.Store(true)
				}
				inCreate.Add(1)
				wr, err := in.svc.Create(ctx, med, talks.KindAspect, aspectBody(fmt.Sprintf("Load aspect %d/%d", w, i)))
				inCreate.Add(-1)
				if err != nil {
					refused.Add(1)
					continue
				}
				acked.Add(1)
				if wr.Receipt.LeafIndex == nil {
					mu.Lock()
					badReceipts = append(badReceipts, wr.Receipt.RecordID)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if fl.fired.Load() != 1 {
		t.Fatalf("the fault fired %d times", fl.fired.Load())
	}
	t.Logf("%d writes acknowledged, %d told of the log failure", acked.Load(), refused.Load())
	if len(badReceipts) > 0 {
		t.Errorf("%d receipts without a leaf index", len(badReceipts))
	}
	// Every record, acknowledged or not, has one leaf.
	pending, err := in.st.PendingRecords(ctx, 1<<20)
	if err != nil || len(pending) > 0 {
		t.Errorf("%d records still pending (%v)", len(pending), err)
	}
	rs := in.records()
	if size := in.integratedSize(); size != uint64(len(rs)) {
		t.Errorf("the log has %d entries for %d records: some record got two leaves", size, len(rs))
	}
	rep := in.audit()
	for i, f := range rep.Findings {
		if i < 5 {
			t.Errorf("audit finding: %s", f)
		}
	}
	if len(rep.Findings) > 5 {
		t.Errorf("... %d findings in all", len(rep.Findings))
	}
}

// checkProof checks a proof as a reader holding only public keys would.
func checkProof(p proof.Proof, logVKey string, witnessVKeys []string) error {
	cp, cosigned, err := ledger.VerifyCheckpoint([]byte(p.Checkpoint), logVKey, witnessVKeys)
	if err != nil {
		return err
	}
	if len(cosigned) != len(witnessVKeys) {
		return fmt.Errorf("checkpoint cosigned by %d of %d witnesses", len(cosigned), len(witnessVKeys))
	}
	if cp.Size != p.TreeSize {
		return fmt.Errorf("proof is for size %d, its checkpoint has %d", p.TreeSize, cp.Size)
	}
	var env record.Envelope
	if err := json.Unmarshal(p.Canonical, &env); err != nil {
		return err
	}
	if env.ID != p.RecordID || env.Kind != p.Kind {
		return fmt.Errorf("canonical bytes are of record %s (%s), the proof names %s (%s)", env.ID, env.Kind, p.RecordID, p.Kind)
	}
	c := record.Commitment(p.Salt, p.Canonical)
	if hex.EncodeToString(c[:]) != p.Commitment {
		return errors.New("the commitment does not match the salt and the canonical bytes")
	}
	leaf := record.Leaf(c[:])
	if string(leaf) != p.Leaf {
		return errors.New("the leaf is not the record's")
	}
	return ledger.VerifyInclusion(leaf, p.LeafIndex, p.Inclusion, cp)
}

// awaitProof polls svc.Proof until it is available.
func awaitProof(t testing.TB, svc *app.Service, caller access.Principal, id string, timeout time.Duration) proof.Proof {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p, err := svc.Proof(context.Background(), &caller, id)
		if err == nil {
			return p
		}
		if app.ErrorCode(err) != app.CodeUnavailable {
			t.Fatalf("Proof(%s): %v", id, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Proof(%s) still unavailable after %v: %v", id, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLedgerForgedProofs(t *testing.T) {
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	rcs := createAspects(t, in.svc, med, 3, "Proven aspect")
	p := awaitProof(t, in.svc, med, rcs[1].RecordID, 10*time.Second)
	if err := checkProof(p, in.vkey, nil); err != nil {
		t.Fatalf("a genuine proof fails: %v", err)
	}
	if p.LeafIndex != *rcs[1].LeafIndex || p.Commitment != rcs[1].Commitment {
		t.Fatalf("proof %d/%s, receipt %d/%s", p.LeafIndex, p.Commitment, *rcs[1].LeafIndex, rcs[1].Commitment)
	}
	other := awaitProof(t, in.svc, med, rcs[2].RecordID, 10*time.Second)

	// The ledger's own verifier refuses a changed index or leaf.
	cp, _, err := ledger.VerifyCheckpoint([]byte(p.Checkpoint), in.vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []uint64{p.LeafIndex + 1, p.LeafIndex - 1, other.LeafIndex, p.LeafIndex + cp.Size} {
		if err := ledger.VerifyInclusion([]byte(p.Leaf), idx, p.Inclusion, cp); err == nil {
			t.Errorf("VerifyInclusion accepted the leaf at index %d instead of %d", idx, p.LeafIndex)
		}
	}
	if err := ledger.VerifyInclusion([]byte(other.Leaf), p.LeafIndex, p.Inclusion, cp); err == nil {
		t.Error("VerifyInclusion accepted another record's leaf")
	}

	_, otherKey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		t.Fatal(err)
	}
	forgeries := map[string]func(q *proof.Proof){
		"leaf index +1":      func(q *proof.Proof) { q.LeafIndex++ },
		"another leaf index": func(q *proof.Proof) { q.LeafIndex = other.LeafIndex },
		"commitment changed": func(q *proof.Proof) { q.Commitment = other.Commitment },
		"another record": func(q *proof.Proof) {
			q.RecordID, q.Commitment, q.Leaf, q.Salt, q.Canonical = other.RecordID, other.Commitment, other.Leaf, other.Salt, other.Canonical
		},
		"salt changed":      func(q *proof.Proof) { q.Salt = bytes.Clone(q.Salt); q.Salt[0] ^= 1 },
		"canonical changed": func(q *proof.Proof) { q.Canonical = bytes.Replace(q.Canonical, []byte("Proven"), []byte("Forged"), 1) },
		"kind changed":      func(q *proof.Proof) { q.Kind = talks.KindStatement },
		"inclusion hash": func(q *proof.Proof) {
			q.Inclusion = slices.Clone(q.Inclusion)
			q.Inclusion[0] = bytes.Repeat([]byte{7}, 32)
		},
		"inclusion shortened":  func(q *proof.Proof) { q.Inclusion = q.Inclusion[1:] },
		"tree size":            func(q *proof.Proof) { q.TreeSize++ },
		"checkpoint unsigned":  func(q *proof.Proof) { q.Checkpoint = strings.Replace(q.Checkpoint, "\n\n", "\nextra\n\n", 1) },
		"another log's key":    func(q *proof.Proof) { q.Checkpoint = strings.Split(q.Checkpoint, "\n\n")[0] + "\n\n" },
		"record id changed":    func(q *proof.Proof) { q.RecordID = other.RecordID },
		"proof of another one": func(q *proof.Proof) { q.Inclusion = other.Inclusion },
	}
	forgeries["canonical changed, commitment recomputed"] = func(q *proof.Proof) {
		q.Canonical = bytes.Replace(q.Canonical, []byte("Proven"), []byte("Forged"), 1)
		c := record.Commitment(q.Salt, q.Canonical)
		q.Commitment = hex.EncodeToString(c[:])
	}
	// app.VerifyProof names the broken link: these forgeries break one.
	only := map[string]string{
		"leaf index +1":      proof.CheckInclusion,
		"another leaf index": proof.CheckInclusion,
		"another record":     proof.CheckInclusion,
		"salt changed":       proof.CheckCommitment,
		"canonical changed":  proof.CheckCommitment,
		"canonical changed, commitment recomputed": proof.CheckLeaf,
		"inclusion hash":       proof.CheckInclusion,
		"inclusion shortened":  proof.CheckInclusion,
		"proof of another one": proof.CheckInclusion,
	}
	if failed := proof.Failed(proof.Verify(p, in.vkey, nil)); len(failed) > 0 {
		t.Fatalf("app.VerifyProof fails a genuine proof: %v", failed)
	}
	for name, forge := range forgeries {
		q := p
		forge(&q)
		if err := checkProof(q, in.vkey, nil); err == nil {
			t.Errorf("forged proof (%s) verifies", name)
		}
		failed := proof.Failed(proof.Verify(q, in.vkey, nil))
		if len(failed) == 0 {
			t.Errorf("app.VerifyProof accepts a forged proof (%s)", name)
		}
		if want, ok := only[name]; ok && !slices.Equal(failed, []string{want}) {
			t.Errorf("forged proof (%s): app.VerifyProof failed %q, want %q alone", name, failed, want)
		}
	}
	if err := checkProof(p, otherKey, nil); err == nil {
		t.Error("a proof verifies with another log's key")
	}
	if failed := proof.Failed(proof.Verify(p, otherKey, nil)); len(failed) == 0 {
		t.Error("app.VerifyProof accepts a proof with another log's key")
	}
}

// awaitPublished waits until a published checkpoint covers every entry of
// the log.
func (in *install) awaitPublished() {
	in.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := in.log.PublishedSize(ctx)
		if err != nil {
			in.t.Fatal(err)
		}
		if n == in.integratedSize() {
			return
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("after 20s, %d of %d entries are published", n, in.integratedSize())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLedgerAuditWitnessRollback: the whole installation, database and
// log, is restored from a backup older than what the witness cosigned
// since. The store and the log agree with each other, so only the witness
// can tell: parley audit asks it, and names the rollback. An audit of the
// installation as it was, with the witness up, is clean; with the witness
// down, it says the log went unchecked.
func TestLedgerAuditWitnessRollback(t *testing.T) {
	in := newInstall(t)
	ua := testkit.NewWitness(t, "ua", in.vkey)
	in.witnesses = []ledger.Witness{ua.Config()}
	in.start(true)
	med := in.loadScenario()
	in.awaitPublished()
	in.stop()
	backup := in.clone(t)

	in.start(true)
	createAspects(t, in.svc, med, 20, "Aspect after the backup")
	in.awaitPublished()
	cosigned := in.integratedSize()
	if rep := in.auditClean(); rep.Witnesses != 1 {
		t.Errorf("the audit checked the log against %d witnesses, want 1", rep.Witnesses)
	}
	in.stop()

	backup.start(true)
	held := backup.integratedSize()
	checkFindings(t, backup.audit(), []want{
		{"witness", "ua", fmt.Sprintf("the log was rolled back or rewritten: witness ua cosigned size %d, the log has %d", cosigned, held)},
	})

	ua.Stop()
	checkFindings(t, backup.audit(), []want{{"witness", "ua", "could not be asked for its latest cosigned checkpoint, so the log was not checked against it"}})
}

// TestLedgerWitnessDown: with the one witness the policy requires stopped,
// writes go on and get their leaf indexes, proofs wait, the log's status
// names the witness's failure; once the witness is back (same data, same
// address) publication resumes and the proofs come.
func TestLedgerWitnessDown(t *testing.T) {
	ctx := context.Background()
	// The witness needs the log's key, the log the witness's address.
	in := newInstall(t)
	tw := testkit.NewWitness(t, "ua", in.vkey)
	in.witnesses = []ledger.Witness{tw.Config()}
	in.witnessTimeout = 500 * time.Millisecond
	in.start(true)
	med := in.loadScenario()
	before := createAspects(t, in.svc, med, 5, "Witnessed aspect")
	// The writes are concurrent, so any of them may hold the highest
	// position: wait until every one is published.
	var p proof.Proof
	for _, rc := range before {
		p = awaitProof(t, in.svc, med, rc.RecordID, 10*time.Second)
		if err := checkProof(p, in.vkey, []string{tw.VKey}); err != nil {
			t.Fatalf("proof with the witness up: %v", err)
		}
	}

	tw.Stop()
	stopped := time.Now()
	during := createAspects(t, in.svc, med, 20, "Unwitnessed aspect")
	for _, rc := range during {
		if rc.LeafIndex == nil {
			t.Fatalf("receipt without a leaf index while the witness is down: %+v", rc)
		}
	}
	// The log tries to have the new checkpoint cosigned and fails.
	deadline := time.Now().Add(10 * time.Second)
	var st ledger.Status
	for {
		st = in.log.Status(ctx)
		if len(st.Witnesses) == 1 && st.Witnesses[0].LastError != "" && st.Witnesses[0].LastContact.After(stopped) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log's status does not show the witness down: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("witness down: %s", st.Witnesses[0].LastError)
	if st.PublishedSize > *during[0].LeafIndex || st.IntegratedSize <= *during[0].LeafIndex {
		t.Errorf("status %+v: want the new entries integrated and unpublished", st)
	}
	for _, rc := range during[:3] {
		_, err := in.svc.Proof(ctx, &med, rc.RecordID)
		if app.ErrorCode(err) != app.CodeUnavailable {
			t.Errorf("Proof while the witness is down = %v, want %s", err, app.CodeUnavailable)
		}
	}
	// Earlier records stay provable, at the last cosigned checkpoint.
	if _, err := in.svc.Proof(ctx, &med, before[0].RecordID); err != nil {
		t.Errorf("Proof of a record published before the outage: %v", err)
	}

	tw.Start()
	for _, rc := range during {
		p := awaitProof(t, in.svc, med, rc.RecordID, 20*time.Second)
		if err := checkProof(p, in.vkey, []string{tw.VKey}); err != nil {
			t.Fatalf("proof after the witness came back: %v", err)
		}
		if failed := proof.Failed(proof.Verify(p, in.vkey, []string{tw.VKey})); len(failed) > 0 {
			t.Fatalf("app.VerifyProof after the witness came back: %v", failed)
		}
	}
	// A witness that never cosigned is named as such.
	other := testkit.NewWitness(t, "ru", in.vkey)
	if failed := proof.Failed(proof.Verify(p, in.vkey, []string{tw.VKey, other.VKey})); len(failed) != 1 || !strings.HasPrefix(failed[0], proof.CheckCosigned) {
		t.Errorf("app.VerifyProof with a witness that did not cosign: failed %v", failed)
	}
	st = in.log.Status(ctx)
	if !st.Witnessed || st.Witnesses[0].LastError != "" || !st.Witnesses[0].Cosigned {
		t.Errorf("status after the witness came back: %+v", st)
	}
	in.auditClean()
}

// TestLedgerCloseUnderLoad closes the service while writers are in
// flight, and keeps writing after it is closed: every call must return,
// every acknowledged record must be in the store and the log, and a write
// refused for the shutdown must have left nothing behind.
func TestLedgerCloseUnderLoad(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	before := len(in.records())
	svc := in.svc
	const writers = 64
	var wg sync.WaitGroup
	var acked, refused atomic.Int64
	var ackedIDs sync.Map
	hung := make(chan string, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range 40 {
				done := make(chan struct{})
				var wr app.Written
				var err error
				go func() {
					defer close(done)
					wr, err = svc.Create(ctx, med, talks.KindAspect, aspectBody(fmt.Sprintf("Closing aspect %d/%d", w, i)))
				}()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					hung <- fmt.Sprintf("writer %d, write %d", w, i)
					return
				}
				if err != nil {
					refused.Add(1)
					continue
				}
				acked.Add(1)
				ackedIDs.Store(wr.Receipt.RecordID, wr.Receipt)
			}
		})
	}
	// Close once the writes are under way: a batch's worth acknowledged.
	deadline := time.Now().Add(30 * time.Second)
	for acked.Load() < writers && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { svc.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return within 30s")
	}
	wg.Wait()
	close(hung)
	n := 0
	for h := range hung {
		if n++; n <= 3 {
			t.Errorf("Create never returned (%s): a write queued after the committer stopped is never answered", h)
		}
	}
	if n > 3 {
		t.Errorf("... %d writers hung in all", n)
	}
	t.Logf("%d acknowledged, %d refused, %d hung", acked.Load(), refused.Load(), n)
	if acked.Load() == 0 || refused.Load() == 0 {
		t.Logf("the close did not fall in the middle of the writes")
	}
	in.svc = nil
	in.restart() // recovery: whatever was stored gets its leaf
	rs := in.records()
	ackedIDs.Range(func(k, v any) bool {
		rc := v.(app.Receipt)
		if r := in.record(k.(string)); rc.LeafIndex == nil || r.LeafIndex != int64(*rc.LeafIndex) {
			t.Errorf("acknowledged record %s: receipt %v, store %d", r.ID, rc.LeafIndex, r.LeafIndex)
		}
		return true
	})
	if got := len(rs) - before; int64(got) < acked.Load() {
		t.Errorf("%d records stored, %d acknowledged", got, acked.Load())
	}
	in.auditClean()
}

// flakyStore fails the leaf-index transaction it is armed for, after the
// log append succeeded: a store error between the two stages of a batch.
type flakyStore struct {
	*sqlite.Store
	armed atomic.Bool
	fired atomic.Int64
}

func (f *flakyStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Write(ctx, func(tx store.Tx) error { return fn(&flakyTx{projectingTx: tx.(projectingTx), f: f}) })
}

// projectingTx is the store's transaction as the kernel runs the domains'
// projections in it.
type projectingTx interface {
	store.Tx
	parley.ProjectionTx
	SetFollowerPosition(ctx context.Context, name string, from, to int64) error
	ResetProjection(ctx context.Context, name string, tables []string) error
	RowDigests(ctx context.Context, name, table string) ([]string, error)
}

type flakyTx struct {
	projectingTx
	f *flakyStore
}

func (t *flakyTx) SetLeafIndex(ctx context.Context, id string, index int64) error {
	if t.f.armed.CompareAndSwap(true, false) {
		t.f.fired.Add(1)
		return errors.New("injected: the store failed while setting a leaf index")
	}
	return t.projectingTx.SetLeafIndex(ctx, id, index)
}

// TestLedgerLeafIndexFailureUnderLoad: the log append succeeds but the
// transaction storing the leaf indexes fails, among concurrent writers.
// Recovery finds the leaves in the log: no record gets a second leaf.
func TestLedgerLeafIndexFailureUnderLoad(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	fs := &flakyStore{Store: in.st}
	in.reattach(fs, in.log)
	var wg sync.WaitGroup
	var acked, refused atomic.Int64
	for w := range 64 {
		wg.Go(func() {
			for i := range 20 {
				if w == 0 && i == 5 {
					fs.armed.Store(true)
				}
				wr, err := in.svc.Create(ctx, med, talks.KindAspect, aspectBody(fmt.Sprintf("Load aspect %d/%d", w, i)))
				if err != nil {
					refused.Add(1)
					continue
				}
				acked.Add(1)
				if wr.Receipt.LeafIndex == nil {
					t.Errorf("receipt without a leaf index: %+v", wr.Receipt)
				}
			}
		})
	}
	wg.Wait()
	if fs.fired.Load() != 1 {
		t.Fatalf("the fault fired %d times", fs.fired.Load())
	}
	t.Logf("%d writes acknowledged, %d told of the failure", acked.Load(), refused.Load())
	if pending, err := in.st.PendingRecords(ctx, 1<<20); err != nil || len(pending) > 0 {
		t.Errorf("%d records still pending (%v)", len(pending), err)
	}
	if rs, size := in.records(), in.integratedSize(); size != uint64(len(rs)) {
		t.Errorf("the log has %d entries for %d records", size, len(rs))
	}
	in.auditClean()
}

// downLog is a log that refuses every append while down.
type downLog struct {
	*ledger.Log
	down atomic.Bool
}

func (d *downLog) AppendAll(ctx context.Context, leaves [][]byte) ([]uint64, error) {
	if d.down.Load() {
		return nil, errors.New("injected: the log is down")
	}
	return d.Log.AppendAll(ctx, leaves)
}

// TestLedgerLogDownThenBack: while the log refuses appends, writes are
// stored and their writers told so; once it is back, new writes are
// logged, and the records stored meanwhile are logged at the next start.
func TestLedgerLogDownThenBack(t *testing.T) {
	ctx := context.Background()
	in := newInstall(t)
	in.start(true)
	med := in.loadScenario()
	dl := &downLog{Log: in.log}
	in.reattach(in.st, dl)
	dl.down.Store(true)
	for i := range 10 {
		_, err := in.svc.Create(ctx, med, talks.KindAspect, aspectBody(fmt.Sprint("While the log is down ", i)))
		if err == nil || !strings.Contains(err.Error(), "stored but its log entry failed") {
			t.Fatalf("write while the log is down: %v", err)
		}
	}
	dl.down.Store(false)
	rcs := createAspects(t, in.svc, med, 10, "After the log came back")
	for _, rc := range rcs {
		if rc.LeafIndex == nil {
			t.Fatalf("receipt without a leaf index: %+v", rc)
		}
	}
	pending, err := in.st.PendingRecords(ctx, 100)
	if err != nil || len(pending) != 10 {
		t.Fatalf("%d records pending, want the 10 written while the log was down (%v)", len(pending), err)
	}
	in.restart()
	if pending, err := in.st.PendingRecords(ctx, 100); err != nil || len(pending) != 0 {
		t.Fatalf("%d records pending after a restart (%v)", len(pending), err)
	}
	in.auditClean()
}

// TestLedgerAuditFindsAddedRow: a self-consistent record added straight to
// the database looks like a crash's leftover. Audit, which does not
// recover first, reports it instead of adopting it into the log.
func TestLedgerAuditFindsAddedRow(t *testing.T) {
	in := newInstall(t)
	in.start(true)
	in.loadScenario()
	in.auditClean()
	in.stop()

	in.openStore()
	var added store.Record
	projector := testkit.NewService(in.st, nil, nil)
	defer projector.Close()
	err := in.st.Write(context.Background(), func(tx store.Tx) error {
		var err error
		added, _, err = appendForTest(projector, tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in.svc = testkit.NewService(in.st, nil, nil)
	in.openLog()
	in.svc.UseLog(in.log)
	checkFindings(t, in.audit(), []want{{what: "record", id: added.ID, problem: "no position in the log"}})
}

func appendForTest(svc *app.Service, tx store.Tx) (store.Record, store.Entity, error) {
	body, _ := json.Marshal(map[string]any{"title": "Added behind parley's back", "status": "open"})
	id := record.NewID()
	rec, err := app.Append(context.Background(), tx, record.Envelope{V: record.Version, ID: id, Subject: id, Kind: talks.KindAspect,
		At: time.Now(), Author: record.Author{Principal: "intruder", Party: "us"}, Audience: record.Audience{Scope: record.Public}, Body: body})
	if err != nil {
		return rec, store.Entity{}, err
	}
	ent, err := svc.Project(context.Background(), tx, rec)
	return rec, ent, err
}

// TestLedgerRefusesShorterLog: a log with fewer entries than the store has
// placed records (an old copy, or another log) is refused at start.
func TestLedgerRefusesShorterLog(t *testing.T) {
	in := newInstall(t)
	in.start(true)
	in.loadScenario()
	in.stop()
	// A fresh, empty log in place of the real one.
	in.logDir = filepath.Join(t.TempDir(), "other-log")
	in.openStore()
	in.svc = testkit.NewService(in.st, nil, nil)
	in.openLog()
	err := in.svc.AttachLog(context.Background(), in.log)
	if !errors.Is(err, app.ErrLogBehind) {
		t.Fatalf("AttachLog on a shorter log: %v, want ErrLogBehind", err)
	}
}
