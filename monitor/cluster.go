package monitor

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-project/parley/geo"
)

// ClusterConfig holds the thresholds of corroboration. The defaults
// (DefaultClusterConfig) suit reports of strikes that sources place within
// a few kilometres and tens of minutes of each other.
type ClusterConfig struct {
	// Distance is how far apart two reports of one event may be placed.
	Distance float64 // metres
	// Window is how far apart in time two reports of one event may be.
	Window time.Duration
	// SettlementRadius and RegionRadius are how far from its coordinates
	// an event may be that a report places by a settlement, or by a
	// region, rather than by its own coordinates.
	SettlementRadius, RegionRadius float64 // metres
}

// DefaultClusterConfig: 5 km and 45 minutes; a settlement's reach 10 km, a
// region's 100 km.
var DefaultClusterConfig = ClusterConfig{Distance: 5000, Window: 45 * time.Minute, SettlementRadius: 10000, RegionRadius: 100000}

// Sighting is what corroboration reads of a report: when and where, as
// precisely as the report says, what weapon, and who reports it.
type Sighting struct {
	// The event happened between At and At+Span (Span 0 for an exact
	// time), within Radius metres of Point (0 for coordinates of the
	// event itself).
	At     time.Time
	Span   time.Duration
	Point  geo.Point
	Radius float64
	Weapon string
	// Source identifies who reports: one source reports one event once,
	// so two of its reports are two events.
	Source string
}

// SightingOf reads a report as corroboration does, with the reach of its
// time and place precision (ACLED's and UCDP's convention: a report says
// how precise it is): an hour is that hour, a day that day, a night of the
// night from 18:00 to 06:00 around the time given (its midnight), a month
// that month; a settlement's coordinates reach cfg.SettlementRadius, a
// region's cfg.RegionRadius. A report without coordinates, or whose time
// cannot be read, is no sighting.
func SightingOf(r *Report, cfg ClusterConfig) (Sighting, bool) {
	p, ok := r.Point()
	t, err := ParseOccurred(r.OccurredAt)
	if !ok || err != nil {
		return Sighting{}, false
	}
	s := Sighting{At: t, Point: p, Weapon: r.WeaponClass, Source: r.SourceName}
	switch r.TimePrecision {
	case "hour":
		s.Span = time.Hour
	case "day":
		s.Span = 24 * time.Hour
	case "night-of":
		s.At, s.Span = t.Add(-6*time.Hour), 12*time.Hour
	case "month":
		s.Span = t.AddDate(0, 1, 0).Sub(t)
	}
	switch r.PlacePrecision {
	case "settlement":
		s.Radius = cfg.SettlementRadius
	case "region":
		s.Radius = cfg.RegionRadius
	}
	return s, true
}

// precise says whether a sighting is clustered among its peers (its time
// within the hour, its place its own coordinates), rather than attached
// afterwards to the incident it fits best.
func (s Sighting) precise() bool { return s.Span <= time.Hour && s.Radius == 0 }

// compatible reports whether two weapon classes can be one event's: the
// same, a missile's kinds together, or one of them not known.
func compatible(a, b string) bool {
	missiles := []string{"missile", "cruise-missile", "ballistic-missile"}
	switch {
	case a == b, a == "unknown", b == "unknown", a == "mixed", b == "mixed":
		return true
	case slices.Contains(missiles, a) && slices.Contains(missiles, b):
		return true
	}
	return false
}

// Links are a monitor's decisions about which reports are one event:
// Together groups reports of one incident whatever the thresholds say;
// Apart pairs reports that are never one incident. They index the
// sightings (or reports) clustered.
type Links struct {
	Together [][]int
	Apart    [][2]int
}

