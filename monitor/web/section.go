// Package monitorweb is the monitoring's own page: the incident reports the
// caller may see, each placed among the zones (monitor.Classify), beside
// the kernel's generic pages and forms for zones and reports.
package monitorweb

import (
	"cmp"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

// locales are the section's catalogues: its pages' words and the
// monitoring domain's (kinds, fields, options, the classes of weapon and
// target, refusals), and the import's, in Ukrainian and Russian.
//
//go:embed locales/*.json
var locales embed.FS

// Section is the monitoring's part of the UI.
type Section struct {
	site    *web.Site
	imports imports
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{{Key: "monitoring", Label: "Monitoring", Path: "/monitoring"}}
}

// Templates implements web.Section: the pages' functions write in the
// reader's language (LocalFuncs).
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), nil
}

// LocalFuncs implements web.Localizer: distances, the classes of weapon
// and target, the stages of verification and attributions, in p's
// language.
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"km":          func(f float64) string { return p.T("%.1f km", f) },
		"against":     func(weapon, target string) string { return against(p, weapon, target) },
		"stage":       func(s monitor.Stage) string { return stageText(p, s) },
		"attribution": func(a monitor.Attribution, party string) string { return attributionText(p, a, party) },
	}
}

// Catalogue implements web.Cataloguer.
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err) // only a section built without its catalogues gets here
	}
	return sub
}

// against says what a strike was made with and what it hit: "attack-drone
// against residential", the classes as the reader's language names them.
func against(p *i18n.Printer, weapon, target string) string {
	return p.T("%s against %s", p.Word(weapon), p.Word(target))
}

// stageText names a stage of verification.
func stageText(p *i18n.Printer, s monitor.Stage) string {
	return p.Word(cmp.Or(monitor.StageLabels[s], string(s)))
}

// attributionText names how far an incident is attributed, and to which
// party.
func attributionText(p *i18n.Printer, a monitor.Attribution, party string) string {
	switch {
	case party != "" && a == monitor.Attributed:
		return p.T("attributed to %s", party)
	case party != "" && a == monitor.LargelyAttributed:
		return p.T("largely attributed to %s", party)
	case party != "":
		return p.Word(cmp.Or(monitor.AttributionLabels[a], string(a))) + " (" + party + ")"
	}
	return p.Word(cmp.Or(monitor.AttributionLabels[a], string(a)))
}

// casualtyText is one figure of casualties as a report gives it: "27
// wounded (unknown)", "25 to 27 killed (civilian)".
func casualtyText(p *i18n.Printer, c monitor.Casualty) string {
	var n string
	switch rng := c.High > c.Low; {
	case c.Kind == "killed" && rng:
		n = p.T("%d to %d killed", c.Low, c.High)
	case c.Kind == "killed":
		n = p.T("%d killed", c.Low)
	case c.Kind == "wounded" && rng:
		n = p.T("%d to %d wounded", c.Low, c.High)
	case c.Kind == "wounded":
		n = p.T("%d wounded", c.Low)
	default:
		n = count(p, c) + " " + p.Word(c.Kind)
	}
	return n + " (" + p.Word(c.Group) + ")"
}

// count is a casualty's figure, or its range.
func count(p *i18n.Printer, c monitor.Casualty) string {
	if c.High > c.Low {
		return p.T("%d to %d", c.Low, c.High)
	}
	return p.Int(int64(c.Low))
}

// figures sets an incident's figures side by side, as monitor.Figures
// does, in p's language: conflicting counts are kept apart, each with its
// source.
func figures(p *i18n.Printer, reports []*monitor.Report) []string {
	type key struct{ kind, group string }
	by := map[key][]string{}
	var order []key
	for _, r := range reports {
		for _, c := range r.Casualties {
			k := key{c.Kind, c.Group}
			if _, ok := by[k]; !ok {
				order = append(order, k)
			}
			by[k] = append(by[k], count(p, c)+" ("+r.SourceName+")")
		}
	}
	var out []string
	for _, k := range order {
		out = append(out, p.Word(k.kind)+" ("+p.Word(k.group)+"): "+strings.Join(by[k], "; "))
	}
	var weapons []string
	for _, r := range reports {
		if r.WeaponCount > 0 {
			weapons = append(weapons, p.Int(int64(r.WeaponCount))+" "+p.Word(r.WeaponClass)+" ("+r.SourceName+")")
		}
	}
	if len(weapons) > 0 {
		out = append(out, p.T("weapons: %s", strings.Join(weapons, "; ")))
	}
	return out
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /monitoring", x.reports)
	site.Handle("GET /monitoring/incidents/{id}", x.incident)
	site.Handle("GET /monitoring/import", x.importForm)
	site.Handle("POST /monitoring/import", x.importStart)
	site.Handle("GET /monitoring/import/{id}", x.importPage)
	site.Handle("GET /monitoring/articles", x.articles)
	site.Handle("POST /monitoring/articles", x.addArticle)
	site.Handle("GET /monitoring/articles/{id}", x.article)
	site.Handle("POST /monitoring/articles/{id}/candidates/{n}", x.decideCandidate)
	for _, ex := range []export{reportExport, x.incidentExport()} {
		site.Handle("GET /monitoring/"+ex.name+".csv", x.exportCSV(ex))
		site.Handle("GET /monitoring/"+ex.name+".ndjson", x.exportNDJSON(ex))
		site.Handle("GET /monitoring/"+ex.name+".geojson", x.exportGeoJSON(ex))
	}
}

