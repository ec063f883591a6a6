package monitorweb_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	monitorweb "github.com/parley-project/parley/monitor/web"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// newSite serves the demo with the talks' and the monitoring's pages.
func newSite(t testing.TB) (*httptest.Server, *testkit.Demo) {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&talksweb.Section{}, &monitorweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, d
}

// signIn signs in with the login form as the demo's login and returns a
// client that keeps the session.
func signIn(t testing.TB, ts *httptest.Server, d *testkit.Demo, login string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	l := d.Login(t, login)
	res, err := c.PostForm(ts.URL+"/login", url.Values{"login": {l.Login}, "password": {l.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c
}

// TestMonitoringPage: a party's negotiator reads the demo's reports, each
// placed among the zones; an anonymous reader sees none of them.
func TestMonitoringPage(t *testing.T) {
	ts, d := newSite(t)
	get := func(c *http.Client) string {
		res, err := c.Get(ts.URL + "/monitoring")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /monitoring: %d", res.StatusCode)
		}
		return html.UnescapeString(string(b))
	}
	if page := get(http.DefaultClient); strings.Contains(page, "Kharkiv") || !strings.Contains(page, "There are no reports to show") {
		t.Error("an anonymous reader sees the parties' reports")
	}
	c := signIn(t, ts, d, "ua-negotiator")
	page := get(c)
	for _, want := range []string{
		"27 wounded (unknown)", "In Kharkiv oblast. On the side held by ua", "In Belgorod oblast. On the side held by ru", "1 killed (unknown); 4 wounded (unknown)",
		"370 × attack-drone against residential", "Kyiv and other cities", "no coordinates",
		"Nearest protected object: Zaporizhzhia Nuclear Power Plant (the plant)",
		"wounded (unknown): 27 (Oleh Syniehubov, head of the Kharkiv regional administration)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the monitoring page does not show %q", want)
		}
	}
	// The monitor merged Kyiv's report into the president's of the night:
	// one incident, two sources, both figures.
	merged := false
	for _, tr := range strings.Split(page, "<tr>") {
		if strings.Contains(tr, "<td>2</td>") && strings.Contains(tr, "killed (unknown): 1 (Tymur Tkachenko") && strings.Contains(tr, "370 attack-drone (Volodymyr Zelenskyy") {
			merged = true
		}
	}
	if !merged {
		t.Error("the monitor's merge of the Kyiv report into the night's attack is not one incident of two sources")
	}
	// Each event is an incident record, its verification opened by the
	// allegation; none is left to open.
	plain := plainText(page)
	for _, want := range []string{"Drone attack on Kyiv, night of 23 to 24 January 2026 allegation", "Strike on Kharkiv, night of 23 to 24 January 2026 allegation",
		"Missile attack, night of 23 to 24 January 2026 allegation", "Attacks targeting Belgorod, 24 January 2026 allegation"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the monitoring page does not show the incident %q", want)
		}
	}
	if strings.Contains(page, "not yet an incident") || strings.Contains(page, "Open as incident") {
		t.Error("the monitoring page shows an event of the demo that is not an incident, or offers a party to open one")
	}
	m := regexp.MustCompile(`<a href="(/monitoring/incidents/[^"]+)">Drone attack on Kyiv`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the monitoring page does not link to the incident of the drone attack on Kyiv")
	}
	path := m[1]
	res, err := c.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if inc := plainText(html.UnescapeString(string(b))); res.StatusCode != 200 || !strings.Contains(inc, "from 2 independent sources") ||
		!strings.Contains(inc, "Recorded from the reports named") || strings.Contains(inc, "Take the next step") {
		t.Errorf("%s: status %d\n%s", path, res.StatusCode, inc)
	}
	res, err = c.Get(ts.URL + "/monitoring/incident-reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(lines) != 6 || !strings.HasPrefix(lines[0], "record_id,event_date,") ||
		!strings.Contains(string(b), ",Kharkiv,settlement,49.9935,36.2304,unknown,0,unknown,0,0,27,27,") {
		t.Errorf("the CSV export:\n%s", b)
	}
	res, err = c.Get(ts.URL + "/monitoring/incident-reports.geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry *struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	err = json.NewDecoder(res.Body).Decode(&fc)
	res.Body.Close()
	located := 0
	for _, f := range fc.Features {
		if f.Geometry != nil {
			located++
		}
	}
	if err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != 5 || located != 3 {
		t.Errorf("the GeoJSON export: %v, %s with %d features, %d located", err, fc.Type, len(fc.Features), located)
	}
	res, err = http.Get(ts.URL + "/monitoring/incident-reports.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if len(strings.TrimSpace(string(b))) != 0 {
		t.Errorf("an anonymous reader exports %d bytes of reports", len(b))
	}
	if strings.Contains(page, "Record a report") {
		t.Error("a party's negotiator is offered to record a report")
	}
	// The incidents, exported: each with its reports, its independent
	// sources, its figures and its status.
	res, err = c.Get(ts.URL + "/monitoring/incidents.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) != 5 || strings.Join(rows[0], ",") != "record_id,id,title,event_date,location,latitude,longitude,weapon,target,reports,sources,figures,status,attribution,attributed_to" {
		t.Fatalf("the incidents' CSV (%v):\n%s", err, b)
	}
	kyiv := false
	for _, r := range rows[1:] {
		if r[2] == "Drone attack on Kyiv, night of 23 to 24 January 2026" && r[9] == "2" && r[10] == "2" && r[12] == "allegation" &&
			strings.Contains(r[11], "wounded (unknown): 4 (Tymur Tkachenko") {
			kyiv = true
		}
	}
	if !kyiv {
		t.Errorf("the incidents' CSV lacks the Kyiv incident of two reports from two sources:\n%s", b)
	}
	res, err = c.Get(ts.URL + "/monitoring/incidents.geojson")
	if err != nil {
		t.Fatal(err)
	}
	fc.Features = nil
	err = json.NewDecoder(res.Body).Decode(&fc)
	res.Body.Close()
	located = 0
	for _, f := range fc.Features {
		if f.Geometry != nil {
			located++
		}
	}
	if err != nil || len(fc.Features) != 4 || located != 3 {
		t.Errorf("the incidents' GeoJSON: %v, %d features, %d located", err, len(fc.Features), located)
	}
}

// plainText is a page's text without its tags, its spaces collapsed.
func plainText(page string) string {
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, " ")), " ")
}

