package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parley-project/parley/store"
)

// AppendItems appends a batch's items and inserts their entities in two
// round trips: the records (whose Seqs the entities need), then the
// entities and their fields.
func (t *tx) AppendItems(ctx context.Context, rs []*store.Record, es []store.Entity) error {
	if len(rs) != len(es) {
		return fmt.Errorf("couldn't append items: %d records and %d entities", len(rs), len(es))
	}
	b := &pgx.Batch{}
	for _, r := range rs {
		if err := store.CheckItem(r); err != nil {
			return err
		}
		parties, err := encodeParties(r.Audience.Parties)
		if err != nil {
			return fmt.Errorf("couldn't append item %s: %w", r.ID, err)
		}
		b.Queue(`INSERT INTO records (id, kind, subject, at, author_principal, author_party,
			aud_scope, aud_party, aud_parties, canonical, salt, commitment, batch, batch_pos)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT DO NOTHING RETURNING seq`,
			r.ID, r.Kind, r.Subject, r.At, r.Author.Principal, r.Author.Party, string(r.Audience.Scope), r.Audience.Party, parties,
			nonNil(r.Canonical), nonNil(r.Salt), nonNil(r.Commitment), r.Batch, r.BatchPos)
	}
	br := t.t.SendBatch(ctx, b)
	for _, r := range rs {
		err := br.QueryRow().Scan(&r.Seq)
		if errors.Is(err, pgx.ErrNoRows) || isUnique(err) {
			br.Close()
			return fmt.Errorf("couldn't append item %s: its id or its place in the batch is taken: %w", r.ID, store.ErrConflict)
		}
		if err != nil {
			br.Close()
			return fmt.Errorf("couldn't append item %s: %w", r.ID, err)
		}
		r.LeafIndex = -1
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("couldn't append %d items: %w", len(rs), err)
	}
	b = &pgx.Batch{}
	for i := range es {
		e := &es[i]
		e.CreatedSeq = rs[i].Seq
		parties, body, at, err := entityValues(*e)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO entities (`+entityCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT DO NOTHING`,
			e.Kind, e.ID, e.Parent, string(e.Audience.Scope), e.Audience.Party, parties,
			e.RecordID, e.Version, e.CreatedSeq, e.Created, e.Updated, body, e.Party, e.Status, at)
		queueFields(b, *e, at)
	}
	br = t.t.SendBatch(ctx, b)
	defer br.Close()
	for _, e := range es {
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("couldn't store %s %s: %w", e.Kind, e.ID, err)
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("couldn't store %s %s: it exists already: %w", e.Kind, e.ID, store.ErrConflict)
		}
		if len(e.Fields) > 0 {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("couldn't store the fields of %s %s: %w", e.Kind, e.ID, err)
			}
		}
	}
	return br.Close()
}

// IndexedValues reads entity_fields for every value in one query.
func (t *tx) IndexedValues(ctx context.Context, kind, name string, values []string) (map[string]bool, error) {
	found := map[string]bool{}
	rows, err := t.t.Query(ctx, "SELECT DISTINCT value FROM entity_fields WHERE kind = $1 AND name = $2 AND value = ANY($3)", kind, name, values)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
		}
		found[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read the %s values of %s: %w", name, kind, err)
	}
	return found, nil
}
