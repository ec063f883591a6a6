// Package web is parley's server-rendered user interface: the timeline of
// the process, its rounds and sessions, parties and delegations, the agenda,
// action items and statements, each as the signed-in reader may see them.
//
// Every page is plain HTML from html/template with one small stylesheet, both
// embedded in the binary, and no JavaScript: the UI must work offline, behind
// strict proxies and on a negotiator's locked-down laptop, and it is printed.
//
// Every read goes through app.Service with the caller's principal, so the
// store's visibility filter decides what a page shows; this package never
// reads as access.System. Something the caller may not see gets the same 404
// page as something that does not exist, so a page never reveals that a
// confidential record exists. The wording is factual and neutral: the same
// pages serve the mediator and every party.
//
// Pages: / (the timeline of rounds, sessions and statements), /rounds,
// /rounds/{id}, /parties, /parties/{id}, /agenda, /actions, /statements,
// /records/{id} (one record as stored, its place in the transparency log, and
// its proof at /records/{id}/proof.json), /transparency (the log and its
// witnesses), /login (GET and POST), /logout (POST) and /account/password
// (GET and POST: a signed-in person changes their password). Each record
// carries a badge naming its audience ("public", "all parties", "ua +
// mediator", "ua only") and a small link to its latest record.
//
// Every page comes in English, Ukrainian and Russian (package i18n): the
// reader's choice (?lang=, kept in a cookie) or the browser's language
// picks one, and the sections hand the kernel their catalogues.
package web

import (
	"bytes"
	"cmp"
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/ledger"
)

//go:embed templates/*.html static/style.css locales/*.json
var assets embed.FS

// Options configures the UI.
type Options struct {
	// SecureCookies sets the Secure flag on the session cookie. Set it when
	// parley is served over HTTPS through a proxy that terminates TLS; on a
	// request that arrives over TLS itself the flag is set anyway.
	SecureCookies bool
	// Sections are the domains' own pages, beside the pages the kernel
	// serves for every kind; the binary's wiring names them.
	Sections []Section
	// SessionIdle ends a browser session after this long without a
	// request, and SessionMax after this long in all, however busy;
	// zero takes DefaultSessionIdle and DefaultSessionMax.
	SessionIdle, SessionMax time.Duration
	// Messages are the catalogues pages are written through; nil takes
	// Messages(Sections). Tests pass a strict bundle, to fail on a message
	// a catalogue lacks.
	Messages *i18n.Bundle
	// Log is the transparency log the service commits to (a *ledger.Log),
	// for the /transparency page and for what a record's page says of its
	// publication. Leave it nil when there is no log; never set it to a nil
	// *ledger.Log.
	Log LogStatus
}

// LogStatus is what the UI reads of the transparency log: *ledger.Log.
type LogStatus interface {
	Status(ctx context.Context) ledger.Status
}

// server holds what every handler needs. It is built once by New.
type server struct {
	svc    *app.Service
	logger *slog.Logger
	opts   Options
	// key signs session cookies. It comes from the store, so that every
	// replica of a deployment accepts the cookies of every other.
	key []byte
	// pages holds each language's pages, by language and name.
	pages map[string]map[string]*template.Template
	msgs  *i18n.Bundle
	css   []byte
	// cssVersion is part of the stylesheet's URL, so browsers may cache it
	// for good and still fetch a new one after an upgrade.
	cssVersion string
	// signIn checks a password: svc.Login, which bounds the password
	// hashing done at once (auth.HashLimits). The tests replace it.
	signIn func(ctx context.Context, login, password string) (access.Principal, error)
	// byLogin and byAddr bound failed sign-ins per login and per client
	// address.
	byLogin, byAddr *throttle
	now             func() time.Time
	// mux is built by handler; sections add their pages to it.
	mux *http.ServeMux
	// nav is the sections' navigation, in order.
	nav []NavItem
	// listCursor seals the cursors of the generic list pages.
	listCursor cipher.AEAD
}

