package monitor

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/parley-project/parley/geo"
)

// demoLine is a line of contact about 1,000 km long, as the demo draws it.
var demoLine = points([2]float64{37.6, 49.9}, [2]float64{38.0, 49.0}, [2]float64{37.8, 48.6}, [2]float64{37.4, 48.2}, [2]float64{36.6, 47.8},
	[2]float64{36.0, 47.55}, [2]float64{35.4, 47.45}, [2]float64{34.6, 47.3}, [2]float64{33.4, 46.8}, [2]float64{32.5, 46.5})

// points makes a line from longitude-latitude pairs.
func points(cs ...[2]float64) []geo.Point {
	out := make([]geo.Point, len(cs))
	for i, c := range cs {
		out[i] = geo.Point{Lon: c[0], Lat: c[1]}
	}
	return out
}

func sightings(g []Generated) ([]Sighting, []int) {
	s := make([]Sighting, len(g))
	truth := make([]int, len(g))
	for i, x := range g {
		s[i], _ = SightingOf(&x.Report, DefaultClusterConfig)
		truth[i] = x.Event
	}
	return s, truth
}

// blind reads sightings as if every report were precise: its day's
// midnight its time, a settlement's coordinates its place.
func blind(s []Sighting) []Sighting {
	out := slices.Clone(s)
	for i := range out {
		out[i].Span, out[i].Radius = 0, 0
	}
	return out
}

// dbscanByWeaponAndHour is the baseline the issue names: reports bucketed
// by weapon class and hour, and within a bucket linked when within the
// distance (DBSCAN with one point as a core).
func dbscanByWeaponAndHour(s []Sighting, eps float64) []int {
	buckets := map[string][]int{}
	for i, x := range s {
		k := fmt.Sprintf("%s/%d", x.Weapon, x.At.Unix()/3600)
		buckets[k] = append(buckets[k], i)
	}
	label := make([]int, len(s))
	for i := range label {
		label[i] = -1
	}
	next := 0
	for _, b := range buckets {
		for _, i := range b {
			if label[i] >= 0 {
				continue
			}
			label[i] = next
			queue := []int{i}
			for len(queue) > 0 {
				j := queue[0]
				queue = queue[1:]
				for _, k := range b {
					if label[k] < 0 && geo.Distance(s[j].Point, s[k].Point) <= eps {
						label[k] = next
						queue = append(queue, k)
					}
				}
			}
			next++
		}
	}
	return label
}

// TestCorroborationQuality: on synthetic reports with a known truth (900
// events a day along a 1,000 km line, each seen by 1 to 5 sources),
// pairwise F1 of Cluster is at least 0.97, and it beats the baseline of
// DBSCAN bucketed by weapon and hour on the same reports.
func TestCorroborationQuality(t *testing.T) {
	g := Generate(GenConfig{Reports: 30000, Line: demoLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Seed: 1})
	s, truth := sightings(g)
	p, r, f1 := PairScores(Cluster(s, DefaultClusterConfig, Links{}), truth)
	bp, br, bf1 := PairScores(dbscanByWeaponAndHour(s, DefaultClusterConfig.Distance), truth)
	t.Logf("%d reports: Cluster precision %.4f recall %.4f F1 %.4f; DBSCAN by weapon and hour precision %.4f recall %.4f F1 %.4f",
		len(s), p, r, f1, bp, br, bf1)
	if f1 < 0.97 || f1 <= bf1 {
		t.Errorf("Cluster's F1 is %.4f (want 0.97 at least, and above the baseline's %.4f)", f1, bf1)
	}
}

