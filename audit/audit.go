// Package audit re-checks an installation against itself and against its
// transparency log, trusting neither: the database's own guards of the
// records (append-only triggers, unique leaf indexes); every record's
// columns against its canonical bytes, its commitment, signature and leaf;
// every position of the log against exactly one record; the log against
// what its witnesses cosigned; every projection, the domains' own tables
// too, against a replay of the records. It finds a row changed, added or
// removed behind parley's back, and a log rolled back or rewritten; parley
// audit runs it with serve stopped.
package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Finding is one thing parley audit found wrong.
type Finding struct {
	// What is "record", "leaf", "projection", "guard" (a trigger or index
	// of the database that keeps the records append-only), "witness" or
	// "checkpoint" (the log against what its witnesses cosigned).
	What string `json:"what"`
	// ID is the record id, the leaf index, the entity's kind/id, the
	// guard's or the witness's name, or the checkpoint's size.
	ID      string `json:"id"`
	Problem string `json:"problem"`
}

func (f Finding) String() string { return f.What + " " + f.ID + ": " + f.Problem }

// Report is the outcome of an audit.
type Report struct {
	Records int `json:"records"`
	// Items counts the records that are items of batches (record.
	// BatchKind): they have no leaf of their own, their batch has.
	Items    int    `json:"items"`
	Leaves   uint64 `json:"leaves"`
	Entities int    `json:"entities"`
	// Tables counts the domains' own projection tables compared.
	Tables int `json:"tables"`
	// Witnesses counts the witnesses whose latest cosigned checkpoint the
	// log was checked against.
	Witnesses int `json:"witnesses"`
	// Files counts the files that back records whose hash was checked.
	Files    int       `json:"files"`
	Findings []Finding `json:"findings"`
}

// WitnessChecker is a log whose witnesses can be asked what they cosigned:
// *ledger.Log.
type WitnessChecker interface {
	CheckWitnesses(ctx context.Context) (ledger.WitnessReport, error)
}

// Witnesses checks the log against its witnesses (ledger.Log.CheckWitnesses)
// and returns what it found as findings, and how many witnesses' latest
// checkpoints it checked the log against:
//
//   - "witness <name>": the witness cosigned a checkpoint the log does not
//     extend (the log was rolled back or rewritten), or the log could not
//     be checked against it (unreachable, or an answer that is not its
//     cosigned checkpoint of this log);
//   - "checkpoint <size>": the log's latest published checkpoint lacks
//     the cosignatures of the quorum.
//
// The error is for what could not be read of the log itself. A witness's
// conflict is what the report's Err wraps (ledger.ErrRolledBack); the
// caller that must tell it from an unreachable witness reads the report
// itself.
func Witnesses(ctx context.Context, l WitnessChecker) ([]Finding, int, error) {
	r, err := l.CheckWitnesses(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("couldn't check the log against its witnesses: %w", err)
	}
	var fs []Finding
	checked := 0
	for _, w := range r.Witnesses {
		switch {
		case w.Conflict != "":
			fs = append(fs, Finding{What: "witness", ID: w.Name, Problem: w.Conflict})
		case w.Unchecked != "":
			fs = append(fs, Finding{What: "witness", ID: w.Name, Problem: w.Unchecked})
		}
		if w.Unchecked == "" {
			checked++
		}
	}
	if r.Unwitnessed != "" {
		fs = append(fs, Finding{What: "checkpoint", ID: fmt.Sprint(r.PublishedSize), Problem: r.Unwitnessed})
	}
	return fs, checked, nil
}

// Subject is what an audit reads: app.Service.
type Subject interface {
	Store() store.Store
	Registry() *parley.Registry
	// Log is the transparency log the service commits to, or nil.
	Log() app.Log
	// Replay is the projection rule the writes use: the entity a record
	// makes of the entity before it.
	Replay(prev *store.Entity, seq int64, env record.Envelope) (store.Entity, error)
	// AuditProjections compares the domains' own tables with a replay of
	// the records, reporting each difference to find.
	AuditProjections(ctx context.Context, find func(what, id, format string, args ...any)) (int, error)
}

