package ceasefireweb_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/internal/testkit"
)

// TestDailyReport: a strike on energy infrastructure in Kharkiv oblast,
// reported by two sources who give different death tolls, is verified and
// attributed; the mediator issues the day's report from the ceasefire's
// page; both parties read the same committed report, and its PDF (turned
// back into text), CSV and GeoJSON give the figures the records make: one
// violation in the region, none the day before, the higher of the two
// tolls, attributed as verified.
func TestDailyReport(t *testing.T) {
	s := newSite(t)
	d := s.d
	med := d.Principal(t, "us-mediator")
	es, err := d.Service.All(t.Context(), &med, ceasefire.KindCeasefire, "")
	if err != nil || len(es) != 1 {
		t.Fatalf("the demo's ceasefire: %v", err)
	}
	cf := es[0].ID
	// The phase in force began when the demo was loaded: the strike is
	// later that day.
	consents, _ := d.Service.All(t.Context(), &med, ceasefire.KindConsent, "")
	start := consents[len(consents)-1].Created
	day := start.UTC().Truncate(24 * time.Hour)
	at := start.Add(day.Add(24*time.Hour).Sub(start) / 2)

	write := func(login, kind string, v any) string { return d.MustWrite(t, login, kind, v) }
	report := func(source string, killed int) string {
		return write("us-monitor", "monitor.report", map[string]any{"source_type": "open-source", "source_name": source,
			"occurred_at": at.Format(time.RFC3339), "time_precision": "hour", "place_name": "Kharkiv", "place_precision": "settlement",
			"lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy",
			"casualties": []map[string]any{{"kind": "killed", "group": "civilian", "low": killed}}})
	}
	in := write("us-monitor", ceasefire.IncidentKind, map[string]any{"title": "Strike on a power station", "reports": []string{report("Outlet A", 2), report("Outlet B", 3)},
		"occurred_at": at.Format(time.RFC3339), "place_name": "Kharkiv", "lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy"})
	for _, st := range []map[string]any{{"stage": "allegation"}, {"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 2"},
		{"stage": "verified", "attribution": "largely-attributed", "attributed_party": "ru", "summary": "Debris of a missile on site."}} {
		st["incident_id"], st["party_id"] = in, "us"
		write("us-monitor", ceasefire.StepKind, st)
	}

	// The same day, the monitors were refused access near Kharkiv.
	write("us-monitor", ceasefire.DenialKind, map[string]any{"occurred_at": at.Format(time.RFC3339), "place_name": "Checkpoint near Kharkiv",
		"lat": 50.1, "lon": 36.4, "denied_by": "ru", "patrol": "Patrol 4", "prevented": "A visit to the power station."})

	mediator := s.signIn(t, "us-mediator")
	res, err := mediator.PostForm(s.ts.URL+"/ceasefire/"+cf+"/reports", url.Values{"report_type": {"daily"}, "from": {day.Format(time.DateOnly)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Request.URL.Path, "/ceasefire-reports/") {
		t.Fatalf("issuing the daily report: %d at %s", res.StatusCode, res.Request.URL)
	}
	page := res.Request.URL.Path
	get := func(login, path string) (int, []byte) {
		c := &http.Client{}
		if login != "" {
			c = s.signIn(t, login)
		}
		res, err := c.Get(s.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	var pages []string
	for _, login := range []string{"ua-negotiator", "ru-capital"} {
		code, b := get(login, page)
		if code != http.StatusOK || !strings.Contains(string(b), "<strong>1 violation</strong> (the period before: 0)") {
			t.Fatalf("%s reads the report: %d\n%s", login, code, b)
		}
		pages = append(pages, string(b[bytes.Index(b, []byte("<main")):bytes.Index(b, []byte("</main>"))]))
	}
	if pages[0] != pages[1] {
		t.Errorf("the parties read different reports:\n%s\n\n%s", pages[0], pages[1])
	}
	if code, b := get("", page); code == http.StatusOK && strings.Contains(string(b), "violations") {
		t.Error("an anonymous reader reads the report")
	}
	// The ceasefire's page lists it.
	if code, b := get("ru-capital", "/ceasefire/"+cf); code != http.StatusOK || !strings.Contains(string(b), `">Daily report, `+day.Format("2 January 2006")+`</a>`) {
		t.Errorf("the ceasefire's page, once a report is issued: %d\n%s", code, b)
	}

	// The region is renamed after the report: the report says what it said.
	mon := d.Principal(t, "us-monitor")
	zones, _ := d.Service.All(t.Context(), &mon, ceasefire.ZoneKind, "")
	for _, z := range zones {
		var zb map[string]any
		json.Unmarshal(z.Body, &zb)
		if zb["name"] == "Kharkiv oblast" {
			zb["name"] = "=HYPERLINK(\"x\")"
			nb, _ := json.Marshal(zb)
			if _, err := d.Service.Update(t.Context(), mon, ceasefire.ZoneKind, z.ID, nb); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, b := get("ua-negotiator", page); !strings.Contains(string(b), "<td>Kharkiv oblast</td>") {
		t.Error("the report's region took the zone's new name")
	}

	_, b := get("ua-negotiator", page+"/report.pdf")
	text := testkit.PDFText(t, b)
	for _, want := range []string{"Daily report, " + day.Format("2 January 2006"), "Phase 1 in force: No strikes on energy infrastructure.",
		"Violations: 1 (the period before: 0).", "Kharkiv oblast 1 +1 3 0 1 missile 1", "ru 1 +1 1 energy 1", "missile / energy energy ru", "Where the violations were (basemap: Natural Earth)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q:\n%s", want, text)
		}
	}

	_, b = get("ru-capital", page+"/report.csv")
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var region, line []string
	for _, row := range rows {
		switch row[0] {
		case "region":
			region = row
		case "violation":
			line = row
		}
	}
	if strings.Join(region, ",") != "region,Kharkiv oblast,1,0,3,0,1,missile 1" || len(line) < 2 || line[1] != in {
		t.Errorf("the CSV's region %v and violation %v", region, line)
	}
	_, b = get("ru-capital", page+"/report.geojson")
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != 1 || fc.Features[0].Properties["incident"] != in ||
		fc.Features[0].Geometry.Coordinates[0] != 36.23 || fc.Features[0].Properties["attributed_to"] != "ru" {
		t.Errorf("the GeoJSON: %v %s", err, b)
	}
}
