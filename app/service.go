// Package app is the one path every write and every read takes, whatever
// front end it comes from (JSON API, web UI, CLI, demo scenario):
// authorize, decode, resolve references, let the domain validate, seal the
// record, and commit record and projection in one store transaction. Reads
// take the caller's viewer and go through the store's visibility filter, so
// no handler can forget it.
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/auth"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Service runs the process on one store, for the domains of one registry.
type Service struct {
	store  store.Store
	reg    *parley.Registry
	log    Log
	now    func() time.Time
	logger *slog.Logger
	auth   *auth.Auth
	c      committer
	// proj runs the domains' own projections and their followers.
	proj projections
	// closeOnce makes Close safe to call twice.
	closeOnce sync.Once
	// integrity is what the integrity checks found (Integrity).
	integrity integrity
}

// New returns a service on st for the domains of reg. now is the clock
// (time.Now in production; a fixed clock in tests and in the demo's
// scripted history).
func New(st store.Store, reg *parley.Registry, now func() time.Time, logger *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: st, reg: reg, now: now, logger: logger, auth: auth.New(st, now),
		c: committer{queue: make(chan *work, maxBatch), logged: make(chan *batch, 1), stop: make(chan struct{}), flush: make(chan struct{}, 1)}}
	s.proj.init(reg)
	s.c.wg.Add(1)
	go s.runCommitter()
	return s
}

// SetPasswordCost sets the argon2id cost of the passwords this service
// hashes from now on. Production keeps access.DefaultPasswordCost; tests,
// which add many principals, set a cheap one. Call it before serving.
func (s *Service) SetPasswordCost(c access.PasswordCost) { s.auth.SetPasswordCost(c) }

// Logger returns the service's logger, for what a domain's own handlers
// have to report.
func (s *Service) Logger() *slog.Logger { return s.logger }

// Store returns the service's store, for the commands that manage it.
func (s *Service) Store() store.Store { return s.store }

// Log returns the transparency log the service commits to, or nil.
func (s *Service) Log() Log { return s.log }

// Replay is the projection rule, for audit: the entity a record makes of
// the entity before it (nil for the first record of a subject).
func (s *Service) Replay(prev *store.Entity, seq int64, env record.Envelope) (store.Entity, error) {
	return s.nextEntity(prev, seq, env)
}

// Registry returns the domains the service runs.
func (s *Service) Registry() *parley.Registry { return s.reg }

// Receipt is what a writer gets back: enough to find and, with the
// transparency log, prove the record later.
type Receipt struct {
	RecordID string `json:"record_id"`
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	Seq      int64  `json:"seq"`
	// Commitment is the hex SHA-256 commitment to the record's canonical
	// bytes and salt: what the log's leaf carries.
	Commitment string `json:"commitment"`
	// LeafIndex is the record's position in the transparency log; absent
	// only on a service without a log (tests of the domain path). For an
	// item of a batch it is the batch's.
	LeafIndex *uint64 `json:"leaf_index,omitempty"`
	// Batch is the batch record whose leaf commits to the record, for an
	// item of a batched kind written in bulk (record.BatchKind); its
	// proof proves it alone all the same.
	Batch string `json:"batch,omitempty"`
}

// Written is the outcome of a write.
type Written struct {
	Receipt Receipt
	Entity  store.Entity
}

// Create commits a new entity of the given kind, written by p. body is the
// entity's JSON fields with an optional "audience".
func (s *Service) Create(ctx context.Context, p access.Principal, kindName string, body []byte) (Written, error) {
	return s.write(ctx, p, kindName, "", body)
}

// CreateMany commits many new entities of one kind, each checked and
// committed on its own as Create would (a bad one refuses nothing else),
// and answers for each: its Written, or its error, at its index. They go
// through the commit path together, so that they share group commits
// rather than each paying for its own; their order in the log need not be
// theirs. Those of a batched kind are committed as the items of batch
// records (createBatched): one log leaf for up to a thousand.
func (s *Service) CreateMany(ctx context.Context, p access.Principal, kindName string, bodies [][]byte) ([]Written, []error) {
	if kind, ok := s.reg.Kind(kindName); ok && kind.Batched {
		return s.createBatched(ctx, p, kind, bodies)
	}
	out, errs := make([]Written, len(bodies)), make([]error, len(bodies))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(createManyWorkers, len(bodies)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = s.Create(ctx, p, kindName, bodies[i])
			}
		})
	}
	for i := range bodies {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errs
}

// createManyWorkers is how many of CreateMany's entities are in the
// commit path at once: enough to fill a group commit (maxBatch). With 64,
// 20,000 reports went in at 1,861 a second; with 1,024, at 3,413
// (BenchmarkIngest in package monitor).
const createManyWorkers = maxBatch