// Run re-checks the store against itself and against the log: that the
// database's guards of the records still hold (store.Guards); every
// record's columns against its canonical bytes, its commitment against its
// salt and bytes, its leaf in the log against its commitment; that the
// records' leaf indexes are unique and cover the log exactly, each of 0 to
// its size-1 held by one record and none past it; every file that backs a
// record against its hash; every projection
// against a replay of the records, the domains' own tables included; and,
// when the log can ask its witnesses (WitnessChecker), the log against the
// latest checkpoint each witness cosigned, and the latest published
// checkpoint's cosignatures (Witnesses). Without a log it checks the store
// alone.
func Run(ctx context.Context, s Subject) (Report, error) {
	return RunWith(ctx, s, Options{})
}

// Options narrow an audit to what can be checked while the installation
// serves.
type Options struct {
	// Live audits an installation whose writes go on: it checks the
	// records in the log when it began, passes over records and
	// projections that moved on since, and leaves the domains' own
	// tables, which their followers bring up to date a moment later, to
	// parley audit (serve stopped). A record not yet in the log is not a
	// finding: it is a write under way.
	Live bool
	// Newest, when positive, checks only the newest Newest records and
	// their leaves, and that the store holds one record per entry of the
	// log; no projections. It is serve's quick check at start.
	Newest int64
	// NoWitnesses leaves out the check of the log against its witnesses,
	// for a caller that asks them itself (ledger.Log.CheckWitnesses).
	NoWitnesses bool
	// PlaceWait is how long a live audit waits, at its end, for the
	// records pending when it began to get their positions in the log;
	// one still without is a finding. Default DefaultPlaceWait.
	PlaceWait time.Duration
}

// DefaultPlaceWait is Options.PlaceWait's default: a write's position is
// stored within a batch or two, a second at most under load.
const DefaultPlaceWait = 30 * time.Second