// among returns the links between the items at maps (to -1 if it is
// not among them), renumbered as it says: a link to an item not among them
// is left out.
func (l Links) among(at []int) Links {
	var out Links
	for _, g := range l.Together {
		var m []int
		for _, i := range g {
			if i >= 0 && i < len(at) && at[i] >= 0 {
				m = append(m, at[i])
			}
		}
		out.Together = append(out.Together, m)
	}
	for _, p := range l.Apart {
		if min(p[0], p[1]) < 0 || max(p[0], p[1]) >= len(at) {
			continue
		}
		if a, b := at[p[0]], at[p[1]]; a >= 0 && b >= 0 {
			out.Apart = append(out.Apart, [2]int{a, b})
		}
	}
	return out
}

// cluster is an incident being formed: its reports' mean place and time,
// and the first and last of their times.
type cluster struct {
	id       int
	n        int
	lon      float64
	lat      float64
	cosLat   float64 // the cosine of lat, which distances to it read
	at       float64 // unix seconds
	from, to float64
	weapon   string
	sources  []string
	members  []int
	// vague is set on an incident that only coarse reports place.
	vague bool
}

// Cluster groups sightings into incidents: it returns, for each sighting,
// the index of its incident.
//
// Precise sightings (their time within the hour, their place their own
// coordinates) are taken in time order; each joins the incident whose
// centre is nearest in space and time, within the thresholds, with a
// compatible weapon and no report yet from the same source, or starts
// one. Reports of one source never share an incident: that is what keeps
// two strikes close together apart, where linking any two reports within
// the thresholds would chain them into one.
//
// Then the others, most precise first, each join the incident they fit
// best: one whose time they may be at (the window around their span) and
// whose place they may be at (the distance beyond their radius), on the
// same terms of weapon and source; or start one. So a report of "the
// night of" a strike corroborates that strike, and cannot split it.
//
// A monitor's Links come first: sightings grouped together join the
// incident the first of them joined, whatever the thresholds, and a pair
// kept apart never shares one.
func Cluster(s []Sighting, cfg ClusterConfig, links Links) []int {
	precise, coarse := make([]int, 0, len(s)), []int(nil)
	for i, x := range s {
		if x.precise() {
			precise = append(precise, i)
		} else {
			coarse = append(coarse, i)
		}
	}
	out := make([]int, len(s))
	clusters := clusterPrecise(s, precise, cfg, links, runtime.GOMAXPROCS(0))
	for _, c := range clusters {
		for _, i := range c.members {
			out[i] = c.id
		}
	}
	attach(s, coarse, clusters, cfg, links, out)
	return out
}

// cells cut the map into cells of about a given size in metres: rows of
// latitude, and in each row columns of longitude scaled by the row's own
// latitude, so that a point's column in a row does not depend on where in
// the row it is.
type cells struct {
	deg float64
	// cos holds each row's cosine, from the south pole's row up, read
	// once rather than at every position placed.
	cos []float64
}

type cell struct{ x, y int }

// key packs a cell into one integer, which a map hashes fastest.
func (c cell) key() int64 { return int64(c.x)<<32 | int64(uint32(c.y)) }

func newCells(metres float64) cells {
	c := cells{deg: metres / geo.EarthRadius * 180 / math.Pi}
	for row := c.row(-90); row <= c.row(90); row++ {
		c.cos = append(c.cos, math.Cos((float64(row)+0.5)*c.deg*math.Pi/180))
	}
	return c
}

func (c cells) row(lat float64) int { return int(math.Floor(lat / c.deg)) }

func (c cells) column(lon float64, row int) int { return int(math.Floor(c.x(lon, row))) }

// x is where lon lies in the row's columns: its column, and how far into it.
func (c cells) x(lon float64, row int) float64 {
	i := row - c.row(-90)
	if i < 0 || i >= len(c.cos) {
		return lon * math.Cos((float64(row)+0.5)*c.deg*math.Pi/180) / c.deg
	}
	return lon * c.cos[i] / c.deg
}

// half is -1 if a position in cells (fx) lies in the first half of its
// cell, +1 in the second: the side whose neighbour may be within half a
// cell of it.
func half(fx float64) int {
	if fx-math.Floor(fx) < 0.5 {
		return -1
	}
	return 1
}

func (c cells) of(p geo.Point) cell {
	row := c.row(p.Lat)
	return cell{c.column(p.Lon, row), row}
}