// Update commits a new version of entity id: the full new state, which
// supersedes the current one. The record refers to the one it supersedes.
func (s *Service) Update(ctx context.Context, p access.Principal, kindName, id string, body []byte) (Written, error) {
	if id == "" {
		return Written{}, newError(CodeBadRequest, "id", "no id to update")
	}
	return s.write(ctx, p, kindName, id, body)
}

// write is the kernel's commit path, the same for every kind of every
// domain: decode, authorize, resolve, validate, keep the domain's
// invariants, seal, and group-commit.
func (s *Service) write(ctx context.Context, p access.Principal, kindName, id string, body []byte) (Written, error) {
	if err := s.refuseIfFailed(); err != nil {
		return Written{}, err
	}
	fn, err := s.writeFunc(ctx, p, kindName, id, body)
	if err != nil {
		return Written{}, err
	}
	rec, ent, err := s.commit(ctx, fn)
	if err != nil {
		return Written{}, err
	}
	out := Written{Receipt: receiptOf(rec), Entity: ent}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "committed record",
		slog.String("kind", out.Receipt.Kind), slog.String("record", out.Receipt.RecordID),
		slog.String("subject", out.Receipt.Subject), slog.String("principal", p.Login))
	return out, nil
}

// prepared is a write decoded and authorized for its kind and owner.
type prepared struct {
	kind parley.Kind
	ent  parley.Entity
	aud  *record.Audience
	sg   beside
	// body is the entity as it will be committed; ix its index.
	body json.RawMessage
	ix   parley.Index
}

// prepare decodes a write of kindName by p, normalizes it and checks that p
// may write it for the party it names.
func (s *Service) prepare(p access.Principal, kindName string, body []byte) (prepared, error) {
	kind, ok := s.reg.Kind(kindName)
	if !ok {
		return prepared{}, newError(CodeNotFound, "", "no kind %q", kindName)
	}
	if err := mayWriteKind(p, kind); err != nil {
		return prepared{}, err
	}
	ent, aud, sg, err := decodeWrite(kind, body)
	if err != nil {
		return prepared{}, err
	}
	ent.Normalize()
	newBody, err := json.Marshal(ent)
	if err != nil {
		return prepared{}, fmt.Errorf("couldn't encode %s: %w", kind.Title, err)
	}
	ix, err := kind.IndexOf(newBody)
	if err != nil {
		return prepared{}, err
	}
	if err := s.MayWrite(p, kind, ix.Party); err != nil {
		return prepared{}, err
	}
	return prepared{kind: kind, ent: ent, aud: aud, sg: sg, body: newBody, ix: ix}, nil
}

// writeFunc checks what a write can be checked for on its own (kind, roles,
// decoding, signature presence, owner) and returns the rest of it, to run
// in a batch's transaction: what depends on the store (the current
// version, references, invariants, the signing key), then the record and
// its projections.
func (s *Service) writeFunc(ctx context.Context, p access.Principal, kindName, id string, body []byte) (func(tx store.Tx) (store.Record, store.Entity, error), error) {
	w, err := s.prepare(p, kindName, body)
	if err != nil {
		return nil, err
	}
	kind, ent, sg, newBody, ix := w.kind, w.ent, w.sg, w.body, w.ix
	if err := checkBeside(kind, sg, id); err != nil {
		return nil, err
	}
	viewer := access.ViewerOf(p)

	// The write's statements run in a transaction it shares with the rest
	// of its batch: a writer who gives up (its request's context ends)
	// must not interrupt them, or the whole batch would roll back. Once
	// queued, a write is seen through.
	ctx = context.WithoutCancel(ctx)
	return func(tx store.Tx) (store.Record, store.Entity, error) {
		fail := func(err error) (store.Record, store.Entity, error) { return store.Record{}, store.Entity{}, err }
		env := record.Envelope{
			V:       record.Version,
			ID:      record.NewID(),
			Kind:    kind.Name,
			At:      s.now(),
			Author:  record.Author{Principal: p.ID, Party: p.Party},
			Excerpt: kind.Excerpt,
		}
		var err error
		if id == "" {
			env.Subject = env.ID
			if kind.IDField != "" {
				env.Subject = ix.ID
				if _, err := tx.Entity(ctx, access.System, kind.Name, env.Subject); err == nil {
					return fail(newError(CodeConflict, kind.IDField, "%s with id %q exists already", parley.Article(kind.Title), env.Subject))
				} else if !errors.Is(err, store.ErrNotFound) {
					return fail(err)
				}
			}
			env.Audience = kind.DefaultAudience
		} else {
			cur, err := tx.Entity(ctx, viewer, kind.Name, id)
			if errors.Is(err, store.ErrNotFound) {
				return fail(newError(CodeNotFound, "", "no %s %q", kind.Title, id))
			} else if err != nil {
				return fail(err)
			}
			if !kind.Mutable {
				return fail(newError(CodeConflict, "", "%s is never changed once committed; commit a new one that refers to it", parley.Article(kind.Title)))
			}
			if kind.Versioned && sg.BasedOn != cur.RecordID {
				e := newError(CodeConflict, "based_on", "the edit is based on version %s, but the %s is at version %d (record %s) since; merge your edit into that version and send it again", sg.BasedOn, kind.Title, cur.Version, cur.RecordID)
				e.Current = cur
				return fail(e)
			}
			// The owner of what is replaced counts, not only the owner the
			// new version names: otherwise a party could take over another's.
			if kind.OwnerField != "" {
				curIx, err := kind.IndexOf(cur.Body)
				if err != nil {
					return fail(err)
				}
				if err := s.MayWrite(p, kind, curIx.Party); err != nil {
					return fail(err)
				}
			}
			if kind.IDField != "" && ix.ID != id {
				return fail(newError(CodeInvalid, kind.IDField, "is %q, but the %s being changed is %q; an id never changes", ix.ID, kind.Title, id))
			}
			env.Subject = id
			env.Audience = cur.Audience
			env.Refs = []string{cur.RecordID}
		}
		if env.Audience, err = s.settleAudience(kind, env.Audience, w, p); err != nil {
			return fail(err)
		}
		if err := s.audienceInTx(ctx, tx, kind, env.Audience); err != nil {
			return fail(err)
		}
		if id != "" {
			if err := s.referrersCovered(ctx, tx, kind, id, env.Audience); err != nil {
				return fail(err)
			}
		}
		resolved, err := s.resolve(ctx, tx, viewer, env.Audience, ent)
		if err != nil {
			return fail(err)
		}
		if err := ent.Validate(resolved); err != nil {
			return fail(domainError(err))
		}
		if err := s.keepInvariants(ctx, tx, viewer, kind, ent, env.Subject, nil); err != nil {
			return fail(err)
		}
		env.Body = newBody
		if kind.BindsParent && ix.Parent != "" {
			pf, _ := kind.Field(kind.ParentField)
			parent, err := tx.Entity(ctx, viewer, pf.Ref, ix.Parent)
			if err != nil {
				return fail(err)
			}
			env.Refs = []string{parent.RecordID}
		}
		if kind.Signed {
			if env.Sig, env.Refs, err = s.checkStatement(ctx, tx, p, kind, ix, sg, env.Body); err != nil {
				return fail(err)
			}
		}
		return s.appendAndProject(ctx, tx, env)
	}, nil
}

