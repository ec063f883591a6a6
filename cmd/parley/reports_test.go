package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/intake"
	"github.com/parley-project/parley/scenario"
)

// TestReportsImport imports a CSV file whose bad rows are named by line and
// field while its good rows are committed; importing it again adds
// nothing; a file without a required column is refused whole.
func TestReportsImport(t *testing.T) {
	m := newMonitorAPI(t)
	ts, tokFile, dir := m.url, m.tokFile, t.TempDir()
	count := func() int { return m.count(monitor.KindReport) }
	before := count()
	csv := "source_type,source_name,occurred_at,time_precision,place_name,place_precision,lat,lon,weapon_class,weapon_count,target_class,wounded_civilian\n" +
		"monitor-patrol,Patrol 3,2026-01-25T09:10:00+02:00,exact,Orikhiv,coordinates,47.567,35.784,artillery,4,residential,2-3\n" +
		"monitor-patrol,Patrol 3,2026-01-25T09:40:00+02:00,exact,Orikhiv,coordinates,97.5,35.784,artillery,1,residential,\n" +
		"sensor,Acoustic sensor 12,2026-01-25T10:05:00+02:00,hour,Huliaipole,coordinates,47.66,36.26,laser,1,military,\n" +
		"open-source,Regional news,2026-01-25,day,Zaporizhzhia region,region,,,attack-drone,12,energy,\n"
	file := filepath.Join(dir, "reports.csv")
	os.WriteFile(file, []byte(csv), 0o600)
	code, stdout, stderr := parley(t, "reports", "import", file, "--server", ts, "--token-file", tokFile)
	if code != exitError || !strings.Contains(stdout, "imported 2 reports; 0 were there already; 2 rows refused") ||
		!strings.Contains(stderr, "line 3: lat: with lon: Point") || !strings.Contains(stderr, `line 4: weapon_class: "laser" is not one of`) {
		t.Fatalf("reports import = %d\n%s%s", code, stdout, stderr)
	}
	if n := count(); n != before+2 {
		t.Fatalf("%d reports, want %d", n, before+2)
	}
	code, stdout, _ = parley(t, "reports", "import", file, "--server", ts, "--token-file", tokFile)
	if !strings.Contains(stdout, "imported 0 reports; 2 were there already") || count() != before+2 {
		t.Errorf("importing the file again = %d %s", code, stdout)
	}
	// ACLED's export, and GeoJSON: read by their header and their name.
	acled := filepath.Join(dir, "acled-export.csv")
	os.WriteFile(acled, []byte("event_id_cnty,event_date,time_precision,sub_event_type,location,latitude,longitude,geo_precision,source,notes,fatalities\n"+
		"UKR1,2026-01-24,1,Shelling/artillery/missile attack,Kharkiv,49.9935,36.2304,1,Ukrinform,Shelling.,2\n"+
		"UKR2,2026-01-24,1,Air/drone strike,Kyiv,50.45,30.52,9,Local media,Drones.,0\n"), 0o600)
	code, stdout, stderr = parley(t, "reports", "import", acled, "--server", ts, "--token-file", tokFile)
	if code != exitError || !strings.Contains(stdout, "imported 1 reports; 0 were there already; 1 rows refused") || !strings.Contains(stderr, `line 3: geo_precision: "9"`) {
		t.Errorf("an ACLED import = %d\n%s%s", code, stdout, stderr)
	}
	geo := filepath.Join(dir, "reports.geojson")
	os.WriteFile(geo, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[35.78,47.56]},`+
		`"properties":{"source_type":"monitor-patrol","source_name":"Patrol 4","occurred_at":"2026-01-26T09:10:00+02:00","time_precision":"exact",`+
		`"place_name":"Orikhiv","place_precision":"coordinates","weapon_class":"mortar","target_class":"residential"}}]}`), 0o600)
	for i, want := range []string{"imported 1 reports; 0 were there already", "imported 0 reports; 1 were there already"} {
		if code, stdout, stderr := parley(t, "reports", "import", geo, "--server", ts, "--token-file", tokFile); code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("GeoJSON import %d = %d\n%s%s", i+1, code, stdout, stderr)
		}
	}
	if n := count(); n != before+4 {
		t.Errorf("%d reports after the ACLED and GeoJSON imports, want %d", n, before+4)
	}
	os.WriteFile(file, []byte("source_type,source_name\nparty,x\n"), 0o600)
	code, _, stderr = parley(t, "reports", "import", file, "--server", ts, "--token-file", tokFile)
	if code == exitOK || !strings.Contains(stderr, `line 1: the required column "occurred_at" is missing`) {
		t.Errorf("a file without a required column = %d %s", code, stderr)
	}
}

// TestGenReports: the generator's reports are what the importer reads,
// with a truth line for each.
func TestGenReports(t *testing.T) {
	dir := t.TempDir()
	out, truth := filepath.Join(dir, "r.csv"), filepath.Join(dir, "t.csv")
	code, _, stderr := parley(t, "gen", "reports", "50", "--out", out, "--truth", truth, "--seed", "3")
	if code != exitOK || !strings.Contains(stderr, "made 5") {
		t.Fatalf("gen reports = %d %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, problems, err := intake.ReadAll(intake.CSV, f)
	if err != nil || len(problems) > 0 || len(rows) < 50 {
		t.Fatalf("the generated reports read back: %d rows, %v, %v", len(rows), problems, err)
	}
	tb, _ := os.ReadFile(truth)
	if lines := strings.Count(string(tb), "\n"); lines != len(rows)+1 {
		t.Errorf("the truth has %d lines for %d reports", lines, len(rows))
	}
}

// TestClassifyCluster runs the offline command on generated reports and a
// zone file: every report is classified and given an incident.
func TestClassifyCluster(t *testing.T) {
	dir := t.TempDir()
	reports, zones := filepath.Join(dir, "r.csv"), filepath.Join(dir, "z.geojson")
	if code, _, stderr := parley(t, "gen", "reports", "300", "--out", reports); code != exitOK {
		t.Fatalf("gen reports = %d %s", code, stderr)
	}
	var coords [][2]float64
	for _, p := range scenario.ContactLine {
		coords = append(coords, [2]float64{p.Lon, p.Lat})
	}
	line, _ := json.Marshal(coords)
	os.WriteFile(zones, []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"Line","zone_type":"contact-line","left_party":"b","right_party":"a"},
	  "geometry":{"type":"LineString","coordinates":`+string(line)+`}},
	 {"type":"Feature","properties":{"name":"South","zone_type":"region"},
	  "geometry":{"type":"Polygon","coordinates":[[[30,45],[40,45],[40,48],[30,48],[30,45]]]}}]}`), 0o600)
	code, stdout, stderr := parley(t, "monitor", "classify-cluster", "--zones", zones, "--reports", reports, "--out", filepath.Join(dir, "out"))
	if code != exitOK || !strings.Contains(stdout, "rows refused") {
		t.Fatalf("classify-cluster = %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "classified.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 301 || lines[0] != "line,zones,region,side,line_km,protected,protected_km,incident" {
		t.Fatalf("classified.csv has %d lines, starting %q", len(lines), lines[0])
	}
	sides := strings.Count(string(b), ",a,") + strings.Count(string(b), ",b,")
	// Events near the line's ends may lie beyond them, where no side is
	// claimed; nearly all are on one side or the other.
	if sides < 270 || !strings.Contains(string(b), "South") {
		t.Errorf("the reports are not placed: %d sides found\n%s", sides, strings.Join(lines[:5], "\n"))
	}
}

// TestFilesPut uploads evidence and prints each file's SHA-256 as
// sha256sum does; a file that cannot be read stops it with its name.
func TestFilesPut(t *testing.T) {
	m := newMonitorAPI(t)
	dir := t.TempDir()
	photo := filepath.Join(dir, "street.jpg")
	os.WriteFile(photo, []byte("\xff\xd8\xff a photo"), 0o600)
	sum := sha256.Sum256([]byte("\xff\xd8\xff a photo"))
	code, stdout, stderr := parley(t, "files", "put", photo, "--server", m.url, "--token-file", m.tokFile)
	if code != exitOK || stdout != hex.EncodeToString(sum[:])+"  "+photo+"\n" {
		t.Errorf("files put = %d %q %s", code, stdout, stderr)
	}
	code, stdout, stderr = parley(t, "files", "put", filepath.Join(dir, "missing.jpg"), photo, "--server", m.url, "--token-file", m.tokFile)
	if code == exitOK || !strings.Contains(stderr, "missing.jpg") || !strings.Contains(stderr, "1 of 2 files were not uploaded") || !strings.Contains(stdout, photo) {
		t.Errorf("files put of a missing file and another = %d %s %s", code, stdout, stderr)
	}
}

// TestFilesPutChecksHash: a server that answers another hash than the
// file's is caught, and no hash is printed for the file.
func TestFilesPutChecksHash(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write([]byte(`{"sha256":"` + strings.Repeat("0", 64) + `"}`))
	}))
	defer ts.Close()
	dir := t.TempDir()
	photo, tok := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "token")
	os.WriteFile(photo, []byte("a photo"), 0o600)
	os.WriteFile(tok, []byte("t"), 0o600)
	code, stdout, stderr := parley(t, "files", "put", photo, "--server", ts.URL, "--token-file", tok)
	if code == exitOK || stdout != "" || !strings.Contains(stderr, "it did not keep this file") {
		t.Errorf("files put against a server answering another hash = %d %q %s", code, stdout, stderr)
	}
}

