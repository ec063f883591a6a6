package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// maxBatchItems bounds the items of one batch record: a proof of one of
// them reads the commitments of all (32 bytes each), and a batch's
// items commit together or not at all.
const maxBatchItems = 1000

// item is one entity of a batched write, checked and sealed before it
// reaches the committer.
type item struct {
	w      prepared
	sealed record.Sealed
}

// createBatched is CreateMany for a batched kind (parley.Kind.Batched): the
// entities are decoded, checked and sealed on every core, then committed
// as the items of batch records of up to maxBatchItems each, one record
// and one log leaf a batch; each item is still refused alone, as Create
// would refuse it, and the rest of its batch commits.
func (s *Service) createBatched(ctx context.Context, p access.Principal, kind parley.Kind, bodies [][]byte) ([]Written, []error) {
	out, errs := make([]Written, len(bodies)), make([]error, len(bodies))
	if err := s.refuseIfFailed(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	items := make([]*item, len(bodies))
	s.eachParallel(len(bodies), func(i int) {
		// A panic in a domain's code (Normalize, IndexOf) refuses its item
		// alone, as it fails a write alone in the committer: here it would
		// end the process, off any request's goroutine.
		defer s.refuseOnPanic(&errs[i])
		items[i], errs[i] = s.sealItem(p, kind, bodies[i])
	})
	// A batch has one audience, which every reader of its items reads:
	// items are grouped by theirs, in their order.
	var groups [][]int
	byAudience := map[string]int{}
	for i, it := range items {
		if it == nil {
			continue
		}
		key, _ := json.Marshal(it.sealed.Envelope.Audience)
		g, ok := byAudience[string(key)]
		if !ok || len(groups[g]) == maxBatchItems {
			g = len(groups)
			groups = append(groups, nil)
			byAudience[string(key)] = g
		}
		groups[g] = append(groups[g], i)
	}
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() { s.commitItems(ctx, p, kind, items, g, out, errs) })
	}
	wg.Wait()
	return out, errs
}

// eachParallel runs fn(0) to fn(n-1) on every core.
func (s *Service) eachParallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// sealItem checks what an item can be checked for on its own, as a write
// of it alone would be, and seals its record.
func (s *Service) sealItem(p access.Principal, kind parley.Kind, body []byte) (*item, error) {
	w, err := s.prepare(p, kind.Name, body)
	if err != nil {
		return nil, err
	}
	if err := checkBeside(kind, w.sg, ""); err != nil {
		return nil, err
	}
	aud, err := s.settleAudience(kind, kind.DefaultAudience, w, p)
	if err != nil {
		return nil, err
	}
	id := record.NewID()
	sealed, err := record.Seal(record.Envelope{V: record.Version, ID: id, Kind: kind.Name, Subject: id, At: s.now(),
		Author: record.Author{Principal: p.ID, Party: p.Party}, Audience: aud, Body: w.body})
	if err != nil {
		return nil, err
	}
	return &item{w: w, sealed: sealed}, nil
}

