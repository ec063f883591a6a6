package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/parley-project/parley/store"
)

// The guards of the records table, as the migrations create them.
const (
	guardAppendOnly = "records_append_only"
	guardNoTruncate = "records_no_truncate"
)

// CheckGuards reports each guard of the records that is missing or no
// longer works: the triggers records_append_only and records_no_truncate,
// by name, and enabled (ALTER TABLE ... DISABLE TRIGGER leaves a trigger in
// place that does nothing); records_append_only also by trying it on a
// logged record in transactions that are always rolled back (its function
// can be replaced by one that lets the change through); and the unique
// index records_leaf_index.
func (s *Store) CheckGuards(ctx context.Context) ([]store.GuardFault, error) {
	var faults []store.GuardFault
	fault := func(guard, format string, args ...any) {
		faults = append(faults, store.GuardFault{Guard: guard, Problem: fmt.Sprintf(format, args...)})
	}
	// The table is the one of this store's schema, whatever the
	// search_path says.
	table := pgx.Identifier{s.schema, "records"}.Sanitize()
	enabled := map[string]string{}
	rows, err := s.r.Query(ctx, "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal", table)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
	}
	for rows.Next() {
		var name, state string
		if err := rows.Scan(&name, &state); err != nil {
			rows.Close()
			return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
		}
		enabled[name] = state
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
	}
	for _, g := range []string{guardAppendOnly, guardNoTruncate} {
		switch state, ok := enabled[g]; {
		case !ok:
			fault(g, "the trigger is missing: records can be changed or removed without a trace in the database")
		case state != "O" && state != "A":
			// 'D' is disabled; 'R' fires only for replication, never
			// for an ordinary session.
			fault(g, "the trigger is disabled (pg_trigger.tgenabled %q): records can be changed or removed without a trace in the database", state)
		}
	}

	for _, g := range store.UniqueGuards {
		var unique, valid bool
		var columns, where string
		err = s.r.QueryRow(ctx, `SELECT i.indisunique, i.indisvalid, coalesce(string_agg(a.attname, ',' ORDER BY a.attname), ''),
				coalesce(pg_get_expr(i.indpred, i.indrelid), '')
			FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid
			LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			WHERE i.indrelid = $1::regclass AND c.relname = $2
			GROUP BY i.indisunique, i.indisvalid, i.indpred, i.indrelid`, table, g.Name).Scan(&unique, &valid, &columns, &where)
		// PostgreSQL prints the predicate in parentheses.
		if strings.HasPrefix(where, "(") && strings.HasSuffix(where, ")") {
			where = where[1 : len(where)-1]
		}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			fault(g.Name, "the unique index is missing: %s", g.Harm)
		case err != nil:
			return nil, fmt.Errorf("couldn't read the records table's indexes: %w", err)
		case !unique || !valid:
			fault(g.Name, "the index is no longer unique (or not valid): %s", g.Harm)
		case columns != g.Columns:
			fault(g.Name, "the index is on %q, not on %s: %s", columns, g.Columns, g.Harm)
		case where != g.Where:
			// A predicate that holds for no row makes a unique index
			// that refuses nothing.
			fault(g.Name, "the index applies where %q, not where %s: %s", where, g.Where, g.Harm)
		}
	}

	// Try the row trigger, whatever its name and state say: on a logged
	// record, and on an item of a batch, which has no leaf of its own and
	// whose place the trigger also keeps.
	probes := []struct{ of, what, find, sql string }{
		{"a logged record", "changed", "leaf_index IS NOT NULL", "UPDATE records SET kind = kind WHERE seq = $1"},
		{"a logged record", "removed", "leaf_index IS NOT NULL", "DELETE FROM records WHERE seq = $1"},
		{"an item of a batch", "moved in its batch", "batch IS NOT NULL", "UPDATE records SET batch_pos = batch_pos WHERE seq = $1"},
	}
	tried := map[string]bool{} // one fault a guard, from the first probe it fails
	for _, p := range probes {
		var seq int64
		err := s.r.QueryRow(ctx, "SELECT seq FROM records WHERE "+p.find+" ORDER BY seq LIMIT 1").Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // nothing to try it on yet
		} else if err != nil {
			return nil, fmt.Errorf("couldn't find a record to try the triggers on: %w", err)
		}
		refused, err := s.refused(ctx, p.sql, seq)
		if err != nil {
			return nil, err
		}
		if state := enabled[guardAppendOnly]; !refused && (state == "O" || state == "A") && !tried[guardAppendOnly] {
			tried[guardAppendOnly] = true
			fault(guardAppendOnly, "the trigger is there but no longer refuses everything: %s (seq %d) could be %s", p.of, seq, p.what)
		}
	}
	return faults, nil
}

// refused runs a change of one record in a transaction that it rolls
// back, and reports whether the database refused it (the trigger raises
// restrict_violation).
func (s *Store) refused(ctx context.Context, query string, seq int64) (bool, error) {
	tx, err := s.w.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("couldn't begin a transaction to try the triggers: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	_, err = tx.Exec(ctx, query, seq)
	if err == nil {
		return false, nil
	}
	if pgCode(err) == "23001" {
		return true, nil
	}
	return false, fmt.Errorf("couldn't try the triggers: %w", err)
}
