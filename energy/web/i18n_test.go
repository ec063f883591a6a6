package energyweb_test

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/web"
)

// newStrictSite builds the site on the demo with a strict bundle, which
// remembers every message a page asks for that a catalogue lacks.
func newStrictSite(t *testing.T) (*site, *i18n.Bundle) {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	sections := []web.Section{&energyweb.Section{}}
	b, err := web.Messages(sections)
	if err != nil {
		t.Fatal(err)
	}
	b.Strict()
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), web.Options{Sections: sections, Messages: b})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &site{ts: ts, d: d}, b
}

// missed fails the test on every message a page or document asked for in
// Ukrainian or Russian that the catalogues lack.
func missed(t *testing.T, b *i18n.Bundle) {
	t.Helper()
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		if ks := b.Missed()[lang]; len(ks) > 0 {
			t.Errorf("%s.json lacks %d messages the pages asked for:\n%s", lang, len(ks), strings.Join(ks, "\n"))
		}
	}
}

// TestPagesInEveryLanguage reads the plant's page, a statement and a day
// of it in Ukrainian and in Russian, as a party's capital and as the
// mediator (who is offered the form to settle a month), and checks that
// each says its headings, months and figures in the language, and that
// no message the pages asked for lacks its translation.
func TestPagesInEveryLanguage(t *testing.T) {
	s, b := newStrictSite(t)
	for _, c := range []struct {
		lang string
		// the plant's page, March's statement and its first day.
		plant, statement, day []string
	}{
		{i18n.Ukrainian,
			[]string{"<h2>Розрахункові відомості</h2>", ">березень 2026 р.</a>", "<strong>остаточна</strong>", "очікує підписів сторін",
				"Наростаюче сальдо компенсацій", "<h2>Лічильники</h2>", "З 1 січня 2026 р.: ua 0,5, ru 0,5", "втрати розподіляються пропорційно часткам", "не вирішено"},
			[]string{"<h1>Розрахункова відомість, березень 2026 р.</h1>", "розраховано 15-хвилинних інтервалів:", "Нерозраховані інтервали", "оскаржено",
				"Належна компенсація", "винна стороні", "По днях", "statement.pdf?in=uk"},
			[]string{"<h1>Розрахунок за 1 березня 2026 р.</h1>", "15-хвилинний інтервал (UTC)", "2026-03-01 00:15"}},
		{i18n.Russian,
			[]string{"<h2>Расчётные ведомости</h2>", ">март 2026 г.</a>", "<strong>окончательная</strong>", "ожидает подписей сторон",
				"Нарастающее сальдо компенсаций", "<h2>Счётчики</h2>", "С 1 января 2026 г.: ua 0,5, ru 0,5", "потери распределяются пропорционально долям", "не решено"},
			[]string{"<h1>Расчётная ведомость, март 2026 г.</h1>", "рассчитано 15-минутных интервалов:", "Нерассчитанные интервалы", "оспорено",
				"Причитающаяся компенсация", "должна стороне", "По дням", "statement.pdf?in=ru"},
			[]string{"<h1>Расчёт за 1 марта 2026 г.</h1>", "15-минутный интервал (UTC)", "2026-03-01 00:15"}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			for _, login := range []string{"ru-capital", "us-mediator"} {
				cl := s.client(t, login)
				code, page, path := s.get(t, cl, "/energy?lang="+c.lang)
				if code != 200 || !strings.HasPrefix(path, "/energy/") {
					t.Fatalf("GET /energy?lang=%s as %s: %d at %s", c.lang, login, code, path)
				}
				for _, want := range c.plant {
					if !strings.Contains(page, want) {
						t.Errorf("the plant's page in %s, as %s, does not say %q", c.lang, login, want)
					}
				}
				if login == "us-mediator" && !strings.Contains(page, map[string]string{i18n.Ukrainian: "Розрахувати й зафіксувати відомість", i18n.Russian: "Рассчитать и зафиксировать ведомость"}[c.lang]) {
					t.Errorf("the plant's page in %s does not offer the mediator to settle a month in it", c.lang)
				}
				march := regexp.MustCompile(`href="/energy-statements/([^"]+)">[^<]*2026[^<]*</a></td><td>[^<]*</td><td>[^<]*</td>`).FindAllStringSubmatch(page, -1)
				if len(march) < 3 {
					t.Fatalf("the plant's page in %s lists %d statements", c.lang, len(march))
				}
				id := march[2][1]
				code, page, _ = s.get(t, cl, "/energy-statements/"+id)
				if code != 200 {
					t.Fatalf("March's statement in %s: %d", c.lang, code)
				}
				for _, want := range c.statement {
					if !strings.Contains(page, want) {
						t.Errorf("March's statement in %s, as %s, does not say %q", c.lang, login, want)
					}
				}
				code, page, _ = s.get(t, cl, "/energy-statements/"+id+"/day?day=2026-03-01")
				if code != 200 {
					t.Fatalf("a day of March in %s: %d", c.lang, code)
				}
				for _, want := range c.day {
					if !strings.Contains(page, want) {
						t.Errorf("a day of March in %s, as %s, does not say %q", c.lang, login, want)
					}
				}
				// A refusal of the section's own, in the language.
				code, page, _ = s.get(t, cl, "/energy-statements/"+id+"/day?day=March")
				if want := map[string]string{i18n.Ukrainian: "не є датою у форматі YYYY-MM-DD", i18n.Russian: "не является датой в формате YYYY-MM-DD"}[c.lang]; code != 400 || !strings.Contains(page, want) {
					t.Errorf("a day that is not one, in %s: %d, and the page does not say %q", c.lang, code, want)
				}
			}
		})
	}
	missed(t, b)
}

