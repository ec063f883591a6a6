package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/auth"
)

const (
	cookieName = "parley_session"
	// DefaultSessionIdle is how long a session lasts without a request
	// (Options.SessionIdle): a laptop left open in a hotel lobby stops
	// acting for its owner within half an hour.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultSessionMax is how long a session lasts at most, however busy
	// (Options.SessionMax): one working day at the table.
	DefaultSessionMax = 12 * time.Hour
	// macContext separates these MACs from any other use of the key; v2
	// cookies carry when the session began and when it was last used, and
	// a v1 cookie (an expiry only) is refused: its holder signs in again.
	macContext = "parley-web-session/v2\n"
	maxForm    = 16 << 10
)

// A session cookie is "<principal id>.<began>.<seen>.<MAC>": when the
// session began and when it was last used, in Unix microseconds, the MAC
// an HMAC-SHA256 over the first three parts. It holds no secret, only a
// claim the server can check, so any replica can check it without a
// store write per request. Each request with a good cookie is answered
// with the cookie re-signed with seen = now (a sliding cookie): a session
// ends SessionIdle after its last request and SessionMax after it began,
// whichever comes first, and the browser is told to drop the cookie then
// too. Signing out, a password change and disabling a principal record a
// time in the store (auth.SignOut); a session begun at or before it is
// refused on every replica.

func (s *server) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(macContext))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s *server) signSession(principalID string, began, seen time.Time) string {
	payload := principalID + "." + strconv.FormatInt(began.UnixMicro(), 10) + "." + strconv.FormatInt(seen.UnixMicro(), 10)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// verifySession returns the principal id a cookie value vouches for, and
// when its session began, if its MAC is right and neither its idle nor
// its absolute timeout has passed.
func (s *server) verifySession(value string, now time.Time) (string, time.Time, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", time.Time{}, false
	}
	payload, sig := value[:i], value[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", time.Time{}, false
	}
	// hmac.Equal compares in constant time, so response timing reveals
	// nothing about how much of a forged MAC is right.
	if !hmac.Equal(got, s.mac(payload)) {
		return "", time.Time{}, false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] == "" {
		return "", time.Time{}, false
	}
	began, err1 := strconv.ParseInt(parts[1], 10, 64)
	seen, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return "", time.Time{}, false
	}
	if now.Sub(time.UnixMicro(seen)) >= s.opts.SessionIdle || now.Sub(time.UnixMicro(began)) >= s.opts.SessionMax {
		return "", time.Time{}, false
	}
	return parts[0], time.UnixMicro(began), true
}

// issueSession sets the session cookie of principalID, begun at began and
// used now. The browser keeps it until the earlier of the two timeouts.
func (s *server) issueSession(w http.ResponseWriter, r *http.Request, principalID string, began, now time.Time) {
	left := min(s.opts.SessionIdle, began.Add(s.opts.SessionMax).Sub(now))
	s.setCookie(w, r, s.signSession(principalID, began, now), max(1, int(left/time.Second)))
}