// clusterPrecise is Cluster's first pass, over the precise sightings of s
// (their indices), each at the middle of its span; the incidents it
// returns list their members as indices of s, and are numbered in the
// order they were started. It runs in as many parts at once as it is
// given, when there are sightings enough, with the result it has in one.
func clusterPrecise(s []Sighting, precise []int, cfg ClusterConfig, links Links, parts int) []*cluster {
	// In time order, ties kept in the sightings' order.
	order := make([]timed, len(precise))
	for k, i := range precise {
		order[k] = timed{sortKey(s[i].At.Add(s[i].Span / 2).UnixNano()), i}
	}
	sortTimed(order)
	// The sightings in that order, with the cosines of their latitudes:
	// read from s in time order one at a time, each would wait for memory;
	// gathered on every core first, the passes read them in turn.
	in := make([]inOrder, len(order))
	pos := make([]int32, len(s)) // a sighting's place in order
	inParts(len(order), runtime.GOMAXPROCS(0), func(_, from, to int) {
		for k := from; k < to; k++ {
			x := &s[order[k].i]
			in[k] = inOrder{x.Point, math.Cos(x.Point.Lat * math.Pi / 180), x.Weapon, x.Source, order[k].seconds(), order[k].i}
			pos[order[k].i] = int32(k)
		}
	})
	inOnePass := func() []*cluster {
		p := newPass(in, cfg, links)
		for k := range in {
			p.step(k)
		}
		return p.numbered()
	}
	// Parts of at least minSpeculative sightings: on many cores, fewer
	// parts than cores.
	parts = min(parts, len(order)/minSpeculative)
	if parts < 2 || len(links.Together) > 0 || len(links.Apart) > 0 {
		return inOnePass()
	}
	// Each part of the time line is clustered on a core of its own, as if
	// nothing came before it. Then, part after part, the pass that has
	// clustered everything before it goes on into it, until its incidents
	// still open are those the part's own pass has at the same point,
	// member for member: from there on, the two would decide alike, and
	// the part's own pass is taken. Until a window or so has passed, the
	// incidents open at the start of the part are not the part's own, so
	// that is about how far the going on goes. Without such a point, it
	// goes on to the end of the part, which is clustering it in turn.
	main := newPass(in, cfg, links)
	bounds := cut(len(order), parts)
	passes := make([]*pass, len(bounds)-1)
	spec := make([]*cluster, len(order)) // the cluster each part's own pass put a sighting in
	inParts(len(order), parts, func(part, from, to int) {
		p := main
		if part > 0 {
			p = newPass(in, cfg, links)
			p.joined = spec
		}
		for k := from; k < to; k++ {
			p.step(k)
		}
		passes[part] = p
	})
	for n := 1; n < len(passes); n++ {
		from, to, own := bounds[n], bounds[n+1], passes[n]
		k := from
		for ; k < to; k++ {
			main.step(k)
			if (k-from)%16 == 15 && main.agrees(own, spec, pos, from, k) {
				break
			}
		}
		if k < to {
			main = main.handOver(own, pos, k)
		}
	}
	// Every sighting in exactly one incident, or the hand-overs went
	// wrong somewhere: then the result is the one pass's, whatever it
	// costs. Cheap beside the clustering, and it keeps the promise.
	all := main.numbered()
	n := 0
	for _, c := range all {
		n += len(c.members)
	}
	if n != len(order) {
		return inOnePass()
	}
	seen := make([]bool, len(s))
	for _, c := range all {
		for _, i := range c.members {
			if seen[i] {
				return inOnePass()
			}
			seen[i] = true
		}
	}
	return all
}

// cut cuts [0, n) into at most parts ranges of about one length: their
// starts, then n.
func cut(n, parts int) []int {
	var bounds []int
	for from := 0; from < n; from += (n + parts - 1) / parts {
		bounds = append(bounds, from)
	}
	return append(bounds, n)
}

