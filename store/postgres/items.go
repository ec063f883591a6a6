package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/parley-project/parley/store"
)

// AppendItems appends a batch's items and inserts their entities in two
// round trips, each a few statements whatever the batch's size: the
// records (whose seqs the entities need), then the entities and their
// fields. Each statement takes its rows as arrays, a column an array,
// and unnests them: a statement a row kept the server parsing, planning
// and executing a thousand statements a table a batch, which bounded a
// PostgreSQL ingest at a few thousand reports a second.
func (t *tx) AppendItems(ctx context.Context, rs []*store.Record, es []store.Entity) error {
	if len(rs) != len(es) {
		return fmt.Errorf("couldn't append items: %d records and %d entities", len(rs), len(es))
	}
	if len(rs) == 0 {
		return nil
	}
	if err := t.appendItemRecords(ctx, rs); err != nil {
		return err
	}
	for i := range es {
		es[i].CreatedSeq = rs[i].Seq
		if err := store.CheckItemEntity(rs[i], es[i]); err != nil {
			return err
		}
	}
	return t.insertEntities(ctx, es)
}

// appendItemRecords inserts the items' records in item order and sets
// their seqs.
func (t *tx) appendItemRecords(ctx context.Context, rs []*store.Record) error {
	n := len(rs)
	var (
		ids, kinds, subjects, principals, authorParties = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		scopes, audParties, audLists, batches           = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ats                                             = make([]time.Time, n)
		canonical, salts, commitments                   = make([][]byte, n), make([][]byte, n), make([][]byte, n)
		positions                                       = make([]int64, n)
	)
	for i, r := range rs {
		if err := store.CheckItem(r); err != nil {
			return err
		}
		parties, err := encodeParties(r.Audience.Parties)
		if err != nil {
			return fmt.Errorf("couldn't append item %s: %w", r.ID, err)
		}
		ids[i], kinds[i], subjects[i], ats[i] = r.ID, r.Kind, r.Subject, r.At
		principals[i], authorParties[i] = r.Author.Principal, r.Author.Party
		scopes[i], audParties[i], audLists[i] = string(r.Audience.Scope), r.Audience.Party, parties
		canonical[i], salts[i], commitments[i] = nonNil(r.Canonical), nonNil(r.Salt), nonNil(r.Commitment)
		batches[i], positions[i] = r.Batch, r.BatchPos
	}
	// ORDER BY the array position: the identity column numbers rows in the
	// order they are inserted, so the items' seqs follow the batch.
	rows, err := t.t.Query(ctx, `INSERT INTO records (id, kind, subject, at, author_principal, author_party,
			aud_scope, aud_party, aud_parties, canonical, salt, commitment, batch, batch_pos)
		SELECT u.id, u.kind, u.subject, u.at, u.principal, u.party, u.scope, u.aud_party, u.aud_parties,
			u.canonical, u.salt, u.commitment, u.batch, u.pos
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::bytea[], $11::bytea[], $12::bytea[], $13::text[], $14::bigint[])
			WITH ORDINALITY AS u (id, kind, subject, at, principal, party, scope, aud_party, aud_parties,
				canonical, salt, commitment, batch, pos, ord)
		ORDER BY u.ord
		ON CONFLICT DO NOTHING RETURNING id, seq`,
		ids, kinds, subjects, ats, principals, authorParties, scopes, audParties, audLists, canonical, salts, commitments, batches, positions)
	if err != nil {
		return fmt.Errorf("couldn't append %d items: %w", n, err)
	}
	seqs := make(map[string]int64, n)
	for rows.Next() {
		var (
			id  string
			seq int64
		)
		if err := rows.Scan(&id, &seq); err != nil {
			rows.Close()
			return fmt.Errorf("couldn't append %d items: %w", n, err)
		}
		seqs[id] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		if isUnique(err) {
			return fmt.Errorf("couldn't append %d items: some take an id or a place in the batch that is taken: %w", n, store.ErrConflict)
		}
		return fmt.Errorf("couldn't append %d items: %w", n, err)
	}
	for _, r := range rs {
		seq, ok := seqs[r.ID]
		if !ok {
			// DO NOTHING skipped it: its id, or its place in the batch, is taken.
			return fmt.Errorf("couldn't append item %s: its id or its place in the batch is taken: %w", r.ID, store.ErrConflict)
		}
		r.Seq, r.LeafIndex = seq, -1
	}
	return nil
}

