package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sync"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Log is the transparency log every committed record gets a leaf in
// (ledger.Log).
type Log interface {
	// AppendAll adds the leaves and returns their indexes once they are
	// durable in the log.
	AppendAll(ctx context.Context, leaves [][]byte) ([]uint64, error)
	// ReadLeaves calls fn for each integrated leaf with index in [from, to).
	ReadLeaves(ctx context.Context, from, to uint64, fn func(index uint64, leaf []byte) error) error
	IntegratedSize(ctx context.Context) (uint64, error)
	// Checkpoint returns the latest published (and cosigned) checkpoint.
	Checkpoint(ctx context.Context) ([]byte, error)
	// InclusionProof proves leaf index in the tree of the given published
	// size.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
}

// maxBatch bounds one group commit: enough to amortise a store fsync and a
// log batch over many writers, small enough to keep one batch's latency low.
const maxBatch = 1024

// work is one write waiting for the committer.
type work struct {
	ctx  context.Context
	fn   func(tx store.Tx) (store.Record, store.Entity, error)
	done chan result
	// logged: the writer is answered once the record's leaf is durable in
	// the log, before its position is stored (commitLogged).
	logged bool
	// answered is set by the log stage when it answered a logged write.
	answered bool
}

type result struct {
	rec store.Record
	ent store.Entity
	err error
}

// committer runs every write of a service, one batch at a time: the batch's
// records and projections commit in one store transaction, their leaves go
// to the log together, and their leaf indexes are stored in one more
// transaction. A writer is answered only then, so an acknowledged record
// is in the store and in the log, its position stored (a bulk write's
// writer is answered once the leaf is in the log: commitLogged).
// Stored-but-unlogged records (a crash, a log error) are found and
// finished by recover.
type committer struct {
	queue chan *work
	// logged carries a batch from the store stage to the log stage, so
	// that the next batch's store transaction runs while this batch's
	// leaves are being logged. One log stage keeps the log in batch order.
	logged chan *batch
	stop   chan struct{}
	wg     sync.WaitGroup
	// mu orders enqueueing against Close: once closed is set, nothing more
	// is queued, so the committer's final drain answers every queued write.
	mu     sync.RWMutex
	closed bool

	// placed holds the batches whose leaves the log stage has appended,
	// with their positions, which the store does not yet record. The next
	// store transaction records them and only then are their writers
	// answered: one store commit a batch instead of two, and still an
	// acknowledged record has its position stored. flush asks an idle
	// committer to record them in a transaction of their own.
	placedMu sync.Mutex
	placed   []*batch
	flush    chan struct{}
}

// batch is one group commit between its stages.
type batch struct {
	works   []*work
	results []result
}

// upTo is the highest Seq of the batch's records.
func (b *batch) upTo() int64 {
	var seq int64
	for _, r := range b.results {
		seq = max(seq, r.rec.Seq)
	}
	return seq
}

// commit runs fn in the next batch and waits for the outcome. fn runs
// under a savepoint of the batch's transaction: whatever it wrote before
// failing is undone.
func (s *Service) commit(ctx context.Context, fn func(tx store.Tx) (store.Record, store.Entity, error)) (store.Record, store.Entity, error) {
	return s.queue(&work{ctx: ctx, fn: fn, done: make(chan result, 1)})
}

// commitLogged is commit for a bulk write: its writer is answered as soon
// as the record is in the store and its leaf durable in the log, without
// waiting for the next store transaction to store the leaf's position
// (which recovery finds in the log if parley stops before). A writer that
// reads its record back at once may find its position not yet stored; a
// batch's writer, whose next batch waits for the answer, would otherwise
// wait for a whole other batch to commit.
func (s *Service) commitLogged(ctx context.Context, fn func(tx store.Tx) (store.Record, store.Entity, error)) (store.Record, store.Entity, error) {
	return s.queue(&work{ctx: ctx, fn: fn, done: make(chan result, 1), logged: true})
}

func (s *Service) queue(w *work) (store.Record, store.Entity, error) {
	ctx := w.ctx
	s.c.mu.RLock()
	if s.c.closed {
		s.c.mu.RUnlock()
		return store.Record{}, store.Entity{}, errShuttingDown
	}
	select {
	case s.c.queue <- w:
		s.c.mu.RUnlock()
	case <-ctx.Done():
		s.c.mu.RUnlock()
		return store.Record{}, store.Entity{}, ctx.Err()
	}
	// Once queued, the write is seen through: a record committed for a
	// writer who gave up is still a committed record.
	r := <-w.done
	return r.rec, r.ent, r.err
}

