package monitorweb

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/web"
)

// incidents returns the incident records the caller may see, each with
// its verification as far as it went.
func (x *Section) incidents(r *http.Request, caller *access.Principal) ([]*incidentRow, error) {
	ctx, svc := r.Context(), x.site.Service()
	ins, err := web.Load[monitor.Incident](ctx, svc, caller, monitor.KindIncident, "")
	if err != nil {
		return nil, err
	}
	steps, err := web.Load[monitor.Step](ctx, svc, caller, monitor.KindStep, "")
	if err != nil {
		return nil, err
	}
	of := map[string][]web.Item[monitor.Step]{}
	for _, s := range steps {
		of[s.V.IncidentID] = append(of[s.V.IncidentID], s)
	}
	out := make([]*incidentRow, len(ins))
	for i, in := range ins {
		out[i] = rowOf(web.Printer(r), in, of[in.ID])
	}
	return out, nil
}

// rowOf is an incident with its steps, in the order they were taken, and
// where its verification stands (monitor.VerificationOf), in p's language.
func rowOf(p *i18n.Printer, in web.Item[monitor.Incident], steps []web.Item[monitor.Step]) *incidentRow {
	slices.SortStableFunc(steps, func(a, b web.Item[monitor.Step]) int { return cmp.Compare(a.CreatedSeq, b.CreatedSeq) })
	taken, on := make([]*monitor.Step, len(steps)), make([]string, len(steps))
	for i, s := range steps {
		taken[i], on[i] = s.V, s.On
	}
	row := &incidentRow{Item: in, Steps: steps, Verification: monitor.VerificationOf(taken, on, in.RecordID)}
	row.Status = statusText(p, row.Verification)
	return row
}

// statusText says where an incident's verification stands, with the
// attribution of a verified one, in p's language.
func statusText(p *i18n.Printer, v monitor.Verification) string {
	s := v.Current()
	if s == nil {
		return p.T("no allegation recorded")
	}
	t := stageText(p, s.Stage)
	if s.Stage == monitor.StageVerified {
		t += ": " + attributionText(p, s.Attribution, s.AttributedParty)
	}
	if v.Stale {
		t = p.T("changed since its last step (%s), which was taken on an earlier version: not verified as it reads now", t)
	}
	return t
}

// clusters corroborates the reports into events, keeping the monitors'
// merges, splits and incident records, and for each event the incident
// that holds its reports, or, for a monitor, the link to make one.
func (x *Section) clusters(r *http.Request, caller *access.Principal, reports []web.Item[monitor.Report], incidents []*incidentRow, may bool) ([]cluster, error) {
	ctx, svc := r.Context(), x.site.Service()
	rs := make([]*monitor.Report, len(reports))
	ids := make([]string, len(reports))
	for i := range reports {
		rs[i], ids[i] = reports[i].V, reports[i].ID
	}
	lks, err := web.Load[monitor.Linkage](ctx, svc, caller, monitor.KindLinkage, "")
	if err != nil {
		return nil, err
	}

	// An incident record's reports are one incident, as a merge is.
	linkages := make([]*monitor.Linkage, 0, len(lks)+len(incidents))
	for i := range lks {
		linkages = append(linkages, lks[i].V)
	}
	heldBy := map[string]*incidentRow{}
	for _, in := range incidents {
		linkages = append(linkages, &monitor.Linkage{Action: monitor.LinkTogether, Reports: in.V.Reports})
		for _, rp := range in.V.Reports {
			heldBy[rp] = in
		}
	}
	of := monitor.Corroborate(rs, monitor.DefaultClusterConfig, monitor.LinksOf(linkages, ids))
	members := map[int][]int{}
	var order []int
	for i, c := range of {
		if _, ok := members[c]; !ok {
			order = append(order, c)
		}
		members[c] = append(members[c], i)
	}
	out := make([]cluster, 0, len(order))
	for n, c := range order {
		ms := members[c]
		group := make([]*monitor.Report, len(ms))
		sources := map[string]bool{}
		cl := cluster{N: n + 1, Where: rs[ms[0]].PlaceName, When: rs[ms[0]].OccurredAt}
		for i, m := range ms {
			group[i] = rs[m]
			sources[rs[m].SourceName] = true
			if in := heldBy[ids[m]]; in != nil && cl.Incident == nil {
				cl.Incident = in
			}
		}
		cl.Sources, cl.Figures = len(sources), figures(web.Printer(r), group)
		if cl.Incident == nil && may {
			cl.Proposal = proposal(web.Printer(r), group, ids, ms)
		}
		out = append(out, cl)
	}
	return out, nil
}

