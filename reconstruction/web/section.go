// Package reconstructionweb is reconstruction finance's own pages: the gap
// at a glance (per sector and region, the needs assessed against what was
// pledged, committed and disbursed, with a chart) and its drill-down to
// the records behind each figure; a need's flows with their conditions;
// a project from tender to payments; and the open-data exports (OCDS,
// IATI, CSV).
package reconstructionweb

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Section is reconstruction finance's part of the UI.
type Section struct {
	site *web.Site
	// PhaseStanding says where a ceasefire phase a pledge waits for
	// stands at t, as caller may see it: its number and title, and the
	// number of the phase in force (0 for none); app.CodeNotFound if the
	// caller may not see the phase. The binary wires the ceasefire's own
	// reading in (a domain imports no other); nil leaves conditions
	// unread.
	PhaseStanding func(ctx context.Context, svc *app.Service, caller *access.Principal, phase string, t time.Time) (number int, title string, inForce int, err error)
}

// Condition is where a ceasefire phase a pledge waits for stands at a
// time.
type Condition struct {
	// Number and Title are the phase's; InForce is the number of the
	// phase in force (0 for none: not agreed yet, or suspended).
	Number  int
	Title   string
	InForce int
	// Holds says the phase, or a later one of its ceasefire, is in force.
	Holds bool
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{{Key: "reconstruction", Label: "Reconstruction", Path: "/reconstruction"}}
}

// Templates implements web.Section. stage is a stage's value, as the
// pages' links and the lists' filters take it (option writes it in words).
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), template.FuncMap{
		"stage": func(i int) string { return reconstruction.Stages[i] },
	}
}

// LocalFuncs implements web.Localizer: amounts with the separators of
// p's language, and the words of reconstruction's enumerations in it.
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"usd":    func(r *big.Rat) string { return usd(p, r) },
		"amount": p.Decimal,
		// option is the label of a value of an enumerated field of one
		// of reconstruction's kinds ("notMet" reads "not met"), in words.
		"option": func(kind, field, v string) string { return p.Word(optionLabel(kind, field, v)) },
	}
}

// Catalogue implements web.Cataloguer: the pages' words and package
// reconstruction's (its kinds, fields, options and refusals).
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err) // only a section built without its catalogues gets here
	}
	return sub
}

// optionLabel is what people read for value v of field of kind.
func optionLabel(kind, field, v string) string {
	for _, k := range (reconstruction.Domain{}).Kinds() {
		if k.Name == kind {
			if f, ok := k.Field(field); ok {
				return f.OptionLabel(v)
			}
		}
	}
	return v
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /reconstruction", x.gap)
	site.Handle("GET /reconstruction/flows", x.flows)
	site.Handle("GET /reconstruction/projects/{id}", x.project)
	site.Handle("GET /reconstruction/export/ocds.json", x.exportOCDS)
	site.Handle("GET /reconstruction/export/iati.xml", x.exportIATI)
	site.Handle("GET /reconstruction/export/csv/{collection}", x.exportCSV)
}

// Href implements web.Linker: a project is shown on its own page.
func (x *Section) Href(_ context.Context, _ *access.Principal, e store.Entity) (string, error) {
	if e.Kind == reconstruction.KindProject {
		return "/reconstruction/projects/" + url.PathEscape(e.ID), nil
	}
	return "", nil
}

// gapPage is what the gap page shows.
type gapPage struct {
	*Gap
	Chart   *barChart
	Parties map[string]string
	Sectors []string
	Regions []string
	Exports []string
}

func (x *Section) gap(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	q := r.URL.Query()
	g, err := ReadGap(r.Context(), x.site.Service(), caller, q.Get("basis"), q.Get("sector"), q.Get("region"))
	if err != nil {
		return err
	}
	pr := web.Printer(r)
	p := gapPage{Gap: g, Chart: gapChart(pr, g), Exports: exportCollections()}
	if p.Parties, err = parties(r.Context(), x.site.Service(), caller); err != nil {
		return err
	}
	title := pr.T("Reconstruction: the gap")
	if g.Sector != "" || g.Region != "" {
		var where []string
		if g.Sector != "" {
			where = append(where, pr.Word(g.Sector))
		}
		if g.Region != "" {
			where = append(where, g.Region)
		}
		title += ": " + strings.Join(where, ", ")
	}
	x.site.Render(w, r, caller, http.StatusOK, "reconstruction_gap", web.Page{Title: title, Nav: "reconstruction", Data: p})
	return nil
}

// flowRow is a flow as a need's list shows it, with what it converts to
// and, for a conditional pledge, where its condition stands.
type flowRow struct {
	web.Item[reconstruction.Flow]
	USD       *big.Rat
	Condition *Condition
	// Unseen: the caller may not see the phase the pledge waits for;
	// Unread: this installation does not read conditions.
	Unseen, Unread bool
}

type flowsPage struct {
	Need     web.Item[reconstruction.Need]
	Stage    string
	Rows     []flowRow
	More     bool
	Parties  map[string]string
	FullList string
}

// maxDrill is how many flows the drill-down shows on its page; the
// kernel's list of the same flows pages through all of them.
const maxDrill = 100

