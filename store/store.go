// Package store is the contract between parley and its databases: an
// append-only table of records, the projections that are rebuilt from them,
// and the principals who may sign in. Each database has its own package
// (store/sqlite, store/postgres) written natively against this contract, and
// store/storetest is the one conformance suite both must pass.
//
// Every read takes an access.Viewer and returns only what that viewer may
// see; a record outside the viewer's audience is reported exactly as a
// record that does not exist (ErrNotFound), so its existence does not leak.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Errors every implementation returns, wrapped with context.
var (
	// ErrNotFound: no such row, or one the viewer may not see.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (a login, a token, a record id, a leaf
	// index) is taken.
	ErrConflict = errors.New("already exists")
	// ErrAborted: a transaction can no longer be used (Tx.Try could not
	// undo a failed item).
	ErrAborted = errors.New("transaction aborted")
	// ErrSchema: the database schema is not the one this build knows.
	ErrSchema = errors.New("schema version mismatch")
	// ErrInvalid: what was to be written contradicts itself (a file whose
	// hash is not its bytes').
	ErrInvalid = errors.New("invalid")
)

// SchemaVersion is the schema version this build of parley reads and writes.
// Both stores carry their migrations up to exactly this version.
const SchemaVersion = 12

// Record is a committed record as the store keeps it. The canonical bytes
// are the truth; the other fields are copies of what they say, kept as
// columns so that they can be queried, and checked against the bytes by
// parley audit.
type Record struct {
	// Seq is the store's order of commitment, assigned by AppendRecord.
	Seq        int64
	ID         string
	Kind       string
	Subject    string
	At         time.Time
	Author     record.Author
	Audience   record.Audience
	Canonical  []byte
	Salt       []byte
	Commitment []byte
	// Chain and Supersedes place a signed record in its chain of
	// decisions (record.Statement.Chain): Supersedes is the record id of
	// the decision it replaces, "" for the first. Both are "" for a record
	// that is not signed. A chain holds each Supersedes once, which
	// AppendRecord enforces (ErrConflict).
	Chain      string
	Supersedes string
	// LeafIndex is the record's position in the transparency log, or -1
	// while the leaf is not yet sequenced. AppendRecord ignores it: a new
	// record is always pending until SetLeafIndex.
	LeafIndex int64
	// Batch is the id of the batch record (record.BatchKind) whose leaf
	// commits to this record, which is item BatchPos (from 0) of it; ""
	// for a record with a leaf of its own. A batch's items are appended
	// before it, in the same transaction. An item's LeafIndex stays -1:
	// its batch's leaf is its place in the log, and SetLeafIndex refuses
	// it.
	Batch    string
	BatchPos int64
}

// Entity is the current state of one thing (a round, a session...): the
// projection of the records about one subject.
type Entity struct {
	Kind string
	ID   string
	// Parent is the id of the entity this one belongs to (the round of a
	// session), or empty; lists can be filtered by it.
	Parent   string
	Audience record.Audience
	// RecordID is the latest record about this entity; Version counts them.
	RecordID string
	Version  int
	// CreatedSeq is the Seq of the first record: lists are in this order.
	CreatedSeq int64
	Created    time.Time
	Updated    time.Time
	Body       json.RawMessage

	// Party, Status, At and Fields are what lists filter and sort by
	// (Query), copied out of the body by the caller of PutEntity and kept as
	// indexed columns. Reading an entity returns them as written, At in UTC.

	// Party is the party the entity belongs to (its owner), or "".
	Party string
	// Status is the entity's status, or "" if its kind has none.
	Status string
	// At is the entity's own time (a session's start, a report's time), or
	// the zero time if it has none. Stored to the microsecond, like every
	// time; a non-zero At must fall in the years 1 to 9999 (UTC).
	At time.Time
	// Fields are the extra fields the entity's kind declares filterable,
	// name -> values, stored exactly (an empty value is a value): one value
	// for a field that holds one, each of a list's for a list (an incident's
	// reports), without repeats, sorted. PutEntity replaces them whole; an
	// entity read back without any has nil Fields.
	Fields map[string][]string
}