// inParts hands each range of cut(n, parts) to fn, with its number, on a
// goroutine of its own, and waits for them all.
func inParts(n, parts int, fn func(part, from, to int)) {
	bounds := cut(n, parts)
	var wg sync.WaitGroup
	for part := range len(bounds) - 1 {
		wg.Go(func() { fn(part, bounds[part], bounds[part+1]) })
	}
	wg.Wait()
}

// minSpeculative is the fewest sightings a part has for clustering to run
// in parts: the passes that go on into the next part cost about a window's
// worth of sightings each. A variable, so that tests cut small hand-made
// inputs into parts.
var minSpeculative = 50000

// inOrder is a precise sighting as a pass reads it, in time order: where,
// the cosine of its latitude, what weapon, which source, when (seconds)
// and its index among the sightings clustered.
type inOrder struct {
	geo.Point
	cos            float64
	weapon, source string
	t              float64
	i              int
}

// pass runs clustering over precise sightings in time order.
type pass struct {
	in     []inOrder
	cfg    ClusterConfig
	window float64
	// all holds the incidents the pass started, each at its id.
	all []*cluster
	// open holds the incidents whose centre is still within the window of
	// the sightings to come, in the order they were started.
	open []*cluster
	// A grid of cells of the distance's size finds the candidates near a
	// sighting without looking at every open incident.
	cells  cells
	grid   map[int64][]*cluster
	closed float64
	slab   clusterSlab
	// The monitor's links: each sighting's group, the incident each group
	// joined, and the pairs kept apart.
	group        map[int]int
	groupCluster map[int]*cluster
	apart        map[[2]int]bool
	// joined, if set, records the incident each sighting joined, by its
	// place in time order.
	joined []*cluster
}

func newPass(in []inOrder, cfg ClusterConfig, links Links) *pass {
	p := &pass{in: in, cfg: cfg, window: cfg.Window.Seconds(), cells: newCells(2 * cfg.Distance), grid: map[int64][]*cluster{},
		closed: math.Inf(-1), group: map[int]int{}, groupCluster: map[int]*cluster{}, apart: map[[2]int]bool{}}
	for g, members := range links.Together {
		for _, i := range members {
			p.group[i] = g
		}
	}
	for _, a := range links.Apart {
		p.apart[a], p.apart[[2]int{a[1], a[0]}] = true, true
	}
	return p
}

func (p *pass) cellOf(c *cluster) int64 { return p.cells.of(geo.Point{Lon: c.lon, Lat: c.lat}).key() }

