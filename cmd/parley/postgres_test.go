package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"
)

func TestInitServePostgres(t *testing.T) {
	// A new, empty schema of the test database (PARLEY_TEST_POSTGRES),
	// dropped at the end; without the database the test is skipped.
	conn := testkit.PostgresSchema(t, "parley_cmd_test_")
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
