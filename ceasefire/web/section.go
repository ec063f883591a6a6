package ceasefireweb

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

// locales are the catalogues of the ceasefire's pages and reports, and of
// package ceasefire's words: its kinds, fields, options and refusals.
//
//go:embed locales/*.json
var locales embed.FS

// Section is the ceasefire's part of the UI.
type Section struct {
	site  *web.Site
	cache boards
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{{Key: "ceasefire", Label: "Ceasefire", Path: "/ceasefire"}}
}

// Templates implements web.Section.
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), template.FuncMap{
		"documentLanguages": documentLanguages,
		"strong": func(s string) template.HTML {
			return "<strong>" + template.HTML(template.HTMLEscapeString(s)) + "</strong>"
		},
		"code": func(s string) template.HTML {
			return "<code>" + template.HTML(template.HTMLEscapeString(s)) + "</code>"
		},
		"link": func(href, text string) template.HTML {
			return template.HTML(`<a href="` + template.HTMLEscapeString(href) + `">` + template.HTMLEscapeString(text) + `</a>`)
		},
		"daysInput": func() template.HTML {
			return `<input type="number" name="days" value="30" min="1" max="3660" required>`
		},
	}
}

// LocalFuncs implements web.Localizer: tHTML writes a message around
// markup (a link, a strong title), utc a moment to the minute in UTC,
// reportTitle a report's title, why where a condition stands and scope
// what a prohibition covers, all in p's language. (A count is written with
// t and a key with plural forms: {{t "%d violations" .N}} gives "1
// violation", "5 порушень".)
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"tHTML":       func(key string, args ...any) template.HTML { return tHTML(p, key, args...) },
		"utc":         func(t time.Time) string { return utc(p, t) },
		"utcMinute":   func(t time.Time) string { return utcMinute(p, t) },
		"isoDay":      func(t time.Time) string { return p.Time(t.UTC(), time.DateOnly) },
		"reportTitle": func(r *ceasefire.ReportRecord) string { return reportTitle(p, r) },
		"why":         func(b *Board, s ceasefire.State) string { return why(p, b, s) },
		"scope":       func(pr ceasefire.Prohibition, names map[string]string) string { return scope(p, pr, names) },
	}
}

// Catalogue implements web.Cataloguer.
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}

// utc writes a moment to the minute in UTC, with the zone: "2026-03-01
// 14:05 UTC"; nothing for the zero time.
func utc(p *i18n.Printer, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return utcMinute(p, t) + " UTC"
}

// utcMinute writes a moment to the minute in UTC, the zone left to the
// text around it ("... to ... (UTC)").
func utcMinute(p *i18n.Printer, t time.Time) string {
	return p.Time(t.UTC(), "2006-01-02 15:04")
}

// documentLanguage is a language a report is offered in.
type documentLanguage struct{ Code, Name string }

// documentLanguages are the languages a report's PDF is offered in, each
// named in its own language.
func documentLanguages() []documentLanguage {
	out := make([]documentLanguage, len(i18n.Languages))
	for i, l := range i18n.Languages {
		out[i] = documentLanguage{Code: l, Name: i18n.Names[l]}
	}
	return out
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /ceasefire", x.list)
	site.Handle("GET /ceasefire/{id}", x.board)
	site.Handle("GET /ceasefire/{id}/map", x.mapPage)
	site.Handle("GET /ceasefire/{id}/map.json", x.mapData)
	site.Handle("GET /ceasefire/{id}/zones.geojson", x.zonesGeoJSON)
	site.Handle("GET /ceasefire-map/{file}", x.mapAsset)
	site.Handle("POST /ceasefire/{id}/reports", x.issue)
	site.Handle("GET /ceasefire-reports/{id}", x.report)
	site.Handle("GET /ceasefire-reports/{id}/report.pdf", x.reportPDF)
	site.Handle("GET /ceasefire-reports/{id}/report.csv", x.reportCSV)
	site.Handle("GET /ceasefire-reports/{id}/report.geojson", x.reportGeoJSON)
}

func (x *Section) list(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	cfs, err := web.Load[ceasefire.Ceasefire](r.Context(), x.site.Service(), caller, ceasefire.KindCeasefire, "")
	if err != nil {
		return err
	}
	if len(cfs) == 1 {
		http.Redirect(w, r, "/ceasefire/"+cfs[0].ID, http.StatusSeeOther)
		return nil
	}
	may := caller != nil && x.site.Service().Authorized(*caller, ceasefire.KindCeasefire, "") == nil
	x.site.Render(w, r, caller, http.StatusOK, "ceasefires", web.Page{Title: web.T(r, "Ceasefire"), Nav: "ceasefire",
		Data: struct {
			Ceasefires []web.Item[ceasefire.Ceasefire]
			May        bool
		}{cfs, may}})
	return nil
}

