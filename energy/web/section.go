package energyweb

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Section is the energy sharing's part of the UI: each plant with its
// statements and the chart of what each party was entitled to against
// what it took, and each statement with its co-signatures, disputes and
// figures, each traced down to the readings.
type Section struct{ site *web.Site }

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{{Key: "energy", Label: "Energy", Path: "/energy"}}
}

// Templates implements web.Section.
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), template.FuncMap{
		"option":            option,
		"documentLanguages": documentLanguages,
	}
}

// LocalFuncs implements web.Localizer: the functions of the section's
// pages that write months and figures in the reader's language.
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		// month names a statement's month, in UTC as statements are
		// settled.
		"month": func(t time.Time) string { return p.Time(t.UTC(), "January 2006") },
		// quarter names a quarter-hour of a day's trace, in UTC.
		"quarter": func(t time.Time) string { return p.Time(t.UTC(), "2006-01-02 15:04") },
		// int64 writes a figure in whole watt-hours or kilowatts.
		"int64": p.Int,
	}
}

// Catalogue implements web.Cataloguer: the words of the section's pages
// and documents, and of package energy (its kinds, fields, options and
// errors).
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}

// option returns the label of value among the options of field of kind,
// as the kind's forms show it, or value if it has none.
func option(kind, field, value string) string {
	for _, k := range (energy.Domain{}).Kinds() {
		if k.Name != kind {
			continue
		}
		for _, f := range k.Fields {
			if f.Name == field {
				return f.OptionLabel(value)
			}
		}
	}
	return value
}

// language is a language a document is offered in: its code, and its
// name in itself.
type language struct{ Code, Name string }

// documentLanguages lists the languages a statement's PDF is offered in.
func documentLanguages() []language {
	out := make([]language, len(i18n.Languages))
	for i, l := range i18n.Languages {
		out[i] = language{Code: l, Name: i18n.Names[l]}
	}
	return out
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /energy", x.plants)
	site.Handle("GET /energy/{id}", x.plant)
	site.Handle("POST /energy/{id}/statements", x.issue)
	site.Handle("GET /energy-statements/{id}", x.statement)
	site.Handle("GET /energy-statements/{id}/day", x.day)
	site.Handle("GET /energy-statements/{id}/statement.pdf", x.statementPDF)
}

func (x *Section) plants(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ps, err := web.Load[energy.Plant](r.Context(), x.site.Service(), caller, energy.KindPlant, "")
	if err != nil {
		return err
	}
	if len(ps) == 1 {
		http.Redirect(w, r, "/energy/"+url.PathEscape(ps[0].ID), http.StatusSeeOther)
		return nil
	}
	x.site.Render(w, r, caller, http.StatusOK, "energy_plants", web.Page{Title: web.T(r, "Energy"), Nav: "energy", Data: ps})
	return nil
}

// statementRow is a statement as the plant's page lists it.
type statementRow struct {
	Item     web.Item[energy.Statement]
	S        energy.Settlement
	Replaced string // the statement that replaces it, if any
	Approved []string
	Rejected []string
	Disputed bool
}

// Final reports whether every party it settles between approved it and
// none rejected it, and it stands.
func (s statementRow) Final() bool {
	return s.Replaced == "" && !s.Disputed && len(s.Rejected) == 0 && len(s.Approved) == len(s.S.Parties)
}

// statements are a plant's statements with their co-signatures, in the
// order of their periods, and its disputes with their decisions.
type statements struct {
	Rows     []statementRow
	Disputes []web.Item[energy.Dispute]
	// Decided is each decided dispute's decision, by its id.
	Decided map[string]string
}

