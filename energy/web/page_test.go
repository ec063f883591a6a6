package energyweb_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	energyweb "github.com/parley-project/parley/energy/web"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type site struct {
	ts *httptest.Server
	d  *testkit.Demo
}

func newSite(t *testing.T) *site { return newSiteTB(t) }

func newSiteTB(t testing.TB) *site {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), web.Options{Sections: []web.Section{&energyweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &site{ts: ts, d: d}
}

func (s *site) client(t *testing.T, login string) *http.Client { return s.clientTB(t, login) }

func (s *site) clientTB(t testing.TB, login string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if login == "" {
		return c
	}
	l := s.d.Login(t, login)
	req, _ := http.NewRequest("POST", s.ts.URL+"/login", strings.NewReader(url.Values{"login": {l.Login}, "password": {l.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.ts.URL)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c
}

func (s *site) get(t *testing.T, c *http.Client, path string) (int, string, string) {
	return s.getTB(t, c, path)
}

func (s *site) getTB(t testing.TB, c *http.Client, path string) (int, string, string) {
	t.Helper()
	res, err := c.Get(s.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Request.URL.Path
}

// The plant's page, a statement and one of its days, as a party reads
// them: the statements with their status and balances, the chart of
// entitlement against delivery, a statement's figures, what it leaves
// open, and a day's quarter-hours down to each meter's readings record.
func TestPages(t *testing.T) {
	s := newSite(t)
	c := s.client(t, "ru-capital")
	code, page, path := s.get(t, c, "/energy")
	if code != 200 || !strings.HasPrefix(path, "/energy/") {
		t.Fatalf("GET /energy: %d at %s", code, path)
	}
	for _, want := range []string{"Zaporizhzhia Nuclear Power Plant", "6 units", "January 2026", "<strong>final</strong>",
		"February 2026", "awaiting co-signatures", "March 2026", "Cumulative entitlement (dashed) and delivery (solid)", "<polyline",
		"Running balance of compensation", "D-ua", "From 1 January 2026: ua 0.5, ru 0.5", "undecided"} {
		if !strings.Contains(page, want) {
			t.Errorf("the plant's page does not say %q", want)
		}
	}
	if strings.Contains(page, "Settle and commit the statement") {
		t.Error("a capital approver is offered to commit a statement")
	}
	march := regexp.MustCompile(`href="/energy-statements/([^"]+)">March 2026`).FindStringSubmatch(page)
	if march == nil {
		t.Fatal("no link to March's statement")
	}
	code, page, _ = s.get(t, c, "/energy-statements/"+march[1])
	for _, want := range []string{"Settlement statement, March 2026", "Left open", "disputed", "Compensation owed", "owes",
		"Day by day", `/day?day=2026-03-01`} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("March's statement (%d) does not say %q", code, want)
		}
	}
	if strings.Contains(page, "The trace could not be made") {
		t.Error("the trace of March could not be made")
	}
	// The PDF says the same.
	code, pdfBytes, _ := s.get(t, c, "/energy-statements/"+march[1]+"/statement.pdf")
	if code != 200 {
		t.Fatalf("the PDF: %d", code)
	}
	text := testkit.PDFText(t, []byte(pdfBytes))
	for _, want := range []string{"Zaporizhzhia Nuclear Power Plant: settlement statement, March 2026", "Per party", "Compensation owed", "Left open",
		"disputed", "Cumulative entitlement (dashed) and delivery (solid), GWh", "2026-03-15 96", "Awaiting co-signatures."} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text[:min(len(text), 3000)])
		}
	}
	code, page, _ = s.get(t, c, "/energy-statements/"+march[1]+"/day?day=2026-03-01")
	if code != 200 || strings.Count(page, `<td class="nowrap">`) != 96 || !strings.Contains(page, `href="/k/meter-readings/`) {
		t.Errorf("the day's page: %d, %d quarter-hours", code, strings.Count(page, `<td class="nowrap">`))
	}
	// An observer reads none of it.
	if code, _, _ := s.get(t, s.client(t, "ae-observer"), "/energy-statements/"+march[1]); code != 404 {
		t.Errorf("an observer reading a statement: %d", code)
	}
	// The mediator is offered the form to commit one.
	m := s.client(t, "us-mediator")
	_, page, _ = s.get(t, m, "/energy")
	if !strings.Contains(page, "Settle and commit the statement") {
		t.Error("the mediator is not offered to commit a statement")
	}
}