func (s *Service) runCommitter() {
	defer s.c.wg.Done()
	s.c.wg.Add(1)
	go s.runLogStage()
	defer close(s.c.logged)
	for {
		var first *work
		select {
		case first = <-s.c.queue:
		case <-s.c.flush:
			s.recordPlaced()
			continue
		case <-s.c.stop:
			// Writes queued before the stop get an answer too.
			for {
				select {
				case w := <-s.c.queue:
					w.done <- result{err: errShuttingDown}
				default:
					return
				}
			}
		}
		works := []*work{first}
	fill:
		for len(works) < maxBatch {
			select {
			case w := <-s.c.queue:
				works = append(works, w)
			default:
				break fill
			}
		}
		s.commitBatch(works)
	}
}

var errShuttingDown = errors.New("parley is shutting down")

// Close stops the committer after the batch under way; writes still queued
// are answered with an error, later ones refused. It stops the followers'
// worker too (StartFollowers).
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		s.stopFollowers()
		s.c.mu.Lock()
		s.c.closed = true
		s.c.mu.Unlock()
		close(s.c.stop)
		s.c.wg.Wait()
		// The log stage may have placed batches after the committer's
		// last transaction.
		s.recordPlaced()
	})
}

// takePlaced returns the placed batches and forgets them; whoever takes
// them records their positions and answers their writers.
func (s *Service) takePlaced() []*batch {
	s.c.placedMu.Lock()
	defer s.c.placedMu.Unlock()
	bs := s.c.placed
	s.c.placed = nil
	return bs
}

// setPlaced stores the positions of the placed batches' records in tx.
func setPlaced(ctx context.Context, tx store.Tx, bs []*batch) error {
	for _, b := range bs {
		for _, r := range b.results {
			if r.err != nil {
				continue
			}
			if err := tx.SetLeafIndex(ctx, r.rec.ID, r.rec.LeafIndex); err != nil {
				return fmt.Errorf("couldn't store leaf indexes: %w", err)
			}
		}
	}
	return nil
}

// answer sends each writer of b its result.
func answer(b *batch) {
	for i, w := range b.works {
		if !w.answered {
			w.done <- b.results[i]
		}
	}
}

// recordPlaced stores the placed batches' positions in a transaction of
// their own and answers their writers.
func (s *Service) recordPlaced() {
	bs := s.takePlaced()
	if len(bs) == 0 {
		return
	}
	ctx := context.Background()
	err := s.store.Write(ctx, func(tx store.Tx) error { return setPlaced(ctx, tx, bs) })
	for _, b := range bs {
		if err != nil {
			s.failLogged(ctx, b, err)
		}
		answer(b)
	}
}

// failLogged turns a batch whose records are stored but whose log entries
// (or their positions) failed into errors for its writers, after
// recovering what can be recovered now: recovery finds leaves already in
// the log by content, and appends the others.
func (s *Service) failLogged(ctx context.Context, b *batch, err error) {
	s.logger.Error("records committed to the store but not to the log; recovering", "err", err)
	// Later batches may be in the store already and are the log stage's
	// to log: recover only up to this batch.
	if rerr := s.recoverPending(ctx, b.upTo()); rerr != nil {
		s.logger.Error("recovery failed; it runs again at the next start", "err", rerr)
	}
	for i := range b.results {
		if b.results[i].err == nil {
			b.results[i] = result{err: fmt.Errorf("record %s is stored but its log entry failed (%w); parley appends it on recovery, check it before writing it again", b.results[i].rec.ID, err)}
		}
	}
}

// runLogStage logs batches in the order the store stage committed them.
// It takes every batch that is waiting at once: one log append and one
// store transaction for all of them, since each costs about the same
// whatever its size.
func (s *Service) runLogStage() {
	defer s.c.wg.Done()
	for b := range s.c.logged {
	more:
		for len(b.works) < maxBatch {
			select {
			case next, ok := <-s.c.logged:
				if !ok {
					break more
				}
				b.works = append(b.works, next.works...)
				b.results = append(b.results, next.results...)
			default:
				break more
			}
		}
		s.logStage(b)
	}
}

