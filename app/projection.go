package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/store"
)

// The domains' own projections (parley.Projection): tables a domain keeps
// beside the kernel's generic entity index. The kernel creates and
// upgrades them (MigrateProjections), refuses to serve them out of date
// (CheckProjections), applies every committed record of their kinds in the
// record's own transaction, right after the generic index (applyProjections),
// or, for a follower, after commit by a worker of the service (StartFollowers),
// and rebuilds (Rebuild) and audits (Audit) them from the records alone.

// projectionStore is what the kernel needs of a store, beside store.Store,
// to run the domains' projections. Both stores implement it; storetest
// checks them.
type projectionStore interface {
	// Dialect names the store's SQL among a projection's migrations.
	Dialect() string
	// ProjectionVersions returns each projection's schema version (the
	// number of its migration scripts run), by name; none is version 0.
	ProjectionVersions(ctx context.Context) (map[string]int, error)
	// MigrateProjection runs the scripts not run yet, each in a
	// transaction of its own with its version, and returns the version
	// it found; a version above len(scripts) is store.ErrSchema.
	MigrateProjection(ctx context.Context, name string, scripts []string) (from int, err error)
	// FollowerPositions returns each follower's position, the seq of the
	// last record it applied, by name; none is 0.
	FollowerPositions(ctx context.Context) (map[string]int64, error)
	// LastSeq returns the seq of the last record, 0 for none.
	LastSeq(ctx context.Context) (int64, error)
	// ReadProjection runs a query on projections' tables, outside any
	// write, and calls row for each of its rows with what scans it.
	ReadProjection(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error
}

// projectionTx is what the kernel needs of a store's write transaction to
// run projections in it.
type projectionTx interface {
	parley.ProjectionTx
	// SetFollowerPosition moves follower name from position from to to;
	// store.ErrConflict if it is elsewhere.
	SetFollowerPosition(ctx context.Context, name string, from, to int64) error
	// ResetProjection empties the tables of projection name and its
	// position; it refuses a table that is not the projection's.
	ResetProjection(ctx context.Context, name string, tables []string) error
	// RowDigests returns a digest of every row of a table of projection
	// name, sorted: equal lists are equal contents.
	RowDigests(ctx context.Context, name, table string) ([]string, error)
}

// errNoProjections: the store cannot run projections and a domain has some.
var errNoProjections = errors.New("this store does not run the domains' own projections")

// projectionStore returns the service's store as a projectionStore.
func (s *Service) projectionStore() (projectionStore, error) {
	ps, ok := s.store.(projectionStore)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", errNoProjections, s.store)
	}
	return ps, nil
}

// ReadProjection runs query, a SELECT on a domain's own projection tables
// with parameters $1, $2..., and calls row for each of its rows with what
// scans it. It reads as no one in particular, for whoever asks: a
// projection that pages read keeps only what every reader may see (the
// reconstruction's totals keep public records only).
func (s *Service) ReadProjection(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	ps, err := s.projectionStore()
	if err != nil {
		return err
	}
	return ps.ReadProjection(ctx, query, args, row)
}

// projectionTxOf returns tx as a projectionTx.
func projectionTxOf(tx store.Tx) (projectionTx, error) {
	ptx, ok := tx.(projectionTx)
	if !ok {
		return nil, fmt.Errorf("%w (its transaction is a %T)", errNoProjections, tx)
	}
	return ptx, nil
}

// domainTx is what a projection's Apply is handed: its statements, and
// nothing else of the transaction (no records, no positions, no resets).
type domainTx struct{ tx projectionTx }

func (d domainTx) Dialect() string { return d.tx.Dialect() }

func (d domainTx) Exec(ctx context.Context, query string, args ...any) error {
	return d.tx.Exec(ctx, query, args...)
}

func (d domainTx) QueryRow(ctx context.Context, query string, args []any, dest ...any) (bool, error) {
	return d.tx.QueryRow(ctx, query, args, dest...)
}

// projections is what the service runs of the domains' projections.
type projections struct {
	// inTx are the projections applied in each record's transaction, by
	// the kinds they apply.
	inTx map[string][]parley.Projection
	// followers are applied after commit, by the follower worker.
	followers []parley.Projection

	// nudge wakes the follower worker: a batch committed.
	nudge chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
	// passed is closed, and replaced, at the end of each pass of the
	// worker over every follower, so that WaitFollowers can wait for one.
	passed chan struct{}
	// errs holds each follower's error of the last pass.
	errs map[string]error
}

