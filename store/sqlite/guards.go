package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parley-project/parley/store"
)

// The guards of the records table, as the migrations create them.
const (
	guardNoDelete = "records_no_delete"
	guardNoUpdate = "records_no_update"
)

// CheckGuards reports each guard of the records that is missing or no
// longer works: the triggers records_no_delete and records_no_update, by
// name and by trying them on a logged record and on an item of a batch in
// a transaction that is always rolled back (a trigger of the right name
// that lets the change through is no guard), and the unique indexes.
func (s *Store) CheckGuards(ctx context.Context) ([]store.GuardFault, error) {
	var faults []store.GuardFault
	fault := func(guard, format string, args ...any) {
		faults = append(faults, store.GuardFault{Guard: guard, Problem: fmt.Sprintf(format, args...)})
	}
	triggers := map[string]bool{}
	rows, err := s.r.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'records'")
	if err != nil {
		return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
		}
		triggers[name] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("couldn't read the records table's triggers: %w", err)
	}
	for _, g := range []string{guardNoDelete, guardNoUpdate} {
		if !triggers[g] {
			fault(g, "the trigger is missing: records can be changed or removed without a trace in the database")
		}
	}

	for _, g := range store.UniqueGuards {
		problem, err := s.uniqueIndex(ctx, g)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			fault(g.Name, "%s: %s", problem, g.Harm)
		}
	}

	// Try the triggers, whatever their names say: on a logged record,
	// and on an item of a batch, which has no leaf of its own and whose
	// place the trigger also keeps.
	probes := []struct{ guard, of, what, find, sql string }{
		{guardNoUpdate, "a logged record", "changed", "leaf_index IS NOT NULL", "UPDATE records SET kind = kind WHERE seq = ?"},
		{guardNoDelete, "a logged record", "removed", "leaf_index IS NOT NULL", "DELETE FROM records WHERE seq = ?"},
		{guardNoUpdate, "an item of a batch", "moved in its batch", "batch IS NOT NULL", "UPDATE records SET batch_pos = batch_pos WHERE seq = ?"},
	}
	tried := map[string]bool{} // one fault a guard, from the first probe it fails
	for _, p := range probes {
		var seq int64
		err := s.r.QueryRowContext(ctx, "SELECT seq FROM records WHERE "+p.find+" ORDER BY seq LIMIT 1").Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			continue // nothing to try it on yet
		} else if err != nil {
			return nil, fmt.Errorf("couldn't find a record to try the triggers on: %w", err)
		}
		refused, err := s.refused(ctx, p.sql, seq)
		if err != nil {
			return nil, err
		}
		if !refused && triggers[p.guard] && !tried[p.guard] {
			tried[p.guard] = true
			fault(p.guard, "the trigger is there but no longer refuses everything: %s (seq %d) could be %s", p.of, seq, p.what)
		}
	}
	return faults, nil
}

