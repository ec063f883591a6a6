package ceasefire

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/parley-project/parley"
)

// The kinds of report.
const (
	// Daily is the monitors' daily report, after the OSCE SMM's: the
	// violations of a day per region and per party, with the change from
	// the day before.
	Daily = "daily"
	// Compliance is the periodic report of each party's compliance: its
	// violations by prohibition and by month, and its obligations.
	Compliance = "compliance"
)

// ReportTypes are the kinds of report parley makes.
var ReportTypes = []string{Daily, Compliance}

// Denial is a restriction of the monitors' freedom of movement, as a report
// counts it: when, by which party, in which region.
type Denial struct {
	At            time.Time
	Party, Region string
}

// Casualties are an incident's civilian casualties as its sources gave
// them: the highest figure any one source gave, never a sum of sources,
// which would count one death as many times as it was reported.
type Casualties struct{ Killed, Wounded int }

// ObligationDue is an obligation of a phase and whether it was verified
// done.
type ObligationDue struct {
	Phase int `json:"phase"`
	Obligation
	Done time.Time `json:"done,omitzero"`
}

// ReportInput is what a report is made from: the periods of the
// ceasefire, the incidents judged against them as their verification stood
// at At, and what else the report counts.
type ReportInput struct {
	Periods    []Period
	Incidents  []Incident
	Casualties map[string]Casualties
	Denials    []Denial
	// Parties are the parties the ceasefire binds, in the order reports
	// list them.
	Parties     []string
	Obligations []ObligationDue
	At          time.Time
	// Names are the regions' names, by zone id, which the report keeps:
	// a report says what it said, even after a region is renamed.
	Names map[string]string
}

// Report is a daily or compliance report's figures: what a committed
// report record holds, and every rendering of it (page, PDF, CSV,
// GeoJSON) shows.
type Report struct {
	Type       string    `json:"type"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until"`
	JudgedAt   time.Time `json:"judged_at"`
	Phase      int       `json:"phase"`
	PhaseTitle string    `json:"phase_title,omitempty"`
	Violations int       `json:"violations"`
	Previous   int       `json:"previous"`
	Unverified int       `json:"unverified"`
	Regions    []Region  `json:"regions"`
	Parties    []Party   `json:"parties"`
	// Lines are a daily report's violations, one by one; LinesLeftOut
	// counts those a record could not hold (the incidents themselves are
	// in the monitoring's records).
	Lines        []Line          `json:"lines,omitempty"`
	LinesLeftOut int             `json:"lines_left_out,omitempty"`
	Obligations  []ObligationDue `json:"obligations,omitempty"`
}

// Region is a report's figures for one region ("" for incidents in no
// region).
type Region struct {
	Region     string  `json:"region"`
	Name       string  `json:"name,omitempty"`
	Violations int     `json:"violations"`
	Previous   int     `json:"previous"`
	Weapons    []Count `json:"weapons,omitempty"`
	Killed     int     `json:"civilians_killed"`
	Wounded    int     `json:"civilians_wounded"`
	Denials    int     `json:"denials"`
	// ByMonth, in a compliance report, counts the violations by month.
	ByMonth []Count `json:"by_month,omitempty"`
}

// Party is a report's figures for one party: the violations attributed
// to it ("" for those no party could be attributed), and the restrictions
// of movement by it.
type Party struct {
	Party         string  `json:"party"`
	Violations    int     `json:"violations"`
	Previous      int     `json:"previous"`
	Denials       int     `json:"denials"`
	ByProhibition []Count `json:"by_prohibition,omitempty"`
	ByMonth       []Count `json:"by_month,omitempty"`
}

