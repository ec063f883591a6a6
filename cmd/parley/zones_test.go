package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
)

// TestZonesLoad loads a zone file through the API; loading it again adds
// nothing; a file with a bad feature is refused whole, naming the feature.
func TestZonesLoad(t *testing.T) {
	m := newMonitorAPI(t)
	ts, tokFile, dir := m.url, m.tokFile, t.TempDir()
	count := func() int { return m.count(monitor.KindZone) }
	before := count()
	good := `{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"name":"Kherson buffer","zone_type":"buffer","party_id":"ua"},
	  "geometry":{"type":"Polygon","coordinates":[[[32.4,46.5],[33.0,46.5],[33.0,46.8],[32.4,46.8],[32.4,46.5]]]}},
	 {"type":"Feature","properties":{"name":"Substation","zone_type":"protected-object","protected_class":"energy","radius_km":2},
	  "geometry":{"type":"Point","coordinates":[35.1,47.8]}}]}`
	file := filepath.Join(dir, "zones.geojson")
	os.WriteFile(file, []byte(good), 0o600)
	code, stdout, stderr := parley(t, "zones", "load", file, "--server", ts, "--token-file", tokFile)
	if code != exitOK || !strings.Contains(stdout, "loaded 2 zones; 0 were there already") || !strings.Contains(stderr, "zone 2 of 2") {
		t.Fatalf("zones load = %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = parley(t, "zones", "load", file, "--server", ts, "--token-file", tokFile)
	if code != exitOK || !strings.Contains(stdout, "loaded 0 zones; 2 were there already") {
		t.Errorf("loading the file again = %d %s", code, stdout)
	}
	bad := strings.Replace(good, `[32.4,46.8],[32.4,46.5]]]`, `[32.4,46.8]]]`, 1)
	bad = strings.Replace(bad, `"Kherson buffer"`, `"Other buffer"`, 1)
	bad = strings.Replace(bad, `"zone_type":"protected-object"`, `"zone_type":"bunker"`, 1)
	os.WriteFile(file, []byte(bad), 0o600)
	code, _, stderr = parley(t, "zones", "load", file, "--server", ts, "--token-file", tokFile)
	if code == exitOK || !strings.Contains(stderr, "the zone file has 2 bad features; nothing was loaded") ||
		!strings.Contains(stderr, "feature 0 (Other buffer): geometry: Polygon: ring 0 has 4 positions") && !strings.Contains(stderr, "feature 0 (Other buffer): geometry: Polygon: ring 0 is not closed") ||
		!strings.Contains(stderr, "feature 1 (Substation): zone_type") {
		t.Errorf("a file with bad features = %d\n%s", code, stderr)
	}
	if n := count(); n != before+2 {
		t.Errorf("%d zones, want %d: a refused file loads nothing", n, before+2)
	}
}

// monitorAPI is the demo served by the API, with a token of its monitor in
// a file, for the monitoring commands' tests.
type monitorAPI struct {
	t       *testing.T
	demo    *testkit.Demo
	url     string
	tokFile string
}

func newMonitorAPI(t *testing.T) *monitorAPI {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ts := httptest.NewServer(httpapi.New(d.Service, nil))
	t.Cleanup(ts.Close)
	tok, err := d.Service.NewToken(t.Context(), "us-monitor", "monitoring test")
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &monitorAPI{t: t, demo: d, url: ts.URL, tokFile: tokFile}
}

// count is how many entities of kind the monitor sees.
func (m *monitorAPI) count(kind string) int {
	p := m.demo.Principal(m.t, "us-monitor")
	es, err := m.demo.Service.All(m.t.Context(), &p, kind, "")
	if err != nil {
		m.t.Fatal(err)
	}
	return len(es)
}
