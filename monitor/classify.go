package monitor

import (
	"math"

	"github.com/parley-project/parley/geo"
)

// PlacedZone is a zone with its geometry read, ready to classify against.
type PlacedZone struct {
	ID   string
	Zone *Zone
	Geo  geo.Geometry
	// Box bounds the geometry, so that a report far from a zone is
	// judged without measuring it exactly.
	Box geo.Box
}

// Place reads the zones' geometries once, for classifying many reports.
func Place(ids []string, zones []*Zone) ([]PlacedZone, error) {
	out := make([]PlacedZone, 0, len(zones))
	for i, z := range zones {
		g, err := z.Parsed()
		if err != nil {
			return nil, err
		}
		out = append(out, PlacedZone{ID: ids[i], Zone: z, Geo: g, Box: g.Bounds()})
	}
	return out, nil
}

// Classification is where a report places its event among the zones.
type Classification struct {
	// Located is false for a report that gives no coordinates (a region
	// alone); nothing else is set then.
	Located bool
	// Zones are the ids of the zones that contain the event (the line of
	// contact contains nothing).
	Zones []string
	// Region is the id of the first region that contains it.
	Region string
	// Protected is the id of the nearest protected object, and
	// ProtectedKm the distance to it (0 within its area or radius).
	Protected   string
	ProtectedKm float64
	// Side is the party holding the side of the line of contact the event
	// is on ("" on the line or beyond its ends), and LineKm the distance
	// to the line.
	Side   string
	LineKm float64
}

// Classify places one report among the zones: which contain it, its
// region, the nearest protected object and the distance to it, and which
// side of the line of contact it is on.
func Classify(zones []PlacedZone, r *Report) Classification {
	p, ok := r.Point()
	if !ok {
		return Classification{}
	}
	c := Classification{Located: true, ProtectedKm: math.Inf(1), LineKm: math.Inf(1)}
	cosLat := math.Cos(p.Lat * math.Pi / 180)
	for _, z := range zones {
		switch z.Zone.ZoneType {
		case ZoneContactLine:
			for _, l := range z.Geo.Lines {
				if d := lineDistance(l, p); d < c.LineKm {
					c.LineKm = d
					// On the line, or beyond its ends, the side is not
					// known, and none is claimed.
					switch geo.Side(l, p) {
					case -1:
						c.Side = z.Zone.LeftParty
					case 1:
						c.Side = z.Zone.RightParty
					default:
						c.Side = ""
					}
				}
			}
			continue
		}
		below := z.Box.Below(p, cosLat) / 1000
		if z.Zone.ZoneType == ZoneProtected && below-z.Zone.RadiusKm < c.ProtectedKm {
			d := z.Geo.DistanceFrom(p) / 1000
			if z.Zone.RadiusKm > 0 {
				d = math.Max(0, d-z.Zone.RadiusKm)
			}
			if d < c.ProtectedKm {
				c.Protected, c.ProtectedKm = z.ID, d
			}
		}
		if below <= z.Zone.RadiusKm && z.Zone.Contains(z.Geo, p) {
			c.Zones = append(c.Zones, z.ID)
			if z.Zone.ZoneType == ZoneRegion && c.Region == "" {
				c.Region = z.ID
			}
		}
	}
	if math.IsInf(c.ProtectedKm, 1) {
		c.ProtectedKm = 0
	}
	if math.IsInf(c.LineKm, 1) {
		c.LineKm = 0
	}
	return c
}

func lineDistance(l []geo.Point, p geo.Point) float64 {
	return geo.Geometry{Lines: [][]geo.Point{l}}.DistanceFrom(p) / 1000
}
