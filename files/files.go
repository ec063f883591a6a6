// Package files creates and checks the files and directories that hold what
// no other local user may read: the database (every party's confidential
// records, password hashes, the cookie key), a witness's state, keys. It
// creates them private whatever the umask, and refuses to go on with one
// that others can read, saying how to fix it, rather than serve from it.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// PrivateDir makes dir, which holds what no other local user may read,
// enterable by its owner alone: created so if create and it is missing, its
// mode set so if it exists, whatever the umask or whoever made it before.
// A missing dir with create false is left to the caller to report.
func PrivateDir(dir string, create bool) error {
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("couldn't create %s: %w", dir, err)
		}
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("%s is open to other users (mode %04o), and holds what only parley may read, and it could not be closed (%v); run: chmod 700 %s", dir, fi.Mode().Perm(), err, dir)
		}
	}
	return nil
}

// PrivateFile creates path if missing, readable and writable by its owner
// alone (SQLite gives its -wal and -shm files the mode of the database
// file), and refuses an existing file that group or others may read.
// create false only checks a file that exists.
func PrivateFile(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			f.Close()
			// The umask may have taken bits off, never added any; set
			// the mode exactly all the same.
			return os.Chmod(path, 0o600)
		case !errors.Is(err, fs.ErrExist):
			return fmt.Errorf("couldn't create %s: %w", path, err)
		}
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is readable by other users (mode %04o), and holds what only parley may read; run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	return nil
}