// commitItems commits the items at indexes idx, all of one audience, as
// one batch record's, and writes each one's outcome at its index.
func (s *Service) commitItems(ctx context.Context, p access.Principal, kind parley.Kind, items []*item, idx []int, out []Written, errs []error) {
	viewer := access.ViewerOf(p)
	aud := items[idx[0]].sealed.Envelope.Audience
	batchID := record.NewID()
	// What the transaction made of each item; it starts anew if the
	// committer runs it again alone.
	recs := make([]store.Record, len(idx))
	ents := make([]store.Entity, len(idx))
	refused := make([]error, len(idx))
	// As for every write: once queued, it is seen through.
	ctx = context.WithoutCancel(ctx)
	fn := func(tx store.Tx) (store.Record, store.Entity, error) {
		clear(recs)
		clear(ents)
		clear(refused)
		fail := func(err error) (store.Record, store.Entity, error) { return store.Record{}, store.Entity{}, err }
		if err := s.audienceInTx(ctx, tx, kind, aud); err != nil {
			return fail(err)
		}
		// The items accepted are written together at the end, in a few
		// statements (store.Tx.AppendItems); until then, the checks of
		// the items after them read them from here, so that each item
		// sees the items before it in its batch, as a write of its own
		// would.
		var accepted []int // of idx
		unwritten := &unwrittenItems{}
		if err := s.readIndexedNeeds(ctx, tx, kind, items, idx, unwritten); err != nil {
			return fail(err)
		}
		refs := &memoReader{Reader: tx, seen: map[string]memoEntity{}}
		for k, i := range idx {
			it := items[i]
			err := s.checkItem(ctx, tx, refs, viewer, aud, kind, it, unwritten)
			var panicked *itemPanic
			if err != nil && ErrorCode(err) == "" && !errors.As(err, &panicked) {
				// Not a refusal of the item but a failure of the store
				// (which, in PostgreSQL, aborts the transaction): the
				// batch fails whole, and is undone.
				return fail(err)
			}
			if err != nil {
				refused[k] = err
				continue
			}
			recs[k] = recordOf(it.sealed)
			recs[k].Batch, recs[k].BatchPos = batchID, int64(len(accepted))
			// A new subject: no version before it to read.
			ents[k] = entityOf(kind, it.w.ix, nil, 0, it.sealed.Envelope)
			accepted = append(accepted, k)
			unwritten.add(ents[k])
		}
		if len(accepted) == 0 {
			return fail(errNothingAccepted)
		}
		rs := make([]*store.Record, len(accepted))
		es := make([]store.Entity, len(accepted))
		commitments := make([][]byte, len(accepted))
		for n, k := range accepted {
			rs[n], es[n], commitments[n] = &recs[k], ents[k], recs[k].Commitment
		}
		if err := tx.AppendItems(ctx, rs, es); err != nil {
			return fail(fmt.Errorf("couldn't append the batch's %d items: %w", len(rs), err))
		}
		for n, k := range accepted {
			ents[k] = es[n]
			if err := s.applyProjections(ctx, tx, recs[k]); err != nil {
				return fail(err)
			}
		}
		root, err := record.BatchRoot(commitments)
		if err != nil {
			return fail(err)
		}
		body, err := json.Marshal(record.BatchBody{Kind: kind.Name, Size: uint64(len(commitments)), Root: root})
		if err != nil {
			return fail(err)
		}
		// Appended after its items, in their transaction: a batch record
		// is never without them, and they are pending while it is.
		rec, err := Append(ctx, tx, record.Envelope{V: record.Version, ID: batchID, Kind: record.BatchKind, Subject: batchID, At: s.now(),
			Author: record.Author{Principal: p.ID, Party: p.Party}, Audience: aud, Body: body})
		return rec, store.Entity{}, err
	}
	batch, _, err := s.commitLogged(ctx, fn)
	if errors.Is(err, errNothingAccepted) {
		err = nil
	}
	n := 0
	for k, i := range idx {
		switch {
		case refused[k] != nil:
			errs[i] = refused[k]
		case err != nil:
			errs[i] = err
		default:
			recs[k].LeafIndex = batch.LeafIndex
			out[i] = Written{Receipt: receiptOf(recs[k]), Entity: ents[k]}
			n++
		}
	}
	if n > 0 {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "committed a batch", slog.String("kind", kind.Name), slog.String("record", batch.ID),
			slog.Int("items", n), slog.String("principal", p.Login))
	}
}

// checkItem checks an item for what needs the store, as a write of it
// alone would be checked; a panic in the domain's code there refuses the
// item alone (itemPanic), as the committer fails a write alone.
func (s *Service) checkItem(ctx context.Context, tx store.Tx, refs store.Reader, viewer access.Viewer, aud record.Audience, kind parley.Kind,
	it *item, unwritten *unwrittenItems) (err error) {
	defer s.refuseOnPanic(&err)
	resolved, err := s.resolve(ctx, refs, viewer, aud, it.w.ent)
	if err != nil {
		return err
	}
	if err := it.w.ent.Validate(resolved); err != nil {
		return domainError(err)
	}
	return s.keepInvariants(ctx, tx, viewer, kind, it.w.ent, it.sealed.Envelope.ID, unwritten)
}

// unwrittenItems are the items of a batch accepted so far, which the store
// does not hold until the batch's end: facts for the invariants of the
// items after them. Each item's needs would otherwise read every item
// before it (a thousand reports, each needing the reports of its source
// reference, made half a million reads a batch); those that name a value
// of a field the kind indexes read only the items with that value.
type unwrittenItems struct {
	all []store.Entity
	// byField holds the positions in all of the items with a value of an
	// index field, by kind, field and value.
	byField map[string][]int
	// stored says, for each value of an index field that the batch's
	// needs name (by kind, field and value), whether the store holds it
	// at all (readIndexedNeeds): one query a batch instead of one a need.
	stored map[string]bool
}

// indexedNeed is the index field of nk that need names a value of, the
// first by name: the field that finds its candidates.
func indexedNeed(nk parley.Kind, need parley.Need) (name, value string, ok bool) {
	for n, v := range need.Fields {
		if v != "" && slices.Contains(nk.IndexFields, n) && (!ok || n < name) {
			name, value, ok = n, v, true
		}
	}
	return name, value, ok
}

// indexKey names a value of a kind's index field in unwrittenItems' maps.
func indexKey(kind, name, value string) string { return kind + "\x00" + name + "\x00" + value }

