package load

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(.5) != 0 {
		t.Errorf("the median of nothing = %v, want 0", h.quantile(.5))
	}
	// 1ms to 100ms, one of each: the median is 50ms, the 99th percentile
	// 99ms, to within a bucket's width (about 1.1 %), never below.
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{.5, 50 * time.Millisecond}, {.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {.001, time.Millisecond}} {
		got := h.quantile(tc.q)
		if got < tc.want || float64(got) > float64(tc.want)*1.012 {
			t.Errorf("quantile(%v) = %v, want %v to within 1.2%%", tc.q, got, tc.want)
		}
	}
	if h.quantile(1) != 100*time.Millisecond || h.max != 100*time.Millisecond {
		t.Errorf("the maximum is %v (quantile 1: %v), want exactly 100ms", h.max, h.quantile(1))
	}
	// Below a microsecond, and an outlier far above: both counted.
	h.add(0)
	h.add(time.Minute)
	if h.n != 102 || h.quantile(1) != time.Minute {
		t.Errorf("n = %d, max quantile %v", h.n, h.quantile(1))
	}
}

func TestPeriodReadsMerge(t *testing.T) {
	p := newPeriod(time.Now())
	p.op(opList).add(time.Millisecond)
	p.op(opProof).add(3 * time.Millisecond)
	p.op(opProof).add(5 * time.Millisecond)
	p.op(opWrite).add(time.Second)
	r := p.reads()
	if r.n != 3 || r.max != 5*time.Millisecond {
		t.Errorf("reads merged: n %d, max %v; want 3 reads, max 5ms (the write left out)", r.n, r.max)
	}
}

func TestErrorTally(t *testing.T) {
	tally := errorTally{}
	tally.add("write 503 unavailable", "first")
	tally.add("read-proof connection refused", "refused")
	tally.add("read-proof connection refused", "again")
	if got, want := tally.String(), "read-proof connection refused: 2, write 503 unavailable: 1"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if tally.total() != 3 || tally["read-proof connection refused"].sample != "refused" {
		t.Errorf("total %d, sample %q: want 3 and the first message", tally.total(), tally["read-proof connection refused"].sample)
	}
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://127.0.0.2:1/", "http://[::1]:8080/", "http://localhost:80/parley/"} {
		u, err := CheckURL(ok)
		if err != nil || !strings.HasSuffix(u.Path, "/") {
			t.Errorf("CheckURL(%q) = %v, %v; want it accepted, with a path ending in /", ok, u, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080/", "https://parley.example/", "ftp://127.0.0.1/", "127.0.0.1:8080", "http://localhost.example/"} {
		if _, err := CheckURL(bad); err == nil {
			t.Errorf("CheckURL(%q) accepted a URL that is not of a loopback address", bad)
		}
	}
}

func TestFailureClasses(t *testing.T) {
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: err} }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{wrap(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), "write connection refused"},
		{wrap(&net.OpError{Op: "read", Err: syscall.ECONNRESET}), "write connection reset"},
		{wrap(io.EOF), "write connection closed"},
		{wrap(context.DeadlineExceeded), "write timeout"},
		{wrap(errors.New("something else")), "write transport error"},
	} {
		if got, _ := failure(opWrite, tc.err); got != tc.want {
			t.Errorf("failure(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	kind, msg := refusal(opWrite, response{status: http.StatusForbidden,
		body: []byte(`{"error":{"code":"forbidden","message":"may not write","field":"owner_party"}}`)})
	if kind != "write 403 forbidden" || msg != "owner_party: may not write" {
		t.Errorf("refusal = %q, %q", kind, msg)
	}
	kind, _ = refusal(opList, response{status: http.StatusBadGateway, body: []byte("bad gateway")})
	if kind != "read-list 502" {
		t.Errorf("refusal of a non-API answer = %q", kind)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
go_memstats_heap_inuse_bytes 1.048576e+07
http_requests_total{code="200",method="GET",route="GET /healthz"} 3
process_open_fds 17
process_resident_memory_bytes 8.388608e+07
`
	m, err := parseMetrics([]byte(text))
	if err != nil || m.goroutines != 42 || m.heap != 10<<20 || m.rss != 80<<20 || m.fds != 17 {
		t.Errorf("parseMetrics = %+v, %v", m, err)
	}
	if _, err := parseMetrics([]byte("up 1\n")); err == nil {
		t.Error("parseMetrics of a page without the memory series succeeded")
	}
	if _, err := parseMetrics([]byte("go_goroutines many\n")); err == nil {
		t.Error("parseMetrics of a value that is no number succeeded")
	}
	if got := mib(80 << 20); got != "80.0MiB" {
		t.Errorf("mib = %q", got)
	}
	for d, want := range map[time.Duration]string{0: "-", 1500 * time.Microsecond: "1.50ms", 250 * time.Millisecond: "250.0ms", 12 * time.Second: "12.0s"} {
		if got := ms(d); got != want {
			t.Errorf("ms(%v) = %q, want %q", d, got, want)
		}
	}
}
