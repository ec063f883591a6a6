package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/ledger"
)

// OpenLog opens the transparency log of cfg, in DataDir/log, signing with
// the key in cfg.LogKeyPath() and cosigned by cfg.Witnesses. Only `parley
// init` and the demo pass create: for everything else a missing log is an
// error (ledger.ErrNoLog) rather than a new, empty log that every witness
// would take for a fork, and a log of another key is refused
// (ledger.ErrMismatch). logger receives the log's own messages; nil means
// slog.Default().
//
// Take LockLog first: two processes appending to one log would each
// recover the other's records in flight, and log them twice.
func OpenLog(ctx context.Context, cfg Config, create bool, logger *slog.Logger) (*ledger.Log, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("couldn't open the transparency log: no data_dir")
	}
	if logger == nil {
		logger = slog.Default()
	}
	keyPath := cfg.LogKeyPath()
	skey, vkey, err := ReadKeyPair(keyPath)
	if err != nil {
		return nil, fmt.Errorf("couldn't open the transparency log: %w", err)
	}
	if fi, err := os.Stat(keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.WarnContext(ctx, "the log's private key file is readable by other users; chmod 600 it",
			slog.String("file", keyPath), slog.String("mode", fi.Mode().Perm().String()))
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("couldn't open the transparency log: the key in %s is not a signed-note private key: %v", keyPath, err)
	}
	ws := make([]ledger.Witness, len(cfg.Witnesses))
	for i, w := range cfg.Witnesses {
		ws[i] = ledger.Witness{Name: w.Name, Key: w.Key, URL: w.URL}
	}
	l, err := ledger.Open(ctx, ledger.Config{
		Dir:                cfg.LogPath(),
		Signer:             signer,
		VKey:               vkey,
		Witnesses:          ws,
		Quorum:             cfg.WitnessQuorum,
		WitnessTimeout:     time.Duration(cfg.WitnessTimeout),
		FailOpen:           cfg.WitnessFailOpen,
		CheckpointInterval: time.Duration(cfg.CheckpointInterval),
		Create:             create,
		Logger:             logger,
	})
	if err != nil {
		if errors.Is(err, ledger.ErrMismatch) {
			return nil, fmt.Errorf("%w (the key is %s)", err, keyPath)
		}
		return nil, err
	}
	return l, nil
}

// ReadKeyPair reads a signed-note key pair as WriteKeyPair wrote it: the
// private key from path, its verifier key from path + ".pub". Errors name
// the file.
func ReadKeyPair(path string) (skey, vkey string, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("no private key: %w ('parley init' writes it; log_key_file names another)", err)
	} else if err != nil {
		return "", "", fmt.Errorf("couldn't read the private key: %w", err)
	}
	skey = strings.TrimSpace(string(b))
	if !strings.HasPrefix(skey, "PRIVATE+KEY+") {
		return "", "", fmt.Errorf("%s holds no signed-note private key (PRIVATE+KEY+...)", path)
	}
	b, err = os.ReadFile(path + ".pub")
	if err != nil {
		return "", "", fmt.Errorf("couldn't read the public key next to the private key: %w", err)
	}
	vkey = strings.TrimSpace(string(b))
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", "", fmt.Errorf("%s.pub holds no signed-note verifier key: %v", path, err)
	}
	return skey, vkey, nil
}

// WriteKeyPair writes a key pair from ledger.GenerateKey: skey to path,
// readable by its owner only, and vkey to path + ".pub". It never
// overwrites either file: a key replaced by mistake cannot be got back, and
// with it go the log, or the witness's standing with the log.
func WriteKeyPair(path, skey, vkey string) error {
	for _, p := range []string{path, path + ".pub"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists; a key file is never overwritten", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("couldn't check %s: %w", p, err)
		}
	}
	if err := writeNew(path, skey+"\n", 0o600); err != nil {
		return err
	}
	if err := writeNew(path+".pub", vkey+"\n", 0o644); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeNew creates the file path with text, failing if it exists (even one
// made since the caller looked), and syncs it.
func writeNew(path, text string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("couldn't create key file: %w", err)
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("couldn't write key file %s: %w", path, err)
	}
	return nil
}

// LockFile is the name of the lock file in DataDir that LockLog takes.
const LockFile = "log.lock"

// LockLog takes the installation's log lock (DataDir/log.lock, created if
// missing) for as long as the process uses the log, and fails at once if
// another process, or another command of this process, holds it. Every
// command that opens the log takes it: serve, init, audit.
//
// Why a lock of parley's own: tessera locks its files only around each
// write, so two processes could each open the same log; and each would
// then take the other's records in flight (stored, not yet logged) for
// ones left behind by a crash, and log them a second time. The lock is an
// flock(2), released by the kernel when the process ends, however it ends.
func LockLog(cfg Config) (unlock func(), err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("couldn't lock the transparency log: no data_dir")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("couldn't create data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("couldn't open the log lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("the transparency log in %s is in use by another parley process (parley serve, audit or init hold %s); stop it first", cfg.DataDir, path)
		}
		return nil, fmt.Errorf("couldn't lock %s: %w", path, err)
	}
	return func() {
		// Closing the descriptor releases the flock.
		f.Close()
	}, nil
}
