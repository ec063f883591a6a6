package intake

import (
	"strings"
	"testing"
)

// read reads a file and returns its good rows and the problems, each as
// "where: error".
func read(t *testing.T, format, file string) ([]Row, []string) {
	t.Helper()
	good, bad, err := ReadAll(format, strings.NewReader(file))
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	var problems []string
	for _, r := range bad {
		problems = append(problems, r.Where(format)+": "+r.Err.Error())
	}
	return good, problems
}

func wantProblems(t *testing.T, format string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: problems %q; want %d", format, got, len(want))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s: problem %d is %q; want it to say %q", format, i, got[i], want[i])
		}
	}
}

func TestNDJSON(t *testing.T) {
	good, problems := read(t, NDJSON, `{"source_type":"sensor","source_name":"S1","occurred_at":"2026-01-25T10:05:00+02:00","time_precision":"hour","place_name":"Huliaipole","place_precision":"coordinates","lat":47.66,"lon":36.26,"weapon_class":"artillery","target_class":"military","source_ref":"s1/7"}

{"source_type":"sensor","source_name":"S1","colour":"red"}
{"source_type":"sensor","source_name":"S1","occurred_at":"soon","time_precision":"hour","place_name":"Huliaipole","place_precision":"region","weapon_class":"artillery","target_class":"military"}
{"source_type":"sensor",
`)
	if len(good) != 1 || good[0].Line != 1 || good[0].Report.SourceRef != "s1/7" {
		t.Errorf("good rows: %+v", good)
	}
	wantProblems(t, NDJSON, problems, `line 3: json: unknown field "colour"`, `line 4: occurred_at:`, "line 5: unexpected EOF")
}

func TestGeoJSON(t *testing.T) {
	good, problems := read(t, GeoJSON, `{"type":"FeatureCollection","name":"reports","features":[
	 {"type":"Feature","geometry":{"type":"Point","coordinates":[35.784,47.567]},"properties":{"source_type":"monitor-patrol","source_name":"Patrol 3","occurred_at":"2026-01-25T09:10:00+02:00","time_precision":"exact","place_name":"Orikhiv","place_precision":"coordinates","weapon_class":"artillery","target_class":"residential"}},
	 {"type":"Feature","geometry":null,"properties":{"source_type":"open-source","source_name":"Regional news","occurred_at":"2026-01-25","time_precision":"day","place_name":"Zaporizhzhia region","place_precision":"region","weapon_class":"attack-drone","target_class":"energy"}},
	 {"type":"Feature","geometry":{"type":"LineString","coordinates":[[35,47],[36,47]]},"properties":{"source_type":"sensor","source_name":"S","occurred_at":"2026-01-25","time_precision":"day","place_name":"X","place_precision":"coordinates","weapon_class":"artillery","target_class":"military"}},
	 {"type":"Feature","geometry":{"type":"Point","coordinates":[35.7,47.5]},"properties":{"source_type":"sensor","source_name":"S","occurred_at":"2026-01-25","time_precision":"day","place_name":"X","place_precision":"coordinates","weapon_class":"laser","target_class":"military"}},
	 {"type":"Feature","geometry":{"type":"Point","coordinates":[35.7,47.5]},"properties":null}
	]}`)
	if len(good) != 2 || *good[0].Report.Lat != 47.567 || good[1].Report.Lat != nil || !strings.HasPrefix(good[0].Report.SourceRef, "import:") {
		t.Errorf("good rows: %+v", good)
	}
	wantProblems(t, GeoJSON, problems, "feature 2: geometry: a report is placed by a Point, not a LineString", `feature 3: weapon_class: "laser"`,
		"feature 4: properties: a report's fields are required")
	for _, bad := range []string{`{"type":"Feature"}`, `[1,2]`, `{"type":"FeatureCollection","features":{}}`, `{"features":[]}`} {
		if _, _, err := ReadAll(GeoJSON, strings.NewReader(bad)); err == nil {
			t.Errorf("%s is read as a FeatureCollection", bad)
		}
	}
}

