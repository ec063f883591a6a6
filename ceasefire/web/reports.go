package ceasefireweb

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

// issuer is what issuing a report needs of the service.
type issuer interface {
	lister
	Create(ctx context.Context, p access.Principal, kind string, body []byte) (app.Written, error)
}

// Issue makes the report of type typ on ceasefire id for [from, until)
// from the records as caller sees them now, and commits it: one record,
// which every party reads at once.
func Issue(ctx context.Context, svc issuer, caller access.Principal, id, typ string, from, until time.Time) (app.Written, error) {
	if !slices.Contains(ceasefire.ReportTypes, typ) {
		return app.Written{}, fault.New(app.CodeInvalid, "report_type", "%q is neither of %v", typ, ceasefire.ReportTypes)
	}
	if !until.After(from) {
		return app.Written{}, fault.New(app.CodeInvalid, "until", "the period ends before it starts")
	}
	now := time.Now()
	b, err := Load(ctx, svc, &caller, id, now)
	if err != nil {
		return app.Written{}, err
	}
	in, err := b.reportInput(ctx, svc, &caller, from, until)
	if err != nil {
		return app.Written{}, err
	}
	r := ceasefire.MakeReport(typ, in, from, until)
	title := ceasefire.ReportTitle(typ, from, until)
	var body []byte
	for {
		figures, err := json.Marshal(r)
		if err != nil {
			return app.Written{}, err
		}
		if len(figures) <= ceasefire.MaxFigures-1024 || len(r.Lines) == 0 {
			body, err = json.Marshal(ceasefire.ReportRecord{CeasefireID: id, ReportType: typ, Title: title,
				From: from.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339), Figures: string(figures)})
			if err != nil {
				return app.Written{}, err
			}
			break
		}
		// More lines than a record holds: keep as many as fit, and say
		// how many are left out.
		keep := len(r.Lines) * (ceasefire.MaxFigures - 1024) / len(figures)
		r.LinesLeftOut += len(r.Lines) - keep
		r.Lines = r.Lines[:keep]
	}
	return svc.Create(ctx, caller, ceasefire.KindReport, body)
}

// reportInput gathers what a report counts beyond the board: the
// civilian casualties of the incidents in the period, from their reports,
// and the restrictions of the monitors' movement.
func (b *Board) reportInput(ctx context.Context, svc issuer, caller *access.Principal, from, until time.Time) (ceasefire.ReportInput, error) {
	in := ceasefire.ReportInput{Periods: b.Periods, Incidents: b.Incidents, Parties: b.Ceasefire.Parties, At: b.At,
		Casualties: map[string]ceasefire.Casualties{}, Names: b.Names}
	for _, inc := range b.Incidents {
		if inc.At.Before(from) || !inc.At.Before(until) {
			continue
		}
		var c ceasefire.Casualties
		for _, rid := range b.Reports[inc.ID] {
			e, err := svc.Get(ctx, caller, ceasefire.ReportKindOfMonitoring, rid)
			if err != nil {
				continue // a report the caller may not read counts for nothing
			}
			var rb struct {
				Casualties []struct {
					Kind  string `json:"kind"`
					Group string `json:"group"`
					Low   int    `json:"low"`
				} `json:"casualties"`
			}
			json.Unmarshal(e.Body, &rb)
			var k, w int
			for _, x := range rb.Casualties {
				if x.Group == "civilian" && x.Kind == "killed" {
					k += x.Low
				} else if x.Group == "civilian" && x.Kind == "wounded" {
					w += x.Low
				}
			}
			c.Killed, c.Wounded = max(c.Killed, k), max(c.Wounded, w)
		}
		if c != (ceasefire.Casualties{}) {
			in.Casualties[inc.ID] = c
		}
	}
	denials, err := svc.All(ctx, caller, ceasefire.DenialKind, "")
	if err != nil {
		return in, err
	}
	for _, e := range denials {
		var d struct {
			OccurredAt string   `json:"occurred_at"`
			DeniedBy   string   `json:"denied_by"`
			Lat        *float64 `json:"lat"`
			Lon        *float64 `json:"lon"`
		}
		json.Unmarshal(e.Body, &d)
		at, err := parley.ParseTime(d.OccurredAt)
		if err != nil {
			continue
		}
		den := ceasefire.Denial{At: at, Party: d.DeniedBy}
		if d.Lat != nil && d.Lon != nil {
			den.Region = b.placer.RegionOf(geo.Point{Lat: *d.Lat, Lon: *d.Lon})
		}
		in.Denials = append(in.Denials, den)
	}
	for _, s := range b.States {
		for _, o := range s.Phase.Obligations {
			in.Obligations = append(in.Obligations, ceasefire.ObligationDue{Phase: s.Phase.Number, Obligation: o, Done: b.Done[s.ID][o.ID]})
		}
	}
	return in, nil
}