// statementsOf reads plant id's statements and disputes.
func (x *Section) statementsOf(r *http.Request, caller *access.Principal, plant string) (statements, error) {
	svc := x.site.Service()
	out := statements{Decided: map[string]string{}}
	items, err := web.Load[energy.Statement](r.Context(), svc, caller, energy.KindStatement, plant)
	if err != nil {
		return out, err
	}
	if out.Disputes, err = web.Load[energy.Dispute](r.Context(), svc, caller, energy.KindDispute, plant); err != nil {
		return out, err
	}
	for _, d := range out.Disputes {
		rs, err := web.Load[energy.Resolution](r.Context(), svc, caller, energy.KindResolution, d.ID)
		if err != nil {
			return out, err
		}
		for _, res := range rs {
			out.Decided[d.ID] = res.V.Decision
		}
	}
	replacedBy := map[string]string{}
	for _, it := range items {
		if it.V.Replaces != "" {
			replacedBy[it.V.Replaces] = it.ID
		}
	}
	for _, it := range items {
		row := statementRow{Item: it, Replaced: replacedBy[it.ID]}
		if err := json.Unmarshal([]byte(it.V.Figures), &row.S); err != nil {
			return out, fmt.Errorf("couldn't read statement %s: %w", it.ID, err)
		}
		approvals, err := web.Load[energy.Approval](r.Context(), svc, caller, energy.KindApproval, it.ID)
		if err != nil {
			return out, err
		}
		// Each party's latest decision counts (a signed chain: the latest
		// supersedes the earlier).
		latest := map[string]string{}
		for _, a := range approvals {
			latest[a.V.PartyID] = a.V.Decision
		}
		for _, p := range slices.Sorted(maps.Keys(latest)) {
			if latest[p] == energy.Approve {
				row.Approved = append(row.Approved, p)
			} else {
				row.Rejected = append(row.Rejected, p)
			}
		}
		for _, d := range out.Disputes {
			row.Disputed = row.Disputed || d.V.StatementID == it.ID && out.Decided[d.ID] == ""
		}
		out.Rows = append(out.Rows, row)
	}
	slices.SortStableFunc(out.Rows, func(a, b statementRow) int { return cmp.Compare(a.Item.V.From, b.Item.V.From) })
	return out, nil
}

type plantView struct {
	statements
	Plant     web.Item[energy.Plant]
	Meters    []web.Item[energy.Meter]
	Terms     []web.Item[energy.SharingTerms]
	Chart     *lineChart
	Balances  [][]string
	Parties   []string
	MayIssue  bool
	NextMonth string
	Currency  string
}

func (x *Section) plant(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	svc := x.site.Service()
	e, err := svc.Get(r.Context(), caller, energy.KindPlant, r.PathValue("id"))
	if err != nil {
		return err
	}
	var v plantView
	if v.Plant, err = web.ItemOf[energy.Plant](e); err != nil {
		return err
	}
	if v.Meters, err = web.Load[energy.Meter](r.Context(), svc, caller, energy.KindMeter, e.ID); err != nil {
		return err
	}
	if v.Terms, err = web.Load[energy.SharingTerms](r.Context(), svc, caller, energy.KindTerms, e.ID); err != nil {
		return err
	}
	if v.statements, err = x.statementsOf(r, caller, e.ID); err != nil {
		return err
	}
	v.Chart, v.Parties, v.Balances = equityChart(web.Printer(r), v.Rows)
	for _, row := range v.Rows {
		v.Currency = cmp.Or(row.S.Currency, v.Currency)
	}
	v.MayIssue = caller != nil && svc.Authorized(*caller, energy.KindStatement, "") == nil
	v.NextMonth = time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	x.site.Render(w, r, caller, http.StatusOK, "energy_plant", web.Page{Title: v.Plant.V.Name, Nav: "energy", Data: v})
	return nil
}

