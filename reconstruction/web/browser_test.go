package reconstructionweb_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
	"github.com/parley-project/parley/web"
)

// get reads url as an anonymous reader.
func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", url, res.Status, body)
	}
	return string(body)
}

// TestBrowserGapDrillDown walks the gap page in a real browser, from the
// chart to a record's evidence: the chart's bar group for energy opens
// the sector; its region the cell; the cell's disbursed figure the needs
// behind it; a need's disbursed figure the disbursements, in their own
// currency; a disbursement's project the project, with its payment and
// the invoice that backs it. Then as readers: a pledge not announced is
// read by its donor only among them, and a conditional pledge says
// whether its condition holds to those who may read its phase.
func TestBrowserGapDrillDown(t *testing.T) {
	testkit.Browser(t)
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	logs := new(testkit.Buffer)
	h, err := web.New(d.Service, slog.New(slog.NewTextHandler(logs, nil)),
		web.Options{Sections: []web.Section{&reconstructionweb.Section{PhaseStanding: ceasefireweb.PhaseStanding}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	b := &testkit.Tab{T: t, Ctx: testkit.BrowserContext(t, 120*time.Second), URL: ts.URL, Demo: d, Logs: logs}

	follow := func(doing, selector string) (string, string) {
		t.Helper()
		// A link within the page (to #needs) loads nothing: no response.
		res, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(selector)))
		if err != nil || res != nil && res.Status != 200 {
			t.Fatalf("%s (%s): %v, status %v\n%s\n%s", doing, selector, err, res, b.Main(), logs)
		}
		loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
		return loc, b.Main()
	}
	_, text := b.Open("/reconstruction")
	for _, want := range []string{"Reconstruction: the gap", "Prosperity plan", "800,000,000,000.00", "illustrative"} {
		if !strings.Contains(text, want) {
			t.Errorf("the gap page does not say %q:\n%s", want, text)
		}
	}
	loc, text := follow("opening the energy sector from the chart", `#gap-chart a.bar-group[href*="sector=energy"] text`)
	if !strings.Contains(loc, "sector=energy") || !strings.Contains(text, "Zaporizhzhia oblast") || strings.Contains(text, "Kharkiv oblast") {
		t.Fatalf("the chart's energy bars led to %s:\n%s", loc, text)
	}
	_, text = follow("opening the region", `#gap tbody a[href*="region=Zaporizhzhia"]:not([data-stage])`)
	if !strings.Contains(text, "The needs behind these figures") {
		t.Fatalf("the region's cell does not list its needs:\n%s", text)
	}
	follow("opening the disbursed figure", `#gap a[data-stage="disbursement"]`)
	loc, text = follow("opening the need's disbursements", `#need-rows a[href*="stage=disbursement"]`)
	if !strings.Contains(loc, "/reconstruction/flows") || !strings.Contains(text, "120,000,000 USD") || !strings.Contains(text, "40,000,000 USD") {
		t.Fatalf("the need's disbursements (%s) do not list both:\n%s", loc, text)
	}
	project, text := follow("opening the project a disbursement funds", `#flows a[href^="/reconstruction/projects/"]`)
	for _, want := range []string{"Restoring high-voltage transmission", "84,500,000 USD", "25,350,000.00 USD", "invoice-advance.txt", "First autotransformer delivered"} {
		if !strings.Contains(text, want) {
			t.Errorf("the project's page does not say %q:\n%s", want, text)
		}
	}
	// The invoice is served as a download, which the browser does not
	// show: read what its link names.
	page := get(t, project)
	link := regexp.MustCompile(`href="(/k/project-payments/[^"/]+/files/[0-9a-f]{64})"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("the project's page links no payment's evidence:\n%s", page)
	}
	if body := get(t, ts.URL+link[1]); !strings.Contains(body, "Illustrative invoice") {
		t.Errorf("the payment's evidence reads:\n%s", body)
	}

	// The energy need's pledges: the dirham pledge not announced is its
	// donor's to read, not the public's.
	b.Open("/reconstruction?sector=energy&region=Zaporizhzhia+oblast")
	pledges, _ := follow("opening the need's pledges", `#need-rows a[href*="stage=pledge"]`)
	_, text = b.Open(strings.TrimPrefix(pledges, ts.URL))
	if strings.Contains(text, "AED") {
		t.Errorf("an anonymous reader reads the pledge not announced:\n%s", text)
	}
	b.SignIn("ae-observer")
	_, text = b.Open(strings.TrimPrefix(pledges, ts.URL))
	if !strings.Contains(text, "1,836,250,000.00 AED") || !strings.Contains(text, "not announced") {
		t.Errorf("the donor does not read its pledge not announced:\n%s", text)
	}

	// The conditional pledge, on the housing need: the mediator reads
	// that phase 2 is not in force; the public, that it waits on a phase
	// it may not read.
	b.SignIn("us-mediator")
	b.Open("/reconstruction?sector=housing&region=Kharkiv+oblast")
	housing, text := follow("opening the housing need's pledges", `#need-rows a[href*="stage=pledge"]`)
	if !strings.Contains(text, "phase 2 (General ceasefire) in force: does not hold yet") {
		t.Errorf("the mediator is not told the condition does not hold:\n%s", text)
	}
	if _, err := chromedp.RunResponse(b.Ctx, chromedp.Click(chromedp.CSS(`header .who form button[type=submit]`))); err != nil {
		t.Fatalf("signing out: %v", err)
	}
	b.Who = ""
	_, text = b.Open(strings.TrimPrefix(housing, ts.URL))
	if !strings.Contains(text, "a ceasefire phase you may not read") {
		t.Errorf("an anonymous reader of the conditional pledge:\n%s", text)
	}
}
