package talksweb_test

import (
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
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
	b, err := web.Messages(sections)
	if err != nil {
		t.Fatal(err)
	}
	b.Strict()
	h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: sections, Messages: b})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)

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

	kernel := kernelMessages(t)
	for lang, keys := range b.Missed() {
		if lang != i18n.Ukrainian && lang != i18n.Russian {
			continue
		}
		for _, k := range keys {
			if kernel[k] {
				// The kernel's own words (its layout, audiences, the
				// readers' roles) are its catalogue's to give, and its
				// tests' to check.
				t.Logf("%s.json: the kernel's %q is missing", lang, k)
				continue
			}
			t.Errorf("%s.json lacks %q", lang, k)
		}
	}
}

// TestDomainInEveryLanguage fails when a word of the talks domain or a
// message of its pages lacks its Ukrainian or Russian translation: the
// kinds' titles and lists, the fields' labels and help, their options and
// the values shown through label, the formats of the domain's refusals,
// the navigation, and the literal messages of the pages' templates and
// handlers, even those the demo never shows.
func TestDomainInEveryLanguage(t *testing.T) {
	b, err := web.Messages([]web.Section{&talksweb.Section{}})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{} // key -> where
	add := func(key, where string) {
		if key != "" {
			keys[key] = where
		}
	}
	for _, k := range (talks.Domain{}).Kinds() {
		add(k.Title, k.Name)
		add(strings.ReplaceAll(k.Name, "-", " "), k.Name)
		add(strings.ReplaceAll(k.Collection, "-", " "), k.Name)
		var fields func(string, []parley.Field)
		fields = func(at string, fs []parley.Field) {
			for _, f := range fs {
				where := at + "." + f.Name
				add(f.LabelText(), where)
				add(f.Help, where)
				for _, o := range f.Enum {
					add(o.Label, where)
					if o.Label == o.Value {
						// A value without a label of its own is
						// shown through label, its "-" as spaces.
						add(strings.ReplaceAll(o.Value, "-", " "), where)
					}
				}
				fields(where, f.Fields)
				if f.Elem != nil {
					fields(where, []parley.Field{*f.Elem})
				}
			}
		}
		fields(k.Name, k.Fields)
	}
	// The refusals: every literal format of parley.Errorf in the domain.
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Errorf" {
				return true
			} else if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "parley" {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				add(s, fset.Position(lit.Pos()).String())
			} else {
				t.Errorf("%s: a refusal whose format is not a literal cannot be translated", fset.Position(call.Pos()))
			}
			return true
		})
	}
	// The pages' own messages, those a page shows only now and then
	// (a list that is empty) among them: the literals of t and word in
	// the templates and of T in the handlers.
	tmpls, err := filepath.Glob(filepath.Join("templates", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range tmpls {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateCall.FindAllStringSubmatch(string(b), -1) {
			s, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			add(s, path)
		}
	}
	gos, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range gos {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "T" && sel.Sel.Name != "Word" {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					add(s, fset.Position(lit.Pos()).String())
					break
				}
			}
			return true
		})
	}
	for _, n := range (&talksweb.Section{}).Nav() {
		add(n.Label, "navigation")
	}

	kernel := kernelMessages(t)
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		for k, where := range keys {
			// The kernel's own messages ("is required") are its
			// catalogue's.
			if !kernel[k] && !b.Has(lang, k) {
				t.Errorf("%s.json lacks %q (%s)", lang, k, where)
			}
		}
	}
}

// templateCall finds the literal messages a template passes to t or word.
var templateCall = regexp.MustCompile(`[{(]-?\s*(?:t|word)\s+("(?:[^"\\]|\\.)*")`)

// kernelMessages returns what the kernel says in its own words: the
// literals of package parley's and package web's code and of web's
// templates, and the readers' roles.
func kernelMessages(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, r := range access.Roles {
		out[strings.ReplaceAll(string(r), "-", " ")] = true
	}
	root, dir := filepath.Join("..", ".."), filepath.Join("..", "..", "web")
	gos, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	rootGos, err := filepath.Glob(filepath.Join(root, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	gos = append(gos, rootGos...)
	for _, path := range gos {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[s] = true
				}
			}
			return true
		})
	}
	tmpls, err := filepath.Glob(filepath.Join(dir, "templates", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range tmpls {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateCall.FindAllStringSubmatch(string(b), -1) {
			if s, err := strconv.Unquote(m[1]); err == nil {
				out[s] = true
			}
		}
	}
	return out
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