// TestReportsImportInFlight imports a file of several batches, sent
// importInFlight at a time: refusals are listed in file order, whatever
// order the answers came in. When the server fails one batch, the import
// stops, says up to which line every row was answered, and running it
// again completes it without committing any row twice.
func TestReportsImportInFlight(t *testing.T) {
	m := newMonitorAPI(t)
	dir := t.TempDir()
	before := m.count(monitor.KindReport)
	const rows = 4*importBatch + 37
	var b strings.Builder
	b.WriteString("source_type,source_name,source_party,source_ref,occurred_at,time_precision,place_name,place_precision,lat,lon,weapon_class,target_class\n")
	bad := map[int]bool{}    // file lines refused
	unsent := map[int]bool{} // of them, those refused as the file is read
	for i := range rows {
		source, party, weapon := "sensor", "", "artillery"
		switch {
		case i%700 == 5: // refused as the file is read
			weapon, bad[i+2], unsent[i+2] = "catapult", true, true
		case i%700 == 8: // refused by the server, a batch or more later
			source, party, bad[i+2] = "party", "nowhere", true
		}
		fmt.Fprintf(&b, "%s,Sensor 9,%s,s9/%d,2026-01-25T%02d:%02d:00+02:00,exact,Orikhiv,coordinates,47.5%d,35.7%d,%s,military\n",
			source, party, i, i/60%24, i%60, i%10, i%7, weapon)
	}
	file := filepath.Join(dir, "reports.csv")
	os.WriteFile(file, []byte(b.String()), 0o600)

	// The third batch fails (the batches in flight reach the server in
	// any order): the first two were answered. Batches hold the rows the
	// file reader accepts; last is the line of the second's last row.
	last, sent := 0, 0
	for line := 2; sent < 2*importBatch; line++ {
		if !unsent[line] {
			last, sent = line, sent+1
		}
	}
	next := last + 1
	for unsent[next] {
		next++
	}
	third := fmt.Sprintf(`"source_ref":"s9/%d"`, next-2) // the third batch's first row: row i is on line i+2
	target, _ := url.Parse(m.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(third)) {
			http.Error(w, "the server is restarting", http.StatusServiceUnavailable)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	defer failing.Close()
	code, _, stderr := parley(t, "reports", "import", file, "--server", failing.URL, "--token-file", m.tokFile)
	answered := fmt.Sprintf("every row up to line %d was answered", last)
	if code != exitError || !strings.Contains(stderr, answered) || !strings.Contains(stderr, fmt.Sprintf("from line %d on", next)) {
		t.Fatalf("an import whose third batch fails = %d\n%s", code, stderr)
	}
	code, stdout, stderr := parley(t, "reports", "import", file, "--server", m.url, "--token-file", m.tokFile)
	if code != exitError || !strings.Contains(stdout, "rows refused") {
		t.Fatalf("the import run again = %d\n%s%s", code, stdout, stderr)
	}
	if n, want := m.count(monitor.KindReport), before+rows-len(bad); n != want {
		t.Errorf("%d reports after the import was run again, want %d", n, want)
	}
	var lines []int
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimPrefix(l, file+" "), "line %d:", &n); err == nil {
			lines = append(lines, n)
		}
	}
	var want []int
	for l := range bad {
		want = append(want, l)
	}
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Errorf("refused lines listed %v, want %v in file order\n%s", lines, want, stderr)
	}
}
