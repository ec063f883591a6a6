package storetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// List1M is how many entities BenchmarkList1M lists: all of one kind,
// List1MKind.
const (
	List1M     = 1_000_000
	List1MKind = "session"
)

// list1MYear is the year the benchmark's entities' times are spread over.
var list1MYear = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// list1MParties are the parties the entities belong to, round robin; the
// benchmark reads as a negotiator of the first.
var list1MParties = []string{"ua", "ru", "us"}

var list1MStatuses = []string{"scheduled", "held", "postponed", "cancelled", "closed"}

var list1MFormats = []string{"plenary", "joint", "direct", "working-group", "shuttle", "leaders", "bilateral", "social"}

// list1MEntity returns the benchmark's entity number i (0-based): created
// in order (CreatedSeq i+1), of party i mod 3 and one of five statuses, at a
// time of 2025 that a multiplicative hash of i spreads over the year (so
// that time and creation order are unrelated), in one of 50 rounds, with
// one field (its format), and an audience of the four kinds a negotiator
// of one party may see part of.
func list1MEntity(i int) store.Entity {
	party := list1MParties[i%len(list1MParties)]
	const year = 365 * 24 * 3600
	at := list1MYear.Add(time.Duration(uint64(i)*2654435761%year) * time.Second)
	var a record.Audience
	switch i % 4 {
	case 0:
		a = record.Audience{Scope: record.Public}
	case 1:
		a = record.Audience{Scope: record.Parties}
	case 2:
		a = record.Audience{Scope: record.PartyMediator, Party: party}
	case 3:
		a = record.Audience{Scope: record.PartyOnly, Party: party}
	}
	format := list1MFormats[(i/7)%len(list1MFormats)]
	created := list1MYear.Add(time.Duration(i) * 10 * time.Second)
	return store.Entity{
		Kind:       List1MKind,
		ID:         fmt.Sprintf("s%07d", i),
		Parent:     fmt.Sprintf("round-%02d", i/(List1M/50)),
		Audience:   a,
		RecordID:   fmt.Sprintf("r%07d", i),
		Version:    1,
		CreatedSeq: int64(i + 1),
		Created:    created,
		Updated:    created,
		Body:       json.RawMessage(fmt.Sprintf(`{"title":"Session %d","format":%q,"starts_at":%q}`, i, format, at.Format(time.RFC3339))),
		Party:      party,
		Status:     list1MStatuses[(i/3)%len(list1MStatuses)],
		At:         at,
		Fields:     map[string][]string{"format": {format}},
	}
}

// list1MLoaded is the setting LoadList1M sets once every entity is in.
const list1MLoaded = "storetest/list1m"

