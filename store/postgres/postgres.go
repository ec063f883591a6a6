// Package postgres is parley's store on PostgreSQL, for an installation that
// outgrows one file or wants the database run as a service. It implements
// store.Store natively on pgx (pgxpool), with a pool for reads and a
// one-connection pool for writes, and serializes writes with a
// transaction-scoped advisory lock so that, as in SQLite, there is one
// writer at a time and record Seq order is commit order.
//
// The tables live in the first schema of the connection's search_path, so
// several installations (or test runs) can share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-project/parley/store"
)

// Store is a parley database in one PostgreSQL schema.
type Store struct {
	reader
	// r serves reads outside transactions.
	r *pgxpool.Pool
	// w serves writes: one connection, because the advisory lock lets one
	// write run at a time anyway, and because a write that reads through
	// the Store (not its Tx) must find a read connection free, which it
	// could not if waiting writers held them all.
	w *pgxpool.Pool
	// schema is where the tables are; writeLock is the advisory lock key
	// that serializes writes to them.
	schema    string
	writeLock int64
}

var _ store.Store = (*Store)(nil)

// lockKey derives an advisory lock key from a purpose and the schema, since
// advisory locks are per database and the installations in two schemas of
// one database must not wait for each other.
func lockKey(purpose, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("parley/" + purpose + "/" + schema))
	return int64(h.Sum64())
}

// Open connects to the database connString names (a URL or keyword/value
// string, as pgx takes it; search_path may be set in it). With migrate, it
// brings the schema up to store.SchemaVersion; without, it refuses (with an
// error wrapping store.ErrSchema) a schema that is not exactly
// store.SchemaVersion, and creates nothing. A schema newer than this build
// is refused either way.
func Open(ctx context.Context, connString string, migrate bool) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the PostgreSQL connection string: %w", err)
	}
	wcfg := cfg.Copy()
	wcfg.MaxConns, wcfg.MinConns = 1, 0
	migs, err := loadMigrations()
	if err != nil {
		return nil, err
	}

	w, err := pgxpool.NewWithConfig(ctx, wcfg)
	if err != nil {
		return nil, fmt.Errorf("couldn't connect to PostgreSQL: %w", err)
	}
	var schema *string
	if err := w.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("couldn't connect to PostgreSQL: %w", err)
	}
	if schema == nil {
		w.Close()
		return nil, errors.New("couldn't find a schema for parley: no schema on the search_path exists (create it, or set search_path)")
	}
	if err := checkSchema(ctx, w, *schema, migs, migrate); err != nil {
		w.Close()
		return nil, err
	}

	r, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("couldn't connect to PostgreSQL: %w", err)
	}
	if err := r.Ping(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("couldn't connect to PostgreSQL: %w", err)
	}
	return &Store{reader: reader{q: r}, r: r, w: w, schema: *schema, writeLock: lockKey("write", *schema)}, nil
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
		base := path.Base(name)
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
		return nil, fmt.Errorf("this build carries %d PostgreSQL migrations but store.SchemaVersion is %d", len(out), store.SchemaVersion)
	}
	return out, nil
}

// schemaVersion reads the version from the one-row table parley_schema in
// the current schema, or 0 if there is none. The table is looked up in the
// current schema only: one of the same name further down the search_path
// belongs to another installation.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass(quote_ident(current_schema()) || '.parley_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("couldn't read the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT COALESCE(max(version), 0) FROM parley_schema").Scan(&v); err != nil {
		return 0, fmt.Errorf("couldn't read the schema version: %w", err)
	}
	return v, nil
}