// checkBeside checks what a write carries beside the entity (sg) against
// its kind: based_on for a versioned kind's edit (id is what is edited, ""
// for a new entity), the statement and signature for a signed kind's.
func checkBeside(kind parley.Kind, sg beside, id string) error {
	if sg.BasedOn != "" && !kind.Versioned {
		return newError(CodeInvalid, "based_on", "%s records are not versioned; leave based_on out", kind.Title)
	}
	if sg.BasedOn != "" && id == "" {
		return newError(CodeInvalid, "based_on", "names the version an edit was based on; leave it out of a new %s", kind.Title)
	}
	if kind.Versioned && id != "" && sg.BasedOn == "" {
		return newError(CodeInvalid, "based_on", "is required: an edit of %s names the version it was based on (its record_id), so that it cannot overwrite an edit it did not see", parley.Article(kind.Title))
	}
	for _, f := range []struct{ name, value string }{{"statement", sg.Statement}, {"signature", sg.Signature}} {
		if f.value != "" && !kind.Signed {
			return newError(CodeInvalid, f.name, "%s records are not signed; leave the %s out", kind.Title, f.name)
		}
		if f.value == "" && kind.Signed {
			return newError(CodeInvalid, f.name, "is required: %s is committed with the statement its author signed and the signature over it (parley sign)", parley.Article(kind.Title))
		}
	}
	return nil
}

// settleAudience is the audience of a write, from base (the kind's
// default for a new entity, the current one's for a change) and what can
// be decided without the store: the audience the write names, the owner's
// channel, the kind's own rule, and whether p may write to it.
func (s *Service) settleAudience(kind parley.Kind, base record.Audience, w prepared, p access.Principal) (record.Audience, error) {
	a := base
	if w.aud != nil {
		a = w.aud.Normalize()
	}
	if a.Party == "" && (a.Scope == record.PartyMediator || a.Scope == record.PartyOnly) && w.aud == nil {
		// A default audience of the owner's channel.
		a.Party = cmp.Or(w.ix.Party, p.Party)
	}
	if kind.AudienceOf != nil {
		want := kind.AudienceOf(w.ent, p.Party).Normalize()
		if w.aud != nil && !record.SameAudience(*w.aud, want) {
			return a, newError(CodeInvalid, "audience", "%s is read by %s, which follows from what it says; leave the audience out", parley.Article(kind.Title), access.Describe(want))
		}
		a = want
	}
	if err := a.Validate(); err != nil {
		return a, &Error{Code: CodeInvalid, Field: "audience", Message: err.Error()}
	}
	if kind.IDField != "" && a.Scope != record.Public {
		// A chosen id is a name in a namespace everyone shares (a
		// party's slug, which audiences name): one hidden from some
		// would answer "taken" to them about something they may not
		// see, and a hidden party would lock its readers out of what
		// names it.
		return a, newError(CodeInvalid, "audience", "%s names itself with an id everyone shares, so it is public; its audience is always public", parley.Article(kind.Title))
	}
	if err := access.CanWriteAudience(p, a); err != nil {
		return a, &Error{Code: CodeForbidden, Field: "audience", Message: err.Error()}
	}
	return a, nil
}