// init sorts reg's projections into those applied in the records'
// transactions and the followers.
func (p *projections) init(reg *parley.Registry) {
	p.inTx, p.nudge, p.passed, p.errs = map[string][]parley.Projection{}, make(chan struct{}, 1), make(chan struct{}), map[string]error{}
	if reg == nil {
		return
	}
	for _, pr := range reg.Projections() {
		if pr.Follow {
			p.followers = append(p.followers, pr)
			continue
		}
		for _, k := range pr.Kinds {
			p.inTx[k] = append(p.inTx[k], pr)
		}
	}
}

// scripts returns projection p's migrations for the store's dialect.
func scripts(ps projectionStore, p parley.Projection) ([]string, error) {
	sc, ok := p.Migrations[ps.Dialect()]
	if !ok {
		return nil, fmt.Errorf("projection %q has no migrations for %s; this store cannot run it", p.Name, ps.Dialect())
	}
	return sc, nil
}

// MigrateProjections creates or upgrades every domain's projection tables
// to the versions this build knows, running each projection's missing
// migration scripts in order, each in a transaction of its own. It refuses
// (store.ErrSchema) a projection the database has at a newer version. A
// projection migrated is empty or stale: rebuild afterwards (parley
// migrate does).
func (s *Service) MigrateProjections(ctx context.Context) error {
	all := s.reg.Projections()
	if len(all) == 0 {
		return nil
	}
	ps, err := s.projectionStore()
	if err != nil {
		return err
	}
	for _, p := range all {
		sc, err := scripts(ps, p)
		if err != nil {
			return err
		}
		from, err := ps.MigrateProjection(ctx, p.Name, sc)
		if err != nil {
			return err
		}
		if from < len(sc) {
			s.logger.Info("migrated a projection", slog.String("projection", p.Name),
				slog.Int("from_version", from), slog.Int("to_version", len(sc)))
		}
	}
	return nil
}

// CheckProjections refuses, with an error wrapping store.ErrSchema, a
// database whose projections are not at exactly the versions this build
// knows: serve must not run a domain on tables it does not know.
func (s *Service) CheckProjections(ctx context.Context) error {
	all := s.reg.Projections()
	if len(all) == 0 {
		return nil
	}
	ps, err := s.projectionStore()
	if err != nil {
		return err
	}
	versions, err := ps.ProjectionVersions(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range all {
		sc, err := scripts(ps, p)
		if err != nil {
			return err
		}
		switch got, want := versions[p.Name], len(sc); {
		case got > want:
			errs = append(errs, fmt.Errorf("%w: projection %q is at schema version %d but this build of parley knows versions up to %d: this build of parley is older than the database; run a newer parley",
				store.ErrSchema, p.Name, got, want))
		case got < want:
			errs = append(errs, fmt.Errorf("%w: projection %q is at schema version %d, this build of parley needs version %d; run `parley migrate` to upgrade it",
				store.ErrSchema, p.Name, got, want))
		}
	}
	return errors.Join(errs...)
}

// projectionRecord is the record as a projection sees it, read from its
// canonical bytes, so that a write and a replay hand Apply the same.
func (s *Service) projectionRecord(rec store.Record) (parley.Record, error) {
	env, err := envelopeOf(rec)
	if err != nil {
		return parley.Record{}, err
	}
	ent, err := s.reg.Decode(env.Kind, env.Body)
	if err != nil {
		return parley.Record{}, fmt.Errorf("record %s: %w", rec.ID, err)
	}
	return parley.Record{ID: env.ID, Seq: rec.Seq, Kind: env.Kind, Subject: env.Subject, At: env.At,
		Author: env.Author, Audience: env.Audience, Refs: env.Refs, Entity: ent}, nil
}

// apply runs projection p's Apply for one record.
func apply(ctx context.Context, ptx projectionTx, p parley.Projection, r parley.Record) error {
	if err := p.Apply(ctx, domainTx{ptx}, r); err != nil {
		return fmt.Errorf("projection %q couldn't apply record %s (seq %d, %s): %w", p.Name, r.ID, r.Seq, r.Kind, err)
	}
	return nil
}

// applyProjections applies a record just written to the projections of
// its kind that do not follow, in its transaction: a projection that fails
// fails the write.
func (s *Service) applyProjections(ctx context.Context, tx store.Tx, rec store.Record) error {
	ps := s.proj.inTx[rec.Kind]
	if len(ps) == 0 {
		return nil
	}
	ptx, err := projectionTxOf(tx)
	if err != nil {
		return err
	}
	r, err := s.projectionRecord(rec)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := apply(ctx, ptx, p, r); err != nil {
			return err
		}
	}
	return nil
}