// row is one report with where it stands among the zones.
type row struct {
	web.Item[monitor.Report]
	Class monitor.Classification
	// Zones, Region, Protected and Side name what Class holds by id.
	Zones      string
	Region     string
	Protected  string
	Side       string
	Casualties string
}

// cluster is one event as its reports corroborate it, and the incident
// record the monitors made of it, if they did.
type cluster struct {
	N       int
	Where   string
	When    string
	Sources int
	// Figures are the reports' figures side by side, each with its
	// source.
	Figures []string
	// Incident is the incident record that holds these reports; Proposal
	// the link that opens the form of one, for a monitor, when none does.
	Incident *incidentRow
	Proposal string
}

// incidentRow is an incident record with the state of its verification.
type incidentRow struct {
	web.Item[monitor.Incident]
	Steps        []web.Item[monitor.Step]
	Verification monitor.Verification
	Status       string
}

// pageReports is how many of the latest reports the monitoring page shows.
const pageReports = 500

type reportsView struct {
	// More says the page shows the latest Shown reports of more.
	More     bool
	Shown    int
	Rows     []row
	Clusters []cluster
	// Incidents are every incident the caller may see, with its status.
	Incidents []*incidentRow
	Denials   []web.Item[monitor.AccessDenial]
	Zones     int
	// May says whether the caller records reports.
	May bool
}

func (x *Section) reports(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, svc, p := r.Context(), x.site.Service(), web.Printer(r)
	zs, err := web.Load[monitor.Zone](ctx, svc, caller, monitor.KindZone, "")
	if err != nil {
		return err
	}
	ids := make([]string, len(zs))
	zones := make([]*monitor.Zone, len(zs))
	name := map[string]string{}
	for i, z := range zs {
		ids[i], zones[i], name[z.ID] = z.ID, z.V, z.V.Name
	}
	placed, err := monitor.Place(ids, zones)
	if err != nil {
		return err
	}
	// The page shows the latest reports, by when they happened, and the
	// events they corroborate: a page of a million would help no one. All
	// are listed page by page under the kind's list, and exported whole.
	es, more, err := svc.List(ctx, caller, store.Query{Kind: monitor.KindReport, Order: store.OrderAt, Desc: true, Limit: pageReports})
	if err != nil {
		return err
	}
	reports := make([]web.Item[monitor.Report], len(es))
	for i, e := range es {
		if reports[i], err = web.ItemOf[monitor.Report](e); err != nil {
			return err
		}
	}
	v := reportsView{Zones: len(zs), May: caller != nil && svc.Authorized(*caller, monitor.KindReport, "") == nil, More: more, Shown: len(reports)}
	for _, rp := range reports {
		c := monitor.Classify(placed, rp.V)
		rw := row{Item: rp, Class: c, Region: name[c.Region], Protected: name[c.Protected], Side: c.Side}
		var zn []string
		for _, id := range c.Zones {
			zn = append(zn, name[id])
		}
		rw.Zones = strings.Join(zn, ", ")
		var cs []string
		for _, k := range rp.V.Casualties {
			cs = append(cs, casualtyText(p, k))
		}
		rw.Casualties = strings.Join(cs, "; ")
		v.Rows = append(v.Rows, rw)
	}
	if v.Incidents, err = x.incidents(r, caller); err != nil {
		return err
	}
	slices.SortStableFunc(v.Incidents, func(a, b *incidentRow) int { return cmp.Compare(b.V.OccurredAt, a.V.OccurredAt) })
	if v.Clusters, err = x.clusters(r, caller, reports, v.Incidents, v.May); err != nil {
		return err
	}
	if v.Denials, err = web.Load[monitor.AccessDenial](ctx, svc, caller, monitor.KindDenial, ""); err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "monitoring", web.Page{Title: p.T("Monitoring"), Nav: "monitoring", Data: v})
	return nil
}
