package ceasefireweb_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
	monitorweb "github.com/parley-project/parley/monitor/web"
	"github.com/parley-project/parley/web"
)

// TestBrowserMap opens the ceasefire's map in a real browser as a party's
// negotiator: Leaflet draws the demo's incidents and a verified strike on
// energy infrastructure over the offline basemap; filtered to violations,
// the map keeps the strike alone; its marker's popup opens the incident.
func TestBrowserMap(t *testing.T) {
	testkit.Browser(t)
	if !ceasefireweb.MapReady() {
		msg := "the map's parts are not installed: run npm ci --prefix ceasefire/web/map before the tests"
		if testkit.BrowserRequired() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)), web.Options{Sections: []web.Section{&ceasefireweb.Section{}, &monitorweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := &testkit.Tab{T: t, Ctx: testkit.BrowserContext(t, 90*time.Second), URL: ts.URL, Demo: d, Logs: logs}

	med := d.Principal(t, "us-mediator")
	es, err := d.Service.All(t.Context(), &med, ceasefire.KindCeasefire, "")
	if err != nil || len(es) != 1 {
		t.Fatalf("the demo's ceasefire: %v", err)
	}
	cf := es[0].ID
	strike := verifiedStrike(t, d)
	// A zone whose name is markup: the map shows it as text.
	d.MustWrite(t, "us-monitor", ceasefire.ZoneKind, map[string]any{"name": `<b id="injected">Depot</b>`, "zone_type": "protected-object",
		"protected_class": "energy", "geometry": `{"type":"Point","coordinates":[36.0,49.5]}`})

	b.SignIn("ua-negotiator")
	b.Run("opening the map", chromedp.Navigate(ts.URL+"/ceasefire/"+cf+"/map"))
	// loaded waits until the map has drawn what it last asked for: the
	// map numbers its requests (data-asked) and marks the one drawn
	// (data-loaded).
	loaded := func() {
		t.Helper()
		_, err := chromedp.Run(b.Ctx, chromedp.Poll[bool](`(() => { const m = document.getElementById("map"); const l = m.getAttribute("data-loaded"); return l !== null && l === m.getAttribute("data-asked") })()`,
			chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("the map did not draw its incidents: %v\n%s", err, logs)
		}
	}
	loaded()
	status, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.ID("map-status")))
	if err != nil || status != "5 incidents match, 1 of them not placed by the monitors." {
		t.Errorf("the map says %q (%v)", status, err)
	}
	countries, err := chromedp.Run(b.Ctx, chromedp.Poll[int](`document.querySelectorAll(".leaflet-overlay-pane path:not(.incident)").length > 100 && document.querySelectorAll(".leaflet-overlay-pane path:not(.incident)").length`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Errorf("the basemap's countries and the zones are not drawn: %v", err)
	}
	t.Logf("%d paths of the basemap and zones drawn", countries)
	b.Run("hovering the zone named with markup", chromedp.Evaluate[chromedp.Void](`(() => {
		for (const p of document.querySelectorAll(".leaflet-overlay-pane path:not(.incident)")) { p.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); }
	})()`))
	injected, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.getElementById("injected") !== null`))
	shown, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll(".leaflet-tooltip")].some(e => e.textContent.includes('<b id="injected">'))`))
	if injected || !shown {
		t.Errorf("a zone's name with markup: made an element %v, shown as text %v", injected, shown)
	}

	b.Run("filtering to violations", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("select[name=status]"); s.value = "violation"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
	loaded()
	status, _ = chromedp.Run(b.Ctx, chromedp.Text(chromedp.ID("map-status")))
	markers, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("path.incident").length`))
	if status != "1 incident matches." || markers != 1 {
		t.Fatalf("filtered to violations, the map says %q with %d markers", status, markers)
	}
	b.Run("opening the strike's popup", chromedp.Evaluate[chromedp.Void](`document.querySelector("path.incident").dispatchEvent(new MouseEvent("click", {bubbles: true}))`),
		chromedp.WaitVisible(chromedp.CSS(`a.incident-link`)))
	text, _ := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(`a.incident-link`)))
	if !strings.Contains(text, "missile against energy") || !strings.Contains(text, "breaks energy of phase 1") {
		t.Errorf("the popup says %q", text)
	}
	b.Run("opening the incident", chromedp.Click(chromedp.CSS(`a.incident-link`)), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/monitoring/incidents/"+strike) || !strings.Contains(b.Main(), "Strike on a power station") {
		t.Errorf("the popup's link led to %s:\n%s", loc, b.Main())
	}
}

// verifiedStrike commits a strike on energy infrastructure in Kharkiv an
// hour into the demo's first phase, verified and attributed, and returns
// its incident's id.
func verifiedStrike(t *testing.T, d *testkit.Demo) string {
	t.Helper()
	med := d.Principal(t, "us-mediator")
	consents, _ := d.Service.All(t.Context(), &med, ceasefire.KindConsent, "")
	at := consents[len(consents)-1].Created.Add(time.Hour)
	write := func(login, kind string, v any) string { return d.MustWrite(t, login, kind, v) }
	report := write("us-monitor", "monitor.report", map[string]any{"source_type": "open-source", "source_name": "Outlet A",
		"occurred_at": at.Format(time.RFC3339), "time_precision": "hour", "place_name": "Kharkiv", "place_precision": "settlement",
		"lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy"})
	in := write("us-monitor", ceasefire.IncidentKind, map[string]any{"title": "Strike on a power station", "reports": []string{report},
		"occurred_at": at.Format(time.RFC3339), "place_name": "Kharkiv", "lat": 49.99, "lon": 36.23, "weapon_class": "missile", "target_class": "energy"})
	for _, st := range []map[string]any{{"stage": "allegation"}, {"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 2"},
		{"stage": "verified", "attribution": "largely-attributed", "attributed_party": "ru", "summary": "Debris of a missile on site."}} {
		st["incident_id"], st["party_id"] = in, "us"
		write("us-monitor", ceasefire.StepKind, st)
	}
	return in
}
