package monitor

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley/monitor/geo"
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

// among returns the links between the items at maps, renumbered as it
// says: a link to an item not among them is left out.
func (l Links) among(at map[int]int) Links {
	var out Links
	for _, g := range l.Together {
		var m []int
		for _, i := range g {
			if k, ok := at[i]; ok {
				m = append(m, k)
			}
		}
		out.Together = append(out.Together, m)
	}
	for _, p := range l.Apart {
		a, okA := at[p[0]]
		b, okB := at[p[1]]
		if okA && okB {
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
	var precise, coarse []int
	for i, x := range s {
		if x.precise() {
			precise = append(precise, i)
		} else {
			coarse = append(coarse, i)
		}
	}
	out := make([]int, len(s))
	clusters := clusterPrecise(s, precise, cfg, links)
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
// returns list their members as indices of s.
func clusterPrecise(s []Sighting, precise []int, cfg ClusterConfig, links Links) []*cluster {
	group := map[int]int{} // sighting -> its together group
	for g, members := range links.Together {
		for _, i := range members {
			group[i] = g
		}
	}
	apart := map[[2]int]bool{}
	for _, p := range links.Apart {
		apart[p], apart[[2]int{p[1], p[0]}] = true, true
	}
	groupCluster := map[int]*cluster{}
	// Times as seconds, read once; ties kept in the sightings' order.
	type timed struct {
		at float64
		i  int
	}
	order := make([]timed, len(precise))
	for k, i := range precise {
		order[k] = timed{float64(s[i].At.Add(s[i].Span/2).UnixNano()) / 1e9, i}
	}
	slices.SortFunc(order, func(a, b timed) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.i, b.i)) })
	var all []*cluster
	window := cfg.Window.Seconds()
	// open holds the incidents whose centre is still within the window of
	// the sightings to come, in the order they were started.
	var open []*cluster
	next := 0
	// A grid of cells of the distance's size finds the candidates near a
	// sighting without looking at every open incident.
	// Each row of cells scales longitude by its own latitude, so that a
	// point's column in a row does not depend on where in the row it is.
	cells := newCells(2 * cfg.Distance)
	grid := map[int64][]*cluster{}
	cellOf := func(p geo.Point) int64 { return cells.of(p).key() }
	closed := math.Inf(-1)
	for _, o := range order {
		i, t := o.i, o.at
		x := &s[i]
		// Close the incidents the window has passed, now and then: one
		// left open a little longer is passed over by the window's test
		// below all the same, and the grid stays small.
		if t-closed > window/8 {
			closed = t
			k := 0
			for _, c := range open {
				if t-c.at <= window {
					open[k] = c
					k++
				} else {
					cl := cellOf(geo.Point{Lon: c.lon, Lat: c.lat})
					grid[cl] = slices.DeleteFunc(grid[cl], func(o *cluster) bool { return o == c })
				}
			}
			clear(open[k:])
			open = open[:k]
		}
		var best *cluster
		bestScore := math.Inf(1)
		hc := cells.of(x.Point)
		home := hc.key()
		g, grouped := 0, false
		if len(group) > 0 {
			g, grouped = group[i]
		}
		if grouped {
			best = groupCluster[g]
		}
		search := best == nil // a grouped sighting joins its group's incident
		// Cells are twice the distance across, so that what lies within
		// the distance is in the sighting's cell or the neighbours on the
		// sides of the cell it is nearer: four cells, not nine.
		rows := [2]int{hc.y, hc.y + half(x.Point.Lat/cells.deg)}
		for r := 0; r < 2 && search; r++ {
			row := rows[r]
			fx := cells.x(x.Point.Lon, row)
			col := int(math.Floor(fx))
			for _, c2 := range [2]int{col, col + half(fx)} {
				for _, c := range grid[cell{c2, row}.key()] {
					dt := math.Abs(t - c.at)
					if dt > window || slices.Contains(c.sources, x.Source) || !compatible(c.weapon, x.Weapon) ||
						len(apart) > 0 && slices.ContainsFunc(c.members, func(j int) bool { return apart[[2]int{i, j}] }) {
						continue
					}
					d := geo.Distance(x.Point, geo.Point{Lon: c.lon, Lat: c.lat})
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
			best = &cluster{id: next, lon: x.Point.Lon, lat: x.Point.Lat, at: t, weapon: x.Weapon, from: t, to: t}
			next++
			open = append(open, best)
			grid[home] = append(grid[home], best)
			all = append(all, best)
		} else {
			before := cellOf(geo.Point{Lon: best.lon, Lat: best.lat})
			n := float64(best.n)
			best.lon = (best.lon*n + x.Point.Lon) / (n + 1)
			best.lat = (best.lat*n + x.Point.Lat) / (n + 1)
			best.at = (best.at*n + t) / (n + 1)
			best.from, best.to = min(best.from, t), max(best.to, t)
			if best.weapon == "unknown" || best.weapon == "mixed" {
				best.weapon = x.Weapon
			}
			if after := cellOf(geo.Point{Lon: best.lon, Lat: best.lat}); after != before {
				grid[before] = slices.DeleteFunc(grid[before], func(o *cluster) bool { return o == best })
				grid[after] = append(grid[after], best)
			}
		}
		if grouped && groupCluster[g] == nil {
			groupCluster[g] = best
		}
		best.n++
		best.sources = append(best.sources, x.Source)
		best.members = append(best.members, i)
	}
	return all
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
	var s []Sighting
	var at []int
	sighting := map[int]int{} // report -> its sighting
	for i, r := range reports {
		x, ok := SightingOf(r, cfg)
		if !ok {
			out[i] = -1
			continue
		}
		sighting[i] = len(s)
		s = append(s, x)
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
