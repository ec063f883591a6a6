package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/scenario"
)

// BenchmarkSealItem is the work each report of a batch costs before the
// committer (decoding, checks, canonical bytes, commitment): with the
// committer's, what bounds the ingest (monitor's BenchmarkIngest).
func BenchmarkSealItem(b *testing.B) {
	d := testkit.NewDemo(b, testkit.DemoOptions{})
	p := d.Principal(b, "us-monitor")
	kind, _ := d.Service.Registry().Kind(monitor.KindReport)
	g := monitor.Generate(monitor.GenConfig{Reports: 1000, Line: scenario.ContactLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900,
		Parties: scenario.LineParties, Seed: 1})
	bodies := make([][]byte, len(g))
	for i := range g {
		bodies[i], _ = json.Marshal(g[i].Report)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Service.SealItem(p, kind, bodies[i%len(bodies)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
