package web

import (
	"context"
	"net/http"
	"time"

	"github.com/parley-project/parley/access"
)

// What the external tests (package web_test, which may import the domains'
// sections) need of the server's internals.

type Server = server

var NewServer = newServer

const CookieName = cookieName

// english formats as the pages in English do.
var english = Formatter{fallbackPrinter}

var (
	AudienceLabel = english.audienceLabel
	When          = english.When
	Span          = english.Span
	Day           = english.Day
	Days          = english.Days
)

func (s *server) Handler() http.Handler { return s.handler() }
func (s *server) SignSession(id string, began, seen time.Time) string {
	return s.signSession(id, began, seen)
}
func (s *server) CSSVersion() string       { return s.cssVersion }
func (s *server) SetSecureCookies(on bool) { s.opts.SecureCookies = on }

// WithKey returns a copy of the server that signs sessions with key.
func (s *server) WithKey(key []byte) *server {
	other := *s
	other.key = key
	return &other
}

var LocalPath = localPath

// Throttle exposes the sign-in throttle to the tests.
type Throttle = throttle

var NewThrottle = newThrottle

func (t *throttle) Wait(key string, now time.Time) time.Duration { return t.wait(key, now) }
func (t *throttle) Fail(key string, now time.Time)               { t.fail(key, now) }
func (t *throttle) Forget(key string)                            { t.forget(key) }

// SetNow sets the server's clock.
func (s *server) SetNow(now func() time.Time) { s.now = now }

// SetSignIn replaces the password check behind the sign-in form.
func (s *server) SetSignIn(f func(ctx context.Context, login, password string) (access.Principal, error)) {
	s.signIn = f
}
