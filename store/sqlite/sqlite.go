// Package sqlite is parley's store on SQLite, for an installation that fits
// on one machine: one file, no server to run. It implements store.Store
// natively on modernc.org/sqlite (pure Go, no cgo), with one writer
// connection and a pool of read-only connections, so that in WAL mode reads
// never wait behind a write.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/parley-project/parley/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a parley database in one SQLite file.
type Store struct {
	reader
	path string
	// w is the one writer connection: SQLite admits one writer at a time
	// anyway, and queueing writers in database/sql's pool instead of in
	// SQLite's busy handler keeps them in order and keeps SQLITE_BUSY out of
	// normal operation.
	w *sql.DB
	// r is the read pool, query_only, so that a read can never take the
	// write lock by mistake.
	r *sql.DB
	// rc is r with its statements prepared once; every read goes through it.
	rc *stmtCache
	// wc is w's statement cache, used by every write transaction.
	wc *stmtCache
}

var _ store.Store = (*Store)(nil)

// busyTimeoutMS is how long a connection waits for a lock that another
// process (parley migrate, a backup, the sqlite3 shell) holds.
const busyTimeoutMS = 10000

// Open opens the database file at path. With migrate, it creates the file if
// need be and brings its schema up to store.SchemaVersion; without, it
// refuses (with an error wrapping store.ErrSchema) a database whose schema
// is not exactly store.SchemaVersion, and does not create a missing file.
// A database newer than this build is refused either way.
func Open(ctx context.Context, path string, migrate bool) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		// An in-memory database would be a different one on every
		// connection of the two pools.
		return nil, fmt.Errorf("couldn't open SQLite database %q: want the path of a file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("couldn't resolve SQLite path %q: %w", path, err)
	}
	if !migrate {
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: there is no database at %s (schema version 0, this build of parley needs version %d); run `parley migrate` to create it",
				store.ErrSchema, abs, store.SchemaVersion)
		}
	}
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}

	w, err := sql.Open("sqlite", writerDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("couldn't open SQLite database %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	// Keep the writer for the life of the store: reopening it would run the
	// DSN's pragmas again for nothing.
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("couldn't open SQLite database %s: %w", abs, err)
	}
	if err := checkSchema(ctx, w, abs, migs, migrate); err != nil {
		w.Close()
		return nil, err
	}

	r, err := sql.Open("sqlite", readerDSN(abs))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("couldn't open SQLite read pool on %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("couldn't open SQLite read pool on %s: %w", abs, err)
	}
	rc := &stmtCache{db: r}
	return &Store{reader: reader{q: rc}, path: abs, w: w, r: r, rc: rc, wc: &stmtCache{db: w}}, nil
}

// writerDSN is the writer's connection string. The driver runs each pragma
// on every new connection, before the connection is first used.
func writerDSN(path string) string {
	q := url.Values{}
	// Wait for a lock held by another process instead of failing at once.
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMS)+")")
	// WAL lets readers go on reading the last commit while the writer
	// writes, and makes a commit one sequential append.
	q.Add("_pragma", "journal_mode(WAL)")
	// SQLite leaves foreign keys unenforced unless each connection asks;
	// tokens must belong to a principal that exists.
	q.Add("_pragma", "foreign_keys(1)")
	// FULL syncs the WAL on every commit: records are the append-only truth
	// the transparency log commits to, so an acknowledged write must
	// survive a power cut (NORMAL in WAL mode may lose the last commits).
	q.Add("_pragma", "synchronous(FULL)")
	// Each write of a group commit runs under a savepoint (Tx.Try), whose
	// undo journal SQLite keeps in a temporary file by default: one file
	// write per page a write touches. In memory it costs a copy; it is
	// only needed until the savepoint is released.
	q.Add("_pragma", "temp_store(MEMORY)")
	// The default page cache (2 MiB) holds a sliver of the indexes a bulk
	// write touches; past it each transaction reads pages back and spills
	// dirty ones to the WAL before it commits.
	q.Add("_pragma", "cache_size(-65536)")
	// BEGIN IMMEDIATE takes the write lock when the transaction starts, so
	// a transaction that reads before it writes never fails with
	// SQLITE_BUSY when it would upgrade its lock, and busy_timeout applies.
	q.Set("_txlock", "immediate")
	return fileURI(path, q)
}

// readerDSN is the read pool's connection string.
func readerDSN(path string) string {
	q := url.Values{}
	// A reader rarely waits in WAL mode, but may briefly while another
	// process recovers or resets the WAL.
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMS)+")")
	// Reads go through this pool only: refusing writes here makes a write
	// that bypassed the writer an error rather than a lock fight.
	q.Add("_pragma", "query_only(1)")
	return fileURI(path, q)
}