// Count is a figure under a name.
type Count struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// Line is one violation, as a report lists it.
type Line struct {
	Incident string    `json:"incident"`
	At       time.Time `json:"at"`
	Region   string    `json:"region,omitempty"`
	// RegionName is the region's name when the report was made.
	RegionName string   `json:"region_name,omitempty"`
	Weapon     string   `json:"weapon"`
	Target     string   `json:"target"`
	Phase      int      `json:"phase"`
	Breaks     []string `json:"breaks"`
	Party      string   `json:"party,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Lon        *float64 `json:"lon,omitempty"`
	Killed     int      `json:"civilians_killed,omitempty"`
	Wounded    int      `json:"civilians_wounded,omitempty"`
}

// MakeReport makes a report of the given type for [from, until): its
// violations, with the change from the period of the same length before
// it, per region and per party; a compliance report adds each party's
// violations by prohibition and by month, and the obligations due.
func MakeReport(typ string, in ReportInput, from, until time.Time) Report {
	r := Report{Type: typ, From: from, Until: until, JudgedAt: in.At}
	if p := InForce(in.Periods, until.Add(-time.Nanosecond)); p != nil {
		r.Phase, r.PhaseTitle = p.Phase.Number, p.Phase.Title
	}
	prevFrom := from.Add(-until.Sub(from))
	regions := map[string]*Region{}
	region := func(id string) *Region {
		if regions[id] == nil {
			regions[id] = &Region{Region: id, Name: in.Names[id]}
		}
		return regions[id]
	}
	parties := map[string]*Party{}
	for _, p := range in.Parties {
		parties[p] = &Party{Party: p}
	}
	party := func(id string) *Party {
		if parties[id] == nil {
			parties[id] = &Party{Party: id}
		}
		return parties[id]
	}
	weapons := map[string]map[string]int{}
	byProhibition := map[string]map[string]int{}
	// Months are counted by year*12+month, and named at the end.
	byMonth, regionMonths := map[string]map[int]int{}, map[string]map[int]int{}
	// Each incident of the period, or the one before, is judged where it
	// lies: a year of them is neither copied nor judged twice.
	jg := newJudge(in.Periods, in.At)
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		if inc.At.Before(prevFrom) || !inc.At.Before(until) {
			continue
		}
		j := jg.judge(inc)
		if inc.At.Before(from) {
			if j.Violation {
				r.Previous++
				party(j.Party).Previous++
				region(inc.Region).Previous++
			}
			continue
		}
		if len(j.Breaks) == 0 {
			continue
		}
		if !j.Violation {
			r.Unverified++
			continue
		}
		r.Violations++
		rg := region(inc.Region)
		rg.Violations++
		c := in.Casualties[inc.ID]
		rg.Killed += c.Killed
		rg.Wounded += c.Wounded
		if weapons[inc.Region] == nil {
			weapons[inc.Region] = map[string]int{}
		}
		weapons[inc.Region][inc.Weapon]++
		party(j.Party).Violations++
		if byProhibition[j.Party] == nil {
			byProhibition[j.Party], byMonth[j.Party] = map[string]int{}, map[int]int{}
		}
		for _, b := range j.Breaks {
			byProhibition[j.Party][b]++
		}
		if typ == Compliance {
			y, m, _ := inc.At.UTC().Date()
			byMonth[j.Party][y*12+int(m)-1]++
			if regionMonths[inc.Region] == nil {
				regionMonths[inc.Region] = map[int]int{}
			}
			regionMonths[inc.Region][y*12+int(m)-1]++
		}
		if typ == Daily {
			l := Line{Incident: inc.ID, At: inc.At, Region: inc.Region, RegionName: in.Names[inc.Region], Weapon: inc.Weapon, Target: inc.Target, Phase: j.Phase, Breaks: j.Breaks,
				Party: j.Party, Killed: c.Killed, Wounded: c.Wounded}
			if inc.Where != nil {
				lat, lon := inc.Where.Lat, inc.Where.Lon
				l.Lat, l.Lon = &lat, &lon
			}
			r.Lines = append(r.Lines, l)
		}
	}
	for _, d := range in.Denials {
		if !d.At.Before(from) && d.At.Before(until) {
			region(d.Region).Denials++
			party(d.Party).Denials++
		}
	}
	for id, rg := range regions {
		rg.Weapons = counts(weapons[id])
		rg.ByMonth = months(regionMonths[id])
		r.Regions = append(r.Regions, *rg)
	}
	slices.SortFunc(r.Regions, func(a, b Region) int { return cmp.Compare(a.Region, b.Region) })
	for _, p := range in.Parties {
		r.Parties = append(r.Parties, *parties[p])
	}
	var others []string
	for id := range parties {
		if !slices.Contains(in.Parties, id) {
			others = append(others, id)
		}
	}
	slices.Sort(others) // "" (not attributed) first
	for _, id := range others {
		r.Parties = append(r.Parties, *parties[id])
	}
	for i := range r.Parties {
		p := &r.Parties[i]
		p.ByProhibition = counts(byProhibition[p.Party])
		p.ByMonth = months(byMonth[p.Party])
	}
	slices.SortFunc(r.Lines, func(a, b Line) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Incident, b.Incident)) })
	if typ == Compliance {
		for _, o := range in.Obligations {
			due, _ := parley.ParseTime(o.Due)
			if due.Before(until) || !o.Done.IsZero() && o.Done.Before(until) {
				r.Obligations = append(r.Obligations, o)
			}
		}
	}
	return r
}

// months lists a tally by month (year*12 + month-1) in the order of the
// months, each named YYYY-MM.
func months(m map[int]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{fmt.Sprintf("%04d-%02d", k/12, k%12+1), n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// counts lists a tally, the largest first.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(b.N-a.N, cmp.Compare(a.Name, b.Name)) })
	return out
}
