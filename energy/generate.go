package energy

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// GenConfig sets what Generate makes: a plant of Units (their capacity
// in kW) metered from Start for Days, delivering into the grids of
// Parties in proportion to Shares (which need not add up to 1: they
// weigh), from Seed.
type GenConfig struct {
	Units   []int64
	Start   time.Time
	Days    int
	Parties []string
	Shares  []float64
	Seed    uint64
}

// Generated is a plant's readings as Generate makes them: one series of
// values a meter, by the meter's code, every interval from Start.
type Generated struct {
	Start time.Time
	// Codes are the meters in order: "G1".."Gn", "S", then "D-<party>"
	// for each party.
	Codes  []string
	Values map[string][]int64
	// Trips and Outages say what the generator made happen, for tests
	// and for people reading the data.
	Trips   []Event
	Outages []Event
}

// Event is a unit out of service from Start to End.
type Event struct {
	Unit       int
	Start, End time.Time
}

// Generate makes a realistic run of a plant's readings: each unit out for
// refuelling some five weeks a year (the units staggered, so that the
// plant never stops whole), tripping now and then (the interval of the
// trip partial, the unit out for hours to two days), following load at
// night, and producing more in winter; station use of a twentieth of the
// output and a base load; losses of about 1.5 % between the units and the
// delivery points; and each party taking about its share of what is
// delivered, more on some days and less on others, so that energy is
// ceded both ways. Energy is whole watt-hours.
func Generate(c GenConfig) Generated {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	n := c.Days * PerDay
	g := Generated{Start: c.Start, Values: map[string][]int64{}}
	for i := range c.Units {
		g.Codes = append(g.Codes, "G"+strconv.Itoa(i+1))
	}
	g.Codes = append(g.Codes, "S")
	for _, p := range c.Parties {
		g.Codes = append(g.Codes, "D-"+p)
	}
	for _, code := range g.Codes {
		g.Values[code] = make([]int64, n)
	}
	var total int64
	for _, k := range c.Units {
		total += k
	}
	// Refuelling: one outage a unit a year, 30 to 40 days, the units'
	// outages spread over the year.
	out := make([][2]int, len(c.Units))
	for u := range c.Units {
		first := (u*365/max(len(c.Units), 1) + rng.IntN(20)) % 365
		out[u] = [2]int{first * PerDay, (first + 30 + rng.IntN(11)) * PerDay}
		g.Outages = append(g.Outages, Event{Unit: u + 1, Start: c.Start.Add(time.Duration(out[u][0]) * Interval), End: c.Start.Add(time.Duration(out[u][1]) * Interval)})
	}
	downUntil := make([]int, len(c.Units))
	weights := 0.0
	for _, w := range c.Shares {
		weights += w
	}
	takeBias := make([]float64, len(c.Parties))
	for t := range n {
		start := c.Start.Add(time.Duration(t) * Interval)
		day := start.YearDay()
		hour := start.Hour()
		if t%PerDay == 0 {
			// Each party's appetite for the day: some days it takes less
			// than its share, some days more.
			for k := range takeBias {
				takeBias[k] = (rng.Float64() - 0.5) * 0.2
			}
		}
		season := 0.95 + 0.04*math.Cos(2*math.Pi*float64(day-15)/365)
		night := 1.0
		if hour < 6 {
			night = 0.9
		}
		var gen int64
		for u, k := range c.Units {
			full := float64(k * 250) // Wh a quarter-hour at capacity
			v := int64(0)
			switch {
			case inYear(t, out[u]):
			case t < downUntil[u]:
			case rng.Float64() < 1.0/(120*float64(PerDay)):
				// A trip: partial output in the interval it happens in,
				// then out for 8 to 48 hours.
				part := rng.Float64()
				v = int64(full * season * night * part)
				downUntil[u] = t + 1 + (8+rng.IntN(41))*4
				g.Trips = append(g.Trips, Event{Unit: u + 1, Start: start, End: c.Start.Add(time.Duration(downUntil[u]) * Interval)})
			default:
				v = int64(full * season * night * (0.99 + 0.01*rng.Float64()))
			}
			g.Values["G"+strconv.Itoa(u+1)][t] = v
			gen += v
		}
		station := gen/20 + total*250/200
		g.Values["S"][t] = station
		net := gen - station
		if net <= 0 || len(c.Parties) == 0 {
			continue
		}
		delivered := net - int64(float64(net)*(0.015+0.003*(rng.Float64()-0.5)))
		rest := delivered
		for k, p := range c.Parties {
			if k == len(c.Parties)-1 {
				g.Values["D-"+p][t] = rest
				break
			}
			v := int64(float64(delivered) * c.Shares[k] / weights * (1 + takeBias[k]))
			v = min(max(v, 0), rest)
			g.Values["D-"+p][t] = v
			rest -= v
		}
	}
	return g
}

// inYear reports whether interval t falls in the outage [from, until) of
// any year of the run.
func inYear(t int, o [2]int) bool {
	t %= 365 * PerDay
	return t >= o[0] && t < o[1] || o[1] > 365*PerDay && t < o[1]-365*PerDay
}
