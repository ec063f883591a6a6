package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/postgres"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

// The tally domain exists only in this test: the parties' votes on the
// agenda's aspects. It keeps two projections of its own: "tally", applied
// in each vote's transaction (each vote's current choice, and the counts by
// aspect and choice), and the follower "tally_log", one row per vote record,
// applied after commit. The parties come from talks.

const kindVote = "tally.vote"

// noteRefused makes the tally projection break a CHECK of its own table
// after it has written: the database refuses the vote's projection.
const noteRefused = "refused by the database"

// noteFollowerFails makes the follower fail on the vote.
const noteFollowerFails = "the follower fails"

type vote struct {
	Aspect  string `json:"aspect"`
	PartyID string `json:"party_id"`
	Choice  string `json:"choice"`
	Note    string `json:"note,omitempty"`
}

var choices = []string{"yes", "no", "abstain"}

func (v *vote) Normalize() { parley.Trim(&v.Aspect, &v.PartyID, &v.Choice, &v.Note) }

func (v *vote) References() []parley.Reference {
	return []parley.Reference{{Field: "party_id", Kind: talks.KindParty, ID: v.PartyID}}
}

func (v *vote) Validate(parley.Resolved) error {
	return parley.First(parley.Required("aspect", v.Aspect), parley.Required("party_id", v.PartyID),
		parley.OneOf("choice", v.Choice, choices))
}

// tally is the domain. newer gives the tally projection one more
// migration: the build after this one.
type tally struct{ newer bool }

func (tally) Name() string         { return "tally" }
func (tally) Roles() []access.Role { return nil }

func (tally) Kinds() []parley.Kind {
	return []parley.Kind{{Name: kindVote, Collection: "votes", Title: "vote", New: func() parley.Entity { return new(vote) },
		Fields: []parley.Field{
			{Name: "aspect", Type: parley.String, Required: true},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: talks.KindParty, Required: true},
			{Name: "choice", Type: parley.Enum, Required: true, Enum: parley.Options(choices, nil)},
			{Name: "note", Type: parley.Text},
		},
		OwnerField: "party_id", HeadlineField: "aspect", DefaultAudience: record.Audience{Scope: record.Parties},
		WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true}}
}

func (d tally) Projections() []parley.Projection {
	counts := parley.Projection{
		Name:   "tally",
		Tables: []string{"tally_votes", "tally_counts"},
		Migrations: map[string][]string{
			"sqlite": {`CREATE TABLE tally_votes (id TEXT PRIMARY KEY, aspect TEXT NOT NULL, choice TEXT NOT NULL) STRICT;
				CREATE TABLE tally_counts (aspect TEXT NOT NULL, choice TEXT NOT NULL, votes INTEGER NOT NULL CHECK (votes >= 0),
					PRIMARY KEY (aspect, choice)) STRICT;`},
			"postgres": {`CREATE TABLE tally_votes (id text PRIMARY KEY, aspect text NOT NULL, choice text NOT NULL);
				CREATE TABLE tally_counts (aspect text NOT NULL, choice text NOT NULL, votes bigint NOT NULL CHECK (votes >= 0),
					PRIMARY KEY (aspect, choice));`},
		},
		Kinds: []string{kindVote},
		Apply: func(ctx context.Context, tx parley.ProjectionTx, r parley.Record) error {
			v := r.Entity.(*vote)
			// A new version of a vote moves it: its old choice counts
			// one fewer.
			var aspect, choice string
			found, err := tx.QueryRow(ctx, "SELECT aspect, choice FROM tally_votes WHERE id = $1", []any{r.Subject}, &aspect, &choice)
			if err != nil {
				return err
			}
			if found {
				if err := tx.Exec(ctx, "UPDATE tally_counts SET votes = votes - 1 WHERE aspect = $1 AND choice = $2", aspect, choice); err != nil {
					return err
				}
			}
			err = tx.Exec(ctx, `INSERT INTO tally_votes (id, aspect, choice) VALUES ($1, $2, $3)
				ON CONFLICT (id) DO UPDATE SET aspect = excluded.aspect, choice = excluded.choice`, r.Subject, v.Aspect, v.Choice)
			if err != nil {
				return err
			}
			err = tx.Exec(ctx, `INSERT INTO tally_counts (aspect, choice, votes) VALUES ($1, $2, 1)
				ON CONFLICT (aspect, choice) DO UPDATE SET votes = tally_counts.votes + 1`, v.Aspect, v.Choice)
			if err != nil {
				return err
			}
			if v.Note == noteRefused {
				return tx.Exec(ctx, "UPDATE tally_counts SET votes = $2 WHERE aspect = $1", v.Aspect, -1)
			}
			return nil
		},
	}
	if d.newer {
		for _, dialect := range []string{"sqlite", "postgres"} {
			counts.Migrations[dialect] = append(counts.Migrations[dialect], "CREATE INDEX tally_counts_votes ON tally_counts (votes)")
		}
	}
	log := parley.Projection{
		Name:   "tally_log",
		Tables: []string{"tally_log_entries"},
		Migrations: map[string][]string{
			"sqlite": {`CREATE TABLE tally_log_entries (seq INTEGER PRIMARY KEY, vote_id TEXT NOT NULL, party_id TEXT NOT NULL,
				aspect TEXT NOT NULL, choice TEXT NOT NULL) STRICT`},
			"postgres": {`CREATE TABLE tally_log_entries (seq bigint PRIMARY KEY, vote_id text NOT NULL, party_id text NOT NULL,
				aspect text NOT NULL, choice text NOT NULL)`},
		},
		Kinds:  []string{kindVote},
		Follow: true,
		Apply: func(ctx context.Context, tx parley.ProjectionTx, r parley.Record) error {
			v := r.Entity.(*vote)
			if v.Note == noteFollowerFails {
				return errors.New("the follower refuses this vote")
			}
			return tx.Exec(ctx, "INSERT INTO tally_log_entries (seq, vote_id, party_id, aspect, choice) VALUES ($1, $2, $3, $4, $5)",
				r.Seq, r.Subject, v.PartyID, v.Aspect, v.Choice)
		},
	}
	return []parley.Projection{counts, log}
}