// caller returns the signed-in principal, or nil for an anonymous reader. A
// cookie that is forged or expired, or whose session has ended (signed
// out, password changed, principal disabled or gone), is cleared, and the
// reader continues anonymously.
func (s *server) caller(w http.ResponseWriter, r *http.Request) (*access.Principal, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	now := s.now()
	id, began, ok := s.verifySession(c.Value, now)
	if !ok {
		s.clearCookie(w, r)
		return nil, nil
	}
	// Signed out since, password changed, disabled or gone: the session
	// is over, on every replica.
	p, err := s.svc.Session(r.Context(), id, began)
	if app.ErrorCode(err) == app.CodeUnauthenticated {
		s.clearCookie(w, r)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	// Used now: the idle timeout starts again.
	s.issueSession(w, r, id, began, now)
	return &p, nil
}

// setCookie sets the session cookie, replacing one set earlier in the same
// response (the refreshed cookie of a request that then signs in or out).
func (s *server) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	h := w.Header()
	if old := h.Values("Set-Cookie"); len(old) > 0 {
		h.Del("Set-Cookie")
		for _, v := range old {
			if !strings.HasPrefix(v, cookieName+"=") {
				h.Add("Set-Cookie", v)
			}
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.opts.SecureCookies || r.TLS != nil,
		// Lax keeps the cookie off cross-site POSTs while links from
		// elsewhere (a mail, a chat) still open the page signed in.
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, "", -1)
}

type loginView struct {
	Login string
	Next  string
	Error string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	s.render(w, r, rq, http.StatusOK, "login", pageData{
		Title: T(r, "Sign in"),
		Data:  loginView{Next: localPath(r.URL.Query().Get("next"))},
	})
	return nil
}

func (s *server) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	pr := Printer(r)
	title := pr.T("Sign in")
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, rq, http.StatusBadRequest, "login", pageData{
			Title: title, Data: loginView{Error: pr.T("The form could not be read. Please try again.")},
		})
		return nil
	}
	v := loginView{Login: strings.TrimSpace(r.PostForm.Get("login")), Next: localPath(r.PostForm.Get("next"))}

	// Guesses are bounded per login and per client address, before any
	// password is hashed. A browser that signed in to this login before
	// (a device cookie) is bounded on its own instead: others' guesses
	// must not lock the login's own person out, nor, behind a proxy where
	// every client has one address, everyone.
	now := s.now()
	loginKey, addr := strings.ToLower(v.Login), clientAddr(r)
	known := s.knownDevice(r, loginKey, now)
	throttleKeys := []struct {
		t   *throttle
		key string
	}{{s.byLogin, loginKey}, {s.byAddr, addr}}
	if known {
		c, _ := r.Cookie(deviceCookie)
		throttleKeys = throttleKeys[:1]
		throttleKeys[0].key = "device " + c.Value
	}
	var wait time.Duration
	for _, k := range throttleKeys {
		wait = max(wait, k.t.wait(k.key, now))
	}
	if wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "web sign-in throttled", slog.String("login", v.Login), slog.String("addr", clientAddr(r)))
		v.Error = pr.T("Too many failed sign-ins. Try again in %d minutes.", int(wait.Round(time.Minute)/time.Minute))
		if wait < time.Minute {
			v.Error = pr.T("Too many failed sign-ins. Try again in a minute.")
		}
		s.render(w, r, rq, http.StatusTooManyRequests, "login", pageData{Title: title, Data: v})
		return nil
	}

	// Password hashing is bounded (auth.HashLimits), and under a flood of
	// guesses the slots that come free go to clients that have not been
	// guessing: a browser that signed in to this login before goes first,
	// and an address that failed within the window does not wait at all.
	prio := auth.Normal
	switch {
	case known:
		prio = auth.Trusted
	case s.byAddr.failed(addr, now):
		prio = auth.Suspect
	}
	p, err := s.signIn(auth.WithPriority(r.Context(), prio), v.Login, r.PostForm.Get("password"))
	if errors.Is(err, auth.ErrBusy) {
		// Nothing was checked: not a failure, and no guess was made.
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "web sign-in refused: password hashing busy", slog.String("login", v.Login), slog.String("addr", addr))
		v.Error = pr.T(busyMessage)
		s.busy(w, r, rq, "login", title, v)
		return nil
	}
	if app.ErrorCode(err) == app.CodeUnauthenticated {
		for _, k := range throttleKeys {
			k.t.fail(k.key, now)
		}
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "web sign-in failed", slog.String("login", v.Login))
		v.Error = pr.T("Wrong login or password.")
		s.render(w, r, rq, http.StatusUnauthorized, "login", pageData{Title: title, Data: v})
		return nil
	} else if err != nil {
		return err
	}
	for _, k := range throttleKeys[:1] {
		k.t.forget(k.key)
	}
	// The session began when the request came, before the password was
	// read and checked: a password change or a disable that lands while
	// it is checked must end this session too, as it ends every session
	// begun before it.
	at := s.now()
	s.issueSession(w, r, p.ID, now, at)
	s.setDevice(w, r, loginKey, at)
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "web sign-in", slog.String("login", p.Login), slog.String("party", p.Party))
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

// logout ends the caller's sessions, in every browser and on every
// replica, not only this browser's cookie.
func (s *server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.caller != nil {
		if err := s.svc.Auth().SignOut(r.Context(), rq.caller.ID, s.now()); err != nil {
			return err
		}
	}
	s.clearCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// clientAddr is the address a request came from, without its port. parley
// takes no forwarded-for header on trust: behind a proxy, every client is
// the proxy, so the per-address bound is one for all, and a browser that
// signed in before (a device cookie) is bounded apart from it.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// localPath returns next if it is a path on this site, else "/": after
// signing in, parley must never send the reader to another site.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if u.Path == "/login" {
		return "/"
	}
	return next
}
