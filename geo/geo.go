// Package geo is the geometry monitoring and the ceasefire need, in pure
// Go: GeoJSON geometries read and checked, whether a point lies in a
// polygon, how far it is from a point, a line or a polygon, and on which
// side of a line it lies. Distances are on the sphere (haversine) between points, and in a
// local plane around the point measured from for segments, which is exact
// to well under a percent at the tens of kilometres monitoring works at.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Point is a position: longitude and latitude in degrees (WGS 84), in the
// order GeoJSON writes them.
type Point struct{ Lon, Lat float64 }

// EarthRadius is the mean radius of the Earth, in metres.
const EarthRadius = 6371008.8

// Distance returns the great-circle distance between a and b, in metres.
func Distance(a, b Point) float64 {
	return DistanceCos(a, math.Cos(rad(a.Lat)), b, math.Cos(rad(b.Lat)))
}

// DistanceCos is Distance(a, b), given the cosines of their latitudes, for
// callers that keep them rather than compute them again for every pair
// (clustering).
func DistanceCos(a Point, cosA float64, b Point, cosB float64) float64 {
	dφ, dλ := rad(b.Lat)-rad(a.Lat), rad(b.Lon-a.Lon)
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + cosA*cosB*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * EarthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

func rad(d float64) float64 { return d * math.Pi / 180 }

// Geometry is a GeoJSON geometry of one of the kinds monitoring uses:
// Point and MultiPoint (Points), LineString and MultiLineString (Lines),
// Polygon and MultiPolygon (Polygons: each a list of rings, the first the
// outer boundary, the others holes).
type Geometry struct {
	Type     string
	Points   []Point
	Lines    [][]Point
	Polygons [][][]Point
}

// raw is a geometry as GeoJSON writes it.
type raw struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ParseGeometry reads and checks a GeoJSON geometry: every position a
// longitude from -180 to 180 and a latitude from -90 to 90, a line of two
// positions at least, each ring of a polygon closed, of four positions at
// least, and not crossing itself.
func ParseGeometry(b []byte) (Geometry, error) { return parse(b, true) }

// ReadGeometry reads a geometry that ParseGeometry checked before (a
// committed zone's), without checking again that no ring crosses itself:
// that check compares every pair of edges, and pages read every zone on
// every request.
func ReadGeometry(b []byte) (Geometry, error) { return parse(b, false) }

func parse(b []byte, checkRings bool) (Geometry, error) {
	var r raw
	if err := json.Unmarshal(b, &r); err != nil {
		return Geometry{}, fmt.Errorf("not a GeoJSON geometry: %v", err)
	}
	g := Geometry{Type: r.Type}
	var err error
	switch r.Type {
	case "Point":
		var c []float64
		if err = json.Unmarshal(r.Coordinates, &c); err == nil {
			var p Point
			p, err = point(c)
			g.Points = []Point{p}
		}
	case "MultiPoint":
		var cs [][]float64
		if err = json.Unmarshal(r.Coordinates, &cs); err == nil {
			g.Points, err = points(cs)
		}
	case "LineString":
		var cs [][]float64
		if err = json.Unmarshal(r.Coordinates, &cs); err == nil {
			var l []Point
			l, err = line(cs)
			g.Lines = [][]Point{l}
		}
	case "MultiLineString":
		var css [][][]float64
		if err = json.Unmarshal(r.Coordinates, &css); err == nil {
			for i, cs := range css {
				l, e := line(cs)
				if e != nil {
					err = fmt.Errorf("line %d: %w", i, e)
					break
				}
				g.Lines = append(g.Lines, l)
			}
		}
	case "Polygon":
		var css [][][]float64
		if err = json.Unmarshal(r.Coordinates, &css); err == nil {
			var p [][]Point
			p, err = polygon(css, checkRings)
			g.Polygons = [][][]Point{p}
		}
	case "MultiPolygon":
		var csss [][][][]float64
		if err = json.Unmarshal(r.Coordinates, &csss); err == nil {
			for i, css := range csss {
				p, e := polygon(css, checkRings)
				if e != nil {
					err = fmt.Errorf("polygon %d: %w", i, e)
					break
				}
				g.Polygons = append(g.Polygons, p)
			}
		}
	case "":
		return Geometry{}, errors.New("the geometry has no type")
	default:
		return Geometry{}, fmt.Errorf("geometry type %q is not one of Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon", r.Type)
	}
	if err == nil && len(g.Points)+len(g.Lines)+len(g.Polygons) == 0 {
		err = errors.New("it has no positions")
	}
	if err != nil {
		return Geometry{}, fmt.Errorf("%s: %w", r.Type, err)
	}
	return g, nil
}

// CheckPoint says what is wrong with a longitude and latitude, as
// ParseGeometry would of a Point made of them.
func CheckPoint(lon, lat float64) error {
	if _, err := point([]float64{lon, lat}); err != nil {
		return fmt.Errorf("Point: %w", err)
	}
	return nil
}

func point(c []float64) (Point, error) {
	if len(c) < 2 || len(c) > 3 {
		return Point{}, fmt.Errorf("a position has %d numbers; want longitude and latitude", len(c))
	}
	p := Point{Lon: c[0], Lat: c[1]}
	if math.IsNaN(p.Lon) || p.Lon < -180 || p.Lon > 180 || math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90 {
		return Point{}, fmt.Errorf("position [%g, %g] is not a longitude from -180 to 180 and a latitude from -90 to 90", c[0], c[1])
	}
	return p, nil
}

func points(cs [][]float64) ([]Point, error) {
	out := make([]Point, len(cs))
	for i, c := range cs {
		p, err := point(c)
		if err != nil {
			return nil, fmt.Errorf("position %d: %w", i, err)
		}
		out[i] = p
	}
	return out, nil
}

// line reads a line, dropping a position that repeats the one before: a
// segment of no length has no direction, and no side.
func line(cs [][]float64) ([]Point, error) {
	ps, err := points(cs)
	if err != nil {
		return nil, err
	}
	ps = slices.Compact(ps)
	if len(ps) < 2 {
		return nil, fmt.Errorf("a line has %d distinct positions; it needs two at least", len(ps))
	}
	return ps, nil
}

func polygon(css [][][]float64, checkRings bool) ([][]Point, error) {
	if len(css) == 0 {
		return nil, errors.New("a polygon has no ring")
	}
	var rings [][]Point
	for i, cs := range css {
		r, err := points(cs)
		if err != nil {
			return nil, fmt.Errorf("ring %d: %w", i, err)
		}
		switch {
		case len(r) < 4:
			return nil, fmt.Errorf("ring %d has %d positions; a ring needs four at least, the last the first again", i, len(r))
		case r[0] != r[len(r)-1]:
			return nil, fmt.Errorf("ring %d is not closed: its last position is not its first", i)
		}
		if checkRings {
			if a, b, ok := selfCrossing(r); ok {
				return nil, fmt.Errorf("ring %d crosses itself (its edges %d and %d)", i, a, b)
			}
		}
		rings = append(rings, r)
	}
	return rings, nil
}

// selfCrossing finds two edges of a closed ring that cross, other than
// neighbours meeting at their shared end.
func selfCrossing(r []Point) (int, int, bool) {
	n := len(r) - 1
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // the last edge meets the first at the ring's start
			}
			if crosses(r[i], r[i+1], r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func orient(a, b, c Point) float64 {
	return (b.Lon-a.Lon)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lon-a.Lon)
}

func crosses(a, b, c, d Point) bool {
	d1, d2, d3, d4 := orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
	return (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0
}

// Contains reports whether p lies inside one of the geometry's polygons
// (outside its holes). Points and lines contain nothing.
func (g Geometry) Contains(p Point) bool {
	for _, poly := range g.Polygons {
		if inRing(poly[0], p) {
			hole := false
			for _, h := range poly[1:] {
				if inRing(h, p) {
					hole = true
					break
				}
			}
			if !hole {
				return true
			}
		}
	}
	return false
}

// inRing is the even-odd rule over the ring's edges in the plane of
// longitude and latitude.
func inRing(r []Point, p Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// DistanceFrom returns how far p is from the geometry, in metres: 0 inside
// a polygon, else to its nearest point, edge or line.
func (g Geometry) DistanceFrom(p Point) float64 {
	if g.Contains(p) {
		return 0
	}
	best := math.Inf(1)
	for _, q := range g.Points {
		best = math.Min(best, Distance(p, q))
	}
	for _, l := range g.Lines {
		best = math.Min(best, toLine(l, p))
	}
	for _, poly := range g.Polygons {
		for _, r := range poly {
			best = math.Min(best, toLine(r, p))
		}
	}
	return best
}

// Reach returns how far p is from the area the geometry covers when each of
// its points stands for the disc of radiusKm around it (a zone given as a
// point and a radius), in metres: 0 within it.
func (g Geometry) Reach(p Point, radiusKm float64) float64 {
	d := g.DistanceFrom(p)
	if len(g.Points) > 0 && radiusKm > 0 {
		return math.Max(0, d-radiusKm*1000)
	}
	return d
}

// plane projects q onto the plane tangent at p, in metres (x east, y
// north).
func plane(p, q Point) (x, y float64) {
	return rad(q.Lon-p.Lon) * math.Cos(rad(p.Lat)) * EarthRadius, rad(q.Lat-p.Lat) * EarthRadius
}

// nearest returns the index of the segment of l nearest to p, and the
// distance to it, in metres.
func nearest(l []Point, p Point) (int, float64) {
	i, _, d := nearestAt(l, p)
	return i, d
}

// nearestAt is nearest with where on the segment the nearest point is: t
// from 0 (its start) to 1 (its end).
func nearestAt(l []Point, p Point) (int, float64, float64) {
	best, at, atT := math.Inf(1), 0, 0.0
	for i := 0; i+1 < len(l); i++ {
		ax, ay := plane(p, l[i])
		bx, by := plane(p, l[i+1])
		dx, dy := bx-ax, by-ay
		t := 0.0
		if n := dx*dx + dy*dy; n > 0 {
			t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/n))
		}
		if d := math.Hypot(ax+t*dx, ay+t*dy); d < best {
			best, at, atT = d, i, t
		}
	}
	return at, atT, best
}

func toLine(l []Point, p Point) float64 {
	_, d := nearest(l, p)
	return d
}

// left is the cross product of the way from a to b and the way from a to
// p, in the plane around p: positive when p is on the left of a→b.
func left(a, b, p Point) float64 {
	ax, ay := plane(p, a)
	bx, by := plane(p, b)
	return (bx-ax)*(0-ay) - (by-ay)*(0-ax)
}

// Side says on which side of a line, walked from its first position to
// its last, p lies: -1 on the left, +1 on the right, 0 on it or beyond its
// ends, where a line has no sides (a town past the end of the line of
// contact is on neither). It is judged against the line's part nearest to
// p: a segment, or at a vertex the two segments that meet there.
func Side(l []Point, p Point) int {
	i, t, _ := nearestAt(l, p)
	last := len(l) - 2
	var c float64
	switch {
	case i == 0 && t == 0 || i == last && t == 1:
		return 0
	case t == 0 || t == 1:
		v := i
		if t == 1 {
			v = i + 1
		}
		a, vv, b := l[v-1], l[v], l[v+1]
		c1, c2 := left(a, vv, p), left(vv, b, p)
		// A turn to the left makes the left side the wedge inside it, a
		// turn to the right the rest.
		onLeft := c1 > 0 || c2 > 0
		if turn := left(a, vv, b); turn > 0 {
			onLeft = c1 > 0 && c2 > 0
		}
		if c1 == 0 && c2 == 0 {
			return 0
		}
		if onLeft {
			return -1
		}
		return 1
	default:
		c = left(l[i], l[i+1], p)
	}
	switch {
	case c > 0:
		return -1
	case c < 0:
		return 1
	}
	return 0
}

// Box is the bounding box of a geometry, in degrees, with the cosine of
// its latitude farthest from the equator, which scales its longitudes
// least.
type Box struct {
	MinLon, MinLat, MaxLon, MaxLat float64
	cos                            float64
}

// Bounds returns the smallest box that holds every position of g.
func (g Geometry) Bounds() Box {
	b := Box{MinLon: math.Inf(1), MinLat: math.Inf(1), MaxLon: math.Inf(-1), MaxLat: math.Inf(-1)}
	add := func(p Point) {
		b.MinLon, b.MaxLon = min(b.MinLon, p.Lon), max(b.MaxLon, p.Lon)
		b.MinLat, b.MaxLat = min(b.MinLat, p.Lat), max(b.MaxLat, p.Lat)
	}
	for _, p := range g.Points {
		add(p)
	}
	for _, l := range g.Lines {
		for _, p := range l {
			add(p)
		}
	}
	for _, poly := range g.Polygons {
		for _, r := range poly {
			for _, p := range r {
				add(p)
			}
		}
	}
	b.cos = math.Cos(rad(max(math.Abs(b.MinLat), math.Abs(b.MaxLat))))
	return b
}

// Below returns a distance in metres that p is at least from anything in
// the box, cheaply: the box's offset in latitude and in longitude (scaled
// by the least of the two latitudes' cosines; cosLat is p's), taken nine
// tenths of, which the sphere's curvature does not undercut over the few
// hundred kilometres classification looks at. It lets a search skip the
// exact distance to what lies farther than the best found so far.
func (b Box) Below(p Point, cosLat float64) float64 {
	dLat := max(0, b.MinLat-p.Lat, p.Lat-b.MaxLat)
	dLon := max(0, b.MinLon-p.Lon, p.Lon-b.MaxLon) * min(cosLat, b.cos)
	return 0.9 * rad(math.Sqrt(dLat*dLat+dLon*dLon)) * EarthRadius
}
