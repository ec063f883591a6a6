package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/storetest"
)

// baseConn returns the connection string of the test database, or skips.
func baseConn(t testing.TB) string {
	t.Helper()
	cs := os.Getenv("PARLEY_TEST_POSTGRES")
	if cs == "" {
		// CI sets PARLEY_REQUIRE_POSTGRES so that a missing database fails
		// the run instead of passing it with the suite silently skipped.
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") != "" {
			t.Fatal("PARLEY_REQUIRE_POSTGRES is set but PARLEY_TEST_POSTGRES is not: the PostgreSQL suite must run")
		}
		t.Skip("PARLEY_TEST_POSTGRES is not set: PostgreSQL conformance suite skipped")
	}
	return cs
}

// admin runs one statement on its own connection, outside any store.
func admin(t testing.TB, cs, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// withSearchPath sets search_path in a connection string, URL or
// keyword/value; pgx passes unknown settings on as run-time parameters.
func withSearchPath(t testing.TB, cs, schema string) string {
	t.Helper()
	if strings.HasPrefix(cs, "postgres://") || strings.HasPrefix(cs, "postgresql://") {
		u, err := url.Parse(cs)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return cs + " search_path=" + schema
}

// freshSchema creates an empty schema of its own, dropped at cleanup, and
// returns its name and a connection string whose search_path is it.
func freshSchema(t testing.TB) (schema, cs string) {
	t.Helper()
	base := baseConn(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema = "parley_test_" + hex.EncodeToString(b)
	admin(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { admin(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	return schema, withSearchPath(t, base, schema)
}

// openFresh opens a migrated store in a fresh schema.
func openFresh(t testing.TB) *Store {
	t.Helper()
	_, cs := freshSchema(t)
	s, err := Open(context.Background(), cs, true)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the schema's cleanup, so it runs before it.
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	baseConn(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
}

func setVersion(t *testing.T, schema string, v int) {
	t.Helper()
	admin(t, baseConn(t), "UPDATE "+schema+".parley_schema SET version = $1", v)
}

func TestSchemaRefusal(t *testing.T) {
	baseConn(t)
	ctx := t.Context()

	t.Run("fresh schema without migrate", func(t *testing.T) {
		schema, cs := freshSchema(t)
		_, err := Open(ctx, cs, false)
		if !errors.Is(err, store.ErrSchema) {
			t.Fatalf("err = %v, want ErrSchema", err)
		}
		if !strings.Contains(err.Error(), "parley migrate") {
			t.Errorf("error %q does not say to run parley migrate", err)
		}
		// Nothing was created.
		c, err := pgx.Connect(ctx, baseConn(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("Open without migrate created %d tables", n)
		}
	})

	schema, cs := freshSchema(t)
	s, err := Open(ctx, cs, true)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	t.Run("current version", func(t *testing.T) {
		s, err := Open(ctx, cs, false)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})

	t.Run("older version without migrate", func(t *testing.T) {
		setVersion(t, schema, store.SchemaVersion-1)
		defer setVersion(t, schema, store.SchemaVersion)
		_, err := Open(ctx, cs, false)
		if !errors.Is(err, store.ErrSchema) {
			t.Fatalf("err = %v, want ErrSchema", err)
		}
		if !strings.Contains(err.Error(), "parley migrate") || !strings.Contains(err.Error(), fmt.Sprint(store.SchemaVersion)) {
			t.Errorf("error %q should name version %d and say to run parley migrate", err, store.SchemaVersion)
		}
	})

	newer := store.SchemaVersion + 1
	for _, migrate := range []bool{false, true} {
		t.Run(fmt.Sprintf("newer version, migrate %v", migrate), func(t *testing.T) {
			setVersion(t, schema, newer)
			defer setVersion(t, schema, store.SchemaVersion)
			_, err := Open(ctx, cs, migrate)
			if !errors.Is(err, store.ErrSchema) {
				t.Fatalf("err = %v, want ErrSchema", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprint(newer)) || !strings.Contains(msg, fmt.Sprint(store.SchemaVersion)) || !strings.Contains(msg, "older than the database") {
				t.Errorf("error %q should name versions %d and %d and say this build is older than the database", msg, newer, store.SchemaVersion)
			}
		})
	}

	t.Run("missing schema", func(t *testing.T) {
		_, err := Open(ctx, withSearchPath(t, baseConn(t), "parley_test_does_not_exist"), true)
		if err == nil {
			t.Fatal("Open succeeded with no schema to put the tables in")
		}
	})
}

func TestMigrations(t *testing.T) {
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != store.SchemaVersion {
		t.Fatalf("%d migrations, want %d", len(migs), store.SchemaVersion)
	}
	_, cs := freshSchema(t)
	// Migrating twice, even at once, is a no-op the second time.
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			s, err := Open(t.Context(), cs, true)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(t.Context(), cs, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := schemaVersion(t.Context(), s.r)
	if err != nil || v != store.SchemaVersion {
		t.Fatalf("schema version = %d, %v; want %d", v, err, store.SchemaVersion)
	}
}

// TestRecordsAppendOnly goes behind the store's back, straight to the
// writer pool, as any other client of the database could: the trigger and
// the unique index must refuse every change to a record but setting an
// unset leaf index, once, to an index no other record holds.
func TestRecordsAppendOnly(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	newRec := func() store.Record {
		return store.Record{ID: record.NewID(), Kind: "note", At: time.Now(), Audience: record.Audience{Scope: record.Public},
			Canonical: []byte(`{"v":1}`), Salt: []byte{1}, Commitment: []byte{2}, LeafIndex: -1}
	}
	pending, set := newRec(), newRec()
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.AppendRecord(ctx, &pending); err != nil {
			return err
		}
		if err := tx.AppendRecord(ctx, &set); err != nil {
			return err
		}
		return tx.SetLeafIndex(ctx, set.ID, 9)
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Records(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) error {
		_, err := s.w.Exec(ctx, q, args...)
		return err
	}
	// refused: by the append-only trigger (restrict_violation) or the
	// unique leaf index (unique_violation), not by a mistake in the
	// statement.
	refused := func(err error) bool { c := pgCode(err); return c == "23001" || c == "23505" }
	for _, c := range []struct {
		what, q string
		args    []any
	}{
		{"changing every record's kind", "UPDATE records SET kind = 'other'", nil},
		{"changing a pending record's canonical bytes", `UPDATE records SET canonical = '\x7b7d' WHERE id = $1`, []any{pending.ID}},
		{"changing a sequenced record's canonical bytes", `UPDATE records SET canonical = '\x7b7d' WHERE id = $1`, []any{set.ID}},
		{"changing a commitment", `UPDATE records SET commitment = '\x00' WHERE id = $1`, []any{pending.ID}},
		{"changing a seq", "UPDATE records SET seq = DEFAULT WHERE id = $1", []any{pending.ID}},
		{"deleting a pending record", "DELETE FROM records WHERE id = $1", []any{pending.ID}},
		{"deleting a sequenced record", "DELETE FROM records WHERE id = $1", []any{set.ID}},
		{"deleting every record", "DELETE FROM records", nil},
		{"truncating the records", "TRUNCATE records", nil},
		{"changing a set leaf index", "UPDATE records SET leaf_index = 5 WHERE id = $1", []any{set.ID}},
		{"unsetting a set leaf index", "UPDATE records SET leaf_index = NULL WHERE id = $1", []any{set.ID}},
		{"giving a second record a leaf index another holds", "UPDATE records SET leaf_index = 9 WHERE id = $1", []any{pending.ID}},
		{"setting a leaf index and changing the bytes at once", `UPDATE records SET leaf_index = 4, canonical = '\x7b7d' WHERE id = $1`, []any{pending.ID}},
	} {
		if err := exec(c.q, c.args...); !refused(err) {
			t.Errorf("%s: err = %v, want the trigger's or the unique index's refusal", c.what, err)
		}
	}
	after, err := s.Records(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("records changed behind parley's back:\n got %+v\nwant %+v", after, before)
	}

	// The one change allowed: an unset leaf index, set once.
	if err := exec("UPDATE records SET leaf_index = 4 WHERE id = $1", pending.ID); err != nil {
		t.Errorf("setting an unset leaf index: %v", err)
	}
	if err := exec("UPDATE records SET leaf_index = 5 WHERE id = $1", pending.ID); !refused(err) {
		t.Errorf("changing a leaf index just set: err = %v, want the trigger's refusal", err)
	}
	got, err := s.RecordByID(ctx, pending.ID)
	if err != nil || got.Kind != "note" || got.LeafIndex != 4 || string(got.Canonical) != `{"v":1}` {
		t.Fatalf("record after attempts = %+v, %v", got, err)
	}
}

// TestMigrateFromVersion1 upgrades a version 1 schema, in which records may
// hold leaf indexes already, to the current version.
func TestMigrateFromVersion1(t *testing.T) {
	baseConn(t)
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// atVersion1 makes a schema at version 1 holding records with these
	// leaf indexes (-1: none), and returns its name, its connection string
	// and the record ids.
	atVersion1 := func(t *testing.T, leaves ...int64) (string, string, []string) {
		t.Helper()
		schema, cs := freshSchema(t)
		cfg, err := pgxpool.ParseConfig(cs)
		if err != nil {
			t.Fatal(err)
		}
		w, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := applyMigration(ctx, w, schema, migs[0]); err != nil {
			t.Fatal(err)
		}
		// A principal with a token, from before signing keys.
		if _, err := w.Exec(ctx, `INSERT INTO principals (id, login, name, party, party_role, roles, password_hash, created)
			VALUES ('p1', 'alice', 'Alice', 'a', 'party', '{approver}', 'hash', now())`); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Exec(ctx, `INSERT INTO tokens (hash, principal_id, label, created) VALUES ('h1', 'p1', 'cli', now())`); err != nil {
			t.Fatal(err)
		}
		// An entity, from before the list columns.
		if _, err := w.Exec(ctx, `INSERT INTO entities (kind, id, parent, aud_scope, record_id, version, created_seq, created, updated, body)
			VALUES ('round', 'r1', 'p', 'public', 'rec', 1, 7, now(), now(), '{}')`); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range leaves {
			var leaf *int64
			if l >= 0 {
				leaf = &l
			}
			id := record.NewID()
			_, err := w.Exec(ctx, `INSERT INTO records (id, kind, subject, at, author_principal, author_party,
				aud_scope, canonical, salt, commitment, leaf_index) VALUES ($1, 'note', 's', now(), 'p', 'a', 'public', '\x7b7d', '\x01', '\x02', $2)`, id, leaf)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return schema, cs, ids
	}
	indexes := func(t *testing.T, schema string) int {
		t.Helper()
		c, err := pgx.Connect(ctx, baseConn(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var n int
		err = c.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname IN ('records_leaf_index', 'records_pending')", schema).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("upgrade", func(t *testing.T) {
		schema, cs, ids := atVersion1(t, 0, -1, 1, -1)
		if _, err := Open(ctx, cs, false); !errors.Is(err, store.ErrSchema) {
			t.Fatalf("opening a version 1 schema without migrate: err = %v, want ErrSchema", err)
		}
		s, err := Open(ctx, cs, true)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v, err := schemaVersion(ctx, s.r); err != nil || v != store.SchemaVersion {
			t.Fatalf("schema version = %d, %v; want %d", v, err, store.SchemaVersion)
		}
		if n, err := s.LeafCount(ctx); err != nil || n != 2 {
			t.Errorf("LeafCount = %d, %v; want 2", n, err)
		}
		rs, err := s.PendingRecords(ctx, 10)
		if err != nil || len(rs) != 2 || rs[0].ID != ids[1] || rs[1].ID != ids[3] {
			t.Errorf("PendingRecords = %+v, %v; want records 1 and 3", rs, err)
		}
		err = s.Write(ctx, func(tx store.Tx) error { return tx.SetLeafIndex(ctx, ids[1], 1) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("taking a leaf index set before the upgrade: err = %v, want ErrConflict", err)
		}
		if n := indexes(t, schema); n != 2 {
			t.Errorf("%d of the 2 indexes of migration 0002 exist", n)
		}
		checkSigningKeyUpgrade(t, s)
		storetest.CheckListUpgrade(t, s)
	})

	t.Run("duplicate leaf indexes", func(t *testing.T) {
		// Two records with one leaf: the migration fails, all of it, and
		// the schema stays at version 1.
		schema, cs, _ := atVersion1(t, 3, 3)
		if _, err := Open(ctx, cs, true); err == nil || !strings.Contains(err.Error(), "0002") {
			t.Fatalf("migrating a schema with a duplicate leaf index: err = %v, want migration 0002 to fail", err)
		}
		c, err := pgx.Connect(ctx, cs)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if v, err := schemaVersion(ctx, c); err != nil || v != 1 {
			t.Errorf("schema version after a failed migration = %d, %v; want 1", v, err)
		}
		if n := indexes(t, schema); n != 0 {
			t.Errorf("a failed migration left %d of its indexes", n)
		}
	})
}

// checkSigningKeyUpgrade checks, on a store just migrated from version 1,
// that the principal p1 (login alice, token h1) made before migration 0003
// has no signing key, and can be given one.
func checkSigningKeyUpgrade(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	p, err := s.PrincipalByLogin(ctx, "alice")
	if err != nil || p.ID != "p1" || p.SigningKey != "" || p.PasswordHash != "hash" {
		t.Fatalf("principal from before the upgrade = %+v, %v; want p1 without a signing key", p, err)
	}
	const key = "alice+1f2e3d4c+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.SetSigningKey(ctx, "p1", key) }); err != nil {
		t.Fatalf("SetSigningKey after the upgrade: %v", err)
	}
	if p, err := s.PrincipalByToken(ctx, "h1"); err != nil || p.ID != "p1" || p.SigningKey != key {
		t.Errorf("principal by token after SetSigningKey = %+v, %v; want key %s", p, err, key)
	}
}

// TestSchemasIndependent checks that two installations in two schemas of
// one database keep apart, and that their write locks differ.
func TestSchemasIndependent(t *testing.T) {
	a, b := openFresh(t), openFresh(t)
	if a.writeLock == b.writeLock {
		t.Fatal("two schemas share a write lock")
	}
	ctx := t.Context()
	r := store.Record{ID: record.NewID(), Kind: "note", At: time.Now(), Audience: record.Audience{Scope: record.Public},
		Canonical: []byte("{}"), Salt: []byte{1}, Commitment: []byte{2}, LeafIndex: -1}
	if err := a.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &r) }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RecordByID(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("record of schema a found in schema b: %v", err)
	}
	// A write held open in a does not hold up b.
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- a.Write(ctx, func(store.Tx) error { close(inside); <-release; return nil })
	}()
	<-inside
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := b.Write(wctx, func(tx store.Tx) error { return tx.SetMeta(wctx, "k", []byte("v")) })
	cancel()
	close(release)
	if err != nil {
		t.Fatalf("write to b while a writes: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRebuildClearsFieldRows checks what no reader can see: that Rebuild
// leaves no row of entity_fields behind for entities it does not put anew.
func TestRebuildClearsFieldRows(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	e := store.Entity{Kind: "stale", ID: "s1", Audience: record.Audience{Scope: record.Public}, RecordID: "x", Version: 1,
		CreatedSeq: 1, Fields: map[string][]string{"a": {"1"}, "b": {"2"}}}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.PutEntity(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := s.r.QueryRow(ctx, "SELECT count(*) FROM entity_fields").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d field rows, want 2", n)
	}
	if err := s.Rebuild(ctx, func(store.Tx, store.Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d field rows after Rebuild, want 0", n)
	}
}

// list1M is BenchmarkList1M's store: loaded once per run of the test binary
// into a schema of its own, dropped by TestMain.
var list1M struct {
	once   sync.Once
	schema string
	s      *Store
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if list1M.s != nil {
		list1M.s.Close()
	}
	if list1M.schema != "" {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, os.Getenv("PARLEY_TEST_POSTGRES")); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+list1M.schema+" CASCADE")
			c.Close(ctx)
		}
	}
	os.Exit(code)
}

// BenchmarkList1M runs storetest.BenchmarkList1M on a million entities of
// one kind. Loading them takes a few minutes, once per run; then VACUUM
// ANALYZE gives the planner the statistics autovacuum would, and CHECKPOINT
// writes what the load left dirty.
func BenchmarkList1M(b *testing.B) {
	base := baseConn(b)
	list1M.once.Do(func() {
		ctx := context.Background()
		rnd := make([]byte, 6)
		rand.Read(rnd)
		schema := "parley_bench_" + hex.EncodeToString(rnd)
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			list1M.err = err
			return
		}
		defer c.Close(ctx)
		if _, list1M.err = c.Exec(ctx, "CREATE SCHEMA "+schema); list1M.err != nil {
			return
		}
		list1M.schema = schema
		list1M.s, list1M.err = Open(ctx, withSearchPath(b, base, schema), true)
		if list1M.err != nil {
			return
		}
		if list1M.err = storetest.LoadList1M(ctx, list1M.s, b.Logf); list1M.err != nil {
			return
		}
		for _, table := range []string{"entities", "entity_fields"} {
			if _, list1M.err = c.Exec(ctx, "VACUUM ANALYZE "+schema+"."+table); list1M.err != nil {
				return
			}
		}
		// The load left a gigabyte of dirty buffers for the checkpointer
		// to write over the next minutes; write them now, so that the
		// pages are timed in a steady state. Only a superuser (or
		// pg_checkpoint) may: otherwise, say so and go on.
		if _, err := c.Exec(ctx, "CHECKPOINT"); err != nil {
			b.Logf("CHECKPOINT: %v (timing with the load's writes pending)", err)
		}
	})
	if list1M.err != nil {
		b.Fatal(list1M.err)
	}
	s := list1M.s
	storetest.BenchmarkList1M(b, s, func(ctx context.Context, v access.Viewer, q store.Query) (string, error) {
		var a args
		rows, err := s.r.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+listQuery(v, q, max(q.Limit, 1), &a), a...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return "", err
			}
			lines = append(lines, line)
		}
		return strings.Join(lines, "\n"), rows.Err()
	})
}
