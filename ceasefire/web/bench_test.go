package ceasefireweb

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-project/parley/access"
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
		// drawn: the map drew what it last asked for.
		const drawn = `(() => { const m = document.getElementById("map"); const l = m.getAttribute("data-loaded"); return l !== null && l === m.getAttribute("data-asked") })()`
		var open, filter time.Duration
		for b.Loop() {
			board.At = time.Now() // fresh for the cache
			x.cache.m = map[string]*cachedBoard{fmt.Sprintf("%+v/%s", access.ViewerOf(p), board.ID): {b: board}}
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

// BenchmarkBoardFromStore measures reading a ceasefire's board from the
// store, as its page and the map's first request do: every incident the
// caller may see, judged; and bringing it up to date after an incident is
// committed, as the map's next request does.
// PARLEY_BOARD_INCIDENTS sets how many incidents (default 20,000):
//
//	PARLEY_BOARD_INCIDENTS=100000 go test ./ceasefire/web -run '^$' -bench BoardFromStore -benchtime 3x -timeout 30m
func BenchmarkBoardFromStore(b *testing.B) {
	n := 20000
	if v := os.Getenv("PARLEY_BOARD_INCIDENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	d := testkit.NewDemo(b, testkit.DemoOptions{})
	mon := d.Principal(b, "us-monitor")
	r := rand.New(rand.NewPCG(5, 6))
	line := scenario.ContactLine
	start := time.Now().AddDate(-1, 0, 0)
	for at := 0; at < n; at += 1000 {
		reports := make([][]byte, min(1000, n-at))
		for i := range reports {
			p := line[r.IntN(len(line))]
			reports[i], _ = json.Marshal(map[string]any{"source_type": "monitor-patrol", "source_name": "Patrol", "occurred_at": start.Add(time.Duration(at+i) * time.Minute).Format(time.RFC3339),
				"time_precision": "exact", "place_name": "Near the line", "place_precision": "coordinates", "lat": p.Lat, "lon": p.Lon,
				"weapon_class": "artillery", "target_class": "energy"})
		}
		ws, errs := d.Service.CreateMany(b.Context(), mon, ceasefire.ReportKindOfMonitoring, reports)
		incidents := make([][]byte, len(ws))
		for i, w := range ws {
			if errs[i] != nil {
				b.Fatal(errs[i])
			}
			var rep map[string]any
			json.Unmarshal(reports[i], &rep)
			incidents[i], _ = json.Marshal(map[string]any{"title": "Shelling", "reports": []string{w.Entity.ID}, "occurred_at": rep["occurred_at"],
				"place_name": "Near the line", "lat": rep["lat"], "lon": rep["lon"], "weapon_class": "artillery", "target_class": "energy"})
		}
		if _, errs := d.Service.CreateMany(b.Context(), mon, ceasefire.IncidentKind, incidents); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
	p := d.Principal(b, "ua-negotiator")
	cfs, err := d.Service.All(b.Context(), &p, ceasefire.KindCeasefire, "")
	if err != nil {
		b.Fatal(err)
	}
	var board *Board
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if board, err = Load(b.Context(), d.Service, &p, cfs[0].ID, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		if len(board.Incidents) < n {
			b.Fatalf("%d incidents on the board, want %d", len(board.Incidents), n)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/board")
		b.ReportMetric(float64(len(board.Incidents)), "incidents")
	})
	// A capital's consent to the next phase is checked against the
	// conditions of the phase in force, from every incident and step: the
	// cost of the check grows with the monitoring (here it is refused, the
	// quiet week not having passed, after the same work).
	b.Run("consent-check", func(b *testing.B) {
		phases, err := d.Service.All(b.Context(), &p, ceasefire.KindPhase, cfs[0].ID)
		if err != nil {
			b.Fatal(err)
		}
		var next string
		for _, e := range phases {
			var ph ceasefire.Phase
			json.Unmarshal(e.Body, &ph)
			if ph.Number == 2 {
				next = e.ID
			}
		}
		for b.Loop() {
			if _, err := d.Write(b, "ua-capital", ceasefire.KindConsent, ceasefire.Consent{PhaseID: next, CeasefireID: cfs[0].ID, PartyID: "ua"}); err == nil {
				b.Fatal("the consent was not refused")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/consent")
	})
	// What the map does at its next request once an incident is
	// committed: read what changed, judge again.
	b.Run("refresh-after-an-incident", func(b *testing.B) {
		var took time.Duration
		for b.Loop() {
			b.StopTimer()
			rep, _ := json.Marshal(map[string]any{"source_type": "monitor-patrol", "source_name": "Patrol", "occurred_at": time.Now().Format(time.RFC3339),
				"time_precision": "exact", "place_name": "Near the line", "place_precision": "settlement", "lat": 48.0, "lon": 37.5,
				"weapon_class": "artillery", "target_class": "energy"})
			w, err := d.Service.Create(b.Context(), mon, ceasefire.ReportKindOfMonitoring, rep)
			if err != nil {
				b.Fatal(err)
			}
			in, _ := json.Marshal(map[string]any{"title": "Shelling", "reports": []string{w.Entity.ID}, "occurred_at": time.Now().Format(time.RFC3339),
				"place_name": "Near the line", "lat": 48.0, "lon": 37.5, "weapon_class": "artillery", "target_class": "energy"})
			if _, err := d.Service.Create(b.Context(), mon, ceasefire.IncidentKind, in); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			began := time.Now()
			if ok, err := board.Refresh(b.Context(), d.Service, &p, time.Now()); !ok || err != nil {
				b.Fatal(ok, err)
			}
			took += time.Since(began)
		}
		b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/refresh")
	})
}
