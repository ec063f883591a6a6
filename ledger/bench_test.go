package ledger_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
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
	testkit.BareTessera(b, benchAdders)
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
			leaves := testkit.Leaves(b.N)
			ctx := context.Background()
			chunks := slices.Collect(slices.Chunk(leaves, 1000))
			b.ResetTimer()
			elapsed := testkit.Concurrently(callers, len(chunks), func(i int) bool {
				if _, err := l.AppendAll(ctx, chunks[i]); err != nil {
					b.Error(err)
					return false
				}
				return true
			})
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
	leaves := testkit.Leaves(b.N)
	ctx := context.Background()
	latencies := make([]time.Duration, b.N)
	b.ResetTimer()
	elapsed := testkit.Concurrently(benchWriters, len(leaves), func(i int) bool {
		t0 := time.Now()
		idx, err := l.Append(ctx, leaves[i])
		if err != nil {
			b.Error(err)
			return false
		}
		raw, err := l.Await(ctx, idx)
		if err != nil {
			b.Error(err)
			return false
		}
		cp, cosigned, err := ledger.VerifyCheckpoint(raw, vkey, []string{w.VKey})
		if err != nil || len(cosigned) != 1 {
			b.Errorf("checkpoint: %v cosigned by %v", err, cosigned)
			return false
		}
		p, err := l.InclusionProof(ctx, idx, cp.Size)
		if err != nil {
			b.Error(err)
			return false
		}
		latencies[i] = time.Since(t0)
		if err := ledger.VerifyInclusion(leaves[i], idx, p, cp); err != nil {
			b.Error(err)
			return false
		}
		return true
	})
	b.StopTimer()
	testkit.ReportLatencies(b, latencies)
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
	for chunk := range slices.Chunk(testkit.Leaves(entries), 10_000) {
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
