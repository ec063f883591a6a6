package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/store"
)

// TestStoreFilesPrivate: the SQLite database, and the files SQLite makes
// beside it, are readable by parley's user alone whatever the umask; the
// data directory is closed to others; a database others can read is
// refused, with the fix in the message.
func TestStoreFilesPrivate(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Store: StoreSQLite, DataDir: filepath.Join(t.TempDir(), "data")}
	st, err := OpenStore(ctx, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, func(tx store.Tx) error { return tx.SetMeta(ctx, "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cfg.DataDir, cfg.SQLitePath(), cfg.SQLitePath() + "-wal", cfg.SQLitePath() + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %04o, open to other users", p, fi.Mode().Perm())
		}
	}
	st.Close()
	os.Chmod(cfg.SQLitePath(), 0o644)
	if _, err := OpenStore(ctx, cfg, false); err == nil || !strings.Contains(err.Error(), "chmod 600 "+cfg.SQLitePath()) {
		t.Errorf("serving a database others can read: %v, want a refusal saying to chmod 600 it", err)
	}
}
