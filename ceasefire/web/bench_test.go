package ceasefireweb

import (
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/vocab"
	"github.com/parley-project/parley/web"
)

// yearOfIncidents puts n generated incidents of a year on b: near the
// line of contact of the demo, of every weapon and target, two in three
// verified and attributed, judged against b's phases.
func yearOfIncidents(b *Board, n int) {
	r := rand.New(rand.NewPCG(3, 4))
	line := scenario.ContactLine
	start := b.At.AddDate(-1, 0, 0)
	b.Incidents = make([]ceasefire.Incident, n)
	for i := range b.Incidents {
		p := line[r.IntN(len(line))]
		in := ceasefire.Incident{ID: strconv.Itoa(i), At: start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))),
			Weapon: vocab.WeaponClasses[r.IntN(len(vocab.WeaponClasses))], Target: vocab.TargetClasses[r.IntN(len(vocab.TargetClasses))],
			Where: &geo.Point{Lat: p.Lat + r.NormFloat64()*0.3, Lon: p.Lon + r.NormFloat64()*0.3}}
		if r.IntN(3) > 0 {
			in.Verified, in.Party = in.At.Add(time.Hour), []string{"ua", "ru", ""}[r.IntN(3)]
		}
		b.Incidents[i] = in
	}
	// The demo's first phase in force all year.
	b.Periods = []ceasefire.Period{{Phase: b.States[0].Phase, From: start}}
	b.Judgments = ceasefire.Judge(b.Periods, b.Incidents, b.At)
}

// BenchmarkMap measures the map over a year of incidents at the OSCE
// SMM's 2017 scale (400,000): counting them into the cells of the whole
// region at zoom 6 and of a narrow view at zoom 11, filtered to violations
// or not, as parley does at each move of the map; and, where Chromium is
// installed, the map page opened in it, until its incidents are drawn,
// and a filter changed:
//
//	go test ./ceasefire/web -run '^$' -bench Map -benchtime 10x
func BenchmarkMap(b *testing.B) {
	d := testkit.NewDemo(b, testkit.DemoOptions{})
	p := d.Principal(b, "ua-negotiator")
	cfs, err := d.Service.All(b.Context(), &p, ceasefire.KindCeasefire, "")
	if err != nil {
		b.Fatal(err)
	}
	board, err := Load(b.Context(), d.Service, &p, cfs[0].ID, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	yearOfIncidents(board, 400000)
	for _, c := range []struct{ name, query string }{{"region-zoom-6", "zoom=6&bbox=30,44,42,52"}, {"violations-zoom-6", "zoom=6&bbox=30,44,42,52&status=violation"},
		{"view-zoom-11", "zoom=11&bbox=35.0,47.4,35.4,47.6"}} {
		b.Run(c.name, func(b *testing.B) {
			f, err := parseMapFilter(httptest.NewRequest("GET", "/x?"+c.query, nil))
			if err != nil {
				b.Fatal(err)
			}
			var cells int
			for b.Loop() {
				cells = len(aggregate(board, f).Cells)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/request")
			b.ReportMetric(float64(cells), "markers")
		})
	}
	b.Run("browser", func(b *testing.B) {
		if !mapReady() {
			b.Skip("the page's load time needs the map's parts: npm ci --prefix ceasefire/web/map")
		}
		ctx := testkit.BrowserContext(b, 5*time.Minute) // or skips without Chromium
		x := &Section{}
		h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{x}})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(h)
		defer ts.Close()
		tab := &testkit.Tab{T: b, Ctx: ctx, URL: ts.URL, Demo: d, Logs: new(testkit.Buffer)}
		tab.SignIn("ua-negotiator")
		seq, _ := d.Service.Store().LastSeq(b.Context())
		// drawn: the map drew what it last asked for.
		const drawn = `(() => { const m = document.getElementById("map"); const l = m.getAttribute("data-loaded"); return l !== null && l === m.getAttribute("data-asked") })()`
		var open, filter time.Duration
		for b.Loop() {
			board.At = time.Now() // fresh for the cache
			x.cache.m = map[string]cachedBoard{p.ID + "/" + board.ID: {seq, board}}
			began := time.Now()
			if _, err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/ceasefire/"+board.ID+"/map")); err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(time.Minute))); err != nil {
				b.Fatal(err)
			}
			open += time.Since(began)
			began = time.Now()
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("select[name=status]"); s.value = "violation"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`)); err != nil {
				b.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(time.Minute))); err != nil {
				b.Fatal(err)
			}
			filter += time.Since(began)
		}
		b.ReportMetric(float64(open.Milliseconds())/float64(b.N), "ms/open")
		b.ReportMetric(float64(filter.Milliseconds())/float64(b.N), "ms/filter")
	})
}
