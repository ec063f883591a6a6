package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres returns the connection string of the test database,
// PARLEY_TEST_POSTGRES. Without it the test is skipped, saying so, unless
// PARLEY_REQUIRE_POSTGRES is set (as CI does), when it fails instead: a
// run that must test PostgreSQL does not pass with those tests skipped.
func Postgres(tb testing.TB) string {
	tb.Helper()
	cs := os.Getenv("PARLEY_TEST_POSTGRES")
	if cs == "" {
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") != "" {
			tb.Fatalf("PARLEY_REQUIRE_POSTGRES is set but PARLEY_TEST_POSTGRES is not: %s must run against PostgreSQL", tb.Name())
		}
		tb.Skipf("PARLEY_TEST_POSTGRES is not set: %s, which needs PostgreSQL, is skipped (set it to a connection string to run it)", tb.Name())
	}
	return cs
}

// PostgresSchema creates a new, empty schema named prefix and random hex
// in the test database (Postgres: it skips or fails as that does), drops
// it at the end of the test, and returns a connection string whose
// search_path is that schema.
func PostgresSchema(tb testing.TB, prefix string) string {
	tb.Helper()
	base := Postgres(tb)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := prefix + hex.EncodeToString(b)
	exec := func(sql string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	tb.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	return withSearchPath(tb, base, schema)
}

// withSearchPath sets search_path in a connection string, URL or
// keyword/value; pgx passes unknown settings on as run-time parameters.
func withSearchPath(tb testing.TB, cs, schema string) string {
	tb.Helper()
	if strings.HasPrefix(cs, "postgres://") || strings.HasPrefix(cs, "postgresql://") {
		u, err := url.Parse(cs)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return cs + " search_path=" + schema
}