// uniqueIndex says what is wrong with the unique index g, or "" if it is
// there, unique, on g's columns and with g's predicate: a predicate that
// holds for no row would make a unique index that refuses nothing.
func (s *Store) uniqueIndex(ctx context.Context, g store.UniqueGuard) (string, error) {
	var unique int
	var def sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT l."unique", m.sql FROM pragma_index_list('records') l
		JOIN sqlite_schema m ON m.type = 'index' AND m.name = l.name WHERE l.name = ?`, g.Name).Scan(&unique, &def)
	if errors.Is(err, sql.ErrNoRows) {
		return "the unique index is missing", nil
	} else if err != nil {
		return "", fmt.Errorf("couldn't read the records table's indexes: %w", err)
	}
	if unique != 1 {
		return "the index is no longer unique", nil
	}
	var got string
	err = s.r.QueryRowContext(ctx, "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(?) ORDER BY name)", g.Name).Scan(&got)
	if err != nil {
		return "", fmt.Errorf("couldn't read index %s: %w", g.Name, err)
	}
	if got != g.Columns {
		return fmt.Sprintf("the index is on %q, not on %s", got, g.Columns), nil
	}
	where := ""
	if i := strings.Index(strings.ToUpper(def.String), " WHERE "); i >= 0 {
		where = strings.Join(strings.Fields(def.String[i+len(" WHERE "):]), " ")
	}
	if where != g.Where {
		return fmt.Sprintf("the index applies where %q, not where %s", where, g.Where), nil
	}
	return "", nil
}

// refused runs a change of one record in a transaction that it rolls
// back, and reports whether the database refused it.
func (s *Store) refused(ctx context.Context, query string, seq int64) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("couldn't begin a transaction to try the triggers: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, query, seq)
	if err == nil {
		return false, nil
	}
	// RAISE(ABORT) in a trigger fails the statement with this code.
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_TRIGGER {
		return true, nil
	}
	return false, fmt.Errorf("couldn't try the triggers: %w", err)
}

// StrayItems describes the rows of the projection of batch items that are
// not what items made (at most limit of each sort): a row of items whose
// seq holds no item of its kind; an item's fields that are not a list of
// [name, value] pairs of strings; a field value in item_fields that its
// item's row does not list (or at another time), or one its row lists
// that item_fields lacks; and a row of entities that holds an item, which
// only items does. Reads never show the first, yet it would refuse the
// item that later takes its seq; the second would fail every list page
// that holds the item; the third would make a list by field find what the
// item does not hold, or miss what it does; the last would be read in the
// item's place. parley audit reports each; parley rebuild makes the tables
// anew.
func (s *Store) StrayItems(ctx context.Context, limit int) ([]string, error) {
	// Of fields whose shape is right only: json_each fails on the others.
	const wellFormed = `json_valid(e.fields) AND json_type(e.fields) = 'array' AND NOT EXISTS (SELECT 1 FROM json_each(e.fields) j
		WHERE j.type != 'array' OR json_array_length(j.value) != 2 OR json_type(j.value, '$[0]') != 'text' OR json_type(j.value, '$[1]') != 'text')`
	checks := []struct{ query, format string }{
		{"SELECT e.kind, e.created_seq, '' FROM items e WHERE NOT EXISTS (SELECT 1 FROM records r WHERE " + itemRecord + ") LIMIT ?",
			"a row of items at seq %[2]d of kind %[1]s, which no item record of that kind made"},
		{"SELECT e.kind, e.created_seq, '' FROM items e WHERE NOT (CASE WHEN json_valid(e.fields) THEN " + wellFormed + " ELSE 0 END) LIMIT ?",
			"the fields of the item at seq %[2]d of kind %[1]s, which are not a list of [name, value] pairs of strings"},
		{`SELECT d.kind, d.created_seq, json_array(d.name, d.value) FROM item_fields d WHERE NOT EXISTS (SELECT 1 FROM items e, json_each(e.fields) j
			WHERE e.kind = d.kind AND e.created_seq = d.created_seq AND e.at = d.at AND (CASE WHEN json_valid(e.fields) THEN ` + wellFormed + ` ELSE 0 END)
			AND json_extract(j.value, '$[0]') = d.name AND json_extract(j.value, '$[1]') = d.value) LIMIT ?`,
			"a field value %[3]s of the item at seq %[2]d of kind %[1]s, which the item's row does not hold (or holds at another time)"},
		{`SELECT e.kind, e.created_seq, json_quote(j.value) FROM items e, json_each(CASE WHEN json_valid(e.fields) THEN e.fields ELSE '[]' END) j
			WHERE j.type = 'array' AND NOT EXISTS (SELECT 1 FROM item_fields d
			WHERE d.kind = e.kind AND d.name = json_extract(j.value, '$[0]') AND d.value = json_extract(j.value, '$[1]') AND d.created_seq = e.created_seq) LIMIT ?`,
			"the field value %[3]s of the item at seq %[2]d of kind %[1]s, which item_fields lacks"},
		{"SELECT e.kind, r.seq, e.id FROM entities e JOIN records r ON r.id = e.id WHERE r.batch IS NOT NULL AND r.kind = e.kind AND r.subject = r.id LIMIT ?",
			"a row of entities holding %[3]s, the item at seq %[2]d of kind %[1]s, which only items holds"},
	}
	var out []string
	for _, c := range checks {
		rows, err := s.r.QueryContext(ctx, c.query, limit)
		if err != nil {
			return nil, fmt.Errorf("couldn't check the items' rows: %w", err)
		}
		for rows.Next() {
			var kind string
			var value sql.NullString
			var seq int64
			if err := rows.Scan(&kind, &seq, &value); err != nil {
				rows.Close()
				return nil, fmt.Errorf("couldn't check the items' rows: %w", err)
			}
			out = append(out, fmt.Sprintf(c.format, kind, seq, value.String))
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("couldn't check the items' rows: %w", err)
		}
	}
	return out, nil
}