// TestCorroborationWithPrecision: when a fifth of the reports give only
// their day or a nearby settlement, reading their precision keeps F1
// above reading them as exact, side by side on the same reports.
func TestCorroborationWithPrecision(t *testing.T) {
	g := Generate(GenConfig{Reports: 30000, Line: demoLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Coarse: 0.2, Seed: 2})
	s, truth := sightings(g)
	p, r, f1 := PairScores(Cluster(s, DefaultClusterConfig, Links{}), truth)
	bp, br, bf1 := PairScores(Cluster(blind(s), DefaultClusterConfig, Links{}), truth)
	t.Logf("%d reports, a fifth coarse: with precision read, precision %.4f recall %.4f F1 %.4f; read as exact, precision %.4f recall %.4f F1 %.4f",
		len(s), p, r, f1, bp, br, bf1)
	if f1 <= bf1 {
		t.Errorf("reading precision gives F1 %.4f, no better than reading every report as exact (%.4f)", f1, bf1)
	}
}

func TestPairScores(t *testing.T) {
	p, r, f1 := PairScores([]int{0, 0, 1, 1}, []int{0, 0, 0, 1})
	// Put together: (0,1) right, (2,3) wrong. Belong together: (0,1)
	// found, (0,2) and (1,2) not.
	if p != 0.5 || math.Abs(r-1.0/3) > 1e-9 || math.Abs(f1-0.4) > 1e-9 {
		t.Errorf("PairScores = %g, %g, %g; want 0.5, 1/3, 0.4", p, r, f1)
	}
}

// BenchmarkClassifyAndCluster measures, on 200,000 synthetic reports (900
// events a day along the demo's line), classification against the demo's
// kinds of zones and corroboration, each per report:
//
//	go test ./monitor -run '^$' -bench ClassifyAndCluster -benchtime 3x
func BenchmarkClassifyAndCluster(b *testing.B) {
	g := Generate(GenConfig{Reports: 200000, Line: demoLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Seed: 1})
	s, _ := sightings(g)
	zones := []*Zone{
		{Name: "Line", ZoneType: ZoneContactLine, LeftParty: "b", RightParty: "a",
			Geometry: `{"type":"LineString","coordinates":[[37.6,49.9],[38.0,49.0],[37.8,48.6],[37.4,48.2],[36.6,47.8],[36.0,47.55],[35.4,47.45],[34.6,47.3],[33.4,46.8],[32.5,46.5]]}`},
		{Name: "Plant", ZoneType: ZoneExclusion, RadiusKm: 30, Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`},
		{Name: "Plant object", ZoneType: ZoneProtected, ProtectedClass: "nuclear", Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`},
		{Name: "Region", ZoneType: ZoneRegion, Geometry: `{"type":"Polygon","coordinates":[[[34.9,48.9],[38.1,48.9],[38.1,50.45],[34.9,50.45],[34.9,48.9]]]}`},
	}
	placed, err := Place([]string{"l", "p", "o", "r"}, zones)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("classify", func(b *testing.B) {
		for b.Loop() {
			for i := range g {
				Classify(placed, &g[i].Report)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(g)), "ns/report")
	})
	b.Run("cluster", func(b *testing.B) {
		for b.Loop() {
			Cluster(s, DefaultClusterConfig, Links{})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(s)), "ns/report")
	})
}

// TestFiguresSideBySide: one event's conflicting figures are kept with
// their sources, never averaged; reports without coordinates stand alone.
func TestFiguresSideBySide(t *testing.T) {
	lat, lon := 49.99, 36.23
	a := &Report{SourceName: "Regional head", OccurredAt: "2026-01-24T02:00:00+02:00", Lat: &lat, Lon: &lon, WeaponClass: "attack-drone",
		Casualties: []Casualty{{Kind: "wounded", Group: "unknown", Low: 27, High: 27}}}
	lat2, lon2 := 49.995, 36.235
	b := &Report{SourceName: "City council", OccurredAt: "2026-01-24T02:20:00+02:00", Lat: &lat2, Lon: &lon2, WeaponClass: "unknown",
		Casualties: []Casualty{{Kind: "wounded", Group: "unknown", Low: 25, High: 25}}}
	c := &Report{SourceName: "National news", OccurredAt: "2026-01-24", PlacePrecision: "region"}
	of := Corroborate([]*Report{a, b, c}, DefaultClusterConfig, Links{})
	if of[0] != of[1] || of[2] == of[0] {
		t.Fatalf("incidents %v: want the first two together, the third alone", of)
	}
	if got := Figures([]*Report{a, b}); len(got) != 1 || got[0] != "wounded (unknown): 27 (Regional head); 25 (City council)" {
		t.Errorf("Figures = %q", got)
	}
}

