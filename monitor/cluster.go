package monitor

import (
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
}

// DefaultClusterConfig: 5 km and 45 minutes.
var DefaultClusterConfig = ClusterConfig{Distance: 5000, Window: 45 * time.Minute}

// Sighting is what corroboration reads of a report.
type Sighting struct {
	At     time.Time
	Point  geo.Point
	Weapon string
	// Source identifies who reports: one source reports one event once,
	// so two of its reports are two events.
	Source string
}

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

// cluster is an incident being formed: its reports' mean place and time.
type cluster struct {
	id      int
	n       int
	lon     float64
	lat     float64
	at      float64 // unix seconds
	weapon  string
	sources []string
	members []int
}

// Cluster groups sightings into incidents: it returns, for each sighting,
// the index of its incident. Sightings are taken in time order; each joins
// the incident whose centre is nearest in space and time, within the
// thresholds, with a compatible weapon and no report yet from the same
// source, or starts one. Reports of one source never share an incident:
// that is what keeps two strikes close together apart, where linking any
// two reports within the thresholds would chain them into one.
//
// A monitor's Links come first: sightings grouped together join the
// incident the first of them joined, whatever the thresholds, and a pair
// kept apart never shares one.
func Cluster(s []Sighting, cfg ClusterConfig, links Links) []int {
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
	order := make([]int, len(s))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return s[a].At.Compare(s[b].At) })
	out := make([]int, len(s))
	window := cfg.Window.Seconds()
	// open holds the incidents whose centre is still within the window of
	// the sightings to come, in the order they were started.
	var open []*cluster
	next := 0
	// A grid of cells of the distance's size finds the candidates near a
	// sighting without looking at every open incident.
	// Each row of cells scales longitude by its own latitude, so that a
	// point's column in a row does not depend on where in the row it is.
	cellDeg := cfg.Distance / geo.EarthRadius * 180 / math.Pi
	type cell struct{ x, y int }
	grid := map[cell][]*cluster{}
	column := func(lon float64, row int) int {
		return int(math.Floor(lon * math.Cos((float64(row)+0.5)*cellDeg*math.Pi/180) / cellDeg))
	}
	cellOf := func(p geo.Point) cell {
		row := int(math.Floor(p.Lat / cellDeg))
		return cell{column(p.Lon, row), row}
	}
	for _, i := range order {
		x := s[i]
		t := float64(x.At.Unix())
		// Close the incidents the window has passed.
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
		var best *cluster
		bestScore := math.Inf(1)
		home := cellOf(x.Point)
		g, grouped := group[i]
		if grouped {
			best = groupCluster[g]
		}
		search := best == nil // a grouped sighting joins its group's incident
		for dy := -1; dy <= 1 && search; dy++ {
			row := home.y + dy
			col := column(x.Point.Lon, row)
			for dx := -1; dx <= 1; dx++ {
				for _, c := range grid[cell{col + dx, row}] {
					if slices.Contains(c.sources, x.Source) || !compatible(c.weapon, x.Weapon) ||
						slices.ContainsFunc(c.members, func(j int) bool { return apart[[2]int{i, j}] }) {
						continue
					}
					d := geo.Distance(x.Point, geo.Point{Lon: c.lon, Lat: c.lat})
					dt := math.Abs(t - c.at)
					if d > cfg.Distance || dt > window {
						continue
					}
					if score := d/cfg.Distance + dt/window; score < bestScore {
						best, bestScore = c, score
					}
				}
			}
		}
		if best == nil {
			best = &cluster{id: next, lon: x.Point.Lon, lat: x.Point.Lat, at: t, weapon: x.Weapon}
			next++
			open = append(open, best)
			grid[home] = append(grid[home], best)
		} else {
			before := cellOf(geo.Point{Lon: best.lon, Lat: best.lat})
			n := float64(best.n)
			best.lon = (best.lon*n + x.Point.Lon) / (n + 1)
			best.lat = (best.lat*n + x.Point.Lat) / (n + 1)
			best.at = (best.at*n + t) / (n + 1)
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
		out[i] = best.id
	}
	return out
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
		p, ok := r.Point()
		t, err := ParseOccurred(r.OccurredAt)
		if !ok || err != nil {
			out[i] = -1
			continue
		}
		sighting[i] = len(s)
		s = append(s, Sighting{At: t, Point: p, Weapon: r.WeaponClass, Source: r.SourceName})
		at = append(at, i)
	}
	var sl Links
	for _, g := range links.Together {
		var m []int
		for _, i := range g {
			if k, ok := sighting[i]; ok {
				m = append(m, k)
			}
		}
		sl.Together = append(sl.Together, m)
	}
	for _, p := range links.Apart {
		a, okA := sighting[p[0]]
		b, okB := sighting[p[1]]
		if okA && okB {
			sl.Apart = append(sl.Apart, [2]int{a, b})
		}
	}
	next := 0
	for k, id := range Cluster(s, cfg, sl) {
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