// TestStatementPDFInUkrainianAndRussian renders March's statement as the
// Ukrainian and the Russian PDF (?in=uk, ?in=ru, whatever the reader's
// pages are in), turns it into text, and checks that its title, headings
// and status are in the language, in Cyrillic, its month named in it and
// its figures written with its separators, the figures themselves exact
// and the same as in English.
func TestStatementPDFInUkrainianAndRussian(t *testing.T) {
	s, b := newStrictSite(t)
	c := s.client(t, "ua-capital")
	_, page, _ := s.get(t, c, "/energy?lang=en")
	march := regexp.MustCompile(`href="/energy-statements/([^"]+)">March 2026`).FindStringSubmatch(page)
	if march == nil {
		t.Fatal("no link to March's statement")
	}
	pdfText := func(in string) string {
		t.Helper()
		code, body, _ := s.get(t, c, "/energy-statements/"+march[1]+"/statement.pdf?in="+in)
		if code != 200 || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("the PDF in %q: %d, starting %q", in, code, body[:min(len(body), 40)])
		}
		return testkit.PDFText(t, []byte(body))
	}
	en := pdfText(i18n.English)
	// The figures of the English PDF's first row per party ("ua 1234.567 ...").
	row := regexp.MustCompile(`Balance ua ([0-9,.]+) `).FindStringSubmatch(en)
	if row == nil {
		t.Fatalf("the English PDF has no row for ua:\n%s", en[:min(len(en), 2000)])
	}
	entitled := strings.ReplaceAll(row[1], ",", "") // 1234.567, exact
	for _, c := range []struct {
		lang string
		want []string
	}{
		{i18n.Ukrainian, []string{
			"Zaporizhzhia Nuclear Power Plant: розрахункова відомість, березень 2026 р.",
			"За сторонами", "Належна компенсація", "Підписи сторін", "Нерозраховані інтервали", "По днях (належне / отримано, кВт·год)",
			"Наростаючим підсумком: належне (пунктир) і отримане (суцільна лінія), ГВт·год",
			"Очікує підписів сторін.", "оскаржено", "винна стороні", "2026-03-15 96",
		}},
		{i18n.Russian, []string{
			"Zaporizhzhia Nuclear Power Plant: расчётная ведомость, март 2026 г.",
			"По сторонам", "Причитающаяся компенсация", "Подписи сторон", "Нерассчитанные интервалы", "По дням (причитается / получено, кВт·ч)",
			"Нарастающим итогом: причитающееся (пунктир) и полученное (сплошная линия), ГВт·ч",
			"Ожидает подписей сторон.", "оспорено", "должна стороне", "2026-03-15 96",
		}},
	} {
		text := pdfText(c.lang)
		for _, want := range c.want {
			if !strings.Contains(text, want) {
				t.Errorf("the %s PDF does not say %q:\n%s", c.lang, want, text[:min(len(text), 3000)])
			}
		}
		for _, never := range []string{"settlement statement", "Per party", "Compensation owed", "Awaiting co-signatures"} {
			if strings.Contains(text, never) {
				t.Errorf("the %s PDF says %q, in English", c.lang, never)
			}
		}
		// The same exact figure, with a decimal comma and grouped with
		// no-break spaces (which the text's reading turns into spaces).
		want := strings.ReplaceAll(b.Printer(c.lang).Decimal(entitled), "\u00a0", " ")
		if !strings.Contains(want, ",") || !strings.Contains(text, "ua "+want+" ") {
			t.Errorf("the %s PDF does not give ua's entitlement as %q (%s in English)", c.lang, want, row[1])
		}
	}
	missed(t, b)
}
