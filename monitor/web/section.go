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
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

// Section is the monitoring's part of the UI.
type Section struct{ site *web.Site }

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
	site.Handle("GET /monitoring/incident-reports.csv", x.exportCSV)
	site.Handle("GET /monitoring/incident-reports.ndjson", x.exportNDJSON)
	site.Handle("GET /monitoring/incident-reports.geojson", x.exportGeoJSON)
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

// incident is one event as its reports corroborate it.
type incident struct {
	N       int
	Where   string
	When    string
	Sources int
	// Figures are the reports' figures side by side, each with its
	// source.
	Figures []string
}

type reportsView struct {
	Rows      []row
	Incidents []incident
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
	reports, err := web.Load[monitor.Report](ctx, svc, caller, monitor.KindReport, "")
	if err != nil {
		return err
	}
	slices.SortStableFunc(reports, func(a, b web.Item[monitor.Report]) int { return cmp.Compare(b.V.OccurredAt, a.V.OccurredAt) })
	v := reportsView{Zones: len(zs), May: caller != nil && svc.Authorized(*caller, monitor.KindReport, "") == nil}
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
	// Incidents: the reports corroborated, each with its independent
	// sources and their figures side by side.
	rs := make([]*monitor.Report, len(reports))
	ids = make([]string, len(reports))
	for i := range reports {
		rs[i], ids[i] = reports[i].V, reports[i].ID
	}
	lks, err := web.Load[monitor.Linkage](ctx, svc, caller, monitor.KindLinkage, "")
	if err != nil {
		return err
	}
	linkages := make([]*monitor.Linkage, len(lks))
	for i := range lks {
		linkages[i] = lks[i].V
	}
	of := monitor.Corroborate(rs, monitor.DefaultClusterConfig, monitor.LinksOf(linkages, ids))
	members := map[int][]*monitor.Report{}
	var order []int
	for i, id := range of {
		if _, ok := members[id]; !ok {
			order = append(order, id)
		}
		members[id] = append(members[id], rs[i])
	}
	for n, id := range order {
		ms := members[id]
		sources := map[string]bool{}
		for _, m := range ms {
			sources[m.SourceName] = true
		}
		v.Incidents = append(v.Incidents, incident{N: n + 1, Where: ms[0].PlaceName, When: ms[0].OccurredAt, Sources: len(sources), Figures: monitor.Figures(ms)})
	}
	x.site.Render(w, r, caller, http.StatusOK, "monitoring", web.Page{Title: "Monitoring", Nav: "monitoring", Data: v})
	return nil
}
