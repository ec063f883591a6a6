package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/worddiff"
)

// Proof returns the proof of record id to a caller who may read it; to
// anyone else the record does not exist.
func (s *Service) Proof(ctx context.Context, caller *access.Principal, id string) (proof.Proof, error) {
	notFound := &Error{Code: CodeNotFound, Message: fmt.Sprintf("no record %q", id)}
	r, err := s.store.RecordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return proof.Proof{}, notFound
	} else if err != nil {
		return proof.Proof{}, err
	}
	if !access.CanSee(viewerOf(caller), r.Audience) {
		return proof.Proof{}, notFound
	}
	return s.proofOf(ctx, r)
}

// proofOf proves a record the caller may read in the log: by its own
// leaf, or by its batch's and its place in the batch.
func (s *Service) proofOf(ctx context.Context, r store.Record) (proof.Proof, error) {
	if r.Batch == "" {
		return s.proveLeaf(ctx, r, r)
	}
	b, err := s.store.RecordByID(ctx, r.Batch)
	if err != nil {
		return proof.Proof{}, fmt.Errorf("couldn't read batch %s of record %s: %w", r.Batch, r.ID, err)
	}
	cs, err := s.store.BatchCommitments(ctx, r.Batch)
	if err != nil {
		return proof.Proof{}, err
	}
	place, err := record.PlaceInBatch(cs, int(r.BatchPos))
	if err != nil {
		return proof.Proof{}, fmt.Errorf("record %s: %w", r.ID, err)
	}
	p, err := s.proveLeaf(ctx, r, b)
	if err != nil {
		return proof.Proof{}, err
	}
	p.Batch = &proof.Batch{RecordID: b.ID, Canonical: b.Canonical, Salt: b.Salt, Commitment: hex.EncodeToString(b.Commitment), Place: place}
	return p, nil
}

// proveLeaf proves record r by the leaf of record leaf: its own, or its
// batch's.
func (s *Service) proveLeaf(ctx context.Context, r, leaf store.Record) (proof.Proof, error) {
	id := r.ID
	if s.log == nil {
		return proof.Proof{}, newError(CodeUnavailable, "", "this installation has no transparency log")
	}
	if leaf.LeafIndex < 0 {
		return proof.Proof{}, newError(CodeUnavailable, "", "record %s is not yet in the log; try again in a second", id)
	}
	cp, err := s.log.Checkpoint(ctx)
	if err != nil {
		return proof.Proof{}, fmt.Errorf("couldn't read the checkpoint: %w", err)
	}
	size, err := proof.CheckpointSize(cp)
	if err != nil {
		return proof.Proof{}, err
	}
	idx := uint64(leaf.LeafIndex)
	if idx >= size {
		return proof.Proof{}, newError(CodeUnavailable, "", "record %s is at log position %d, and the latest published checkpoint covers %d entries; it is published within seconds, once the witnesses cosign", id, idx, size)
	}
	incl, err := s.log.InclusionProof(ctx, idx, size)
	if err != nil {
		return proof.Proof{}, fmt.Errorf("couldn't prove record %s: %w", id, err)
	}
	return proof.Proof{
		RecordID: r.ID, Kind: r.Kind, Canonical: r.Canonical, Salt: r.Salt,
		Commitment: hex.EncodeToString(r.Commitment), Leaf: string(record.Leaf(leaf.Commitment)),
		LeafIndex: idx, TreeSize: size, Inclusion: incl, Checkpoint: string(cp),
	}, nil
}

// Record returns one record as stored, to a caller who may read it; to
// anyone else it does not exist. An item of a batch has its batch's log
// position as its LeafIndex: the entry that commits to it (Batch says it
// does so through its batch).
func (s *Service) Record(ctx context.Context, caller *access.Principal, id string) (store.Record, error) {
	r, err := s.store.RecordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !access.CanSee(viewerOf(caller), r.Audience)) {
		return store.Record{}, &Error{Code: CodeNotFound, Message: fmt.Sprintf("no record %q", id)}
	}
	if err == nil && r.Batch != "" {
		b, err := s.store.RecordByID(ctx, r.Batch)
		if err != nil {
			return store.Record{}, fmt.Errorf("couldn't read batch %s of record %s: %w", r.Batch, r.ID, err)
		}
		r.LeafIndex = b.LeafIndex
	}
	return r, err
}

// HasLog reports whether commits go through a transparency log.
func (s *Service) HasLog() bool { return s.log != nil }

// Version is one version of an entity: the record that made it.
type Version struct {
	N        int             `json:"version"`
	RecordID string          `json:"record_id"`
	At       time.Time       `json:"at"`
	Author   record.Author   `json:"author"`
	Audience record.Audience `json:"audience"`
	Body     json.RawMessage `json:"body"`
}

// History returns every version of an entity the caller may see, oldest
// first: a clause's wording as it stood at each edit. An entity the caller
// may not see has no history, exactly as one that does not exist; a
// version whose audience the caller may not read (an entity whose audience
// was narrowed) is left out.
func (s *Service) History(ctx context.Context, caller *access.Principal, kindName, id string) ([]Version, error) {
	if _, err := s.Get(ctx, caller, kindName, id); err != nil {
		return nil, err
	}
	rs, err := s.store.SubjectRecords(ctx, id)
	if err != nil {
		return nil, err
	}
	v := viewerOf(caller)
	var out []Version
	for i, r := range rs {
		if r.Kind != kindName || !access.CanSee(v, r.Audience) {
			continue
		}
		env, err := envelopeOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, Version{N: i + 1, RecordID: r.ID, At: r.At, Author: r.Author, Audience: r.Audience, Body: env.Body})
	}
	return out, nil
}