// issue commits the statement of a month, from the plant's page.
func (x *Section) issue(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if err := web.ReadForm(w, r, caller); err != nil {
		return err
	}
	from, err := time.Parse("2006-01", r.PostForm.Get("month"))
	if err != nil || from.Year() < 1900 || from.Year() > 9000 {
		return fault.New(app.CodeInvalid, "month", "is not a month, YYYY-MM, between the years 1900 and 9000")
	}
	written, err := Issue(r.Context(), x.site.Service(), *caller, r.PathValue("id"), from, from.AddDate(0, 1, 0), r.PostForm.Get("replaces"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/energy-statements/"+url.PathEscape(written.Entity.ID), http.StatusSeeOther)
	return nil
}

type statementView struct {
	Row      statementRow
	Plant    string
	Disputes []web.Item[energy.Dispute]
	// all are the plant's statements and disputes, the PDF's chart's.
	all  statements
	Days []dayLine
	// TraceErr says why the trace could not be made, if it could not.
	TraceErr string
}

// dayLine is a day of a statement's trace: its settled intervals' sums,
// exact decimals (kWh to the watt-hour) that pages and documents write
// with their language's separators.
type dayLine struct {
	Day     string
	Settled int
	NetKWh  string
	Parties []dayParty // in the order of the statement's
}

// dayParty is a party's sums of a day, in kWh: what it was entitled to,
// what it took, and the difference (took less entitled).
type dayParty struct{ Entitled, Took, Balance string }

func (x *Section) loadStatement(r *http.Request, caller *access.Principal) (statementView, *energy.Settlement, error) {
	svc := x.site.Service()
	e, err := svc.Get(r.Context(), caller, energy.KindStatement, r.PathValue("id"))
	if err != nil {
		return statementView{}, nil, err
	}
	var s energy.Statement
	json.Unmarshal(e.Body, &s)
	all, err := x.statementsOf(r, caller, s.PlantID)
	if err != nil {
		return statementView{}, nil, err
	}
	v := statementView{Plant: s.PlantID, all: all}
	for _, row := range all.Rows {
		if row.Item.ID == e.ID {
			v.Row = row
		}
	}
	for _, d := range all.Disputes {
		if d.V.StatementID == e.ID {
			v.Disputes = append(v.Disputes, d)
		}
	}
	st, err := Trace(r.Context(), svc, caller, e.ID)
	if err != nil {
		v.TraceErr = err.Error()
		if ae, ok := errors.AsType[*app.Error](err); ok {
			v.TraceErr = web.ErrorText(web.Printer(r), ae)
		}
	}
	return v, st, nil
}

func (x *Section) statement(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, st, err := x.loadStatement(r, caller)
	if err != nil {
		return err
	}
	if st != nil {
		v.Days = days(st)
	}
	x.site.Render(w, r, caller, http.StatusOK, "energy_statement", web.Page{Title: web.T(r, "Settlement statement"), Nav: "energy", Data: v})
	return nil
}

// days sums a statement's trace by day.
func days(st *energy.Settlement) []dayLine {
	var out []dayLine
	var ent, del []*big.Rat
	var net int64
	var cur string
	var settled int
	flush := func() {
		if cur == "" {
			return
		}
		d := dayLine{Day: cur, Settled: settled, NetKWh: energy.FormatDecimal(new(big.Rat).SetFrac64(net, 1000), 3)}
		for k := range ent {
			kwh := func(r *big.Rat) string { return energy.FormatDecimal(new(big.Rat).Quo(r, big.NewRat(1000, 1)), 3) }
			d.Parties = append(d.Parties, dayParty{Entitled: kwh(ent[k]), Took: kwh(del[k]), Balance: kwh(new(big.Rat).Sub(del[k], ent[k]))})
		}
		out = append(out, d)
	}
	for _, l := range st.Trace {
		day := l.Start.UTC().Format(time.DateOnly)
		if day != cur {
			flush()
			cur, net, settled = day, 0, 0
			ent, del = make([]*big.Rat, len(l.Parties)), make([]*big.Rat, len(l.Parties))
			for k := range ent {
				ent[k], del[k] = new(big.Rat), new(big.Rat)
			}
		}
		settled++
		net += l.NetWh
		for k, p := range l.Parties {
			e, _ := energy.ParseDecimal(p.Entitled)
			ent[k].Add(ent[k], e)
			del[k].Add(del[k], big.NewRat(p.Delivered, 1))
		}
	}
	flush()
	return out
}

// day shows one day of a statement's trace, interval by interval, with
// every meter's value and the readings record it came from.
func (x *Section) day(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, st, err := x.loadStatement(r, caller)
	if err != nil {
		return err
	}
	day := r.URL.Query().Get("day")
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return fault.New(app.CodeBadRequest, "day", "%q is not a date YYYY-MM-DD", day)
	}
	var lines []energy.Line
	if st != nil {
		for _, l := range st.Trace {
			if strings.HasPrefix(l.Start.UTC().Format(time.RFC3339), day) {
				lines = append(lines, l)
			}
		}
	}
	p := web.Printer(r)
	x.site.Render(w, r, caller, http.StatusOK, "energy_day", web.Page{Title: p.T("Settlement of %s", p.Time(d, "2 January 2006")), Nav: "energy", Data: struct {
		statementView
		Day   string
		Lines []energy.Line
	}{v, day, lines}})
	return nil
}
