package ceasefireweb_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/internal/testkit"
	monitorweb "github.com/parley-project/parley/monitor/web"
	"github.com/parley-project/parley/web"
)

// strike records a missile strike on a power station at at, verified and
// attributed to Russia by the mediator's monitors: a violation of the
// demo's first phase, for the board and the reports to show.
func strike(t *testing.T, d *testkit.Demo, at time.Time) string {
	t.Helper()
	rep := d.MustWrite(t, "us-monitor", "monitor.report", map[string]any{"source_type": "open-source", "source_name": "Outlet A",
		"occurred_at": at.Format(time.RFC3339), "time_precision": "hour", "place_name": "Kharkiv", "place_precision": "settlement",
		"lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy",
		"casualties": []map[string]any{{"kind": "killed", "group": "civilian", "low": 2}}})
	in := d.MustWrite(t, "us-monitor", ceasefire.IncidentKind, map[string]any{"title": "Strike on a power station", "reports": []string{rep},
		"occurred_at": at.Format(time.RFC3339), "place_name": "Kharkiv", "lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy"})
	for _, st := range []map[string]any{{"stage": "allegation"}, {"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 2"},
		{"stage": "verified", "attribution": "largely-attributed", "attributed_party": "ru", "summary": "Debris of a missile on site."}} {
		st["incident_id"], st["party_id"] = in, "us"
		d.MustWrite(t, "us-monitor", ceasefire.StepKind, st)
	}
	return in
}

