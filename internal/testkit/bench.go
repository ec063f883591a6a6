package testkit

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"

	"github.com/parley-project/parley/ledger"
)

// Concurrently calls do(i) for every i in [0, n), from workers goroutines
// that each take the next i in turn, and returns the time it took. A
// worker stops at the first i for which do returns false.
func Concurrently(workers, n int, do func(i int) bool) time.Duration {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if !do(int(i)) {
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// BareTessera is the benchmark of tessera's POSIX appender alone, the
// ceiling for parley's commit path: no store, no parley code, no witness;
// b.N leaves as parley makes them added by adders concurrent adders, each
// awaiting its future, with the ledger's default batching and checkpoint
// interval. It reports records/s.
func BareTessera(b *testing.B, adders int) {
	b.Helper()
	signer, _ := LogKey(b, "parley.bench/log")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drv, err := posix.New(ctx, posix.Config{Path: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	appender, shutdown, _, err := tessera.NewAppender(ctx, drv, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(ledger.DefaultBatchSize, ledger.DefaultBatchAge).
		WithCheckpointInterval(ledger.DefaultCheckpointInterval))
	if err != nil {
		b.Fatal(err)
	}
	leaves := Leaves(b.N)
	b.ResetTimer()
	elapsed := Concurrently(adders, len(leaves), func(i int) bool {
		if _, err := appender.Add(ctx, tessera.NewEntry(leaves[i]))(); err != nil {
			b.Error(err)
			return false
		}
		return true
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := shutdown(sctx); err != nil {
		b.Fatal(err)
	}
}

// ReportLatencies reports the median, the 99th percentile and the maximum
// of latencies, in milliseconds (p50-ms, p99-ms, max-ms). It sorts
// latencies.
func ReportLatencies(b *testing.B, latencies []time.Duration) {
	b.Helper()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	q := func(f float64) float64 {
		return float64(latencies[int(f*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}
