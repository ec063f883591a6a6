package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/auth"
)

// A signed-in person changes their own password at /account/password:
// the current password, and the new one twice. Like every form, the POST
// is refused from another site (http.CrossOriginProtection) and the cookie
// is SameSite=Lax. A wrong current password counts as a failed sign-in of
// the login and the address, so that a stolen session cannot be used to
// guess the password behind it faster than the sign-in form allows. A
// change ends every session of the person, on every replica; this
// browser's is signed anew, deliberately, so that the one who changed it
// stays signed in.

const (
	deviceCookie = "parley_device"
	// deviceTTL is how long a browser is known to a login after its last
	// sign-in.
	deviceTTL = 90 * 24 * time.Hour
	// deviceContext separates the device cookies' MACs from the sessions'.
	deviceContext = "parley-web-device/v1\n"
	busyMessage   = "The server is busy with other sign-ins. Please try again in a moment."
)

// A device cookie, "<login, base64url>.<signed in, Unix microseconds>.<MAC>",
// says that this browser signed in to the login before (OWASP's "device
// cookies"). It grants nothing but a place in the Trusted line for password
// hashing when the browser signs in to that login again, so that a flood of
// guesses from addresses never seen before cannot keep a returning user
// out. It is sent to /login only.

func (s *server) deviceMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(deviceContext))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// setDevice marks this browser as known to login (lower-cased).
func (s *server) setDevice(w http.ResponseWriter, r *http.Request, login string, at time.Time) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(login)) + "." + strconv.FormatInt(at.UnixMicro(), 10)
	http.SetCookie(w, &http.Cookie{
		Name:     deviceCookie,
		Value:    payload + "." + base64.RawURLEncoding.EncodeToString(s.deviceMAC(payload)),
		Path:     "/login",
		MaxAge:   int(deviceTTL / time.Second),
		HttpOnly: true,
		Secure:   s.opts.SecureCookies || r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// knownDevice reports whether the request carries a good device cookie for
// login (lower-cased), signed in within deviceTTL.
func (s *server) knownDevice(r *http.Request, login string, now time.Time) bool {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 {
		return false
	}
	payload := c.Value[:i]
	mac, err := base64.RawURLEncoding.DecodeString(c.Value[i+1:])
	if err != nil || !hmac.Equal(mac, s.deviceMAC(payload)) {
		return false
	}
	name, at, ok := strings.Cut(payload, ".")
	if !ok {
		return false
	}
	l, err1 := base64.RawURLEncoding.DecodeString(name)
	us, err2 := strconv.ParseInt(at, 10, 64)
	return err1 == nil && err2 == nil && string(l) == login && now.Sub(time.UnixMicro(us)) < deviceTTL
}

// busy answers a form whose password check found hashing busy: 503, and
// when to try again.
func (s *server) busy(w http.ResponseWriter, r *http.Request, rq *request, page, title string, v any) {
	w.Header().Set("Retry-After", "1")
	s.render(w, r, rq, http.StatusServiceUnavailable, page, pageData{Title: title, Data: v})
}

type passwordView struct {
	Error string
	// Done is set once the password has been changed.
	Done bool
}

func (s *server) passwordForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.caller == nil {
		http.Redirect(w, r, "/login?next=/account/password", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, rq, http.StatusOK, "password", pageData{Title: T(r, "Change password")})
	return nil
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.caller == nil {
		http.Redirect(w, r, "/login?next=/account/password", http.StatusSeeOther)
		return nil
	}
	p := Printer(r)
	render := func(status int, v passwordView) error {
		s.render(w, r, rq, status, "password", pageData{Title: p.T("Change password"), Data: v})
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return render(http.StatusBadRequest, passwordView{Error: p.T("The form could not be read. Please try again.")})
	}
	current, password := r.PostForm.Get("current_password"), r.PostForm.Get("password")
	if password != r.PostForm.Get("confirm") {
		return render(http.StatusUnprocessableEntity, passwordView{Error: p.T("The new passwords differ. Type the same new password twice.")})
	}
	// The current password is a guess like a sign-in's, bounded alike,
	// but for the session's principal alone: others' failed sign-ins, to
	// this login or from this address (a proxy's), must not keep a
	// signed-in person from changing their password.
	now := s.now()
	guessKey, addr := "account "+rq.caller.ID, clientAddr(r)
	if wait := s.byLogin.wait(guessKey, now); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(wait.Round(time.Second)/time.Second), 1)))
		return render(http.StatusTooManyRequests, passwordView{Error: p.T("Too many wrong passwords. Try again later.")})
	}
	// A signed-in person is known: their check waits in the Trusted line.
	at, err := s.svc.ChangePassword(auth.WithPriority(r.Context(), auth.Trusted), rq.caller.ID, current, password)
	var e *app.Error
	switch {
	case errors.Is(err, auth.ErrBusy):
		s.busy(w, r, rq, "password", p.T("Change password"), passwordView{Error: p.T(busyMessage)})
		return nil
	case app.ErrorCode(err) == app.CodeUnauthenticated && errors.As(err, &e) && e.Field == "current_password":
		s.byLogin.fail(guessKey, now)
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "web password change: wrong current password", slog.String("login", rq.caller.Login), slog.String("addr", addr))
		return render(http.StatusForbidden, passwordView{Error: p.T("The current password is wrong.")})
	case app.ErrorCode(err) == app.CodeUnauthenticated:
		// Disabled or gone since the request began.
		s.clearCookie(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	case app.ErrorCode(err) == app.CodeInvalid && errors.As(err, &e):
		return render(http.StatusUnprocessableEntity, passwordView{Error: capitalize(ErrorText(p, e)) + "."})
	case err != nil:
		return err
	}
	// Every session of the caller ended at at, this one too; it goes on
	// as a session begun just after.
	began := at.Add(time.Microsecond)
	seen := s.now()
	if seen.Before(began) {
		seen = began
	}
	s.issueSession(w, r, rq.caller.ID, began, seen)
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "web password changed", slog.String("login", rq.caller.Login), slog.String("addr", addr))
	return render(http.StatusOK, passwordView{Done: true})
}