func (x *Section) flows(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	svc := x.site.Service()
	q := r.URL.Query()
	stage := q.Get("stage")
	if stage != "" && !slices.Contains(reconstruction.Stages, stage) {
		stages := strings.Join(reconstruction.Stages, ", ")
		return &app.Error{Code: app.CodeBadRequest, Field: "stage", Message: "is not a stage (" + stages + ")", Format: "is not a stage (%s)", Args: []any{stages}}
	}
	need, err := web.Get[reconstruction.Need](r.Context(), svc, caller, reconstruction.KindNeed, q.Get("need"))
	if err != nil {
		return err
	}
	es, more, err := svc.List(r.Context(), caller, store.Query{Kind: reconstruction.KindFlow, Fields: map[string]string{"need_id": need.ID}, Status: stage, Limit: maxDrill})
	if err != nil {
		return err
	}
	full := url.Values{"need_id": {need.ID}}
	if stage != "" {
		full.Set("status", stage)
	}
	p := flowsPage{Need: need, Stage: stage, More: more, FullList: "/k/finance-flows?" + full.Encode()}
	if p.Parties, err = parties(r.Context(), svc, caller); err != nil {
		return err
	}
	now := time.Now()
	// Pledges waiting on one phase read its ceasefire's terms once.
	standing := map[string]flowRow{}
	for _, e := range es {
		it, err := web.ItemOf[reconstruction.Flow](e)
		if err != nil {
			return err
		}
		row := flowRow{Item: it}
		if a, rate, err := it.V.Money(); err == nil {
			row.USD = reconstruction.Reported(a, rate)
		}
		if known, ok := standing[it.V.ConditionPhase]; ok && it.V.ConditionPhase != "" {
			row.Condition, row.Unseen, row.Unread = known.Condition, known.Unseen, known.Unread
		} else if it.V.ConditionPhase != "" && x.PhaseStanding == nil {
			row.Unread = true
		} else if it.V.ConditionPhase != "" {
			n, title, inForce, err := x.PhaseStanding(r.Context(), svc, caller, it.V.ConditionPhase, now)
			switch {
			case app.ErrorCode(err) == app.CodeNotFound || errors.Is(err, store.ErrNotFound):
				row.Unseen = true
			case err != nil:
				return err
			default:
				// A later phase enters into force only after the one
				// before it did: the pledge's phase, or one after it.
				row.Condition = &Condition{Number: n, Title: title, InForce: inForce, Holds: inForce >= n}
			}
		}
		if it.V.ConditionPhase != "" {
			standing[it.V.ConditionPhase] = row
		}
		p.Rows = append(p.Rows, row)
	}
	x.site.Render(w, r, caller, http.StatusOK, "reconstruction_flows", web.Page{Title: web.T(r, "Flows against a need"), Nav: "reconstruction", Data: p})
	return nil
}

// contractRow is a contract with what its payments add up to.
type contractRow struct {
	web.Item[reconstruction.Contract]
	Paid *big.Rat
}

type projectPage struct {
	Project    web.Item[reconstruction.Project]
	Need       *web.Item[reconstruction.Need]
	Tenders    []web.Item[reconstruction.Tender]
	Contracts  []contractRow
	Milestones []web.Item[reconstruction.Milestone]
	Payments   []web.Item[reconstruction.Payment]
	Funding    []web.Item[reconstruction.Flow]
	Parties    map[string]string
}

func (x *Section) project(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, svc := r.Context(), x.site.Service()
	pr, err := web.Get[reconstruction.Project](ctx, svc, caller, reconstruction.KindProject, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := projectPage{Project: pr}
	if n, err := web.Get[reconstruction.Need](ctx, svc, caller, reconstruction.KindNeed, pr.V.NeedID); err == nil {
		p.Need = &n
	}
	if p.Tenders, err = web.Load[reconstruction.Tender](ctx, svc, caller, reconstruction.KindTender, pr.ID); err != nil {
		return err
	}
	contracts, err := web.Load[reconstruction.Contract](ctx, svc, caller, reconstruction.KindContract, pr.ID)
	if err != nil {
		return err
	}
	if p.Milestones, err = web.Load[reconstruction.Milestone](ctx, svc, caller, reconstruction.KindMilestone, pr.ID); err != nil {
		return err
	}
	if p.Payments, err = web.Load[reconstruction.Payment](ctx, svc, caller, reconstruction.KindPayment, pr.ID); err != nil {
		return err
	}
	paid := map[string]*big.Rat{}
	for _, pay := range p.Payments {
		if a, ok := new(big.Rat).SetString(pay.V.Amount); ok {
			if paid[pay.V.ContractID] == nil {
				paid[pay.V.ContractID] = new(big.Rat)
			}
			paid[pay.V.ContractID].Add(paid[pay.V.ContractID], a)
		}
	}
	for _, c := range contracts {
		p.Contracts = append(p.Contracts, contractRow{Item: c, Paid: orZero(paid[c.ID])})
	}
	if p.Funding, err = fundingOf(ctx, svc, caller, pr.ID); err != nil {
		return err
	}
	if p.Parties, err = parties(ctx, svc, caller); err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "reconstruction_project", web.Page{Title: pr.V.Title, Nav: "reconstruction", Data: p})
	return nil
}

func orZero(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// party is what the pages read of a party, by the fields of its kind.
type party struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// parties are the names of the parties the caller may see, by id.
func parties(ctx context.Context, svc *app.Service, caller *access.Principal) (map[string]string, error) {
	ps, err := web.Load[party](ctx, svc, caller, reconstruction.PartyKind, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.V.ID] = p.V.Name
	}
	return out, nil
}

// usd renders an exact amount of dollars to the cent, digits grouped as
// p's language groups them.
func usd(p *i18n.Printer, r *big.Rat) string {
	if r == nil {
		return ""
	}
	return p.Decimal(reconstruction.Cents(r))
}