// insertEntities inserts new entities and their fields in one round
// trip; one that exists already is ErrConflict.
func (t *tx) insertEntities(ctx context.Context, es []store.Entity) error {
	n := len(es)
	var (
		kinds, ids, parents, scopes, audParties, audLists = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		recordIDs, parties, statuses                      = make([]string, n), make([]string, n), make([]string, n)
		versions                                          = make([]int32, n)
		createdSeqs                                       = make([]int64, n)
		created, updated                                  = make([]time.Time, n), make([]time.Time, n)
		bodies                                            = make([]pgtype.Text, n)
		ats                                               = make([]pgtype.Timestamptz, n)
		fKinds, fIDs, fNames, fValues                     []string
		fSeqs                                             []int64
		fAts                                              []pgtype.Timestamptz
	)
	for i, e := range es {
		list, body, at, err := entityValues(e)
		if err != nil {
			return err
		}
		kinds[i], ids[i], parents[i] = e.Kind, e.ID, e.Parent
		scopes[i], audParties[i], audLists[i] = string(e.Audience.Scope), e.Audience.Party, list
		recordIDs[i], versions[i], createdSeqs[i] = e.RecordID, int32(e.Version), e.CreatedSeq
		created[i], updated[i], parties[i], statuses[i] = e.Created, e.Updated, e.Party, e.Status
		if b, ok := body.(string); ok {
			bodies[i] = pgtype.Text{String: b, Valid: true}
		}
		if at != nil {
			ats[i] = pgtype.Timestamptz{Time: *at, Valid: true}
		}
		for name, values := range e.Fields {
			for _, v := range values {
				fKinds, fIDs, fNames, fValues = append(fKinds, e.Kind), append(fIDs, e.ID), append(fNames, name), append(fValues, v)
				fSeqs, fAts = append(fSeqs, e.CreatedSeq), append(fAts, ats[i])
			}
		}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO entities (`+entityCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[],
			$9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::json[], $13::text[], $14::text[], $15::timestamptz[])
		ON CONFLICT DO NOTHING`,
		kinds, ids, parents, scopes, audParties, audLists, recordIDs, versions, createdSeqs, created, updated, bodies, parties, statuses, ats)
	if len(fKinds) > 0 {
		// A value repeated in a list is one row: the key includes it.
		b.Queue(`INSERT INTO entity_fields (kind, id, name, value, created_seq, at)
			SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])`,
			fKinds, fIDs, fNames, fValues, fSeqs, fAts)
	}
	br := t.t.SendBatch(ctx, b)
	defer br.Close()
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("couldn't store %d entities: %w", n, err)
	}
	if tag.RowsAffected() != int64(n) {
		return fmt.Errorf("couldn't store %d entities: some exist already: %w", n, store.ErrConflict)
	}
	if len(fKinds) > 0 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("couldn't store the fields of %d entities: %w", n, err)
		}
	}
	return br.Close()
}

// IndexedValues reads entity_fields for every value in one query: one
// probe of entity_fields_created a value. The plain "value = ANY($3)"
// was planned, once the prepared statement's plan went generic on stale
// statistics, as a scan of every row of the kind and name with the array
// searched for each: a batch's read grew with all the values stored
// before it, and a PostgreSQL ingest slowed to some 500 reports a second
// by 100,000. An equality inside a LATERAL ... LIMIT 1 is always an
// index condition.
func (t *tx) IndexedValues(ctx context.Context, kind, name string, values []string) (map[string]bool, error) {
	found := map[string]bool{}
	rows, err := t.t.Query(ctx, `SELECT v.value FROM unnest($3::text[]) AS v (value)
		CROSS JOIN LATERAL (SELECT 1 FROM entity_fields f WHERE f.kind = $1 AND f.name = $2 AND f.value = v.value LIMIT 1) AS hit`, kind, name, values)
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
