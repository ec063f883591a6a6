package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/store"
)

// What the kernel runs a domain's own projections with (parley.Projection):
// the projection's schema versions and migrations, its statements in a
// write transaction, followers' positions, and emptying and reading its
// tables for rebuild and audit. Package app declares what it needs of these
// as interfaces of its own; storetest checks them in both stores.

// dialect names this store's SQL among a projection's migrations.
const dialect = "sqlite"

var _ parley.ProjectionTx = (*tx)(nil)

// Dialect returns "sqlite", the key of a projection's SQLite migrations.
func (s *Store) Dialect() string { return dialect }

// Dialect returns "sqlite".
func (t *tx) Dialect() string { return dialect }

// Exec runs one statement of a projection in the transaction. Parameters
// are written $1, $2...: SQLite reads $1 as a parameter named "$1", and
// modernc.org/sqlite binds a parameter named $N to the Nth argument, so a
// statement runs as written, in any order and as often as it names them
// (storetest's ProjectionTx checks it). The statement is prepared once, as
// the kernel's are.
func (t *tx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.x.ExecContext(ctx, query, args...)
	return err
}

// QueryRow runs a query of a projection in the transaction and scans its
// first row into dest, or reports false if it returns none.
func (t *tx) QueryRow(ctx context.Context, query string, args []any, dest ...any) (bool, error) {
	err := t.x.QueryRowContext(ctx, query, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ReadProjection runs a query on projections' tables, outside any write,
// and calls row for each of its rows with what scans it. Parameters are
// written $1, $2..., as in Exec.
func (s *Store) ReadProjection(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := s.rc.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// kernelTables are this store's own tables: no projection may name them,
// whatever its name. SQLite keeps its own tables under "sqlite_".
var kernelTables = []string{"records", "entities", "entity_fields", "items", "item_fields", "principals", "tokens", "meta", "blobs",
	"parley_projections", "parley_followers"}

// checkTable refuses a table that is not projection name's: one whose name
// does not start with name and an underscore, that is not a plain
// lower-case identifier (so it needs no quoting and cannot smuggle SQL), or
// that is one of the kernel's.
func checkTable(name, table string) error {
	if !strings.HasPrefix(table, name+"_") || !plainIdentifier(table) {
		return fmt.Errorf("table %q is not projection %q's: its tables' names start with %q, in lower-case letters, digits and underscores", table, name, name+"_")
	}
	if slices.Contains(kernelTables, table) || strings.HasPrefix(table, "sqlite_") {
		return fmt.Errorf("table %q is parley's own, not projection %q's", table, name)
	}
	return nil
}

func plainIdentifier(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// ProjectionVersions returns the schema version of every projection whose
// tables a migration has created, by name.
func (s *Store) ProjectionVersions(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name, version FROM parley_projections")
	if err != nil {
		return nil, fmt.Errorf("couldn't read the projections' schema versions: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return nil, fmt.Errorf("couldn't read the projections' schema versions: %w", err)
		}
		out[name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read the projections' schema versions: %w", err)
	}
	return out, nil
}

// MigrateProjection brings projection name's tables up to version
// len(scripts): it runs each script the database has not run yet, in
// order, each in a write transaction of its own together with recording
// its version, so a failed script leaves the version before it. It returns
// the version it found. A database whose projection is newer than scripts
// know is refused with an error wrapping store.ErrSchema.
func (s *Store) MigrateProjection(ctx context.Context, name string, scripts []string) (from int, err error) {
	if !plainIdentifier(name) {
		return 0, fmt.Errorf("couldn't migrate projection %q: not a projection's name", name)
	}
	from = -1
	for {
		done := false
		err := s.Write(ctx, func(t store.Tx) error {
			x := t.(*tx)
			// Read under the write lock: another process may have
			// migrated since.
			var v int
			err := x.t.QueryRowContext(ctx, "SELECT version FROM parley_projections WHERE name = ?", name).Scan(&v)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("couldn't read the schema version of projection %q: %w", name, err)
			}
			if from < 0 {
				from = v
			}
			switch {
			case v > len(scripts):
				return fmt.Errorf("%w: projection %q of database %s is at schema version %d but this build of parley knows versions up to %d: this build of parley is older than the database; run a newer parley",
					store.ErrSchema, name, s.path, v, len(scripts))
			case v == len(scripts):
				done = true
				return nil
			}
			if _, err := x.t.ExecContext(ctx, scripts[v]); err != nil {
				return fmt.Errorf("couldn't apply migration %d of projection %q: %w", v+1, name, err)
			}
			_, err = x.t.ExecContext(ctx, `INSERT INTO parley_projections (name, version) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET version = excluded.version`, name, v+1)
			if err != nil {
				return fmt.Errorf("couldn't record schema version %d of projection %q: %w", v+1, name, err)
			}
			return nil
		})
		if err != nil || done {
			return max(from, 0), err
		}
	}
}

// FollowerPositions returns the position (the seq of the last record
// applied) of every follower that has applied any, by name.
func (s *Store) FollowerPositions(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT name, seq FROM parley_followers")
	if err != nil {
		return nil, fmt.Errorf("couldn't read the followers' positions: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, fmt.Errorf("couldn't read the followers' positions: %w", err)
		}
		out[name] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read the followers' positions: %w", err)
	}
	return out, nil
}

// LastSeq returns the seq of the last record, or 0 if there is none.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.rc.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) FROM records").Scan(&seq); err != nil {
		return 0, fmt.Errorf("couldn't read the last record's seq: %w", err)
	}
	return seq, nil
}

// SetFollowerPosition moves follower name from position from to position
// to, in the transaction; ErrConflict if it is not at from (another
// process moved it), so that a follower never applies a record twice.
func (t *tx) SetFollowerPosition(ctx context.Context, name string, from, to int64) error {
	if from < 0 || to < 0 {
		return fmt.Errorf("couldn't move follower %q from %d to %d: a position is not negative", name, from, to)
	}
	var res sql.Result
	var err error
	if from == 0 {
		// No row is position 0 too.
		res, err = t.x.ExecContext(ctx, `INSERT INTO parley_followers (name, seq) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE parley_followers.seq = 0`, name, to)
	} else {
		res, err = t.x.ExecContext(ctx, "UPDATE parley_followers SET seq = ? WHERE name = ? AND seq = ?", to, name, from)
	}
	if err == nil {
		err = noRowMeansConflict(res)
	}
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("couldn't move follower %q from %d to %d: it is elsewhere: %w", name, from, to, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("couldn't move follower %q from %d to %d: %w", name, from, to, err)
	}
	return nil
}

// ResetProjection empties projection name's tables and sets its position,
// if it follows, back to 0, for a rebuild in the same transaction. It
// refuses a table that is not the projection's (checkTable) before it
// deletes anything.
func (t *tx) ResetProjection(ctx context.Context, name string, tables []string) error {
	for _, table := range tables {
		if err := checkTable(name, table); err != nil {
			return fmt.Errorf("couldn't reset projection %q: %w", name, err)
		}
	}
	for _, table := range tables {
		if _, err := t.t.ExecContext(ctx, `DELETE FROM "`+table+`"`); err != nil {
			return fmt.Errorf("couldn't empty table %s of projection %q: %w", table, name, err)
		}
	}
	if _, err := t.t.ExecContext(ctx, "DELETE FROM parley_followers WHERE name = ?", name); err != nil {
		return fmt.Errorf("couldn't reset the position of follower %q: %w", name, err)
	}
	return nil
}

// RowDigests returns a SHA-256 digest of every row of projection name's
// table, in byte order of the digests: two reads of a table give equal
// lists exactly when it holds the same rows (as a multiset), whatever
// order the database keeps them in. Audit compares a table with its
// replay this way. Values are told apart by type as well as by value (an
// integer 1 is not the text '1').
func (t *tx) RowDigests(ctx context.Context, name, table string) ([]string, error) {
	if err := checkTable(name, table); err != nil {
		return nil, fmt.Errorf("couldn't read projection %q: %w", name, err)
	}
	rows, err := t.t.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return nil, fmt.Errorf("couldn't read table %s of projection %q: %w", table, name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("couldn't read table %s of projection %q: %w", table, name, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("couldn't read table %s of projection %q: %w", table, name, err)
		}
		buf = buf[:0]
		for _, v := range vals {
			buf = appendValue(buf, v)
		}
		sum := sha256.Sum256(buf)
		out = append(out, string(sum[:]))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read table %s of projection %q: %w", table, name, err)
	}
	slices.Sort(out)
	return out, nil
}

// appendValue appends an unambiguous encoding of one column value: a type
// tag, then the value, length-prefixed where its length varies.
func appendValue(b []byte, v any) []byte {
	lp := func(tag byte, s []byte) []byte {
		b = append(b, tag)
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	switch v := v.(type) {
	case nil:
		return append(b, 'N')
	case int64:
		return binary.AppendVarint(append(b, 'I'), v)
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'F'), math.Float64bits(v))
	case string:
		return lp('S', []byte(v))
	case []byte:
		return lp('B', v)
	case bool:
		return strconv.AppendBool(append(b, 'O'), v)
	case time.Time:
		return lp('T', []byte(v.UTC().Format(time.RFC3339Nano)))
	default:
		return lp('?', fmt.Appendf(nil, "%T %v", v, v))
	}
}