// step clusters the sighting at place k of the time order.
func (p *pass) step(k int) {
	x := &p.in[k]
	i, t, window, cfg := x.i, x.t, p.window, p.cfg
	// Close the incidents the window has passed, now and then: one left
	// open a little longer is passed over by the window's test below all
	// the same, and the grid stays small.
	if t-p.closed > window/8 {
		p.closed = t
		n := 0
		for _, c := range p.open {
			if t-c.at <= window {
				p.open[n] = c
				n++
			} else {
				cl := p.cellOf(c)
				p.grid[cl] = slices.DeleteFunc(p.grid[cl], func(o *cluster) bool { return o == c })
			}
		}
		clear(p.open[n:])
		p.open = p.open[:n]
	}
	var best *cluster
	bestScore := math.Inf(1)
	hc := p.cells.of(x.Point)
	g, grouped := 0, false
	if len(p.group) > 0 {
		g, grouped = p.group[i]
	}
	if grouped {
		best = p.groupCluster[g]
	}
	search := best == nil // a grouped sighting joins its group's incident
	// Cells are twice the distance across, so that what lies within the
	// distance is in the sighting's cell or the neighbours on the sides of
	// the cell it is nearer: four cells, not nine.
	rows := [2]int{hc.y, hc.y + half(x.Point.Lat/p.cells.deg)}
	for r := 0; r < 2 && search; r++ {
		row := rows[r]
		fx := p.cells.x(x.Point.Lon, row)
		col := int(math.Floor(fx))
		for _, c2 := range [2]int{col, col + half(fx)} {
			for _, c := range p.grid[cell{c2, row}.key()] {
				dt := math.Abs(t - c.at)
				if dt > window || slices.Contains(c.sources, x.source) || !compatible(c.weapon, x.weapon) ||
					len(p.apart) > 0 && slices.ContainsFunc(c.members, func(j int) bool { return p.apart[[2]int{i, j}] }) {
					continue
				}
				// The difference in latitude is a lower bound of the
				// distance, which rules most candidates out without the
				// trigonometry.
				if dy := math.Abs(x.Point.Lat-c.lat) * metresPerDegree; dy > cfg.Distance || dy/cfg.Distance+dt/window >= bestScore {
					continue
				}
				d := geo.DistanceCos(x.Point, x.cos, geo.Point{Lon: c.lon, Lat: c.lat}, c.cosLat)
				if d > cfg.Distance {
					continue
				}
				if score := d/cfg.Distance + dt/window; score < bestScore {
					best, bestScore = c, score
				}
			}
		}
	}
	if best == nil {
		best = p.slab.new()
		*best = cluster{id: len(p.all), lon: x.Point.Lon, lat: x.Point.Lat, cosLat: x.cos, at: t, weapon: x.weapon, from: t, to: t,
			sources: best.sources, members: best.members}
		p.open = append(p.open, best)
		home := hc.key()
		p.grid[home] = append(p.grid[home], best)
		p.all = append(p.all, best)
	} else {
		before := p.cellOf(best)
		n := float64(best.n)
		best.lon = (best.lon*n + x.Point.Lon) / (n + 1)
		best.lat = (best.lat*n + x.Point.Lat) / (n + 1)
		best.cosLat = math.Cos(best.lat * math.Pi / 180)
		best.at = (best.at*n + t) / (n + 1)
		best.from, best.to = min(best.from, t), max(best.to, t)
		if best.weapon == "unknown" || best.weapon == "mixed" {
			best.weapon = x.weapon
		}
		if after := p.cellOf(best); after != before {
			p.grid[before] = slices.DeleteFunc(p.grid[before], func(o *cluster) bool { return o == best })
			p.grid[after] = append(p.grid[after], best)
		}
	}
	if grouped && p.groupCluster[g] == nil {
		p.groupCluster[g] = best
	}
	best.n++
	best.sources = append(best.sources, x.source)
	best.members = append(best.members, i)
	if p.joined != nil {
		p.joined[k] = best
	}
}

// live reports whether incident c, as it stands after the sighting at
// time t, may still be joined by a later one.
func (p *pass) live(c *cluster, t float64) bool { return t-c.at <= p.window }

// agrees reports whether p, having clustered every sighting up to place k
// of the time order, has the incidents own has at that point, own having
// clustered from place from on (joined holding where it put each): the
// same incidents open, with the same members. From there on the two
// passes decide alike.
func (p *pass) agrees(own *pass, joined []*cluster, pos []int32, from, k int) bool {
	t := p.in[k].t
	n := 0
	for _, c := range p.open {
		if !p.live(c, t) {
			continue
		}
		n++
		first := int(pos[c.members[0]])
		if first < from {
			return false
		}
		o := joined[first]
		if len(o.members) < len(c.members) || !slices.Equal(o.members[:len(c.members)], c.members) ||
			len(o.members) > len(c.members) && int(pos[o.members[len(c.members)]]) <= k {
			return false
		}
	}
	// As many of own's incidents open at k, each as it stood then: one
	// open has a member within the window before k (a second more, as an
	// incident's mean time may round past its members' by a hair).
	seen := map[*cluster]bool{}
	for j := k; j >= from && t-p.in[j].t <= p.window+1; j-- {
		o := joined[j]
		if seen[o] {
			continue
		}
		seen[o] = true
		at, m := 0.0, 0.0
		for _, i := range o.members {
			if int(pos[i]) > k {
				break
			}
			at = (at*m + p.in[pos[i]].t) / (m + 1)
			m++
		}
		if t-at <= p.window {
			n--
		}
	}
	return n == 0
}

