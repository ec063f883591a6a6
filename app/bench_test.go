package app_test

// Throughput and latency of the commit path, side by side in one run:
//
//	go test -run '^$' -bench 'BareTessera|CommitStore' -benchtime 20000x ./app/
//	go test -run '^$' -bench 'WriteToProof|Proofs' -benchtime 2000x ./app/
//
// BareTessera is the ceiling (tessera's POSIX appender alone, no store);
// CommitStoreOnly is the store alone (a service without a log);
// CommitStoreAndLog is the whole commit path, store and log, without
// witnesses (they are off the write path). The log runs with its
// production defaults (BatchAge 20ms, CheckpointInterval 500ms).

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"
)

const (
	// benchAdders fill tessera's 1024-entry batches without waiting for
	// their age.
	benchAdders = 1024
	// benchWriters is the number of concurrent writers through the
	// service: as many as bare tessera's adders, so that both are
	// measured on the same load (each client waits for its answer).
	benchWriters = 1024
)

// BenchmarkBareTessera measures tessera's POSIX appender alone: no store,
// no parley code, no witness; many concurrent adders, each awaiting its
// future.
func BenchmarkBareTessera(b *testing.B) {
	testkit.BareTessera(b, benchAdders)
}

// benchInstall returns a started installation with one party and a
// mediator to write as. With withLog, the log has the production defaults
// and a witness of each name, all of which must cosign.
func benchInstall(b *testing.B, withLog bool, witnesses ...string) (*install, access.Principal) {
	b.Helper()
	in := newInstall(b)
	for _, name := range witnesses {
		in.witnesses = append(in.witnesses, testkit.NewWitness(b, name, in.vkey).Config())
	}
	in.batchAge, in.checkpointInterval, in.witnessTimeout = 0, 0, 0
	in.start(withLog)
	ctx := context.Background()
	if err := in.svc.Bootstrap(ctx, &talks.Party{ID: "us", Name: "United States", Role: access.ProcessMediator}); err != nil {
		b.Fatal(err)
	}
	p, err := in.svc.AddPrincipal(ctx, app.NewPrincipal{Login: "bench", Party: "us", Roles: []access.Role{access.RoleMediator}})
	if err != nil {
		b.Fatal(err)
	}
	return in, p
}

// writeAll has benchWriters goroutines commit n aspects between them,
// calling each(i, receipt) after each write, and returns the time taken.
func writeAll(b *testing.B, svc *app.Service, p access.Principal, n int, each func(i int, start time.Time, rc app.Receipt)) time.Duration {
	b.Helper()
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = aspectBody(fmt.Sprintf("Benchmark aspect %d", i))
	}
	ctx := context.Background()
	b.ResetTimer()
	elapsed := testkit.Concurrently(benchWriters, n, func(i int) bool {
		t0 := time.Now()
		w, err := svc.Create(ctx, p, talks.KindAspect, bodies[i])
		if err != nil {
			b.Error(err)
			return false
		}
		if each != nil {
			each(i, t0, w.Receipt)
		}
		return true
	})
	b.StopTimer()
	return elapsed
}

// BenchmarkCommitStoreOnly measures group commit into SQLite alone: a
// service without a log, benchWriters concurrent writers.
func BenchmarkCommitStoreOnly(b *testing.B) {
	in, p := benchInstall(b, false)
	elapsed := writeAll(b, in.svc, p, b.N, nil)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// BenchmarkCommitStoreAndLog measures the whole commit path: the store
// transaction, the log append and the leaf-index transaction, with no
// witness. Every write is answered with its leaf index.
func BenchmarkCommitStoreAndLog(b *testing.B) {
	in, p := benchInstall(b, true)
	var missing atomic.Int64
	elapsed := writeAll(b, in.svc, p, b.N, func(_ int, _ time.Time, rc app.Receipt) {
		if rc.LeafIndex == nil {
			missing.Add(1)
		}
	})
	if missing.Load() > 0 {
		b.Errorf("%d receipts without a leaf index", missing.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// BenchmarkWriteToProof measures, per record, the time from the start of
// svc.Create until svc.Proof answers (polled every 20ms): the store, the
// log, the next checkpoint, one in-process witness's cosignature and the
// publication, with the production defaults (checkpoint every 500ms), and
// 64 concurrent writers. In "closed-loop" each writer writes again as soon
// as its proof is there, so the writers fall into step with the checkpoint
// interval and wait for nearly all of it; in "jittered" each first waits a
// random 0-500ms, so writes arrive at any point of the interval, as
// independent users' do.
func BenchmarkWriteToProof(b *testing.B) {
	for _, jitter := range []bool{false, true} {
		name := "closed-loop"
		if jitter {
			name = "jittered"
		}
		b.Run(name, func(b *testing.B) { benchWriteToProof(b, jitter) })
	}
}

func benchWriteToProof(b *testing.B, jitter bool) {
	const writers = 64
	// The witness needs the log's key before the log is opened with it.
	in, p := benchInstall(b, true, "ua")
	ctx := context.Background()
	latencies := make([]time.Duration, b.N)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = aspectBody(fmt.Sprintf("Proven aspect %d", i))
	}
	b.ResetTimer()
	elapsed := testkit.Concurrently(writers, b.N, func(i int) bool {
		if jitter {
			time.Sleep(mrand.N(500 * time.Millisecond))
		}
		t0 := time.Now()
		wr, err := in.svc.Create(ctx, p, talks.KindAspect, bodies[i])
		if err != nil {
			b.Error(err)
			return false
		}
		for {
			_, err := in.svc.Proof(ctx, &p, wr.Receipt.RecordID)
			if err == nil {
				break
			}
			if app.ErrorCode(err) != app.CodeUnavailable || time.Since(t0) > time.Minute {
				b.Errorf("Proof(%s): %v", wr.Receipt.RecordID, err)
				return false
			}
			time.Sleep(20 * time.Millisecond)
		}
		latencies[i] = time.Since(t0)
		return true
	})
	b.StopTimer()
	testkit.ReportLatencies(b, latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// BenchmarkProofs measures svc.Proof: a store read, the published
// checkpoint and an inclusion proof from the tiles, for random records of a
// 5,000-record log, in parallel.
func BenchmarkProofs(b *testing.B) {
	const records = 5000
	in, p := benchInstall(b, true)
	ids := make([]string, records)
	writeAll(b, in.svc, p, records, func(i int, _ time.Time, rc app.Receipt) { ids[i] = rc.RecordID })
	awaitProof(b, in.svc, p, ids[records-1], 30*time.Second)
	for _, id := range ids {
		awaitProof(b, in.svc, p, id, 30*time.Second)
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := in.svc.Proof(ctx, &p, ids[mrand.IntN(records)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "proofs/s")
}