// commitBatch is the store stage: the batch's records and projections in
// one transaction, each write under a savepoint of its own, so that a write
// that fails (a refusal, or the database refusing a statement) is undone
// alone and the rest of its batch commits.
func (s *Service) commitBatch(works []*work) {
	ctx := context.Background()
	results := make([]result, len(works))
	// The positions of the batches the log stage placed are stored in this
	// transaction, and their writers answered once it commits.
	placed := s.takePlaced()
	var placedErr error
	err := s.store.Write(ctx, func(tx store.Tx) error {
		placedErr = nil
		if len(placed) > 0 {
			placedErr = tx.Try(ctx, func() error { return setPlaced(ctx, tx, placed) })
			if errors.Is(placedErr, store.ErrAborted) {
				return placedErr
			}
		}
		for i, w := range works {
			if err := w.ctx.Err(); err != nil {
				results[i].err = err
				continue
			}
			var rec store.Record
			var ent store.Entity
			err := tx.Try(ctx, func() (err error) {
				// A panic in a domain's code fails its write alone.
				defer func() {
					if p := recover(); p != nil {
						s.logger.Error("a write panicked; it is undone", "panic", p, "stack", string(debug.Stack()))
						err = fmt.Errorf("a write failed: panic: %v", p)
					}
				}()
				rec, ent, err = w.fn(tx)
				return err
			})
			if errors.Is(err, store.ErrAborted) {
				// The savepoint could not undo the write: nothing of
				// this transaction may commit.
				return err
			}
			if err != nil && ErrorCode(err) == "" {
				s.logger.Error("a write failed; the rest of its batch commits", "err", err)
			}
			results[i] = result{rec: rec, ent: ent, err: err}
		}
		return nil
	})
	if err != nil && len(placed) > 0 {
		// The placed batches are stored and logged whatever became of this
		// transaction: store their positions on their own before telling
		// their writers anything.
		err2 := s.store.Write(ctx, func(tx store.Tx) error { return setPlaced(ctx, tx, placed) })
		for _, b := range placed {
			if err2 != nil {
				s.failLogged(ctx, b, err2)
			}
			answer(b)
		}
		placed = nil
	}
	for _, b := range placed {
		if placedErr != nil {
			s.failLogged(ctx, b, placedErr)
		}
		answer(b)
	}
	if err != nil {
		if len(works) > 1 {
			// The transaction itself failed (commit, or an aborted
			// savepoint): try each write alone, so that one write's
			// failure does not fail the others.
			for _, w := range works {
				s.commitBatch([]*work{w})
			}
			return
		}
		results[0] = result{err: err}
	}
	// The batch is committed: the followers have records to read.
	s.nudgeFollowers()
	s.c.logged <- &batch{works: works, results: results}
}

// logStage appends a committed batch's leaves and places the batch for the
// next store transaction, which stores the positions and answers the
// writers. Without a log, or when the log fails, it answers at once.
func (s *Service) logStage(b *batch) {
	ctx := context.Background()
	if s.log == nil {
		answer(b)
		return
	}
	if err := s.logBatch(ctx, b.results); err != nil {
		s.failLogged(ctx, b, err)
		answer(b)
		return
	}
	for i, w := range b.works {
		if w.logged {
			w.done <- b.results[i]
			w.answered = true
		}
	}
	s.c.placedMu.Lock()
	s.c.placed = append(s.c.placed, b)
	s.c.placedMu.Unlock()
	select {
	case s.c.flush <- struct{}{}:
	default: // a flush is asked for already
	}
}

// logBatch appends the leaves of the batch's records and notes their
// positions in the results.
func (s *Service) logBatch(ctx context.Context, results []result) error {
	var leaves [][]byte
	var recs []*store.Record
	for i := range results {
		if results[i].err == nil {
			r := &results[i].rec
			recs = append(recs, r)
			leaves = append(leaves, record.Leaf(r.Commitment))
		}
	}
	if len(leaves) == 0 {
		return nil
	}
	idx, err := s.log.AppendAll(ctx, leaves)
	if err != nil {
		return err
	}
	for i, r := range recs {
		r.LeafIndex = int64(idx[i])
	}
	return nil
}

// UseLog attaches l without recovering first: for audit, which must see
// what is pending rather than adopt it.
func (s *Service) UseLog(l Log) { s.log = l }

// AttachLog makes every commit go through l, after recovering what an
// earlier run stored but did not log. Call it before serving. It refuses a
// log shorter than the store says it is: an old copy of the log, or
// another log, put in the place of this one.
func (s *Service) AttachLog(ctx context.Context, l Log) error {
	if err := checkLogLength(ctx, s.store, l); err != nil {
		return err
	}
	s.log = l
	return s.recoverPending(ctx, math.MaxInt64)
}

// ErrLogBehind: the log has fewer entries than the store has records with a
// log position.
var ErrLogBehind = errors.New("the transparency log is shorter than the store says")

