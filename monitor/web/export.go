package monitorweb

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// Exports stream what the caller may see, a page of records at a time, so
// that an export of any size holds one page in memory and starts at once.

// exportRow is one entity as every export format writes it.
type exportRow struct {
	ID, RecordID string
	Audience     record.Audience
	Point        *geo.Point
	// CSV is the row's cells, in the export's columns; JSON what NDJSON
	// and GeoJSON's properties hold of it.
	CSV  []string
	JSON map[string]any
}

// export is one of the monitoring's exports: its columns and how a page of
// entities becomes rows.
type export struct {
	name    string
	kind    string
	columns []string
	rows    func(r *http.Request, caller *access.Principal, es []store.Entity) ([]exportRow, error)
}

// each streams the export's rows the caller may see.
func (x *Section) each(r *http.Request, caller *access.Principal, ex export, fn func(exportRow) error) error {
	svc := x.site.Service()
	q := store.Query{Kind: ex.kind, Limit: app.MaxPage}
	for {
		es, more, err := svc.List(r.Context(), caller, q)
		if err != nil {
			return err
		}
		rows, err := ex.rows(r, caller, es)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := fn(row); err != nil {
				return err
			}
		}
		if !more || len(es) == 0 {
			return nil
		}
		q.After = es[len(es)-1].CreatedSeq
	}
}

func attachment(w http.ResponseWriter, ctype, name string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// Once an answer has begun, an error can only cut it short: the reader
// sees a file without its end. The handlers below return nil for that.

func (x *Section) exportCSV(ex export) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		attachment(w, "text/csv; charset=utf-8", ex.name+".csv")
		cw := csv.NewWriter(w)
		if err := cw.Write(ex.columns); err != nil {
			return nil
		}
		n := 0
		_ = x.each(r, caller, ex, func(row exportRow) error {
			cw.Write(row.CSV)
			if n++; n%app.MaxPage == 0 {
				cw.Flush()
			}
			return cw.Error()
		})
		cw.Flush()
		return nil
	}
}

func (x *Section) exportNDJSON(ex export) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		attachment(w, "application/x-ndjson", ex.name+".ndjson")
		enc := json.NewEncoder(w)
		_ = x.each(r, caller, ex, func(row exportRow) error {
			m := map[string]any{"id": row.ID, "record_id": row.RecordID, "audience": row.Audience}
			for k, v := range row.JSON {
				m[k] = v
			}
			return enc.Encode(m)
		})
		return nil
	}
}

// exportGeoJSON writes a FeatureCollection feature by feature: one
// without coordinates has a null geometry, as GeoJSON allows.
func (x *Section) exportGeoJSON(ex export) web.Handler {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		attachment(w, "application/geo+json", ex.name+".geojson")
		if _, err := w.Write([]byte(`{"type":"FeatureCollection","features":[`)); err != nil {
			return nil
		}
		first := true
		_ = x.each(r, caller, ex, func(row exportRow) error {
			var geometry any
			if p := row.Point; p != nil {
				geometry = map[string]any{"type": "Point", "coordinates": []float64{p.Lon, p.Lat}}
			}
			props := map[string]any{"record_id": row.RecordID}
			for k, v := range row.JSON {
				props[k] = v
			}
			b, err := json.Marshal(map[string]any{"type": "Feature", "id": row.ID, "geometry": geometry, "properties": props})
			if err != nil {
				return err
			}
			if !first {
				w.Write([]byte(","))
			}
			first = false
			_, err = w.Write(b)
			return err
		})
		w.Write([]byte("]}\n"))
		return nil
	}
}

