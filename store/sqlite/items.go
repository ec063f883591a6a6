package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/parley-project/parley/store"
)

// itemsPerInsert bounds the rows of one multi-row INSERT: 500 records of
// 15 parameters stay well under SQLite's 32,766.
const itemsPerInsert = 500

// AppendItems appends a batch's items and projects their entities into
// items (migration 0012), in multi-row INSERTs: a few statements for a
// thousand items, where one each would pay SQLite's per-statement work (a
// statement journal among it) seven times an item.
func (t *tx) AppendItems(ctx context.Context, rs []*store.Record, es []store.Entity) error {
	if len(rs) != len(es) {
		return fmt.Errorf("couldn't append items: %d records and %d entities", len(rs), len(es))
	}
	for from := 0; from < len(rs); from += itemsPerInsert {
		if err := t.appendItemRecords(ctx, rs[from:min(from+itemsPerInsert, len(rs))]); err != nil {
			return err
		}
	}
	for i := range es {
		es[i].CreatedSeq = rs[i].Seq
		if err := store.CheckItemEntity(rs[i], es[i]); err != nil {
			return err
		}
	}
	for from := 0; from < len(es); from += itemsPerInsert {
		if err := t.insertItems(ctx, es[from:min(from+itemsPerInsert, len(es))]); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) appendItemRecords(ctx context.Context, rs []*store.Record) error {
	const cols = "seq, id, kind, subject, at, author_principal, author_party, aud_scope, aud_party, aud_parties, canonical, salt, commitment, batch, batch_pos"
	// The items take the next seqs, given here rather than read back
	// (RETURNING would have SQLite hold every row until the statement
	// ends): the writer is alone, and AUTOINCREMENT's counter is the
	// highest seq ever given.
	var last int64
	if err := t.x.QueryRowContext(ctx, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'records'), 0)").Scan(&last); err != nil {
		return fmt.Errorf("couldn't append %d items: %w", len(rs), err)
	}
	args := make([]any, 0, len(rs)*15)
	for i, r := range rs {
		if err := store.CheckItem(r); err != nil {
			return err
		}
		parties, err := encodeParties(r.Audience.Parties)
		if err != nil {
			return fmt.Errorf("couldn't append item %s: %w", r.ID, err)
		}
		args = append(args, last+1+int64(i), r.ID, r.Kind, r.Subject, encodeTime(r.At), r.Author.Principal, r.Author.Party,
			string(r.Audience.Scope), r.Audience.Party, parties, nonNil(r.Canonical), nonNil(r.Salt), nonNil(r.Commitment), r.Batch, r.BatchPos)
	}
	res, err := t.x.ExecContext(ctx, "INSERT INTO records ("+cols+") VALUES "+tuples(len(rs), 15)+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return fmt.Errorf("couldn't append %d items: %w", len(rs), err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(rs)) {
		// DO NOTHING skipped a row: an id, or a place in the batch, is taken.
		return fmt.Errorf("couldn't append %d items: some take an id or a place that is taken (%v): %w", len(rs), err, store.ErrConflict)
	}
	for i, r := range rs {
		r.Seq, r.LeafIndex = last+1+int64(i), -1
	}
	return nil
}

// insertItems inserts the rows of new items and their fields. Each row
// takes its record's seq as its key, so an item stored twice is refused
// as its record was.
func (t *tx) insertItems(ctx context.Context, es []store.Entity) error {
	args := make([]any, 0, len(es)*6)
	var fields []any
	for _, e := range es {
		if err := store.CheckAt(e.At); err != nil {
			return fmt.Errorf("couldn't store %s %s: At: %w", e.Kind, e.ID, err)
		}
		at := encodeAt(e.At)
		args = append(args, e.Kind, e.CreatedSeq, e.Parent, e.Party, e.Status, at)
		for name, values := range e.Fields {
			for _, v := range values {
				fields = append(fields, e.Kind, e.ID, name, v, e.CreatedSeq, at)
			}
		}
	}
	// OR FAIL rather than the default ABORT: a conflict fails the batch,
	// and AppendItems' caller rolls its transaction back, so SQLite need
	// not keep a statement journal to undo the statement alone.
	if _, err := t.x.ExecContext(ctx, "INSERT OR FAIL INTO items (kind, created_seq, parent, party, status, at) VALUES "+tuples(len(es), 6), args...); err != nil {
		if isUnique(err) {
			return fmt.Errorf("couldn't store %d items: some exist already: %w", len(es), store.ErrConflict)
		}
		return fmt.Errorf("couldn't store %d items: %w", len(es), err)
	}
	const perField = 6
	for from := 0; from < len(fields); from += itemsPerInsert * perField {
		chunk := fields[from:min(from+itemsPerInsert*perField, len(fields))]
		// A value repeated in a list is one row: the key includes it.
		if _, err := t.x.ExecContext(ctx, "INSERT INTO entity_fields (kind, id, name, value, created_seq, at) VALUES "+tuples(len(chunk)/perField, perField)+" ON CONFLICT DO NOTHING", chunk...); err != nil {
			return fmt.Errorf("couldn't store the fields of %d items: %w", len(es), err)
		}
	}
	return nil
}

// tuples returns n parenthesised groups of k placeholders, comma-separated.
func tuples(n, k int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", k), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// IndexedValues reads entity_fields for values in chunks of
// itemsPerInsert, well under SQLite's limit on parameters.
func (t *tx) IndexedValues(ctx context.Context, kind, name string, values []string) (map[string]bool, error) {
	found := map[string]bool{}
	for from := 0; from < len(values); from += itemsPerInsert {
		chunk := values[from:min(from+itemsPerInsert, len(values))]
		args := make([]any, 0, len(chunk)+2)
		args = append(args, kind, name)
		for _, v := range chunk {
			args = append(args, v)
		}
		in := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		rows, err := t.x.QueryContext(ctx, "SELECT DISTINCT value FROM entity_fields WHERE kind = ? AND name = ? AND value IN ("+in+")", args...)
		if err != nil {
			return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
			}
			found[v] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
		}
	}
	return found, nil
}