// TestLinks: a monitor's merge joins reports the thresholds would keep
// apart, its split keeps apart reports they would join, and a report
// without coordinates merged with others shares their incident.
func TestLinks(t *testing.T) {
	at := func(m int) string { return time.Date(2026, 1, 24, 2, m, 0, 0, time.UTC).Format(time.RFC3339) }
	pt := func(lat, lon float64) (*float64, *float64) { return &lat, &lon }
	mk := func(src string, m int, lat, lon float64) *Report {
		a, o := pt(lat, lon)
		return &Report{SourceName: src, OccurredAt: at(m), Lat: a, Lon: o, WeaponClass: "attack-drone"}
	}
	rs := []*Report{mk("A", 0, 50.0, 36.0), mk("B", 5, 50.001, 36.001), mk("C", 10, 50.5, 37.0), {SourceName: "D", OccurredAt: "2026-01-24"}}
	if of := Corroborate(rs, DefaultClusterConfig, Links{}); of[0] != of[1] || of[0] == of[2] || of[3] == of[0] {
		t.Fatalf("without links: %v", of)
	}
	of := Corroborate(rs, DefaultClusterConfig, LinksOf([]*Linkage{
		{Action: LinkApart, Reports: []string{"a", "b"}},
		{Action: LinkTogether, Reports: []string{"a", "c", "d"}},
	}, []string{"a", "b", "c", "d"}))
	if of[0] == of[1] || of[0] != of[2] || of[0] != of[3] {
		t.Errorf("with a split of a and b and a merge of a, c and d: %v", of)
	}
	// Merges that share a report are one group, with every report of it.
	if l := LinksOf([]*Linkage{{Action: LinkTogether, Reports: []string{"a", "c"}}, {Action: LinkTogether, Reports: []string{"c", "d"}}},
		[]string{"a", "b", "c", "d"}); fmt.Sprint(l.Together) != "[[0 2 3]]" {
		t.Errorf("LinksOf merges: %v, want [[0 2 3]]", l.Together)
	}
	of = Corroborate(rs, DefaultClusterConfig, LinksOf([]*Linkage{
		{Action: LinkTogether, Reports: []string{"a", "c"}}, {Action: LinkTogether, Reports: []string{"c", "d"}},
	}, []string{"a", "b", "c", "d"}))
	if of[0] != of[2] || of[2] != of[3] {
		t.Errorf("merges of a with c and of c with d: %v, want one incident", of)
	}
}

