package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/jsontop"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what the read pool and a write transaction have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements store.Reader on the read pool or inside a transaction.
type reader struct{ q querier }

// tx is a write transaction on the writer connection.
type tx struct {
	reader
	t *sql.Tx
	// x runs the transaction's statements, prepared once.
	x querier
	// item is the item of a batch whose entity Rebuild is projecting
	// anew, if it is one: PutEntity puts that entity in items.
	item *store.Record
}

var _ store.Tx = (*tx)(nil)

// args collects bound parameters as a query is put together.
type args []any

// add binds v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "?"
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
		// instr rather than LIKE: LIKE is case-insensitive in SQLite and
		// treats % and _ as wildcards, and CanSee compares exactly. A party
		// with a comma in it can be on no list, since lists hold none.
		if !strings.Contains(v.Party, ",") {
			or = append(or, "(aud_scope = "+a.add(string(record.List))+" AND instr(aud_parties, "+a.add(","+v.Party+",")+") > 0)")
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

// Times are INTEGER microseconds since the epoch, UTC (see 0001_init.sql).
func encodeTime(t time.Time) int64  { return t.UnixMicro() }
func decodeTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nonNil turns a nil slice into an empty one for NOT NULL BLOB columns,
// which the driver would otherwise be handed a NULL for.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// sqliteCode returns the extended result code of an SQLite error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY }

const entityCols = "kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at"

// entitySelect is what a read of entities (aliased e) selects: entityCols,
// then the entity's fields as a JSON array of [name, value] pairs ('[]'
// for none; store.DecodeFields), read through entity_fields' key.
var entitySelect = "e." + strings.ReplaceAll(entityCols, ", ", ", e.") +
	", (SELECT json_group_array(json_array(f.name, f.value)) FROM entity_fields f WHERE f.kind = e.kind AND f.id = e.id)"

// itemSelect is entitySelect of an item (items aliased e, its record r):
// its id, audience and times are its record's, its version 1, its body is
// read out of the record's canonical bytes (scanEntity), and its fields
// are its row's.
var itemSelect = "e.kind, r.id, e.parent, r.aud_scope, r.aud_party, r.aud_parties, r.id, 1, e.created_seq, r.at, r.at, r.canonical, e.party, e.status, e.at, e.fields"

// itemRecord joins an item's row (e) with its record (r): the record of
// that seq that is an item of a batch, of that kind, about itself. A row
// of items that no such record made is never read (StrayItems reports
// it).
const itemRecord = "r.seq = e.created_seq AND r.batch IS NOT NULL AND r.kind = e.kind AND r.subject = r.id"

// source is a table entities are read from, aliased e, with the table of
// their field values: entities and entity_fields, or items and
// item_fields, the lean rows of batch items (migration 0012), each joined
// with its record (aliased r) for what the row does not hold.
type source struct {
	table, fields string // also the prefixes of their indexes' names
	join          string
	// of is the condition under which a row of fields (aliased by %[1]s)
	// is one of e's.
	of  string
	sel string
	// doc is the JSON whose member at prefix+name is a body's top-level
	// field name.
	doc, prefix string
	item        bool
}

var (
	entityRows = source{table: "entities", fields: "entity_fields", of: "%[1]s.kind = e.kind AND %[1]s.id = e.id",
		sel: entitySelect, doc: "e.body", prefix: "$."}
	itemRows = source{table: "items", fields: "item_fields", join: " CROSS JOIN records r ON " + itemRecord,
		of:  "%[1]s.kind = e.kind AND %[1]s.created_seq = e.created_seq",
		sel: itemSelect, doc: "CAST(r.canonical AS TEXT)", prefix: "$.body.", item: true}
)

// zeroAt is the at of an entity without a time: encodeTime of the zero
// time, which sorts before every At CheckAt admits (see 0004_list_index.sql).
var zeroAt = encodeTime(time.Time{})

func encodeAt(t time.Time) int64 {
	if t.IsZero() {
		return zeroAt
	}
	return encodeTime(t)
}

func decodeAt(us int64) time.Time {
	if us == zeroAt {
		return time.Time{}
	}
	return decodeTime(us)
}

func scanEntity(sc interface{ Scan(...any) error }, src source) (store.Entity, error) {
	var (
		e                    store.Entity
		scope, parties       string
		created, updated, at int64
		body, fields         []byte
	)
	err := sc.Scan(&e.Kind, &e.ID, &e.Parent, &scope, &e.Audience.Party, &parties,
		&e.RecordID, &e.Version, &e.CreatedSeq, &created, &updated, &body,
		&e.Party, &e.Status, &at, &fields)
	if err != nil {
		return store.Entity{}, err
	}
	e.Audience.Scope = record.Scope(scope)
	e.Audience.Parties = decodeParties(parties)
	e.Created, e.Updated = decodeTime(created), decodeTime(updated)
	e.At = decodeAt(at)
	if src.item {
		// An item's body is its record's.
		members, ok := jsontop.Fields(body)
		if !ok || members["body"] == nil {
			return store.Entity{}, fmt.Errorf("couldn't read the body of %s %s out of its record", e.Kind, e.ID)
		}
		body = bytes.Clone(members["body"])
	}
	if body != nil {
		e.Body = json.RawMessage(body)
	}
	if e.Fields, err = store.DecodeFields(fields); err != nil {
		return store.Entity{}, fmt.Errorf("couldn't read the fields of %s %s: %w", e.Kind, e.ID, err)
	}
	return e, nil
}

// Entity returns one entity if it exists and v may see it; one it may not
// see is reported exactly as a missing one.
func (r reader) Entity(ctx context.Context, v access.Viewer, kind, id string) (store.Entity, error) {
	var a args
	q := "SELECT " + entitySelect + " FROM entities e WHERE e.kind = " + a.add(kind) + " AND e.id = " + a.add(id) + " AND " + visible(v, &a)
	e, err := scanEntity(r.q.QueryRowContext(ctx, q, a...), entityRows)
	if errors.Is(err, sql.ErrNoRows) {
		// Or an item of a batch, found by its record's id.
		a = nil
		q = "SELECT " + itemSelect + " FROM records r CROSS JOIN items e ON " + itemRecord + " WHERE r.id = " + a.add(id) +
			" AND e.kind = " + a.add(kind) + " AND " + visible(v, &a)
		e, err = scanEntity(r.q.QueryRowContext(ctx, q, a...), itemRows)
	}
	if errors.Is(err, sql.ErrNoRows) {
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

// listIndex names the index a list of src reads (migration 0004 explains
// each): its fields table's when a field filter leads (byField), else the
// one of its table whose prefix is kind and the first of parent, party
// and status that q filters by; then created_seq, or at and created_seq,
// as q orders. Of items and item_fields, the key is the list in creation
// order (primaryKey).
func listIndex(src source, q store.Query, byField bool) string {
	order := "_created"
	if q.Order == store.OrderAt {
		order = "_at"
	}
	switch {
	case byField && src.item:
		// A value's items, sorted by time for OrderAt (migration 0012).
		return primaryKey
	case byField:
		return src.fields + order
	case q.Parent != "":
		return src.table + "_kind_parent" + order
	// An item's party and status are checked on the rows a list reads
	// (migration 0012).
	case q.Party != "" && !src.item:
		return src.table + "_kind_party" + order
	case q.Status != "" && !src.item:
		return src.table + "_kind_status" + order
	}
	if src.item && order == "_created" {
		return primaryKey
	}
	return src.table + "_kind" + order
}

// primaryKey is listIndex's name for the key of items (kind, created_seq)
// or of item_fields (kind, name, value, created_seq).
const primaryKey = "PRIMARY KEY"

// listQuery puts together the SQL of Entities. The page is one range of one
// index, read in order and stopped after limit+1 rows that v may see, so
// its cost does not grow with the kind:
//
//   - with a field filter and no parent, entity_fields (aliased d) leads,
//     on the first field by name: entity_fields_created or entity_fields_at
//     gives the entities with that value in order, and each is found by its
//     key. CROSS JOIN fixes that nesting (SQLite never reorders it).
//   - otherwise entities (aliased e) leads, on listIndex's index.
//
// So for items and item_fields (src), each item joined with its record.
// The other filters, the further fields (by entity_fields' key) and the
// visibility condition are checked on the rows the index yields; so is a
// time range in creation order, which the creation-order index does not
// hold (lists by time use OrderAt, whose index reads the range only).
//
// INDEXED BY names the index rather than leaving it to the planner: without
// statistics (parley runs no ANALYZE) SQLite guesses that "kind = ?" keeps
// ten rows, and then prefers, say, entities_kind_at for a list of one party
// in a month, reading every party's rows of that month. Named, the plan is
// fixed, and a schema change that loses the index makes the query an error
// rather than a slow scan; TestListPlans checks every combination.
func listQuery(src source, v access.Viewer, q store.Query, limit int, a *args) string {
	names := make([]string, 0, len(q.Fields))
	for n := range q.Fields {
		names = append(names, n)
	}
	slices.Sort(names)
	byField := len(names) > 0 && q.Parent == ""
	index := listIndex(src, q, byField)

	var where []string
	from, k := src.table+" e INDEXED BY "+index, "e" // k: the table whose at and created_seq order the list
	if byField {
		from, k = src.fields+" d INDEXED BY "+index+" CROSS JOIN "+src.table+" e ON "+fmt.Sprintf(src.of, "d"), "d"
		where = append(where, "d.kind = "+a.add(q.Kind), "d.name = "+a.add(names[0]), "d.value = "+a.add(q.Fields[names[0]]))
		names = names[1:]
	} else {
		where = append(where, "e.kind = "+a.add(q.Kind))
	}
	// The indexes by parent, party and status hold only the rows that
	// have one (migration 0011); the "!= ''" beside each filter, true of
	// every row the filter keeps, is what lets the planner use them.
	if q.Parent != "" {
		where = append(where, "e.parent = "+a.add(q.Parent), "e.parent != ''")
	}
	if q.Party != "" {
		where = append(where, "e.party = "+a.add(q.Party), "e.party != ''")
	}
	if q.Status != "" {
		where = append(where, "e.status = "+a.add(q.Status), "e.status != ''")
	}
	for _, n := range names {
		where = append(where, "EXISTS (SELECT 1 FROM "+src.fields+" f WHERE "+fmt.Sprintf(src.of, "f")+" AND f.name = "+
			a.add(n)+" AND f.value = "+a.add(q.Fields[n])+")")
	}
	for _, n := range slices.Sorted(maps.Keys(q.Match)) {
		// json_extract gives a JSON string as TEXT, anything else as
		// another type, which no TEXT equals.
		where = append(where, "json_extract("+src.doc+", "+a.add(src.prefix+`"`+n+`"`)+") = "+a.add(q.Match[n]))
	}
	// The time range, and with OrderAt the cursor, bound at. A time range
	// leaves out the entities without a time. Of two bounds on one side
	// (the range's and the cursor's, in At order) only the tighter is
	// written, since it implies the other: given both, the index range
	// would start at one and the other would be checked row by row.
	at := k + ".at"
	if index == primaryKey {
		// The key of items or item_fields, which INDEXED BY cannot name:
		// NOT INDEXED, and the unary + on at, keep the planner to it
		// (without the +, a time range drew it to the index by at and a
		// sort of the range).
		from, at = strings.Replace(from, " INDEXED BY "+primaryKey, " NOT INDEXED", 1), "+"+at
	}
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
		where = append(where, at+" >= "+a.add(encodeTime(q.From)))
	case lower:
		where = append(where, at+" > "+a.add(zeroAt))
	}
	if upper {
		where = append(where, at+" < "+a.add(encodeTime(q.To)))
	}
	if cursor {
		if q.Order == store.OrderAt {
			// A row value: SQLite reads it as one range of the index.
			where = append(where, "("+k+".at, "+k+".created_seq) "+cmp+" ("+a.add(encodeAt(q.AfterAt))+", "+a.add(q.After)+")")
		} else {
			where = append(where, k+".created_seq "+cmp+" "+a.add(q.After))
		}
	}
	where = append(where, visible(v, a))
	order := k + ".created_seq" + dir
	if q.Order == store.OrderAt {
		order = k + ".at" + dir + ", " + order
	}
	// id breaks ties so that the order is total. One row more than asked
	// says whether more follow.
	if !src.item {
		// An item's created_seq is its row's key, which no other shares.
		order += ", e.id" + dir
	}
	return "SELECT " + src.sel + " FROM " + from + src.join + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + " LIMIT " + a.add(limit+1)
}

// Entities returns up to q.Limit entities v may see, as q selects and orders
// them.
func (r reader) Entities(ctx context.Context, v access.Viewer, q store.Query) ([]store.Entity, bool, error) {
	if err := q.Check(); err != nil {
		return nil, false, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	limit := max(q.Limit, 1)
	if c, ok := r.q.(*stmtCache); ok {
		// Both pages of one snapshot: a write that committed between two
		// reads of the pool could put in a page an item committed after an
		// entity the page lacks, and the cursor would pass that entity.
		t, err := c.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, false, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
		}
		x := txStmts{t: t, c: c, missed: map[string]bool{}}
		defer x.prepareMissed(ctx)
		defer t.Rollback()
		r = reader{q: x}
	}
	// A kind's entities are in entities, its batches' items in items (a
	// kind written both alone and in batches is in both): a page of each,
	// merged in the list's order.
	es, err := r.list(ctx, v, q, limit, entityRows)
	if err != nil {
		return nil, false, err
	}
	items, err := r.list(ctx, v, q, limit, itemRows)
	if err != nil {
		return nil, false, err
	}
	if len(items) > 0 {
		es = mergeLists(q, es, items)
	}
	if len(es) > limit {
		return es[:limit], true, nil
	}
	return es, false, nil
}

// list reads up to limit+1 entities of src as q selects and orders them.
func (r reader) list(ctx context.Context, v access.Viewer, q store.Query, limit int, src source) ([]store.Entity, error) {
	var a args
	rows, err := r.q.QueryContext(ctx, listQuery(src, v, q, limit, &a), a...)
	if err != nil {
		return nil, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	defer rows.Close()
	// Grown as rows come: most reads in a write's checks find one row or
	// none, and a page's worth made for each (an entity is some 200
	// bytes) was a large allocation a check.
	es := make([]store.Entity, 0, min(limit+1, 8))
	for rows.Next() {
		e, err := scanEntity(rows, src)
		if err != nil {
			return nil, fmt.Errorf("couldn't read %s: %w", q.Kind, err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't list %s: %w", q.Kind, err)
	}
	return es, nil
}

// mergeLists merges two lists each in q's order (listQuery's: at with
// OrderAt, then created_seq, then id; reversed with Desc) into one.
func mergeLists(q store.Query, a, b []store.Entity) []store.Entity {
	before := func(x, y *store.Entity) bool {
		c := 0
		if q.Order == store.OrderAt {
			c = cmp.Compare(micro(x.At), micro(y.At))
		}
		c = cmp.Or(c, cmp.Compare(x.CreatedSeq, y.CreatedSeq), strings.Compare(x.ID, y.ID))
		if q.Desc {
			return c > 0
		}
		return c < 0
	}
	out := make([]store.Entity, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if before(&b[0], &a[0]) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

const recordCols = "seq, id, kind, subject, at, author_principal, author_party, aud_scope, aud_party, aud_parties, canonical, salt, commitment, leaf_index, chain, supersedes, batch, batch_pos"

func scanRecord(sc interface{ Scan(...any) error }) (store.Record, error) {
	var (
		r              store.Record
		at             int64
		scope, parties string
		leaf           sql.NullInt64
		chain, sup     sql.NullString
		batch          sql.NullString
		pos            sql.NullInt64
	)
	err := sc.Scan(&r.Seq, &r.ID, &r.Kind, &r.Subject, &at, &r.Author.Principal, &r.Author.Party,
		&scope, &r.Audience.Party, &parties, &r.Canonical, &r.Salt, &r.Commitment, &leaf, &chain, &sup, &batch, &pos)
	if err != nil {
		return store.Record{}, err
	}
	r.At = decodeTime(at)
	r.Audience.Scope = record.Scope(scope)
	r.Audience.Parties = decodeParties(parties)
	r.LeafIndex = -1
	if leaf.Valid {
		r.LeafIndex = leaf.Int64
	}
	r.Chain, r.Supersedes = chain.String, sup.String
	r.Batch, r.BatchPos = batch.String, pos.Int64
	return r, nil
}

// records returns up to limit records with seq > after, in seq order.
func records(ctx context.Context, q querier, after int64, limit int) ([]store.Record, error) {
	return queryRecords(ctx, q, "SELECT "+recordCols+" FROM records WHERE seq > ? ORDER BY seq LIMIT ?", after, max(limit, 1))
}

// queryRecords runs a query of recordCols and reads every row.
func queryRecords(ctx context.Context, q querier, query string, args ...any) ([]store.Record, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
	// An item is the one record of its subject, its own id (the index by
	// subject leaves items out).
	return queryRecords(ctx, s.r, "SELECT "+recordCols+" FROM records WHERE subject = ?1 AND batch IS NULL"+
		" UNION ALL SELECT "+recordCols+" FROM records WHERE id = ?1 AND subject = ?1 AND batch IS NOT NULL ORDER BY seq", subject)
}

// RecordByID returns one record whatever its audience.
func (s *Store) RecordByID(ctx context.Context, id string) (store.Record, error) {
	return recordByID(ctx, s.rc, id)
}

// RecordByID returns one record whatever its audience.
func (t *tx) RecordByID(ctx context.Context, id string) (store.Record, error) {
	return recordByID(ctx, t.x, id)
}

func recordByID(ctx context.Context, q querier, id string) (store.Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, "SELECT "+recordCols+" FROM records WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, fmt.Errorf("couldn't find record %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("couldn't read record %s: %w", id, err)
	}
	return r, nil
}

// ChainHead returns the record of the chain that no other supersedes.
func (s *Store) ChainHead(ctx context.Context, chain string) (string, error) {
	return chainHead(ctx, s.rc, chain)
}

// ChainHead returns the record of the chain that no other supersedes.
func (t *tx) ChainHead(ctx context.Context, chain string) (string, error) {
	return chainHead(ctx, t.x, chain)
}

func chainHead(ctx context.Context, q querier, chain string) (string, error) {
	// Through the chain's unique index, both for the chain's records and
	// for whether one supersedes another.
	rows, err := q.QueryContext(ctx, `SELECT r.id FROM records r WHERE r.chain = ?
		AND NOT EXISTS (SELECT 1 FROM records n WHERE n.chain = ? AND n.supersedes = r.id) LIMIT 2`, chain, chain)
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
	rs, err := queryRecords(ctx, s.rc, "SELECT "+recordCols+" FROM records WHERE leaf_index IS NULL AND batch IS NULL ORDER BY seq LIMIT ?", max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("couldn't list pending records: %w", err)
	}
	return rs, nil
}

// BatchCommitments returns the commitments of a batch's items, by
// position, through the index records_batch.
func (s *Store) BatchCommitments(ctx context.Context, batch string) ([][]byte, error) {
	rows, err := s.rc.QueryContext(ctx, "SELECT commitment FROM records WHERE batch = ? ORDER BY batch_pos", batch)
	if err != nil {
		return nil, fmt.Errorf("couldn't read batch %s: %w", batch, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var c []byte
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("couldn't read batch %s: %w", batch, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("couldn't read batch %s: %w", batch, err)
	}
	return out, nil
}

// LeafCount returns how many records have their leaf index set.
func (s *Store) LeafCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.rc.QueryRowContext(ctx, "SELECT count(*) FROM records WHERE leaf_index IS NOT NULL").Scan(&n); err != nil {
		return 0, fmt.Errorf("couldn't count leaves: %w", err)
	}
	return n, nil
}

// Try implements store.Tx with a SQL savepoint.
func (t *tx) Try(ctx context.Context, fn func() error) error {
	if _, err := t.x.ExecContext(ctx, "SAVEPOINT item"); err != nil {
		return fmt.Errorf("%w: couldn't take a savepoint: %v", store.ErrAborted, err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.x.ExecContext(ctx, "ROLLBACK TO SAVEPOINT item"); rerr != nil {
			return fmt.Errorf("%w: couldn't roll back to the savepoint (%v) after: %v", store.ErrAborted, rerr, err)
		}
		if _, rerr := t.x.ExecContext(ctx, "RELEASE SAVEPOINT item"); rerr != nil {
			return fmt.Errorf("%w: couldn't release the savepoint (%v) after: %v", store.ErrAborted, rerr, err)
		}
		return err
	}
	if _, err := t.x.ExecContext(ctx, "RELEASE SAVEPOINT item"); err != nil {
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
	err = t.x.QueryRowContext(ctx, `INSERT INTO records (id, kind, subject, at, author_principal, author_party,
		aud_scope, aud_party, aud_parties, canonical, salt, commitment, leaf_index, chain, supersedes, batch, batch_pos)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING seq`,
		r.ID, r.Kind, r.Subject, encodeTime(r.At), r.Author.Principal, r.Author.Party,
		string(r.Audience.Scope), r.Audience.Party, parties,
		nonNil(r.Canonical), nonNil(r.Salt), nonNil(r.Commitment), chain, supersedes, batch, pos).Scan(&seq)
	// No row back means the id is taken. DO NOTHING rather than a
	// constraint error keeps the behaviour the same as in PostgreSQL, where
	// an error would abort the whole transaction.
	if errors.Is(err, sql.ErrNoRows) || isUnique(err) {
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
	// statement, keeps the behaviour the same as in PostgreSQL, where the
	// error would abort the whole transaction.
	res, err := t.x.ExecContext(ctx, `UPDATE records SET leaf_index = ?
		WHERE id = ? AND leaf_index IS NULL AND batch IS NULL
		AND NOT EXISTS (SELECT 1 FROM records WHERE leaf_index = ?)`, index, id, index)
	if isUnique(err) {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: another record holds it: %w", id, index, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	}
	if n == 1 {
		return nil
	}
	// Nothing changed: say why.
	var cur sql.NullInt64
	var batch sql.NullString
	err = t.x.QueryRowContext(ctx, "SELECT leaf_index, batch FROM records WHERE id = ?", id).Scan(&cur, &batch)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: no such record: %w", id, index, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	case batch.Valid:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: it is an item of batch %s, whose leaf is its place in the log: %w", id, index, batch.String, store.ErrConflict)
	case cur.Valid && cur.Int64 == index:
		return nil
	case cur.Valid:
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: it is already %d: %w", id, index, cur.Int64, store.ErrConflict)
	}
	var other string
	if err := t.x.QueryRowContext(ctx, "SELECT id FROM records WHERE leaf_index = ?", index).Scan(&other); err != nil {
		return fmt.Errorf("couldn't set the leaf index of record %s to %d: %w", id, index, err)
	}
	return fmt.Errorf("couldn't set the leaf index of record %s to %d: record %s holds it: %w", id, index, other, store.ErrConflict)
}

// PutEntity inserts or replaces the row (e.Kind, e.ID), every column, and
// replaces the entity's fields with e.Fields.
func (t *tx) PutEntity(ctx context.Context, e store.Entity) error {
	if t.item != nil && e.RecordID == t.item.ID {
		if err := store.CheckItemEntity(t.item, e); err != nil {
			return err
		}
		return t.insertItems(ctx, []store.Entity{e})
	}
	parties, body, err := entityValues(e)
	if err != nil {
		return err
	}
	at := encodeAt(e.At)
	_, err = t.x.ExecContext(ctx, `INSERT INTO entities (`+entityCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, id) DO UPDATE SET
			parent = excluded.parent, aud_scope = excluded.aud_scope, aud_party = excluded.aud_party,
			aud_parties = excluded.aud_parties, record_id = excluded.record_id, version = excluded.version,
			created_seq = excluded.created_seq, created = excluded.created, updated = excluded.updated,
			body = excluded.body, party = excluded.party, status = excluded.status, at = excluded.at`,
		e.Kind, e.ID, e.Parent, string(e.Audience.Scope), e.Audience.Party, parties,
		e.RecordID, e.Version, e.CreatedSeq, encodeTime(e.Created), encodeTime(e.Updated), body,
		e.Party, e.Status, at)
	if err != nil {
		return fmt.Errorf("couldn't store %s %s: %w", e.Kind, e.ID, err)
	}
	// Replaced whole: what the previous version had and this one has not
	// must not match a filter any more. The copies of created_seq and at
	// follow the entity's.
	if _, err := t.x.ExecContext(ctx, "DELETE FROM entity_fields WHERE kind = ? AND id = ?", e.Kind, e.ID); err != nil {
		return fmt.Errorf("couldn't store the fields of %s %s: %w", e.Kind, e.ID, err)
	}
	for name, values := range e.Fields {
		for _, value := range values {
			// A value repeated is one row: the key includes it.
			_, err := t.x.ExecContext(ctx, "INSERT INTO entity_fields (kind, id, name, value, created_seq, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				e.Kind, e.ID, name, value, e.CreatedSeq, at)
			if err != nil {
				return fmt.Errorf("couldn't store field %q of %s %s: %w", name, e.Kind, e.ID, err)
			}
		}
	}
	return nil
}

// entityValues checks an entity before it is stored and returns its
// audience's parties and its body as the columns hold them. It checks here
// what the table would refuse, so that the error is the same in every
// store and leaves the transaction usable.
func entityValues(e store.Entity) (parties string, body any, err error) {
	if parties, err = encodeParties(e.Audience.Parties); err != nil {
		return "", nil, fmt.Errorf("couldn't store %s %s: %w", e.Kind, e.ID, err)
	}
	if err := store.CheckAt(e.At); err != nil {
		return "", nil, fmt.Errorf("couldn't store %s %s: At: %w", e.Kind, e.ID, err)
	}
	if len(e.Body) > 0 {
		if !json.Valid(e.Body) {
			return "", nil, fmt.Errorf("couldn't store %s %s: body is not valid JSON", e.Kind, e.ID)
		}
		body = string(e.Body)
	}
	return parties, body, nil
}

// noRowMeansConflict turns an INSERT ... ON CONFLICT DO NOTHING that
// inserted nothing into ErrConflict.
func noRowMeansConflict(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrConflict
	}
	return nil
}

const principalCols = "id, login, name, party, party_role, roles, password_hash, signing_key, created, disabled"

// principalColsP is principalCols of the table aliased p, for joins.
var principalColsP = "p." + strings.ReplaceAll(principalCols, ", ", ", p.")

func scanPrincipal(sc interface{ Scan(...any) error }) (store.Principal, error) {
	var (
		p            store.Principal
		role, roles  string
		createdMicro int64
		disabled     sql.NullInt64
	)
	err := sc.Scan(&p.ID, &p.Login, &p.Name, &p.Party, &role, &roles, &p.PasswordHash, &p.SigningKey, &createdMicro, &disabled)
	if err != nil {
		return store.Principal{}, err
	}
	p.PartyRole = access.ProcessRole(role)
	if roles != "" {
		for r := range strings.SplitSeq(roles, ",") {
			p.Roles = append(p.Roles, access.Role(r))
		}
	}
	p.Created = decodeTime(createdMicro)
	if disabled.Valid {
		p.Disabled = decodeTime(disabled.Int64)
	}
	return p, nil
}

// encodeDisabled is the disabled column of a principal disabled at at:
// NULL for the zero time, enabled.
func encodeDisabled(at time.Time) any {
	if at.IsZero() {
		return nil
	}
	return encodeTime(at)
}

// PutPrincipal inserts a principal; ErrConflict if its id or login is taken.
func (t *tx) PutPrincipal(ctx context.Context, p store.Principal) error {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		if strings.Contains(string(r), ",") {
			return fmt.Errorf("couldn't add principal %s: role %q holds a comma", p.Login, r)
		}
		roles[i] = string(r)
	}
	res, err := t.x.ExecContext(ctx, "INSERT INTO principals ("+principalCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		p.ID, p.Login, p.Name, p.Party, string(p.PartyRole), strings.Join(roles, ","), p.PasswordHash, p.SigningKey, encodeTime(p.Created), encodeDisabled(p.Disabled))
	if err == nil {
		err = noRowMeansConflict(res)
	}
	if errors.Is(err, store.ErrConflict) || isUnique(err) {
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
	res, err := t.x.ExecContext(ctx, "UPDATE principals SET "+column+" = ? WHERE id = ?", value, id)
	if err != nil {
		return fmt.Errorf("couldn't set %s of principal %s: %w", what, id, err)
	}
	// SQLite counts every row the WHERE matched, the value changed or not.
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("couldn't set %s of principal %s: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("couldn't set %s of principal %s: %w", what, id, store.ErrNotFound)
	}
	return nil
}

// PutToken stores a token hash; ErrConflict if the hash is taken,
// ErrNotFound if the principal does not exist.
func (t *tx) PutToken(ctx context.Context, tok store.Token) error {
	// Inserting only when the principal exists, rather than letting the
	// foreign key fail, keeps the transaction usable after the error, as
	// in PostgreSQL.
	res, err := t.x.ExecContext(ctx, `INSERT INTO tokens (hash, principal_id, label, created)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM principals WHERE id = ?)
		ON CONFLICT DO NOTHING`,
		tok.Hash, tok.PrincipalID, tok.Label, encodeTime(tok.Created), tok.PrincipalID)
	if err == nil {
		err = noRowMeansConflict(res)
	}
	if errors.Is(err, store.ErrConflict) {
		// Nothing inserted: either the principal is missing or the hash
		// is taken.
		var one int
		switch err := t.x.QueryRowContext(ctx, "SELECT 1 FROM principals WHERE id = ?", tok.PrincipalID).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("couldn't add token %q: principal %s: %w", tok.Label, tok.PrincipalID, store.ErrNotFound)
		case err != nil:
			return fmt.Errorf("couldn't add token %q: %w", tok.Label, err)
		}
	}
	switch {
	case errors.Is(err, store.ErrConflict) || isUnique(err):
		return fmt.Errorf("couldn't add token %q: %w", tok.Label, store.ErrConflict)
	case isForeignKey(err):
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
	_, err := t.x.ExecContext(ctx, "INSERT INTO blobs (sha256, media_type, size, data, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
		b.SHA256, b.MediaType, b.Size, nonNil(b.Data), encodeTime(b.Created))
	if err != nil {
		return fmt.Errorf("couldn't keep file %s: %w", b.SHA256, err)
	}
	return nil
}

// SetMeta sets a setting, replacing any earlier value.
func (t *tx) SetMeta(ctx context.Context, key string, value []byte) error {
	_, err := t.x.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		key, nonNil(value))
	if err != nil {
		return fmt.Errorf("couldn't set %s: %w", key, err)
	}
	return nil
}

func (s *Store) principal(ctx context.Context, what, q string, arg any) (store.Principal, error) {
	p, err := scanPrincipal(s.rc.QueryRowContext(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Principal{}, fmt.Errorf("couldn't find principal by %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Principal{}, fmt.Errorf("couldn't read principal by %s: %w", what, err)
	}
	return p, nil
}

// PrincipalByLogin finds a principal by login.
func (s *Store) PrincipalByLogin(ctx context.Context, login string) (store.Principal, error) {
	return s.principal(ctx, "login "+login, "SELECT "+principalCols+" FROM principals WHERE login = ?", login)
}

// PrincipalByID finds a principal by id.
func (s *Store) PrincipalByID(ctx context.Context, id string) (store.Principal, error) {
	return s.principal(ctx, "id "+id, "SELECT "+principalCols+" FROM principals WHERE id = ?", id)
}

// PrincipalByToken finds the principal holding the token with this hash.
// The hash stays out of the error: it is as good as the token to a reader
// of the logs, if anyone ever stored a token by mistake where a hash goes.
func (s *Store) PrincipalByToken(ctx context.Context, hash string) (store.Principal, error) {
	return s.principal(ctx, "token", "SELECT "+principalColsP+
		" FROM tokens t JOIN principals p ON p.id = t.principal_id WHERE t.hash = ?", hash)
}

// Principals lists every principal in byte order of login.
func (s *Store) Principals(ctx context.Context) ([]store.Principal, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+principalCols+" FROM principals ORDER BY login")
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
	var created int64
	err := s.rc.QueryRowContext(ctx, "SELECT media_type, size, data, created FROM blobs WHERE sha256 = ?", sha256).Scan(&b.MediaType, &b.Size, &b.Data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Blob{}, fmt.Errorf("couldn't find file %s: %w", sha256, store.ErrNotFound)
	}
	if err != nil {
		return store.Blob{}, fmt.Errorf("couldn't read file %s: %w", sha256, err)
	}
	b.Data, b.Created = nonNil(b.Data), decodeTime(created)
	return b, nil
}

// EachBlob calls fn with every file kept, by hash, one at a time: the
// rows are read a page at a time, so that no file is held longer than fn
// takes.
func (s *Store) EachBlob(ctx context.Context, fn func(store.Blob) error) error {
	after := ""
	for {
		var b store.Blob
		var created int64
		err := s.rc.QueryRowContext(ctx, "SELECT sha256, media_type, size, data, created FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT 1", after).
			Scan(&b.SHA256, &b.MediaType, &b.Size, &b.Data, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("couldn't read the files: %w", err)
		}
		b.Data, b.Created = nonNil(b.Data), decodeTime(created)
		if err := fn(b); err != nil {
			return err
		}
		after = b.SHA256
	}
}

// Meta returns a setting, or ErrNotFound.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.rc.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("couldn't find setting %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't read setting %s: %w", key, err)
	}
	return nonNil(v), nil
}
