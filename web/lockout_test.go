package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/web"
)

// What a hostile review of sign-in found, each closed: others' failures
// locking a person out, and a sign-in that races a password reset or a
// disable keeping a session the reset should have ended.

func signedIn(f *fixture, t *testing.T, c *http.Client) bool {
	t.Helper()
	return strings.Contains(f.get(t, c, "/rounds").body, `action="/logout"`)
}

// TestOthersFailuresLockNobodyOut: thirty failures from one address (a
// proxy's, where every client has one) and five for a person's login do
// not keep that person out of the browser they signed in from before, nor
// from changing their password.
func TestOthersFailuresLockNobodyOut(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	known := f.signIn(t, ua) // has a device cookie
	attacker := client(t)
	for i := range 30 {
		f.post(t, attacker, "/login", url.Values{"login": {"nobody" + string(rune('a'+i%26))}, "password": {"guess guess"}}, nil)
	}
	for range 5 {
		f.post(t, attacker, "/login", url.Values{"login": {ua.Login}, "password": {"guess guess"}}, nil)
	}
	if res := f.post(t, attacker, "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil); res.status != http.StatusTooManyRequests {
		t.Errorf("an unknown browser after the failures: %d, want 429", res.status)
	}
	if res := f.post(t, known, "/account/password", url.Values{"current_password": {ua.Password}, "password": {"a new long password"}, "confirm": {"a new long password"}}, nil); res.status != http.StatusOK {
		t.Errorf("a signed-in person's password change after others' failures: %d", res.status)
	}
	if res := f.post(t, known, "/login", url.Values{"login": {ua.Login}, "password": {"a new long password"}}, nil); res.status != http.StatusSeeOther {
		t.Errorf("the person, from the browser they signed in from before: %d, want 303", res.status)
	}
	// The browser's own guesses are bounded all the same.
	for range 5 {
		f.post(t, known, "/login", url.Values{"login": {ua.Login}, "password": {"guess guess"}}, nil)
	}
	if res := f.post(t, known, "/login", url.Values{"login": {ua.Login}, "password": {"a new long password"}}, nil); res.status != http.StatusTooManyRequests {
		t.Errorf("a known browser after five failures of its own: %d, want 429", res.status)
	}
}

// TestSignInRacingAResetEnds: a sign-in with the old password whose check
// overlaps a password reset, or a disable, gets no session that outlives
// it.
func TestSignInRacingAResetEnds(t *testing.T) {
	for name, reset := range map[string]func(f *fixture, ctx context.Context, login string) error{
		"password reset": func(f *fixture, ctx context.Context, login string) error {
			_, err := f.svc.Auth().SetPassword(ctx, login, "the admin's new password")
			return err
		},
		"disable and enable": func(f *fixture, ctx context.Context, login string) error {
			if _, err := f.svc.Auth().Disable(ctx, login); err != nil {
				return err
			}
			_, err := f.svc.Auth().Enable(ctx, login)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, web.Options{})
			ua := f.login(t, "ua", access.RoleNegotiator)
			var once sync.Once
			f.srv.SetSignIn(func(ctx context.Context, login, password string) (access.Principal, error) {
				p, err := f.svc.Login(ctx, login, password)
				// The reset lands after the password was checked, before
				// the session is issued.
				once.Do(func() {
					if e := reset(f, ctx, ua.Login); e != nil {
						t.Error(e)
					}
				})
				return p, err
			})
			c := client(t)
			if res := f.post(t, c, "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil); res.status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", res.status)
			}
			if signedIn(f, t, c) {
				t.Error("a session signed in with the old password outlives the reset")
			}
		})
	}
}
