package files_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/files"
)

func TestPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := files.PrivateDir(dir, true); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "parley.db")
	if err := files.PrivateFile(db, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, db} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %04o, open to others", p, fi.Mode().Perm())
		}
	}
	// Opened again, it is left as it is.
	if err := files.PrivateFile(db, true); err != nil {
		t.Errorf("an existing private file: %v", err)
	}
	// A file others may read is refused, with the fix.
	os.Chmod(db, 0o644)
	if err := files.PrivateFile(db, false); err == nil || !strings.Contains(err.Error(), "chmod 600 "+db) {
		t.Errorf("a database readable by others: %v, want a refusal with the chmod to run", err)
	}
	// A directory others may enter is closed to them.
	os.Chmod(dir, 0o755)
	if err := files.PrivateDir(dir, false); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("a data directory that was open to others: mode %04o, want 0700", fi.Mode().Perm())
	}
	// A file that is not there is no problem to check, only to create.
	if err := files.PrivateFile(filepath.Join(dir, "none"), false); err != nil {
		t.Errorf("checking a missing file: %v", err)
	}
}
