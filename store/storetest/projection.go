package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// What package app needs of a store to run the domains' own projections
// (parley.Projection). Each store implements it beside store.Store; app
// declares the same as interfaces of its own, and this suite checks it.
type projectionStore interface {
	store.Store
	Dialect() string
	ProjectionVersions(ctx context.Context) (map[string]int, error)
	MigrateProjection(ctx context.Context, name string, scripts []string) (from int, err error)
	FollowerPositions(ctx context.Context) (map[string]int64, error)
	LastSeq(ctx context.Context) (int64, error)
	ReadProjection(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error
}

type projectionTx interface {
	store.Tx
	parley.ProjectionTx
	SetFollowerPosition(ctx context.Context, name string, from, to int64) error
	ResetProjection(ctx context.Context, name string, tables []string) error
	RowDigests(ctx context.Context, name, table string) ([]string, error)
}

func projections(t *testing.T, s store.Store) projectionStore {
	t.Helper()
	ps, ok := s.(projectionStore)
	if !ok {
		t.Fatalf("%T does not run the domains' projections (Dialect, ProjectionVersions, MigrateProjection, FollowerPositions, LastSeq)", s)
	}
	return ps
}

// ptxOf returns tx as a projection's transaction, or fails the test.
func ptxOf(t *testing.T, tx store.Tx) projectionTx {
	t.Helper()
	ptx, ok := tx.(projectionTx)
	if !ok {
		t.Fatalf("the transaction %T does not run projections (parley.ProjectionTx, SetFollowerPosition, ResetProjection, RowDigests)", tx)
	}
	return ptx
}

// writeP runs fn in a write transaction as a projection's.
func writeP(t *testing.T, s store.Store, fn func(tx projectionTx) error) error {
	t.Helper()
	return s.Write(t.Context(), func(tx store.Tx) error { return fn(ptxOf(t, tx)) })
}

// The test projection's scripts, by dialect: version 1 makes tst_items,
// version 2 tst_log.
var tstScripts = map[string][]string{
	"sqlite": {
		"CREATE TABLE tst_items (id TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0), note TEXT) STRICT;\nCREATE INDEX tst_items_n ON tst_items (n);",
		"CREATE TABLE tst_log (seq INTEGER NOT NULL, what TEXT NOT NULL) STRICT",
	},
	"postgres": {
		"CREATE TABLE tst_items (id text PRIMARY KEY, n bigint NOT NULL CHECK (n >= 0), note text);\nCREATE INDEX tst_items_n ON tst_items (n);",
		"CREATE TABLE tst_log (seq bigint NOT NULL, what text NOT NULL)",
	},
}

// migrateTst brings the test projection to version 2.
func migrateTst(t *testing.T, ps projectionStore) {
	t.Helper()
	scripts := tstScripts[ps.Dialect()]
	if scripts == nil {
		t.Fatalf("the store's dialect %q is neither sqlite nor postgres", ps.Dialect())
	}
	if _, err := ps.MigrateProjection(t.Context(), "tst", scripts); err != nil {
		t.Fatal(err)
	}
}

// testProjectionMigrations: a projection's scripts run in order, each in a
// transaction with its version; a second run does nothing; a failed script
// leaves the version before it and nothing of itself; a version newer than
// the scripts is refused.
func testProjectionMigrations(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := projections(t, s)
	if v, err := ps.ProjectionVersions(ctx); err != nil || len(v) != 0 {
		t.Fatalf("ProjectionVersions of a new store = %v, %v; want none", v, err)
	}
	scripts := tstScripts[ps.Dialect()]
	if from, err := ps.MigrateProjection(ctx, "tst", scripts[:1]); err != nil || from != 0 {
		t.Fatalf("MigrateProjection to version 1 = %d, %v; want from 0", from, err)
	}
	if from, err := ps.MigrateProjection(ctx, "tst", scripts); err != nil || from != 1 {
		t.Fatalf("MigrateProjection to version 2 = %d, %v; want from 1", from, err)
	}
	if from, err := ps.MigrateProjection(ctx, "tst", scripts); err != nil || from != 2 {
		t.Fatalf("MigrateProjection again = %d, %v; want from 2 and nothing done", from, err)
	}
	if v, err := ps.ProjectionVersions(ctx); err != nil || !maps.Equal(v, map[string]int{"tst": 2}) {
		t.Fatalf("ProjectionVersions = %v, %v; want tst at 2", v, err)
	}
	// The tables are there.
	err := writeP(t, s, func(tx projectionTx) error {
		if err := tx.Exec(ctx, "INSERT INTO tst_items (id, n) VALUES ($1, $2)", "a", 1); err != nil {
			return err
		}
		return tx.Exec(ctx, "INSERT INTO tst_log (seq, what) VALUES ($1, $2)", 1, "a")
	})
	if err != nil {
		t.Fatalf("writing the migrated tables: %v", err)
	}

	// Version 3 fails half-way: its table is not left behind, and the
	// version stays 2.
	bad := append(slices.Clone(scripts), "CREATE TABLE tst_more (x integer);\nINSERT INTO tst_nowhere VALUES (1);")
	if _, err := ps.MigrateProjection(ctx, "tst", bad); err == nil || !strings.Contains(err.Error(), "migration 3") {
		t.Fatalf("a failing migration: err = %v, want one naming migration 3", err)
	}
	if v, _ := ps.ProjectionVersions(ctx); v["tst"] != 2 {
		t.Fatalf("version after a failed migration = %d, want 2", v["tst"])
	}
	good := append(slices.Clone(scripts), "CREATE TABLE tst_more (x integer)")
	if from, err := ps.MigrateProjection(ctx, "tst", good); err != nil || from != 2 {
		t.Fatalf("the migration fixed = %d, %v; want from 2 (and no table of the failed one in the way)", from, err)
	}

	// This build knows fewer versions than the database has: refused,
	// and nothing runs.
	_, err = ps.MigrateProjection(ctx, "tst", scripts)
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "older than the database") {
		t.Fatalf("migrating a newer projection: err = %v, want ErrSchema saying this build is older", err)
	}
	if v, _ := ps.ProjectionVersions(ctx); v["tst"] != 3 {
		t.Fatalf("version after a refused migration = %d, want 3", v["tst"])
	}
	// Projections are migrated apart.
	if from, err := ps.MigrateProjection(ctx, "tst_other", []string{"CREATE TABLE tst_other_x (x integer)"}); err != nil || from != 0 {
		t.Fatalf("another projection = %d, %v", from, err)
	}
	if v, _ := ps.ProjectionVersions(ctx); !maps.Equal(v, map[string]int{"tst": 3, "tst_other": 1}) {
		t.Fatalf("ProjectionVersions = %v", v)
	}
	if _, err := ps.MigrateProjection(ctx, `tst"; --`, nil); err == nil {
		t.Fatal("a projection name that is no identifier was migrated")
	}
}

