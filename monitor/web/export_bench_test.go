package monitorweb_test

import (
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/scenario"
)

// BenchmarkExport streams the CSV export of generated reports
// (PARLEY_EXPORT_REPORTS, default 100,000) to a party's negotiator, and
// reports its rows a second and the most heap it added while it ran, above
// what was live before (garbage not yet collected included):
//
//	PARLEY_EXPORT_REPORTS=100000 go test ./monitor/web -run '^$' -bench Export -benchtime 1x -timeout 30m
func BenchmarkExport(b *testing.B) {
	n := 100_000
	if v := os.Getenv("PARLEY_EXPORT_REPORTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ts, d := newSite(b)
	g := monitor.Generate(monitor.GenConfig{Reports: n, Line: scenario.ContactLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900,
		Parties: scenario.LineParties, Seed: 1})
	p := d.Principal(b, "us-monitor")
	for at := 0; at < len(g); at += 1000 {
		batch := g[at:min(at+1000, len(g))]
		bodies := make([][]byte, len(batch))
		for i := range batch {
			bodies[i], _ = json.Marshal(batch[i].Report)
		}
		if _, errs := d.Service.CreateMany(b.Context(), p, monitor.KindReport, bodies); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
	c := signIn(b, ts, d, "ua-negotiator")
	g = nil
	for b.Loop() {
		// The heap the export adds, above what is live before it starts.
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var peak uint64
		done := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}
		}()
		start := time.Now()
		res, err := c.Get(ts.URL + "/monitoring/incident-reports.csv")
		if err != nil {
			b.Fatal(err)
		}
		size, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		took := time.Since(start)
		close(done)
		b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
		b.ReportMetric(float64(peak-min(peak, before.HeapInuse))/(1<<20), "added-heap-MiB")
		b.ReportMetric(float64(size)/(1<<20), "MiB")
	}
}
