package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/scenario"
)

// BenchmarkAPIRead serves the demo process over real loopback HTTP and
// reads a mix of lists and items as a negotiator, from parallel clients. It
// reports throughput and latency percentiles; the targets are in
// ARCHITECTURE.md, and nothing here asserts them.
func BenchmarkAPIRead(b *testing.B) {
	f := newFixture(b)
	srv := httptest.NewServer(f.api)
	defer srv.Close()
	const login = "ua-negotiator"
	token := f.tokens[login]
	v := access.ViewerOf(f.principal(b, login))

	var urls []string
	for k, es := range f.truth(b) {
		kind, _ := scenario.Registry().Kind(k)
		urls = append(urls, srv.URL+Prefix+"/"+kind.Collection, srv.URL+Prefix+"/"+kind.Collection+"?limit=5")
		for _, e := range es {
			if access.CanSee(v, e.Audience) {
				urls = append(urls, srv.URL+Prefix+"/"+kind.Collection+"/"+e.ID)
			}
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}
	defer client.CloseIdleConnections()

	var (
		mu        sync.Mutex
		latencies []time.Duration
		next      atomic.Uint64
	)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			u := urls[next.Add(1)%uint64(len(urls))]
			req, _ := http.NewRequest("GET", u, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d", u, resp.StatusCode)
				return
			}
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
