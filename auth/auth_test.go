package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
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
// and any suspect caller, are answered ErrBusy at once, with
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
		"a sign-in past the queue": ctx,
		"a suspect sign-in":        auth.WithPriority(ctx, auth.Suspect),
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

// TestPasswordHashingTrustedFirst: a slot that comes free goes to the
// first Trusted waiter, before Normal ones that waited longer, then to
// Normal ones in order; a Trusted caller finds a line of its own when the
// Normal line is full.
func TestPasswordHashingTrustedFirst(t *testing.T) {
	ctx := t.Context()
	a := newAuth(t)
	a.SetHashLimits(auth.HashLimits{Slots: 1, Queue: 2, Wait: time.Hour})
	waiting := make(chan struct{}, 100)
	a.OnHashWait(func() { waiting <- struct{}{} })
	// Each check reports its password as it starts, and waits for a go.
	started := make(chan string, 100)
	next := make(chan struct{})
	t.Cleanup(func() { close(next) })
	a.SetCheckPassword(func(hash, pw string) bool {
		started <- pw
		<-next
		return false
	})
	results := make(chan error, 100)
	login := func(ctx context.Context, pw string) {
		go func() {
			_, err := a.Login(ctx, "olena", pw)
			results <- err
		}()
	}
	login(ctx, "holder")
	if pw := <-started; pw != "holder" {
		t.Fatalf("the first check is %q", pw)
	}
	trusted := auth.WithPriority(ctx, auth.Trusted)
	for _, c := range []struct {
		ctx context.Context
		pw  string
	}{{ctx, "normal 1"}, {ctx, "normal 2"}, {trusted, "trusted 1"}, {trusted, "trusted 2"}} {
		login(c.ctx, c.pw)
		<-waiting // in line before the next arrives
	}
	// Both lines are full now.
	for _, c := range []context.Context{ctx, trusted} {
		login(c, "one too many")
		if err := <-results; !errors.Is(err, auth.ErrBusy) {
			t.Errorf("a sign-in past a full line (%v): %v, want ErrBusy", auth.PriorityOf(c), err)
		}
	}
	var order []string
	for range 4 {
		next <- struct{}{}
		order = append(order, <-started)
	}
	if want := []string{"trusted 1", "trusted 2", "normal 1", "normal 2"}; !slices.Equal(order, want) {
		t.Errorf("slots went to %v, want %v", order, want)
	}
}

// TestDisable: a disabled principal cannot sign in (the answer of a wrong
// password), and its sessions and API tokens stop working; enabled again,
// its tokens work and it signs in, but the sessions it had stay ended.
func TestDisable(t *testing.T) {
	ctx := t.Context()
	a := newAuth(t)
	token, err := a.NewToken(ctx, "feed", "test")
	if err != nil {
		t.Fatal(err)
	}
	olena, err := a.Login(ctx, "olena", password)
	if err != nil {
		t.Fatal(err)
	}
	feed, err := a.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now().Add(-time.Minute)
	if _, err := a.Session(ctx, olena.ID, began); err != nil {
		t.Fatalf("a session before disabling: %v", err)
	}
	for _, login := range []string{"olena", "feed"} {
		p, err := a.Disable(ctx, login)
		if err != nil || p.Disabled.IsZero() {
			t.Fatalf("Disable(%s) = %v, %v", login, p.Disabled, err)
		}
		if again, err := a.Disable(ctx, login); err != nil || !again.Disabled.Equal(p.Disabled) {
			t.Errorf("disabling %s twice: %v, %v; want the first time kept", login, again.Disabled, err)
		}
	}
	if _, err := a.Login(ctx, "olena", password); fault.CodeOf(err) != fault.Unauthenticated || err.Error() != "wrong login or password" {
		t.Errorf("signing in while disabled: %v, want the answer of a wrong password", err)
	}
	if _, err := a.Session(ctx, olena.ID, began); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a session while disabled: %v, want unauthenticated", err)
	}
	if _, err := a.Session(ctx, olena.ID, time.Now().Add(time.Hour)); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a session begun after disabling (a forged or replayed cookie): %v, want unauthenticated", err)
	}
	if _, err := a.Authenticate(ctx, token); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a token while disabled: %v, want unauthenticated", err)
	}
	if p, err := a.Principal(ctx, olena.ID); err != nil || p.Login != "olena" {
		t.Errorf("a disabled principal is still found as a record's author: %v, %v", p.Login, err)
	}

	for _, login := range []string{"olena", "feed"} {
		if p, err := a.Enable(ctx, login); err != nil || p.Disabled.IsZero() {
			t.Fatalf("Enable(%s) = %v, %v; want it as it was, disabled", login, p.Disabled, err)
		}
	}
	if p, err := a.Authenticate(ctx, token); err != nil || p.ID != feed.ID {
		t.Errorf("the token once enabled: %v, %v", p.Login, err)
	}
	if _, err := a.Login(ctx, "olena", password); err != nil {
		t.Errorf("signing in once enabled: %v", err)
	}
	if _, err := a.Session(ctx, olena.ID, began); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a session of before the disabling, once enabled: %v, want still ended", err)
	}
	if _, err := a.Disable(ctx, "nobody"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("disabling an unknown login: %v, want not found", err)
	}
}

