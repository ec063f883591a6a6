package talksweb_test

import (
	"cmp"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestPagesInEveryLanguage renders every page of the talks, to a reader
// of each kind, in Ukrainian and Russian through a strict bundle, and
// fails on a message of the talks the catalogues lack.
func TestPagesInEveryLanguage(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	sections := []web.Section{&talksweb.Section{}}
	ts, b := testkit.StrictSite(t, d.Service, sections...)

	round := d.Find(t, "us-mediator", talks.KindRound, "name", "Abu Dhabi, first trilateral round")
	// Each page, and a word of it in each language: its heading.
	pages := []struct {
		path   string
		uk, ru string
	}{
		{"/", "Хронологія процесу", "Хронология процесса"},
		{"/rounds", "<h1>Раунди</h1>", "<h1>Раунды</h1>"},
		{"/rounds/" + round, "Засідання", "Заседания"},
		{"/parties", "Роль у процесі", "Роль в процессе"},
		{"/parties/ua", "Делегації", "Делегации"},
		{"/agenda", "<h1>Порядок денний</h1>", "<h1>Повестка дня</h1>"},
		{"/actions", "<h1>Доручення</h1>", "<h1>Поручения</h1>"},
		{"/statements", "<h1>Заяви</h1>", "<h1>Заявления</h1>"},
	}
	for _, login := range []string{"", "ua-negotiator", "us-mediator"} {
		c := signIn(t, ts.URL, d, login)
		for _, p := range pages {
			for lang, want := range map[string]string{i18n.Ukrainian: p.uk, i18n.Russian: p.ru} {
				status, body := get(t, c, ts.URL+p.path+"?lang="+lang)
				if status != http.StatusOK {
					t.Errorf("%s: GET %s in %s: status %d", who(login), p.path, lang, status)
					continue
				}
				if !strings.Contains(html.UnescapeString(body), want) {
					t.Errorf("%s: GET %s in %s lacks %q", who(login), p.path, lang, want)
				}
			}
		}
	}
	// The English pages are as they were.
	c := signIn(t, ts.URL, d, "ua-negotiator")
	if _, body := get(t, c, ts.URL+"/?lang=en"); !strings.Contains(body, "Timeline of the process") || !strings.Contains(body, "no mediator") {
		t.Error("the English timeline is not in English")
	}

	for lang, keys := range b.Missed() {
		for _, k := range keys {
			t.Errorf("%s.json lacks %q", lang, k)
		}
	}
}

func who(login string) string { return cmp.Or(login, "anonymous") }

// signIn returns a client signed in as the demo login named login, or an
// anonymous one for "".
func signIn(t *testing.T, base string, d *testkit.Demo, login string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if login == "" {
		return c
	}
	l := d.Login(t, login)
	form := url.Values{"login": {l.Login}, "password": {l.Password}}
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in as %s: status %d, want 303", login, res.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}