// TestACLED reads rows in the shape of ACLED's export: its codes
// translated, its event id the key, a bad code or date named.
func TestACLED(t *testing.T) {
	const header = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,country,admin1,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,timestamp\n"
	good, problems := read(t, ACLED, header+
		`UKR123456,2026-01-24,2026,1,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,Military Forces,Ukraine,Kharkivska,Kharkiv,49.9935,36.2304,1,Ukrinform,National,"On 24 January 2026, shelling hit Kharkiv; 2 killed.",2,1769000000`+"\n"+
		`UKR123457,24 January 2026,2026,2,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces,Ukraine,Kyiv,Kyiv,50.45,30.52,3,Local media,Subnational,Drone strike reported.,0,1769000000`+"\n"+
		`UKR123458,2026-01-24,2026,4,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces,Ukraine,Kyiv,Kyiv,50.45,30.52,1,Local media,Subnational,,0,1769000000`+"\n"+
		`UKR123459,Jan 24,2026,1,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces,Ukraine,Kyiv,Kyiv,50.45,30.52,1,Local media,Subnational,,0,1769000000`+"\n")
	if len(good) != 2 {
		t.Fatalf("good rows: %+v; problems %q", good, problems)
	}
	a, b := good[0].Report, good[1].Report
	if a.SourceRef != "acled:UKR123456" || a.SourceType != "open-source" || a.SourceName != "Ukrinform" || a.WeaponClass != "artillery" ||
		a.TimePrecision != "day" || a.PlacePrecision != "settlement" || a.OccurredAt != "2026-01-24" || len(a.Casualties) != 1 || a.Casualties[0].Low != 2 ||
		!strings.Contains(a.Narrative, "(ACLED: Shelling/artillery/missile attack)") {
		t.Errorf("the first ACLED row is read as %+v", a)
	}
	if b.OccurredAt != "2026-01-24" || b.TimePrecision != "month" || b.PlacePrecision != "region" || b.WeaponClass != "unknown" || len(b.Casualties) != 0 {
		t.Errorf("the second ACLED row is read as %+v", b)
	}
	wantProblems(t, ACLED, problems, `line 4: time_precision: "4" is not one of ACLED's codes`, `line 5: event_date: "Jan 24" is not a date`)
}

// TestCSVHeader: a file whose header lacks a required column, or names an
// unknown one, is refused whole; so is a CSV whose ACLED header lacks one
// of ACLED's columns.
func TestCSVHeader(t *testing.T) {
	for file, want := range map[string]string{
		"source_type,source_name\nparty,x\n": `line 1: the required column "occurred_at" is missing`,
		"source_type,colour\n":               `line 1: column "colour" is not one of`,
		"event_id_cnty,event_date\n":         `line 1: the required column "time_precision" is missing`,
		"":                                   "line 1: no header",
	} {
		if _, _, err := ReadAll(CSV, strings.NewReader(file)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v; want %q", file, err, want)
		}
	}
}

// TestBadRowsDoNotStop: a row csv cannot read, a line too long, a feature
// that is not one: each is a refused row, named by its line or index, and
// the rows after it are read.
func TestBadRowsDoNotStop(t *testing.T) {
	header := strings.Join(RequiredColumns, ",") + "\n"
	good := "monitor-patrol,Patrol 1,2026-01-24,day,Kyiv,region,unknown,unknown\n"
	_, problems := read(t, CSV, header+good+`monitor"patrol,abc,2026-01-24,day,Kyiv,settlement,unknown,unknown`+"\n"+good)
	wantProblems(t, CSV, problems, `line 3: bare " in non-quoted-field`)

	report := `{"source_type":"sensor","source_name":"S1","occurred_at":"2026-01-25T10:05:00+02:00","time_precision":"hour","place_name":"Huliaipole","place_precision":"region","weapon_class":"artillery","target_class":"military"}`
	long := `{"narrative":"` + strings.Repeat("x", MaxLine) + `"}`
	rows, problems := read(t, NDJSON, report+"\n"+long+"\n"+report+"\n")
	if len(rows) != 2 || rows[1].Line != 3 {
		t.Errorf("the rows around a long line: %+v", rows)
	}
	wantProblems(t, NDJSON, problems, "line 2: the line is over")

	feature := `{"type":"Feature","geometry":null,"properties":` + report + `}`
	rows, problems = read(t, GeoJSON, `{"type":"FeatureCollection","features":[`+feature+`,{"type":"Feature","geometry":"oops","properties":{}},`+feature+`]}`)
	if len(rows) != 2 {
		t.Errorf("the features around a bad one: %+v", rows)
	}
	wantProblems(t, GeoJSON, problems, "feature 1: json: cannot unmarshal string")
}

