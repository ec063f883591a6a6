package geo

import (
	"math"
	"strings"
	"testing"
)

var (
	kyiv    = Point{30.5234, 50.4501}
	kharkiv = Point{36.2304, 49.9935}
	znpp    = Point{34.5853, 47.5069}
)

func TestDistance(t *testing.T) {
	// Kyiv to Kharkiv is about 409 km on the great circle.
	if d := Distance(kyiv, kharkiv) / 1000; math.Abs(d-409) > 3 {
		t.Errorf("Kyiv-Kharkiv = %.1f km, want about 409", d)
	}
	if d := Distance(kyiv, kyiv); d != 0 {
		t.Errorf("a point from itself = %g", d)
	}
}

func TestParseGeometry(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"type":"Point","coordinates":[34.5853,47.5069]}`, ""},
		{`{"type":"Point","coordinates":[200,47]}`, "is not a longitude from -180 to 180"},
		{`{"type":"LineString","coordinates":[[30,50]]}`, "needs two at least"},
		{`{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51],[30,50]]]}`, ""},
		{`{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51],[30,51]]]}`, "ring 0 is not closed"},
		{`{"type":"Polygon","coordinates":[[[30,50],[31,51],[31,50],[30,51],[30,50]]]}`, "ring 0 crosses itself"},
		{`{"type":"MultiPolygon","coordinates":[[[[30,50],[31,50],[31,51],[30,50]]],[[[30,50],[31,50]]]]}`, "polygon 1: ring 0 has 2 positions"},
		{`{"type":"Circle","coordinates":[30,50]}`, `geometry type "Circle" is not one of`},
		{`{"coordinates":[30,50]}`, "has no type"},
		{`{"type":"MultiPoint","coordinates":[]}`, "has no positions"},
	} {
		_, err := ParseGeometry([]byte(c.json))
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseGeometry(%s) = %v, want %q", c.json, err, c.want)
		}
	}
}

func TestContainsAndDistance(t *testing.T) {
	// A square around the plant with a hole around the plant itself.
	g, err := ParseGeometry([]byte(`{"type":"Polygon","coordinates":[
		[[34,47],[35,47],[35,48],[34,48],[34,47]],
		[[34.5,47.4],[34.7,47.4],[34.7,47.6],[34.5,47.6],[34.5,47.4]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if g.Contains(znpp) || !g.Contains(Point{34.2, 47.2}) || g.Contains(kyiv) {
		t.Error("Contains does not keep the hole, the inside and the outside apart")
	}
	if d := g.DistanceFrom(Point{34.2, 47.2}); d != 0 {
		t.Errorf("distance from inside = %g, want 0", d)
	}
	// From the plant to the hole's nearest edge: 0.085° of longitude at
	// 47.5°N, about 6.4 km.
	if d := g.DistanceFrom(znpp) / 1000; math.Abs(d-6.4) > 0.2 {
		t.Errorf("distance from the plant to the zone = %.2f km, want about 6.4", d)
	}
}

func TestSide(t *testing.T) {
	// A line walked from south to north: west is its left.
	l := []Point{{35, 46}, {35, 49}}
	if s := Side(l, Point{34, 47}); s != -1 {
		t.Errorf("a point west of a northward line: side %d, want -1 (left)", s)
	}
	if s := Side(l, Point{36, 47}); s != 1 {
		t.Errorf("a point east of a northward line: side %d, want 1 (right)", s)
	}
	// Beyond the line's ends there is no side.
	if s := Side(l, Point{34, 50}); s != 0 {
		t.Errorf("a point beyond the line's end: side %d, want 0", s)
	}
	// At a sharp vertex, the two segments that meet there decide: the
	// line goes north-east, then turns back south-west.
	sharp := []Point{{0, 0}, {1, 1}, {0, 0.05}}
	if s := Side(sharp, Point{1.001, 1.02}); s != 1 {
		t.Errorf("a point just past a sharp vertex, on the outside of a left turn: side %d, want 1 (right)", s)
	}
	if s := Side([]Point{{0, 0}, {0, 0}, {1, 0}, {2, 0}}, Point{1, 0.5}); s != -1 {
		t.Errorf("a point north of an eastward line with a repeated position: side %d, want -1", s)
	}
	if d := toLine(l, Point{36, 47.5}) / 1000; math.Abs(d-75.1) > 1 {
		t.Errorf("1° of longitude at 47.5°N = %.1f km, want about 75.1", d)
	}
}

// FuzzParseGeometry reads geometries as a zone file brings them, from
// anyone: whatever the bytes, no panic, and what is accepted answers
// Contains and DistanceFrom with a number.
func FuzzParseGeometry(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51],[30,50]]]}`))
	f.Add([]byte(`{"type":"MultiLineString","coordinates":[[[30,50],[31,51]],[[32,50],[33,49]]]}`))
	f.Add([]byte(`{"type":"Point","coordinates":[30,50,100]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGeometry(b)
		if err != nil {
			return
		}
		g.Contains(kyiv)
		if d := g.DistanceFrom(kyiv); math.IsNaN(d) || d < 0 {
			t.Fatalf("DistanceFrom = %g for %s", d, b)
		}
	})
}

// TestBoundsBelow: a box's bound is never above the true distance to a
// position in it, and is 0 inside it.
func TestBoundsBelow(t *testing.T) {
	g, err := ParseGeometry([]byte(`{"type":"Polygon","coordinates":[[[34,47],[35,47],[35,48],[34,48],[34,47]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b := g.Bounds()
	if b.MinLon != 34 || b.MinLat != 47 || b.MaxLon != 35 || b.MaxLat != 48 {
		t.Fatalf("Bounds = %+v", b)
	}
	if d := b.Below(Point{Lon: 34.5, Lat: 47.5}, math.Cos(47.5*math.Pi/180)); d != 0 {
		t.Errorf("Below inside the box = %g", d)
	}
	for _, p := range []Point{{Lon: 33, Lat: 47.5}, {Lon: 36.5, Lat: 49}, {Lon: 34.5, Lat: 46}, {Lon: 30, Lat: 52}} {
		if below, d := b.Below(p, math.Cos(p.Lat*math.Pi/180)), g.DistanceFrom(p); below > d || below < 0.7*d {
			t.Errorf("Below(%v) = %.0f m; the polygon is %.0f m away", p, below, d)
		}
	}
}