// TestPasswordChanges: a principal changes its own password with its
// current one, an administrator sets one without; both under the rules of
// a new password, both ending every session of the principal. An API
// client has no password to change.
func TestPasswordChanges(t *testing.T) {
	ctx := t.Context()
	a := newAuth(t)
	olena, err := a.Login(ctx, "olena", password)
	if err != nil {
		t.Fatal(err)
	}
	feed := idOf(t, a, "feed")
	before := time.Now().Add(-time.Second)
	for _, tc := range []struct {
		name, current, password, field string
		code                           fault.Code
	}{
		{"wrong current password", "not it", "a new password", "current_password", fault.Unauthenticated},
		{"too short", password, "short", "password", fault.Invalid},
		{"the current one", password, password, "password", fault.Invalid},
	} {
		_, err := a.ChangePassword(ctx, olena.ID, tc.current, tc.password)
		var e *fault.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: %v, want %s naming %s", tc.name, err, tc.code, tc.field)
		}
	}
	if _, err := a.Session(ctx, olena.ID, before); err != nil {
		t.Fatalf("a refused change ended the session: %v", err)
	}
	at, err := a.ChangePassword(ctx, olena.ID, password, "olena's new password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, olena.ID, before); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a session of before the change: %v, want ended", err)
	}
	if _, err := a.Session(ctx, olena.ID, at.Add(time.Microsecond)); err != nil {
		t.Errorf("a session begun just after the change: %v", err)
	}
	if _, err := a.Login(ctx, "olena", password); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("the old password: %v", err)
	}
	if _, err := a.Login(ctx, "olena", "olena's new password"); err != nil {
		t.Errorf("the new password: %v", err)
	}

	// An administrator's reset.
	afterChange := time.Now()
	if _, err := a.SetPassword(ctx, "olena", "short"); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("an administrator's short password: %v, want invalid", err)
	}
	if _, err := a.SetPassword(ctx, "olena", "set by an administrator"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(ctx, olena.ID, afterChange); fault.CodeOf(err) != fault.Unauthenticated {
		t.Errorf("a session of before the reset: %v, want ended", err)
	}
	if _, err := a.Login(ctx, "olena", "set by an administrator"); err != nil {
		t.Errorf("the password an administrator set: %v", err)
	}
	if _, err := a.SetPassword(ctx, "feed", "a client's password"); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("a password for an API client: %v, want invalid", err)
	}
	if _, err := a.ChangePassword(ctx, feed, "", "a client's password"); fault.CodeOf(err) != fault.Invalid {
		t.Errorf("an API client changing a password: %v, want invalid", err)
	}
	if _, err := a.SetPassword(ctx, "nobody", "a password for no one"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("a password for an unknown login: %v, want not found", err)
	}
}

// idOf returns the id of the principal with the given login, found by an
// API token issued for the purpose.
func idOf(t *testing.T, a *auth.Auth, login string) string {
	t.Helper()
	token, err := a.NewToken(t.Context(), login, "lookup")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestSignOutNeverGoesBack: a session ended stays ended when a later
// reset comes from a clock behind (a CLI host, another replica).
func TestSignOutNeverGoesBack(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := auth.New(st, time.Now)
	a.SetPasswordCost(cheap)
	behind := auth.New(st, func() time.Time { return time.Now().Add(-time.Minute) })
	behind.SetPasswordCost(cheap)
	p, err := a.AddPrincipal(t.Context(), auth.NewPrincipal{Login: "olena", Party: "ua", Roles: []access.Role{access.RoleNegotiator}, Password: password}, access.ProcessParty)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now().Add(-20 * time.Second)
	if _, err := a.ChangePassword(t.Context(), p.ID, password, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(t.Context(), p.ID, began); err == nil {
		t.Fatal("a session stands after the password change")
	}
	if _, err := behind.SetPassword(t.Context(), "olena", "the admin's password"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(t.Context(), p.ID, began); err == nil {
		t.Error("an ended session stands again after a reset from a clock a minute behind")
	}
	if err := behind.SignOut(t.Context(), p.ID, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Session(t.Context(), p.ID, began); err == nil {
		t.Error("an ended session stands again after a sign-out dated earlier")
	}
}
