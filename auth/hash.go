package auth

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/fault"
)

// Every argon2id hash of a password (a sign-in's check, a new or changed
// password) takes a slot of the Auth's hasher first. A hash costs 64 MiB
// and a core for a tenth of a second or more: unbounded, a flood of wrong
// sign-ins would exhaust memory, and queued without bound it delayed a real
// sign-in behind a hundred wrong ones by 20 s and more. So hashing is
// bounded three ways: a few slots hash at once, a few more callers may
// wait for one, briefly, and the rest are told at once that the server is
// busy (ErrBusy), which the UI answers 503 with Retry-After. The caller
// sets a Priority on the context: a client that has failed recently does
// not wait at all, and a browser known to its login waits in a line of its
// own that is served first, so that under a flood the slots that come free
// go to clients that have not been guessing. A first sign-in from a new
// browser, among a flood from addresses never seen before, has nothing to
// tell it apart and waits in the Normal line with the flood.

// ErrBusy is the error of a password check or hash that found every
// hashing slot taken and could not wait for one. Nothing was checked: the
// caller tries again shortly.
var ErrBusy = &fault.Error{Code: fault.Unavailable, Message: "the server is busy checking other passwords; try again in a moment"}

// HashLimits bounds the password hashing of an Auth.
type HashLimits struct {
	// Slots is how many passwords are hashed at once; at least 1.
	Slots int
	// Queue is how many callers may wait for a slot in each line (Normal
	// and Trusted); past it, ErrBusy at once.
	Queue int
	// Wait is how long a caller waits for a slot before ErrBusy.
	Wait time.Duration
}

// DefaultHashLimits are the limits of a new Auth: a slot per processor
// (at least two), as many as eight callers per slot waiting in each line,
// for at most two seconds, about what a person waits for a sign-in without
// noticing.
func DefaultHashLimits() HashLimits {
	slots := max(2, runtime.GOMAXPROCS(0))
	return HashLimits{Slots: slots, Queue: 8 * slots, Wait: 2 * time.Second}
}

// SetHashLimits sets the bounds of password hashing. Call it before the
// Auth is used.
func (a *Auth) SetHashLimits(l HashLimits) {
	a.hasher = newHasher(l)
}

// Priority is a password check's claim on a hashing slot, which the
// caller sets on the context (WithPriority). A check of any priority
// takes a free slot at once.
type Priority int

const (
	// Suspect: a free slot or none, never a wait. The UI signs in a
	// client address that has failed recently this way.
	Suspect Priority = iota - 1
	// Normal: waits for a slot in line, within the limits; the zero
	// value, and what a context without a priority has.
	Normal
	// Trusted: waits in a line of its own, within the same limits, and
	// gets each slot that comes free before any Normal waiter. The UI
	// signs in a browser that has signed in to the same login before (its
	// device cookie) this way, so that a flood of guesses from addresses
	// never seen before cannot keep a returning user out.
	Trusted
)

type priorityKey struct{}

// WithPriority returns a context under which password checks and hashes
// claim a slot with priority p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf returns the priority set on ctx, Normal if none.
func PriorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}

// hasher holds the hashing slots: free counts those not taken, and each
// line holds the callers waiting, in order of arrival. A slot given back
// goes to the first Trusted waiter, else to the first Normal one, else
// back to free: never to a caller that arrives meanwhile.
type hasher struct {
	mu    sync.Mutex
	free  int
	lines [2][]*waiter // by Priority: Normal, Trusted
	queue int
	wait  time.Duration
	// onWait, when set, is called as a caller starts waiting: the tests'
	// way to know, without timing, that it does.
	onWait func()
}

// waiter is one caller waiting for a slot: ready is closed when it is
// granted one.
type waiter struct {
	ready   chan struct{}
	granted bool
}

func newHasher(l HashLimits) *hasher {
	return &hasher{free: max(1, l.Slots), queue: max(0, l.Queue), wait: l.Wait}
}

// acquire takes a hashing slot, waiting for one as the limits and the
// priority on ctx allow; the caller gives it back with release.
func (h *hasher) acquire(ctx context.Context) error {
	prio := PriorityOf(ctx)
	h.mu.Lock()
	if h.free > 0 {
		h.free--
		h.mu.Unlock()
		return nil
	}
	if prio <= Suspect || h.wait <= 0 {
		h.mu.Unlock()
		return ErrBusy
	}
	line := &h.lines[min(prio, Trusted)]
	if len(*line) >= h.queue {
		h.mu.Unlock()
		return ErrBusy
	}
	w := &waiter{ready: make(chan struct{})}
	*line = append(*line, w)
	h.mu.Unlock()
	if h.onWait != nil {
		h.onWait()
	}

	t := time.NewTimer(h.wait)
	defer t.Stop()
	var err error
	select {
	case <-w.ready:
		return nil
	case <-t.C:
		err = ErrBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.granted {
		// Granted as it gave up: it holds a slot it will not use.
		h.handOn()
		return err
	}
	*line = slices.DeleteFunc(*line, func(o *waiter) bool { return o == w })
	return err
}

// release gives a slot back.
func (h *hasher) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handOn()
}

// handOn gives a slot to the first waiter, Trusted first, or back to free.
// The caller holds mu.
func (h *hasher) handOn() {
	for p := Trusted; p >= Normal; p-- {
		if line := h.lines[p]; len(line) > 0 {
			w := line[0]
			h.lines[p] = line[1:]
			w.granted = true
			close(w.ready)
			return
		}
	}
	h.free++
}

// checkPassword checks password against hash in a hashing slot.
func (a *Auth) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	if err := a.hasher.acquire(ctx); err != nil {
		return false, err
	}
	defer a.hasher.release()
	return a.check(hash, password), nil
}

// hashPassword hashes a new password in a hashing slot, at the Auth's
// cost. A password the rules refuse is an Invalid error naming the field.
func (a *Auth) hashPassword(ctx context.Context, field, password string) (string, error) {
	// The rules first: a refused password costs no slot.
	if err := access.ValidatePassword(password); err != nil {
		return "", fault.New(fault.Invalid, field, "%v", err)
	}
	if err := a.hasher.acquire(ctx); err != nil {
		return "", err
	}
	defer a.hasher.release()
	h, err := access.HashPasswordCost(password, a.cost)
	if err != nil {
		return "", fault.New(fault.Invalid, field, "%v", err)
	}
	return h, nil
}
