package reconstructionweb_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	kernel "github.com/parley-project/parley"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
	"github.com/parley-project/parley/web"
)

// TestPagesInEveryLanguage renders reconstruction's pages, and the
// kernel's pages of its kinds, in Ukrainian and Russian as the mediator
// reads them: each page says its words in the language, with amounts
// written as the language writes them, and no message of the section's,
// nor word of the domain's, lacks its translation.
func TestPagesInEveryLanguage(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	sections := []web.Section{&reconstructionweb.Section{PhaseStanding: ceasefireweb.PhaseStanding}}
	ts, b := testkit.StrictSite(t, d.Service, sections...)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	l := d.Login(t, "us-mediator")
	res, err := c.PostForm(ts.URL+"/login", url.Values{"login": {l.Login}, "password": {l.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	energy := d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Zaporizhzhia oblast")
	housing := d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Kharkiv oblast")
	project := d.Find(t, "us-mediator", reconstruction.KindProject, "status", "implementation")
	get := func(path, lang string) string {
		t.Helper()
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		res, err := c.Get(ts.URL + path + sep + "lang=" + lang)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s in %s: %s\n%s", path, lang, res.Status, body)
		}
		return html.UnescapeString(string(body))
	}
	// Each page, with what it says in Ukrainian and in Russian.
	pages := []struct {
		path   string
		uk, ru []string
	}{
		{"/reconstruction", []string{"Відбудова: дефіцит фінансування", "800\u00a0000\u00a0000\u00a0000,00", "ілюстративні дані", "енергетика", "Виплати"},
			[]string{"Восстановление: дефицит финансирования", "800\u00a0000\u00a0000\u00a0000,00", "иллюстративные данные", "энергетика", "Выплаты"}},
		{"/reconstruction?sector=energy", []string{"Відбудова: дефіцит фінансування: енергетика", "Zaporizhzhia oblast"},
			[]string{"Восстановление: дефицит финансирования: энергетика", "Zaporizhzhia oblast"}},
		{"/reconstruction?sector=energy&region=Zaporizhzhia+oblast", []string{"Потреби, що стоять за цими даними", "енергетика, усі регіони"},
			[]string{"Потребности, стоящие за этими данными", "энергетика, все регионы"}},
		{"/reconstruction/flows?need=" + energy + "&stage=disbursement", []string{"Виплати щодо потреби: енергетика, Zaporizhzhia oblast", "120\u00a0000\u00a0000 USD"},
			[]string{"Выплаты по потребности: энергетика, Zaporizhzhia oblast", "120\u00a0000\u00a0000 USD"}},
		{"/reconstruction/flows?need=" + energy + "&stage=pledge", []string{"Зобовʼязання щодо потреби", "не оголошено", "0,2723"},
			[]string{"Обещания по потребности", "не объявлено", "0,2723"}},
		{"/reconstruction/flows?need=" + housing, []string{"Фінансові потоки щодо потреби: житло, Kharkiv oblast", "ще не виконано", "гарантія"},
			[]string{"Финансовые потоки по потребности: жильё, Kharkiv oblast", "ещё не выполнено", "гарантия"}},
		{"/reconstruction/projects/" + project, []string{"Контрольні точки", "виконано 2026-06-24", "за графіком", "84\u00a0500\u00a0000 USD", "реалізація"},
			[]string{"Контрольные точки", "выполнено 2026-06-24", "по графику", "84\u00a0500\u00a0000 USD", "реализация"}},
	}
	for _, p := range pages {
		for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
			page := get(p.path, lang)
			want := p.uk
			if lang == i18n.Russian {
				want = p.ru
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s in %s does not say %q", p.path, lang, w)
				}
			}
		}
	}
	// The chart's labels are drawn in the language.
	if page := get("/reconstruction", i18n.Ukrainian); !strings.Contains(page, "Потреба і надане фінансування, долари США") ||
		!strings.Contains(page, "енергетика, виплачено: 160\u00a0000\u00a0000,00 USD") {
		t.Error("the gap's chart is not drawn in Ukrainian")
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		if m := b.Missed()[lang]; len(m) > 0 {
			t.Errorf("the pages in %s ask for messages its catalogues lack:\n%s", lang, strings.Join(m, "\n"))
		}
	}

	// The kernel's pages of reconstruction's kinds: their titles, fields,
	// help and options are the domain's words, in the section's catalogue;
	// the evidence's fields are the kernel's, in its own.
	evidence := map[string]bool{}
	for _, f := range append([]kernel.Field{kernel.EvidenceField, *kernel.EvidenceField.Elem}, kernel.EvidenceField.Elem.Fields...) {
		evidence[f.LabelText()], evidence[f.Help] = true, true
	}
	words := map[string]bool{}
	for _, k := range (reconstruction.Domain{}).Kinds() {
		words[k.Title] = true
		words[strings.ReplaceAll(k.Collection, "-", " ")] = true
		var fields func([]kernel.Field)
		fields = func(fs []kernel.Field) {
			for _, f := range fs {
				words[f.LabelText()], words[f.Help] = true, true
				for _, o := range f.Enum {
					words[o.Label] = true
				}
				fields(f.Fields)
				if f.Elem != nil {
					fields(append([]kernel.Field{*f.Elem}, f.Elem.Fields...))
				}
			}
		}
		fields(k.Fields)
		for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
			get("/k/"+k.Collection, lang)
			get("/k/"+k.Collection+"/new", lang)
		}
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		get("/k/needs/"+energy, lang)
		get("/k/reconstruction-projects/"+project, lang)
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		var lacking []string
		for _, k := range b.Missed()[lang] {
			if words[k] && !evidence[k] {
				lacking = append(lacking, k)
			}
		}
		if len(lacking) > 0 {
			t.Errorf("the kinds' pages in %s lack words of the domain:\n%s", lang, strings.Join(lacking, "\n"))
		}
	}
	// Every word the domain declares has its translation, whether or not a
	// page above asked for it.
	for w := range words {
		for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
			if w != "" && !evidence[w] && !b.Has(lang, w) {
				t.Errorf("%s lacks the domain's word %q", lang, w)
			}
		}
	}
}
