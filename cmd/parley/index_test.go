package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/sqlite"
)

// TestIndexDeclarations: entities built under other declarations of the
// kinds (an older build's index) keep serve from starting, with the way
// out; parley migrate rebuilds them, after which there is nothing to do.
func TestIndexDeclarations(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "parley.json")
	t.Setenv(adminPasswordEnv, "correct horse battery")
	code, stdout, stderr := parley(t, "init", "--config", config, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "admin")
	if code != exitOK {
		t.Fatalf("init = %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := parley(t, "migrate", "--config", config); code != exitOK || !strings.Contains(stdout, "nothing to do") {
		t.Fatalf("migrate after init = %d %q", code, stdout)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "data", server.SQLiteFile), false)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx store.Tx) error { return tx.SetMeta(ctx, "index-declarations", []byte("an older build's")) })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := parley(t, "serve", "--config", config); code != exitError || !strings.Contains(stderr, "other declarations of the kinds") || !strings.Contains(stderr, "parley migrate") {
		t.Errorf("serve on entities built under other declarations = %d %q, want a refusal pointing to parley migrate", code, stderr)
	}
	code, stdout, stderr = parley(t, "migrate", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "declarations changed") || !strings.Contains(stdout, "rebuilt the projections") {
		t.Errorf("migrate = %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := parley(t, "migrate", "--config", config); code != exitOK || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("migrate again = %d %q", code, stdout)
	}
}
