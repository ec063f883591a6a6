package load

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// histogram counts durations in logarithmic buckets, each about 1 % wide
// (bucketsPerDoubling per power of two of microseconds), so that the
// quantiles of a ten-minute run of millions of requests take a few
// kilobytes instead of a slice of every latency, and so that the load tool's
// own memory stays flat while it measures the server's.
type histogram struct {
	counts []int64
	n      int64
	sum    time.Duration
	max    time.Duration
}

const bucketsPerDoubling = 64

// bucket is the index of d's bucket: 0 for anything under 1µs.
func bucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	return 1 + int(math.Log2(us)*bucketsPerDoubling)
}

// upper is the largest duration bucket i holds.
func upper(i int) time.Duration {
	if i == 0 {
		return time.Microsecond
	}
	return time.Duration(math.Exp2(float64(i)/bucketsPerDoubling) * float64(time.Microsecond))
}

func (h *histogram) add(d time.Duration) {
	i := bucket(d)
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]int64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// quantile returns the q-quantile (0 < q <= 1): the upper bound of the
// bucket that holds it, never more than the largest duration seen, so it
// overstates the true value by at most the bucket's width. 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(upper(i), h.max)
		}
	}
	return h.max
}

// errorTally counts errors by kind ("write 503 unavailable", "read-proof
// connection refused"), keeping the first message of each kind: the
// message says what the kind alone does not.
type errorTally map[string]*errorCount

type errorCount struct {
	n      int64
	sample string
}

func (t errorTally) add(kind, sample string) {
	c := t[kind]
	if c == nil {
		c = &errorCount{sample: sample}
		t[kind] = c
	}
	c.n++
}

func (t errorTally) total() int64 {
	var n int64
	for _, c := range t {
		n += c.n
	}
	return n
}

// kinds returns the kinds, the most frequent first.
func (t errorTally) kinds() []string {
	kinds := make([]string, 0, len(t))
	for k := range t {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(t[b].n, t[a].n), strings.Compare(a, b))
	})
	return kinds
}

// String lists the kinds, the most frequent first: "read-proof connection
// refused: 5, write 503 unavailable: 3".
func (t errorTally) String() string {
	kinds := t.kinds()
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", k, t[k].n)
	}
	return strings.Join(parts, ", ")
}

// The operations whose latencies are kept apart.
const (
	opWrite  = "write"
	opList   = "read-list"
	opEntity = "read-entity"
	opProof  = "read-proof"
	// opPublish is no request: it is the time from sending a write to the
	// first checkpoint seen that covers its record, when the record
	// becomes provable.
	opPublish = "published"
	// Requests beside the load itself, whose failures are errors too.
	opCheckpoint = "checkpoint"
	opMetrics    = "metrics"
)

var readOps = []string{opList, opEntity, opProof}

// period is what happened in one report interval, or in the whole run.
type period struct {
	start  time.Time
	ops    map[string]*histogram
	errors errorTally
	// behind counts the writes the target rate called for that were not
	// sent because every writer was still busy: the server (or the
	// writers) could not keep up with the rate asked for.
	behind int64
}

func newPeriod(start time.Time) *period {
	return &period{start: start, ops: map[string]*histogram{}, errors: errorTally{}}
}

func (p *period) op(name string) *histogram {
	h := p.ops[name]
	if h == nil {
		h = &histogram{}
		p.ops[name] = h
	}
	return h
}

// reads merges the read operations' histograms.
func (p *period) reads() *histogram {
	var all histogram
	for _, name := range readOps {
		h := p.ops[name]
		if h == nil {
			continue
		}
		if len(h.counts) > len(all.counts) {
			all.counts = append(all.counts, make([]int64, len(h.counts)-len(all.counts))...)
		}
		for i, c := range h.counts {
			all.counts[i] += c
		}
		all.n += h.n
		all.sum += h.sum
		all.max = max(all.max, h.max)
	}
	return &all
}

// stats is shared by every worker: each outcome goes into the current
// interval and into the whole run's totals.
type stats struct {
	mu       sync.Mutex
	interval *period
	total    *period
}

func newStats(now time.Time) *stats {
	return &stats{interval: newPeriod(now), total: newPeriod(now)}
}

func (s *stats) ok(op string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval.op(op).add(d)
	s.total.op(op).add(d)
}

func (s *stats) fail(kind, sample string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval.errors.add(kind, sample)
	s.total.errors.add(kind, sample)
}

func (s *stats) behind(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval.behind += n
	s.total.behind += n
}

// next ends the current interval at now and returns it.
func (s *stats) next(now time.Time) *period {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.interval
	s.interval = newPeriod(now)
	return p
}

// errorCount returns the number of errors in the whole run so far.
func (s *stats) errorCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total.errors.total()
}
