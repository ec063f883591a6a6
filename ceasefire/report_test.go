package ceasefire

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReport: a day's violations per region and per party, with the day
// before's, casualties as the highest figure one source gave, restrictions
// of movement, and the unverified left out of the figures but counted; a
// compliance report adds each party's violations by prohibition and month
// and the obligations due.
func TestReport(t *testing.T) {
	periods := []Period{{Phase: energyFirst, From: at(0)}}
	h := func(d float64, hour int) time.Time { return at(d).Add(time.Duration(hour) * time.Hour) }
	incidents := []Incident{
		{ID: "a", At: h(5, 2), Target: "energy", Weapon: "missile", Region: "north", Verified: h(5, 20), Party: "x"},
		{ID: "b", At: h(5, 3), Target: "energy", Weapon: "attack-drone", Region: "north", Verified: h(5, 21), Party: "x"},
		{ID: "c", At: h(5, 4), Target: "energy", Weapon: "attack-drone", Region: "south", Verified: h(5, 22)},
		{ID: "d", At: h(5, 5), Target: "energy", Weapon: "missile", Region: "south"},                                // not verified
		{ID: "e", At: h(5, 6), Target: "residential", Weapon: "missile", Region: "south", Verified: h(5, 7)},        // breaks nothing
		{ID: "f", At: h(4, 6), Target: "energy", Weapon: "missile", Region: "south", Verified: h(4, 7), Party: "y"}, // the day before
		{ID: "g", At: h(6, 1), Target: "energy", Weapon: "missile", Region: "south", Verified: h(6, 2), Party: "y"}, // the day after
	}
	in := ReportInput{Periods: periods, Incidents: incidents, Parties: []string{"x", "y"}, At: h(6, 0),
		Casualties: map[string]Casualties{"a": {Killed: 1, Wounded: 4}, "b": {Wounded: 2}},
		Denials:    []Denial{{At: h(5, 9), Party: "y", Region: "south"}, {At: h(3, 9), Party: "y", Region: "south"}}}
	r := MakeReport(Daily, in, at(5), at(6))
	if r.Violations != 3 || r.Previous != 1 || r.Unverified != 1 || r.Phase != 1 {
		t.Errorf("day 5: %d violations (day before %d, unverified %d) in phase %d, want 3 (1, 1) in phase 1", r.Violations, r.Previous, r.Unverified, r.Phase)
	}
	regions := map[string]Region{}
	for _, rg := range r.Regions {
		regions[rg.Region] = rg
	}
	if n := regions["north"]; n.Violations != 2 || n.Killed != 1 || n.Wounded != 6 || len(n.Weapons) != 2 {
		t.Errorf("north: %+v, want 2 violations, 1 killed, 6 wounded, two weapons", n)
	}
	if s := regions["south"]; s.Violations != 1 || s.Previous != 1 || s.Denials != 1 {
		t.Errorf("south: %+v, want 1 violation (1 the day before) and 1 restriction", s)
	}
	var got []string
	for _, p := range r.Parties {
		got = append(got, p.Party+":"+itoa(p.Violations)+"/"+itoa(p.Previous)+"/"+itoa(p.Denials))
	}
	if strings.Join(got, " ") != "x:2/0/0 y:0/1/1 :1/0/0" {
		t.Errorf("per party (violations/day before/restrictions): %s", strings.Join(got, " "))
	}
	if len(r.Lines) != 3 || r.Lines[0].Incident != "a" || r.Lines[2].Party != "" {
		t.Errorf("lines: %+v", r.Lines)
	}
	// Judged as verification stood earlier, c was not yet verified.
	in.At = h(5, 21)
	if r := MakeReport(Daily, in, at(5), at(6)); r.Violations != 2 || r.Unverified != 2 {
		t.Errorf("judged at 21:00: %d violations, %d unverified, want 2 and 2", r.Violations, r.Unverified)
	}

	in.At = h(40, 0)
	in.Obligations = []ObligationDue{{Phase: 1, Obligation: Obligation{ID: "o1", PartyID: "x", Due: "2026-03-03"}},
		{Phase: 1, Obligation: Obligation{ID: "o2", PartyID: "y", Due: "2026-05-01"}}}
	c := MakeReport(Compliance, in, at(0), at(31))
	if c.Violations != 5 || len(c.Obligations) != 1 || c.Obligations[0].ID != "o1" {
		t.Errorf("compliance: %d violations, obligations %+v; want 5 and o1 alone", c.Violations, c.Obligations)
	}
	for _, p := range c.Parties {
		if p.Party == "y" && (len(p.ByMonth) != 1 || p.ByMonth[0] != (Count{"2026-03", 2}) || p.ByProhibition[0] != (Count{"energy", 2})) {
			t.Errorf("y by month %+v, by prohibition %+v", p.ByMonth, p.ByProhibition)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