// RunWith is Run narrowed by o.
func RunWith(ctx context.Context, s Subject, o Options) (Report, error) {
	var rep Report
	st, reg, log := s.Store(), s.Registry(), s.Log()
	// horizon is the log's size when the audit began: in a live audit,
	// a record placed past it is a write under way, and so is one not
	// yet placed that was made after the audit began or was pending then.
	var horizon uint64
	if log != nil {
		size, err := log.IntegratedSize(ctx)
		if err != nil {
			return rep, err
		}
		horizon = size
	}
	lastSeq := int64(math.MaxInt64)
	pendingAtStart := map[string]bool{}
	if o.Live {
		// Records made after the audit began are past its horizon: it
		// stops reading at the newest one it began with.
		n, err := st.LastSeq(ctx)
		if err != nil {
			return rep, err
		}
		lastSeq = n
		// Read after LastSeq: a record pending then is either listed
		// here or placed by the time the audit reads it.
		ps, err := st.PendingRecords(ctx, maxPendingAtStart)
		if err != nil {
			return rep, err
		}
		for _, r := range ps {
			pendingAtStart[r.ID] = true
		}
	}
	underWay := func(r store.Record) bool {
		if !o.Live || log == nil {
			return false
		}
		if r.LeafIndex >= 0 {
			return uint64(r.LeafIndex) >= horizon
		}
		return r.Seq > lastSeq || pendingAtStart[r.ID]
	}
	moved := map[string]bool{} // kind/id of entities a write under way changed
	// A record's position in the log reaches its row with the next batch:
	// a live audit takes a leaf that holds the commitment of a record under
	// way without a position for that record's, as recovery would.
	unplaced := map[string]bool{} // leaf -> a record under way has it
	// waiting are the records pending when the audit began: each must get
	// its position soon, or it is no write under way but a row left by a
	// crash or added behind parley's back, or one whose position was
	// cleared.
	var waiting []string
	find := func(what, id, format string, args ...any) {
		rep.Findings = append(rep.Findings, Finding{What: what, ID: id, Problem: fmt.Sprintf(format, args...)})
	}
	// The database's own guards first: without them, what follows checks
	// records that anyone with the file could have changed unseen since.
	faults, err := st.CheckGuards(ctx)
	if err != nil {
		return rep, fmt.Errorf("couldn't check the database's guards of the records: %w", err)
	}
	for _, f := range faults {
		find("guard", f.Guard, "%s", f.Problem)
	}
	// Only what the leaf check needs of a record: its id and commitment,
	// not its bytes, so that an audit's memory is not the database's.
	type placed struct {
		id         string
		commitment []byte
	}
	byLeaf := map[int64]placed{}
	want := map[string]replayed{} // kind/id -> the projection its records make
	chains := newChainCheck(find)
	batches := newBatchCheck(find)
	newestBatches := map[string]bool{}
	// Every record, from below any position a row can hold: a row added
	// behind parley's back at seq 0 or less is a record too.
	after := int64(math.MinInt64)
	if o.Newest > 0 {
		last, err := st.LastSeq(ctx)
		if err != nil {
			return rep, err
		}
		after = max(last-o.Newest, 0)
	}
	for {
		rs, err := st.Records(ctx, after, 5000)
		if err != nil {
			return rep, err
		}
		for _, r := range rs {
			after = r.Seq
			rep.Records++
			if r.Batch != "" {
				rep.Items++
			}
			env, ok := checkRecord(r, reg, find)
			chains.add(r)
			if o.Newest == 0 && r.Seq <= lastSeq {
				// A live audit stops at its last record, and a batch
				// commits whole, so it holds every batch it begins.
				batches.add(r)
			} else if o.Newest > 0 {
				// A newest-records audit may begin in the middle of a
				// batch: it reads the batches of its window whole.
				if r.Batch != "" {
					newestBatches[r.Batch] = true
				} else if r.Kind == record.BatchKind {
					newestBatches[r.ID] = true
				}
			}
			if underWay(r) {
				moved[r.Kind+"/"+r.Subject] = true
				if r.LeafIndex < 0 {
					unplaced[string(record.Leaf(r.Commitment))] = true
					if pendingAtStart[r.ID] {
						waiting = append(waiting, r.ID)
					}
				}
				continue
			}
			if r.LeafIndex < 0 {
				if log != nil && r.Batch == "" {
					find("record", r.ID, "has no position in the log: left by a crash (serve logs it at its next start) or added behind parley's back")
				}
			} else if other, dup := byLeaf[r.LeafIndex]; dup {
				// One leaf proves one record: the store's unique index on
				// positions is gone, or was gone when this row was made.
				find("record", r.ID, "claims log position %d, which record %s claims too", r.LeafIndex, other.id)
			} else {
				byLeaf[r.LeafIndex] = placed{id: r.ID, commitment: r.Commitment}
			}
			if !ok || o.Newest > 0 || r.Kind == record.BatchKind {
				continue
			}
			key := env.Kind + "/" + env.Subject
			var prev *store.Entity
			if p, ok := want[key]; ok {
				prev = &store.Entity{Version: p.version, CreatedSeq: p.createdSeq, Created: p.created}
			}
			e, err := s.Replay(prev, r.Seq, env)
			if err != nil {
				find("record", r.ID, "cannot be projected: %v", err)
				continue
			}
			want[key] = replayed{version: e.Version, createdSeq: e.CreatedSeq, created: e.Created, digest: entityDigest(e)}
		}
		if len(rs) < 5000 || after >= lastSeq {
			break
		}
	}
	if log != nil {
		size := horizon
		rep.Leaves = size
		from := uint64(0)
		if o.Newest > 0 {
			// The newest records' leaves only, and one record per entry:
			// a row removed or a store restored from an older backup
			// shows as a count that falls short of the log's.
			n, err := st.LeafCount(ctx)
			if err != nil {
				return rep, err
			}
			if uint64(n) != size {
				find("log", fmt.Sprint(size), "the log has %d entries and the store %d records in it: records were removed, or the store or the log was restored from another time", size, n)
			}
			from = size
			for i := range byLeaf {
				from = min(from, uint64(i))
			}
		}
		err := log.ReadLeaves(ctx, from, size, func(i uint64, leaf []byte) error {
			r, ok := byLeaf[int64(i)]
			if !ok && o.Newest > 0 {
				return nil // an older record's: not this check's
			}
			if !ok && unplaced[string(leaf)] {
				return nil // a write under way: its row learns its position next
			}
			if !ok {
				find("leaf", fmt.Sprint(i), "no record in the store has this position (%.60s): a record row was removed, or its position cleared", leaf)
				return nil
			}
			delete(byLeaf, int64(i))
			if !bytes.Equal(leaf, record.Leaf(r.commitment)) {
				find("record", r.id, "its leaf at log position %d commits to other bytes: the row was changed after it was logged", i)
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("couldn't read the log: %w", err)
		}
		for i, r := range byLeaf {
			find("record", r.id, "claims log position %d, beyond the log's %d entries", i, size)
		}
		// The log against what the witnesses cosigned: a log restored from
		// an old backup agrees with its own store, and only they can tell.
		if wc, ok := log.(WitnessChecker); ok && !o.NoWitnesses {
			fs, n, err := Witnesses(ctx, wc)
			if err != nil {
				return rep, err
			}
			rep.Witnesses = n
			rep.Findings = append(rep.Findings, fs...)
		}
	}
	if o.Newest > 0 {
		for id := range newestBatches {
			if err := checkBatchStored(ctx, st, id, find); err != nil {
				return rep, err
			}
		}
		return rep, nil
	}
	batches.finish()
	// The files that back records: each must be the file its hash names.
	err = st.EachBlob(ctx, func(b store.Blob) error {
		rep.Files++
		if store.CheckBlob(b) != nil {
			sum := sha256.Sum256(b.Data)
			find("file", b.SHA256, "its bytes (%d) hash to %x: it was changed in the store", len(b.Data), sum)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	// current says whether an entity that disagrees with the replay has
	// moved on since the audit began (a live audit passes over it).
	current := func(got store.Entity) bool {
		if !o.Live {
			return false
		}
		if moved[got.Kind+"/"+got.ID] {
			return true
		}
		r, err := st.RecordByID(ctx, got.RecordID)
		return err == nil && underWay(r)
	}
	for _, k := range reg.Kinds() {
		q := store.Query{Kind: k.Name, Limit: app.MaxPage}
		// seen holds the creation sequence each entity was listed at.
		seen := map[string]int64{}
		for {
			es, more, err := st.Entities(ctx, access.System, q)
			if err != nil {
				// A projection that cannot be read is a finding, not the
				// end of the audit: rows made unreadable must not hide
				// the rest.
				find("projection", k.Name, "could not be listed past %d rows, so the rest were not compared: %v (parley rebuild restores it)", len(seen), err)
				for key := range want {
					if strings.HasPrefix(key, k.Name+"/") {
						delete(want, key)
					}
				}
				break
			}
			fresh := 0
			inPage := map[string]bool{}
			for _, got := range es {
				key := got.Kind + "/" + got.ID
				at, listed := seen[key]
				if inPage[key] || (listed && at != got.CreatedSeq) {
					// A page re-read from its last entity's place (below)
					// shows that entity again, at the same place, but
					// once: anywhere else, two rows hold one entity.
					find("projection", key, "is held by two rows, one of which no record made (parley rebuild restores it)")
					continue
				}
				inPage[key] = true
				if listed {
					continue
				}
				seen[key] = got.CreatedSeq
				fresh++
				rep.Entities++
				w, ok := want[key]
				delete(want, key)
				if !ok {
					if !current(got) {
						find("projection", key, "no record made it")
					}
					continue
				}
				if entityDigest(got) != w.digest {
					if current(got) {
						continue
					}
					find("projection", key, "differs from its records (parley rebuild restores it)")
				}
			}
			if !more || len(es) == 0 {
				break
			}
			// The next page starts at the last one's creation sequence,
			// not after it: rows that share it (which only rows added
			// behind parley's back do) would otherwise be skipped, and
			// a forged row with them. The stores order ties by id, so
			// the rows seen come first and are passed over.
			last := es[len(es)-1].CreatedSeq
			q.After = last - 1
			if fresh == 0 {
				find("projection", k.Name, "more than %d of its rows share creation sequence %d, which no two records can make: the rows past them were not compared", len(es), last)
				q.After = last
			}
		}
	}
	for key := range want {
		find("projection", key, "is missing though records made it (parley rebuild restores it)")
	}
	// Rows that no list shows: SQLite's rows of batch items that no item
	// made.
	if si, ok := st.(strayItems); ok {
		stray, err := si.StrayItems(ctx, 100)
		if err != nil {
			find("projection", "items", "could not be checked: %v", err)
		}
		for _, p := range stray {
			find("projection", "items", "%s: written behind parley's back (parley rebuild restores the table)", p)
		}
	}
	if o.Live {
		return rep, waitPlaced(ctx, st, waiting, cmp.Or(o.PlaceWait, DefaultPlaceWait), find)
	}
	n, err := s.AuditProjections(ctx, find)
	rep.Tables = n
	return rep, err
}

// strayItems is a store that keeps rows of batch items apart, which a
// list of entities does not show all of (store/sqlite's items table).
type strayItems interface {
	StrayItems(ctx context.Context, limit int) ([]string, error)
}

// replayed is what an audit keeps of the projection an entity's records
// make: what the next record's replay needs, and a digest of the rest, so
// that an audit's memory does not grow with the bodies it compares.
type replayed struct {
	version    int
	createdSeq int64
	created    time.Time
	digest     [sha256.Size]byte
}

// entityDigest digests everything of an entity that its records decide:
// its record, version, parent, creation, index columns, audience, times
// and body (as JSON, bodyDigest). Times count to the microsecond, in UTC,
// as both stores keep them; an empty Fields map is no Fields.
func entityDigest(e store.Entity) [sha256.Size]byte {
	h := sha256.New()
	micro := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixMicro()
	}
	aud, _ := json.Marshal(e.Audience.Normalize())
	fmt.Fprintf(h, "%q %d %q %d %q %q %d %d %d %s\n", e.RecordID, e.Version, e.Parent, e.CreatedSeq, e.Party, e.Status,
		micro(e.At), micro(e.Created), micro(e.Updated), aud)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(h, "%q=%q\n", k, e.Fields[k])
	}
	b := bodyDigest(e.Body)
	h.Write(b[:])
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// bodyDigest is the SHA-256 of a body's canonical form (RFC 8785), so that
// bodies compare as JSON (PostgreSQL keeps them as written) without the
// audit holding every one of them.
func bodyDigest(b []byte) [sha256.Size]byte {
	if c, err := jcs.Transform(b); err == nil {
		b = c
	}
	return sha256.Sum256(b)
}

// waitPlaced waits up to wait for the records ids to get their positions
// in the log, and reports each that does not.
func waitPlaced(ctx context.Context, st store.RecordLog, ids []string, wait time.Duration, find func(what, id, format string, args ...any)) error {
	deadline := time.Now().Add(wait)
	for len(ids) > 0 {
		left := ids[:0]
		for _, id := range ids {
			r, err := st.RecordByID(ctx, id)
			if err != nil {
				return err
			}
			if r.LeafIndex < 0 {
				left = append(left, id)
			}
		}
		ids = left
		if len(ids) == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, id := range ids {
		find("record", id, "has no position in the log, %s after a live audit found it pending: left by a crash, added behind parley's back, or its position cleared", wait)
	}
	return nil
}

// maxPendingAtStart bounds what a live audit reads of the records pending
// when it begins: at most a batch or two is ever pending while serving.
const maxPendingAtStart = 100000

// checkRecord checks what a record's row can be checked for on its own:
// its bytes, columns, signature, chain columns and commitment. It returns
// the envelope, and false if the bytes are not a record.
func checkRecord(r store.Record, reg *parley.Registry, find func(what, id, format string, args ...any)) (record.Envelope, bool) {
	var env record.Envelope
	if err := json.Unmarshal(r.Canonical, &env); err != nil {
		find("record", r.ID, "its canonical bytes are not a record: %v", err)
		return env, false
	}
	if again, err := record.Canonical(env); err != nil || !bytes.Equal(again, r.Canonical) {
		find("record", r.ID, "its bytes are not in canonical form")
	}
	if env.ID != r.ID || env.Kind != r.Kind || env.Subject != r.Subject || !env.At.Equal(r.At) ||
		env.Author != r.Author || !reflect.DeepEqual(env.Audience, r.Audience) {
		find("record", r.ID, "its columns (id, kind, subject, time, author or audience) disagree with its canonical bytes")
	}
	if env.Sig != nil {
		if err := record.VerifyEnvelope(env); err != nil {
			find("record", r.ID, "its author's signature does not verify: %v", err)
		}
		if st, _ := record.StatementOf(env); r.Chain != st.Chain() || r.Supersedes != env.Sig.Supersedes {
			find("record", r.ID, "its chain of decisions (chain, supersedes) disagrees with its signed statement")
		}
		if k, ok := reg.Kind(env.Kind); ok {
			if err := app.CheckBindings(k, env); err != nil {
				find("record", r.ID, "its signed statement does not bind what the record says: %v", err)
			}
		}
	} else if r.Chain != "" || r.Supersedes != "" {
		find("record", r.ID, "it is placed in a chain of signed decisions, but it is not signed")
	} else if k, ok := reg.Kind(env.Kind); ok && k.Signed {
		find("record", r.ID, "a %s must be signed, and this one is not", k.Title)
	}
	if c, err := record.CommitmentOf(r.Salt, r.Canonical); err != nil {
		find("record", r.ID, "its commitment cannot be remade: %v", err)
	} else if !bytes.Equal(c[:], r.Commitment) {
		find("record", r.ID, "its commitment does not match its salt and bytes")
	}
	if k, ok := reg.Kind(env.Kind); ok && k.Excerpt != env.Excerpt {
		find("record", r.ID, "its excerpt field is %q, but its kind's is %q", env.Excerpt, k.Excerpt)
	}
	return env, true
}

// batchCheck checks every batch record against its items (record.
// BatchKind), from the records themselves: the items, in their positions,
// of the batch's kind, author and audience, make the root and size its
// body commits to. So no item can be changed, removed, moved or added
// without a finding, though only the batch has a leaf. A batch's items
// precede it, in one transaction, so few batches are open at once.
type batchCheck struct {
	find func(what, id, format string, args ...any)
	open map[string]*openBatch
}

type openBatch struct {
	items       [][]byte // commitments, by position
	first       store.Record
	outOfPlace  bool
	mixedOrigin bool
}

func newBatchCheck(find func(what, id, format string, args ...any)) *batchCheck {
	return &batchCheck{find: find, open: map[string]*openBatch{}}
}

// add takes the records in Seq order.
func (c *batchCheck) add(r store.Record) {
	switch {
	case r.Batch != "":
		b := c.open[r.Batch]
		if b == nil {
			b = &openBatch{first: r}
			c.open[r.Batch] = b
		}
		if r.BatchPos != int64(len(b.items)) {
			b.outOfPlace = true
		}
		if r.Kind != b.first.Kind || r.Author != b.first.Author || !record.SameAudience(r.Audience, b.first.Audience) {
			b.mixedOrigin = true
		}
		b.items = append(b.items, r.Commitment)
	case r.Kind == record.BatchKind:
		b := c.open[r.ID]
		delete(c.open, r.ID)
		env, body, err := record.BatchOf(r.Canonical)
		switch {
		case err != nil:
			c.find("batch", r.ID, "%v", err)
		case b == nil:
			c.find("batch", r.ID, "no record before it is an item of it: its items were removed")
		case b.outOfPlace:
			c.find("batch", r.ID, "its items' positions are not 0 to %d in the order they were committed: items were removed, added or moved", len(b.items)-1)
		case b.mixedOrigin || b.first.Kind != body.Kind || b.first.Author != env.Author || !record.SameAudience(b.first.Audience, env.Audience):
			c.find("batch", r.ID, "its items are not all %s records by its author to its audience", body.Kind)
		case uint64(len(b.items)) != body.Size:
			c.find("batch", r.ID, "it commits to %d items, and %d records are its items: items were removed or added", body.Size, len(b.items))
		default:
			root, err := record.BatchRoot(b.items)
			if err != nil || !bytes.Equal(root, body.Root) {
				c.find("batch", r.ID, "its items' commitments do not make the root it commits to: an item was changed, or replaced")
			}
		}
	}
}

// finish reports items whose batch record never came.
func (c *batchCheck) finish() {
	for id, b := range c.open {
		c.find("batch", id, "%d records (the first %s) are items of it, but there is no such batch record: it was removed", len(b.items), b.first.ID)
	}
}

// checkBatchStored checks one batch as the store holds it: a batch record
// whose root and size its items' commitments make. It is the newest-records
// audit's check, which reads only the commitments, not the items' kind,
// author and audience (the full audit checks those).
func checkBatchStored(ctx context.Context, st store.RecordLog, id string, find func(what, id, format string, args ...any)) error {
	r, err := st.RecordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		find("batch", id, "records are items of it, but there is no such batch record: it was removed")
		return nil
	} else if err != nil {
		return err
	}
	_, body, err := record.BatchOf(r.Canonical)
	if err != nil {
		find("batch", id, "%v", err)
		return nil
	}
	cs, err := st.BatchCommitments(ctx, id)
	if err != nil {
		return err
	}
	if uint64(len(cs)) != body.Size {
		find("batch", id, "it commits to %d items, and %d records are its items: items were removed or added", body.Size, len(cs))
		return nil
	}
	if root, err := record.BatchRoot(cs); err != nil || !bytes.Equal(root, body.Root) {
		find("batch", id, "its items' commitments do not make the root it commits to: an item was changed, replaced or moved")
	}
	return nil
}

// chainCheck checks the chains of signed decisions from the records
// themselves, whatever the database's unique index allowed: each decision
// supersedes an earlier one of its chain, or is its chain's first; none is
// superseded twice; so each chain has one latest decision.
type chainCheck struct {
	find func(what, id, format string, args ...any)
	// seen[chain][record id]; by[chain][supersedes] is the record that
	// supersedes it ("" for the first).
	seen map[string]map[string]bool
	by   map[string]map[string]string
}

func newChainCheck(find func(what, id, format string, args ...any)) *chainCheck {
	return &chainCheck{find: find, seen: map[string]map[string]bool{}, by: map[string]map[string]string{}}
}

// add takes the records in Seq order.
func (c *chainCheck) add(r store.Record) {
	if r.Chain == "" {
		return
	}
	if c.seen[r.Chain] == nil {
		c.seen[r.Chain], c.by[r.Chain] = map[string]bool{}, map[string]string{}
	}
	if r.Supersedes != "" && !c.seen[r.Chain][r.Supersedes] {
		c.find("record", r.ID, "supersedes %s, which is no earlier decision of its chain %q", r.Supersedes, r.Chain)
	}
	if other, ok := c.by[r.Chain][r.Supersedes]; ok {
		what := "decision " + r.Supersedes
		if r.Supersedes == "" {
			what = "nothing (both claim to be the first)"
		}
		c.find("record", r.ID, "supersedes %s, as record %s does: its chain %q forks", what, other, r.Chain)
	} else {
		c.by[r.Chain][r.Supersedes] = r.ID
	}
	c.seen[r.Chain][r.ID] = true
}
