package ceasefireweb

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/geo"
)

// TestTopoToGeoJSON: arcs decoded from their quantized deltas, a reversed
// arc walked backwards, and each ring's arcs joined without repeating the
// position they share.
func TestTopoToGeoJSON(t *testing.T) {
	topo := `{"type":"Topology","transform":{"scale":[0.5,0.25],"translate":[10,20]},
	"arcs":[[[0,0],[2,0],[0,4]],[[2,4],[-2,0],[0,-4]]],
	"objects":{"countries":{"type":"GeometryCollection","geometries":[
		{"type":"Polygon","arcs":[[0,1]],"properties":{"name":"Square"}},
		{"type":"MultiPolygon","arcs":[[[-2,-1]]],"properties":{"name":"Backwards"}}]}}}`
	b, err := TopoToGeoJSON([]byte(topo), "countries")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]string `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != 2 {
		t.Fatalf("%v: %s", err, b)
	}
	square := fc.Features[0].Geometry.Coordinates[0][0]
	want := [][2]float64{{10, 20}, {11, 20}, {11, 21}, {10, 21}, {10, 20}}
	if fc.Features[0].Properties["name"] != "Square" || len(square) != len(want) {
		t.Fatalf("the square's ring: %v", square)
	}
	for i := range want {
		if square[i] != want[i] {
			t.Errorf("position %d of the square is %v, want %v", i, square[i], want[i])
		}
	}
	back := fc.Features[1].Geometry.Coordinates[0][0]
	if len(back) != 5 || back[0] != (want[0]) || back[1] != want[3] || back[4] != want[0] {
		t.Errorf("the reversed ring: %v, want the square walked the other way", back)
	}
	if _, err := TopoToGeoJSON([]byte(topo), "land"); err == nil {
		t.Error("an object the topology lacks is not refused")
	}
}

// TestAggregate: the map keeps the incidents its filters select and
// counts those in its box into cells of its zoom; a cell of one names it.
func TestAggregate(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	phase := ceasefire.Phase{Number: 1, Title: "Energy", Prohibitions: []ceasefire.Prohibition{{ID: "energy", TargetClasses: []string{"energy"}}}}
	b := &Board{At: start.AddDate(0, 0, 30), Periods: []ceasefire.Period{{Phase: phase, From: start}}}
	pt := func(lat, lon float64) *geo.Point { return &geo.Point{Lat: lat, Lon: lon} }
	b.Incidents = []ceasefire.Incident{
		{ID: "a", At: start.Add(time.Hour), Weapon: "missile", Target: "energy", Where: pt(48.001, 35.001), Verified: start.Add(2 * time.Hour), Party: "x"},
		{ID: "b", At: start.Add(2 * time.Hour), Weapon: "attack-drone", Target: "energy", Where: pt(48.01, 35.01)},
		{ID: "c", At: start.AddDate(0, 0, 10), Weapon: "missile", Target: "residential", Where: pt(50, 30), Verified: start.AddDate(0, 0, 11)},
		{ID: "d", At: start.AddDate(0, 0, 10), Weapon: "missile", Target: "energy"},
	}
	b.Judgments = ceasefire.Judge(b.Periods, b.Incidents, b.At)
	get := func(q string) mapData {
		t.Helper()
		f, err := parseMapFilter(httptest.NewRequest("GET", "/x?"+q, nil))
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return aggregate(b, f)
	}
	if d := get("zoom=5"); d.Total != 4 || d.Unplaced != 1 || len(d.Cells) != 2 || d.Cells[0].N != 2 || d.Cells[0].Violation != 1 || d.Cells[0].ID != "" {
		t.Errorf("zoom 5: %+v", d)
	}
	if d := get("zoom=14&bbox=34.9,47.9,35.1,48.1"); len(d.Cells) != 2 {
		t.Errorf("zoom 14 parts the two close incidents: %+v", d)
	}
	if d := get("zoom=14"); len(d.Cells) != 2 {
		t.Errorf("zoom 14 over the whole world is counted coarser, the two close incidents together: %+v", d)
	}
	if d := get("zoom=5&status=violation"); d.Total != 1 || len(d.Cells) != 1 || d.Cells[0].ID != "a" {
		t.Errorf("violations: %+v", d)
	}
	if d := get("zoom=5&status=breaks-unverified"); d.Total != 2 {
		t.Errorf("breaking, not verified (b and d): %+v", d)
	}
	if d := get("zoom=5&weapon=missile&party=x"); d.Total != 1 {
		t.Errorf("missiles attributed to x: %+v", d)
	}
	if d := get("zoom=5&from=2026-03-05&until=2026-03-11"); d.Total != 2 {
		t.Errorf("from the 5th to the 11th (c and d): %+v", d)
	}
	if d := get("zoom=5&bbox=29,49,31,51"); d.Total != 4 || len(d.Cells) != 1 || d.Cells[0].ID != "c" {
		t.Errorf("in a box around c: %+v", d)
	}
	for q, field := range map[string]string{"bbox=1,2,3": "bbox", "zoom=40": "zoom", "status=maybe": "status", "weapon=catapult": "weapon",
		"from=yesterday": "from", "phase=-1": "phase"} {
		_, err := parseMapFilter(httptest.NewRequest("GET", "/x?"+q, nil))
		if e, ok := err.(*app.Error); !ok || e.Field != field || e.Code != app.CodeInvalid {
			t.Errorf("%s: %v, want a refusal of %s", q, err, field)
		}
	}
}

// TestReportCSVFormulas: a cell a spreadsheet would run as a formula is
// written as text.
func TestReportCSVFormulas(t *testing.T) {
	rep := ceasefire.Report{Regions: []ceasefire.Region{{Region: "r", Name: `=HYPERLINK("http://x","y")`, Violations: 1}},
		Parties: []ceasefire.Party{{Party: "@a", Violations: 1}}}
	got := string(ReportCSV(rep, map[string]string{"r": `=HYPERLINK("http://x","y")`}))
	if !strings.Contains(got, `'=HYPERLINK`) || !strings.Contains(got, "party,'@a,1") || strings.Contains(got, ",=") {
		t.Errorf("the CSV:\n%s", got)
	}
}
