package ceasefire

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// BenchmarkJudgeYear judges a year of incidents at the OSCE SMM's 2017
// scale (400,000) against two phases, as parley does again whenever a
// phase's prohibitions change (the target: under 2 s), evaluates
// the first phase's conditions over them, and makes the daily report of
// the year's last day and the compliance report of the whole year from
// them (the target: under 200 ms each):
//
//	go test ./ceasefire -run '^$' -bench JudgeYear -benchtime 5x
func BenchmarkJudgeYear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	weapons, targets, zones := classes.Weapons, classes.Targets, classes.Zones
	incidents := make([]Incident, 400000)
	for i := range incidents {
		in := Incident{ID: strconv.Itoa(i), Region: []string{"r1", "r2", "r3", "r4", "r5", ""}[r.IntN(6)], At: start.Add(time.Duration(r.Int64N(int64(365 * day)))), Weapon: weapons[r.IntN(len(weapons))],
			Target: targets[r.IntN(len(targets))], Zones: []string{zones[r.IntN(len(zones))]}}
		if r.IntN(3) > 0 {
			in.Verified, in.Party = in.At.Add(time.Duration(r.Int64N(int64(10*day)))), []string{"a", "b", ""}[r.IntN(3)]
		}
		incidents[i] = in
	}
	periods := []Period{{Phase: energyFirst, From: start, Until: at(120)}, {Phase: general, From: at(120)}}
	b.Run("judge", func(b *testing.B) {
		for b.Loop() {
			Judge(periods, incidents, at(366))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/year")
	})
	b.Run("conditions", func(b *testing.B) {
		for b.Loop() {
			Evaluate(periods[0], incidents, nil, at(100))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/year")
	})
	in := ReportInput{Periods: periods, Incidents: incidents, Parties: []string{"a", "b"}, At: at(366),
		Casualties: map[string]Casualties{"1": {Killed: 1}}, Denials: []Denial{{At: at(364.5), Party: "a", Region: "r1"}}}
	b.Run("daily-report", func(b *testing.B) {
		var r Report
		for b.Loop() {
			r = MakeReport(Daily, in, at(364), at(365))
		}
		if r.Violations == 0 {
			b.Fatal("no violation on the last day")
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
	})
	b.Run("compliance-report-year", func(b *testing.B) {
		var r Report
		for b.Loop() {
			r = MakeReport(Compliance, in, at(0), at(365))
		}
		if len(r.Parties[0].ByMonth) < 12 {
			b.Fatalf("%d months", len(r.Parties[0].ByMonth))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
	})
}