// proposal is the link to the form of a new incident of the reports ms,
// filled in from the first that gives coordinates (or the first), its
// title in p's language.
func proposal(p *i18n.Printer, group []*monitor.Report, ids []string, ms []int) string {
	first := group[0]
	for _, g := range group {
		if _, ok := g.Point(); ok {
			first = g
			break
		}
	}
	q := url.Values{"title": {against(p, first.WeaponClass, first.TargetClass) + ", " + first.PlaceName},
		"occurred_at": {first.OccurredAt}, "place_name": {first.PlaceName}, "weapon_class": {first.WeaponClass}, "target_class": {first.TargetClass}}
	if pt, ok := first.Point(); ok {
		q.Set("lat", strconv.FormatFloat(pt.Lat, 'f', -1, 64))
		q.Set("lon", strconv.FormatFloat(pt.Lon, 'f', -1, 64))
	}
	for _, m := range ms {
		q.Add("reports", ids[m])
	}
	return "/k/incidents/new?" + q.Encode()
}

// incidentView is an incident's page.
type incidentView struct {
	Incident *incidentRow
	Reports  []web.Item[monitor.Report]
	// Split holds, by report, the link to the form that keeps it apart
	// from the incident's other reports (a monitor's split), where it has
	// others.
	Split    map[string]string
	Figures  []string
	Sources  int
	Findings []web.Item[monitor.Finding]
	Denials  []web.Item[monitor.AccessDenial]
	// Hidden counts the reports the incident names that the caller may
	// not read.
	Hidden int
	// May says whether the caller takes steps (a monitor).
	May bool
}

// incident shows one incident: its reports and their figures side by
// side, its verification step by step, the teams' reports the caller may
// read, and the access denials that stood in the way.
func (x *Section) incident(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx, svc := r.Context(), x.site.Service()
	id := r.PathValue("id")
	in, err := web.Get[monitor.Incident](ctx, svc, caller, monitor.KindIncident, id)
	if err != nil {
		return err
	}
	v := incidentView{May: caller != nil && svc.Authorized(*caller, monitor.KindStep, caller.Party) == nil}
	var group []*monitor.Report
	sources := map[string]bool{}
	for _, rid := range in.V.Reports {
		rp, err := web.Get[monitor.Report](ctx, svc, caller, monitor.KindReport, rid)
		if err != nil {
			v.Hidden++
			continue
		}
		v.Reports = append(v.Reports, rp)
		group = append(group, rp.V)
		sources[rp.V.SourceName] = true
	}
	v.Figures, v.Sources = figures(web.Printer(r), group), len(sources)
	if len(in.V.Reports) > 1 {
		v.Split = map[string]string{}
		for _, r := range v.Reports {
			q := url.Values{"action": {monitor.LinkApart}, "reports": {r.ID}}
			for _, o := range in.V.Reports {
				if o != r.ID {
					q.Add("reports", o)
				}
			}
			v.Split[r.ID] = "/k/incident-linkages/new?" + q.Encode()
		}
	}
	steps, err := web.Load[monitor.Step](ctx, svc, caller, monitor.KindStep, id)
	if err != nil {
		return err
	}
	v.Incident = rowOf(web.Printer(r), in, steps)
	if v.Findings, err = web.Load[monitor.Finding](ctx, svc, caller, monitor.KindFinding, id); err != nil {
		return err
	}
	denials, err := web.Load[monitor.AccessDenial](ctx, svc, caller, monitor.KindDenial, "")
	if err != nil {
		return err
	}
	for _, d := range denials {
		if d.V.IncidentID == id {
			v.Denials = append(v.Denials, d)
		}
	}
	x.site.Render(w, r, caller, http.StatusOK, "incident", web.Page{Title: in.V.Title, Nav: "monitoring", Data: v})
	return nil
}