func pointPtr(p geo.Point, ok bool) *geo.Point {
	if !ok {
		return nil
	}
	return &p
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func casualties(rep *monitor.Report, kind string) (low, high int) {
	for _, c := range rep.Casualties {
		if c.Kind == kind {
			low += c.Low
			high += c.High
		}
	}
	return low, high
}

// reportExport has the reports, in columns after ACLED's where they match
// (event date, precisions, location, coordinates, fatalities).
var reportExport = export{name: "incident-reports", kind: monitor.KindReport,
	columns: []string{"record_id", "event_date", "time_precision", "source", "source_scale", "source_party", "location", "geo_precision",
		"latitude", "longitude", "weapon", "weapon_count", "target", "fatalities_low", "fatalities_high", "wounded_low", "wounded_high", "notes"},
	rows: func(_ *http.Request, _ *access.Principal, es []store.Entity) ([]exportRow, error) {
		out := make([]exportRow, 0, len(es))
		for _, e := range es {
			it, err := web.ItemOf[monitor.Report](e)
			if err != nil {
				return nil, err
			}
			rep := it.V
			fl, fh := casualties(rep, "killed")
			wl, wh := casualties(rep, "wounded")
			out = append(out, exportRow{ID: it.ID, RecordID: it.RecordID, Audience: it.Audience, Point: pointPtr(rep.Point()),
				CSV: []string{it.RecordID, rep.OccurredAt, rep.TimePrecision, rep.SourceName, string(rep.SourceType), rep.SourceParty, rep.PlaceName,
					rep.PlacePrecision, num(rep.Lat), num(rep.Lon), rep.WeaponClass, strconv.Itoa(rep.WeaponCount), rep.TargetClass,
					strconv.Itoa(fl), strconv.Itoa(fh), strconv.Itoa(wl), strconv.Itoa(wh), rep.Narrative},
				JSON: map[string]any{"report": rep}})
		}
		return out, nil
	}}

// incidentExport has the incidents, with the number of their reports and
// of independent sources among those the caller may read, their figures
// side by side, and where their verification stands.
func (x *Section) incidentExport() export {
	return export{name: "incidents", kind: monitor.KindIncident,
		columns: []string{"record_id", "id", "title", "event_date", "location", "latitude", "longitude", "weapon", "target",
			"reports", "sources", "figures", "status", "attribution", "attributed_to"},
		rows: func(r *http.Request, caller *access.Principal, es []store.Entity) ([]exportRow, error) {
			ctx, svc := r.Context(), x.site.Service()
			out := make([]exportRow, 0, len(es))
			for _, e := range es {
				it, err := web.ItemOf[monitor.Incident](e)
				if err != nil {
					return nil, err
				}
				in := it.V
				steps, err := web.Load[monitor.Step](ctx, svc, caller, monitor.KindStep, it.ID)
				if err != nil {
					return nil, err
				}
				v := rowOf(web.Printer(r), it, steps).Verification
				var group []*monitor.Report
				sources := map[string]bool{}
				for _, id := range in.Reports {
					if rp, err := web.Get[monitor.Report](ctx, svc, caller, monitor.KindReport, id); err == nil {
						group = append(group, rp.V)
						sources[rp.V.SourceName] = true
					}
				}
				figures := monitor.Figures(group)
				var status, attribution, to string
				if s := v.Current(); s != nil {
					status, attribution, to = string(s.Stage), string(s.Attribution), s.AttributedParty
				}
				if v.Stale {
					// Changed since its last step: nothing is verified
					// of it as it reads now.
					status, attribution, to = "changed-since-"+status, "", ""
				}
				out = append(out, exportRow{ID: it.ID, RecordID: it.RecordID, Audience: it.Audience, Point: pointPtr(in.Point()),
					CSV: []string{it.RecordID, it.ID, in.Title, in.OccurredAt, in.PlaceName, num(in.Lat), num(in.Lon), in.WeaponClass, in.TargetClass,
						strconv.Itoa(len(group)), strconv.Itoa(len(sources)), strings.Join(figures, "; "), status, attribution, to},
					JSON: map[string]any{"incident": in, "sources": len(sources), "figures": figures, "status": status,
						"attribution": attribution, "attributed_to": to}})
			}
			return out, nil
		}}
}
