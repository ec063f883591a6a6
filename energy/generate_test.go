package energy

import (
	"encoding/json"
	"testing"
	"time"
)

// yearInput is the generated year of a plant of six 950 MW units shared
// 50/50, as series of a month each, the settlement's input.
func yearInput(tb testing.TB) (Input, Generated) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := Generate(GenConfig{Units: []int64{950000, 950000, 950000, 950000, 950000, 950000}, Start: start, Days: 365,
		Parties: []string{"a", "b"}, Shares: []float64{1, 1}, Seed: 7})
	half, _ := ParseDecimal("0.5")
	tol, _ := ParseDecimal("0.03")
	price, _ := ParseDecimal("40.00")
	in := Input{From: start, Until: start.AddDate(1, 0, 0),
		Terms: []Terms{{ID: "t", From: start, Shares: []Share{{"a", half}, {"b", half}}, Losses: LossesByShare, Tolerance: tol, Price: price, Currency: "USD"}}}
	for _, code := range g.Codes {
		m := MeterSpec{ID: code, Role: Generation, CapacityKW: 950000}
		switch {
		case code == "S":
			m = MeterSpec{ID: code, Role: StationUse}
		case code[0] == 'D':
			m = MeterSpec{ID: code, Role: Delivery, Party: code[2:]}
		}
		in.Meters = append(in.Meters, m)
		vs := g.Values[code]
		for from := start; from.Before(in.Until); from = from.AddDate(0, 1, 0) {
			a, b := int(from.Sub(start)/Interval), int(from.AddDate(0, 1, 0).Sub(start)/Interval)
			in.Series = append(in.Series, Series{ID: code + from.Format("-2006-01"), Meter: code, Start: from, Wh: wh(vs[a:b]...), Submitted: in.Until})
		}
	}
	return in, g
}

// The generated year is realistic and settles whole: every unit out once
// for refuelling, some trips, energy ceded both ways, no flag.
func TestGenerateYear(t *testing.T) {
	in, g := yearInput(t)
	if len(g.Outages) != 6 || len(g.Trips) == 0 {
		t.Errorf("%d outages, %d trips", len(g.Outages), len(g.Trips))
	}
	for _, o := range g.Outages {
		if d := o.End.Sub(o.Start); d < 30*24*time.Hour || d > 40*24*time.Hour {
			t.Errorf("unit %d's refuelling lasts %s", o.Unit, d)
		}
	}
	st, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 365*PerDay || len(st.Flags) != 0 {
		t.Fatalf("settled %d of %d; flags %v", st.Settled, st.Intervals, st.Flags[:min(len(st.Flags), 5)])
	}
	for _, p := range st.Parties {
		if p.CededKWh == "0.000" || p.ReceivedKWh == "0.000" {
			t.Errorf("party %s: ceded %s, received %s: the generator should cede both ways", p.Party, p.CededKWh, p.ReceivedKWh)
		}
	}
	if len(st.Payments) != 1 {
		t.Errorf("payments %+v", st.Payments)
	}
}

// The fast path and the rational one give the same statement, to the
// last digit of every figure and the trace of every interval.
func TestFastPathExact(t *testing.T) {
	in, _ := yearInput(t)
	in.Until = in.From.AddDate(0, 1, 0)
	in.Trace = true
	// A third party with an odd share, so that some intervals have two
	// parties ceding and take the rational path within the same run.
	third, _ := ParseDecimal("0.125")
	rest, _ := ParseDecimal("0.4375")
	in.Terms[0].Shares = []Share{{"a", rest}, {"b", rest}, {"c", third}}
	fast, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	ratsOnly = true
	defer func() { ratsOnly = false }()
	slow, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fast)
	b, _ := json.Marshal(slow)
	if string(a) != string(b) {
		t.Fatalf("the paths differ:\nfast %s\nrats %s", a[:min(len(a), 2000)], b[:min(len(b), 2000)])
	}
	if fast.Payments[0].Amount == "0.00" {
		t.Errorf("nothing owed: %+v", fast.Payments)
	}
}

// BenchmarkSettleYear settles a year of 15-minute readings of a six-unit
// plant with its station use and two delivery points (9 meters, 315,360
// readings), with and without the trace:
//
//	go test ./energy -run '^$' -bench SettleYear
func BenchmarkSettleYear(b *testing.B) {
	in, _ := yearInput(b)
	for _, trace := range []bool{false, true} {
		name := "totals"
		if trace {
			name = "trace"
		}
		b.Run(name, func(b *testing.B) {
			in.Trace = trace
			for b.Loop() {
				if _, err := Settle(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(in.Meters)*365*PerDay)/b.Elapsed().Seconds()*float64(b.N), "readings/s")
		})
	}
}
