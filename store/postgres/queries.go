package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader implements store.Reader on the read pool or inside a transaction.
type reader struct{ q querier }

// tx is a write transaction holding the write lock.
type tx struct {
	reader
	t pgx.Tx
}

var _ store.Tx = (*tx)(nil)

// args collects bound parameters as a query is put together.
type args []any

// add binds v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// visible returns the condition under which v may see a row with the
// audience columns aud_scope, aud_party and aud_parties. It is
// access.CanSee, clause by clause; storetest checks that the two agree.
func visible(v access.Viewer, a *args) string {
	if v.System {
		return "TRUE"
	}
	or := []string{"aud_scope = " + a.add(string(record.Public))}
	if v.Participant {
		or = append(or, "aud_scope = "+a.add(string(record.Parties)))
	}
	if v.Party != "" {
		if v.Mediator {
			or = append(or, "aud_scope = "+a.add(string(record.PartyMediator)))
		} else {
			or = append(or, "(aud_scope = "+a.add(string(record.PartyMediator))+" AND aud_party = "+a.add(v.Party)+")")
		}
		or = append(or, "(aud_scope = "+a.add(string(record.PartyOnly))+" AND aud_party = "+a.add(v.Party)+")")
		// strpos rather than LIKE: LIKE treats % and _ as wildcards, and
		// CanSee compares exactly. A party with a comma in it can be on no
		// list, since lists hold none.
		if !strings.Contains(v.Party, ",") {
			or = append(or, "(aud_scope = "+a.add(string(record.List))+" AND strpos(aud_parties, "+a.add(","+v.Party+",")+") > 0)")
		}
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// encodeParties renders a list audience's parties as ",a,b,": sorted, so
// that equal audiences are equal strings, and wrapped in commas, so that
// membership is a search for ",party,".
func encodeParties(ps []string) (string, error) {
	if len(ps) == 0 {
		return "", nil
	}
	ps = slices.Clone(ps)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	for _, p := range ps {
		if p == "" || strings.Contains(p, ",") {
			return "", fmt.Errorf("couldn't store audience party %q: party ids can't be empty or hold commas", p)
		}
	}
	return "," + strings.Join(ps, ",") + ",", nil
}

func decodeParties(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// pgx reads timestamptz in the local zone; parley keeps UTC throughout.
// Writing, pgx truncates to the microsecond, as record.Canonical does.
func utc(t time.Time) time.Time { return t.UTC() }

// nonNil turns a nil slice into an empty one for NOT NULL bytea columns,
// which pgx would otherwise be handed a NULL for.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports a unique_violation: only a race the write lock does not
// cover could cause one, since inserts say ON CONFLICT DO NOTHING.
func isUnique(err error) bool { return pgCode(err) == "23505" }

const entityCols = "kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at"

// entitySelect is what a read of entities (aliased e) selects: entityCols,
// then the entity's fields as a JSON array of [name, value] pairs (NULL for
// none; store.DecodeFields), read through entity_fields' key.
var entitySelect = "e." + strings.ReplaceAll(entityCols, ", ", ", e.") +
	", (SELECT json_agg(json_build_array(f.name, f.value)) FROM entity_fields f WHERE f.kind = e.kind AND f.id = e.id)"

// atKey is what lists sort and range on: at, with an entity without a time
// (NULL) first, as the zero time is the earliest. The indexes of migration
// 0004 hold exactly this expression; a query must write it the same way
// for the planner to match them.
func atKey(alias string) string { return "COALESCE(" + alias + ".at, '-infinity'::timestamptz)" }

// noAt is atKey's value for an entity without a time.
var noAt = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}

// atArg is the argument of an At compared with atKey.
func atArg(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return noAt
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func scanEntity(row pgx.Row) (store.Entity, error) {
	var (
		e              store.Entity
		scope, parties string
		body, fields   []byte
		at             *time.Time
	)
	err := row.Scan(&e.Kind, &e.ID, &e.Parent, &scope, &e.Audience.Party, &parties,
		&e.RecordID, &e.Version, &e.CreatedSeq, &e.Created, &e.Updated, &body,
		&e.Party, &e.Status, &at, &fields)
	if err != nil {
		return store.Entity{}, err
	}
	e.Audience.Scope = record.Scope(scope)
	e.Audience.Parties = decodeParties(parties)
	e.Created, e.Updated = utc(e.Created), utc(e.Updated)
	if at != nil {
		e.At = utc(*at)
	}
	if body != nil {
		e.Body = json.RawMessage(body)
	}
	if fields != nil {
		if e.Fields, err = store.DecodeFields(fields); err != nil {
			return store.Entity{}, fmt.Errorf("couldn't read the fields of %s %s: %w", e.Kind, e.ID, err)
		}
	}
	return e, nil
}

// Entity returns one entity if it exists and v may see it; one it may not
// see is reported exactly as a missing one.
func (r reader) Entity(ctx context.Context, v access.Viewer, kind, id string) (store.Entity, error) {
	var a args
	q := "SELECT " + entitySelect + " FROM entities e WHERE e.kind = " + a.add(kind) + " AND e.id = " + a.add(id) + " AND " + visible(v, &a)
	e, err := scanEntity(r.q.QueryRow(ctx, q, a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Entity{}, fmt.Errorf("couldn't find %s %s: %w", kind, id, store.ErrNotFound)
	}
	if err != nil {
		return store.Entity{}, fmt.Errorf("couldn't read %s %s: %w", kind, id, err)
	}
	return e, nil
}

// micro is the microsecond a time is stored at, the zero time lowest: the
// order in which at compares.
func micro(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixMicro()
}

// listQuery puts together the SQL of Entities, so that a page is one range
// of one index, read in order and stopped after limit+1 rows that v may
// see:
//
//   - with a field filter and no parent, entity_fields (aliased d) leads,
//     on the first field by name: entity_fields_created or entity_fields_at
//     gives the entities with that value in order, each found by its key;
//   - otherwise entities (aliased e) leads, on the index that starts with
//     kind, the equality filters and then created_seq, or atKey and
//     created_seq, as the order asks (migration 0004 lists them).
//
// The other filters, the further fields (by entity_fields' key) and the
// visibility condition are checked on the rows the index yields. The
// planner makes the final choice, with the table's statistics.
func listQuery(v access.Viewer, q store.Query, limit int, a *args) string {
	names := make([]string, 0, len(q.Fields))
	for n := range q.Fields {
		names = append(names, n)
	}
	slices.Sort(names)

	var where []string
	from, k := "entities e", "e" // k: the table whose at and created_seq order the list
	if len(names) > 0 && q.Parent == "" {
		from, k = "entity_fields d JOIN entities e ON e.kind = d.kind AND e.id = d.id", "d"
		where = append(where, "d.kind = "+a.add(q.Kind), "d.name = "+a.add(names[0]), "d.value = "+a.add(q.Fields[names[0]]))
		names = names[1:]
	} else {
		where = append(where, "e.kind = "+a.add(q.Kind))
	}
	// The indexes by parent, party and status hold only the rows that
	// have one (migration 0011); the "<> ''" beside each filter, true of
	// every row the filter keeps, is what lets the planner use them.
	if q.Parent != "" {
		where = append(where, "e.parent = "+a.add(q.Parent), "e.parent <> ''")
	}
	if q.Party != "" {
		where = append(where, "e.party = "+a.add(q.Party), "e.party <> ''")
	}
	if q.Status != "" {
		where = append(where, "e.status = "+a.add(q.Status), "e.status <> ''")
	}
	for _, n := range names {
		where = append(where, "EXISTS (SELECT 1 FROM entity_fields f WHERE f.kind = e.kind AND f.id = e.id AND f.name = "+
			a.add(n)+" AND f.value = "+a.add(q.Fields[n])+")")
	}
	for _, n := range slices.Sorted(maps.Keys(q.Match)) {
		// A JSON string of that value; a number whose text is the value
		// is no match, as in SQLite.
		key := a.add(n) + "::text"
		where = append(where, "json_typeof(e.body -> "+key+") = 'string' AND e.body ->> "+key+" = "+a.add(q.Match[n]))
	}
	// The time range, and with OrderAt the cursor, bound at. A time range
	// leaves out the entities without a time. Of two bounds on one side
	// (the range's and the cursor's, in At order) only the tighter is
	// written, since it implies the other: given both, the index range
	// would start at one and the other would be checked row by row.
	ranged := !q.From.IsZero() || !q.To.IsZero()
	lower, upper, cursor := ranged, !q.To.IsZero(), q.After != 0
	cmp, dir := ">", ""
	if q.Desc {
		cmp, dir = "<", " DESC"
	}
	if cursor && ranged && q.Order == store.OrderAt {
		x := micro(q.AfterAt)
		switch {
		case !q.Desc && (x > micro(q.From) || (x == micro(q.From) && !q.From.IsZero())):
			lower = false // at >= x > From, or at > x >= the zero time
		case !q.Desc:
			cursor = false // x < From, or x is the zero time: every at in range is past x
		case upper && x < micro(q.To):
			upper = false // at <= x < To
		case upper:
			cursor = false // at < To <= x
		}
	}
	switch {
	case lower && !q.From.IsZero():
		where = append(where, atKey(k)+" >= "+a.add(atArg(q.From)))
	case lower:
		where = append(where, atKey(k)+" > "+a.add(noAt))
	}
	if upper {
		where = append(where, atKey(k)+" < "+a.add(atArg(q.To)))
	}
	if cursor {
		if q.Order == store.OrderAt {
			// A row comparison: the index reads it as one range.
			where = append(where, "("+atKey(k)+", "+k+".created_seq) "+cmp+" ("+a.add(atArg(q.AfterAt))+", "+a.add(q.After)+")")
		} else {
			where = append(where, k+".created_seq "+cmp+" "+a.add(q.After))
		}
	}
	where = append(where, visible(v, a))
	order := k + ".created_seq" + dir
	if q.Order == store.OrderAt {
		order = atKey(k) + dir + ", " + order
	}
	// id breaks ties so that the order is total, in byte order as in
	// SQLite. One row more than asked says whether more follow.
	return "SELECT " + entitySelect + " FROM " + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + `, e.id COLLATE "C"` + dir + " LIMIT " + a.add(limit+1)
}

// Entities returns up to q.Limit entities v may see, as q selects and orders
// them.
func (r reader) Entities(ctx context.Context, v access.Viewer, q store.Query) ([]store.Entity, bool, error) {
	if err := q.Check(); err != nil {
		return nil, false, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	limit := max(q.Limit, 1)
	var a args
	sq := listQuery(v, q, limit, &a)
	rows, err := r.q.Query(ctx, sq, a...)
	if err != nil {
		return nil, false, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	defer rows.Close()
	// Grown as rows come: most reads in a write's checks find one row or
	// none, and a page's worth made for each (an entity is some 200
	// bytes) was a large allocation a check.
	es := make([]store.Entity, 0, min(limit+1, 8))
	for rows.Next() {
		e, err := scanEntity(rows)
		if err != nil {
			return nil, false, fmt.Errorf("couldn't read %s: %w", q.Kind, err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	if len(es) > limit {
		return es[:limit], true, nil
	}
	return es, false, nil
}

const recordCols = "seq, id, kind, subject, at, author_principal, author_party, aud_scope, aud_party, aud_parties, canonical, salt, commitment, leaf_index, chain, supersedes, batch, batch_pos"

func scanRecord(row pgx.Row) (store.Record, error) {
	var (
		r              store.Record
		scope, parties string
		leaf           *int64
		chain, sup     *string
		batch          *string
		pos            *int64
	)
	err := row.Scan(&r.Seq, &r.ID, &r.Kind, &r.Subject, &r.At, &r.Author.Principal, &r.Author.Party,
		&scope, &r.Audience.Party, &parties, &r.Canonical, &r.Salt, &r.Commitment, &leaf, &chain, &sup, &batch, &pos)
	if err != nil {
		return store.Record{}, err
	}
	r.At = utc(r.At)
	r.Audience.Scope = record.Scope(scope)
	r.Audience.Parties = decodeParties(parties)
	r.LeafIndex = -1
	if leaf != nil {
		r.LeafIndex = *leaf
	}
	if chain != nil && sup != nil {
		r.Chain, r.Supersedes = *chain, *sup
	}
	if batch != nil && pos != nil {
		r.Batch, r.BatchPos = *batch, *pos
	}
	return r, nil
}

// records returns up to limit records with seq > after, in seq order.
func records(ctx context.Context, q querier, after int64, limit int) ([]store.Record, error) {
	return queryRecords(ctx, q, "SELECT "+recordCols+" FROM records WHERE seq > $1 ORDER BY seq LIMIT $2", after, max(limit, 1))
}

// queryRecords runs a query of recordCols and reads every row.
func queryRecords(ctx context.Context, q querier, query string, args ...any) ([]store.Record, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("couldn't list records: %w", err)
	}
	defer rows.Close()
	var rs []store.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("couldn't read a record: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't list records: %w", err)
	}
	return rs, nil
}

// Records returns up to limit records with Seq > after, in Seq order,
// whatever their audience. A limit below 1 is taken as 1.
func (s *Store) Records(ctx context.Context, after int64, limit int) ([]store.Record, error) {
	return records(ctx, s.r, after, limit)
}

// SubjectRecords returns every record of one subject, in seq order.
func (s *Store) SubjectRecords(ctx context.Context, subject string) ([]store.Record, error) {
	return queryRecords(ctx, s.r, "SELECT "+recordCols+" FROM records WHERE subject = $1 ORDER BY seq", subject)
}

// RecordByID returns one record whatever its audience.
func (s *Store) RecordByID(ctx context.Context, id string) (store.Record, error) {
	return recordByID(ctx, s.r, id)
}

// RecordByID returns one record whatever its audience.
func (t *tx) RecordByID(ctx context.Context, id string) (store.Record, error) {
	return recordByID(ctx, t.t, id)
}

func recordByID(ctx context.Context, q querier, id string) (store.Record, error) {
	r, err := scanRecord(q.QueryRow(ctx, "SELECT "+recordCols+" FROM records WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, fmt.Errorf("couldn't find record %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("couldn't read record %s: %w", id, err)
	}
	return r, nil
}

// ChainHead returns the record of the chain that no other supersedes.
func (s *Store) ChainHead(ctx context.Context, chain string) (string, error) {
	return chainHead(ctx, s.r, chain)
}

// ChainHead returns the record of the chain that no other supersedes.
func (t *tx) ChainHead(ctx context.Context, chain string) (string, error) {
	return chainHead(ctx, t.t, chain)
}

func chainHead(ctx context.Context, q querier, chain string) (string, error) {
	// Through the chain's unique index, both for the chain's records and
	// for whether one supersedes another.
	rows, err := q.Query(ctx, `SELECT r.id FROM records r WHERE r.chain = $1
		AND NOT EXISTS (SELECT 1 FROM records n WHERE n.chain = $2 AND n.supersedes = r.id) LIMIT 2`, chain, chain)
	if err != nil {
		return "", fmt.Errorf("couldn't find the head of chain %q: %w", chain, err)
	}
	defer rows.Close()
	var heads []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("couldn't find the head of chain %q: %w", chain, err)
		}
		heads = append(heads, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("couldn't find the head of chain %q: %w", chain, err)
	}
	switch len(heads) {
	case 0:
		return "", fmt.Errorf("chain %q has no records: %w", chain, store.ErrNotFound)
	case 1:
		return heads[0], nil
	}
	// The unique index makes a fork impossible, and a cycle leaves no
	// head at all: the rows were changed behind parley's back.
	return "", fmt.Errorf("chain %q has more than one latest decision (%s and %s); parley audit will say how the records were changed", chain, heads[0], heads[1])
}

// PendingRecords returns up to limit records whose leaf index is not yet
// set, in seq order, whatever their audience. A limit below 1 is taken as 1.
// The partial index records_pending holds exactly these rows.
func (s *Store) PendingRecords(ctx context.Context, limit int) ([]store.Record, error) {
	rs, err := queryRecords(ctx, s.r, "SELECT "+recordCols+" FROM records WHERE leaf_index IS NULL AND batch IS NULL ORDER BY seq LIMIT $1", max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("couldn't list pending records: %w", err)
	}
	return rs, nil
}

// BatchCommitments returns the commitments of a batch's items, by
// position, through the index records_batch.
func (s *Store) BatchCommitments(ctx context.Context, batch string) ([][]byte, error) {
	rows, err := s.r.Query(ctx, "SELECT commitment FROM records WHERE batch = $1 ORDER BY batch_pos", batch)
	if err != nil {
		return nil, fmt.Errorf("couldn't read batch %s: %w", batch, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("couldn't read batch %s: %w", batch, err)
	}
	return out, nil
}

// LeafCount returns how many records have their leaf index set.
func (s *Store) LeafCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRow(ctx, "SELECT count(*) FROM records WHERE leaf_index IS NOT NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("couldn't count leaves: %w", err)
	}
	return n, nil
}

// Try implements store.Tx with a SQL savepoint.
func (t *tx) Try(ctx context.Context, fn func() error) error {
	if _, err := t.t.Exec(ctx, "SAVEPOINT item"); err != nil {
		return fmt.Errorf("%w: couldn't take a savepoint: %v", store.ErrAborted, err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.t.Exec(ctx, "ROLLBACK TO SAVEPOINT item"); rerr != nil {
			return fmt.Errorf("%w: couldn't roll back to the savepoint (%v) after: %v", store.ErrAborted, rerr, err)
		}
		if _, rerr := t.t.Exec(ctx, "RELEASE SAVEPOINT item"); rerr != nil {
			return fmt.Errorf("%w: couldn't release the savepoint (%v) after: %v", store.ErrAborted, rerr, err)
		}
		return err
	}
	if _, err := t.t.Exec(ctx, "RELEASE SAVEPOINT item"); err != nil {
		return fmt.Errorf("%w: couldn't release a savepoint: %v", store.ErrAborted, err)
	}
	return nil
}

// AppendRecord inserts r and sets r.Seq. The record is stored pending, its
// leaf index NULL whatever r.LeafIndex says, and r.LeafIndex is set to -1:
// only SetLeafIndex sets a leaf index.
func (t *tx) AppendRecord(ctx context.Context, r *store.Record) error {
	parties, err := encodeParties(r.Audience.Parties)
	if err != nil {
		return fmt.Errorf("couldn't append record %s: %w", r.ID, err)
	}
	// An unsigned record is in no chain: NULL, which the chain's unique
	// index leaves out.
	var chain, supersedes any
	if r.Chain != "" {
		chain, supersedes = r.Chain, r.Supersedes
	} else if r.Supersedes != "" {
		return fmt.Errorf("couldn't append record %s: it supersedes %s but is in no chain", r.ID, r.Supersedes)
	}
	var batch, pos any
	if r.Batch != "" {
		batch, pos = r.Batch, r.BatchPos
	}
	var seq int64
	// DO NOTHING rather than a unique violation, which would abort the
	// whole transaction: the caller may go on after ErrConflict, as in
	// SQLite. The identity value drawn is lost, leaving a gap in Seq.
	err = t.t.QueryRow(ctx, `INSERT INTO records (id, kind, subject, at, author_principal, author_party,
		aud_scope, aud_party, aud_parties, canonical, salt, commitment, leaf_index, chain, supersedes, batch, batch_pos)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14, $15, $16)
		ON CONFLICT DO NOTHING RETURNING seq`,
		r.ID, r.Kind, r.Subject, r.At, r.Author.Principal, r.Author.Party,
		string(r.Audience.Scope), r.Audience.Party, parties,
		nonNil(r.Canonical), nonNil(r.Salt), nonNil(r.Commitment), chain, supersedes, batch, pos).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) || isUnique(err) {
		return fmt.Errorf("couldn't append record %s: %w", r.ID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("couldn't append record %s: %w", r.ID, err)
	}
	r.Seq = seq
	r.LeafIndex = -1
	return nil
}

// SetLeafIndex sets record id's leaf index, once: the same index again is
// a no-op, another index ErrConflict, as is an index another record holds;
// an unknown id is ErrNotFound.
func (t *tx) SetLeafIndex(ctx context.Context, id string, index int64) error {
	if index < 0 {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: a leaf index is not negative", id, index)
	}
	// Only a NULL leaf index is set (the trigger refuses anything else),
	// and only to an index no record holds. Checking that here, under the
	// write lock, rather than letting the unique index refuse the
	// statement, keeps the transaction usable after ErrConflict: a unique
	// violation would abort it.
	tag, err := t.t.Exec(ctx, `UPDATE records SET leaf_index = $2
		WHERE id = $1 AND leaf_index IS NULL AND batch IS NULL
		AND NOT EXISTS (SELECT 1 FROM records WHERE leaf_index = $2)`, id, index)
	if isUnique(err) {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: another record holds it: %w", id, index, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// Nothing changed: say why.
	var cur *int64
	var batch *string
	err = t.t.QueryRow(ctx, "SELECT leaf_index, batch FROM records WHERE id = $1", id).Scan(&cur, &batch)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: no such record: %w", id, index, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	case batch != nil:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: it is an item of batch %s, whose leaf is its place in the log: %w", id, index, *batch, store.ErrConflict)
	case cur != nil && *cur == index:
		return nil
	case cur != nil:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: it is already %d: %w", id, index, *cur, store.ErrConflict)
	}
	var other string
	if err := t.t.QueryRow(ctx, "SELECT id FROM records WHERE leaf_index = $1", index).Scan(&other); err != nil {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	}
	return fmt.Errorf("couldn't set the leaf index of record %s to %d: record %s holds it: %w", id, index, other, store.ErrConflict)
}

// PutEntity inserts or replaces the row (e.Kind, e.ID), every column, and
// replaces the entity's fields with e.Fields: one batch, one round trip.
func (t *tx) PutEntity(ctx context.Context, e store.Entity) error {
	parties, body, at, err := entityValues(e)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO entities (`+entityCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (kind, id) DO UPDATE SET
			parent = excluded.parent, aud_scope = excluded.aud_scope, aud_party = excluded.aud_party,
			aud_parties = excluded.aud_parties, record_id = excluded.record_id, version = excluded.version,
			created_seq = excluded.created_seq, created = excluded.created, updated = excluded.updated,
			body = excluded.body, party = excluded.party, status = excluded.status, at = excluded.at`,
		e.Kind, e.ID, e.Parent, string(e.Audience.Scope), e.Audience.Party, parties,
		e.RecordID, e.Version, e.CreatedSeq, e.Created, e.Updated, body,
		e.Party, e.Status, at)
	// Replaced whole: what the previous version had and this one has not
	// must not match a filter any more. The copies of created_seq and at
	// follow the entity's.
	b.Queue("DELETE FROM entity_fields WHERE kind = $1 AND id = $2", e.Kind, e.ID)
	queueFields(b, e, at)
	if err := t.t.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("couldn't store %s %s: %w", e.Kind, e.ID, err)
	}
	return nil
}

// entityValues checks an entity before it is stored and returns its
// audience's parties, its body and its time as the columns hold them. It
// checks here what the table would refuse, so that the error is the same
// in every store and leaves the transaction usable.
func entityValues(e store.Entity) (parties string, body any, at *time.Time, err error) {
	if parties, err = encodeParties(e.Audience.Parties); err != nil {
		return "", nil, nil, fmt.Errorf("couldn't store %s %s: %w", e.Kind, e.ID, err)
	}
	if err := store.CheckAt(e.At); err != nil {
		return "", nil, nil, fmt.Errorf("couldn't store %s %s: At: %w", e.Kind, e.ID, err)
	}
	if len(e.Body) > 0 {
		if !json.Valid(e.Body) {
			return "", nil, nil, fmt.Errorf("couldn't store %s %s: body is not valid JSON", e.Kind, e.ID)
		}
		body = string(e.Body)
	}
	if !e.At.IsZero() { // else NULL: no time
		at = &e.At
	}
	return parties, body, at, nil
}

// queueFields queues the insert of e's fields, if it has any: one
// statement, a row per value (a value repeated is one row).
func queueFields(b *pgx.Batch, e store.Entity, at *time.Time) bool {
	if len(e.Fields) == 0 {
		return false
	}
	var names, values []string
	for n, vs := range e.Fields {
		for _, v := range vs {
			names, values = append(names, n), append(values, v)
		}
	}
	b.Queue(`INSERT INTO entity_fields (kind, id, name, value, created_seq, at)
		SELECT DISTINCT $1, $2, u.name, u.value, $5::bigint, $6::timestamptz FROM unnest($3::text[], $4::text[]) AS u (name, value)`,
		e.Kind, e.ID, names, values, e.CreatedSeq, at)
	return true
}

const principalCols = "id, login, name, party, party_role, roles, password_hash, signing_key, created, disabled"

// principalColsP is principalCols of the table aliased p, for joins.
var principalColsP = "p." + strings.ReplaceAll(principalCols, ", ", ", p.")

func scanPrincipal(row pgx.Row) (store.Principal, error) {
	var (
		p        store.Principal
		role     string
		roles    []string
		disabled *time.Time
	)
	err := row.Scan(&p.ID, &p.Login, &p.Name, &p.Party, &role, &roles, &p.PasswordHash, &p.SigningKey, &p.Created, &disabled)
	if err != nil {
		return store.Principal{}, err
	}
	p.PartyRole = access.ProcessRole(role)
	for _, r := range roles {
		p.Roles = append(p.Roles, access.Role(r))
	}
	p.Created = utc(p.Created)
	if disabled != nil {
		p.Disabled = utc(*disabled)
	}
	return p, nil
}

// encodeDisabled is the disabled column of a principal disabled at at:
// NULL for the zero time, enabled.
func encodeDisabled(at time.Time) *time.Time {
	if at.IsZero() {
		return nil
	}
	return &at
}

// PutPrincipal inserts a principal; ErrConflict if its id or login is taken.
func (t *tx) PutPrincipal(ctx context.Context, p store.Principal) error {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	tag, err := t.t.Exec(ctx, "INSERT INTO principals ("+principalCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
		p.ID, p.Login, p.Name, p.Party, string(p.PartyRole), roles, p.PasswordHash, p.SigningKey, p.Created, encodeDisabled(p.Disabled))
	if (err == nil && tag.RowsAffected() == 0) || isUnique(err) {
		return fmt.Errorf("couldn't add principal %s (login %s): %w", p.ID, p.Login, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("couldn't add principal %s: %w", p.Login, err)
	}
	return nil
}

// SetSigningKey sets principal id's signing key, replacing any earlier one;
// ErrNotFound if there is no such principal. The key is stored as given:
// what makes a valid key is the caller's to check.
func (t *tx) SetSigningKey(ctx context.Context, id, key string) error {
	return t.updatePrincipal(ctx, id, "the signing key", "signing_key", key)
}

// SetPasswordHash sets principal id's password hash; ErrNotFound if there
// is no such principal. The hash is stored as given.
func (t *tx) SetPasswordHash(ctx context.Context, id, hash string) error {
	return t.updatePrincipal(ctx, id, "the password", "password_hash", hash)
}

// SetDisabled disables principal id as of at, or enables it for the zero
// time; ErrNotFound if there is no such principal.
func (t *tx) SetDisabled(ctx context.Context, id string, at time.Time) error {
	return t.updatePrincipal(ctx, id, "whether it is disabled", "disabled", encodeDisabled(at))
}

// updatePrincipal sets one column of principal id: what names it for
// errors, column (one of this file's constants, never input) the column.
func (t *tx) updatePrincipal(ctx context.Context, id, what, column string, value any) error {
	// The tag counts every row the WHERE matched, the value changed or not.
	tag, err := t.t.Exec(ctx, "UPDATE principals SET "+column+" = $2 WHERE id = $1", id, value)
	if err != nil {
		return fmt.Errorf("couldn't set %s of principal %s: %w", what, id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("couldn't set %s of principal %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// PutToken stores a token hash; ErrConflict if the hash is taken,
// ErrNotFound if the principal does not exist.
func (t *tx) PutToken(ctx context.Context, tok store.Token) error {
	// Inserting only when the principal exists, rather than letting the
	// foreign key fail, keeps the transaction usable after the error.
	tag, err := t.t.Exec(ctx, `INSERT INTO tokens (hash, principal_id, label, created)
		SELECT $1::text, $2::text, $3::text, $4::timestamptz
		WHERE EXISTS (SELECT 1 FROM principals WHERE id = $2::text)
		ON CONFLICT DO NOTHING`,
		tok.Hash, tok.PrincipalID, tok.Label, tok.Created)
	if err == nil && tag.RowsAffected() == 0 {
		// Nothing inserted: either the principal is missing or the hash
		// is taken.
		var exists bool
		if err := t.t.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM principals WHERE id = $1)", tok.PrincipalID).Scan(&exists); err != nil {
			return fmt.Errorf("couldn't add token %q: %w", tok.Label, err)
		}
		if !exists {
			return fmt.Errorf("couldn't add token %q: principal %s: %w", tok.Label, tok.PrincipalID, store.ErrNotFound)
		}
		return fmt.Errorf("couldn't add token %q: %w", tok.Label, store.ErrConflict)
	}
	switch {
	case isUnique(err):
		return fmt.Errorf("couldn't add token %q: %w", tok.Label, store.ErrConflict)
	case pgCode(err) == "23503": // foreign_key_violation
		return fmt.Errorf("couldn't add token %q: principal %s: %w", tok.Label, tok.PrincipalID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("couldn't add token %q: %w", tok.Label, err)
	}
	return nil
}

// PutBlob keeps a file by its content; one kept already stays as it is.
func (t *tx) PutBlob(ctx context.Context, b store.Blob) error {
	if err := store.CheckBlob(b); err != nil {
		return err
	}
	_, err := t.t.Exec(ctx, "INSERT INTO blobs (sha256, media_type, size, data, created) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
		b.SHA256, b.MediaType, b.Size, nonNil(b.Data), b.Created.UTC())
	if err != nil {
		return fmt.Errorf("couldn't keep file %s: %w", b.SHA256, err)
	}
	return nil
}

// SetMeta sets a setting, replacing any earlier value.
func (t *tx) SetMeta(ctx context.Context, key string, value []byte) error {
	_, err := t.t.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		key, nonNil(value))
	if err != nil {
		return fmt.Errorf("couldn't set %s: %w", key, err)
	}
	return nil
}

func (s *Store) principal(ctx context.Context, what, q string, arg any) (store.Principal, error) {
	p, err := scanPrincipal(s.r.QueryRow(ctx, q, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Principal{}, fmt.Errorf("couldn't find principal by %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Principal{}, fmt.Errorf("couldn't read principal by %s: %w", what, err)
	}
	return p, nil
}

// PrincipalByLogin finds a principal by login.
func (s *Store) PrincipalByLogin(ctx context.Context, login string) (store.Principal, error) {
	return s.principal(ctx, "login "+login, "SELECT "+principalCols+" FROM principals WHERE login = $1", login)
}

// PrincipalByID finds a principal by id.
func (s *Store) PrincipalByID(ctx context.Context, id string) (store.Principal, error) {
	return s.principal(ctx, "id "+id, "SELECT "+principalCols+" FROM principals WHERE id = $1", id)
}

// PrincipalByToken finds the principal holding the token with this hash.
// The hash stays out of the error: it is as good as the token to a reader
// of the logs, if anyone ever stored a token by mistake where a hash goes.
func (s *Store) PrincipalByToken(ctx context.Context, hash string) (store.Principal, error) {
	return s.principal(ctx, "token", "SELECT "+principalColsP+
		" FROM tokens t JOIN principals p ON p.id = t.principal_id WHERE t.hash = $1", hash)
}

// Principals lists every principal in byte order of login, as SQLite sorts
// them, whatever the database's collation.
func (s *Store) Principals(ctx context.Context) ([]store.Principal, error) {
	rows, err := s.r.Query(ctx, "SELECT "+principalCols+` FROM principals ORDER BY login COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("couldn't list principals: %w", err)
	}
	defer rows.Close()
	var ps []store.Principal
	for rows.Next() {
		p, err := scanPrincipal(rows)
		if err != nil {
			return nil, fmt.Errorf("couldn't read a principal: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't list principals: %w", err)
	}
	return ps, nil
}

// Blob returns the file kept under sha256, or ErrNotFound.
func (s *Store) Blob(ctx context.Context, sha256 string) (store.Blob, error) {
	b := store.Blob{SHA256: sha256}
	err := s.r.QueryRow(ctx, "SELECT media_type, size, data, created FROM blobs WHERE sha256 = $1", sha256).Scan(&b.MediaType, &b.Size, &b.Data, &b.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Blob{}, fmt.Errorf("couldn't find file %s: %w", sha256, store.ErrNotFound)
	}
	if err != nil {
		return store.Blob{}, fmt.Errorf("couldn't read file %s: %w", sha256, err)
	}
	b.Data = nonNil(b.Data)
	return b, nil
}

// EachBlob calls fn with every file kept, by hash, one at a time, so that
// no file is held longer than fn takes.
func (s *Store) EachBlob(ctx context.Context, fn func(store.Blob) error) error {
	after := ""
	for {
		var b store.Blob
		err := s.r.QueryRow(ctx, `SELECT sha256, media_type, size, data, created FROM blobs WHERE sha256 > $1 ORDER BY sha256 COLLATE "C" LIMIT 1`, after).
			Scan(&b.SHA256, &b.MediaType, &b.Size, &b.Data, &b.Created)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("couldn't read the files: %w", err)
		}
		b.Data = nonNil(b.Data)
		if err := fn(b); err != nil {
			return err
		}
		after = b.SHA256
	}
}

// Meta returns a setting, or ErrNotFound.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.r.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("couldn't find setting %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't read setting %s: %w", key, err)
	}
	return nonNil(v), nil
}
