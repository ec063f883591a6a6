package sqlite

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// insertItems inserts the rows of new items and of their field values.
// Each row takes its record's seq as its key, so an item stored twice is
// refused as its record was.
func (t *tx) insertItems(ctx context.Context, es []store.Entity) error {
	type fieldRow struct {
		kind, name, value string
		seq, at           int64
	}
	args := make([]any, 0, len(es)*7)
	var rows []fieldRow
	for _, e := range es {
		if err := store.CheckAt(e.At); err != nil {
			return fmt.Errorf("couldn't store %s %s: At: %w", e.Kind, e.ID, err)
		}
		at := encodeAt(e.At)
		pairs := itemFields(e.Fields)
		for _, p := range pairs {
			if !utf8.ValidString(p[0]) || !utf8.ValidString(p[1]) {
				// JSON would keep another string than item_fields.
				return fmt.Errorf("couldn't store the fields of %s %s: field %q holds a value that is not UTF-8", e.Kind, e.ID, p[0])
			}
			rows = append(rows, fieldRow{e.Kind, p[0], p[1], e.CreatedSeq, at})
		}
		text, err := json.Marshal(pairs)
		if err != nil {
			return fmt.Errorf("couldn't store the fields of %s %s: %w", e.Kind, e.ID, err)
		}
		args = append(args, e.Kind, e.CreatedSeq, e.Parent, e.Party, e.Status, at, string(text))
	}
	// OR FAIL rather than the default ABORT: a conflict fails the batch,
	// and AppendItems' caller rolls its transaction back, so SQLite need
	// not keep a statement journal to undo the statement alone.
	if _, err := t.x.ExecContext(ctx, "INSERT OR FAIL INTO items (kind, created_seq, parent, party, status, at, fields) VALUES "+tuples(len(es), 7), args...); err != nil {
		if isUnique(err) {
			// The records took these seqs just now: the row was there
			// before its record, put there behind parley's back.
			return fmt.Errorf("couldn't store %d items: the items table holds a row at the seq of one of them, which no record made (parley audit reports it, parley rebuild removes it): %w", len(es), store.ErrConflict)
		}
		return fmt.Errorf("couldn't store %d items: %w", len(es), err)
	}
	// In the key's order: values such as source references fall at random
	// places of the key, and in order each insert finds its page beside
	// the one before it.
	slices.SortFunc(rows, func(a, b fieldRow) int {
		return cmp.Or(strings.Compare(a.kind, b.kind), strings.Compare(a.name, b.name), strings.Compare(a.value, b.value), cmp.Compare(a.seq, b.seq))
	})
	const perField = 5
	for from := 0; from < len(rows); from += itemsPerInsert {
		chunk := rows[from:min(from+itemsPerInsert, len(rows))]
		args := make([]any, 0, len(chunk)*perField)
		for _, r := range chunk {
			args = append(args, r.kind, r.name, r.value, r.seq, r.at)
		}
		if _, err := t.x.ExecContext(ctx, "INSERT OR FAIL INTO item_fields (kind, name, value, created_seq, at) VALUES "+tuples(len(chunk), perField), args...); err != nil {
			return fmt.Errorf("couldn't store the fields of %d items: %w", len(es), err)
		}
	}
	return nil
}

// itemFields returns an item's field values as [name, value] pairs,
// sorted and without repeats (a value repeated in a list is one value).
func itemFields(fs map[string][]string) [][2]string {
	pairs := make([][2]string, 0, len(fs))
	for name, values := range fs {
		for _, v := range values {
			pairs = append(pairs, [2]string{name, v})
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1])) })
	return slices.Compact(pairs)
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
		// Numbered: the values are asked of both tables, bound once.
		marks := make([]string, len(chunk))
		for i := range chunk {
			marks[i] = "?" + strconv.Itoa(i+3)
		}
		in := strings.Join(marks, ",")
		rows, err := t.x.QueryContext(ctx, "SELECT value FROM entity_fields WHERE kind = ?1 AND name = ?2 AND value IN ("+in+")"+
			" UNION SELECT value FROM item_fields WHERE kind = ?1 AND name = ?2 AND value IN ("+in+")", args...)
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