// TestNoPairMissed: two reports of different sources, at the same time and
// within the distance, are always one incident, wherever they are (the
// search grid's cells scale with latitude).
func TestNoPairMissed(t *testing.T) {
	at := time.Date(2026, 1, 24, 2, 0, 0, 0, time.UTC)
	missed := 0
	for _, base := range []geo.Point{{Lon: 37, Lat: 48}, {Lon: 170, Lat: 60}, {Lon: 20, Lat: 70}} {
		for k := range 2000 {
			angle := float64(k) * 2.399963 // spread the directions
			q := offset(base, 4900*math.Cos(angle), 4900*math.Sin(angle))
			p := offset(base, float64(k%7)*3000, float64(k%5)*3000) // move the pair around its cell
			q = offset(q, float64(k%7)*3000, float64(k%5)*3000)
			s := []Sighting{{At: at, Point: p, Weapon: "artillery", Source: "A"}, {At: at, Point: q, Weapon: "artillery", Source: "B"}}
			if geo.Distance(p, q) > DefaultClusterConfig.Distance {
				continue
			}
			if of := Cluster(s, DefaultClusterConfig, Links{}); of[0] != of[1] {
				missed++
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d pairs within the distance were not joined", missed)
	}
}

// TestPrecisionJoins: a report of the night, or by a settlement's
// coordinates, corroborates the exact reports of the strike it fits, and
// stays out of one that does not fit its span or its reach.
func TestPrecisionJoins(t *testing.T) {
	rep := func(source, at, tp, pp string, lat, lon float64, weapon string) *Report {
		return &Report{SourceName: source, OccurredAt: at, TimePrecision: tp, PlacePrecision: pp, Lat: &lat, Lon: &lon, WeaponClass: weapon}
	}
	rs := []*Report{
		rep("Patrol 1", "2026-01-24T01:30:00+02:00", "exact", "coordinates", 50.45, 30.52, "attack-drone"),
		rep("Sensor 1", "2026-01-24T01:40:00+02:00", "exact", "coordinates", 50.46, 30.52, "attack-drone"),
		// The night of 23 to 24 January, in Kyiv: the strike above.
		rep("Official", "2026-01-24T00:00:00+02:00", "night-of", "settlement", 50.4501, 30.5234, "unknown"),
		// The same day, 8 km off by a settlement: the strike above too.
		rep("Outlet", "2026-01-24T00:00:00+02:00", "day", "settlement", 50.52, 30.52, "attack-drone"),
		// A strike at 15:00 the same day, far away: its own incident.
		rep("Patrol 2", "2026-01-24T15:00:00+02:00", "exact", "coordinates", 49.99, 36.23, "artillery"),
		// The night of 24 to 25, in Kyiv: not the strike of the night before.
		rep("Official", "2026-01-25T00:00:00+02:00", "night-of", "settlement", 50.4501, 30.5234, "unknown"),
	}
	of := Corroborate(rs, DefaultClusterConfig, Links{})
	if of[0] != of[1] || of[2] != of[0] || of[3] != of[0] || of[4] == of[0] || of[5] == of[0] || of[5] == of[4] {
		t.Errorf("incidents %v; want the first four together, the last two each alone", of)
	}
	s, ok := SightingOf(rs[2], DefaultClusterConfig)
	if !ok || s.Span != 12*time.Hour || !s.At.Equal(time.Date(2026, 1, 23, 16, 0, 0, 0, time.UTC)) || s.Radius != DefaultClusterConfig.SettlementRadius {
		t.Errorf("the night's sighting is %+v", s)
	}
}

// TestClusterInParts: clustering run in parts at once, each part's pass
// then handed over from the pass before it, gives what clustering in one
// pass gives, incident for incident and in the same order.
func TestClusterInParts(t *testing.T) {
	g := Generate(GenConfig{Reports: 4 * minSpeculative, Line: demoLine, Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), EventsPerDay: 900, Seed: 7})
	s, _ := sightings(g)
	precise := make([]int, len(s))
	for i := range precise {
		precise[i] = i
	}
	members := func(parts int) [][]int {
		var out [][]int
		for _, c := range clusterPrecise(s, precise, DefaultClusterConfig, Links{}, parts) {
			out = append(out, c.members)
		}
		return out
	}
	want := members(1)
	for _, parts := range []int{2, 3, 4} {
		got := members(parts)
		if len(got) != len(want) {
			t.Fatalf("%d parts: %d incidents, in one pass %d", parts, len(got), len(want))
		}
		for n := range want {
			if !slices.Equal(got[n], want[n]) {
				t.Fatalf("%d parts: incident %d has %v, in one pass %v", parts, n, got[n], want[n])
			}
		}
	}
}

// TestHaversine: the distance clustering computes with cosines kept is
// geo.Distance, to well under a millimetre.
func TestHaversine(t *testing.T) {
	for _, c := range [][2]geo.Point{{{Lon: 36.23, Lat: 49.99}, {Lon: 36.3, Lat: 50.02}}, {{Lon: 32.5, Lat: 46.5}, {Lon: 38.0, Lat: 49.0}},
		{{Lon: -0.1, Lat: 51.5}, {Lon: -0.1, Lat: 51.5}}, {{Lon: 179.9, Lat: -10}, {Lon: -179.9, Lat: -10.2}}} {
		a, b := c[0], c[1]
		got := geo.DistanceCos(a, math.Cos(a.Lat*math.Pi/180), b, math.Cos(b.Lat*math.Pi/180))
		if want := geo.Distance(a, b); math.Abs(got-want) > 1e-4 {
			t.Errorf("DistanceCos(%v, %v) = %f m, geo.Distance %f m", a, b, got, want)
		}
	}
}

// TestClusterInPartsRounding: an incident whose mean time rounds a hair
// past its members' times is still counted open when a part is handed
// over; five reports at one time with a nanosecond part make it so. Cut
// into two parts, the reports give the incidents of one pass.
func TestClusterInPartsRounding(t *testing.T) {
	defer func(n int) { minSpeculative = n }(minSpeculative)
	minSpeculative = 1
	w := DefaultClusterConfig.Window
	at := time.Unix(0, 1769947200000000133).UTC()   // the mean of five of it rounds up
	late := time.Unix(0, 1769949900000000384).UTC() // the window and a hair after it
	p, q := geo.Point{Lon: 36.2, Lat: 50}, geo.Point{Lon: 30, Lat: 50}
	var s []Sighting
	add := func(when time.Time, where geo.Point, source string) {
		s = append(s, Sighting{At: when, Point: where, Weapon: "attack-drone", Source: source})
	}
	for i := range 16 { // the first part, far from the rest
		add(at.Add(-10*w-time.Duration(i)*time.Minute), geo.Point{Lon: 10 + float64(i), Lat: 10}, "filler")
	}
	add(at.Add(-w/2), p, "A")
	for i := range 5 {
		add(at, q, fmt.Sprint("source ", i))
	}
	for i := range 9 {
		add(at, geo.Point{Lon: 20 + float64(i), Lat: 40}, "elsewhere")
	}
	add(at.Add(w*4/10), p, "B")
	add(late, geo.Point{Lon: 5, Lat: 5}, "far")
	add(late.Add(time.Second), p, "C")
	precise := make([]int, len(s))
	for i := range precise {
		precise[i] = i
	}
	members := func(parts int) (out [][]int) {
		for _, c := range clusterPrecise(s, precise, DefaultClusterConfig, Links{}, parts) {
			out = append(out, c.members)
		}
		return out
	}
	if one, two := members(1), members(2); !slices.EqualFunc(one, two, slices.Equal) {
		t.Errorf("one pass: %v\ntwo parts: %v", one, two)
	}
}

// TestCorroborateLinksOutOfRange: a link naming a report that is not
// among those corroborated is left out, not a crash.
func TestCorroborateLinksOutOfRange(t *testing.T) {
	lat, lon := 50.0, 36.2
	r := &Report{OccurredAt: "2026-02-01T10:00:00Z", Lat: &lat, Lon: &lon, WeaponClass: "attack-drone", SourceName: "a"}
	for _, l := range []Links{{Together: [][]int{{0, 5}}}, {Together: [][]int{{-1, 0}}}, {Together: [][]int{{7}}}, {Apart: [][2]int{{0, 9}}}} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("links %+v: panic %v", l, p)
				}
			}()
			if of := Corroborate([]*Report{r, r}, DefaultClusterConfig, l); len(of) != 2 {
				t.Errorf("links %+v: %v", l, of)
			}
		}()
	}
}
