package ceasefireweb_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// site is the demo served with the ceasefire's pages.
type site struct {
	ts *httptest.Server
	d  *testkit.Demo
}

func newSite(t *testing.T) *site {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&ceasefireweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &site{ts: ts, d: d}
}

// signIn returns a client signed in as the demo's login.
func (s *site) signIn(t *testing.T, login string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	l := s.d.Login(t, login)
	res, err := c.PostForm(s.ts.URL+"/login", url.Values{"login": {l.Login}, "password": {l.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c
}

// TestCeasefirePage: each party and the mediator read the same ceasefire
// page, the phase in force with its condition and what decides it, and
// an approver is offered to consent for its own party; an anonymous
// reader gets none of it.
func TestCeasefirePage(t *testing.T) {
	s := newSite(t)
	get := func(login string) (int, string) {
		c := &http.Client{}
		if login != "" {
			c = s.signIn(t, login)
		}
		res, err := c.Get(s.ts.URL + "/ceasefire")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, login := range []string{"ua-negotiator", "ru-capital", "us-mediator"} {
		code, page := get(login)
		if code != http.StatusOK {
			t.Fatalf("%s: GET /ceasefire: %d", login, code)
		}
		for _, want := range []string{"Phase 1, <strong>No strikes on energy infrastructure</strong>", "Does not hold", "for 7 days",
			"Phase 2: General ceasefire <span class=\"status\">awaiting consent</span>", "Awaiting: ua, ru, us", "No verified violation."} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page does not say %q", login, want)
			}
		}
		// Phase 1 is agreed, and phase 2's conditions do not hold: no
		// consent is offered.
		if strings.Contains(page, "(signed)</a>") {
			t.Errorf("%s: offered to consent", login)
		}
	}
	// A ceasefire whose first phase awaits consent: a capital is offered
	// to consent for its party, a negotiator is not.
	quiet := s.d.MustWrite(t, "us-mediator", ceasefire.KindCeasefire, ceasefire.Ceasefire{Title: "Quiet", Parties: []string{"ua", "ru"}, MediatorID: "us"})
	s.d.MustWrite(t, "us-mediator", ceasefire.KindPhase, ceasefire.Phase{CeasefireID: quiet, Number: 1, Title: "Quiet", Prohibitions: []ceasefire.Prohibition{{ID: "all"}}})
	for login, want := range map[string]bool{"ru-capital": true, "ua-negotiator": false} {
		res, err := s.signIn(t, login).Get(s.ts.URL + "/ceasefire/" + quiet)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := strings.Contains(string(b), "(signed)</a>"); got != want {
			t.Errorf("%s offered to consent to the first phase: %v, want %v", login, got, want)
		}
	}
	// Public records only: no ceasefire, and not an error either.
	if code, page := get(""); code != http.StatusOK || strings.Contains(page, "No strikes on energy infrastructure") || !strings.Contains(page, "No ceasefire is recorded") {
		t.Errorf("an anonymous reader gets %d:\n%s", code, page)
	}
}

// TestMapData: the map's data is the caller's view: a party's negotiator
// and its capital, sharing a viewer, read the same incidents; an observer,
// who reads no record of the parties, and an anonymous reader get nothing.
func TestMapData(t *testing.T) {
	s := newSite(t)
	med := s.d.Principal(t, "us-mediator")
	es, _ := s.d.Service.All(t.Context(), &med, ceasefire.KindCeasefire, "")
	get := func(login string) (int, string) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		id := es[0].ID
		if l, other, ok := strings.Cut(login, "\x00"); ok {
			login, id = l, other
		}
		if login != "" {
			c = s.signIn(t, login)
		}
		res, err := c.Get(s.ts.URL + "/ceasefire/" + id + "/map.json?zoom=5")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, neg := get("ua-negotiator")
	if code != http.StatusOK || !strings.Contains(neg, `"total":4,"unplaced":1`) {
		t.Fatalf("ua-negotiator: %d %s", code, neg)
	}
	if _, capital := get("ua-capital"); capital != neg {
		t.Errorf("ua-capital reads %s, ua-negotiator %s", capital, neg)
	}
	// An id with a slash names no ceasefire (nor a board kept for
	// another).
	if code, body := get("ua-negotiator" + "\x00" + url.PathEscape(s.d.Principal(t, "us-mediator").ID+"/"+es[0].ID)); code != http.StatusNotFound {
		t.Errorf("an id with a slash: %d %s", code, body)
	}
	// A bad filter is refused in JSON, naming the parameter.
	c := s.signIn(t, "ua-negotiator")
	res, err := c.Get(s.ts.URL + "/ceasefire/" + es[0].ID + "/map.json?zoom=99")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"field":"zoom"`) || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("zoom=99: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	for _, login := range []string{"ae-observer", ""} {
		if code, body := get(login); code == http.StatusOK || strings.Contains(body, "total") {
			t.Errorf("%q reads the map's incidents: %d %s", login, code, body)
		}
	}
}