// New returns the UI's handler. It serves "/" and everything below it; the
// caller mounts /api/, /healthz and /metrics beside it.
//
// Unsafe requests (POST) from another origin are refused by Go's
// cross-origin protection, which reads the Sec-Fetch-Site and Origin headers
// every current browser sends; with SameSite=Lax cookies this replaces CSRF
// tokens.
func New(svc *app.Service, logger *slog.Logger, opts Options) (http.Handler, error) {
	s, err := newServer(svc, logger, opts)
	if err != nil {
		return nil, err
	}
	return s.handler(), nil
}

func newServer(svc *app.Service, logger *slog.Logger, opts Options) (*server, error) {
	if svc == nil {
		return nil, errors.New("web: no service")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, err := svc.Secret(ctx, "cookie")
	if err != nil {
		return nil, fmt.Errorf("couldn't read the cookie key: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("the cookie key is %d bytes; want at least 32", len(key))
	}
	msgs := opts.Messages
	if msgs == nil {
		if msgs, err = Messages(opts.Sections); err != nil {
			return nil, err
		}
	}
	pages, err := parseTemplates(opts.Sections, msgs)
	if err != nil {
		return nil, err
	}
	css, err := fs.ReadFile(assets, "static/style.css")
	if err != nil {
		return nil, err
	}
	opts.SessionIdle = cmp.Or(opts.SessionIdle, DefaultSessionIdle)
	opts.SessionMax = cmp.Or(opts.SessionMax, DefaultSessionMax)
	sum := sha256.Sum256(css)
	var nav []NavItem
	for _, sec := range opts.Sections {
		nav = append(nav, sec.Nav()...)
	}
	return &server{
		svc: svc, logger: logger, opts: opts, key: key, pages: pages, msgs: msgs, nav: nav, listCursor: listCursorAEAD(key),
		css: css, cssVersion: hex.EncodeToString(sum[:6]),
		signIn: svc.Login,
		// Five wrong passwords for a login, or thirty from one address,
		// in a quarter of an hour.
		byLogin: newThrottle(5, 15*time.Minute),
		byAddr:  newThrottle(30, 15*time.Minute),
		now:     time.Now,
	}, nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	mux.Handle("GET /records/{id}", s.page(s.record))
	mux.Handle("GET /records/{id}/proof.json", s.page(s.proof))
	mux.Handle("GET /transparency", s.page(s.transparency))
	mux.Handle("GET /login", s.page(s.loginForm))
	mux.Handle("POST /login", s.page(s.login))
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /files/new", s.page(s.fileForm))
	mux.Handle("POST /files", s.page(s.fileUpload))
	mux.Handle("GET /account/password", s.page(s.passwordForm))
	mux.Handle("POST /account/password", s.page(s.changePassword))
	mux.HandleFunc("GET /static/style.css", s.stylesheet)
	home := false
	for _, sec := range s.opts.Sections {
		sec.Routes(&Site{s: s})
	}
	for _, n := range s.nav {
		home = home || n.Path == "/"
	}
	if !home {
		// Without a section's home page, the first section's first page
		// is home; without sections, the transparency log.
		to := "/transparency"
		if len(s.nav) > 0 {
			to = s.nav[0].Path
		}
		mux.Handle("GET /{$}", http.RedirectHandler(to, http.StatusSeeOther))
	}
	s.kindRoutes(mux)
	mux.Handle("/", s.page(func(http.ResponseWriter, *http.Request, *request) error { return errNotFound }))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withLanguage(w, r)
		s.render(w, r, &request{}, http.StatusForbidden, "error", pageData{
			Title: T(r, "Request refused"),
			Data:  errorView{Message: T(r, "This request came from another site and was refused. Open parley directly and try again.")},
		})
	}))
	return securityHeaders(cop.Handler(mux))
}

// securityHeaders sets headers that cost nothing on a page without scripts:
// the policy forbids every script and every foreign resource, so an HTML
// injection bug cannot become script execution or data exfiltration.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func (s *server) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") == s.cssVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Write(s.css)
}

// request is what a page handler knows about the request beyond
// net/http's: who is asking.
type request struct {
	// caller is nil for an anonymous reader.
	caller *access.Principal
}

