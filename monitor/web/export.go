package monitorweb

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// exportColumns are the CSV export's columns, after ACLED's where they
// match (event date, precisions, location, coordinates, fatalities).
var exportColumns = []string{"record_id", "event_date", "time_precision", "source", "source_scale", "source_party", "location", "geo_precision",
	"latitude", "longitude", "weapon", "weapon_count", "target", "fatalities_low", "fatalities_high", "wounded_low", "wounded_high", "notes"}

// eachReport streams the reports the caller may see, a page at a time, so
// that an export of any size holds one page in memory.
func eachReport(r *http.Request, svc *app.Service, caller *access.Principal, fn func(web.Item[monitor.Report]) error) error {
	q := store.Query{Kind: monitor.KindReport, Limit: app.MaxPage}
	for {
		es, more, err := svc.List(r.Context(), caller, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			it, err := web.ItemOf[monitor.Report](e)
			if err != nil {
				return err
			}
			if err := fn(it); err != nil {
				return err
			}
		}
		if !more || len(es) == 0 {
			return nil
		}
		q.After = es[len(es)-1].CreatedSeq
	}
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

func (x *Section) exportCSV(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-reports.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return nil // the client went away
	}
	n := 0
	err := eachReport(r, x.site.Service(), caller, func(it web.Item[monitor.Report]) error {
		rep := it.V
		num := func(f *float64) string {
			if f == nil {
				return ""
			}
			return strconv.FormatFloat(*f, 'f', -1, 64)
		}
		fl, fh := casualties(rep, "killed")
		wl, wh := casualties(rep, "wounded")
		cw.Write([]string{it.RecordID, rep.OccurredAt, rep.TimePrecision, rep.SourceName, string(rep.SourceType), rep.SourceParty, rep.PlaceName,
			rep.PlacePrecision, num(rep.Lat), num(rep.Lon), rep.WeaponClass, strconv.Itoa(rep.WeaponCount), rep.TargetClass,
			strconv.Itoa(fl), strconv.Itoa(fh), strconv.Itoa(wl), strconv.Itoa(wh), rep.Narrative})
		if n++; n%app.MaxPage == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	cw.Flush()
	// Once the answer has begun, an error can only cut it short; the
	// reader sees a file without its end.
	_ = err
	return nil
}

func (x *Section) exportNDJSON(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-reports.ndjson"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	_ = eachReport(r, x.site.Service(), caller, func(it web.Item[monitor.Report]) error {
		return enc.Encode(map[string]any{"id": it.ID, "record_id": it.RecordID, "audience": it.Audience, "report": it.V})
	})
	return nil
}

func (x *Section) exportGeoJSON(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-reports.geojson"`)
	w.Header().Set("Cache-Control", "no-store")
	// A FeatureCollection written feature by feature: a report without
	// coordinates has a null geometry, as GeoJSON allows.
	if _, err := w.Write([]byte(`{"type":"FeatureCollection","features":[`)); err != nil {
		return nil
	}
	first := true
	_ = eachReport(r, x.site.Service(), caller, func(it web.Item[monitor.Report]) error {
		var geometry any
		if p, ok := it.V.Point(); ok {
			geometry = map[string]any{"type": "Point", "coordinates": []float64{p.Lon, p.Lat}}
		}
		b, err := json.Marshal(map[string]any{"type": "Feature", "id": it.ID, "geometry": geometry,
			"properties": map[string]any{"record_id": it.RecordID, "report": it.V}})
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