// audienceInTx checks what an audience needs the store for: the kind's
// least audience, and the parties it names.
func (s *Service) audienceInTx(ctx context.Context, tx store.Tx, kind parley.Kind, a record.Audience) error {
	if least := kind.AudienceAtLeast; least != nil {
		vs, err := s.viewersOfParties(ctx, tx)
		if err != nil {
			return err
		}
		if !access.Covers(a, *least, vs) {
			return newError(CodeInvalid, "audience", "%s is read by %s at least; its audience %s leaves some of them out", parley.Article(kind.Title), access.Describe(*least), access.Describe(a))
		}
	}
	return s.audiencePartiesExist(ctx, tx, a)
}

// Append seals env and appends it as a record in tx: the one place a
// record with a leaf of its own is made (createBatched makes a batch's
// items).
func Append(ctx context.Context, tx store.Tx, env record.Envelope) (store.Record, error) {
	sealed, err := record.Seal(env)
	if err != nil {
		return store.Record{}, err
	}
	e, rec := sealed.Envelope, recordOf(sealed)
	if e.Sig != nil {
		st, err := record.StatementOf(e)
		if err != nil {
			return store.Record{}, err
		}
		rec.Chain, rec.Supersedes = st.Chain(), e.Sig.Supersedes
	}
	if err := tx.AppendRecord(ctx, &rec); err != nil {
		if errors.Is(err, store.ErrConflict) && rec.Chain != "" {
			return store.Record{}, newError(CodeConflict, "statement", "the decision it supersedes (%s) was superseded already: the statement was used already, or another decision came first", describeRecord(rec.Supersedes))
		}
		if errors.Is(err, store.ErrConflict) {
			return store.Record{}, newError(CodeConflict, "", "record %s exists already", e.ID)
		}
		return store.Record{}, fmt.Errorf("couldn't append record: %w", err)
	}
	return rec, nil
}

// Project applies one record to the projections. Writes and parley rebuild
// both call it, so a rebuilt projection is the one the writes made.
func (s *Service) Project(ctx context.Context, tx store.Tx, rec store.Record) (store.Entity, error) {
	if rec.Kind == record.BatchKind {
		// The kernel's own: its items are projected, it is not.
		return store.Entity{}, nil
	}
	var prev *store.Entity
	env, err := envelopeOf(rec)
	if err != nil {
		return store.Entity{}, err
	}
	if p, err := tx.Entity(ctx, access.System, env.Kind, env.Subject); err == nil {
		prev = &p
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Entity{}, err
	}
	e, err := s.nextEntity(prev, rec.Seq, env)
	if err != nil {
		return store.Entity{}, err
	}
	if err := tx.PutEntity(ctx, e); err != nil {
		return store.Entity{}, fmt.Errorf("couldn't project record %s: %w", rec.ID, err)
	}
	return e, nil
}

func envelopeOf(rec store.Record) (record.Envelope, error) {
	var env record.Envelope
	if err := json.Unmarshal(rec.Canonical, &env); err != nil {
		return env, fmt.Errorf("couldn't read record %s: %w", rec.ID, err)
	}
	return env, nil
}

// nextEntity is the projection rule: the entity a record makes of the
// entity before it (nil for the first record of a subject). What the index
// keeps of it comes from the kind's declarations.
func (s *Service) nextEntity(prev *store.Entity, seq int64, env record.Envelope) (store.Entity, error) {
	kind, ok := s.reg.Kind(env.Kind)
	if !ok {
		return store.Entity{}, fmt.Errorf("record %s has unknown kind %q", env.ID, env.Kind)
	}
	ix, err := kind.IndexOf(env.Body)
	if err != nil {
		return store.Entity{}, fmt.Errorf("couldn't index record %s: %w", env.ID, err)
	}
	return entityOf(kind, ix, prev, seq, env), nil
}