// handOver makes own, which agrees with p at place k of the time order,
// the pass that goes on: p's incidents still open at k are own's, and the
// incidents own started after k follow p's.
func (p *pass) handOver(own *pass, pos []int32, k int) *pass {
	t := p.in[k].t
	byFirst := map[int]*cluster{}
	for _, o := range own.all {
		if int(pos[o.members[0]]) <= k && own.live(o, t) {
			byFirst[o.members[0]] = o
		}
	}
	for _, c := range p.open {
		if p.live(c, t) {
			o := byFirst[c.members[0]]
			o.id = c.id
			p.all[c.id] = o
		}
	}
	for _, o := range own.all {
		if int(pos[o.members[0]]) > k {
			o.id = len(p.all)
			p.all = append(p.all, o)
		}
	}
	own.all, own.joined = p.all, nil
	return own
}

// numbered returns the pass's incidents, each with its id.
func (p *pass) numbered() []*cluster {
	for n, c := range p.all {
		c.id = n
	}
	return p.all
}

// metresPerDegree is the length of a degree of latitude.
const metresPerDegree = geo.EarthRadius * math.Pi / 180

// timed is a sighting's place in time order: its time as a sortKey, and
// its index.
type timed struct {
	key uint64
	i   int
}

// sortKey maps nanoseconds since the epoch to an unsigned integer in the
// same order, negative times included.
func sortKey(ns int64) uint64 { return uint64(ns) ^ 1<<63 }

// seconds is the time of t as seconds since the epoch.
func (t timed) seconds() float64 { return float64(int64(t.key^1<<63)) / 1e9 }

// sortTimed sorts by key, stably: a radix sort, a byte at a time from the
// lowest, skipping the bytes every key shares. On a million sightings it
// takes a fraction of what a comparison sort does, which was a third of
// the time of clustering.
func sortTimed(order []timed) {
	if len(order) == 0 {
		return
	}
	src, dst := order, make([]timed, len(order))
	for shift := 0; shift < 64; shift += 8 {
		var count [256]int
		for _, t := range src {
			count[byte(t.key>>shift)]++
		}
		if count[byte(src[0].key>>shift)] == len(src) {
			continue
		}
		at := 0
		for b, c := range count {
			count[b] = at
			at += c
		}
		for _, t := range src {
			d := byte(t.key >> shift)
			dst[count[d]] = t
			count[d]++
		}
		src, dst = dst, src
	}
	copy(order, src)
}

// clusterSlab hands out clusters from blocks, with room for a few
// members and sources each from blocks too: a million sightings start
// hundreds of thousands of incidents, and one allocation each made the
// garbage collector's work a large part of clustering.
type clusterSlab struct {
	clusters []cluster
	members  []int
	sources  []string
}

const slabBlock, slabRoom = 4096, 4

func (b *clusterSlab) new() *cluster {
	if len(b.clusters) == 0 {
		b.clusters = make([]cluster, slabBlock)
		b.members = make([]int, slabBlock*slabRoom)
		b.sources = make([]string, slabBlock*slabRoom)
	}
	c := &b.clusters[0]
	c.members, c.sources = b.members[:0:slabRoom], b.sources[:0:slabRoom]
	b.clusters, b.members, b.sources = b.clusters[1:], b.members[slabRoom:], b.sources[slabRoom:]
	return c
}

// attachCell is the size of the cells that find the incidents a coarse
// sighting may join.
const attachCell = 25000 // metres