// fileURI makes an SQLite URI, so that a path with '?' or '#' in it still
// names the file and the query carries the driver's parameters.
func fileURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	if !strings.HasPrefix(u.Path, "/") {
		// Windows: file:///C:/...
		u.Path = "/" + u.Path
	}
	return u.String()
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations and checks that they are
// numbered 1, 2, ... up to exactly store.SchemaVersion, so that a build
// whose migrations and contract disagree fails at once and loudly.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("couldn't list migrations: %w", err)
	}
	sort.Strings(names)
	var out []migration
	for _, name := range names {
		base := filepath.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("couldn't read migration %s: want a name like 0001_init.sql", base)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("couldn't read migration %s: want number %d next", base, len(out)+1)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("couldn't read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	if len(out) != store.SchemaVersion {
		return nil, fmt.Errorf("this build carries %d SQLite migrations but store.SchemaVersion is %d", len(out), store.SchemaVersion)
	}
	return out, nil
}

// userVersion reads the schema version from the database header, where
// migrations keep it (0 in a new file).
func userVersion(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("couldn't read the schema version: %w", err)
	}
	return v, nil
}

// checkSchema refuses a database at another schema version than this build's,
// or, with migrate, brings an older one up to it.
func checkSchema(ctx context.Context, w *sql.DB, path string, migs []migration, migrate bool) error {
	v, err := userVersion(ctx, w)
	if err != nil {
		return err
	}
	switch {
	case v > store.SchemaVersion:
		return fmt.Errorf("%w: database %s is at schema version %d but this build of parley knows versions up to %d: this build of parley is older than the database; run a newer parley",
			store.ErrSchema, path, v, store.SchemaVersion)
	case v == store.SchemaVersion:
		return nil
	case !migrate && v == 0:
		return fmt.Errorf("%w: database %s has no parley schema (version 0, this build of parley needs version %d); run `parley migrate` to create it",
			store.ErrSchema, path, store.SchemaVersion)
	case !migrate:
		return fmt.Errorf("%w: database %s is at schema version %d, this build of parley needs version %d; run `parley migrate` to upgrade it",
			store.ErrSchema, path, v, store.SchemaVersion)
	}
	for _, m := range migs {
		if err := applyMigration(ctx, w, path, m); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one migration and records its version in one
// transaction, so a failed migration leaves the previous version intact.
func applyMigration(ctx context.Context, w *sql.DB, path string, m migration) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("couldn't begin migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	// Read again under the write lock: another process may have migrated
	// since we looked.
	v, err := userVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > store.SchemaVersion {
		return fmt.Errorf("%w: database %s moved to schema version %d, newer than this build of parley knows (%d)",
			store.ErrSchema, path, v, store.SchemaVersion)
	}
	if v >= m.version {
		return nil
	}
	if v != m.version-1 {
		return fmt.Errorf("couldn't apply migration %s: database is at version %d", m.name, v)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("couldn't apply migration %s: %w", m.name, err)
	}
	// PRAGMA takes no bound parameters; the version is our own integer.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return fmt.Errorf("couldn't record schema version %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("couldn't commit migration %s: %w", m.name, err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.rc.close()
	s.wc.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Write runs fn in one IMMEDIATE transaction on the writer connection.
// Writes queue for that connection, so fn must not call Write or Rebuild
// itself: it would wait for its own connection forever.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("couldn't begin a write: %w", err)
	}
	// Also runs when fn panics, so the one writer connection is given back.
	defer t.Rollback()
	q := txStmts{t: t, c: s.wc, missed: map[string]bool{}}
	if err := fn(&tx{reader: reader{q: q}, t: t, x: q}); err != nil {
		t.Rollback()
		q.prepareMissed(ctx)
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("couldn't commit: %w", err)
	}
	// Only now: the transaction has given the connection back.
	q.prepareMissed(ctx)
	return nil
}

// rebuildBatch is how many records Rebuild holds in memory at a time.
const rebuildBatch = 500

// Rebuild deletes every entity and its fields and replays fn over all records, in seq
// order, in one write transaction. The entity of an item of a batch goes
// to items again (PutEntity).
func (s *Store) Rebuild(ctx context.Context, fn func(tx store.Tx, r store.Record) error) error {
	return s.Write(ctx, func(t store.Tx) error {
		x := t.(*tx)
		if _, err := x.t.ExecContext(ctx, "DELETE FROM entities"); err != nil {
			return fmt.Errorf("couldn't clear entities: %w", err)
		}
		if _, err := x.t.ExecContext(ctx, "DELETE FROM entity_fields"); err != nil {
			return fmt.Errorf("couldn't clear entity fields: %w", err)
		}
		if _, err := x.t.ExecContext(ctx, "DELETE FROM items"); err != nil {
			return fmt.Errorf("couldn't clear items: %w", err)
		}
		if _, err := x.t.ExecContext(ctx, "DELETE FROM item_fields"); err != nil {
			return fmt.Errorf("couldn't clear the items' fields: %w", err)
		}
		// Batches rather than one cursor, so that fn's writes never run
		// while a statement on the same connection is still stepping.
		var after int64
		for {
			rs, err := records(ctx, x.t, after, rebuildBatch)
			if err != nil {
				return err
			}
			for _, r := range rs {
				x.item = nil
				if r.Batch != "" {
					x.item = &r
				}
				if err := fn(x, r); err != nil {
					return fmt.Errorf("couldn't rebuild from record %s (seq %d): %w", r.ID, r.Seq, err)
				}
			}
			if len(rs) < rebuildBatch {
				return nil
			}
			after = rs[len(rs)-1].Seq
		}
	})
}