// entityOf is nextEntity once the record's body is indexed (ix).
func entityOf(kind parley.Kind, ix parley.Index, prev *store.Entity, seq int64, env record.Envelope) store.Entity {
	if store.CheckAt(ix.At) != nil {
		// A time no store can index (year 0) stays out of the index; the
		// body keeps it as written.
		ix.At = time.Time{}
	}
	e := store.Entity{
		Kind: env.Kind, ID: env.Subject, Parent: ix.Parent, Audience: env.Audience,
		RecordID: env.ID, Version: 1, CreatedSeq: seq, Created: env.At, Updated: env.At, Body: env.Body,
		Party: ix.Party, Status: ix.Status, At: ix.At, Fields: ix.Fields,
	}
	keep := func(name, value string) {
		if value == "" {
			return
		}
		e.Fields = maps.Clone(e.Fields)
		if e.Fields == nil {
			e.Fields = map[string][]string{}
		}
		e.Fields[name] = []string{value}
	}
	if env.Sig != nil {
		// Which decision a signed one supersedes orders its chain: pages
		// show the latest by the chain, not by arrival.
		keep(parley.SupersedesField, env.Sig.Supersedes)
		if env.Sig.On != nil {
			keep(parley.OnField, env.Sig.On.Record)
		}
	} else if kind.BindsParent && len(env.Refs) == 1 {
		keep(parley.OnField, env.Refs[0])
	}
	if prev != nil {
		e.Version = prev.Version + 1
		e.CreatedSeq = prev.CreatedSeq
		e.Created = prev.Created
	}
	return e
}

// Authorized says whether p may write an entity of kind for the party owner
// ("" for a kind without an owner): the roles the kind allows, then the
// party rule (MayWrite). It is the whole of the authority matrix that
// docs/trust.md sets out.
func (s *Service) Authorized(p access.Principal, kindName, owner string) error {
	kind, ok := s.reg.Kind(kindName)
	if !ok {
		return newError(CodeNotFound, "", "no kind %q", kindName)
	}
	if err := mayWriteKind(p, kind); err != nil {
		return err
	}
	return s.MayWrite(p, kind, owner)
}

func mayWriteKind(p access.Principal, kind parley.Kind) error {
	// The mediator role counts only for a principal of the mediating
	// party, whatever a principal was given (or its party has become).
	if p.PartyRole != access.ProcessMediator {
		p.Roles = slices.DeleteFunc(slices.Clone(p.Roles), func(r access.Role) bool { return r == access.RoleMediator })
	}
	if !p.HasAny(kind.WriteRoles...) {
		return newError(CodeForbidden, "", "your roles %v may not write %s records (needs one of %v)", p.Roles, kind.Title, kind.WriteRoles)
	}
	return nil
}

// MayWrite is the authority rule, in one place, for every kind of every
// domain: who may write an entity of kind whose owner party (the kind's
// OwnerField) is owner. Roles say what a principal may write at all
// (Kind.WriteRoles, checked before); this says for which party:
//
//   - a signed kind (a capital's decision) only for the signer's own party,
//     whatever the signer's roles;
//   - the parties themselves only by a principal of the mediating party;
//   - any other owned kind for the writer's own party, or for any party by
//     a mediator of the mediating party if the mediator role writes that
//     kind (a consent is only ever its party's own). An administrator manages
//     principals and the parties, never another party's people or
//     decisions.
func (s *Service) MayWrite(p access.Principal, kind parley.Kind, owner string) error {
	mediating := p.PartyRole == access.ProcessMediator
	switch {
	case kind.Name == s.reg.PartyKind().Name:
		if !mediating {
			return newError(CodeForbidden, "", "only the mediating party's principals write the parties of the process; you act for %q", p.Party)
		}
		return nil
	case kind.OwnerField == "" || owner == p.Party:
		return nil
	case kind.Signed:
		return newError(CodeForbidden, kind.OwnerField, "%s records are signed for the signer's own party %q, not for %q", kind.Title, p.Party, owner)
	case mediating && p.Has(access.RoleMediator) && slices.Contains(kind.WriteRoles, access.RoleMediator):
		// The mediator writes for any party only what the mediator role
		// writes at all: a mediator who is also a negotiator does not
		// give another party's consent.
		return nil
	}
	return newError(CodeForbidden, "", "a principal of party %q may write only its own party's %s records, not those of %q", p.Party, kind.Title, owner)
}

// resolve loads every entity ent refers to, as the writer sees them: a
// reference to something the writer may not see is as missing as one to
// nothing at all. Every reference must also be visible to every reader of
// the new record (aud), or the record would show its readers the id of
// something hidden from them.
func (s *Service) resolve(ctx context.Context, r store.Reader, v access.Viewer, aud record.Audience, ent parley.Entity) (parley.Resolved, error) {
	var partyViewers []access.Viewer // loaded on first need
	resolved := parley.Resolved{}
	for _, ref := range ent.References() {
		if ref.ID == "" {
			continue
		}
		key := parley.Key(ref.Kind, ref.ID)
		if _, done := resolved[key]; done {
			continue
		}
		kind, _ := s.reg.Kind(ref.Kind)
		e, err := r.Entity(ctx, v, ref.Kind, ref.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, newError(CodeInvalid, ref.Field, "refers to %s %q, which does not exist", kind.Title, ref.ID)
		} else if err != nil {
			return nil, err
		}
		if e.Audience.Scope != record.Public && !ref.Origin {
			if partyViewers == nil {
				if partyViewers, err = s.viewersOfParties(ctx, r); err != nil {
					return nil, err
				}
			}
			if !access.Covers(e.Audience, aud, partyViewers) {
				return nil, newError(CodeInvalid, ref.Field, "refers to %s %q, which is visible to %s only, but this record's audience is %s; narrow the record's audience or widen the %s's",
					kind.Title, ref.ID, access.Describe(e.Audience), access.Describe(aud), kind.Title)
			}
		}
		target, err := s.Decode(e)
		if err != nil {
			return nil, err
		}
		resolved[key] = target
	}
	return resolved, nil
}

