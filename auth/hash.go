package auth

import (
	"context"
	"runtime"
	"sync/atomic"
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
// busy (ErrBusy), which the UI answers 503 with Retry-After. A caller that
// has failed recently may be told not to wait at all (NoQueue), so that
// under a flood the free slots go to clients that have not been guessing.

// ErrBusy is the error of a password check or hash that found every
// hashing slot taken and could not wait for one. Nothing was checked: the
// caller tries again shortly.
var ErrBusy = &fault.Error{Code: fault.Unavailable, Message: "the server is busy checking other passwords; try again in a moment"}

// HashLimits bounds the password hashing of an Auth.
type HashLimits struct {
	// Slots is how many passwords are hashed at once; at least 1.
	Slots int
	// Queue is how many callers may wait for a slot; past it, ErrBusy at
	// once.
	Queue int
	// Wait is how long a caller waits for a slot before ErrBusy.
	Wait time.Duration
}

// DefaultHashLimits are the limits of a new Auth: a slot per processor
// (at least two), as many as eight callers waiting per slot, for at most
// two seconds, about what a person waits for a sign-in without noticing.
func DefaultHashLimits() HashLimits {
	slots := max(2, runtime.GOMAXPROCS(0))
	return HashLimits{Slots: slots, Queue: 8 * slots, Wait: 2 * time.Second}
}

// SetHashLimits sets the bounds of password hashing. Call it before the
// Auth is used.
func (a *Auth) SetHashLimits(l HashLimits) {
	a.hasher = newHasher(l)
}

type noQueueKey struct{}

// NoQueue returns a context under which a password check or hash takes a
// free hashing slot or none: when every slot is taken, it returns ErrBusy
// at once rather than wait. The UI signs in a client address that has
// failed recently this way.
func NoQueue(ctx context.Context) context.Context {
	return context.WithValue(ctx, noQueueKey{}, true)
}

// MayQueue reports whether a password check under ctx may wait for a
// hashing slot: false under NoQueue.
func MayQueue(ctx context.Context) bool {
	no, _ := ctx.Value(noQueueKey{}).(bool)
	return !no
}

// hasher holds the hashing slots: a buffered channel, a slot taken by a
// send and given back by a receive. A slot given back goes to the caller
// that has waited longest (a channel's blocked senders are served in
// order), never to one that merely tries.
type hasher struct {
	slots   chan struct{}
	queue   int64
	wait    time.Duration
	waiting atomic.Int64
	// onWait, when set, is called as a caller starts waiting: the tests'
	// way to know, without timing, that it does.
	onWait func()
}

func newHasher(l HashLimits) *hasher {
	return &hasher{slots: make(chan struct{}, max(1, l.Slots)), queue: int64(max(0, l.Queue)), wait: l.Wait}
}

// acquire takes a hashing slot, waiting for one as the limits allow; the
// caller gives it back with release.
func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if !MayQueue(ctx) || h.wait <= 0 {
		return ErrBusy
	}
	if h.waiting.Add(1) > h.queue {
		h.waiting.Add(-1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	if h.onWait != nil {
		h.onWait()
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

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