// replayBatch is how many records a replay or a follower reads at a time.
const replayBatch = 500

// replay applies every record after seq after, in seq order, to the
// projections ps (each to the records of its kinds) in ptx, and returns
// the seq of the last record it read (after, if none). It reads the
// records outside the transaction, which holds the store's write lock, so
// that no record can commit meanwhile: the last seq is the last there is.
func (s *Service) replay(ctx context.Context, ptx projectionTx, ps []parley.Projection, after int64) (int64, error) {
	for {
		rs, err := s.store.Records(ctx, after, replayBatch)
		if err != nil {
			return after, err
		}
		for _, rec := range rs {
			after = rec.Seq
			var r *parley.Record
			for _, p := range ps {
				if !slices.Contains(p.Kinds, rec.Kind) {
					continue
				}
				if r == nil {
					pr, err := s.projectionRecord(rec)
					if err != nil {
						return after, err
					}
					r = &pr
				}
				if err := apply(ctx, ptx, p, *r); err != nil {
					return after, err
				}
			}
		}
		if len(rs) < replayBatch {
			return after, nil
		}
	}
}

// rebuildProjections empties one domain's projections and replays every
// record into them, in one transaction; its followers end caught up.
func (s *Service) rebuildProjections(ctx context.Context, ps []parley.Projection) error {
	return s.store.Write(ctx, func(tx store.Tx) error {
		ptx, err := projectionTxOf(tx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := ptx.ResetProjection(ctx, p.Name, p.Tables); err != nil {
				return err
			}
		}
		last, err := s.replay(ctx, ptx, ps, 0)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.Follow {
				if err := ptx.SetFollowerPosition(ctx, p.Name, 0, last); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// FollowerStatus is how far one follower is.
type FollowerStatus struct {
	Name string `json:"name"`
	// Position is the seq of the last record it has applied.
	Position int64 `json:"position"`
	// Behind is how many records it has still to read: the store's last
	// seq minus Position. Seqs a rolled-back write took are counted too,
	// so it is at most that many; 0 is caught up.
	Behind int64 `json:"behind"`
	// Running says whether this service runs it (StartFollowers).
	Running bool `json:"running"`
	// Error is the error of its last attempt, if it failed: it tries
	// again after the next commit, or after a pause.
	Error string `json:"error,omitempty"`
}

// Followers reports each follower's position and how far behind the
// records it is.
func (s *Service) Followers(ctx context.Context) ([]FollowerStatus, error) {
	if len(s.proj.followers) == 0 {
		return nil, nil
	}
	ps, err := s.projectionStore()
	if err != nil {
		return nil, err
	}
	// The positions first: a record committed between the two reads
	// makes a follower look further behind, never caught up when it is
	// not.
	pos, err := ps.FollowerPositions(ctx)
	if err != nil {
		return nil, err
	}
	last, err := ps.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	s.proj.mu.Lock()
	defer s.proj.mu.Unlock()
	out := make([]FollowerStatus, len(s.proj.followers))
	for i, f := range s.proj.followers {
		out[i] = FollowerStatus{Name: f.Name, Position: pos[f.Name], Behind: max(last-pos[f.Name], 0),
			Running: s.proj.started && !s.proj.closed}
		if err := s.proj.errs[f.Name]; err != nil {
			out[i].Error = err.Error()
		}
		if pos[f.Name] > last {
			// No follower gets ahead of the records it follows: its
			// position was moved behind parley's back, and it would
			// apply nothing until the records caught up.
			out[i].Error = fmt.Sprintf("its position %d is beyond the last record %d: moved behind parley's back; parley rebuild replays it", pos[f.Name], last)
		}
	}
	return out, nil
}

// StartFollowers starts the worker that applies the followers: at once,
// then after every batch the service commits, each follower reads the
// records after its position, in seq order and in batches, and applies
// those of its kinds in a transaction that also stores its new position.
// Close stops it. serve starts it; commands that only manage the
// installation (audit, rebuild, migrate) do not, and catch followers up
// themselves where they need to. A second call does nothing.
func (s *Service) StartFollowers() {
	p := &s.proj
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed || len(p.followers) == 0 {
		return
	}
	p.started = true
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go s.runFollowers(ctx, p.done)
}

// stopFollowers stops the worker, after the transaction under way rolls
// back (its context is cancelled): the positions stored are those of what
// was applied. Later StartFollowers calls do nothing.
func (s *Service) stopFollowers() {
	p := &s.proj
	p.mu.Lock()
	p.closed = true
	started, cancel, done := p.started, p.cancel, p.done
	p.mu.Unlock()
	if started {
		cancel()
		<-done
	}
}

// nudgeFollowers wakes the follower worker, if it sleeps.
func (s *Service) nudgeFollowers() {
	select {
	case s.proj.nudge <- struct{}{}:
	default: // a pass is asked for already
	}
}

// Pauses between attempts of a follower that failed: doubling from the
// first to the last, and reset by success.
const (
	followRetryFirst = 500 * time.Millisecond
	followRetryMax   = time.Minute
)

func (s *Service) runFollowers(ctx context.Context, done chan struct{}) {
	defer close(done)
	var pause time.Duration
	for {
		failed := false
		for _, f := range s.proj.followers {
			err := s.catchUpSafely(ctx, f)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				failed = true
				s.logger.Error("a follower couldn't apply the records; it tries again", slog.String("follower", f.Name), slog.Any("err", err))
			}
			s.proj.mu.Lock()
			s.proj.errs[f.Name] = err
			s.proj.mu.Unlock()
		}
		s.proj.mu.Lock()
		close(s.proj.passed)
		s.proj.passed = make(chan struct{})
		s.proj.mu.Unlock()

		var retry <-chan time.Time
		var timer *time.Timer
		if failed {
			pause = min(max(2*pause, followRetryFirst), followRetryMax)
			timer = time.NewTimer(pause)
			retry = timer.C
		} else {
			pause = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-s.proj.nudge:
		case <-retry:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// catchUpSafely is catchUp with a panic in the domain's code turned into
// the follower's error: it stops that follower, not the server.
func (s *Service) catchUpSafely(ctx context.Context, f parley.Projection) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("follower %s panicked: %v", f.Name, p)
			s.logger.Error("a follower panicked", slog.String("follower", f.Name), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		}
	}()
	return s.catchUp(ctx, f)
}

// catchUp applies to follower f every record after its position, a batch
// per transaction, each storing the position it reached.
func (s *Service) catchUp(ctx context.Context, f parley.Projection) error {
	ps, err := s.projectionStore()
	if err != nil {
		return err
	}
	from := int64(-1)
	for {
		if from < 0 {
			pos, err := ps.FollowerPositions(ctx)
			if err != nil {
				return err
			}
			from = pos[f.Name]
		}
		rs, err := s.store.Records(ctx, from, replayBatch)
		if err != nil || len(rs) == 0 {
			return err
		}
		moved := false
		to := rs[len(rs)-1].Seq
		err = s.store.Write(ctx, func(tx store.Tx) error {
			ptx, err := projectionTxOf(tx)
			if err != nil {
				return err
			}
			for _, rec := range rs {
				if !slices.Contains(f.Kinds, rec.Kind) {
					continue
				}
				r, err := s.projectionRecord(rec)
				if err != nil {
					return err
				}
				if err := apply(ctx, ptx, f, r); err != nil {
					return err
				}
			}
			err = ptx.SetFollowerPosition(ctx, f.Name, from, to)
			moved = errors.Is(err, store.ErrConflict)
			return err
		})
		switch {
		case moved:
			// Another process (parley rebuild) moved it: read where
			// it is now, and go on from there.
			from = -1
		case err != nil:
			return err
		default:
			from = to
		}
	}
}

// WaitFollowers waits until every follower has applied every record
// committed when it was called, and returns nil; or returns the error of
// a follower's last attempt, if that failed before it got there, or ctx's.
// It is for tests and tools: the service's worker must be running
// (StartFollowers).
func (s *Service) WaitFollowers(ctx context.Context) error {
	if len(s.proj.followers) == 0 {
		return nil
	}
	ps, err := s.projectionStore()
	if err != nil {
		return err
	}
	target, err := ps.LastSeq(ctx)
	if err != nil {
		return err
	}
	for waited := false; ; waited = true {
		p := &s.proj
		p.mu.Lock()
		running, passed := p.started && !p.closed, p.passed
		var failed error
		if waited {
			for _, f := range p.followers {
				if err := p.errs[f.Name]; err != nil {
					failed = fmt.Errorf("follower %q: %w", f.Name, err)
					break
				}
			}
		}
		p.mu.Unlock()
		if !running {
			return errors.New("the followers are not running (StartFollowers), or no longer (Close)")
		}
		pos, err := ps.FollowerPositions(ctx)
		if err != nil {
			return err
		}
		behind := false
		for _, f := range p.followers {
			behind = behind || pos[f.Name] < target
		}
		switch {
		case !behind:
			return nil
		case failed != nil:
			return failed
		}
		s.nudgeFollowers()
		select {
		case <-passed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// errAuditRollback ends the transaction an audit replays in: nothing of it
// may commit.
var errAuditRollback = errors.New("the audit's replay is rolled back")

// AuditProjections checks every domain's projections against a replay of
// the records, a domain at a time, in a transaction that is rolled back: it
// reads a digest of every row of each table, empties the tables, replays
// the records into them, and reads the digests again. A table whose rows
// differ is a finding naming it. A follower is first caught up in the same
// transaction, as its worker would, so that what is compared is what it
// holds once caught up, not how far behind it is. It returns how many
// tables it compared.
func (s *Service) AuditProjections(ctx context.Context, find func(what, id, format string, args ...any)) (int, error) {
	tables := 0
	for _, d := range s.reg.Domains() {
		ps := s.reg.ProjectionsOf(d.Name())
		if len(ps) == 0 {
			continue
		}
		var replayErr error
		err := s.store.Write(ctx, func(tx store.Tx) error {
			ptx, err := projectionTxOf(tx)
			if err != nil {
				return err
			}
			pst, err := s.projectionStore()
			if err != nil {
				return err
			}
			// Under the write lock: no follower moves meanwhile.
			pos, err := pst.FollowerPositions(ctx)
			if err != nil {
				return err
			}
			for _, p := range ps {
				if p.Follow {
					if _, err := s.replay(ctx, ptx, []parley.Projection{p}, pos[p.Name]); err != nil {
						replayErr = fmt.Errorf("follower %q couldn't catch up: %w", p.Name, err)
						return errAuditRollback
					}
				}
			}
			before := map[string][]string{}
			for _, p := range ps {
				for _, t := range p.Tables {
					if before[t], err = ptx.RowDigests(ctx, p.Name, t); err != nil {
						return err
					}
				}
				if err := ptx.ResetProjection(ctx, p.Name, p.Tables); err != nil {
					return err
				}
			}
			if _, err := s.replay(ctx, ptx, ps, 0); err != nil {
				replayErr = err
				return errAuditRollback
			}
			for _, p := range ps {
				for _, t := range p.Tables {
					after, err := ptx.RowDigests(ctx, p.Name, t)
					if err != nil {
						return err
					}
					tables++
					extra, missing := multisetDiff(before[t], after)
					if extra > 0 || missing > 0 {
						find("projection", t, "table of projection %q: %d of its %d rows are not what a replay of the records makes, and %d rows the replay makes are missing (parley rebuild restores it)",
							p.Name, extra, len(before[t]), missing)
					}
				}
			}
			return errAuditRollback
		})
		if !errors.Is(err, errAuditRollback) {
			return tables, fmt.Errorf("couldn't audit the projections of domain %q: %w", d.Name(), err)
		}
		if replayErr != nil {
			find("projection", d.Name(), "the records cannot be replayed into the domain's projections: %v", replayErr)
		}
	}
	return tables, nil
}

// multisetDiff counts the elements of sorted a that sorted b lacks (extra)
// and those of b that a lacks (missing), each as often as they occur.
func multisetDiff(a, b []string) (extra, missing int) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			extra++
			i++
		default:
			missing++
			j++
		}
	}
	return extra + len(a) - i, missing + len(b) - j
}
