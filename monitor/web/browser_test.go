package monitorweb_test

import (
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	monitorweb "github.com/parley-project/parley/monitor/web"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// TestBrowserReportToVerifiedIncident follows a report from the form to a
// verified incident in a real browser: a monitor files a patrol's report
// of shelling through the report form; the monitoring page corroborates
// it into an event that is not yet an incident and offers to open one;
// the monitor opens it with the form that link fills in, and takes the
// verification's steps, each uploaded as the file parley sign writes;
// and a party's negotiator reads the incident verified, with its steps.
func TestBrowserReportToVerifiedIncident(t *testing.T) {
	testkit.Browser(t) // skips here, before the site is built
	tl := testkit.NewLog(t)
	d := testkit.NewDemo(t, testkit.DemoOptions{Log: tl.Log})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)), web.Options{
		Sections: []web.Section{&talksweb.Section{}, &monitorweb.Section{}}, Log: tl.Log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := &testkit.Tab{T: t, Ctx: testkit.BrowserContext(t, 90*time.Second), URL: ts.URL, Demo: d, Logs: logs}

	b.SignIn("us-monitor")
	report := b.Create("/k/incident-reports/new", "incident-reports",
		chromedp.SetValue(chromedp.ID("f-source_type"), "monitor-patrol"),
		chromedp.SendKeys(chromedp.ID("f-source_name"), "Patrol 9"),
		chromedp.SendKeys(chromedp.ID("f-occurred_at"), "2026-01-25T14:10:00+02:00"),
		chromedp.SetValue(chromedp.ID("f-time_precision"), "exact"),
		chromedp.SendKeys(chromedp.ID("f-place_name"), "Orikhiv"),
		chromedp.SetValue(chromedp.ID("f-place_precision"), "coordinates"),
		chromedp.SendKeys(chromedp.ID("f-lat"), "47.567"),
		chromedp.SendKeys(chromedp.ID("f-lon"), "35.784"),
		chromedp.SetValue(chromedp.ID("f-weapon_class"), "artillery"),
		chromedp.SendKeys(chromedp.ID("f-weapon_count"), "3"),
		chromedp.SetValue(chromedp.ID("f-target_class"), "residential"),
		chromedp.SendKeys(chromedp.ID("f-narrative"), "Three artillery rounds hit a residential street."),
	)

	// The page corroborates it into an event of one source, not yet an
	// incident, and offers the monitor the filled-in form of one.
	_, text := b.Open("/monitoring")
	if !strings.Contains(text, "In Kharkiv oblast") && !strings.Contains(text, "Orikhiv") {
		t.Fatalf("the monitoring page does not show the new report:\n%s", text)
	}
	link, err := chromedp.Run(b.Ctx, chromedp.AttributeValue(chromedp.Search(`//tr[td[2][normalize-space()="Orikhiv"]]//a[normalize-space()="Open as incident"]`), "href"))
	href := strings.TrimPrefix(link.Value, ts.URL)
	if err != nil || !strings.Contains(href, "reports="+report) {
		t.Fatalf("the link that opens the incident is %q (%v); it does not name the report %s", href, err, report)
	}
	incident := b.Create(href, "incidents",
		chromedp.SetValue(chromedp.ID("f-title"), "Shelling of a residential street in Orikhiv"),
	)

	key := d.Login(t, "us-monitor").SigningKey
	step := func(s monitor.Step) {
		s.IncidentID, s.PartyID = incident, "us"
		b.Upload(monitor.KindStep, "verification-steps", incident, key, s)
	}
	step(monitor.Step{Stage: monitor.StageAllegation, Summary: "Reported by Patrol 9."})
	step(monitor.Step{Stage: monitor.StageInquiry, Summary: "A team compares the patrol's report with the sensors'."})
	step(monitor.Step{Stage: monitor.StageInvestigate, Team: "Team 2", Summary: "The team visits the street."})
	step(monitor.Step{Stage: monitor.StageVerified, Attribution: monitor.NotAttributed, Summary: "The shelling took place; its origin could not be established."})

	// A party's negotiator reads it verified, step by step.
	b.SignIn("ru-negotiator")
	status, text := b.Open("/monitoring/incidents/" + incident)
	if status != 200 {
		t.Fatalf("the incident's page answers %d to a party's negotiator:\n%s\n%s", status, text, logs)
	}
	for _, want := range []string{"Shelling of a residential street in Orikhiv verified: could not be attributed", "Patrol 9",
		"allegation.", "preliminary inquiry.", "investigation, by Team 2.", "verified: could not be attributed."} {
		if !strings.Contains(text, want) {
			t.Errorf("the incident's page lacks %q:\n%s", want, text)
		}
	}
	if regexp.MustCompile(`Take the next step`).MatchString(text) {
		t.Error("a party's negotiator is offered to take a verification step")
	}
	_, text = b.Open("/monitoring")
	if !strings.Contains(text, "Shelling of a residential street in Orikhiv verified: could not be attributed") {
		t.Errorf("the monitoring page does not show the incident verified:\n%s", text)
	}
}