func (x *Section) issue(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if err := web.ReadForm(w, r, caller); err != nil {
		return err
	}
	typ := r.PostForm.Get("report_type")
	from, err := time.Parse(time.DateOnly, r.PostForm.Get("from"))
	if err != nil || from.Year() < 1900 || from.Year() > 9000 {
		return fault.New(app.CodeInvalid, "from", "is not a day, YYYY-MM-DD, between the years 1900 and 9000")
	}
	days := 1
	if typ == ceasefire.Compliance {
		if days, err = strconv.Atoi(r.PostForm.Get("days")); err != nil || days < 1 || days > 3660 {
			return fault.New(app.CodeInvalid, "days", "is not a number of days from 1 to 3660")
		}
	} else if typ != ceasefire.Daily {
		return fault.New(app.CodeInvalid, "report_type", "is neither daily nor compliance")
	}
	until := from.AddDate(0, 0, days)
	if until.Year() > 9000 {
		return fault.New(app.CodeInvalid, "days", "takes the report to %s, past the year 9000", until.Format(time.DateOnly))
	}
	written, err := Issue(r.Context(), x.site.Service(), *caller, r.PathValue("id"), typ, from, until)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ceasefire-reports/"+url.PathEscape(written.Entity.ID), http.StatusSeeOther)
	return nil
}

// reportView is a committed report with what renders it.
type reportView struct {
	Item web.Item[ceasefire.ReportRecord]
	// Issuer is who issued it, as its record says.
	Issuer string
	R      ceasefire.Report
	Names  map[string]string
	Charts []chart
}

func (x *Section) loadReport(r *http.Request, caller *access.Principal) (*reportView, error) {
	it, err := web.Get[ceasefire.ReportRecord](r.Context(), x.site.Service(), caller, ceasefire.KindReport, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	rep, err := it.V.Report()
	if err != nil {
		return nil, err
	}
	v := &reportView{Item: it, R: rep, Names: map[string]string{}}
	if rec, err := x.site.Service().Record(r.Context(), caller, it.RecordID); err == nil {
		v.Issuer = rec.Author.Principal + " (" + rec.Author.Party + ")"
		if p, err := x.site.Service().Principal(r.Context(), rec.Author.Principal); err == nil {
			v.Issuer = p.Name + " (" + rec.Author.Party + ")"
		}
	}
	// The regions' names as the report keeps them, not as they are now.
	for _, rg := range rep.Regions {
		v.Names[rg.Region] = rg.Name
	}
	for _, l := range rep.Lines {
		v.Names[l.Region] = l.RegionName
	}
	v.Charts = charts(web.Printer(r), rep, v.Names)
	return v, nil
}

func (x *Section) report(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, err := x.loadReport(r, caller)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "ceasefire_report", web.Page{Title: reportTitle(web.Printer(r), v.Item.V), Nav: "ceasefire", Data: v})
	return nil
}

func download(w http.ResponseWriter, ctype, name string, b []byte) error {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(b)
	return err
}

func (x *Section) reportCSV(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, err := x.loadReport(r, caller)
	if err != nil {
		return err
	}
	return download(w, "text/csv; charset=utf-8", "report-"+v.Item.ID+".csv", ReportCSV(v.R, v.Names))
}