func tallyRegistry(t *testing.T, d tally) *parley.Registry {
	t.Helper()
	reg, err := parley.NewRegistry(talks.Domain{}, negotiation.Domain{}, monitor.Domain{}, ceasefire.Domain{}, energy.Domain{}, reconstruction.Domain{}, translation.Domain{}, d)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// eachStore runs fn on SQLite and, when the test database is configured,
// on PostgreSQL; open returns a fresh, migrated store.
func eachStore(t *testing.T, fn func(t *testing.T, open func(t *testing.T) store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) store.Store {
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"), true)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
	t.Run("postgres", func(t *testing.T) {
		testkit.Postgres(t)
		fn(t, func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), testkit.PostgresSchema(t, "parley_app_test_"), true)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
}

// projectionTx is what the test reaches of a store's transaction: a
// projection's statements, and its tables' digests.
type projectionTx interface {
	parley.ProjectionTx
	RowDigests(ctx context.Context, name, table string) ([]string, error)
}

func ptx(t *testing.T, tx store.Tx) projectionTx {
	t.Helper()
	p, ok := tx.(projectionTx)
	if !ok {
		t.Fatalf("%T runs no projections", tx)
	}
	return p
}

// queryInt reads one integer from the store, as parley's own statements
// would, in a transaction.
func queryInt(t *testing.T, st store.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	err := st.Write(t.Context(), func(tx store.Tx) error {
		ok, err := ptx(t, tx).QueryRow(t.Context(), query, args, &n)
		if err == nil && !ok {
			n = -1
		}
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// behindParley runs statements on the store that parley did not make: a
// row changed by someone with access to the database.
func behindParley(t *testing.T, st store.Store, query string, args ...any) {
	t.Helper()
	if err := st.Write(t.Context(), func(tx store.Tx) error { return ptx(t, tx).Exec(t.Context(), query, args...) }); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// tallyTables are the tables of the tally domain, by projection.
var tallyTables = [][2]string{{"tally", "tally_votes"}, {"tally", "tally_counts"}, {"tally_log", "tally_log_entries"}}

// contents returns a digest of every row of every tally table.
func contents(t *testing.T, st store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := st.Write(t.Context(), func(tx store.Tx) error {
		for _, pt := range tallyTables {
			d, err := ptx(t, tx).RowDigests(t.Context(), pt[0], pt[1])
			if err != nil {
				return err
			}
			out[pt[1]] = d
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func voteBody(aspect, party, choice, note string) []byte {
	b, _ := json.Marshal(vote{Aspect: aspect, PartyID: party, Choice: choice, Note: note})
	return b
}

// demoWith loads the demo into a service for reg on st, with the
// projections migrated, and returns it and the mediator's principal.
func demoWith(t *testing.T, st store.Store, reg *parley.Registry) (*app.Service, access.Principal) {
	t.Helper()
	ctx := t.Context()
	svc := testkit.NewServiceWith(st, reg, nil, nil)
	t.Cleanup(svc.Close)
	if err := svc.MigrateProjections(ctx); err != nil {
		t.Fatal(err)
	}
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logins {
		if l.Login == "us-mediator" {
			p, err := svc.Login(ctx, l.Login, l.Password)
			if err != nil {
				t.Fatal(err)
			}
			return svc, p
		}
	}
	t.Fatal("the demo has no us-mediator")
	return nil, access.Principal{}
}

func lastSeq(t *testing.T, st store.Store) int64 {
	t.Helper()
	return queryInt(t, st, "SELECT COALESCE(max(seq), 0) FROM records")
}

func followers(t *testing.T, svc *app.Service) app.FollowerStatus {
	t.Helper()
	fs, err := svc.Followers(t.Context())
	if err != nil || len(fs) != 1 || fs[0].Name != "tally_log" {
		t.Fatalf("Followers() = %+v, %v; want tally_log alone", fs, err)
	}
	return fs[0]
}

// waitFollowers is WaitFollowers with a bound, so that a follower that
// never catches up fails the test instead of hanging it.
func waitFollowers(t *testing.T, svc *app.Service) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return svc.WaitFollowers(ctx)
}

func TestDomainProjections(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) store.Store) {
		ctx := t.Context()
		st := open(t)
		reg := tallyRegistry(t, tally{})

		// Until migrated, the projections are out of date, and serve's
		// check says what to run (testkit's services are migrated).
		svc0 := app.New(st, reg, nil, nil)
		err := svc0.CheckProjections(ctx)
		if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "parley migrate") ||
			!strings.Contains(err.Error(), `"tally"`) || !strings.Contains(err.Error(), `"tally_log"`) {
			t.Errorf("CheckProjections before migrating = %v, want ErrSchema naming both projections and parley migrate", err)
		}
		svc0.Close()

		// The migrations create the tables and record their versions.
		svc, med := demoWith(t, st, reg)
		if err := svc.CheckProjections(ctx); err != nil {
			t.Fatalf("CheckProjections after migrating: %v", err)
		}
		for name, v := range map[string]int64{"tally": 1, "tally_log": 1} {
			if got := queryInt(t, st, "SELECT version FROM parley_projections WHERE name = $1", name); got != v {
				t.Errorf("projection %s is at version %d, want %d", name, got, v)
			}
		}
		if err := svc.MigrateProjections(ctx); err != nil {
			t.Fatalf("migrating again: %v", err)
		}

		// A write updates the projection in its own transaction: it is
		// there when the write returns, without waiting for anything.
		count := func(aspect, choice string) int64 {
			t.Helper()
			return queryInt(t, st, "SELECT votes FROM tally_counts WHERE aspect = $1 AND choice = $2", aspect, choice)
		}
		w1, err := svc.Create(ctx, med, kindVote, voteBody("Prisoners", "ua", "yes", ""))
		if err != nil {
			t.Fatal(err)
		}
		if n := count("Prisoners", "yes"); n != 1 {
			t.Fatalf("after one vote, Prisoners/yes = %d, want 1", n)
		}
		for _, b := range [][]byte{voteBody("Prisoners", "ru", "no", ""), voteBody("Energy", "us", "abstain", "")} {
			if _, err := svc.Create(ctx, med, kindVote, b); err != nil {
				t.Fatal(err)
			}
		}
		// A new version of a vote moves it.
		if _, err := svc.Update(ctx, med, kindVote, w1.Receipt.Subject, voteBody("Prisoners", "ua", "no", "")); err != nil {
			t.Fatal(err)
		}
		if y, n := count("Prisoners", "yes"), count("Prisoners", "no"); y != 0 || n != 2 {
			t.Fatalf("after ua changed its vote: Prisoners yes %d, no %d; want 0 and 2", y, n)
		}

		// A write whose projection the database refuses commits nothing;
		// the rest of its batch commits.
		records, votes := len(testkit.Records(t, st)), queryInt(t, st, "SELECT count(*) FROM tally_votes")
		errs := svc.CreateInOneBatch(ctx, med, kindVote,
			voteBody("Ceasefire", "ua", "yes", ""), voteBody("Ceasefire", "ru", "yes", noteRefused), voteBody("Ceasefire", "us", "no", ""))
		if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), `projection "tally"`) {
			t.Fatalf("the batch's errors = %v; want the second write's alone, naming the projection", errs)
		}
		if got := len(testkit.Records(t, st)); got != records+2 {
			t.Errorf("the batch committed %d records, want 2", got-records)
		}
		if got := queryInt(t, st, "SELECT count(*) FROM tally_votes"); got != votes+2 {
			t.Errorf("the batch projected %d votes, want 2", got-votes)
		}
		if y, n := count("Ceasefire", "yes"), count("Ceasefire", "no"); y != 1 || n != 1 {
			t.Errorf("Ceasefire yes %d, no %d; want 1 and 1: the refused vote's projection is undone", y, n)
		}
		es, _, err := st.Entities(ctx, access.System, store.Query{Kind: kindVote, Limit: 100})
		if err != nil || len(es) != 5 {
			t.Errorf("%d votes in the index (%v), want 5", len(es), err)
		}

		// The follower has not run: it reports how far behind it is.
		f := followers(t, svc)
		if last := lastSeq(t, st); f.Position != 0 || f.Behind != last || f.Running || f.Error != "" {
			t.Errorf("the follower before it runs: %+v; want position 0, behind %d, not running", f, last)
		}
		if err := svc.WaitFollowers(ctx); err == nil || !strings.Contains(err.Error(), "not running") {
			t.Errorf("WaitFollowers without the worker = %v, want an error saying so", err)
		}
		// The audit catches a follower up in its rolled-back replay: a
		// follower behind is not a finding, and stays behind.
		rep, err := audit.Run(ctx, svc)
		tables := 0
		for _, p := range reg.Projections() {
			tables += len(p.Tables)
		}
		if err != nil || len(rep.Findings) != 0 || rep.Tables != tables {
			t.Fatalf("audit with the follower behind: %d tables, findings %v, %v; want %d tables and none", rep.Tables, rep.Findings, err, tables)
		}
		if f := followers(t, svc); f.Position != 0 {
			t.Errorf("the audit moved the follower to %d", f.Position)
		}

		// Started, it catches up, and keeps up.
		svc.StartFollowers()
		svc.StartFollowers() // a second call does nothing
		if err := waitFollowers(t, svc); err != nil {
			t.Fatal(err)
		}
		if f, last := followers(t, svc), lastSeq(t, st); f.Position != last || f.Behind != 0 || !f.Running {
			t.Errorf("the follower caught up: %+v; want position %d, behind 0, running", f, last)
		}
		if n := queryInt(t, st, "SELECT count(*) FROM tally_log_entries"); n != 6 {
			t.Errorf("the log has %d entries, want one per vote record: 6", n)
		}
		if _, err := svc.Create(ctx, med, kindVote, voteBody("Energy", "ua", "yes", "")); err != nil {
			t.Fatal(err)
		}
		if err := waitFollowers(t, svc); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, st, "SELECT count(*) FROM tally_log_entries WHERE aspect = $1 AND party_id = $2", "Energy", "ua"); n != 1 {
			t.Errorf("the vote after the start: %d log entries, want 1", n)
		}
		if f := followers(t, svc); f.Behind != 0 {
			t.Errorf("behind %d after the wait", f.Behind)
		}

		// A rebuild makes the same tables, and leaves the follower at
		// the last record.
		before := contents(t, st)
		if len(before["tally_counts"]) == 0 || len(before["tally_log_entries"]) != 7 {
			t.Fatalf("before the rebuild: %d counts, %d log entries", len(before["tally_counts"]), len(before["tally_log_entries"]))
		}
		if err := svc.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		after := contents(t, st)
		for _, pt := range tallyTables {
			if !slices.Equal(before[pt[1]], after[pt[1]]) {
				t.Errorf("table %s differs after the rebuild", pt[1])
			}
		}
		if f, last := followers(t, svc), lastSeq(t, st); f.Position != last {
			t.Errorf("the follower after the rebuild: %+v; want position %d", f, last)
		}

		// The audit is clean; a row changed behind parley's back is a
		// finding naming its table, which the audit leaves as it is and
		// rebuild restores.
		if rep, err := audit.Run(ctx, svc); err != nil || len(rep.Findings) != 0 {
			t.Fatalf("audit: %v, %v", rep.Findings, err)
		}
		for _, c := range []struct{ table, query string }{
			{"tally_votes", "UPDATE tally_votes SET choice = 'yes' WHERE choice = 'no'"},
			{"tally_counts", "UPDATE tally_counts SET votes = votes + 1 WHERE aspect = 'Energy'"},
			{"tally_log_entries", "DELETE FROM tally_log_entries WHERE party_id = 'ru'"},
		} {
			behindParley(t, st, c.query)
			tampered := contents(t, st)
			rep, err := audit.Run(ctx, svc)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 1 || rep.Findings[0].What != "projection" || rep.Findings[0].ID != c.table {
				t.Errorf("audit after %q: %v; want one finding naming %s", c.query, rep.Findings, c.table)
			}
			if !slices.Equal(contents(t, st)[c.table], tampered[c.table]) {
				t.Errorf("the audit changed %s", c.table)
			}
			if err := svc.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			if rep, err := audit.Run(ctx, svc); err != nil || len(rep.Findings) != 0 {
				t.Errorf("audit after rebuilding %s: %v, %v", c.table, rep.Findings, err)
			}
		}

		// A follower moved ahead of the records is not caught up: it says
		// its position was moved.
		behindParley(t, st, "UPDATE parley_followers SET seq = seq + 100000")
		if f := followers(t, svc); !strings.Contains(f.Error, "beyond the last record") {
			t.Errorf("a follower moved ahead of the records: %+v; want an error saying so", f)
		}
		if err := svc.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		if f := followers(t, svc); f.Error != "" || f.Behind != 0 {
			t.Errorf("the follower after rebuilding: %+v", f)
		}

		// Close stops the follower: it no longer runs, nor can be waited
		// for.
		svc.Close()
		if f := followers(t, svc); f.Running {
			t.Errorf("the follower runs after Close: %+v", f)
		}
		if err := svc.WaitFollowers(ctx); err == nil {
			t.Error("WaitFollowers after Close returned nil")
		}

		// A newer build migrates the tally projection to version 2; this
		// build then refuses the database, to serve and to migrate.
		newer := testkit.NewServiceWith(st, tallyRegistry(t, tally{newer: true}), nil, nil)
		defer newer.Close()
		if err := newer.MigrateProjections(ctx); err != nil {
			t.Fatal(err)
		}
		for what, err := range map[string]error{"CheckProjections": svc.CheckProjections(ctx), "MigrateProjections": svc.MigrateProjections(ctx)} {
			if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "older than the database") || !strings.Contains(err.Error(), `"tally"`) {
				t.Errorf("%s on a newer projection = %v, want ErrSchema saying this build is older", what, err)
			}
		}
	})
}

// TestFollowerFails: a follower that cannot apply a record stays before it,
// says why, and is as far behind as the records after it; the writes and
// the projections applied in their transactions go on.
func TestFollowerFails(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) store.Store) {
		ctx := t.Context()
		st := open(t)
		svc, med := demoWith(t, st, tallyRegistry(t, tally{}))
		svc.StartFollowers()
		if _, err := svc.Create(ctx, med, kindVote, voteBody("Prisoners", "ua", "yes", "")); err != nil {
			t.Fatal(err)
		}
		if err := waitFollowers(t, svc); err != nil {
			t.Fatal(err)
		}
		good := lastSeq(t, st)
		for _, note := range []string{noteFollowerFails, ""} {
			if _, err := svc.Create(ctx, med, kindVote, voteBody("Energy", "ru", "no", note)); err != nil {
				t.Fatalf("a write the follower fails on: %v", err)
			}
		}
		err := waitFollowers(t, svc)
		if err == nil || !strings.Contains(err.Error(), "the follower refuses this vote") || !strings.Contains(err.Error(), `"tally_log"`) {
			t.Fatalf("WaitFollowers = %v, want the follower's error", err)
		}
		f := followers(t, svc)
		if last := lastSeq(t, st); f.Position != good || f.Behind != last-good || !strings.Contains(f.Error, "refuses") {
			t.Errorf("the failing follower: %+v; want position %d, behind %d, and its error", f, good, last-good)
		}
		if n := queryInt(t, st, "SELECT votes FROM tally_counts WHERE aspect = $1 AND choice = $2", "Energy", "no"); n != 2 {
			t.Errorf("Energy/no = %d, want 2: the projection in the writes' transactions is not held up", n)
		}
		// A rebuild cannot make the follower either, and says so; the
		// tables stay as they were.
		before := contents(t, st)
		if err := svc.Rebuild(ctx); err == nil || !strings.Contains(err.Error(), `domain "tally"`) {
			t.Errorf("Rebuild = %v, want the tally domain's failure", err)
		}
		if after := contents(t, st); !slices.Equal(before["tally_counts"], after["tally_counts"]) || !slices.Equal(before["tally_log_entries"], after["tally_log_entries"]) {
			t.Error("a failed rebuild changed the tables")
		}
		rep, err := audit.Run(ctx, svc)
		if err != nil || len(rep.Findings) != 1 || rep.Findings[0].ID != "tally" || !strings.Contains(rep.Findings[0].Problem, "cannot be replayed") {
			t.Errorf("audit: %+v, %v; want one finding that the tally domain cannot be replayed", rep.Findings, err)
		}
	})
}