// phaseRow is a phase with where it stands, for the page.
type phaseRow struct {
	ceasefire.PhaseState
	Status     string
	MayConsent bool
	// Done is when each of its obligations was verified done.
	Done map[string]time.Time
}

// violation is an incident judged a violation, or one that breaks a
// prohibition and awaits verification, with its judgments over time.
type violation struct {
	ceasefire.Judgment
	Incident ceasefire.Incident
	History  []Judged
}

type boardView struct {
	*Board
	Phases []phaseRow
	// Violations are the verified ones; Pending those that break a
	// prohibition but are not verified (yet).
	Violations, Pending []violation
	// May says what the caller may do here: the mediator change phases,
	// an approver consent for its party.
	MayEdit, MayConsent, MayIssue bool
	Party                         string
	// Reports are the reports issued, the latest first; Charts the
	// violations since the first phase, per party by month and per
	// region; Today is the day a new daily report is for by default.
	Reports []web.Item[ceasefire.ReportRecord]
	Charts  []chart
	Today   string
}

// board shows the viewer's board as the map keeps it (withBoard): brought
// up to what was committed since it was read, not read whole at each view.
func (x *Section) board(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	return x.withBoard(r, caller, func(b *Board) error { return x.boardPage(w, r, caller, b) })
}

func (x *Section) boardPage(w http.ResponseWriter, r *http.Request, caller *access.Principal, b *Board) error {
	svc := x.site.Service()
	var err error
	v := boardView{Board: b}
	if caller != nil {
		v.MayEdit = svc.Authorized(*caller, ceasefire.KindPhase, "") == nil
		v.MayConsent = svc.Authorized(*caller, ceasefire.KindConsent, caller.Party) == nil && slices.Contains(b.Ceasefire.Signers(), caller.Party)
		v.MayIssue = svc.Authorized(*caller, ceasefire.KindReport, "") == nil
		v.Party = caller.Party
	}
	if v.Reports, err = web.Load[ceasefire.ReportRecord](r.Context(), svc, caller, ceasefire.KindReport, b.ID); err != nil {
		return err
	}
	slices.Reverse(v.Reports)
	v.Today = b.At.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	if len(b.Periods) > 0 {
		first := b.Periods[0].From
		for _, p := range b.Periods {
			if p.From.Before(first) {
				first = p.From
			}
		}
		sum := ceasefire.MakeReport(ceasefire.Compliance, ceasefire.ReportInput{Periods: b.Periods, Incidents: b.Incidents, Parties: b.Ceasefire.Parties, At: b.At},
			first, b.At.Add(time.Nanosecond))
		v.Charts = charts(web.Printer(r), sum, b.Names)
	}
	p := web.Printer(r)
	for i, s := range b.States {
		row := phaseRow{PhaseState: s, Done: b.Done[s.ID]}
		// The caller's capital is offered to consent where its consent is
		// awaited and would be taken: to the first phase, or to the next
		// once the conditions of the one in force hold.
		row.MayConsent = v.MayConsent && s.From.IsZero() && (slices.Contains(s.Waiting, v.Party) || slices.Contains(s.Stale, v.Party)) &&
			(s.Phase.Number == 1 && b.Current < 0 || b.Next != nil && b.Next.ID == s.ID && b.Ready)
		switch {
		case i == b.Current:
			row.Status = p.T("in force")
		case !s.From.IsZero() && s.From.After(b.At):
			row.Status = p.T("agreed; enters into force %s", utc(p, s.From))
		case !s.From.IsZero():
			row.Status = p.T("ended")
		case len(s.Stale) > 0:
			row.Status = p.T("changed since it was consented to: to be agreed again")
		default:
			row.Status = p.T("awaiting consent")
		}
		v.Phases = append(v.Phases, row)
	}
	byID := map[string]ceasefire.Incident{}
	for _, in := range b.Incidents {
		byID[in.ID] = in
	}
	history := b.History()
	for _, j := range b.Judgments {
		if len(j.Breaks) == 0 {
			continue
		}
		vi := violation{Judgment: j, Incident: byID[j.Incident], History: history[j.Incident]}
		if j.Violation {
			v.Violations = append(v.Violations, vi)
		} else {
			v.Pending = append(v.Pending, vi)
		}
	}
	x.site.Render(w, r, caller, http.StatusOK, "ceasefire", web.Page{Title: b.Ceasefire.Title, Nav: "ceasefire", Data: v})
	return nil
}