// referrersCovered refuses to narrow the audience of an entity that
// records read more widely refer to (a translation of it, by an indexed
// field holding its id): its readers would keep reading what refers to it
// after it was withdrawn from them, where a write of such a record is
// refused (resolve). Those are to be narrowed or superseded first. The
// refusal names the referrer's kind and audience, never its id: that a
// record refers to the writer's own is all it tells.
func (s *Service) referrersCovered(ctx context.Context, r store.Reader, kind parley.Kind, id string, aud record.Audience) error {
	if aud.Scope == record.Public {
		return nil
	}
	var partyViewers []access.Viewer
	for _, k := range s.reg.Kinds() {
		for _, f := range k.IndexFields {
			es, _, err := r.Entities(ctx, access.System, store.Query{Kind: k.Name, Fields: map[string]string{f: id}, Limit: MaxPage})
			if err != nil {
				return err
			}
			for _, e := range es {
				if partyViewers == nil {
					if partyViewers, err = s.viewersOfParties(ctx, r); err != nil {
						return err
					}
				}
				if !access.Covers(aud, e.Audience, partyViewers) {
					return newError(CodeConflict, "audience", "%s is referred to by a %s read more widely (%s) than the audience given (%s); narrow or withdraw what refers to it first",
						parley.Article(kind.Title), k.Title, access.Describe(e.Audience), access.Describe(aud))
				}
			}
		}
	}
	return nil
}