// ExcerptProof proves, to a caller who may read entity id of a kind that
// carries words of another (Kind.ExcerptOf: a relay), that the words were
// taken from that other entity as it was committed when id was: the proof
// discloses the words and the hashes that stand for the rest of the record
// (record.Disclose), never the rest, with the record's inclusion in the log.
func (s *Service) ExcerptProof(ctx context.Context, caller *access.Principal, kindName, id string) (proof.Proof, error) {
	kind, ok := s.reg.Kind(kindName)
	if !ok || kind.ExcerptOf == nil {
		return proof.Proof{}, newError(CodeNotFound, "", "%s records carry no excerpt", kindName)
	}
	e, err := s.Get(ctx, caller, kindName, id)
	if err != nil {
		return proof.Proof{}, err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return proof.Proof{}, fmt.Errorf("couldn't read %s %s: %w", kindName, id, err)
	}
	var originID, words string
	json.Unmarshal(body[kind.ExcerptOf.Origin], &originID)
	json.Unmarshal(body[kind.ExcerptOf.Words], &words)
	carrier, err := s.store.RecordByID(ctx, e.RecordID)
	if err != nil {
		return proof.Proof{}, err
	}
	of, _ := kind.Field(kind.ExcerptOf.Origin)
	origin, _ := s.reg.Kind(of.Ref)
	rs, err := s.store.SubjectRecords(ctx, originID)
	if err != nil {
		return proof.Proof{}, err
	}
	// The origin as it was when the words were carried: its latest record
	// before the carrier's.
	var from *store.Record
	for i := range rs {
		if rs[i].Kind == origin.Name && rs[i].Seq < carrier.Seq {
			from = &rs[i]
		}
	}
	if from == nil {
		return proof.Proof{}, fmt.Errorf("%s %s: no record of %s %s precedes it", kindName, id, origin.Title, originID)
	}
	env, err := envelopeOf(*from)
	if err != nil {
		return proof.Proof{}, err
	}
	var originBody map[string]json.RawMessage
	var text string
	if err := json.Unmarshal(env.Body, &originBody); err == nil {
		json.Unmarshal(originBody[origin.Excerpt], &text)
	}
	begin, end, ok := record.FindExcerpt(text, words)
	if !ok {
		return proof.Proof{}, fmt.Errorf("%s %s: its words are not in %s record %s", kindName, id, origin.Title, from.ID)
	}
	x, err := record.Disclose(from.Salt, from.Canonical, begin, end)
	if err != nil {
		return proof.Proof{}, err
	}
	p, err := s.proofOf(ctx, *from)
	if err != nil {
		return proof.Proof{}, err
	}
	p.Canonical, p.Salt, p.Excerpt = nil, nil, &x
	return p, nil
}

// Comparison is the word diff between two versions of an entity.
type Comparison struct {
	From, To             int
	FromRecord, ToRecord string
	Chunks               []worddiff.Chunk
}

// Compare returns the word diff between versions from and to (1 is the
// first; 0 for to is the latest, for from the one before to) of an entity
// of a kind with a Wording, as the caller may see them.
func (s *Service) Compare(ctx context.Context, caller *access.Principal, kindName, id string, from, to int) (Comparison, error) {
	kind, ok := s.reg.Kind(kindName)
	if !ok || kind.Wording == nil {
		return Comparison{}, newError(CodeNotFound, "", "%s records have no wording to compare", kindName)
	}
	vs, err := s.History(ctx, caller, kindName, id)
	if err != nil {
		return Comparison{}, err
	}
	byN := map[int]Version{}
	for _, v := range vs {
		byN[v.N] = v
	}
	if to == 0 {
		to = vs[len(vs)-1].N
	}
	if from == 0 {
		from = max(to-1, 1)
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"from", from}, {"to", to}} {
		if _, ok := byN[f.n]; !ok {
			return Comparison{}, newError(CodeInvalid, f.name, "%s %s has no version %d you may read (it has %d)", kind.Title, id, f.n, len(vs))
		}
	}
	wording := func(v Version) (string, error) {
		e, err := s.reg.Decode(kindName, v.Body)
		if err != nil {
			return "", err
		}
		return kind.Wording(e), nil
	}
	a, err := wording(byN[from])
	if err != nil {
		return Comparison{}, err
	}
	b, err := wording(byN[to])
	if err != nil {
		return Comparison{}, err
	}
	return Comparison{From: from, To: to, FromRecord: byN[from].RecordID, ToRecord: byN[to].RecordID, Chunks: worddiff.Diff(a, b)}, nil
}

// Change is a record as a follower of the records sees it: where it is in
// the order of commitment, and what it is about.
type Change struct {
	Seq     int64
	Kind    string
	Subject string
}

// Changes returns up to limit records committed after the one of Seq
// after, that the caller may read, in order, as changes; and the Seq of
// the last record looked at, to continue from (it moves past records the
// caller may not read, which are left out as if they did not exist). A
// page that keeps a view of many entities reads what changed since
// instead of every entity again.
func (s *Service) Changes(ctx context.Context, caller *access.Principal, after int64, limit int) ([]Change, int64, error) {
	rs, err := s.store.Records(ctx, after, limit)
	if err != nil {
		return nil, after, err
	}
	v := viewerOf(caller)
	var out []Change
	for _, r := range rs {
		after = r.Seq
		if access.CanSee(v, r.Audience) {
			out = append(out, Change{Seq: r.Seq, Kind: r.Kind, Subject: r.Subject})
		}
	}
	return out, after, nil
}

// LastSeq returns the Seq of the last record committed, which anyone may
// know: every reader of a record learns its Seq, which counts the records
// before it (docs/trust.md), and the log's size roughly the same (its
// entries count records and batches).
func (s *Service) LastSeq(ctx context.Context) (int64, error) { return s.store.LastSeq(ctx) }