// DecodeFields reads an entity's fields as stores select them: a JSON
// array of [name, value] pairs (null or empty for none), in any order.
func DecodeFields(b []byte) (map[string][]string, error) {
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil || len(pairs) == 0 {
		return nil, err
	}
	out := map[string][]string{}
	for _, p := range pairs {
		out[p[0]] = append(out[p[0]], p[1])
	}
	for _, vs := range out {
		slices.Sort(vs)
	}
	return out, nil
}

// Field returns the first value of the field name, or "": the value of a
// field that holds one.
func (e Entity) Field(name string) string {
	if vs := e.Fields[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Order is the order of a list.
type Order int

const (
	// OrderCreated lists by CreatedSeq: the order of creation. It is the
	// zero value.
	OrderCreated Order = iota
	// OrderAt lists by At, then CreatedSeq. Entities with a zero At come
	// first (last when Desc), as the zero time is the earliest.
	OrderAt
)

// Query selects entities of one kind. Every filter is optional: its zero
// value filters nothing. A list reads one index in its order, from the
// cursor on, bounded by the kind, by one equality filter (parent, else a
// field, else party, else status) and, in At order, by the time range;
// the other filters and visibility are checked on the rows it yields, and
// it stops when the page is full. So a page costs what it takes to fill it,
// not what the kind holds, as long as the other filters keep a fair share
// of the rows; a narrow time range is cheapest in At order.
type Query struct {
	Kind string
	// Parent, when set, keeps only entities with that parent.
	Parent string
	// Party and Status, when set, keep only entities with that Party or
	// Status.
	Party  string
	Status string
	// From and To, when set, keep only entities whose At is in [From, To);
	// a zero bound leaves that side open. With either set, entities with a
	// zero At are left out. A bound must fall in the years 1 to 9999.
	From, To time.Time
	// Fields keeps only entities having every one of these fields with
	// exactly this value (among its values, for a list); an entity without
	// a field matches no filter on it, not even an empty value.
	Fields map[string]string
	// Match keeps only entities whose body has every one of these
	// top-level fields as a JSON string of exactly this value; an entity
	// without the field, or with another type of value there, matches no
	// filter on it. No index serves it: it is checked on the rows the
	// list reads, for fields a kind does not index (parley.Kind's
	// FilterFields), whose values are few and common.
	Match map[string]string
	// Order is the order of the list, ascending unless Desc.
	Order Order
	Desc  bool
	// After and AfterAt continue a list after the last entity of the
	// previous page: After is its CreatedSeq and, with OrderAt, AfterAt
	// its At (keyset pagination on (At, CreatedSeq)). "After" follows the
	// direction: with Desc the page holds what comes before the cursor.
	// After 0 means no cursor, from the beginning of the list (the end,
	// with Desc), and AfterAt is then ignored.
	After   int64
	AfterAt time.Time
	// Limit caps the number returned; implementations treat values below
	// 1 as 1.
	Limit int
}

// CheckAt refuses a time that may not be an entity's At or a bound of a
// Query: one outside the years 1 to 9999 (UTC), the years both stores and
// RFC 3339 can hold. The zero time, which means none, passes.
func CheckAt(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("time %s is outside the years 1 to 9999", t.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// CheckItem refuses a record AppendItems may not append: an item is in a
// batch and in no chain of decisions.
func CheckItem(r *Record) error {
	if r.Batch == "" || r.Chain != "" || r.Supersedes != "" {
		return fmt.Errorf("couldn't append item %s: an item is in a batch and in no chain of decisions", r.ID)
	}
	return nil
}

// CheckItemEntity refuses an entity that is not item r's own: the first
// version of r's subject, with r's id (an item's subject is its record's
// id), seq, audience and time. Its body is r's body: SQLite does not keep
// it twice, but reads it from r (its migration 0012).
func CheckItemEntity(r *Record, e Entity) error {
	switch {
	case e.Kind != r.Kind || e.ID != r.ID || e.RecordID != r.ID || r.Subject != r.ID:
		return fmt.Errorf("couldn't store item %s: its entity is %s %s of record %s, not the item's own", r.ID, e.Kind, e.ID, e.RecordID)
	case e.Version != 1 || e.CreatedSeq != r.Seq:
		return fmt.Errorf("couldn't store item %s: its entity is version %d from seq %d, not its record's first", r.ID, e.Version, e.CreatedSeq)
	case !e.Created.Equal(r.At) || !e.Updated.Equal(r.At):
		return fmt.Errorf("couldn't store item %s: its entity's times are not its record's", r.ID)
	}
	a, b := e.Audience.Normalize(), r.Audience.Normalize()
	if a.Scope != b.Scope || a.Party != b.Party || !slices.Equal(a.Parties, b.Parties) {
		return fmt.Errorf("couldn't store item %s: its entity's audience is not its record's", r.ID)
	}
	return nil
}

// Check refuses a query that no store can run: an unknown Order, or a time
// that CheckAt refuses.
func (q Query) Check() error {
	if q.Order != OrderCreated && q.Order != OrderAt {
		return fmt.Errorf("unknown order %d", q.Order)
	}
	for _, c := range []struct {
		name string
		t    time.Time
	}{{"From", q.From}, {"To", q.To}, {"AfterAt", q.AfterAt}} {
		if err := CheckAt(c.t); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

// Reader is what may be read, inside or outside a transaction.
type Reader interface {
	// Entity returns one entity if it exists and v may see it.
	Entity(ctx context.Context, v access.Viewer, kind, id string) (Entity, error)
	// Entities returns up to q.Limit entities that v may see and q selects,
	// in q's order, and whether more follow.
	Entities(ctx context.Context, v access.Viewer, q Query) (es []Entity, more bool, err error)
}

// Tx is one transaction: everything written through it commits together or
// not at all.
type Tx interface {
	Reader
	// AppendRecord inserts r and sets r.Seq. A record id is never reused.
	AppendRecord(ctx context.Context, r *Record) error
	// PutEntity inserts or replaces the projection row (e.Kind, e.ID),
	// its Fields included.
	PutEntity(ctx context.Context, e Entity) error
	// AppendItems appends the items of a batch (records whose Batch is
	// set), setting each one's Seq, and inserts their entities: es[i] is
	// rs[i]'s own (CheckItemEntity), and gets rs[i].Seq as its
	// CreatedSeq. It is AppendRecord and PutEntity one by one, in as few
	// statements as the database allows. An id or a place in the batch
	// that is taken is ErrConflict, after which the transaction must not
	// commit.
	AppendItems(ctx context.Context, rs []*Record, es []Entity) error
	// IndexedValues returns which of values some entity of kind holds in
	// its index field (Entity.Fields) name, whoever may see it: for the
	// checks of a batch's items, which then read only the values that are
	// there, as the writer sees them.
	IndexedValues(ctx context.Context, kind, name string, values []string) (map[string]bool, error)
	// PutPrincipal inserts a principal; ErrConflict if the login is taken.
	PutPrincipal(ctx context.Context, p Principal) error
	// SetSigningKey registers (or replaces) a principal's signing key;
	// ErrNotFound if the principal does not exist.
	SetSigningKey(ctx context.Context, principalID, key string) error
	// SetPasswordHash replaces a principal's password hash ("" leaves it
	// none, an API client's); ErrNotFound if the principal does not exist.
	SetPasswordHash(ctx context.Context, principalID, hash string) error
	// SetDisabled disables a principal as of at, or enables it again when
	// at is the zero time; ErrNotFound if the principal does not exist.
	SetDisabled(ctx context.Context, principalID string, at time.Time) error
	// PutToken stores an API token's hash for a principal.
	PutToken(ctx context.Context, t Token) error
	// SetMeta sets a value of the installation's own settings.
	SetMeta(ctx context.Context, key string, value []byte) error
	// PutBlob keeps a file under the SHA-256 of its bytes, which b.SHA256
	// must be (ErrInvalid otherwise); a file kept already is kept once,
	// with its first media type.
	PutBlob(ctx context.Context, b Blob) error
	// Try runs fn under a savepoint: if fn returns an error, everything
	// fn wrote is undone, the transaction stays usable, and Try returns
	// fn's error. So one item of a group commit can fail alone. If the
	// savepoint itself cannot be taken or rolled back to, Try returns an
	// error wrapping ErrAborted and the transaction must not commit.
	// Calls of Try do not nest.
	Try(ctx context.Context, fn func() error) error
	// RecordByID and ChainHead are RecordLog's, in the transaction.
	RecordByID(ctx context.Context, id string) (Record, error)
	ChainHead(ctx context.Context, chain string) (string, error)
	// SetLeafIndex records where record id's leaf is in the transparency
	// log. It is set once: setting it again to the same index is a no-op,
	// to another index ErrConflict, as is an index another record holds;
	// an unknown id is ErrNotFound; a negative index is refused.
	SetLeafIndex(ctx context.Context, id string, index int64) error
}

// Principal is a stored principal, with its secret as a hash.
type Principal struct {
	access.Principal
	// PasswordHash is empty for API clients, who sign in with tokens only.
	PasswordHash string
	// SigningKey is the principal's Ed25519 note verifier key, with which
	// its signed records (approvals) are checked; empty when none is
	// registered.
	SigningKey string
	Created    time.Time
	// Disabled is when the principal was disabled, or the zero time while
	// it may sign in. A disabled principal keeps its records, tokens and
	// keys; parley refuses its passwords, sessions and tokens until it is
	// enabled again.
	Disabled time.Time
}

// Token is a stored API token: only its hash is kept.
type Token struct {
	Hash        string
	PrincipalID string
	Label       string
	Created     time.Time
}

// Blob is a file kept by its content: evidence that backs a record, which
// commits its SHA-256 and so proves it unaltered.
type Blob struct {
	// SHA256 is the hex SHA-256 of Data, lower case.
	SHA256    string
	MediaType string
	Size      int64
	Data      []byte
	Created   time.Time
}

// CheckBlob reports whether b's hash is its data's.
func CheckBlob(b Blob) error {
	sum := sha256.Sum256(b.Data)
	if hex.EncodeToString(sum[:]) != b.SHA256 || b.Size != int64(len(b.Data)) {
		return fmt.Errorf("%w: the file's SHA-256 or size is not the one given", ErrInvalid)
	}
	return nil
}

// Store is a database that parley runs on: every part of the contract,
// which each implementation provides whole and the conformance suite
// checks. A user of a store names only the parts it uses (a small
// interface of its own, or one of these).
type Store interface {
	Reader
	Writer
	RecordLog
	Principals
	Guards
	// Meta returns a value of the installation's own settings, or
	// ErrNotFound.
	Meta(ctx context.Context, key string) ([]byte, error)
	// Blob returns the file kept under sha256 (lower-case hex), or
	// ErrNotFound.
	Blob(ctx context.Context, sha256 string) (Blob, error)
	// EachBlob calls fn with every file kept, in the order of their
	// hashes, one at a time, until fn returns an error, which it returns.
	EachBlob(ctx context.Context, fn func(Blob) error) error
	// Rebuild deletes every projection row (entities and their fields) and
	// replays fn over all records in one transaction; fn writes the
	// projections anew through the Tx.
	Rebuild(ctx context.Context, fn func(tx Tx, r Record) error) error
	Close() error
}

// Writer runs write transactions.
type Writer interface {
	// Write runs fn in one transaction and commits it if fn returns nil.
	Write(ctx context.Context, fn func(Tx) error) error
}

// RecordLog reads the records themselves, whatever their audience: for the
// commit path's recovery, rebuild, audit and proofs, never for a request's
// own reads.
type RecordLog interface {
	// Records returns up to limit records with Seq > after, in Seq order.
	Records(ctx context.Context, after int64, limit int) ([]Record, error)
	// RecordByID returns one record.
	RecordByID(ctx context.Context, id string) (Record, error)
	// SubjectRecords returns every record of one subject (the versions of
	// an entity), in Seq order.
	SubjectRecords(ctx context.Context, subject string) ([]Record, error)
	// PendingRecords returns up to limit records whose leaf index is not
	// yet set, in Seq order: the records a crash may have left without
	// their leaf, for recovery at start-up. Items of a batch have no leaf
	// of their own and are never pending.
	PendingRecords(ctx context.Context, limit int) ([]Record, error)
	// BatchCommitments returns the commitments of a batch's items, in the
	// order of their positions; none for an id that is no batch.
	BatchCommitments(ctx context.Context, batch string) ([][]byte, error)
	// LeafCount returns how many records have their leaf index set.
	LeafCount(ctx context.Context) (int64, error)
	// LastSeq returns the Seq of the newest record, 0 when there is none.
	LastSeq(ctx context.Context) (int64, error)
	// ChainHead returns the id of the latest decision of a chain of signed
	// records (Record.Chain): the one no other record of the chain
	// supersedes. ErrNotFound if the chain has no records.
	ChainHead(ctx context.Context, chain string) (string, error)
}

// Guards checks the database's own defences of the records: the triggers
// that refuse to change or remove a record, and the unique indexes that
// let one record at most hold a leaf index and supersede a signed decision
// (UniqueGuards). Someone with the database in hand
// can drop them, and then change records without parley's code knowing;
// parley audit reports it.
type Guards interface {
	// CheckGuards returns one fault per guard that is missing or no longer
	// works (dropped, disabled, replaced by one that lets a record change,
	// no longer unique), and none when every guard holds. It probes the
	// triggers by changing and removing a logged record in a transaction
	// that it always rolls back.
	CheckGuards(ctx context.Context) ([]GuardFault, error)
}

// UniqueGuard is a unique index of the records table that parley relies on.
type UniqueGuard struct {
	// Name is the index's name, as both stores' migrations make it;
	// Columns its columns, sorted by name and joined by commas; Where the
	// predicate of the partial index, as the stores' catalogues print it.
	Name, Columns, Where string
	// Harm says what its loss allows.
	Harm string
}

// UniqueGuards are the unique indexes CheckGuards checks.
var UniqueGuards = []UniqueGuard{
	{Name: "records_leaf_index", Columns: "leaf_index", Where: "leaf_index IS NOT NULL", Harm: "two records can claim one log position"},
	{Name: "records_chain", Columns: "chain,supersedes", Where: "chain IS NOT NULL", Harm: "two signed decisions can supersede the same one, and a signed statement can be used twice"},
}

// GuardFault is a guard of the records that does not hold.
type GuardFault struct {
	// Guard names the trigger or index as the store's migrations made it.
	Guard string
	// Problem says what is wrong with it.
	Problem string
}

// Principals finds the principals who may sign in.
type Principals interface {
	// PrincipalByLogin and PrincipalByID find principals.
	PrincipalByLogin(ctx context.Context, login string) (Principal, error)
	PrincipalByID(ctx context.Context, id string) (Principal, error)
	// Principals lists every principal, by login.
	Principals(ctx context.Context) ([]Principal, error)
	// PrincipalByToken finds the principal holding the token with this hash.
	PrincipalByToken(ctx context.Context, hash string) (Principal, error)
}