// TestReadsExports: parley's NDJSON and GeoJSON exports read back as the
// reports they hold, their source references kept.
func TestReadsExports(t *testing.T) {
	report := `{"source_type":"sensor","source_name":"S1","occurred_at":"2026-01-25T10:05:00+02:00","time_precision":"hour","place_name":"Huliaipole","place_precision":"coordinates","lat":47.66,"lon":36.26,"weapon_class":"artillery","target_class":"military","source_ref":"s1/9"}`
	rows, problems := read(t, NDJSON, `{"id":"x","record_id":"y","audience":{"scope":"parties"},"report":`+report+"}\n")
	if len(problems) > 0 || len(rows) != 1 || rows[0].Report.SourceRef != "s1/9" {
		t.Errorf("an NDJSON export line reads as %+v, %q", rows, problems)
	}
	rows, problems = read(t, GeoJSON, `{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[36.26,47.66]},"properties":{"record_id":"y","report":`+report+`}}]}`)
	if len(problems) > 0 || len(rows) != 1 || rows[0].Report.SourceRef != "s1/9" {
		t.Errorf("a GeoJSON export feature reads as %+v, %q", rows, problems)
	}
}

// TestHugeRowStops: a row or member far over any report's size stops the
// file at it, without reading it whole; the rows before it are read.
func TestHugeRowStops(t *testing.T) {
	header := strings.Join(RequiredColumns, ",") + ",narrative\n"
	good := "monitor-patrol,Patrol 1,2026-01-24,day,Kyiv,region,unknown,unknown,\n"
	huge := `monitor-patrol,Patrol 1,2026-01-24,day,Kyiv,region,unknown,unknown,"` + strings.Repeat("x", 3*MaxLine) + "\"\n"
	var rows int
	err := Read(CSV, strings.NewReader(header+good+huge+good), func(Row) error { rows++; return nil })
	if err == nil || !strings.Contains(err.Error(), "line 3: a row or feature over") || rows != 1 {
		t.Errorf("a CSV row of 3 MiB: %v, %d rows read before it", err, rows)
	}
	_, _, err = ReadAll(GeoJSON, strings.NewReader(`{"type":"FeatureCollection","crs":"`+strings.Repeat("x", 3*MaxLine)+`","features":[]}`))
	if err == nil || !strings.Contains(err.Error(), `the member "crs"`) {
		t.Errorf("a GeoJSON member of 3 MiB: %v", err)
	}
	_, _, err = ReadAll(GeoJSON, strings.NewReader(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"narrative":"`+strings.Repeat("x", 3*MaxLine)+`"}}]}`))
	if err == nil || !strings.Contains(err.Error(), "feature 0") {
		t.Errorf("a GeoJSON feature of 3 MiB: %v", err)
	}
}

// TestHugeFirstField: a huge first field of a row, of which no field was
// read, is named by its line too.
func TestHugeFirstField(t *testing.T) {
	header := strings.Join(RequiredColumns, ",") + "\n"
	_, _, err := ReadAll(CSV, strings.NewReader(header+`"`+strings.Repeat("x", 3*MaxLine)+`",x`+"\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2: a row or feature over") {
		t.Errorf("a first field of 3 MiB: %v", err)
	}
}
