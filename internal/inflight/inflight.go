// Package inflight keeps a few calls running at once and takes their
// results in the order the calls were made: an import sends its next
// batches while the server commits the one before, yet counts, lists and
// resumes by its batches in file order.
package inflight

// Ordered runs up to n calls at once; take receives each call's result,
// one at a time, in the order of the calls.
type Ordered[T any] struct {
	futures chan chan T
	done    chan struct{}
}

// New starts an Ordered that keeps n calls (at least 1) in flight.
func New[T any](n int, take func(T)) *Ordered[T] {
	o := &Ordered[T]{futures: make(chan chan T, max(1, n)-1), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for f := range o.futures {
			take(<-f)
		}
	}()
	return o
}

// Go starts fn; it waits while n calls are in flight and their results
// not yet taken.
func (o *Ordered[T]) Go(fn func() T) {
	f := make(chan T, 1)
	// Queued before it starts: the queue's room is what bounds the calls
	// in flight.
	o.futures <- f
	go func() { f <- fn() }()
}

// Wait returns once every call has returned and its result been taken. No
// call may be started after it.
func (o *Ordered[T]) Wait() {
	close(o.futures)
	<-o.done
}