// testProjectionTx: a projection's statements take $1, $2... in both
// dialects, in any order and repeated; QueryRow tells no row from a row;
// what a failed write or a failed Try ran is undone.
func testProjectionTx(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := projections(t, s)
	migrateTst(t, ps)
	err := writeP(t, s, func(tx projectionTx) error {
		if tx.Dialect() != ps.Dialect() {
			t.Errorf("the transaction's dialect %q is not the store's %q", tx.Dialect(), ps.Dialect())
		}
		// $2 before $1; then $1 twice.
		if err := tx.Exec(ctx, "INSERT INTO tst_items (note, id, n) VALUES ($2, $1, $3)", "a", "note/a", 7); err != nil {
			return err
		}
		if err := tx.Exec(ctx, "INSERT INTO tst_items (id, n, note) VALUES ($1, $2, $3)", "b", int64(0), nil); err != nil {
			return err
		}
		if err := tx.Exec(ctx, "UPDATE tst_items SET n = n + $2 WHERE id = $1 AND (note = $3 OR id = $1)", "a", 3, "note/a"); err != nil {
			return err
		}
		var note string
		var n int64
		ok, err := tx.QueryRow(ctx, "SELECT note, n FROM tst_items WHERE id = $1", []any{"a"}, &note, &n)
		if err != nil || !ok || note != "note/a" || n != 10 {
			t.Errorf("QueryRow(a) = %v, %v: note %q, n %d; want note/a and 10", ok, err, note, n)
		}
		var nullNote *string
		if ok, err := tx.QueryRow(ctx, "SELECT note FROM tst_items WHERE id = $1", []any{"b"}, &nullNote); err != nil || !ok || nullNote != nil {
			t.Errorf("QueryRow(b) = %v, %v, note %v; want a row with a NULL note", ok, err, nullNote)
		}
		if ok, err := tx.QueryRow(ctx, "SELECT n FROM tst_items WHERE id = $1", []any{"zz"}, &n); err != nil || ok {
			t.Errorf("QueryRow of no row = %v, %v; want false and no error", ok, err)
		}
		var count int64
		if ok, err := tx.QueryRow(ctx, "SELECT count(*) FROM tst_items WHERE n >= $1 AND n <= $2 AND n >= $1", []any{0, 100}, &count); err != nil || !ok || count != 2 {
			t.Errorf("QueryRow(count) = %v, %v, %d; want 2", ok, err, count)
		}
		// A statement the database refuses, under a savepoint: undone
		// with what came before it in the item, and the transaction goes
		// on (in PostgreSQL the refusal would abort it otherwise).
		err = tx.Try(ctx, func() error {
			if err := tx.Exec(ctx, "UPDATE tst_items SET n = 99 WHERE id = $1", "b"); err != nil {
				return err
			}
			return tx.Exec(ctx, "UPDATE tst_items SET n = $1 WHERE id = $2", -1, "a")
		})
		if err == nil {
			t.Error("a statement breaking a CHECK ran")
		}
		return tx.Exec(ctx, "INSERT INTO tst_log (seq, what) VALUES ($1, $2)", 1, "after the failed item")
	})
	if err != nil {
		t.Fatal(err)
	}
	// Read outside the write: every row, in the query's order; a row's
	// error ends the read with it.
	var got []string
	err = ps.ReadProjection(ctx, "SELECT id, n FROM tst_items WHERE n >= $1 ORDER BY id DESC", []any{0}, func(scan func(...any) error) error {
		var id string
		var n int64
		if err := scan(&id, &n); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%s=%d", id, n))
		return nil
	})
	if err != nil || strings.Join(got, " ") != "b=0 a=10" {
		t.Errorf("ReadProjection = %v, %v; want b=0 a=10", got, err)
	}
	stop := errors.New("stop")
	if err := ps.ReadProjection(ctx, "SELECT id FROM tst_items", nil, func(func(...any) error) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ReadProjection with a row's error = %v, want it", err)
	}
	// A write that fails leaves nothing.
	boom := errors.New("boom")
	err = writeP(t, s, func(tx projectionTx) error {
		if err := tx.Exec(ctx, "DELETE FROM tst_items"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want fn's error", err)
	}
	err = writeP(t, s, func(tx projectionTx) error {
		var n, logged int64
		if ok, err := tx.QueryRow(ctx, "SELECT n FROM tst_items WHERE id = $1", []any{"b"}, &n); err != nil || !ok || n != 0 {
			t.Errorf("b after the failed item: %v, %v, n %d; want 0", ok, err, n)
		}
		if ok, err := tx.QueryRow(ctx, "SELECT count(*) FROM tst_items", nil, &n); err != nil || !ok || n != 2 {
			t.Errorf("items after the failed write: %v, %v, %d; want 2", ok, err, n)
		}
		if ok, err := tx.QueryRow(ctx, "SELECT count(*) FROM tst_log", nil, &logged); err != nil || !ok || logged != 1 {
			t.Errorf("log rows: %v, %v, %d; want the one written after the failed item", ok, err, logged)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testFollowerPositions: a follower's position moves only from where it
// is, in the transaction, and is read back by name; LastSeq is the last
// record's seq.
func testFollowerPositions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := projections(t, s)
	if seq, err := ps.LastSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LastSeq of an empty store = %d, %v; want 0", seq, err)
	}
	rs := []store.Record{newRecord("note", record.Audience{Scope: record.Public}, -1), newRecord("note", record.Audience{Scope: record.Public}, -1)}
	appendRecords(t, s, &rs[0], &rs[1])
	if seq, err := ps.LastSeq(ctx); err != nil || seq != rs[1].Seq {
		t.Fatalf("LastSeq = %d, %v; want %d", seq, err, rs[1].Seq)
	}
	if pos, err := ps.FollowerPositions(ctx); err != nil || len(pos) != 0 {
		t.Fatalf("FollowerPositions of a new store = %v, %v", pos, err)
	}
	move := func(name string, from, to int64) error {
		return writeP(t, s, func(tx projectionTx) error { return tx.SetFollowerPosition(ctx, name, from, to) })
	}
	if err := move("tst", 0, 5); err != nil {
		t.Fatal(err)
	}
	if err := move("tst", 0, 7); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("moving from 0 a follower at 5: %v, want ErrConflict", err)
	}
	if err := move("tst", 4, 7); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("moving from 4 a follower at 5: %v, want ErrConflict", err)
	}
	if err := move("tst_other", 3, 7); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("moving from 3 a follower at 0: %v, want ErrConflict", err)
	}
	if err := move("tst", 5, 9); err != nil {
		t.Fatal(err)
	}
	if err := move("tst_other", 0, 2); err != nil {
		t.Fatal(err)
	}
	if err := move("tst", 9, -1); err == nil {
		t.Fatal("a negative position was stored")
	}
	// Rolled back with its transaction.
	boom := errors.New("boom")
	err := writeP(t, s, func(tx projectionTx) error {
		if err := tx.SetFollowerPosition(ctx, "tst", 9, 11); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if pos, err := ps.FollowerPositions(ctx); err != nil || !maps.Equal(pos, map[string]int64{"tst": 9, "tst_other": 2}) {
		t.Fatalf("FollowerPositions = %v, %v; want tst at 9 and tst_other at 2", pos, err)
	}
}

// testResetProjection: a reset empties the projection's tables and its
// position, and refuses, before deleting anything, a table that is not the
// projection's: another name, a name to quote, or one of the kernel's
// tables that happens to start with the projection's name.
func testResetProjection(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := projections(t, s)
	migrateTst(t, ps)
	putEntities(t, s, newEntity("round", "r1", 1, record.Audience{Scope: record.Public}))
	err := writeP(t, s, func(tx projectionTx) error {
		for _, q := range []string{"INSERT INTO tst_items (id, n) VALUES ('a', 1)", "INSERT INTO tst_log (seq, what) VALUES (1, 'a')"} {
			if err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return tx.SetFollowerPosition(ctx, "tst", 0, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(table string) int64 {
		var n int64
		if err := writeP(t, s, func(tx projectionTx) error {
			_, err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table, nil, &n)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name   string
		tables []string
	}{
		{"tst", []string{"tst_items", "entities"}},
		{"tst", []string{"tst_items", "records"}},
		{"tst", []string{"tst_items", `tst_log"; DELETE FROM entities; --`}},
		{"tst", []string{"tst_items", "TST_LOG"}},
		{"tst", []string{"tst_items", "tst"}},
		{"entity", []string{"entity_fields"}},
		{"parley", []string{"parley_followers"}},
	} {
		err := writeP(t, s, func(tx projectionTx) error { return tx.ResetProjection(ctx, c.name, c.tables) })
		if err == nil {
			t.Errorf("ResetProjection(%q, %q) was not refused", c.name, c.tables)
		}
		err = writeP(t, s, func(tx projectionTx) error {
			_, err := tx.RowDigests(ctx, c.name, c.tables[len(c.tables)-1])
			return err
		})
		if err == nil {
			t.Errorf("RowDigests(%q, %q) was not refused", c.name, c.tables[len(c.tables)-1])
		}
	}
	if n := count("tst_items"); n != 1 {
		t.Fatalf("a refused reset deleted rows: tst_items has %d, want 1", n)
	}
	if es, _, err := s.Entities(ctx, access.System, store.Query{Kind: "round", Limit: 10}); err != nil || len(es) != 1 {
		t.Fatalf("entities after refused resets: %d, %v", len(es), err)
	}
	if pos, _ := ps.FollowerPositions(ctx); pos["tst"] != 1 {
		t.Fatalf("position after refused resets = %d, want 1", pos["tst"])
	}
	if err := writeP(t, s, func(tx projectionTx) error { return tx.ResetProjection(ctx, "tst", []string{"tst_items", "tst_log"}) }); err != nil {
		t.Fatal(err)
	}
	if a, b := count("tst_items"), count("tst_log"); a != 0 || b != 0 {
		t.Fatalf("after a reset: %d items, %d log rows; want none", a, b)
	}
	if pos, _ := ps.FollowerPositions(ctx); len(pos) != 0 {
		t.Fatalf("positions after a reset = %v, want none", pos)
	}
	if es, _, err := s.Entities(ctx, access.System, store.Query{Kind: "round", Limit: 10}); err != nil || len(es) != 1 {
		t.Fatalf("a projection's reset touched the entities: %d, %v", len(es), err)
	}
}

// testRowDigests: a table's digests are the same for the same rows
// whatever order they were written in, and differ when a row differs, a
// row is added, a row is there twice, or NULL stands for an empty string.
func testRowDigests(t *testing.T, s store.Store) {
	ctx := t.Context()
	ps := projections(t, s)
	migrateTst(t, ps)
	digests := func(fill func(tx projectionTx) error) []string {
		t.Helper()
		var out []string
		err := writeP(t, s, func(tx projectionTx) error {
			if err := tx.ResetProjection(ctx, "tst", []string{"tst_items", "tst_log"}); err != nil {
				return err
			}
			if err := fill(tx); err != nil {
				return err
			}
			items, err := tx.RowDigests(ctx, "tst", "tst_items")
			if err != nil {
				return err
			}
			log, err := tx.RowDigests(ctx, "tst", "tst_log")
			// A marker between the tables, so that a row cannot pass
			// from one table's list to the other's unseen.
			out = append(append(items, "log"), log...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ins := func(rows ...[]any) func(tx projectionTx) error {
		return func(tx projectionTx) error {
			for _, r := range rows {
				if len(r) == 2 {
					if err := tx.Exec(ctx, "INSERT INTO tst_log (seq, what) VALUES ($1, $2)", r...); err != nil {
						return err
					}
					continue
				}
				if err := tx.Exec(ctx, "INSERT INTO tst_items (id, n, note) VALUES ($1, $2, $3)", r...); err != nil {
					return err
				}
			}
			return nil
		}
	}
	a, b, c := []any{"a", 1, "x"}, []any{"b", 2, nil}, []any{"c", 3, ""}
	l1, l2 := []any{1, "one"}, []any{2, "two"}
	base := digests(ins(a, b, c, l1, l2, l1))
	if len(base) != 3+1+3 {
		t.Fatalf("%d digests, want 3 items, the marker and 3 log rows: %q", len(base), base)
	}
	if again := digests(ins(l1, c, l2, a, l1, b)); !slices.Equal(again, base) {
		t.Error("the same rows in another order have other digests")
	}
	for name, fill := range map[string]func(projectionTx) error{
		"a value changed":   ins(a, []any{"b", 2, "y"}, c, l1, l2, l1),
		"NULL for ''":       ins(a, b, []any{"c", 3, nil}, l1, l2, l1),
		"'' for NULL":       ins(a, []any{"b", 2, ""}, c, l1, l2, l1),
		"a row more":        ins(a, b, c, []any{"d", 4, nil}, l1, l2, l1),
		"a row less":        ins(a, b, l1, l2, l1),
		"a duplicate fewer": ins(a, b, c, l1, l2),
		"another table's":   ins(a, b, c, l1, l2, l2),
	} {
		if got := digests(fill); slices.Equal(got, base) {
			t.Errorf("%s: the digests did not change", name)
		}
	}
}
