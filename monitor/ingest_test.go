package monitor_test

import (
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/scenario"
)

// BenchmarkIngest measures the ingest of generated reports end to end,
// as `parley reports import` and the web import do it (three batches in
// flight, every report with a source reference): each batch of 1,000 (the
// most one batch record holds)
// classified against the demo's zones and committed through
// app.Service.CreateMany (the items of one batch record and log leaf) on
// SQLite with a transparency log; then every report corroborated. It
// reports reports a second, the cores it kept busy and the CPU time a
// report took (user and system, from getrusage), and the heap in use at
// the end. PARLEY_INGEST_REPORTS sets how many (default 100,000):
//
//	PARLEY_INGEST_REPORTS=1000000 go test ./monitor -run '^$' -bench Ingest -benchtime 1x -timeout 60m
func BenchmarkIngest(b *testing.B) {
	n := 100_000
	if v := os.Getenv("PARLEY_INGEST_REPORTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for b.Loop() {
		b.StopTimer()
		l := testkit.NewLog(b)
		o := testkit.DemoOptions{Log: l.Log}
		if os.Getenv("PARLEY_INGEST_STORE") == "postgres" {
			o.Postgres = testkit.PostgresSchema(b, "ingest")
		}
		d := testkit.NewDemo(b, o)
		p := d.Principal(b, "us-monitor")
		zs, err := d.Service.All(b.Context(), &p, monitor.KindZone, "")
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, len(zs))
		zones := make([]*monitor.Zone, len(zs))
		for i, z := range zs {
			ids[i], zones[i] = z.ID, new(monitor.Zone)
			json.Unmarshal(z.Body, zones[i])
		}
		placed, err := monitor.Place(ids, zones)
		if err != nil {
			b.Fatal(err)
		}
		g := monitor.Generate(monitor.GenConfig{Reports: n, Line: scenario.ContactLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900,
			Parties: scenario.LineParties, Seed: 1})
		b.StartTimer()
		start := time.Now()
		var ru0 syscall.Rusage
		syscall.Getrusage(0, &ru0)
		sightings := make([]monitor.Sighting, 0, len(g))
		// Three batches in flight, as an import keeps (or three clients of
		// the batch API): the next batches are classified and sealed while
		// the one before them commits.
		batches := make(chan [][]byte, 1)
		var wg sync.WaitGroup
		var failed atomic.Pointer[error]
		for range 3 {
			wg.Go(func() {
				for bodies := range batches {
					_, errs := d.Service.CreateMany(b.Context(), p, monitor.KindReport, bodies)
					for _, err := range errs {
						if err != nil {
							failed.CompareAndSwap(nil, &err)
						}
					}
				}
			})
		}
		for at := 0; at < len(g); at += 1000 {
			batch := g[at:min(at+1000, len(g))]
			bodies := make([][]byte, len(batch))
			for i := range batch {
				monitor.Classify(placed, &batch[i].Report)
				// As an import gives every report its key (its source's
				// reference, or a hash): the check that a source's report
				// is committed once is part of the ingest.
				batch[i].Report.SourceRef = "gen/" + strconv.Itoa(at+i)
				bodies[i], _ = json.Marshal(batch[i].Report)
				s, _ := monitor.SightingOf(&batch[i].Report, monitor.DefaultClusterConfig)
				sightings = append(sightings, s)
			}
			batches <- bodies
		}
		close(batches)
		wg.Wait()
		if err := failed.Load(); err != nil {
			b.Fatal(*err)
		}
		monitor.Cluster(sightings, monitor.DefaultClusterConfig, monitor.Links{})
		took := time.Since(start)
		var ru1 syscall.Rusage
		syscall.Getrusage(0, &ru1)
		cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		b.ReportMetric(cpu.Seconds()/took.Seconds(), "cores")
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(g)), "cpu-us/report")
		b.StopTimer()
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(len(g))/took.Seconds(), "reports/s")
		b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
		b.StartTimer()
	}
}