// withLanguage finds the request's language (i18n.FromRequest) and puts
// its printer in the request's context. A language chosen with ?lang= is
// kept in a cookie for a year, so that the reader's choice holds on every
// page, over the browser's Accept-Language.
func (s *server) withLanguage(w http.ResponseWriter, r *http.Request) *http.Request {
	lang := i18n.FromRequest(r)
	if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
		if c, err := r.Cookie("lang"); err != nil || c.Value != q {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies || r.TLS != nil})
		}
	}
	w.Header().Add("Vary", "Accept-Language, Cookie")
	return r.WithContext(context.WithValue(r.Context(), printerKey{}, s.msgs.Printer(lang)))
}

// Messages returns the catalogues of the kernel's pages and of sections,
// merged.
func Messages(sections []Section) (*i18n.Bundle, error) {
	cats := []fs.FS{i18n.Named("web/locales", locales())}
	for _, sec := range sections {
		if c, ok := sec.(Cataloguer); ok {
			cats = append(cats, i18n.Named(fmt.Sprintf("the catalogue of %T", sec), c.Catalogue()))
		}
	}
	b, err := i18n.NewBundle(cats...)
	if err != nil {
		return nil, fmt.Errorf("the UI's messages: %w", err)
	}
	return b, nil
}

func locales() fs.FS {
	sub, err := fs.Sub(assets, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}

// ErrorText writes a refusal's message in p's language: from the format
// it was made of, when it has one, or its text when a catalogue has that.
// In English it is the message as the API gives it. An error passed on
// whole ("%v" of a password the rules refuse) is translated by its text,
// when a catalogue has it.
func ErrorText(p *i18n.Printer, e *app.Error) string {
	switch {
	case p.Lang == i18n.English:
		return e.Message
	case (e.Format == "%v" || e.Format == "%s") && len(e.Args) == 1:
		return p.Known(e.Message)
	case e.Format != "" && len(e.Args) > 0:
		return p.T(e.Format, e.Args...)
	case e.Format != "":
		return p.Word(e.Format)
	}
	return p.Known(e.Message)
}

// errorSentence is an error as a page says it: a refusal in p's language,
// after the field it names.
func errorSentence(p *i18n.Printer, err error) string {
	var e *app.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Field != "" {
		return e.Field + ": " + ErrorText(p, e)
	}
	return ErrorText(p, e)
}

// errNotFound makes a handler answer with the 404 page.
var errNotFound = errors.New("not found")

type pageHandler func(w http.ResponseWriter, r *http.Request, rq *request) error

// page adapts a page handler: it finds the caller and turns the handler's
// error into the 404 or 500 page, in this one place.
func (s *server) page(h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withLanguage(w, r)
		rq := &request{}
		caller, err := s.caller(w, r)
		if err == nil {
			rq.caller = caller
			err = h(w, r, rq)
		}
		if err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// fail answers with the error page that fits err. Internal errors are
// logged, never shown: their text may name tables, ids or records.
func (s *server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	p := Printer(r)
	if errors.Is(err, errNotFound) || app.ErrorCode(err) == app.CodeNotFound {
		s.render(w, r, rq, http.StatusNotFound, "error", pageData{
			Title: p.T("Not found"),
			Data:  errorView{Message: p.T("There is nothing to show at this address.")},
		})
		return
	}
	if app.ErrorCode(err) == app.CodeUnavailable {
		// Not yet: a record whose checkpoint is not yet published. The
		// message is written for the caller, who may read the record.
		var e *app.Error
		errors.As(err, &e)
		w.Header().Set("Retry-After", "1")
		v := errorView{Message: capitalize(ErrorText(p, e)) + "."}
		if rec, ok := strings.CutSuffix(r.URL.Path, "/proof.json"); ok {
			v.Back = rec
		}
		s.render(w, r, rq, http.StatusServiceUnavailable, "error", pageData{Title: p.T("Not available yet"), Data: v})
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // The client went away; nobody is left to answer.
	}
	var refused *app.Error
	if errors.As(err, &refused) && refused.Code != "" {
		// A refusal a section's page met (a brief the caller may not make):
		// the message is written for the caller, and is no server error.
		msg := capitalize(ErrorText(p, refused)) + "."
		if refused.Field != "" {
			msg = capitalize(refused.Field) + ": " + ErrorText(p, refused) + "."
		}
		s.render(w, r, rq, kindStatus(refused.Code), "error", pageData{Title: p.T("Refused"), Data: errorView{Message: msg}})
		return
	}
	s.logger.LogAttrs(r.Context(), slog.LevelError, "web request failed",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	s.render(w, r, rq, http.StatusInternalServerError, "error", pageData{
		Title: p.T("Something went wrong"),
		Data:  errorView{Message: p.T("The page could not be shown because of an error on the server. It has been logged; please try again later.")},
	})
}

type errorView struct {
	Message string
	// Back is the record page to return to, if the error is about a record's
	// proof.
	Back string
}

// pageData is what the layout renders around every page.
type pageData struct {
	Title string
	// Nav names the section highlighted in the navigation.
	Nav string
	// Data is the page's own content.
	Data any
	// Names resolves the ids a page's records refer to; its type is the
	// page's own (a section's names, or the kernel's partyNames).
	Names any
	// NavItems is the navigation of the sections.
	NavItems []NavItem

	Caller *access.Principal
	// CallerParty is the name of the caller's party.
	CallerParty string
	// Here is the current URL, where signing in returns to.
	Here       string
	CSSVersion string
	// Lang is the page's language, and Languages the links that show it
	// in each.
	Lang      string
	Languages []languageChoice
	// Integrity is set when the installation failed its integrity check:
	// every page says so. Findings, which may name records hidden from the
	// reader, are for the operator (an administrator of the mediating
	// party) only.
	Integrity *app.Integrity
}

// languageChoice is a link of the language switcher: the page, in a
// language.
type languageChoice struct {
	Code, Name, Href string
	Current          bool
}

// languageChoices links this page in each language: its query with lang
// set, the rest of it kept.
func languageChoices(r *http.Request, current string) []languageChoice {
	out := make([]languageChoice, len(i18n.Languages))
	for i, l := range i18n.Languages {
		q := r.URL.Query()
		q.Set("lang", l)
		// Relative to the page, so that no path ("//elsewhere") makes
		// it a link to another site.
		out[i] = languageChoice{Code: l, Name: i18n.Names[l], Href: "?" + q.Encode(), Current: l == current}
	}
	return out
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 page rather than half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, rq *request, status int, name string, d pageData) {
	d.Caller = rq.caller
	if c := rq.caller; c != nil {
		d.CallerParty = c.Party
		if e, err := s.svc.Get(r.Context(), c, s.svc.Registry().PartyKind().Name, c.Party); err == nil {
			d.CallerParty = cmp.Or(s.headlineOf(Printer(r), e), c.Party)
		}
	}
	d.Here = r.URL.RequestURI()
	d.CSSVersion = s.cssVersion
	if s.svc.IntegrityFailed() {
		in := s.svc.Integrity()
		if c := rq.caller; c == nil || !c.Has(access.RoleAdmin) || c.PartyRole != access.ProcessMediator {
			in.Findings = nil
		}
		d.Integrity = &in
	}
	if d.Names == nil {
		d.Names = partyNames{}
	}
	d.NavItems = s.nav
	d.Lang = Printer(r).Lang
	d.Languages = languageChoices(r, d.Lang)
	var buf bytes.Buffer
	if err := s.pages[d.Lang][name].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "couldn't render page",
			slog.String("template", name), slog.String("path", r.URL.Path), slog.Any("err", err))
		if name == "error" {
			http.Error(w, "internal server error", http.StatusInternalServerError)
			return
		}
		p := Printer(r)
		s.render(w, r, rq, http.StatusInternalServerError, "error", pageData{
			Title: p.T("Something went wrong"),
			Data:  errorView{Message: p.T("The page could not be shown because of an error on the server. It has been logged; please try again later.")},
		})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages hold what one reader may see; no shared cache may keep them.
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