// attach is Cluster's second pass: it places the coarse sightings, most
// precise first, each into the incident it fits best, or a new one, and
// sets their incidents in out.
func attach(s []Sighting, coarse []int, clusters []*cluster, cfg ClusterConfig, links Links, out []int) {
	if len(coarse) == 0 {
		return
	}
	group := map[int]int{}
	for g, m := range links.Together {
		for _, i := range m {
			group[i] = g
		}
	}
	apart := map[[2]int]bool{}
	for _, p := range links.Apart {
		apart[p], apart[[2]int{p[1], p[0]}] = true, true
	}
	byGroup := map[int]*cluster{}
	for _, c := range clusters {
		for _, m := range c.members {
			if g, ok := group[m]; ok && byGroup[g] == nil {
				byGroup[g] = c
			}
		}
	}
	// The incidents by cell and by day: a coarse sighting looks at the
	// cells within its reach and the days of its span.
	const day = 86400.0
	grid := newCells(attachCell)
	type key struct {
		cell
		day int64
	}
	index := map[key][]*cluster{}
	add := func(c *cluster) {
		home := grid.of(geo.Point{Lon: c.lon, Lat: c.lat})
		for d := int64(math.Floor(c.from / day)); d <= int64(math.Floor(c.to/day)); d++ {
			index[key{home, d}] = append(index[key{home, d}], c)
		}
	}
	for _, c := range clusters {
		add(c)
	}
	next := len(clusters)
	slices.SortStableFunc(coarse, func(a, b int) int {
		return cmp.Or(cmp.Compare(s[a].Span, s[b].Span), cmp.Compare(s[a].Radius, s[b].Radius), s[a].At.Compare(s[b].At))
	})
	window := cfg.Window.Seconds()
	seen := map[*cluster]int{} // the last sighting that looked at an incident
	for n, i := range coarse {
		x := s[i]
		start, end := float64(x.At.Unix()), float64(x.At.Add(x.Span).Unix())
		reach := cfg.Distance + x.Radius
		var best *cluster
		g, grouped := group[i]
		if grouped {
			best = byGroup[g]
		}
		bestScore := math.Inf(1)
		r := int(math.Ceil(reach / attachCell))
		home := grid.row(x.Point.Lat)
		for row := home - r; row <= home+r && !grouped; row++ {
			col := grid.column(x.Point.Lon, row)
			for c := col - r; c <= col+r; c++ {
				for d := int64(math.Floor((start - window) / day)); d <= int64(math.Floor((end+window)/day)); d++ {
					for _, in := range index[key{cell{c, row}, d}] {
						if seen[in] == n+1 {
							continue
						}
						seen[in] = n + 1
						// How far the incident's times lie outside the
						// sighting's span, and its place beyond its reach.
						gap := max(0, in.from-end, start-in.to)
						dist := geo.Distance(x.Point, geo.Point{Lon: in.lon, Lat: in.lat})
						if gap > window || dist > reach || slices.Contains(in.sources, x.Source) || !compatible(in.weapon, x.Weapon) ||
							slices.ContainsFunc(in.members, func(j int) bool { return apart[[2]int{i, j}] }) {
							continue
						}
						// One that precise reports place is a better fit
						// than one that only coarse reports do.
						score := dist/reach + gap/window
						if in.vague {
							score++
						}
						if score < bestScore {
							best, bestScore = in, score
						}
					}
				}
			}
		}
		if best == nil {
			best = &cluster{id: next, lon: x.Point.Lon, lat: x.Point.Lat, at: (start + end) / 2, from: start, to: end, weapon: x.Weapon, vague: true}
			next++
			add(best)
		} else if best.weapon == "unknown" || best.weapon == "mixed" {
			best.weapon = x.Weapon
		}
		// A coarse sighting moves neither the incident's place nor its
		// times: the precise ones say them better.
		if grouped && byGroup[g] == nil {
			byGroup[g] = best
		}
		best.n++
		best.sources = append(best.sources, x.Source)
		best.members = append(best.members, i)
		out[i] = best.id
	}
}

