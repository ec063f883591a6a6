package negotiationweb_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/testkit"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// site is the demo, through a real transparency log, served by the UI
// with the talks' and the negotiation's sections, as the binary wires them
// (cmd/parley/domains.go).
type site struct {
	demo *testkit.Demo
	ts   *httptest.Server
	// logs holds what the UI logged (its errors), for failure messages.
	logs *testkit.Buffer
}

func newSite(t *testing.T) *site { return newSiteWith(t, nil) }

// newSiteWith is newSite writing its pages through msgs (nil: the
// sections' catalogues, as the binary has them).
func newSiteWith(t *testing.T, msgs *i18n.Bundle) *site {
	t.Helper()
	tl := testkit.NewLog(t)
	d := testkit.NewDemo(t, testkit.DemoOptions{Log: tl.Log})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)), web.Options{
		Sections: sections(),
		Log:      tl.Log,
		Messages: msgs,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &site{demo: d, ts: ts, logs: logs}
}

// sections are the UI's sections, as the binary wires them.
func sections() []web.Section {
	return []web.Section{&talksweb.Section{}, &negotiationweb.Section{}}
}

// as signs in as the demo login named login and returns the principal,
// for the reads a test makes to learn ids.
func (s *site) as(t *testing.T, login string) *access.Principal {
	t.Helper()
	p := s.demo.Principal(t, login)
	return &p
}

// find returns the one item of items that ok picks, and fails the test
// unless there is exactly one.
func find[T any](t *testing.T, what string, items []web.Item[T], ok func(*T) bool) web.Item[T] {
	t.Helper()
	var found []web.Item[T]
	for _, it := range items {
		if ok(it.V) {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the demo has %d %s; want exactly one", len(found), what)
	}
	return found[0]
}

// load is web.Load as the principal, failing the test on an error.
func load[T any](t *testing.T, s *site, p *access.Principal, kind string) []web.Item[T] {
	t.Helper()
	items, err := web.Load[T](t.Context(), s.demo.Service, p, kind, "")
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// httpClient signs in over HTTP with the login form as the demo login
// named login, and returns a client holding the session cookie.
func (s *site) httpClient(t *testing.T, login string) *http.Client {
	t.Helper()
	l := s.demo.Login(t, login)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"login": {l.Login}, "password": {l.Password}}
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.ts.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in as %s: status %d, want 303", login, res.StatusCode)
	}
	return c
}
