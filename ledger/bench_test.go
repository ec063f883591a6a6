package ledger_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
)

// Run the throughput pair in one invocation, so that they share the machine
// state:
//
//	go test -run '^$' -bench 'BareTessera|LedgerAppend' -benchtime 50000x ./ledger/

// benchAdders is the number of concurrent adders for bare tessera: enough
// to fill each 1024-entry batch without waiting for its age.
const benchAdders = 1024

// BenchmarkBareTessera measures tessera's POSIX appender alone: no witness,
// no parley code, futures resolved by many concurrent adders, leaves of the
// size of parley's.
func BenchmarkBareTessera(b *testing.B) {
	signer, _ := testkit.LogKey(b, "parley.bench/log")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drv, err := posix.New(ctx, posix.Config{Path: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	app, shutdown, _, err := tessera.NewAppender(ctx, drv, tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(ledger.DefaultBatchSize, ledger.DefaultBatchAge).
		WithCheckpointInterval(ledger.DefaultCheckpointInterval))
	if err != nil {
		b.Fatal(err)
	}
	leaves := testkit.Leaves(b.N, "talks.position")
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchAdders {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(leaves)) {
					return
				}
				if _, err := app.Add(ctx, tessera.NewEntry(leaves[i]))(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := shutdown(sctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLedgerAppend measures the same work through Log.AppendAll, in
// batches of 1000 leaves (the store's group commit), with 1 and 4
// concurrent callers. No witness: witnesses are off the append path.
func BenchmarkLedgerAppend(b *testing.B) {
	for _, callers := range []int{1, 4} {
		b.Run("callers="+strconv.Itoa(callers), func(b *testing.B) {
			signer, vkey := testkit.LogKey(b, "parley.bench/log")
			cfg := testConfig(b.TempDir(), signer, vkey)
			cfg.CheckpointInterval, cfg.BatchAge = 0, 0 // the defaults
			l := openLog(b, cfg)
			leaves := testkit.Leaves(b.N, "talks.position")
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for {
						from := next.Add(1000) - 1000
						if from >= int64(len(leaves)) {
							return
						}
						if _, err := l.AppendAll(ctx, leaves[from:min(from+1000, int64(len(leaves)))]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
		})
	}
}

// BenchmarkWriteToProof measures, per record, the time from Append to an
// inclusion proof at a published checkpoint cosigned by one in-process
// witness, with the default checkpoint interval and batching, under
// benchWriters concurrent writers.
func BenchmarkWriteToProof(b *testing.B) {
	const benchWriters = 512
	signer, vkey := testkit.LogKey(b, "parley.bench/log")
	w := testkit.NewWitness(b, "alice", vkey)
	cfg := testConfig(b.TempDir(), signer, vkey, w.Config())
	cfg.CheckpointInterval, cfg.BatchAge, cfg.WitnessTimeout = 0, 0, 0 // the defaults
	l := openLog(b, cfg)
	leaves := testkit.Leaves(b.N, "talks.position")
	ctx := context.Background()
	latencies := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchWriters {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(leaves)) {
					return
				}
				t0 := time.Now()
				idx, err := l.Append(ctx, leaves[i])
				if err != nil {
					b.Error(err)
					return
				}
				raw, err := l.Await(ctx, idx)
				if err != nil {
					b.Error(err)
					return
				}
				cp, cosigned, err := ledger.VerifyCheckpoint(raw, vkey, []string{w.VKey})
				if err != nil || len(cosigned) != 1 {
					b.Errorf("checkpoint: %v cosigned by %v", err, cosigned)
					return
				}
				p, err := l.InclusionProof(ctx, idx, cp.Size)
				if err != nil {
					b.Error(err)
					return
				}
				latencies[i] = time.Since(t0)
				if err := ledger.VerifyInclusion(leaves[i], idx, p, cp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	q := func(f float64) float64 {
		return float64(latencies[int(f*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// BenchmarkInclusionProof measures building inclusion proofs from the tiles
// of a 70,000-entry log (three tile levels), in parallel.
func BenchmarkInclusionProof(b *testing.B) {
	const entries = 70_000
	signer, vkey := testkit.LogKey(b, "parley.bench/log")
	cfg := testConfig(b.TempDir(), signer, vkey)
	l := openLog(b, cfg)
	ctx := context.Background()
	var last uint64
	for chunk := range slices.Chunk(testkit.Leaves(entries, "talks.position"), 10_000) {
		idx, err := l.AppendAll(ctx, chunk)
		if err != nil {
			b.Fatal(err)
		}
		last = max(last, slices.Max(idx))
	}
	if _, err := l.Await(ctx, last); err != nil {
		b.Fatal(err)
	}
	size, err := l.PublishedSize(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.InclusionProof(ctx, rand.Uint64N(size), size); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "proofs/s")
}
