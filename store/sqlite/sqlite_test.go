package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/storetest"

	sqlite3 "modernc.org/sqlite/lib"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// setUserVersion changes the schema version behind the store's back.
func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

func TestSchemaRefusal(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	t.Run("fresh database without migrate", func(t *testing.T) {
		path := filepath.Join(dir, "fresh.db")
		_, err := Open(ctx, path, false)
		if !errors.Is(err, store.ErrSchema) {
			t.Fatalf("err = %v, want ErrSchema", err)
		}
		if !strings.Contains(err.Error(), "parley migrate") {
			t.Errorf("error %q does not say to run parley migrate", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open without migrate created %s (stat: %v)", path, err)
		}
	})

	t.Run("empty file without migrate", func(t *testing.T) {
		path := filepath.Join(dir, "empty.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, path, false)
		if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "parley migrate") {
			t.Fatalf("err = %v, want ErrSchema saying to run parley migrate", err)
		}
	})

	path := filepath.Join(dir, "parley.db")
	s, err := Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("current version", func(t *testing.T) {
		s, err := Open(ctx, path, false)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})

	t.Run("older version without migrate", func(t *testing.T) {
		// Pretend the database predates this build: what matters here is
		// that the mismatch is caught and named (TestMigrateFromVersion1
		// upgrades a real older schema).
		old := store.SchemaVersion - 1
		setUserVersion(t, path, old)
		defer setUserVersion(t, path, store.SchemaVersion)
		_, err := Open(ctx, path, false)
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
			setUserVersion(t, path, newer)
			defer setUserVersion(t, path, store.SchemaVersion)
			_, err := Open(ctx, path, migrate)
			if !errors.Is(err, store.ErrSchema) {
				t.Fatalf("err = %v, want ErrSchema", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprint(newer)) || !strings.Contains(msg, fmt.Sprint(store.SchemaVersion)) || !strings.Contains(msg, "older than the database") {
				t.Errorf("error %q should name versions %d and %d and say this build is older than the database", msg, newer, store.SchemaVersion)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != store.SchemaVersion {
		t.Fatalf("%d migrations, want %d", len(migs), store.SchemaVersion)
	}
	// Migrating twice is a no-op, and the version lands in user_version.
	path := filepath.Join(t.TempDir(), "parley.db")
	for range 2 {
		s, err := Open(t.Context(), path, true)
		if err != nil {
			t.Fatal(err)
		}
		v, err := userVersion(t.Context(), s.w)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.SchemaVersion {
			t.Fatalf("user_version = %d, want %d", v, store.SchemaVersion)
		}
		s.Close()
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ name, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "2"},
		{"busy_timeout", fmt.Sprint(busyTimeoutMS)},
		{"query_only", "0"},
	} {
		if got := pragma(s.w, c.name); got != c.want {
			t.Errorf("writer: PRAGMA %s = %s, want %s", c.name, got, c.want)
		}
	}
	// Hold several read connections at once, so that more than one of the
	// pool is checked.
	var conns []*sql.Conn
	for range 3 {
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, p := range []struct{ name, want string }{{"journal_mode", "wal"}, {"query_only", "1"}} {
			var v string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v != p.want {
				t.Errorf("reader %d: PRAGMA %s = %s, want %s", i, p.name, v, p.want)
			}
		}
		if _, err := c.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('x', x'00')"); err == nil {
			t.Errorf("reader %d accepted a write", i)
		}
		c.Close()
	}
}

// TestReadsDoNotWaitForWriter holds a write transaction open and reads
// meanwhile: WAL and the separate read pool must let the read through.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	s := openTemp(t)
	e := store.Entity{Kind: "round", ID: "r1", Audience: record.Audience{Scope: record.Public}, RecordID: "x", Version: 1, CreatedSeq: 1}
	if err := s.Write(t.Context(), func(tx store.Tx) error { return tx.PutEntity(t.Context(), e) }); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Write(t.Context(), func(tx store.Tx) error {
			e2 := e
			e2.Version = 2
			if err := tx.PutEntity(t.Context(), e2); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	got, err := s.Entity(ctx, access.Anonymous, "round", "r1")
	cancel()
	close(release)
	if err != nil {
		t.Fatalf("read during a write: %v", err)
	}
	if got.Version != 1 {
		t.Errorf("read during a write saw version %d, want the committed 1", got.Version)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestWriteLocksAtBegin checks that Write begins IMMEDIATE: the write lock
// is held from the start of fn, before fn writes anything.
func TestWriteLocksAtBegin(t *testing.T) {
	s := openTemp(t)
	other, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = s.Write(t.Context(), func(store.Tx) error {
		_, err := other.ExecContext(t.Context(), "BEGIN IMMEDIATE")
		if err == nil {
			other.ExecContext(t.Context(), "ROLLBACK")
			return errors.New("another connection took the write lock during Write")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordsAppendOnly goes behind the store's back, straight to the
// writer connection, as any other program with the file could: the triggers
// and the unique index must refuse every change to a record but setting an
// unset leaf index, once, to an index no other record holds.
func TestRecordsAppendOnly(t *testing.T) {
	s := openTemp(t)
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
		_, err := s.w.ExecContext(ctx, q, args...)
		return err
	}
	// refused: by the append-only triggers or the unique leaf index, not
	// by a mistake in the statement.
	refused := func(err error) bool {
		c := sqliteCode(err)
		return c == sqlite3.SQLITE_CONSTRAINT_TRIGGER || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	for _, c := range []struct {
		what, q string
		args    []any
	}{
		{"changing every record's kind", "UPDATE records SET kind = 'other'", nil},
		{"changing a pending record's canonical bytes", "UPDATE records SET canonical = x'7b7d' WHERE id = ?", []any{pending.ID}},
		{"changing a sequenced record's canonical bytes", "UPDATE records SET canonical = x'7b7d' WHERE id = ?", []any{set.ID}},
		{"changing a commitment", "UPDATE records SET commitment = x'00' WHERE id = ?", []any{pending.ID}},
		{"changing a seq", "UPDATE records SET seq = seq + 100 WHERE id = ?", []any{pending.ID}},
		{"deleting a pending record", "DELETE FROM records WHERE id = ?", []any{pending.ID}},
		{"deleting a sequenced record", "DELETE FROM records WHERE id = ?", []any{set.ID}},
		{"deleting every record", "DELETE FROM records", nil},
		{"changing a set leaf index", "UPDATE records SET leaf_index = 5 WHERE id = ?", []any{set.ID}},
		{"unsetting a set leaf index", "UPDATE records SET leaf_index = NULL WHERE id = ?", []any{set.ID}},
		{"giving a second record a leaf index another holds", "UPDATE records SET leaf_index = 9 WHERE id = ?", []any{pending.ID}},
		{"setting a leaf index and changing the bytes at once", "UPDATE records SET leaf_index = 4, canonical = x'7b7d' WHERE id = ?", []any{pending.ID}},
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
	if err := exec("UPDATE records SET leaf_index = 4 WHERE id = ?", pending.ID); err != nil {
		t.Errorf("setting an unset leaf index: %v", err)
	}
	if err := exec("UPDATE records SET leaf_index = 5 WHERE id = ?", pending.ID); !refused(err) {
		t.Errorf("changing a leaf index just set: err = %v, want the trigger's refusal", err)
	}
	got, err := s.RecordByID(ctx, pending.ID)
	if err != nil || got.Kind != "note" || got.LeafIndex != 4 || string(got.Canonical) != `{"v":1}` {
		t.Fatalf("record after attempts = %+v, %v", got, err)
	}
}

// TestMigrateFromVersion1 upgrades a version 1 database, in which records
// may hold leaf indexes already, to the current version.
func TestMigrateFromVersion1(t *testing.T) {
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// atVersion1 makes a database at version 1 holding records with these
	// leaf indexes (-1: none), and returns its path and the record ids.
	atVersion1 := func(t *testing.T, leaves ...int64) (string, []string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "parley.db")
		w, err := sql.Open("sqlite", writerDSN(path))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := applyMigration(ctx, w, path, migs[0]); err != nil {
			t.Fatal(err)
		}
		// A principal with a token, from before signing keys.
		if _, err := w.ExecContext(ctx, `INSERT INTO principals (id, login, name, party, party_role, roles, password_hash, created)
			VALUES ('p1', 'alice', 'Alice', 'a', 'party', 'approver', 'hash', 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ExecContext(ctx, `INSERT INTO tokens (hash, principal_id, label, created) VALUES ('h1', 'p1', 'cli', 0)`); err != nil {
			t.Fatal(err)
		}
		// An entity, from before the list columns.
		if _, err := w.ExecContext(ctx, `INSERT INTO entities (kind, id, parent, aud_scope, record_id, version, created_seq, created, updated, body)
			VALUES ('round', 'r1', 'p', 'public', 'rec', 1, 7, 0, 0, '{}')`); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, l := range leaves {
			leaf := sql.NullInt64{Int64: l, Valid: l >= 0}
			id := record.NewID()
			_, err := w.ExecContext(ctx, `INSERT INTO records (id, kind, subject, at, author_principal, author_party,
				aud_scope, canonical, salt, commitment, leaf_index) VALUES (?, 'note', 's', 0, 'p', 'a', 'public', x'7b7d', x'01', x'02', ?)`, id, leaf)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return path, ids
	}

	t.Run("upgrade", func(t *testing.T) {
		path, ids := atVersion1(t, 0, -1, 1, -1)
		if _, err := Open(ctx, path, false); !errors.Is(err, store.ErrSchema) {
			t.Fatalf("opening a version 1 database without migrate: err = %v, want ErrSchema", err)
		}
		s, err := Open(ctx, path, true)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v, err := userVersion(ctx, s.w); err != nil || v != store.SchemaVersion {
			t.Fatalf("user_version = %d, %v; want %d", v, err, store.SchemaVersion)
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
		for _, name := range []string{"records_leaf_index", "records_pending"} {
			var n int
			if err := s.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(&n); err != nil || n != 1 {
				t.Errorf("index %s: %d, %v", name, n, err)
			}
		}
		checkSigningKeyUpgrade(t, s)
		storetest.CheckListUpgrade(t, s)
	})

	t.Run("duplicate leaf indexes", func(t *testing.T) {
		// Two records with one leaf: the migration fails, all of it, and
		// the database stays at version 1.
		path, _ := atVersion1(t, 3, 3)
		if _, err := Open(ctx, path, true); err == nil || !strings.Contains(err.Error(), "0002") {
			t.Fatalf("migrating a database with a duplicate leaf index: err = %v, want migration 0002 to fail", err)
		}
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, err := userVersion(ctx, db); err != nil || v != 1 {
			t.Errorf("user_version after a failed migration = %d, %v; want 1", v, err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('records_leaf_index', 'records_pending')").Scan(&n); err != nil || n != 0 {
			t.Errorf("a failed migration left %d of its indexes (%v)", n, err)
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

func TestOpenRefusesMemory(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file::memory:"} {
		if _, err := Open(t.Context(), p, true); err == nil {
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "parley 1.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}

func BenchmarkWrite(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := store.Record{ID: record.NewID(), Kind: "note", Subject: "s", At: time.Now(),
			Author: record.Author{Principal: "p1", Party: "a"}, Audience: record.Audience{Scope: record.Parties},
			Canonical: []byte(`{"v":1}`), Salt: record.NewSalt(), Commitment: make([]byte, 32), LeafIndex: -1}
		err := s.Write(ctx, func(tx store.Tx) error {
			if err := tx.AppendRecord(ctx, &r); err != nil {
				return err
			}
			return tx.PutEntity(ctx, store.Entity{Kind: "note", ID: r.ID, Audience: r.Audience, RecordID: r.ID,
				Version: 1, CreatedSeq: r.Seq, Created: r.At, Updated: r.At, Body: []byte(`{"title":"a note"}`)})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEntityRead(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	const n = 1000
	err := s.Write(ctx, func(tx store.Tx) error {
		for i := range n {
			a := record.Audience{Scope: record.PartyMediator, Party: []string{"a", "b"}[i%2]}
			err := tx.PutEntity(ctx, store.Entity{Kind: "note", ID: fmt.Sprint("n", i), Audience: a, RecordID: "r",
				Version: 1, CreatedSeq: int64(i + 1), Created: time.Now(), Updated: time.Now(), Body: []byte(`{"title":"a note"}`)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	v := access.ViewerOf(access.Principal{Party: "med", PartyRole: access.ProcessMediator})
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % n
			if _, err := s.Entity(ctx, v, "note", fmt.Sprint("n", i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestRebuildClearsFieldRows checks what no reader can see: that Rebuild
// leaves no row of entity_fields behind for entities it does not put anew.
func TestRebuildClearsFieldRows(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	e := store.Entity{Kind: "stale", ID: "s1", Audience: record.Audience{Scope: record.Public}, RecordID: "x", Version: 1,
		CreatedSeq: 1, Fields: map[string][]string{"a": {"1"}, "b": {"2"}}}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.PutEntity(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM entity_fields").Scan(&n); err != nil {
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

// list1M is BenchmarkList1M's database: loaded once per run of the test
// binary into a temporary directory, removed by TestMain.
var list1M struct {
	once sync.Once
	dir  string
	s    *Store
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if list1M.s != nil {
		list1M.s.Close()
	}
	if list1M.dir != "" {
		os.RemoveAll(list1M.dir)
	}
	os.Exit(code)
}

// BenchmarkList1M runs storetest.BenchmarkList1M on a million entities of
// one kind. Loading them takes a minute or two, once per run.
func BenchmarkList1M(b *testing.B) {
	list1M.once.Do(func() {
		ctx := context.Background()
		list1M.dir, list1M.err = os.MkdirTemp("", "parley-list1m-")
		if list1M.err != nil {
			return
		}
		list1M.s, list1M.err = Open(ctx, filepath.Join(list1M.dir, "parley.db"), true)
		if list1M.err != nil {
			return
		}
		list1M.err = storetest.LoadList1M(ctx, list1M.s, b.Logf)
	})
	if list1M.err != nil {
		b.Fatal(list1M.err)
	}
	s := list1M.s
	storetest.BenchmarkList1M(b, s, func(ctx context.Context, v access.Viewer, q store.Query) (string, error) {
		var a args
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+listQuery(entityRows, v, q, max(q.Limit, 1), &a), a...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				return "", err
			}
			lines = append(lines, detail)
		}
		return strings.Join(lines, "\n"), rows.Err()
	})
}

// migratedFrom makes a database at schema version n, runs stmts on it, and
// opens it, which migrates it to this build's version.
func migratedFrom(t *testing.T, n int, stmts ...string) *Store {
	t.Helper()
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	w, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs[:n] {
		if err := applyMigration(t.Context(), w, path, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range stmts {
		if _, err := w.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	s, err := Open(t.Context(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateListFields: version 9 makes entity_fields anew with a key
// that takes a value per row; the fields of entities from before are kept,
// and an entity can then hold several values of one field.
func TestMigrateListFields(t *testing.T) {
	ctx := t.Context()
	s := migratedFrom(t, 8,
		`INSERT INTO entities (kind, id, parent, aud_scope, record_id, version, created_seq, created, updated, body, party, status, at)
			VALUES ('incident', 'i1', '', 'public', 'rec', 1, 7, 0, 0, '{}', '', '', 0)`,
		`INSERT INTO entity_fields (kind, id, name, value, created_seq, at) VALUES ('incident', 'i1', 'target_class', 'energy', 7, 0)`,
	)
	e, err := s.Entity(ctx, access.System, "incident", "i1")
	if err != nil || strings.Join(e.Fields["target_class"], ",") != "energy" {
		t.Fatalf("entity from before version 9 = %+v, %v; want its field kept", e, err)
	}
	e.Fields["reports"] = []string{"r1", "r2"}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.PutEntity(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"r1", "r2"} {
		es, _, err := s.Entities(ctx, access.System, store.Query{Kind: "incident", Fields: map[string]string{"reports": r}, Limit: 10})
		if err != nil || len(es) != 1 || strings.Join(es[0].Fields["reports"], ",") != "r1,r2" {
			t.Errorf("incidents with report %s = %+v, %v; want i1 with both reports", r, es, err)
		}
	}
}

// TestMigrateItems: version 12 moves the entities of batch items out of
// entities into items, fields kept, bodies then read from their records;
// other entities stay.
func TestMigrateItems(t *testing.T) {
	ctx := t.Context()
	s := migratedFrom(t, 11,
		`INSERT INTO records (seq, id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment, batch, batch_pos)
			VALUES (1, 'item1', 'report', 'item1', 5, 'p', 'a', 'parties', CAST('{"body":{"n":1},"id":"item1"}' AS BLOB), x'00', x'00', 'batch1', 0)`,
		`INSERT INTO records (seq, id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment)
			VALUES (2, 'batch1', 'parley.batch', 'batch1', 5, 'p', 'a', 'parties', CAST('{}' AS BLOB), x'00', x'00')`,
		`INSERT INTO records (seq, id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment)
			VALUES (3, 'rec3', 'report', 'r3', 6, 'p', 'a', 'parties', CAST('{"body":{"n":3}}' AS BLOB), x'00', x'00')`,
		`INSERT INTO entities (kind, id, parent, aud_scope, record_id, version, created_seq, created, updated, body, party, status, at)
			VALUES ('report', 'item1', '', 'parties', 'item1', 1, 1, 5, 5, '{"n":1}', 'a', '', 9)`,
		`INSERT INTO entities (kind, id, parent, aud_scope, record_id, version, created_seq, created, updated, body, party, status, at)
			VALUES ('report', 'r3', '', 'parties', 'rec3', 1, 3, 6, 6, '{"n":3}', 'a', '', 8)`,
		`INSERT INTO entity_fields (kind, id, name, value, created_seq, at) VALUES ('report', 'item1', 'source_ref', 's1', 1, 9)`,
	)
	var left int
	if err := s.r.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM entities WHERE id = 'item1') + (SELECT count(*) FROM entity_fields WHERE id = 'item1')").Scan(&left); err != nil || left != 0 {
		t.Errorf("the item's rows left in entities and entity_fields: %d, %v", left, err)
	}
	if stray, err := s.StrayItems(ctx, 10); err != nil || len(stray) > 0 {
		t.Errorf("the items moved are not their records' projection: %v, %v", stray, err)
	}
	e, err := s.Entity(ctx, access.System, "report", "item1")
	if err != nil || string(e.Body) != `{"n":1}` || e.Party != "a" || e.CreatedSeq != 1 || e.At.UnixMicro() != 9 || e.Fields["source_ref"][0] != "s1" {
		t.Fatalf("the item after version 12 = %+v, %v", e, err)
	}
	es, _, err := s.Entities(ctx, access.System, store.Query{Kind: "report", Order: store.OrderAt, Limit: 10})
	if err != nil || len(es) != 2 || es[0].ID != "r3" || es[1].ID != "item1" {
		t.Errorf("reports by time after version 12 = %+v, %v; want r3 then item1", es, err)
	}
	es, _, err = s.Entities(ctx, access.System, store.Query{Kind: "report", Fields: map[string]string{"source_ref": "s1"}, Limit: 10})
	if err != nil || len(es) != 1 || es[0].ID != "item1" {
		t.Errorf("reports of source_ref s1 after version 12 = %+v, %v; want item1", es, err)
	}
}