// PairScores compares a clustering with the truth, pair by pair of
// reports: precision is the share of pairs put together that belong
// together, recall the share of pairs that belong together that were put
// together.
func PairScores(got, truth []int) (precision, recall, f1 float64) {
	pairs := func(labels []int) map[int][]int {
		m := map[int][]int{}
		for i, l := range labels {
			m[l] = append(m[l], i)
		}
		return m
	}
	together := func(groups map[int][]int, other []int) (total, agree int) {
		for _, members := range groups {
			// Count, within the group, pairs that also share a label in
			// other, by counting labels.
			counts := map[int]int{}
			for _, i := range members {
				counts[other[i]]++
			}
			n := len(members)
			total += n * (n - 1) / 2
			for _, c := range counts {
				agree += c * (c - 1) / 2
			}
		}
		return total, agree
	}
	gotPairs, agreeGot := together(pairs(got), truth)
	truePairs, agreeTrue := together(pairs(truth), got)
	if gotPairs > 0 {
		precision = float64(agreeGot) / float64(gotPairs)
	}
	if truePairs > 0 {
		recall = float64(agreeTrue) / float64(truePairs)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// Corroborate groups reports into incidents: it returns each report's
// incident. Reports with coordinates and a time are clustered (Cluster);
// one without coordinates, or whose time cannot be read, stands alone.
//
// links index reports. A report without coordinates grouped together with
// others joins their incident.
func Corroborate(reports []*Report, cfg ClusterConfig, links Links) []int {
	out := make([]int, len(reports))
	// Reading a report's time is most of what it costs to read it as a
	// sighting: the reports are read on every core.
	all := make([]Sighting, len(reports))
	has := make([]bool, len(reports))
	inParts(len(reports), runtime.GOMAXPROCS(0), func(_, from, to int) {
		for i := from; i < to; i++ {
			all[i], has[i] = SightingOf(reports[i], cfg)
		}
	})
	s := all[:0]
	at := make([]int, 0, len(reports))
	sighting := make([]int, len(reports)) // report -> its sighting, or -1
	for i := range reports {
		if !has[i] {
			out[i], sighting[i] = -1, -1
			continue
		}
		sighting[i] = len(s)
		s = append(s, all[i])
		at = append(at, i)
	}
	next := 0
	for k, id := range Cluster(s, cfg, links.among(sighting)) {
		out[at[k]] = id
		next = max(next, id+1)
	}
	// A report without coordinates joins its group's incident, or starts
	// one its group shares.
	for _, g := range links.Together {
		// A link to a report not among them is left out, as among does.
		g = slices.DeleteFunc(slices.Clone(g), func(i int) bool { return i < 0 || i >= len(out) })
		if len(g) == 0 {
			continue
		}
		id := -1
		for _, i := range g {
			if out[i] >= 0 {
				id = out[i]
				break
			}
		}
		if id < 0 {
			id = next
			next++
		}
		for _, i := range g {
			if out[i] < 0 {
				out[i] = id
			}
		}
	}
	for i := range out {
		if out[i] < 0 {
			out[i] = next
			next++
		}
	}
	return out
}

// ParseOccurred reads a report's time: RFC 3339, or a day.
func ParseOccurred(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// Figures sets the figures of an incident's reports side by side, each
// with its source: conflicting counts (27 wounded, 25 wounded) are kept
// apart, never averaged. One line per kind and group of casualty, and one
// for the weapons' counts.
func Figures(reports []*Report) []string {
	type key struct{ kind, group string }
	by := map[key][]string{}
	var order []key
	for _, r := range reports {
		for _, c := range r.Casualties {
			k := key{c.Kind, c.Group}
			if _, ok := by[k]; !ok {
				order = append(order, k)
			}
			n := strconv.Itoa(c.Low)
			if c.High > c.Low {
				n += " to " + strconv.Itoa(c.High)
			}
			by[k] = append(by[k], n+" ("+r.SourceName+")")
		}
	}
	var out []string
	for _, k := range order {
		out = append(out, fmt.Sprintf("%s (%s): %s", k.kind, k.group, strings.Join(by[k], "; ")))
	}
	var weapons []string
	for _, r := range reports {
		if r.WeaponCount > 0 {
			weapons = append(weapons, fmt.Sprintf("%d %s (%s)", r.WeaponCount, r.WeaponClass, r.SourceName))
		}
	}
	if len(weapons) > 0 {
		out = append(out, "weapons: "+strings.Join(weapons, "; "))
	}
	return out
}