// LoadList1M puts BenchmarkList1M's entities into s through the Tx API, in
// transactions of 20,000, unless a previous load finished (it marks the
// store with a setting). logf, if not nil, reports progress.
func LoadList1M(ctx context.Context, s store.Store, logf func(format string, args ...any)) error {
	if v, err := s.Meta(ctx, list1MLoaded); err == nil && string(v) == strconv.Itoa(List1M) {
		return nil
	}
	const batch = 20_000
	start := time.Now()
	for from := 0; from < List1M; from += batch {
		err := s.Write(ctx, func(tx store.Tx) error {
			for i := from; i < min(from+batch, List1M); i++ {
				if err := tx.PutEntity(ctx, list1MEntity(i)); err != nil {
					return err
				}
			}
			if from+batch >= List1M {
				return tx.SetMeta(ctx, list1MLoaded, []byte(strconv.Itoa(List1M)))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("loading the benchmark's entities from %d: %w", from, err)
		}
		if logf != nil && (from/batch)%10 == 9 {
			logf("loaded %d entities in %v", from+batch, time.Since(start).Round(time.Second))
		}
	}
	if logf != nil {
		logf("loaded %d entities in %v", List1M, time.Since(start).Round(time.Second))
	}
	return nil
}

// Explain returns a store's query plan for what Entities(ctx, v, q) runs,
// for the benchmark's log.
type Explain func(ctx context.Context, v access.Viewer, q store.Query) (string, error)

// BenchmarkList1M times list pages over the List1M entities of one kind
// that LoadList1M put into s, as a negotiator of party "ua" (who sees two
// thirds of them), 50 to a page:
//
//   - first: the first page, in creation order;
//   - deep: the page after 10,000 entities (200 pages of 50, read once to
//     take the cursor), in creation order;
//   - filtered: the first page of party ua's entities in one month, by
//     time, the month changing with every operation;
//   - filtered-deep: a page of party ua's June, by time, 10,000 entities
//     deep (the cursor taken by reading 200 pages of it).
//
// Each reports the median and 99th percentile latency of its pages, its
// allocations, the process's peak RSS since it started (VmHWM, loading
// included), and the peak RSS during its timed pages alone (VmHWM reset
// first, where Linux allows), and the machine's load average over the last
// minute: on a shared machine a p99 means little without it.
// explain, if not nil, logs each query's plan.
func BenchmarkList1M(b *testing.B, s store.Store, explain Explain) {
	ctx := context.Background()
	v := access.ViewerOf(access.Principal{ID: "p-ua", Login: "ua-negotiator", Party: "ua", PartyRole: access.ProcessParty})
	first := store.Query{Kind: List1MKind, Limit: 50}
	month := func(m int) store.Query {
		from := list1MYear.AddDate(0, m%12, 0)
		return store.Query{Kind: List1MKind, Party: "ua", From: from, To: from.AddDate(0, 1, 0), Order: store.OrderAt, Limit: 50}
	}
	// cursor reads 200 pages of q and returns q after the last of them.
	cursor := func(q store.Query) store.Query {
		for range 200 {
			es, more, err := s.Entities(ctx, v, q)
			if err != nil {
				b.Fatal(err)
			}
			if !more || len(es) != q.Limit {
				b.Fatalf("%s: the list ended before 200 pages", describe(q))
			}
			q.After, q.AfterAt = es[len(es)-1].CreatedSeq, es[len(es)-1].At
		}
		return q
	}
	deep := cursor(first)
	filteredDeep := cursor(month(5))

	cases := []struct {
		name string
		q    func(i int) store.Query
	}{
		{"first", func(int) store.Query { return first }},
		{"deep", func(int) store.Query { return deep }},
		{"filtered", month},
		{"filtered-deep", func(int) store.Query { return filteredDeep }},
	}
	for _, c := range cases {
		if explain != nil {
			plan, err := explain(ctx, v, c.q(5))
			if err != nil {
				b.Fatalf("%s: explain: %v", c.name, err)
			}
			b.Logf("%s: %s\n%s", c.name, describe(c.q(5)), plan)
		}
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			peakRSS = max(peakRSS, vmHWM())
			resetHWM := resetPeakRSS()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q := c.q(i)
				i++
				start := time.Now()
				es, more, err := s.Entities(ctx, v, q)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != q.Limit || !more {
					b.Fatalf("%s: a page of %d (more %v), want a full page and more", describe(q), len(es), more)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p int) float64 {
				return float64(lat[min(len(lat)-1, len(lat)*p/100)]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(50), "p50-ms")
			b.ReportMetric(pct(99), "p99-ms")
			if l, ok := loadAvg(); ok {
				b.ReportMetric(l, "loadavg")
			}
			hwm := vmHWM()
			peakRSS = max(peakRSS, hwm)
			b.ReportMetric(peakRSS, "peak-RSS-MB")
			if resetHWM {
				b.ReportMetric(hwm, "loop-peak-RSS-MB")
			}
		})
	}
}

// peakRSS is the highest VmHWM read so far, in MiB: the process's peak
// RSS, which resetPeakRSS would otherwise forget.
var peakRSS float64

// vmHWM returns the process's peak resident set size (VmHWM) in MiB, or 0
// where /proc/self/status does not say.
func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux: "5" into
// /proc/self/clear_refs), so that a later vmHWM is the peak since; it
// reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// loadAvg returns the machine's load average over the last minute, where
// /proc/loadavg says it.
func loadAvg() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f, _, _ := strings.Cut(string(b), " ")
	l, err := strconv.ParseFloat(f, 64)
	return l, err == nil
}
