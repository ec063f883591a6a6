package energyweb_test

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/web"
)

// TestBrowserMonthToCoSignedStatement walks a month in a real browser,
// from its readings to a statement both parties co-signed: each meter's
// operator uploads the month's readings of its meters, signed as parley
// sign signs them; the mediator settles the month from the plant's page;
// the statement shows every quarter-hour settled, and a day of it traces
// to the readings; each party's capital uploads its signed approval; and
// the statement, and the plant's page, say it is final.
func TestBrowserMonthToCoSignedStatement(t *testing.T) {
	testkit.Browser(t) // skips here, before the site is built
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)), web.Options{Sections: []web.Section{&energyweb.Section{}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := &testkit.Tab{T: t, Ctx: testkit.BrowserContext(t, 120*time.Second), URL: ts.URL, Demo: d, Logs: logs}

	var plant string
	meters := map[string]string{} // code -> id
	for _, e := range testkit.Entities(t, d.Service.Store()) {
		switch e.Kind {
		case energy.KindPlant:
			plant = e.ID
		case energy.KindMeter:
			var m energy.Meter
			json.Unmarshal(e.Body, &m)
			meters[m.Code] = e.ID
		}
	}
	april := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	g := scenario.GenerateReadings(april, 30, 7)
	for _, login := range []string{"us-meters", "ua-meters", "ru-meters"} {
		b.SignIn(login)
		party := strings.TrimSuffix(login, "-meters")
		for _, code := range g.Codes {
			if scenario.MeterOperator(code) != party {
				continue
			}
			b.Upload(energy.KindReadings, "meter-readings", meters[code], d.Login(t, login).SigningKey,
				energy.Readings{MeterID: meters[code], PlantID: plant, PartyID: party, Start: april.Format(time.RFC3339), Wh: g.Values[code]})
		}
	}

	b.SignIn("us-mediator")
	b.Open("/energy/" + plant)
	status, at := b.Submit("/energy/"+plant, chromedp.SetValue(chromedp.CSS(`input[name="month"]`), "2026-04"))
	statement, ok := strings.CutPrefix(at, "/energy-statements/")
	if status != 200 || !ok {
		t.Fatalf("settling April led to %s (%d):\n%s\n%s", at, status, b.Main(), logs)
	}
	_, text := b.Open("/energy-statements/" + statement)
	for _, want := range []string{"Settlement statement, April 2026", "2,880 of 2,880 quarter-hours settled", "Awaiting co-signatures", "owes"} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement does not say %q:\n%s", want, text)
		}
	}
	_, text = b.Open("/energy-statements/" + statement + "/day?day=2026-04-15")
	if n := len(regexp.MustCompile(`2026-04-15 \d\d:\d\d`).FindAllString(text, -1)); n != 96 {
		t.Errorf("the day's trace shows %d quarter-hours:\n%s", n, text[:min(len(text), 2000)])
	}

	for _, party := range []string{"ua", "ru"} {
		b.SignIn(party + "-capital")
		b.Upload(energy.KindApproval, "statement-approvals", statement, d.Login(t, party+"-capital").SigningKey,
			energy.Approval{StatementID: statement, PartyID: party, Decision: energy.Approve})
	}
	_, text = b.Open("/energy-statements/" + statement)
	if !strings.Contains(text, "Final: co-signed by every party to it.") || !strings.Contains(text, "ru approved.") || !strings.Contains(text, "ua approved.") {
		t.Errorf("the co-signed statement does not say it is final:\n%s", text)
	}
	_, text = b.Open("/energy/" + plant)
	if !regexp.MustCompile(`April 2026[\s\S]*?final`).MatchString(text) {
		t.Errorf("the plant's page does not list April final:\n%s", text)
	}
}