// notStored says whether the store holds nothing that need could find.
func (u *unwrittenItems) notStored(nk parley.Kind, need parley.Need) bool {
	if u == nil || need.ID != "" {
		return false
	}
	name, value, ok := indexedNeed(nk, need)
	if !ok {
		return false
	}
	stored, asked := u.stored[indexKey(need.Kind, name, value)]
	return asked && !stored
}

// readIndexedNeeds asks the store, once for the batch, which of the values
// its items' needs name in index fields it holds: most are new (a report's
// source reference), and each need would otherwise be a query. What the
// store holds is read later, need by need, as the writer sees it.
func (s *Service) readIndexedNeeds(ctx context.Context, tx store.Tx, kind parley.Kind, items []*item, idx []int, u *unwrittenItems) error {
	type field struct{ kind, name string }
	asked := map[field][]string{}
	for _, inv := range s.reg.Invariants(kind.Name) {
		for _, i := range idx {
			for _, need := range safeNeeds(inv, items[i]) {
				nk, ok := s.reg.Kind(need.Kind)
				if !ok || need.ID != "" {
					continue
				}
				if name, value, ok := indexedNeed(nk, need); ok {
					f := field{need.Kind, name}
					asked[f] = append(asked[f], value)
				}
			}
		}
	}
	u.stored = map[string]bool{}
	for f, values := range asked {
		found, err := tx.IndexedValues(ctx, f.kind, f.name, values)
		if err != nil {
			return err
		}
		for _, v := range values {
			u.stored[indexKey(f.kind, f.name, v)] = found[v]
		}
	}
	return nil
}

// safeNeeds is inv's needs for an item, or none if the domain's code
// panics: checkItem meets the panic again and refuses the item.
func safeNeeds(inv parley.Invariant, it *item) (needs []parley.Need) {
	defer func() {
		if recover() != nil {
			needs = nil
		}
	}()
	return inv.Needs(it.w.ent, it.sealed.Envelope.ID)
}

// add takes an accepted item, whose Fields must be its body's index
// (entityOf's), as the store's entity_fields would hold: candidates finds
// an item by them alone.
func (u *unwrittenItems) add(e store.Entity) {
	if u.byField == nil {
		u.byField = map[string][]int{}
	}
	u.all = append(u.all, e)
	for name, vs := range e.Fields {
		for _, v := range vs {
			key := indexKey(e.Kind, name, v)
			u.byField[key] = append(u.byField[key], len(u.all)-1)
		}
	}
}

// candidates returns the unwritten items that may meet need: with its
// value of a field nk indexes, or else all of them. The need's every
// field is still checked on each, as for the store's.
func (u *unwrittenItems) candidates(nk parley.Kind, need parley.Need) []store.Entity {
	if u == nil {
		return nil
	}
	if name, value, ok := indexedNeed(nk, need); ok {
		at := u.byField[indexKey(need.Kind, name, value)]
		es := make([]store.Entity, len(at))
		for i, j := range at {
			es[i] = u.all[j]
		}
		return es
	}
	return u.all
}

// refuseOnPanic, deferred, turns a panic in the checks of an item into its
// refusal (*err), logged with its stack.
func (s *Service) refuseOnPanic(err *error) {
	if v := recover(); v != nil {
		s.logger.Error("checking an item of a batch panicked; it is refused", "panic", v, "stack", string(debug.Stack()))
		*err = &itemPanic{v}
	}
}

// itemPanic is the refusal of an item whose checks panicked.
type itemPanic struct{ v any }

func (e *itemPanic) Error() string { return fmt.Sprintf("a write failed: panic: %v", e.v) }

// memoReader reads each entity once for all the items of a batch: a
// thousand reports refer to the same few parties, and nothing is written
// until every item is checked (their own entities are the checks'
// unwritten facts, not reads).
type memoReader struct {
	store.Reader
	seen map[string]memoEntity
}

type memoEntity struct {
	e   store.Entity
	err error
}

func (r *memoReader) Entity(ctx context.Context, v access.Viewer, kind, id string) (store.Entity, error) {
	key := parley.Key(kind, id)
	if m, ok := r.seen[key]; ok {
		return m.e, m.err
	}
	e, err := r.Reader.Entity(ctx, v, kind, id)
	r.seen[key] = memoEntity{e, err}
	return e, err
}

// errNothingAccepted ends a batch whose every item was refused: there is
// nothing to commit, and each item has its own refusal.
var errNothingAccepted = newError(CodeInvalid, "", "every item of the batch was refused")

// recordOf is the store's record of a sealed envelope, not yet appended.
func recordOf(sealed record.Sealed) store.Record {
	e := sealed.Envelope
	return store.Record{
		ID: e.ID, Kind: e.Kind, Subject: e.Subject, At: e.At, Author: e.Author, Audience: e.Audience,
		Canonical: sealed.Canonical, Salt: sealed.Salt, Commitment: sealed.Commitment[:], LeafIndex: -1,
	}
}
