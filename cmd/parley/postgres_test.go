package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresSchema returns a connection string whose search_path is a new,
// empty schema (dropped at the end of the test) in the database that
// PARLEY_TEST_POSTGRES names, as the store/postgres tests do; it skips the
// test if that variable is unset.
func postgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") != "" {
			t.Fatal("PARLEY_REQUIRE_POSTGRES is set but PARLEY_TEST_POSTGRES is not")
		}
		t.Skip("PARLEY_TEST_POSTGRES is not set: the PostgreSQL end-to-end test is skipped")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "parley_cmd_test_" + hex.EncodeToString(b)
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + schema
}

func TestInitServePostgres(t *testing.T) {
	conn := postgresSchema(t)
	dir := t.TempDir()

	// serve refuses the empty schema before init has migrated it.
	unmigrated := filepath.Join(dir, "unmigrated.json")
	if err := os.WriteFile(unmigrated, []byte(`{"store": "postgres", "data_dir": "data", "postgres": "`+strings.ReplaceAll(conn, `"`, `\"`)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := parley(t, "serve", "--config", unmigrated)
	if code != exitError || !strings.Contains(stderr, "parley migrate") {
		t.Errorf("serve on an unmigrated PostgreSQL schema = %d %q", code, stderr)
	}

	// The data dir holds the transparency log, whichever the store.
	installAndServe(t, dir, "--store", "postgres", "--postgres", conn, "--data", filepath.Join(dir, "data"))
}
