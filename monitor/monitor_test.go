package monitor

import (
	"math"
	"strings"
	"testing"

	"github.com/parley-project/parley"
)

func f(v float64) *float64 { return &v }

// TestClassify places reports among a line of contact walked north to
// south (east of it held by "b"), a plant's exclusion disc, a region and a
// protected object.
func TestClassify(t *testing.T) {
	zones := []*Zone{
		{Name: "Line", ZoneType: ZoneContactLine, Geometry: `{"type":"LineString","coordinates":[[37,50],[37,47]]}`, LeftParty: "b", RightParty: "a"},
		{Name: "Plant", ZoneType: ZoneExclusion, Geometry: `{"type":"Point","coordinates":[34.5853,47.5069]}`, RadiusKm: 30},
		{Name: "Region", ZoneType: ZoneRegion, Geometry: `{"type":"Polygon","coordinates":[[[34,47],[36,47],[36,48],[34,48],[34,47]]]}`},
		{Name: "Substation", ZoneType: ZoneProtected, ProtectedClass: "energy", Geometry: `{"type":"Point","coordinates":[35,47.5]}`, RadiusKm: 1},
	}
	for _, z := range zones {
		if err := z.Validate(nil); err != nil {
			t.Fatalf("%s: %v", z.Name, err)
		}
	}
	placed, err := Place([]string{"line", "plant", "region", "sub"}, zones)
	if err != nil {
		t.Fatal(err)
	}
	near := Classify(placed, &Report{Lat: f(47.55), Lon: f(34.6)})
	if strings.Join(near.Zones, ",") != "plant,region" || near.Region != "region" || near.Side != "a" || near.Protected != "sub" {
		t.Errorf("a strike near the plant: %+v", near)
	}
	// 2.4° of longitude west of the line at 47.55°N: about 180 km.
	if math.Abs(near.LineKm-180.6) > 2 {
		t.Errorf("its distance to the line: %.1f km", near.LineKm)
	}
	east := Classify(placed, &Report{Lat: f(48), Lon: f(38)})
	if east.Side != "b" || len(east.Zones) != 0 {
		t.Errorf("a strike east of the line: %+v", east)
	}
	if c := Classify(placed, &Report{PlacePrecision: "region"}); c.Located {
		t.Errorf("a report without coordinates is placed: %+v", c)
	}
}

func TestZoneAndReportRefusals(t *testing.T) {
	for _, c := range []struct {
		e     parley.Entity
		field string
	}{
		{&Zone{Name: "L", ZoneType: ZoneContactLine, Geometry: `{"type":"Point","coordinates":[30,50]}`, LeftParty: "a", RightParty: "b"}, "geometry"},
		{&Zone{Name: "L", ZoneType: ZoneContactLine, Geometry: `{"type":"LineString","coordinates":[[30,50],[31,50]]}`}, "left_party"},
		{&Zone{Name: "P", ZoneType: ZoneExclusion, Geometry: `{"type":"Point","coordinates":[30,50]}`}, "radius_km"},
		{&Zone{Name: "R", ZoneType: ZoneRegion, Geometry: `{"type":"Polygon","coordinates":[[[30,50],[31,50],[31,51]]]}`}, "geometry"},
		{&Report{SourceType: SourceParty, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "settlement", Lat: f(50.45), Lon: f(30.52), WeaponClass: "attack-drone", TargetClass: "residential"}, "source_party"},
		{&Report{SourceType: SourceOpen, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "settlement", WeaponClass: "attack-drone", TargetClass: "residential"}, "lat"},
		{&Report{SourceType: SourceOpen, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "coordinates", Lat: f(95), Lon: f(30), WeaponClass: "attack-drone", TargetClass: "residential"}, "lat"},
		{&Report{SourceType: SourceOpen, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "region", WeaponClass: "laser", TargetClass: "residential"}, "weapon_class"},
		{&Report{SourceType: SourceOpen, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "region", WeaponClass: "missile", TargetClass: "residential", Casualties: []Casualty{{Kind: "wounded", Group: "civilian", Low: 27, High: 25}}}, "casualties[0].high"},
		{&Report{SourceType: SourceOpen, SourceName: "x", OccurredAt: "2026-01-24", TimePrecision: "day", PlaceName: "Kyiv",
			PlacePrecision: "region", WeaponClass: "missile", TargetClass: "residential", Evidence: []Evidence{{SHA256: "abc"}}}, "evidence[0].sha256"},
	} {
		c.e.Normalize()
		err := c.e.Validate(nil)
		var fe *parley.FieldError
		if !asFieldError(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: %v, want a refusal of %s", c.e, err, c.field)
		}
	}
}

func asFieldError(err error, fe **parley.FieldError) bool {
	e, ok := err.(*parley.FieldError)
	*fe = e
	return ok
}