// audiencePartiesExist refuses an audience that names a party the process
// does not have: no one would read such a record, or not the one meant.
// Parties are public, so this reveals nothing.
func (s *Service) audiencePartiesExist(ctx context.Context, r store.Reader, a record.Audience) error {
	type named struct{ field, id string }
	var ns []named
	if a.Party != "" {
		ns = append(ns, named{"audience.party", a.Party})
	}
	for i, id := range a.Parties {
		ns = append(ns, named{fmt.Sprintf("audience.parties[%d]", i), id})
	}
	for _, n := range ns {
		field, id := n.field, n.id
		if _, err := r.Entity(ctx, access.System, s.reg.PartyKind().Name, id); errors.Is(err, store.ErrNotFound) {
			return newError(CodeInvalid, field, "names party %q, which the process does not have", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// viewersOfParties returns one viewer for each party of the process: the
// whole range of readers whose visibility can differ.
func (s *Service) viewersOfParties(ctx context.Context, r store.Reader) ([]access.Viewer, error) {
	var vs []access.Viewer
	err := s.each(ctx, r, access.System, store.Query{Kind: s.reg.PartyKind().Name}, func(e store.Entity) error {
		ent, err := s.Decode(e)
		if err != nil {
			return err
		}
		p := ent.(parley.PartyEntity)
		vs = append(vs, access.ViewerOf(access.Principal{Party: p.PartyID(), PartyRole: p.ProcessRole()}))
		return nil
	})
	return vs, err
}

// each calls fn for every entity of q that v may see, a page at a time.
func (s *Service) each(ctx context.Context, r store.Reader, v access.Viewer, q store.Query, fn func(store.Entity) error) error {
	q.Limit = MaxPage
	for {
		es, more, err := r.Entities(ctx, v, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if !more || len(es) == 0 {
			return nil
		}
		q.After, q.AfterAt = es[len(es)-1].CreatedSeq, es[len(es)-1].At
	}
}

// Decode returns the domain value an entity's body holds.
func (s *Service) Decode(e store.Entity) (parley.Entity, error) {
	ent, err := s.reg.Decode(e.Kind, e.Body)
	if err != nil {
		return nil, fmt.Errorf("entity %s: %w", e.ID, err)
	}
	return ent, nil
}

// keepInvariants runs the domain's rules for a write of kind, each with the
// facts it asked for, read as the writer sees them so that a refusal
// reveals nothing the writer could not see anyway.
func (s *Service) keepInvariants(ctx context.Context, tx store.Tx, v access.Viewer, kind parley.Kind, ent parley.Entity, subject string, unwritten *unwrittenItems) error {
	for _, inv := range s.reg.Invariants(kind.Name) {
		needs := inv.Needs(ent, subject)
		facts, err := s.loadFacts(ctx, tx, v, inv, needs, unwritten)
		if err != nil {
			return err
		}
		for inv.More != nil {
			needs := inv.More(ent, subject, facts)
			if len(needs) == 0 {
				break
			}
			more, err := s.loadFacts(ctx, tx, v, inv, needs, unwritten)
			if err != nil {
				return err
			}
			facts = append(facts, more...)
		}
		if err := inv.Check(ent, subject, facts); err != nil {
			return domainError(err)
		}
	}
	return nil
}

// loadFacts loads what needs ask for, as the writer sees it.
//
// unwritten are entities of the write under way that the store does not
// hold yet (the items of a batch before it, written together at its end):
// they are facts as the store's are, with no CreatedSeq yet.
func (s *Service) loadFacts(ctx context.Context, tx store.Tx, v access.Viewer, inv parley.Invariant, needs []parley.Need, unwritten *unwrittenItems) ([][]parley.Fact, error) {
	facts := make([][]parley.Fact, len(needs))
	for i, need := range needs {
		nk, ok := s.reg.Kind(need.Kind)
		if !ok {
			return nil, fmt.Errorf("invariant %q needs kind %q, which is not registered", inv.Name, need.Kind)
		}
		if (!need.From.IsZero() || !need.Until.IsZero()) && nk.TimeField == "" {
			return nil, fmt.Errorf("invariant %q needs %s in a time range, but the kind has no TimeField", inv.Name, need.Kind)
		}
		fact := func(e store.Entity) error {
			if len(need.Fields) > 0 {
				match, err := fieldsMatch(nk, e.Body, need.Fields)
				if err != nil || !match {
					return err
				}
			}
			ent, err := s.Decode(e)
			if err != nil {
				return err
			}
			facts[i] = append(facts[i], parley.Fact{ID: e.ID, RecordID: e.RecordID, On: e.Field(parley.OnField), Seq: e.CreatedSeq, Created: e.Created, Changed: e.Updated, Entity: ent, Body: e.Body})
			return nil
		}
		var err error
		if need.ID != "" {
			var e store.Entity
			if e, err = tx.Entity(ctx, v, need.Kind, need.ID); err == nil {
				err = fact(e)
			} else if errors.Is(err, store.ErrNotFound) {
				err = nil
			}
		} else if !unwritten.notStored(nk, need) {
			err = s.each(ctx, tx, v, indexQuery(nk, need), fact)
		}
		for _, e := range unwritten.candidates(nk, need) {
			if err != nil {
				break
			}
			if e.Kind != need.Kind || (need.ID != "" && e.ID != need.ID) || (need.Parent != "" && e.Parent != need.Parent) ||
				(!need.From.IsZero() && (e.At.IsZero() || e.At.Before(need.From))) ||
				(!need.Until.IsZero() && (e.At.IsZero() || !e.At.Before(need.Until))) {
				continue
			}
			err = fact(e)
		}
		if err != nil {
			return nil, err
		}
	}
	return facts, nil
}

// indexQuery turns a need into the narrowest query the index serves: the
// fields the kind declares as its parent, owner, status or index fields
// become the query's filters. keepInvariants checks every field in memory
// as well, so a field the index does not serve is still honoured.
func indexQuery(k parley.Kind, need parley.Need) store.Query {
	q := store.Query{Kind: need.Kind, Parent: need.Parent}
	if !need.From.IsZero() || !need.Until.IsZero() {
		q.From, q.To, q.Order = need.From, need.Until, store.OrderAt
	}
	for name, v := range need.Fields {
		switch {
		case v == "":
			// The index leaves empty values out: only the body can say.
		case name == k.ParentField && q.Parent == "":
			q.Parent = v
		case name == k.OwnerField:
			q.Party = v
		case name == k.StatusField:
			q.Status = v
		case slices.Contains(k.IndexFields, name):
			if q.Fields == nil {
				q.Fields = map[string]string{}
			}
			q.Fields[name] = v
		case slices.Contains(k.FilterFields, name):
			if q.Match == nil {
				q.Match = map[string]string{}
			}
			q.Match[name] = v
		}
	}
	return q
}

// fieldsMatch reports whether body has every value of want: as its value,
// or among its values for a list.
func fieldsMatch(k parley.Kind, body json.RawMessage, want map[string]string) (bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return false, fmt.Errorf("couldn't read %s: %w", parley.Article(k.Title), err)
	}
	for name, v := range want {
		var got []string
		if raw, ok := m[name]; ok {
			if f, _ := k.Field(name); f.Type == parley.List {
				if err := json.Unmarshal(raw, &got); err != nil {
					return false, nil
				}
			} else {
				var one string
				if err := json.Unmarshal(raw, &one); err != nil {
					return false, nil
				}
				got = []string{one}
			}
		}
		if !slices.Contains(got, v) && !(v == "" && len(got) == 0) {
			return false, nil
		}
	}
	return true, nil
}

func domainError(err error) error {
	var fe *parley.FieldError
	if errors.As(err, &fe) {
		return &Error{Code: CodeInvalid, Field: fe.Field, Message: fe.Message, Format: fe.Format, Args: fe.Args, Err: err}
	}
	var ce *parley.ConflictError
	if errors.As(err, &ce) {
		return &Error{Code: CodeConflict, Field: ce.Field, Message: ce.Message, Format: ce.Format, Args: ce.Args, Err: err}
	}
	return &Error{Code: CodeInvalid, Message: err.Error(), Err: err}
}

// viewerOf is the only place a request's caller becomes a viewer: a nil
// caller is anonymous, and no caller can read as access.System.
func viewerOf(caller *access.Principal) access.Viewer {
	if caller == nil {
		return access.Anonymous
	}
	return access.ViewerOf(*caller)
}

// Get returns one entity as the caller sees it (nil: anonymous). An entity
// the caller may not see is reported exactly as one that does not exist.
func (s *Service) Get(ctx context.Context, caller *access.Principal, kindName, id string) (store.Entity, error) {
	e, err := s.store.Entity(ctx, viewerOf(caller), kindName, id)
	if errors.Is(err, store.ErrNotFound) {
		kind, _ := s.reg.Kind(kindName)
		return store.Entity{}, &Error{Code: CodeNotFound, Message: fmt.Sprintf("no %s %q", kind.Title, id), Err: err}
	}
	return e, err
}

// MaxPage is the most entities one list call returns.
const MaxPage = 500

// List returns one page of entities as the caller sees them.
func (s *Service) List(ctx context.Context, caller *access.Principal, q store.Query) ([]store.Entity, bool, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > MaxPage {
		q.Limit = MaxPage
	}
	return s.store.Entities(ctx, viewerOf(caller), q)
}

// All returns every entity of a kind that the caller sees, for pages that
// show a whole collection (the agenda, the timeline).
func (s *Service) All(ctx context.Context, caller *access.Principal, kindName, parent string) ([]store.Entity, error) {
	return s.AllOf(ctx, caller, store.Query{Kind: kindName, Parent: parent})
}

// AllOf returns every entity q's filters keep that the caller sees, a
// page at a time (q's limit and cursor are the pages').
func (s *Service) AllOf(ctx context.Context, caller *access.Principal, q store.Query) ([]store.Entity, error) {
	v := viewerOf(caller)
	var all []store.Entity
	q.Limit, q.After, q.AfterAt = MaxPage, 0, time.Time{}
	for {
		es, more, err := s.store.Entities(ctx, v, q)
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
		if !more || len(es) == 0 {
			return all, nil
		}
		q.After, q.AfterAt = es[len(es)-1].CreatedSeq, es[len(es)-1].At
	}
}

// Rebuild replays every record into fresh projections: the kernel's
// generic entity index in one transaction, then each domain's own
// projections in one transaction per domain (emptied, replayed, and its
// followers' positions set to the last record), so that one domain's
// tables are never seen half rebuilt.
func (s *Service) Rebuild(ctx context.Context) error {
	err := s.store.Rebuild(ctx, func(tx store.Tx, r store.Record) error {
		_, err := s.Project(ctx, tx, r)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.recordIndex(ctx, s.indexDeclarations()); err != nil {
		return err
	}
	for _, d := range s.reg.Domains() {
		if ps := s.reg.ProjectionsOf(d.Name()); len(ps) > 0 {
			if err := s.rebuildProjections(ctx, ps); err != nil {
				return fmt.Errorf("couldn't rebuild the projections of domain %q: %w", d.Name(), err)
			}
		}
	}
	return nil
}

// Bootstrap commits the first party of a fresh installation, usually the
// mediator, so that its administrator can be added and do the rest. It is
// refused once any party exists.
func (s *Service) Bootstrap(ctx context.Context, party parley.PartyEntity) error {
	kind := s.reg.PartyKind()
	party.Normalize()
	if err := party.Validate(nil); err != nil {
		return domainError(err)
	}
	body, err := json.Marshal(party)
	if err != nil {
		return err
	}
	_, _, err = s.commit(ctx, func(tx store.Tx) (store.Record, store.Entity, error) {
		existing, _, err := tx.Entities(ctx, access.System, store.Query{Kind: kind.Name, Limit: 1})
		if err != nil {
			return store.Record{}, store.Entity{}, err
		}
		if len(existing) > 0 {
			return store.Record{}, store.Entity{}, newError(CodeConflict, "", "this installation has parties already; add more as its administrator")
		}
		return s.appendAndProject(ctx, tx, record.Envelope{
			V: record.Version, ID: record.NewID(), Kind: kind.Name, Subject: party.PartyID(), At: s.now(),
			Author:   record.Author{Principal: "bootstrap", Party: party.PartyID()},
			Audience: record.Audience{Scope: record.Public}, Body: body,
		})
	})
	return err
}