func checkLogLength(ctx context.Context, st interface {
	LeafCount(context.Context) (int64, error)
}, l Log) error {
	placed, err := st.LeafCount(ctx)
	if err != nil {
		return err
	}
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		return err
	}
	// Leaf indexes are unique, so more placed records than entries means
	// some record claims a position the log does not have.
	if uint64(placed) > size {
		return fmt.Errorf("%w: %d records have a position in it, but it holds %d entries; restore the log that belongs to this database",
			ErrLogBehind, placed, size)
	}
	return nil
}

// recoverPending finishes records that are in the store without a leaf
// index: those whose leaf is in the log get its index (found by content,
// since a leaf is unique to its record), the others are appended now. The
// leaf being deterministic makes this exact: no record gets two leaves.
func (s *Service) recoverPending(ctx context.Context, upToSeq int64) error {
	for {
		n, err := s.recoverSome(ctx, upToSeq)
		if err != nil || n == 0 {
			return err
		}
	}
}

// recoverPass bounds one recovery pass, so memory stays bounded however
// many records a crash left pending; each pass reads the log once.
const recoverPass = 10000

// recoverSome finishes up to recoverPass pending records and says how many.
func (s *Service) recoverSome(ctx context.Context, upToSeq int64) (int, error) {
	rs, err := s.store.PendingRecords(ctx, recoverPass)
	if err != nil {
		return 0, err
	}
	pending := map[string]*store.Record{} // leaf -> record
	var order []*store.Record
	for i := range rs {
		if rs[i].Seq > upToSeq {
			break // seq order: the rest are later batches'
		}
		pending[string(record.Leaf(rs[i].Commitment))] = &rs[i]
		order = append(order, &rs[i])
	}
	if len(order) == 0 {
		return 0, nil
	}
	size, err := s.log.IntegratedSize(ctx)
	if err != nil {
		return 0, err
	}
	found := map[string]uint64{}
	err = s.log.ReadLeaves(ctx, 0, size, func(i uint64, leaf []byte) error {
		if _, ok := pending[string(leaf)]; ok {
			found[string(leaf)] = i
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("couldn't read the log to recover: %w", err)
	}
	var missing [][]byte
	for _, r := range order {
		leaf := record.Leaf(r.Commitment)
		if _, ok := found[string(leaf)]; !ok {
			missing = append(missing, leaf)
		}
	}
	if len(missing) > 0 {
		idx, err := s.log.AppendAll(ctx, missing)
		if err != nil {
			return 0, fmt.Errorf("couldn't append %d pending records to the log: %w", len(missing), err)
		}
		for i, leaf := range missing {
			found[string(leaf)] = idx[i]
		}
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		for _, r := range order {
			if err := tx.SetLeafIndex(ctx, r.ID, int64(found[string(record.Leaf(r.Commitment))])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("couldn't store recovered leaf indexes: %w", err)
	}
	// Warn, with the ids: a record that was never acknowledged (or a batch
	// record, answered once its leaf was logged, whose position was not
	// stored yet) looks here exactly like a row added to the database
	// behind parley's back.
	ids := make([]string, 0, min(len(order), 50))
	for _, r := range order[:min(len(order), 50)] {
		ids = append(ids, r.ID)
	}
	s.logger.Warn("recovered records that had no log position", slog.Int("already_logged", len(order)-len(missing)),
		slog.Int("appended", len(missing)), slog.Any("first_ids", ids))
	return len(order), nil
}

// appendAndProject is the end of every write: the record, then its
// projection in the generic index, then in the domains' own projections of
// its kind that do not follow, in the caller's transaction.
func (s *Service) appendAndProject(ctx context.Context, tx store.Tx, env record.Envelope) (store.Record, store.Entity, error) {
	rec, err := Append(ctx, tx, env)
	if err != nil {
		return store.Record{}, store.Entity{}, err
	}
	ent, err := s.Project(ctx, tx, rec)
	if err != nil {
		return store.Record{}, store.Entity{}, err
	}
	if err := s.applyProjections(ctx, tx, rec); err != nil {
		return store.Record{}, store.Entity{}, err
	}
	return rec, ent, nil
}

func receiptOf(r store.Record) Receipt {
	rc := Receipt{RecordID: r.ID, Kind: r.Kind, Subject: r.Subject, Seq: r.Seq, Commitment: hex.EncodeToString(r.Commitment), Batch: r.Batch}
	if r.LeafIndex >= 0 {
		li := uint64(r.LeafIndex)
		rc.LeafIndex = &li
	}
	return rc
}