func (x *Section) reportGeoJSON(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, err := x.loadReport(r, caller)
	if err != nil {
		return err
	}
	b, err := ReportGeoJSON(v.R, v.Names)
	if err != nil {
		return err
	}
	return download(w, "application/geo+json", "report-"+v.Item.ID+".geojson", b)
}

func (x *Section) reportPDF(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, err := x.loadReport(r, caller)
	if err != nil {
		return err
	}
	// The PDF is in the language it is asked for (?in=uk), else the
	// reader's: a capital may want it in its own.
	p := web.DocumentPrinter(r)
	b, err := ReportPDF(p, reportTitle(p, v.Item.V), v.R, v.Names, v.Item.RecordID)
	if err != nil {
		return err
	}
	name := "report-" + v.Item.ID + ".pdf"
	if p.Lang != i18n.English {
		name = "report-" + v.Item.ID + "-" + p.Lang + ".pdf"
	}
	return web.InlinePDF(w, name, b)
}

// ReportCSV renders a report as CSV: one row per region, one per party,
// then, for a daily report, one per violation; the first column says
// which. A cell that a spreadsheet would take for a formula (=, +, -, @)
// starts with an apostrophe, so that opening the file runs nothing. It is
// data for programs, in English whatever the reader's language, as the
// GeoJSON is.
func ReportCSV(rep ceasefire.Report, names map[string]string) []byte {
	var buf bytes.Buffer
	cw := web.SafeCSV{Writer: csv.NewWriter(&buf)}
	cw.Write([]string{"row", "name", "violations", "previous_period", "civilians_killed", "civilians_wounded", "restrictions", "detail"})
	for _, rg := range rep.Regions {
		cw.Write([]string{"region", regionName(nil, rg.Region, names), itoa(rg.Violations), itoa(rg.Previous), itoa(rg.Killed), itoa(rg.Wounded), itoa(rg.Denials), countsText(rg.Weapons)})
	}
	for _, p := range rep.Parties {
		cw.Write([]string{"party", partyName(nil, p.Party), itoa(p.Violations), itoa(p.Previous), "", "", itoa(p.Denials), countsText(p.ByProhibition)})
	}
	for _, l := range rep.Lines {
		cw.Write([]string{"violation", l.Incident, "1", "", itoa(l.Killed), itoa(l.Wounded), "",
			fmt.Sprintf("%s; %s; %s against %s; phase %d breaks %s; attributed to %s", l.At.UTC().Format(time.RFC3339), regionName(nil, l.Region, names),
				l.Weapon, l.Target, l.Phase, strings.Join(l.Breaks, " "), partyName(nil, l.Party))})
	}
	cw.Flush()
	return buf.Bytes()
}

// ReportGeoJSON renders a daily report's violations placed by the monitors
// as a GeoJSON FeatureCollection of points.
func ReportGeoJSON(rep ceasefire.Report, names map[string]string) ([]byte, error) {
	fc := newFeatures()
	for _, l := range rep.Lines {
		if l.Lat == nil || l.Lon == nil {
			continue
		}
		fc.add(map[string]any{"type": "Point", "coordinates": []float64{*l.Lon, *l.Lat}},
			map[string]any{"incident": l.Incident, "at": l.At.UTC().Format(time.RFC3339), "region": regionName(nil, l.Region, names),
				"weapon": l.Weapon, "target": l.Target, "phase": l.Phase, "breaks": l.Breaks, "attributed_to": l.Party})
	}
	return json.Marshal(fc)
}

func itoa(n int) string { return strconv.Itoa(n) }

func countsText(cs []ceasefire.Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Name, c.N)
	}
	return strings.Join(parts, "; ")
}

// regionName names a report's region in p's language (nil: English, for
// the CSV and GeoJSON): its name, or its id, or that it is none.
func regionName(p *i18n.Printer, id string, names map[string]string) string {
	if id == "" {
		return p.T("outside the regions")
	}
	if n := names[id]; n != "" {
		return n
	}
	return id
}

// partyName names the party violations are attributed to, or says they
// are not, in p's language (nil: English).
func partyName(p *i18n.Printer, id string) string {
	if id == "" {
		return p.T("not attributed")
	}
	return id
}
