package monitor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/parley-project/parley/geo"
)

// GenConfig says what synthetic reports to make.
type GenConfig struct {
	// Reports is how many to make, about.
	Reports int
	// Line is the line of contact the events concentrate near.
	Line []geo.Point
	// Start is when the first day begins; EventsPerDay how many events
	// happen each day, spread over it.
	Start        time.Time
	EventsPerDay int
	// Coarse is the share of reports that say their time or place
	// coarsely: half of them give the day only, half a settlement's
	// coordinates (the nearest point of a 0.1 degree grid, 7 to 11 km
	// apart) rather than the event's.
	Coarse float64
	// Parties are the ids of the two parties whose staffs report ("a"
	// and "b" when empty).
	Parties [2]string
	// Seed makes the same reports again.
	Seed uint64
}

// Generated is one synthetic report and the event it truly reports.
type Generated struct {
	Report Report
	Event  int
	// Source is the report's source, for corroboration.
	Source string
}

// Generate makes realistic synthetic reports with their truth: events near
// the line of contact (most within 20 km of it), each of a weapon class,
// seen by 1 to 5 sources (parties, patrols, sensors, outlets, never one
// twice) who place it up to about 2.5 km off and up to 20 minutes off, and
// who may not know its weapon; a share of them (Coarse) give only its day,
// or a nearby settlement. The reports come out in the order they were
// made, event by event.
func Generate(cfg GenConfig) []Generated {
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	weapons := []string{"artillery", "artillery", "artillery", "mortar", "rocket-artillery", "attack-drone", "attack-drone", "glide-bomb", "missile", "small-arms"}
	targets := []string{"military", "military", "residential", "energy", "civilian-other", "transport"}
	var sources []genSource
	for i := range 6 {
		sources = append(sources, genSource{SourcePatrol, fmt.Sprintf("Patrol %d", i+1), ""})
	}
	for i := range 4 {
		sources = append(sources, genSource{SourceSensor, fmt.Sprintf("Sensor %d", i+1), ""})
	}
	if cfg.Parties == [2]string{} {
		cfg.Parties = [2]string{"a", "b"}
	}
	sources = append(sources, genSource{SourceParty, "Party A's general staff", cfg.Parties[0]}, genSource{SourceParty, "Party B's ministry of defence", cfg.Parties[1]},
		genSource{SourceOpen, "Regional news", ""}, genSource{SourceOpen, "National news", ""})
	// Lengths along the line, to place events evenly along it.
	var cum []float64
	total := 0.0
	for i := 0; i+1 < len(cfg.Line); i++ {
		total += geo.Distance(cfg.Line[i], cfg.Line[i+1])
		cum = append(cum, total)
	}
	var out []Generated
	day := 24 * time.Hour
	for event := 0; len(out) < cfg.Reports; event++ {
		at := cfg.Start.Add(time.Duration(event/cfg.EventsPerDay)*day + time.Duration(r.Float64()*float64(day)))
		// A point along the line, then off it.
		along := r.Float64() * total
		seg := 0
		for seg < len(cum)-1 && cum[seg] < along {
			seg++
		}
		a, b := cfg.Line[seg], cfg.Line[seg+1]
		f := r.Float64()
		p := geo.Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)}
		p = offset(p, r.NormFloat64()*12000, r.NormFloat64()*12000)
		weapon := weapons[r.IntN(len(weapons))]
		target := targets[r.IntN(len(targets))]
		count := 1 + r.IntN(6)
		seen := 1 + r.IntN(5)
		for _, si := range r.Perm(len(sources))[:seen] {
			src := sources[si]
			q := offset(p, r.NormFloat64()*1000, r.NormFloat64()*1000)
			w := weapon
			if r.IntN(8) == 0 {
				w = "unknown"
			}
			rep := Report{SourceType: src.kind, SourceName: src.name, SourceParty: src.party,
				OccurredAt: at.Add(time.Duration(r.NormFloat64() * float64(8*time.Minute))).Format(time.RFC3339), TimePrecision: "exact",
				PlacePrecision: "coordinates", WeaponClass: w, WeaponCount: max(1, count+r.IntN(3)-1), TargetClass: target}
			if r.Float64() < cfg.Coarse {
				if r.IntN(2) == 0 {
					rep.OccurredAt, rep.TimePrecision = at.UTC().Format(time.DateOnly), "day"
				} else {
					q = geo.Point{Lon: math.Round(q.Lon*10) / 10, Lat: math.Round(q.Lat*10) / 10}
					rep.PlacePrecision = "settlement"
				}
			}
			lat, lon := q.Lat, q.Lon
			rep.Lat, rep.Lon, rep.PlaceName = &lat, &lon, fmt.Sprintf("%.3f, %.3f", lat, lon)
			out = append(out, Generated{Event: event, Source: src.name, Report: rep})
		}
	}
	return out
}

// genSource is one of the generator's sources.
type genSource struct {
	kind  SourceType
	name  string
	party string
}

// offset moves p by east and north metres.
func offset(p geo.Point, east, north float64) geo.Point {
	return geo.Point{
		Lon: p.Lon + east/(geo.EarthRadius*math.Cos(p.Lat*math.Pi/180))*180/math.Pi,
		Lat: p.Lat + north/geo.EarthRadius*180/math.Pi,
	}
}