// TestPagesInEveryLanguage reads the ceasefire's pages, the map's data
// and the reports' pages and PDFs in Ukrainian and in Russian, with a
// strict bundle: each is in the language asked for, and no message the
// pages ask for is missing from the catalogues. The monitoring's section
// is served too, as the binary serves it: its catalogue holds the
// vocabulary's words (weapon and target classes) the reports name.
func TestPagesInEveryLanguage(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	sections := []web.Section{&ceasefireweb.Section{}, &monitorweb.Section{}}
	ts, msgs := testkit.StrictSite(t, d.Service, sections...)
	s := &site{ts: ts, d: d}
	mediator := s.signIn(t, "us-mediator")

	med := d.Principal(t, "us-mediator")
	es, err := d.Service.All(t.Context(), &med, ceasefire.KindCeasefire, "")
	if err != nil || len(es) != 1 {
		t.Fatalf("the demo's ceasefire: %v", err)
	}
	cf := es[0].ID
	consents, _ := d.Service.All(t.Context(), &med, ceasefire.KindConsent, "")
	start := consents[len(consents)-1].Created
	day := start.UTC().Truncate(24 * time.Hour)
	strike(t, d, start.Add(day.Add(24*time.Hour).Sub(start)/2))

	// A daily and a compliance report of the day, issued in English: the
	// reports are records, the same whatever language they are read in.
	var reports []string
	for _, form := range []url.Values{{"report_type": {"daily"}, "from": {day.Format(time.DateOnly)}},
		{"report_type": {"compliance"}, "from": {day.Format(time.DateOnly)}, "days": {"2"}}} {
		res, err := mediator.PostForm(ts.URL+"/ceasefire/"+cf+"/reports", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Request.URL.Path, "/ceasefire-reports/") {
			t.Fatalf("issuing the %s report: %d at %s", form.Get("report_type"), res.StatusCode, res.Request.URL)
		}
		reports = append(reports, res.Request.URL.Path)
	}

	get := func(path string) string {
		t.Helper()
		res, err := mediator.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	type page struct {
		path string
		// want holds what the page says in each language.
		want map[string][]string
	}
	pages := []page{
		{"/ceasefire/" + cf, map[string][]string{
			i18n.Ukrainian: {"<h2>Фази</h2>", "Фаза 1, <strong>No strikes on energy infrastructure</strong>", "Не виконується", "протягом 7 днів", "Звіти про припинення вогню", "Щоденний звіт, "},
			i18n.Russian:   {"<h2>Фазы</h2>", "Фаза 1, <strong>No strikes on energy infrastructure</strong>", "Не выполняется", "в течение 7 дней", "Отчёты о прекращении огня", "Ежедневный отчёт, "}}},
		{"/ceasefire/" + cf + "/map", map[string][]string{
			i18n.Ukrainian: {"Карта: ", "Засіб ураження", "ракети"},
			i18n.Russian:   {"Карта: ", "Средство поражения", "ракеты"}}},
		{"/ceasefire/" + cf + "/map.json?zoom=5", map[string][]string{
			i18n.Ukrainian: {`"status":"Знайдено 5 інцидентів`},
			i18n.Russian:   {`"status":"Найдено 5 инцидентов`}}},
		{reports[0], map[string][]string{
			i18n.Ukrainian: {"<h1>Щоденний звіт, ", "<strong>1 порушення</strong>", "За регіонами", "ракети 1", "Порушення за регіонами", `report.pdf?in=uk`},
			i18n.Russian:   {"<h1>Ежедневный отчёт, ", "<strong>1 нарушение</strong>", "По регионам", "ракеты 1", "Нарушения по регионам", `report.pdf?in=ru`}}},
		{reports[1], map[string][]string{
			i18n.Ukrainian: {"<h1>Звіт про дотримання, ", "Порушення за сторонами, по місяцях"},
			i18n.Russian:   {"<h1>Отчёт о соблюдении, ", "Нарушения по сторонам, по месяцам"}}},
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p.path, "?") {
				sep = "&"
			}
			body := get(p.path + sep + "lang=" + lang)
			for _, want := range p.want[lang] {
				if !strings.Contains(body, want) {
					t.Errorf("%s in %s does not say %q:\n%s", p.path, lang, want, body)
				}
			}
		}
		for _, r := range reports {
			text := testkit.PDFText(t, []byte(get(r+"/report.pdf?in="+lang)))
			if !cyrillic.MatchString(text) {
				t.Errorf("the PDF of %s in %s has no Cyrillic:\n%s", r, lang, text)
			}
		}
	}
	for lang, keys := range msgs.Missed() {
		if lang == i18n.Ukrainian || lang == i18n.Russian {
			for _, k := range keys {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

var cyrillic = regexp.MustCompile(`\p{Cyrillic}`)

// TestReportPDFInEveryLanguage renders a daily report with the Ukrainian
// and with the Russian printer, turns the PDF back into text, and finds
// its headings, table heads and figures in Cyrillic, its dates and
// numbers written as each language writes them, and the records' own
// words (a region's name, a phase's title) as they were written.
func TestReportPDFInEveryLanguage(t *testing.T) {
	msgs, err := web.Messages([]web.Section{&ceasefireweb.Section{}, &monitorweb.Section{}})
	if err != nil {
		t.Fatal(err)
	}
	msgs.Strict()
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	lat, lon := 49.99, 36.23
	r := ceasefire.Report{Type: ceasefire.Daily, From: from, Until: from.AddDate(0, 0, 1), JudgedAt: from.AddDate(0, 0, 1).Add(time.Hour),
		Phase: 1, PhaseTitle: "No strikes on energy infrastructure", Violations: 1234, Previous: 2,
		Regions: []ceasefire.Region{{Region: "kh", Name: "Kharkiv oblast", Violations: 1234, Previous: 2, Killed: 3, Weapons: []ceasefire.Count{{Name: "missile", N: 1234}}}},
		Parties: []ceasefire.Party{{Party: "ru", Violations: 1234, Previous: 2, ByProhibition: []ceasefire.Count{{Name: "energy", N: 1234}}}},
		Lines: []ceasefire.Line{{Incident: "i1", At: from.Add(12 * time.Hour), Region: "kh", RegionName: "Kharkiv oblast", Weapon: "missile", Target: "energy",
			Phase: 1, Breaks: []string{"energy"}, Party: "ru", Lat: &lat, Lon: &lon}},
		LinesLeftOut: 1233,
		Obligations:  []ceasefire.ObligationDue{{Phase: 1, Obligation: ceasefire.Obligation{ID: "w", Title: "Withdrawal", PartyID: "ru", Due: "2026-03-10"}}},
	}
	names := map[string]string{"kh": "Kharkiv oblast"}
	for lang, want := range map[string][]string{
		i18n.Ukrainian: {"Щоденний звіт, 2 березня 2026 р.", "Діє фаза 1: No strikes on energy infrastructure.", "Порушень: 1 234 (у попередньому періоді: 2).",
			"За регіонами", "За сторонами", "Регіон Порушення Зміна", "Kharkiv oblast 1 234 +1 232 3 0 0 ракети 1 234", "Порушення за регіонами",
			"Зобовʼязання, термін виконання яких настав", "виконання не верифіковано", "Місця порушень", "Ще 1 233 порушення є в записах моніторингу.",
			"Запис rec-1"},
		i18n.Russian: {"Ежедневный отчёт, 2 марта 2026 г.", "Действует фаза 1: No strikes on energy infrastructure.", "Нарушений: 1 234 (в предыдущем периоде: 2).",
			"По регионам", "По сторонам", "Регион Нарушения Разница", "Kharkiv oblast 1 234 +1 232 3 0 0 ракеты 1 234", "Нарушения по регионам",
			"Обязательства, срок которых наступил", "выполнение не верифицировано", "Места нарушений", "Ещё 1 233 нарушения есть в записях мониторинга.",
			"Запись rec-1"},
	} {
		p := msgs.Printer(lang)
		rec := ceasefire.ReportRecord{ReportType: ceasefire.Daily, From: from.Format(time.RFC3339), Until: from.AddDate(0, 0, 1).Format(time.RFC3339)}
		b, err := ceasefireweb.ReportPDF(p, ceasefireweb.ReportTitle(p, &rec), r, names, "rec-1")
		if err != nil {
			t.Fatal(err)
		}
		text := testkit.PDFText(t, b)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("the %s PDF does not say %q:\n%s", lang, w, text)
			}
		}
		if strings.Contains(text, "Per region") || strings.Contains(text, "Violations") {
			t.Errorf("the %s PDF has English headings:\n%s", lang, text)
		}
	}
	for lang, keys := range msgs.Missed() {
		for _, k := range keys {
			t.Errorf("%s.json lacks %q", lang, k)
		}
	}
}
