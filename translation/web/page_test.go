package translationweb_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/translation"
	translationweb "github.com/parley-project/parley/translation/web"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The page of a statement's translations, in Ukrainian and in English: the
// original marked, each translation with its language and translator; a
// translation added from it; and, once the original changes, the readers
// told that a translation was of an earlier text.
func TestTranslationsPage(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&talksweb.Section{}, &translationweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	anon := &http.Client{}
	kyiv := d.Find(t, "us-mediator", talks.KindStatement, "text", "In Kyiv, one person was killed and four wounded by drone attacks.")
	page := translationweb.Href(talks.KindStatement, kyiv)

	code, body := get(anon, page+"?lang=uk")
	for _, want := range []string{`<html lang="uk">`, "Оригінал", "In Kyiv, one person was killed", "У Києві внаслідок атак дронів",
		"В Киеве в результате", "Mediator&#39;s language services (demo)", `lang="ru"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET %s in Ukrainian = %d, lacks %q:\n%s", page, code, want, body)
		}
	}
	// A person's name in the reader's language, where a translation
	// gives it, and as recorded otherwise.
	for lang, want := range map[string]string{"uk": "Тимур Ткаченко", "ru": "Тимур Ткаченко", "en": "Tymur Tkachenko"} {
		if _, party := get(anon, "/parties/ua?lang="+lang); !strings.Contains(party, want) {
			t.Errorf("Ukraine's page in %s does not name %q:\n%s", lang, want, party)
		}
	}
	// The statement's own page links its translations.
	if _, item := get(anon, "/k/statements/"+kyiv+"?lang=ru"); !strings.Contains(item, `href="`+page+`">Переводы</a>`) {
		t.Errorf("the statement's page does not link its translations:\n%s", item)
	}
	if strings.Contains(body, "<form method=\"post\">") {
		t.Error("an anonymous reader is offered the form")
	}
	if code, _ := get(anon, translationweb.Href(talks.KindStatement, "nope")); code != http.StatusNotFound {
		t.Errorf("a record that does not exist: %d", code)
	}
	if code, _ := get(anon, translationweb.Href("talks.nothing", kyiv)); code != http.StatusNotFound {
		t.Errorf("a kind that does not exist: %d", code)
	}

	// The mediator adds a translation from the page.
	jar, _ := cookiejar.New(nil)
	med := &http.Client{Jar: jar}
	l := d.Login(t, "us-mediator")
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", ts.URL)
		res, err := med.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post("/login", url.Values{"login": {l.Login}, "password": {l.Password}})
	person := d.Find(t, "us-mediator", talks.KindPerson, "name", "Yuri Ushakov")
	ppage := translationweb.Href(talks.KindPerson, person)
	_, body = get(med, ppage)
	if !strings.Contains(body, `name="source_sha256"`) {
		t.Fatalf("the mediator is not offered the form:\n%s", body)
	}
	form := url.Values{"field": {"name"}, "source_sha256": {sha("Yuri Ushakov")}, "original_language": {"en"}, "language": {"ru"},
		"translator": {"A. Translator"}, "text": {"Юрий Ушаков"}}
	if code, body := post(ppage, form); code != http.StatusOK || !strings.Contains(body, "Юрий Ушаков") {
		t.Errorf("POST a translation = %d:\n%s", code, body)
	}
	// Refused, and said so next to the field, in the reader's language.
	form.Set("language", "en")
	if code, body := post(ppage+"?lang=uk", form); code != http.StatusUnprocessableEntity || !strings.Contains(body, "є мовою оригіналу") {
		t.Errorf("POST a translation into the original's language = %d:\n%s", code, body)
	}

	// A field the page does not offer: said at the top.
	bogus := url.Values{"field": {"bogus"}, "original_language": {"en"}, "language": {"uk"}, "translator": {"X"}, "text": {"x"}}
	if code, body := post(ppage, bogus); code != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "bogus") {
		t.Errorf("POST a translation of a field that is none = %d:\n%s", code, body)
	}
	// Who committed each translation is shown beside the translator it names.
	if _, body := get(anon, page); !strings.Contains(body, "committed by United States") {
		t.Errorf("the page does not say who committed the translations:\n%s", body)
	}
	// The name changes: the translation is now of an earlier text.
	e, err := d.Service.Get(t.Context(), nil, talks.KindPerson, person)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(e.Body, &m)
	m["name"] = "Yury Ushakov"
	b, _ := json.Marshal(m)
	if _, err := d.Service.Update(t.Context(), d.Principal(t, "us-mediator"), talks.KindPerson, person, b); err != nil {
		t.Fatal(err)
	}
	if _, body := get(anon, ppage); !strings.Contains(body, "The original has changed since this translation was made.") {
		t.Errorf("no word that the original changed:\n%s", body)
	}
}

func sha(s string) string { return translation.Digest(s) }
