package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/auth"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/store/sqlite"
)

// cheap is the argon2id cost of the tests' passwords.
var cheap = access.PasswordCost{Time: 1, MemoryKiB: 8, Threads: 1}

const password = "olena's password"

// newAuth returns an Auth on a new SQLite store holding one person, olena,
// with password, and one API client, feed.
func newAuth(t *testing.T) *auth.Auth {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := auth.New(st, time.Now)
	a.SetPasswordCost(cheap)
	for _, np := range []auth.NewPrincipal{
		{Login: "olena", Party: "ua", Roles: []access.Role{access.RoleNegotiator}, Password: password},
		{Login: "feed", Party: "ua", Roles: []access.Role{access.RoleObserver}},
	} {
		if _, err := a.AddPrincipal(t.Context(), np, access.ProcessParty); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// heldChecks replaces a's password check with one that counts the checks
// running at once, signals entered as each starts, and holds each until
// the returned release is called (at the latest when the test ends).
func heldChecks(t *testing.T, a *auth.Auth) (entered chan struct{}, most *atomic.Int32, release func()) {
	entered = make(chan struct{}, 100)
	hold := make(chan struct{})
	release = sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release)
	var inside atomic.Int32
	most = new(atomic.Int32)
	a.SetCheckPassword(func(hash, pw string) bool {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		entered <- struct{}{}
		<-hold
		inside.Add(-1)
		return access.CheckPassword(hash, pw)
	})
	return entered, most, release
}

// TestPasswordHashingBounded: no more password checks run at once than
// there are hashing slots; a few callers wait for a slot, and the rest,
// and any caller told not to queue, are answered ErrBusy at once, with
// nothing checked. API tokens, which need no hashing, go on meanwhile.
func TestPasswordHashingBounded(t *testing.T) {
	ctx := t.Context()
	a := newAuth(t)
	token, err := a.NewToken(ctx, "feed", "test")
	if err != nil {
		t.Fatal(err)
	}
	a.SetHashLimits(auth.HashLimits{Slots: 2, Queue: 3, Wait: time.Hour})
	waiting := make(chan struct{}, 100)
	a.OnHashWait(func() { waiting <- struct{}{} })
	entered, most, release := heldChecks(t, a)
	results := make(chan error, 100)
	login := func(ctx context.Context, pw string) {
		go func() {
			_, err := a.Login(ctx, "olena", pw)
			results <- err
		}()
	}
	// tooMany fails the test if another check starts: the slots are full.
	tooMany := func(what string) {
		t.Fatalf("%s: a third password check started while two held both slots", what)
	}

	login(ctx, "wrong password")
	login(ctx, password)
	for range 2 {
		<-entered
	}
	for range 3 {
		login(ctx, "wrong password")
	}
	for range 3 {
		select {
		case <-waiting:
		case <-entered:
			tooMany("three more sign-ins")
		}
	}
	for name, ctx := range map[string]context.Context{
		"a sign-in past the queue":    ctx,
		"a sign-in told not to queue": auth.NoQueue(ctx),
	} {
		login(ctx, password)
		select {
		case err := <-results:
			if !errors.Is(err, auth.ErrBusy) || fault.CodeOf(err) != fault.Unavailable {
				t.Errorf("%s: %v, want ErrBusy (unavailable)", name, err)
			}
		case <-entered:
			tooMany(name)
		case <-waiting:
			t.Errorf("%s waits for a slot; want ErrBusy at once", name)
		}
	}
	if p, err := a.Authenticate(ctx, token); err != nil || p.Login != "feed" {
		t.Errorf("an API token while the hashing slots are full: %v, %v", p.Login, err)
	}

	release()
	var wrong, right int
	for range 5 {
		err := <-results
		switch {
		case err == nil:
			right++
		case fault.CodeOf(err) == fault.Unauthenticated:
			wrong++
		default:
			t.Errorf("a held or queued sign-in: %v", err)
		}
	}
	if right != 1 || wrong != 4 {
		t.Errorf("once released: %d sign-ins succeeded and %d failed, want 1 and 4", right, wrong)
	}
	if n := most.Load(); n != 2 {
		t.Errorf("%d password checks ran at once, want 2 (the slots)", n)
	}
}

// TestPasswordHashingWaitsBriefly: a caller waits for a hashing slot only
// as long as the limits say, then gets ErrBusy; hashing a new password
// takes a slot too.
func TestPasswordHashingWaitsBriefly(t *testing.T) {
	ctx := t.Context()
	a := newAuth(t)
	a.SetHashLimits(auth.HashLimits{Slots: 1, Queue: 5, Wait: time.Millisecond})
	waiting := make(chan struct{}, 100)
	a.OnHashWait(func() { waiting <- struct{}{} })
	entered, _, release := heldChecks(t, a)
	done := make(chan error, 1)
	go func() {
		_, err := a.Login(ctx, "olena", password)
		done <- err
	}()
	<-entered
	second := make(chan error, 1)
	go func() {
		_, err := a.Login(ctx, "olena", password)
		second <- err
	}()
	select {
	case err := <-second:
		if !errors.Is(err, auth.ErrBusy) {
			t.Errorf("a sign-in while the one slot is held: %v, want ErrBusy", err)
		}
	case <-entered:
		t.Fatal("a second password check started while the one slot was held")
	}
	select {
	case <-waiting:
	default:
		t.Error("the sign-in did not wait for the slot before giving up")
	}
	_, err := a.AddPrincipal(ctx, auth.NewPrincipal{Login: "mykola", Party: "ua", Roles: []access.Role{access.RoleNegotiator}, Password: "another password"}, access.ProcessParty)
	if !errors.Is(err, auth.ErrBusy) {
		t.Errorf("adding a person while the one slot is held: %v, want ErrBusy", err)
	}
	release()
	if err := <-done; err != nil {
		t.Errorf("the held sign-in: %v", err)
	}
}
