package app

import (
	"context"
	"errors"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/store"
)

// CreateInOneBatch commits new entities of kind, written by p, as the writes
// of one group commit, and returns each write's error. It holds the
// committer in a batch of its own until every write is queued, so that the
// committer then takes them all at once, in order, as it takes writes that
// arrive while it commits: for tests of what one write's failure does to
// the rest of its batch.
func (s *Service) CreateInOneBatch(ctx context.Context, p access.Principal, kind string, bodies ...[]byte) []error {
	errs := make([]error, len(bodies))
	running, release := make(chan struct{}), make(chan struct{})
	held := errors.New("the batch that holds the committer")
	hold := &work{ctx: ctx, done: make(chan result, 1), fn: func(store.Tx) (store.Record, store.Entity, error) {
		close(running)
		<-release
		return store.Record{}, store.Entity{}, held
	}}
	s.c.queue <- hold
	<-running
	works := make([]*work, len(bodies))
	for i, b := range bodies {
		fn, err := s.writeFunc(ctx, p, kind, "", b)
		if err != nil {
			errs[i] = err
			continue
		}
		works[i] = &work{ctx: ctx, fn: fn, done: make(chan result, 1)}
		s.c.queue <- works[i]
	}
	close(release)
	<-hold.done
	for i, w := range works {
		if w != nil {
			errs[i] = (<-w.done).err
		}
	}
	return errs
}

// SealItem checks and seals one item of a batched write, as createBatched
// does before the committer: for benchmarks of that stage alone.
func (s *Service) SealItem(p access.Principal, kind parley.Kind, body []byte) error {
	_, err := s.sealItem(p, kind, body)
	return err
}
