package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

func TestRecordsAppendOnly(t *testing.T) {
	s := openFresh(t)
	ctx := t.Context()
	r := store.Record{ID: record.NewID(), Kind: "note", At: time.Now(), Audience: record.Audience{Scope: record.Public},
		Canonical: []byte("{}"), Salt: []byte{1}, Commitment: []byte{2}, LeafIndex: -1}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &r) }); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) error {
		_, err := s.w.Exec(ctx, q)
		return err
	}
	if err := exec("UPDATE records SET kind = 'other'"); err == nil {
		t.Error("a record's kind was changed")
	}
	if err := exec("DELETE FROM records"); err == nil {
		t.Error("a record was deleted")
	}
	if err := exec("TRUNCATE records"); err == nil {
		t.Error("records were truncated")
	}
	if err := exec("UPDATE records SET leaf_index = 4"); err != nil {
		t.Errorf("setting an unset leaf index: %v", err)
	}
	if err := exec("UPDATE records SET leaf_index = 5"); err == nil {
		t.Error("a set leaf index was changed")
	}
	got, err := s.RecordByID(ctx, r.ID)
	if err != nil || got.Kind != "note" || got.LeafIndex != 4 {
		t.Fatalf("record after attempts = %+v, %v", got, err)
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
