// Package monitorweb is the monitoring's own page: the incident reports the
// caller may see, each placed among the zones (monitor.Classify), beside
// the kernel's generic pages and forms for zones and reports.
package monitorweb

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

// Section is the monitoring's part of the UI.
type Section struct {
	site    *web.Site
	imports imports
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{{Key: "monitoring", Label: "Monitoring", Path: "/monitoring"}}
}

// Templates implements web.Section.
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), template.FuncMap{"km": func(f float64) string { return fmt.Sprintf("%.1f km", f) }}
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /monitoring", x.reports)
	site.Handle("GET /monitoring/incidents/{id}", x.incident)
	site.Handle("GET /monitoring/import", x.importForm)
	site.Handle("POST /monitoring/import", x.importStart)
	site.Handle("GET /monitoring/import/{id}", x.importPage)
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
	ctx, svc := r.Context(), x.site.Service()
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
			n := fmt.Sprint(k.Low)
			if k.High > k.Low {
				n = fmt.Sprintf("%d to %d", k.Low, k.High)
			}
			cs = append(cs, fmt.Sprintf("%s %s (%s)", n, k.Kind, k.Group))
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
	x.site.Render(w, r, caller, http.StatusOK, "monitoring", web.Page{Title: "Monitoring", Nav: "monitoring", Data: v})
	return nil
}