// checkSchema refuses a schema at another version than this build's, or,
// with migrate, brings an older one up to it.
func checkSchema(ctx context.Context, w *pgxpool.Pool, schema string, migs []migration, migrate bool) error {
	v, err := schemaVersion(ctx, w)
	if err != nil {
		return err
	}
	switch {
	case v > store.SchemaVersion:
		return fmt.Errorf("%w: PostgreSQL schema %q is at schema version %d but this build of parley knows versions up to %d: this build of parley is older than the database; run a newer parley",
			store.ErrSchema, schema, v, store.SchemaVersion)
	case v == store.SchemaVersion:
		return nil
	case !migrate && v == 0:
		return fmt.Errorf("%w: PostgreSQL schema %q has no parley tables (version 0, this build of parley needs version %d); run `parley migrate` to create them",
			store.ErrSchema, schema, store.SchemaVersion)
	case !migrate:
		return fmt.Errorf("%w: PostgreSQL schema %q is at schema version %d, this build of parley needs version %d; run `parley migrate` to upgrade it",
			store.ErrSchema, schema, v, store.SchemaVersion)
	}
	for _, m := range migs {
		if err := applyMigration(ctx, w, schema, m); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one migration and records its version in one
// transaction, so a failed migration leaves the previous version intact.
func applyMigration(ctx context.Context, w *pgxpool.Pool, schema string, m migration) error {
	tx, err := w.Begin(ctx)
	if err != nil {
		return fmt.Errorf("couldn't begin migration %s: %w", m.name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Two processes migrating at once take turns; the second then finds
	// the work done.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey("migrate", schema)); err != nil {
		return fmt.Errorf("couldn't lock for migration %s: %w", m.name, err)
	}
	// At most one row: the check on the key admits only true.
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS parley_schema (
		one     boolean PRIMARY KEY DEFAULT true CHECK (one),
		version integer NOT NULL)`); err != nil {
		return fmt.Errorf("couldn't create parley_schema: %w", err)
	}
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > store.SchemaVersion {
		return fmt.Errorf("%w: PostgreSQL schema %q moved to schema version %d, newer than this build of parley knows (%d)",
			store.ErrSchema, schema, v, store.SchemaVersion)
	}
	if v >= m.version {
		return nil
	}
	if v != m.version-1 {
		return fmt.Errorf("couldn't apply migration %s: schema %q is at version %d", m.name, schema, v)
	}
	// No arguments: pgx sends it with the simple protocol, which runs
	// several statements.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return fmt.Errorf("couldn't apply migration %s: %w", m.name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO parley_schema (version) VALUES ($1)
		ON CONFLICT (one) DO UPDATE SET version = excluded.version`, m.version); err != nil {
		return fmt.Errorf("couldn't record schema version %d: %w", m.version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("couldn't commit migration %s: %w", m.name, err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.r.Close()
	s.w.Close()
	return nil
}

// Write runs fn in one transaction holding the store's write lock. fn must
// not call Write or Rebuild itself: it would wait for the one writer
// connection, which it holds, forever.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.w.Begin(ctx)
	if err != nil {
		return fmt.Errorf("couldn't begin a write: %w", err)
	}
	// Also runs when fn panics. WithoutCancel: a cancelled request must
	// still give its transaction back cleanly.
	defer t.Rollback(context.WithoutCancel(ctx))
	// One writer at a time across every process on this schema: identity
	// values are handed out in the order the writers take the lock, so Seq
	// order is commit order, which the transparency log relies on.
	if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", s.writeLock); err != nil {
		return fmt.Errorf("couldn't take the write lock: %w", err)
	}
	if err := fn(&tx{reader: reader{q: t}, t: t}); err != nil {
		return err
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("couldn't commit: %w", err)
	}
	return nil
}

// rebuildBatch is how many records Rebuild holds in memory at a time.
const rebuildBatch = 500

// Rebuild deletes every entity and its fields and replays fn over all records, in seq
// order, in one write transaction.
func (s *Store) Rebuild(ctx context.Context, fn func(tx store.Tx, r store.Record) error) error {
	return s.Write(ctx, func(t store.Tx) error {
		x := t.(*tx)
		if _, err := x.t.Exec(ctx, "DELETE FROM entities"); err != nil {
			return fmt.Errorf("couldn't clear entities: %w", err)
		}
		if _, err := x.t.Exec(ctx, "DELETE FROM entity_fields"); err != nil {
			return fmt.Errorf("couldn't clear entity fields: %w", err)
		}
		// Batches rather than one cursor: a connection runs one query at a
		// time, and fn writes through the same one.
		var after int64
		for {
			rs, err := records(ctx, x.t, after, rebuildBatch)
			if err != nil {
				return err
			}
			for _, r := range rs {
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
