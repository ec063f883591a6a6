package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/auth"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fixture is the demo scenario on a real SQLite file, served by the UI.
type fixture struct {
	st     store.Store
	svc    *app.Service
	srv    *web.Server
	ts     *httptest.Server
	logins []scenario.Login
	logs   *bytes.Buffer
}

func newFixture(t *testing.T, opts web.Options) *fixture {
	t.Helper()
	return openFixture(t, opts, nil)
}

// newFixtureWithLog is newFixture with a real log attached before the
// scenario is loaded, so that every record has a leaf, and given to the UI
// in Options.Log. The log needs every named witness's cosignature.
func newFixtureWithLog(t *testing.T, opts web.Options, witnesses ...string) (*fixture, *testkit.Log) {
	t.Helper()
	tl := testkit.NewLog(t, witnesses...)
	opts.Log = tl.Log
	return openFixture(t, opts, tl.Log), tl
}

// openFixture loads the scenario through a service with log attached, if
// log is not nil, and serves the UI.
func openFixture(t *testing.T, opts web.Options, log app.Log) *fixture {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{Log: log})
	logs := new(bytes.Buffer)
	opts.Sections = append(opts.Sections, &talksweb.Section{})
	srv, err := web.NewServer(d.Service, slog.New(slog.NewTextHandler(logs, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{st: d.Store, svc: d.Service, srv: srv, ts: ts, logins: d.Logins, logs: logs}
}

func (f *fixture) login(t *testing.T, party string, role access.Role) scenario.Login {
	t.Helper()
	for _, l := range f.logins {
		if l.Party == party && slices.Contains(l.Roles, role) {
			return l
		}
	}
	t.Fatalf("the scenario has no %s of party %s", role, party)
	return scenario.Login{}
}

// client returns an HTTP client that keeps cookies and does not follow
// redirects, so that tests see each response as it is.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (f *fixture) get(t *testing.T, c *http.Client, path string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", f.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func (f *fixture) post(t *testing.T, c *http.Client, path string, form url.Values, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", f.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(t, c, req)
}

// signIn signs in as l and returns the client holding the session.
func (f *fixture) signIn(t *testing.T, l scenario.Login) *http.Client {
	t.Helper()
	c := client(t)
	res := f.post(t, c, "/login", url.Values{"login": {l.Login}, "password": {l.Password}}, nil)
	if res.status != http.StatusSeeOther {
		t.Fatalf("signing in as %s: status %d, want 303\n%s", l.Login, res.status, res.body)
	}
	return c
}

func sessionCookie(t *testing.T, res response) *http.Cookie {
	t.Helper()
	for _, line := range res.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == web.CookieName {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)

	c := client(t)
	res := f.get(t, c, "/login")
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="password"`) {
		t.Fatalf("GET /login: status %d, body\n%s", res.status, res.body)
	}

	res = f.post(t, c, "/login", url.Values{"login": {ua.Login}, "password": {"not-the-password"}}, nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Wrong login or password") {
		t.Errorf("wrong password: status %d, want 401 with a message\n%s", res.status, res.body)
	}
	if sessionCookie(t, res) != nil {
		t.Error("wrong password set a session cookie")
	}
	res = f.post(t, c, "/login", url.Values{"login": {"nobody-here"}, "password": {"whatever-it-is"}}, nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Wrong login or password") {
		t.Errorf("unknown login: status %d, want 401 with the same message", res.status)
	}

	res = f.post(t, c, "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}, "next": {"/rounds"}}, nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/rounds" {
		t.Fatalf("sign-in: status %d, Location %q; want 303 to /rounds", res.status, res.header.Get("Location"))
	}
	ck := sessionCookie(t, res)
	if ck == nil {
		t.Fatal("sign-in set no session cookie")
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge != int(web.DefaultSessionIdle/time.Second) {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP, Max-Age 30m (the idle timeout)", ck)
	}

	res = f.get(t, c, "/")
	for _, want := range []string{ua.Name, "Ukraine", "negotiator", "Sign out"} {
		if !strings.Contains(html.UnescapeString(res.body), want) {
			t.Errorf("signed-in header lacks %q", want)
		}
	}
	if strings.Contains(res.body, ">Sign in<") {
		t.Error("signed-in page still offers to sign in")
	}

	res = f.post(t, c, "/logout", nil, nil)
	if res.status != http.StatusSeeOther {
		t.Fatalf("logout: status %d", res.status)
	}
	if ck := sessionCookie(t, res); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("logout did not clear the cookie: %+v", ck)
	}
	if res := f.get(t, c, "/"); !strings.Contains(res.body, ">Sign in<") || strings.Contains(res.body, ua.Name) {
		t.Error("after logout the page is still signed in")
	}
}

func TestLoginRedirectStaysLocal(t *testing.T) {
	for next, want := range map[string]string{
		"":                         "/",
		"/rounds/x?y=1":            "/rounds/x?y=1",
		"//evil.example/":          "/",
		"/\\evil.example":          "/",
		"https://evil.example/":    "/",
		"javascript:alert(1)":      "/",
		"rounds":                   "/",
		"/login":                   "/",
		"/%0d%0aSet-Cookie:%20x=1": "/%0d%0aSet-Cookie:%20x=1",
	} {
		if got := web.LocalPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestSecureCookie(t *testing.T) {
	f := newFixture(t, web.Options{SecureCookies: true})
	ua := f.login(t, "ua", access.RoleNegotiator)
	res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
	if ck := sessionCookie(t, res); ck == nil || !ck.Secure {
		t.Errorf("with SecureCookies the cookie is %+v; want Secure", ck)
	}

	// Over TLS the flag is set whatever the options say.
	tls := httptest.NewTLSServer(f.srv.Handler())
	defer tls.Close()
	f.srv.SetSecureCookies(false)
	form := url.Values{"login": {ua.Login}, "password": {ua.Password}}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", tls.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := tls.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if ck := sessionCookie(t, do(t, c, req)); ck == nil || !ck.Secure {
		t.Errorf("over TLS the cookie is %+v; want Secure", ck)
	}
}

func TestCookieTampering(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	uaP, err := f.svc.Login(t.Context(), ua.Login, ua.Password)
	if err != nil {
		t.Fatal(err)
	}
	med := f.login(t, "us", access.RoleMediator)
	medP, err := f.svc.Login(t.Context(), med.Login, med.Password)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := f.srv.SignSession(uaP.ID, now, now)
	parts := strings.Split(good, ".")
	if len(parts) != 4 {
		t.Fatalf("cookie %q is not id.began.seen.mac", good)
	}
	flipped := []byte(parts[3])
	flipped[3] ^= 1
	other := f.srv.WithKey(bytes.Repeat([]byte{7}, 32))

	signedIn := func(value string) (bool, response) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", f.ts.URL+"/rounds", nil)
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: value})
		res := do(t, http.DefaultClient, req)
		return strings.Contains(res.body, "Sign out"), res
	}
	if ok, _ := signedIn(good); !ok {
		t.Fatal("a well-signed cookie is not accepted")
	}
	for name, value := range map[string]string{
		"flipped MAC":        strings.Join([]string{parts[0], parts[1], parts[2], string(flipped)}, "."),
		"other principal":    strings.Join([]string{medP.ID, parts[1], parts[2], parts[3]}, "."),
		"later use":          strings.Join([]string{parts[0], parts[1], "9999999999999999", parts[3]}, "."),
		"no MAC":             strings.Join(parts[:3], "."),
		"empty MAC":          strings.Join(parts[:3], ".") + ".",
		"id only":            uaP.ID,
		"idle too long":      f.srv.SignSession(uaP.ID, now.Add(-time.Hour), now.Add(-web.DefaultSessionIdle)),
		"begun too long ago": f.srv.SignSession(uaP.ID, now.Add(-web.DefaultSessionMax), now),
		"v1 (an expiry)":     uaP.ID + "." + strconv.FormatInt(now.Add(time.Hour).UnixMicro(), 10) + "." + parts[3],
		"other key":          other.SignSession(medP.ID, now, now),
		"unknown principal":  f.srv.SignSession("0190000-nobody", now, now),
		"garbage":            "%%%...",
	} {
		ok, res := signedIn(value)
		if ok || res.status != http.StatusOK {
			t.Errorf("%s: signed in %v, status %d; want an anonymous page", name, ok, res.status)
		}
		if ck := sessionCookie(t, res); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("%s: the bad cookie was not cleared", name)
		}
	}
}

func TestCrossOriginPostsRefused(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	form := url.Values{"login": {ua.Login}, "password": {ua.Password}}
	for _, tc := range []struct {
		path   string
		header map[string]string
	}{
		{"/login", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"/login", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"/login", map[string]string{"Origin": "https://evil.example"}},
		{"/logout", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"/logout", map[string]string{"Origin": "https://evil.example"}},
		{"/account/password", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"/account/password", map[string]string{"Origin": "https://evil.example"}},
	} {
		c := f.signIn(t, ua)
		res := f.post(t, c, tc.path, form, tc.header)
		if res.status != http.StatusForbidden {
			t.Errorf("POST %s with %v: status %d, want 403", tc.path, tc.header, res.status)
		}
		if ck := sessionCookie(t, res); ck != nil {
			t.Errorf("POST %s with %v changed the session cookie", tc.path, tc.header)
		}
		if !strings.Contains(res.body, "another site") {
			t.Errorf("POST %s with %v: the refusal page does not explain itself", tc.path, tc.header)
		}
	}
	// The same requests from the site itself go through.
	c := client(t)
	res := f.post(t, c, "/login", form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": f.ts.URL})
	if res.status != http.StatusSeeOther {
		t.Errorf("same-origin sign-in: status %d, want 303", res.status)
	}
	res = f.post(t, c, "/logout", nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if res.status != http.StatusSeeOther {
		t.Errorf("same-origin logout: status %d, want 303", res.status)
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t, web.Options{})
	c := f.signIn(t, f.login(t, "ua", access.RoleNegotiator))
	rounds, err := f.svc.All(t.Context(), nil, talks.KindRound, "")
	if err != nil {
		t.Fatal(err)
	}
	var abuDhabi string
	for _, e := range rounds {
		r, _ := decode[talks.Round](e.Body)
		if r.Name == "Abu Dhabi, first trilateral round" {
			abuDhabi = e.ID
		}
	}
	if abuDhabi == "" {
		t.Fatal("the scenario has no first Abu Dhabi round")
	}
	for path, wants := range map[string][]string{
		"/":                   {"November 2025", "Geneva consultations", "Kremlin meeting", "Thu 22 January 2026", "Direct, without mediator", "no mediator"},
		"/rounds":             {"Abu Dhabi, first trilateral round", "23–24 January 2026", "tentative", "November 2025"},
		"/rounds/" + abuDhabi: {"Plenary session", "Direct Russian-Ukrainian meeting", "no mediator", "mediator present", "Steve Witkoff", "Kyrylo Budanov", "head", "Report to Kyiv", "ua only", "all parties", "public", "hit not only our people"},
		"/parties":            {"Ukraine", "Russia", "United States", "mediator", "observer"},
		"/parties/ua":         {"Rustem Umerov", "National security adviser", "Chief negotiator", "News report B", "Abu Dhabi, first trilateral round", "negotiator"},
		"/agenda":             {"Territory", "Zaporizhzhia", "under discussion"},
		"/actions":            {"Open", "Report to Kyiv", "1 February 2026", "ua + mediator", "ua only"},
		"/statements":         {"Yuri Ushakov", "News report A", "Kremlin meeting"},
		"/static/style.css?v=" + f.srv.CSSVersion(): {"@media print"},
	} {
		res := f.get(t, c, path)
		if res.status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.status)
			continue
		}
		text := html.UnescapeString(res.body)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("GET %s lacks %q", path, w)
			}
		}
	}

	// The timeline is in order of the calendar, whatever the offsets.
	text := f.get(t, c, "/").body
	order := []string{"Geneva consultations", "Ministry of Economy of Ukraine", "Davos meeting", "Kremlin meeting", "US envoys with the Russian president", "Abu Dhabi, first trilateral round", "Plenary session", "Direct Russian-Ukrainian meeting", "Abu Dhabi, second trilateral round"}
	last := -1
	for _, s := range order {
		i := strings.Index(text, s)
		if i < last {
			t.Errorf("timeline: %q comes too early", s)
		}
		last = i
	}

	for _, path := range []string{"/rounds/no-such-round", "/parties/zz", "/nothing-here", "/rounds/" + abuDhabi + "/x"} {
		res := f.get(t, c, path)
		if res.status != http.StatusNotFound || !strings.Contains(res.body, "Not found") || !strings.Contains(res.body, "<html") {
			t.Errorf("GET %s: status %d, want the 404 page", path, res.status)
		}
	}
	res := f.get(t, c, "/rounds")
	for k, v := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"} {
		if got := res.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestServerErrorPage(t *testing.T) {
	f := newFixture(t, web.Options{})
	f.st.Close() // every read now fails
	res := f.get(t, client(t), "/rounds")
	if res.status != http.StatusInternalServerError || !strings.Contains(res.body, "Something went wrong") {
		t.Fatalf("status %d, want the 500 page\n%s", res.status, res.body)
	}
	if strings.Contains(strings.ToLower(res.body), "sql") || strings.Contains(res.body, "closed") {
		t.Errorf("the 500 page shows internals:\n%s", res.body)
	}
	if !strings.Contains(f.logs.String(), "web request failed") {
		t.Errorf("the error was not logged; log:\n%s", f.logs.String())
	}
}

// texts returns the free-text fields of an entity's body: what a page would
// print of it.
func texts(e store.Entity) []string {
	var m map[string]any
	if err := json.Unmarshal(e.Body, &m); err != nil {
		return nil
	}
	var out []string
	for _, k := range []string{"name", "title", "text", "summary", "outcome", "note", "excerpt", "comment", "content", "region"} {
		if s, ok := m[k].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// headline is the one text of an entity that a page listing it must show.
func headline(e store.Entity) string {
	var m map[string]any
	json.Unmarshal(e.Body, &m)
	for _, k := range []string{"name", "title", "text"} {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// TestVisibility signs in as each kind of demo reader, reads every page
// that reader can reach, and checks the pages against the store's ground
// truth: nothing of a record outside the reader's audience appears anywhere
// (neither its id nor its text nor its audience badge), and every record
// inside it appears somewhere. The pages include the page of every record
// the reader may read, older versions too; any other record's page is the
// 404 of a record that does not exist.
func TestVisibility(t *testing.T) {
	f := newFixture(t, web.Options{})
	all := testkit.Entities(t, f.st)
	allRecords := testkit.Records(t, f.st)
	readers := []struct {
		name   string
		login  *scenario.Login
		viewer access.Viewer
	}{{name: "anonymous", viewer: access.Anonymous}}
	for _, want := range []struct {
		party string
		role  access.Role
	}{{"ua", access.RoleNegotiator}, {"ru", access.RoleNegotiator}, {"us", access.RoleMediator}, {"ae", access.RoleObserver}} {
		l := f.login(t, want.party, want.role)
		p, err := f.svc.Login(t.Context(), l.Login, l.Password)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, struct {
			name   string
			login  *scenario.Login
			viewer access.Viewer
		}{l.Login, &l, access.ViewerOf(p)})
	}

	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			c := client(t)
			if rd.login != nil {
				c = f.signIn(t, *rd.login)
			}
			var visible, hidden []store.Entity
			for _, e := range all {
				if access.CanSee(rd.viewer, e.Audience) {
					visible = append(visible, e)
				} else {
					hidden = append(hidden, e)
				}
			}
			if rd.name == "ua-negotiator" {
				confidential := 0
				for _, e := range visible {
					if e.Audience.Party == "ua" {
						confidential++
					}
				}
				if confidential == 0 {
					t.Fatal("the scenario shows the UA negotiator nothing confidential to Ukraine; the test would prove little")
				}
			}
			if rd.name != "us-mediator" && len(hidden) == 0 {
				t.Fatalf("nothing is hidden from %s; the test would prove little", rd.name)
			}

			visibleRecs, hiddenRecs := visibleRecords(allRecords, rd.viewer)
			if rd.name != "us-mediator" && len(hiddenRecs) == 0 {
				t.Fatalf("no record is hidden from %s; the test would prove little", rd.name)
			}

			// Every page this reader can reach.
			paths := []string{"/", "/rounds", "/parties", "/agenda", "/actions", "/statements", "/transparency", "/login"}
			for _, r := range visibleRecs {
				paths = append(paths, "/records/"+r.ID)
			}
			for _, e := range visible {
				switch e.Kind {
				case talks.KindRound:
					paths = append(paths, "/rounds/"+e.ID)
				case talks.KindParty:
					paths = append(paths, "/parties/"+e.ID)
				}
			}
			var pages strings.Builder
			for _, p := range paths {
				res := f.get(t, c, p)
				if res.status != http.StatusOK {
					t.Errorf("GET %s: status %d", p, res.status)
				}
				if rd.login == nil && !strings.Contains(res.body, ">Sign in<") {
					t.Errorf("GET %s offers an anonymous reader no way to sign in", p)
				}
				pages.WriteString(html.UnescapeString(res.body))
			}
			text := pages.String()

			// What the reader may see, and so what may appear for that
			// reason although a hidden record carries it too.
			var seen []string
			labels := map[string]bool{}
			for _, e := range visible {
				seen = append(append(seen, e.ID), texts(e)...)
				labels[web.AudienceLabel(e.Audience)] = true
			}
			for _, r := range visibleRecs {
				labels[web.AudienceLabel(r.Audience)] = true
			}
			// A relay names the position it is taken from, on purpose:
			// that id (the position's first record's too) may show.
			origins := map[string]bool{}
			for _, e := range visible {
				ent, err := scenario.Registry().Decode(e.Kind, e.Body)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range ent.References() {
					if ref.Origin {
						origins[ref.ID] = true
					}
				}
			}
			seenAnywhere := func(s string) bool {
				for _, v := range seen {
					if strings.Contains(v, s) {
						return true
					}
				}
				return false
			}
			for _, e := range hidden {
				if !origins[e.ID] && strings.Contains(text, e.ID) {
					t.Errorf("the pages show the id of %s %s (audience %s)", e.Kind, e.ID, access.Describe(e.Audience))
				}
				for _, s := range texts(e) {
					if len(s) >= 6 && !seenAnywhere(s) && strings.Contains(text, s) {
						t.Errorf("the pages show %q of %s %s (audience %s)", s, e.Kind, e.ID, access.Describe(e.Audience))
					}
				}
				if l := web.AudienceLabel(e.Audience); !labels[l] && strings.Contains(text, ">"+l+"<") {
					t.Errorf("the pages show the audience badge %q of records hidden from this reader", l)
					labels[l] = true // once is enough
				}
				switch e.Kind {
				case talks.KindRound, talks.KindParty:
					path := "/rounds/"
					if e.Kind == talks.KindParty {
						path = "/parties/"
					}
					if res := f.get(t, c, path+e.ID); res.status != http.StatusNotFound || strings.Contains(html.UnescapeString(res.body), headline(e)) {
						t.Errorf("GET %s%s: status %d; want the same 404 as for nothing", path, e.ID, res.status)
					}
				}
			}
			missingID := record.NewID()
			missing := f.get(t, c, "/records/"+missingID)
			for _, r := range hiddenRecs {
				if !origins[r.ID] && strings.Contains(text, r.ID) {
					t.Errorf("the pages show the id of record %s (%s, audience %s)", r.ID, r.Kind, access.Describe(r.Audience))
				}
				res := f.get(t, c, "/records/"+r.ID)
				norm := func(res response) string {
					return strings.NewReplacer(r.ID, "ID", missingID, "ID").Replace(res.body)
				}
				if res.status != http.StatusNotFound || norm(res) != norm(missing) {
					t.Errorf("GET /records/%s: status %d; want the same 404 as for nothing", r.ID, res.status)
				}
				for _, e := range hidden {
					if h := headline(e); h != "" && e.RecordID == r.ID && strings.Contains(html.UnescapeString(res.body), h) {
						t.Errorf("GET /records/%s shows %q", r.ID, headline(e))
					}
				}
			}
			for _, e := range visible {
				if h := headline(e); h != "" && !strings.Contains(text, h) {
					t.Errorf("the pages never show %s %s %q (audience %s), which this reader may see", e.Kind, e.ID, h, access.Describe(e.Audience))
				}
			}
		})
	}
}

func TestDates(t *testing.T) {
	gulf := time.FixedZone("", 4*3600)
	at := time.Date(2026, 1, 23, 9, 30, 0, 0, gulf)
	end := at.Add(3 * time.Hour)
	night := time.Date(2026, 1, 22, 23, 45, 0, 0, time.FixedZone("", 3*3600))
	nightEnd := night.Add(4 * time.Hour)
	for _, c := range [][2]string{
		{web.When(at, talks.PrecisionMonth), "January 2026"},
		{web.When(at, talks.PrecisionDay), "Fri 23 January 2026"},
		{web.When(at, ""), "Fri 23 January 2026, 09:30 (UTC+04:00)"},
		{web.When(at.UTC(), talks.PrecisionMinute), "Fri 23 January 2026, 05:30 (UTC)"},
		{web.Span(at, &end, talks.PrecisionMinute), "Fri 23 January 2026, 09:30–12:30 (UTC+04:00)"},
		{web.Span(night, &nightEnd, ""), "Thu 22 January 2026, 23:45 – Fri 23 January, 03:45 (UTC+03:00)"},
		{web.Span(at, &end, talks.PrecisionDay), "Fri 23 January 2026"},
		{web.Days("2025-11-01", "2025-11-30", "month"), "November 2025"},
		{web.Days("2025-11-01", "2025-12-31", "month"), "November 2025 – December 2025"},
		{web.Days("2026-01-23", "2026-01-24", ""), "23–24 January 2026"},
		{web.Days("2026-01-22", "2026-01-22", "day"), "22 January 2026"},
		{web.Days("2026-01-31", "2026-02-01", ""), "31 January – 1 February 2026"},
		{web.Days("2025-12-31", "2026-01-01", ""), "31 December 2025 – 1 January 2026"},
		{web.Day("2026-02-01", ""), "1 February 2026"},
		{web.Day("2025-11-01", talks.PrecisionMonth), "November 2025"},
		{web.AudienceLabel(audience("party", "ua")), "ua only"},
		{web.AudienceLabel(audience("party+mediator", "ru")), "ru + mediator"},
		{web.AudienceLabel(audience("parties", "")), "all parties"},
		{web.AudienceLabel(audience("public", "")), "public"},
	} {
		if got, want := c[0], c[1]; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func audience(scope, party string) record.Audience {
	return record.Audience{Scope: record.Scope(scope), Party: party}
}

func decode[T any](body json.RawMessage) (*T, error) {
	v := new(T)
	err := json.Unmarshal(body, v)
	return v, err
}

// TestSignInThrottled: five wrong passwords for a login lock it for a while,
// without hashing, however good the next password; another login goes on.
func TestSignInThrottled(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua, ru := f.login(t, "ua", access.RoleNegotiator), f.login(t, "ru", access.RoleNegotiator)
	c := client(t)
	for i := range 5 {
		res := f.post(t, c, "/login", url.Values{"login": {ua.Login}, "password": {"not the password"}}, nil)
		if res.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i+1, res.status)
		}
	}
	res := f.post(t, c, "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "Too many failed sign-ins") {
		t.Errorf("the right password after five wrong ones: status %d, Retry-After %q; want 429 saying why", res.status, res.header.Get("Retry-After"))
	}
	if res := f.post(t, client(t), "/login", url.Values{"login": {ru.Login}, "password": {ru.Password}}, nil); res.status != http.StatusSeeOther {
		t.Errorf("another login from the same address: status %d, want 303", res.status)
	}
}

// TestThrottle: a key is refused after max failures within the window,
// until the oldest leaves it; forgetting a key clears it.
func TestThrottle(t *testing.T) {
	th := web.NewThrottle(3, time.Minute)
	t0 := time.Date(2026, 1, 23, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if w := th.Wait("a", t0); w != 0 {
			t.Fatalf("after %d failures: wait %v", i, w)
		}
		th.Fail("a", t0.Add(time.Duration(i)*time.Second))
	}
	if w := th.Wait("a", t0.Add(10*time.Second)); w != 50*time.Second {
		t.Errorf("after 3 failures: wait %v, want 50s (until the first leaves the window)", w)
	}
	if w := th.Wait("b", t0); w != 0 {
		t.Errorf("another key: wait %v", w)
	}
	if w := th.Wait("a", t0.Add(time.Minute)); w != 0 {
		t.Errorf("a minute after the first failure: wait %v, want 0", w)
	}
	th.Fail("a", t0.Add(time.Minute))
	th.Forget("a")
	if w := th.Wait("a", t0.Add(time.Minute)); w != 0 {
		t.Errorf("after forgetting: wait %v", w)
	}
}

// TestLogoutEndsSessions: signing out ends the session itself, not only the
// browser's cookie: the same cookie sent again afterwards (kept by another
// browser, or stolen) is anonymous, and signing in again starts afresh.
func TestLogoutEndsSessions(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	signin := func() string {
		res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
		c := sessionCookie(t, res)
		if res.status != http.StatusSeeOther || c == nil {
			t.Fatalf("sign in: %d", res.status)
		}
		return c.Value
	}
	with := func(cookie, method, path string) response {
		req, _ := http.NewRequestWithContext(t.Context(), method, f.ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: cookie})
		return do(t, client(t), req)
	}
	signedIn := func(res response) bool { return strings.Contains(res.body, `action="/logout"`) }
	old := signin()
	other := signin() // the same principal, in another browser
	if !signedIn(with(old, "GET", "/rounds")) {
		t.Fatal("the session cookie does not sign in")
	}
	if res := with(old, "POST", "/logout"); res.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.status)
	}
	for name, c := range map[string]string{"the signed-out cookie": old, "the other browser's cookie": other} {
		if signedIn(with(c, "GET", "/rounds")) {
			t.Errorf("%s still signs in after signing out", name)
		}
	}
	if fresh := signin(); !signedIn(with(fresh, "GET", "/rounds")) {
		t.Error("signing in again after signing out does not sign in")
	}
}

// TestSignInBusy: a sign-in that finds password hashing busy is answered
// 503 with Retry-After and counts as no failure; a client address that
// has failed recently is a Suspect for the hasher (it does not wait), one
// that has not is Normal.
func TestSignInBusy(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	var prios []auth.Priority
	busy := false
	f.srv.SetSignIn(func(ctx context.Context, login, password string) (access.Principal, error) {
		prios = append(prios, auth.PriorityOf(ctx))
		if busy {
			return access.Principal{}, auth.ErrBusy
		}
		return f.svc.Login(ctx, login, password)
	})
	ts := httptest.NewServer(f.srv.Handler())
	t.Cleanup(ts.Close)
	f.ts = ts

	busy = true
	for i := range 10 {
		res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
		if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") != "1" || !strings.Contains(res.body, "busy") {
			t.Fatalf("sign-in %d with the hasher busy: status %d, Retry-After %q; want 503 saying why, Retry-After 1", i+1, res.status, res.header.Get("Retry-After"))
		}
	}
	busy = false
	f.signIn(t, ua) // ten busy answers were no failures: the login is not locked
	if res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {"not the password"}}, nil); res.status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: status %d, want 401", res.status)
	}
	f.signIn(t, ua)
	want := slices.Repeat([]auth.Priority{auth.Normal}, 12)
	if want = append(want, auth.Suspect); !slices.Equal(prios, want) {
		t.Errorf("the sign-ins' priorities for the hasher: %v, want %v (Suspect once the address failed)", prios, want)
	}
}

// TestSessionTimeouts: a session ends SessionIdle after its last request
// and SessionMax after it began, however busy it is. Each request slides
// the idle timeout on with a cookie signed anew, which the browser is told
// to keep until the earlier of the two.
func TestSessionTimeouts(t *testing.T) {
	f := newFixture(t, web.Options{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour})
	ua := f.login(t, "ua", access.RoleNegotiator)
	start := time.Date(2026, 1, 23, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := start
	f.srv.SetNow(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	})
	at := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		clock = start.Add(d)
	}
	// visit reads a page with cookie and returns whether it was signed in
	// and the cookie the answer set, if any.
	visit := func(cookie string) (bool, *http.Cookie) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", f.ts.URL+"/rounds", nil)
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: cookie})
		res := do(t, client(t), req)
		return strings.Contains(res.body, `action="/logout"`), sessionCookie(t, res)
	}

	res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
	first := sessionCookie(t, res)
	if first == nil || first.MaxAge != 30*60 {
		t.Fatalf("sign-in: cookie %+v, want one kept for 30 minutes", first)
	}
	at(29 * time.Minute)
	in, cur := visit(first.Value)
	if !in || cur == nil || cur.Value == first.Value || cur.MaxAge != 30*60 {
		t.Fatalf("29 minutes on: signed in %v, cookie %+v; want signed in, with a new cookie kept for 30 minutes", in, cur)
	}
	at(31 * time.Minute)
	if in, ck := visit(first.Value); in || ck == nil || ck.MaxAge >= 0 {
		t.Errorf("the first cookie, 31 minutes after its last use: signed in %v, cookie %+v; want anonymous and the cookie cleared", in, ck)
	}
	// Busy all along: a request every 25 minutes keeps the session, but
	// only until two hours after it began.
	for d := 31 * time.Minute; d < 2*time.Hour; d += 25 * time.Minute {
		at(d)
		in, next := visit(cur.Value)
		if !in || next == nil {
			t.Fatalf("%v after signing in, 25 minutes after the last request: not signed in", d)
		}
		if want := int(min(30*time.Minute, 2*time.Hour-d) / time.Second); next.MaxAge != want {
			t.Errorf("%v after signing in: the cookie is kept for %ds, want %ds", d, next.MaxAge, want)
		}
		cur = next
	}
	at(2 * time.Hour)
	if in, ck := visit(cur.Value); in || ck == nil || ck.MaxAge >= 0 {
		t.Errorf("two hours after signing in, used 14 minutes before: signed in %v, cookie %+v; want anonymous and the cookie cleared", in, ck)
	}
}

// TestKnownDeviceFirst: a browser that signed in to a login before is
// Trusted for the hasher when it signs in to that login again, even from
// an address that has failed since; not for another login, and not with
// a forged device cookie.
func TestKnownDeviceFirst(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua, ru := f.login(t, "ua", access.RoleNegotiator), f.login(t, "ru", access.RoleNegotiator)
	var prios []auth.Priority
	f.srv.SetSignIn(func(ctx context.Context, login, password string) (access.Principal, error) {
		prios = append(prios, auth.PriorityOf(ctx))
		return f.svc.Login(ctx, login, password)
	})
	known := f.signIn(t, ua) // Normal: a browser never seen
	if res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {"not the password"}}, nil); res.status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: status %d", res.status)
	}
	for _, l := range []scenario.Login{ua, ru} {
		if res := f.post(t, known, "/login", url.Values{"login": {l.Login}, "password": {l.Password}}, nil); res.status != http.StatusSeeOther {
			t.Fatalf("signing in again as %s: status %d", l.Login, res.status)
		}
	}
	forged := client(t)
	u, _ := url.Parse(f.ts.URL + "/login")
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "parley_device", Value: "dWEtbmVnb3RpYXRvcg." + strconv.FormatInt(time.Now().UnixMicro(), 10) + ".AAAA", Path: "/login"}})
	f.post(t, forged, "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
	want := []auth.Priority{auth.Normal, auth.Normal, auth.Trusted, auth.Suspect, auth.Suspect}
	if !slices.Equal(prios, want) {
		t.Errorf("priorities %v, want %v: the known browser Trusted for its login only, the forged cookie nothing", prios, want)
	}
}

// TestChangePassword: a signed-in person changes their password with the
// current one and the new one twice, under the rules of a new password;
// a wrong current password counts as a failed sign-in. The change ends
// every other session of the person, keeps this browser's, and the old
// password no longer signs in.
func TestChangePassword(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	if res := f.get(t, client(t), "/account/password"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Errorf("the form, anonymous: status %d, Location %q; want 303 to /login", res.status, res.header.Get("Location"))
	}
	this, other := f.signIn(t, ua), f.signIn(t, ua)
	signedIn := func(c *http.Client) bool { return strings.Contains(f.get(t, c, "/rounds").body, `action="/logout"`) }
	if res := f.get(t, this, "/account/password"); res.status != http.StatusOK || !strings.Contains(res.body, `name="current_password"`) {
		t.Fatalf("the form: status %d", res.status)
	}
	change := func(current, password, confirm string) response {
		return f.post(t, this, "/account/password", url.Values{"current_password": {current}, "password": {password}, "confirm": {confirm}}, nil)
	}
	const fresh = "a new password for ua"
	for _, tc := range []struct {
		name                       string
		current, password, confirm string
		status                     int
		says                       string
	}{
		{"the new passwords differ", ua.Password, fresh, fresh + "!", http.StatusUnprocessableEntity, "The new passwords differ"},
		{"too short", ua.Password, "short", "short", http.StatusUnprocessableEntity, "at least 8 characters"},
		{"the same", ua.Password, ua.Password, ua.Password, http.StatusUnprocessableEntity, "the current one"},
		{"wrong current password", "not the password", fresh, fresh, http.StatusForbidden, "The current password is wrong"},
	} {
		if res := change(tc.current, tc.password, tc.confirm); res.status != tc.status || !strings.Contains(res.body, tc.says) {
			t.Errorf("%s: status %d; want %d saying %q", tc.name, res.status, tc.status, tc.says)
		}
	}
	if !signedIn(this) || !signedIn(other) {
		t.Fatal("a refused change ended a session")
	}
	res := change(ua.Password, fresh, fresh)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Your password has been changed") {
		t.Fatalf("the change: status %d\n%s", res.status, res.body)
	}
	if !signedIn(this) {
		t.Error("the browser that changed the password is signed out")
	}
	if signedIn(other) {
		t.Error("another browser's session outlived the password change")
	}
	if res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil); res.status != http.StatusUnauthorized {
		t.Errorf("the old password: status %d, want 401", res.status)
	}
	f.signIn(t, scenario.Login{Login: ua.Login, Password: fresh})

	// Wrong current passwords are guesses: five lock the login as five
	// wrong sign-ins do (the sign-in just above cleared the first).
	for range 5 {
		change("not the password", "another new password", "another new password")
	}
	if res := change(fresh, "another new password", "another new password"); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Errorf("after five wrong current passwords: status %d, want 429 with Retry-After", res.status)
	}
}

// TestDisabledSessionEnds: disabling a principal ends its sessions at
// their next request, and it can no longer sign in, with the answer of a
// wrong password; enabled again, it signs in, and its old sessions stay
// ended.
func TestDisabledSessionEnds(t *testing.T) {
	f := newFixture(t, web.Options{})
	ua := f.login(t, "ua", access.RoleNegotiator)
	c := f.signIn(t, ua)
	signedIn := func(c *http.Client) bool { return strings.Contains(f.get(t, c, "/rounds").body, `action="/logout"`) }
	if _, err := f.svc.Auth().Disable(t.Context(), ua.Login); err != nil {
		t.Fatal(err)
	}
	if signedIn(c) {
		t.Error("a disabled principal's session still signs in")
	}
	res := f.post(t, client(t), "/login", url.Values{"login": {ua.Login}, "password": {ua.Password}}, nil)
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Wrong login or password") {
		t.Errorf("signing in while disabled: status %d, want 401 as for a wrong password", res.status)
	}
	if _, err := f.svc.Auth().Enable(t.Context(), ua.Login); err != nil {
		t.Fatal(err)
	}
	if signedIn(c) {
		t.Error("enabling a principal revived a session of before it was disabled")
	}
	f.signIn(t, ua)
}