// TestImportPage imports a file through the monitoring page: the upload is
// imported in the background while its page refreshes itself, and then
// lists what it added and the rows it refused, by line; the same file
// again adds nothing; nobody else sees the import, and a party's
// negotiator is offered no upload.
func TestImportPage(t *testing.T) {
	ts, d := newSite(t)
	client := func(login string) *http.Client { return signIn(t, ts, d, login) }
	mon := client("us-monitor")
	file := "source_type,source_name,occurred_at,time_precision,place_name,place_precision,lat,lon,weapon_class,target_class\n" +
		"monitor-patrol,Patrol 5,2026-01-27T09:10:00+02:00,exact,Orikhiv,coordinates,47.567,35.784,artillery,residential\n" +
		"monitor-patrol,Patrol 5,2026-01-27T09:40:00+02:00,exact,Orikhiv,coordinates,97.5,35.784,artillery,residential\n" +
		"sensor,Sensor 2,2026-01-27T10:05:00+02:00,hour,Huliaipole,coordinates,47.66,36.26,mortar,military\n"
	upload := func() string {
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "patrols.csv")
		fw.Write([]byte(file))
		mw.WriteField("format", "")
		mw.Close()
		res, err := mon.Post(ts.URL+"/monitoring/import", mw.FormDataContentType(), strings.NewReader(body.String()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.Path, "/monitoring/import/") {
			t.Fatalf("the upload led to %s, status %d", res.Request.URL, res.StatusCode)
		}
		// The page refreshes itself until the import is done.
		for range 100 {
			res, err := mon.Get(res.Request.URL.String())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.Header.Get("Refresh") == "" {
				return plainText(html.UnescapeString(string(b)))
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("the import did not finish")
		return ""
	}
	page := upload()
	if !strings.Contains(page, "Done. 2 reports added, 0 there already, 1 rows refused.") || !strings.Contains(page, "line 3: lat: with lon:") {
		t.Errorf("the import's page:\n%s", page)
	}
	if page := upload(); !strings.Contains(page, "Done. 0 reports added, 2 there already, 1 rows refused.") {
		t.Errorf("the same file again:\n%s", page)
	}
	ua := client("ua-negotiator")
	for _, path := range []string{"/monitoring/import", "/monitoring/import/0123"} {
		res, err := ua.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("a party's negotiator GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}

// TestEvidenceFiles: a monitor uploads a photo through the upload page,
// which answers its SHA-256; a report naming it links to it on its page,
// and the file is served to the report's readers as uploaded, and to no
// one else.
func TestEvidenceFiles(t *testing.T) {
	ts, d := newSite(t)
	client := func(login string) *http.Client { return signIn(t, ts, d, login) }
	get := func(c *http.Client, path string) (int, string) {
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	mon := client("us-monitor")
	photo := []byte("\xff\xd8\xff\xe0 a photo of the street")
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "street.jpg")
	fw.Write(photo)
	mw.Close()
	res, err := mon.Post(ts.URL+"/files", mw.FormDataContentType(), strings.NewReader(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`<code id="sha256">([0-9a-f]{64})</code>`).FindStringSubmatch(string(b))
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("the upload answered %d:\n%s", res.StatusCode, b)
	}
	sha := m[1]
	p := d.Principal(t, "us-monitor")
	w, err := d.Service.Create(t.Context(), p, "monitor.report", []byte(`{"source_type":"monitor-patrol","source_name":"Patrol 7","occurred_at":"2026-01-25T14:10:00+02:00",`+
		`"time_precision":"exact","place_name":"Orikhiv","place_precision":"coordinates","lat":47.567,"lon":35.784,"weapon_class":"artillery",`+
		`"target_class":"residential","evidence":[{"sha256":"`+sha+`","name":"street.jpg"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	link := "/k/incident-reports/" + w.Entity.ID + "/files/" + sha
	ua := client("ua-negotiator")
	if status, page := get(ua, "/k/incident-reports/"+w.Entity.ID); status != 200 || !strings.Contains(page, `href="`+link+`"`) {
		t.Errorf("the report's page (%d) does not link to its evidence %s", status, link)
	}
	if status, file := get(ua, link); status != 200 || file != string(photo) {
		t.Errorf("a party reading the evidence: %d %q", status, file)
	}
	if status, _ := get(http.DefaultClient, link); status != 404 {
		t.Errorf("an anonymous reader of the evidence: %d, want 404", status)
	}
	if status, _ := get(ua, "/files/new"); status != 404 {
		t.Errorf("a party's negotiator opens the upload page: %d, want 404", status)
	}
}

// TestStaleVerification: an incident verified, then changed (its place,
// its reports), is shown and exported as not verified as it reads now:
// the monitors' signatures are on another version of it.
func TestStaleVerification(t *testing.T) {
	ts, d := newSite(t)
	ctx := t.Context()
	med := d.Principal(t, "us-mediator")
	es, err := d.Service.All(ctx, &med, monitor.KindIncident, "")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	var in monitor.Incident
	for _, e := range es {
		json.Unmarshal(e.Body, &in)
		if in.PlaceName == "Kharkiv" {
			id = e.ID
			break
		}
	}
	mon := d.Principal(t, "us-monitor")
	key := d.Login(t, "us-monitor").SigningKey
	for _, s := range []monitor.Step{{Stage: monitor.StageInquiry}, {Stage: monitor.StageVerified, Attribution: monitor.NotAttributed}} {
		s.IncidentID, s.PartyID = id, "us"
		b, _ := json.Marshal(s)
		if _, err := d.Service.Create(ctx, mon, monitor.KindStep, testkit.Signed(t, d.Service, mon, key, monitor.KindStep, b)); err != nil {
			t.Fatal(err)
		}
	}
	c := signIn(t, ts, d, "ru-negotiator")
	read := func(path string) string {
		res, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return plainText(html.UnescapeString(string(b)))
	}
	if p := read("/monitoring/incidents/" + id); !strings.Contains(p, "Strike on Kharkiv, night of 23 to 24 January 2026 verified: could not be attributed") {
		t.Fatalf("the verified incident's page:\n%s", p)
	}
	in.PlaceName, in.Title = "Belgorod", "Strike on Belgorod"
	b, _ := json.Marshal(in)
	if _, err := d.Service.Update(ctx, med, monitor.KindIncident, id, b); err != nil {
		t.Fatal(err)
	}
	if p := read("/monitoring/incidents/" + id); !strings.Contains(p, "changed since its last step (verified: could not be attributed), which was taken on an earlier version: not verified as it reads now") {
		t.Errorf("the changed incident's page:\n%s", p)
	}
	if csv := read("/monitoring/incidents.csv"); !strings.Contains(csv, "Strike on Belgorod") || !strings.Contains(csv, "changed-since-verified") {
		t.Errorf("the changed incident's export:\n%s", csv)
	}
}

// TestMonitoringPageShowsLatest: with more reports than a page shows, the
// monitoring page shows the latest, says so, and still lists every
// incident.
func TestMonitoringPageShowsLatest(t *testing.T) {
	ts, d := newSite(t)
	bodies := make([][]byte, 500)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"source_type":"sensor","source_name":"Sensor %d","occurred_at":"2026-02-01T10:%02d:00+02:00","time_precision":"exact",`+
			`"place_name":"Huliaipole","place_precision":"coordinates","lat":47.66,"lon":36.26,"weapon_class":"mortar","target_class":"military"}`, i, i%60)
	}
	_, errs := d.Service.CreateMany(t.Context(), d.Principal(t, "us-monitor"), monitor.KindReport, bodies)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := signIn(t, ts, d, "ua-negotiator").Get(ts.URL + "/monitoring")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := plainText(html.UnescapeString(string(b)))
	if !strings.Contains(page, "The latest 500 reports, by when they happened") || strings.Contains(page, "370 × attack-drone") ||
		!strings.Contains(page, "Drone attack on Kyiv, night of 23 to 24 January 2026") {
		t.Errorf("the monitoring page with 505 reports:\n%.3000s", page)
	}
}
