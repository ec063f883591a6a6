package energy

import (
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func dec(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, err := ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wh(vs ...int64) Values { return vs }

// plant is one unit of 1 MW (250,000 Wh a quarter-hour at most), its
// station use, and a delivery point into each of two parties' grids,
// shared 50/50 at 41.37 a MWh.
func plant(t *testing.T) Input {
	return Input{
		From: t0, Until: t0.Add(4 * Interval),
		Meters: []MeterSpec{{ID: "G1", Role: Generation, CapacityKW: 1000}, {ID: "S", Role: StationUse},
			{ID: "DA", Role: Delivery, Party: "a"}, {ID: "DB", Role: Delivery, Party: "b"}},
		Terms: []Terms{{ID: "terms-1", From: t0.AddDate(0, -1, 0), Shares: []Share{{"a", dec(t, "0.5")}, {"b", dec(t, "0.5")}},
			Losses: LossesByShare, Tolerance: dec(t, "0.05"), Price: dec(t, "41.37"), Currency: "EUR"}},
	}
}

func series(id, meter string, start time.Time, vs ...int64) Series {
	return Series{ID: id, Meter: meter, Start: start, Wh: wh(vs...), Submitted: start.Add(24 * time.Hour)}
}

// The hand-computed case: four quarter-hours of a 50/50 plant. In the
// first, a takes 3,000 Wh less than its entitlement and b as much more;
// in the second, the other way by 4,000 Wh (cession both ways in one
// period); in the third the unit trips half-way through the interval
// (100,000 Wh); in the fourth each takes its share.
//
//	      G1       S     net     DA     DB  losses  entitled each
//	t0 200000  10000  190000  90000  96000    4000  93000
//	t1 200000  10000  190000  97000  89000    4000  93000
//	t2 100000  10000   90000  44000  44000    2000  44000
//	t3 200000  10000  190000  93000  93000    4000  93000
//
// a: entitled 323,000, delivered 324,000, losses 7,000, ceded 3,000,
// received 4,000; b: entitled 323,000, delivered 322,000, ceded 4,000,
// received 3,000. a owes b 4,000 x 41.37 / 10^6 = 0.16548 for t1, b owes
// a 3,000 x 41.37 / 10^6 = 0.12411 for t0: net a pays b 0.04137, 0.04 to
// the cent, for 1,000 Wh.
func TestSettleHandComputed(t *testing.T) {
	in := plant(t)
	in.Series = []Series{
		series("g", "G1", t0, 200000, 200000, 100000, 200000),
		series("s", "S", t0, 10000, 10000, 10000, 10000),
		series("da", "DA", t0, 90000, 97000, 44000, 93000),
		series("db", "DB", t0, 96000, 89000, 44000, 93000),
	}
	in.Trace = true
	st, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 4 || len(st.Open) != 0 || len(st.Flags) != 0 {
		t.Fatalf("settled %d, open %v, flags %v", st.Settled, st.Open, st.Flags)
	}
	want := []PartyFigures{
		{Party: "a", EntitledKWh: "323.000", DeliveredKWh: "324.000", LossesKWh: "7.000", CededKWh: "3.000", ReceivedKWh: "4.000", Balance: "-0.04"},
		{Party: "b", EntitledKWh: "323.000", DeliveredKWh: "322.000", LossesKWh: "7.000", CededKWh: "4.000", ReceivedKWh: "3.000", Balance: "0.04"},
	}
	for i, w := range want {
		if st.Parties[i] != w {
			t.Errorf("party %d:\n got %+v\nwant %+v", i, st.Parties[i], w)
		}
	}
	if len(st.Payments) != 1 || st.Payments[0] != (Payment{From: "a", To: "b", EnergyKWh: "1.000", Amount: "0.04"}) {
		t.Errorf("payments %+v", st.Payments)
	}
	if st.Currency != "EUR" || len(st.Terms) != 1 || st.Terms[0] != "terms-1" {
		t.Errorf("currency %q, terms %v", st.Currency, st.Terms)
	}
	// The trace: every figure of t0 down to its readings.
	l := st.Trace[0]
	if l.NetWh != 190000 || l.LossWh != 4000 || l.Parties[0].Entitled != "93000.000" || l.Parties[0].Difference != "-3000.000" ||
		l.Parties[1].Difference != "3000.000" || len(l.Readings) != 4 || l.Readings[2] != (LineReading{Meter: "DA", Series: "da", Wh: 90000}) {
		t.Errorf("trace of t0: %+v", l)
	}
}

// A disputed reading holds its intervals open, with the net output they
// leave unsettled; the rest is settled.
func TestSettleDisputedReading(t *testing.T) {
	in := plant(t)
	in.Series = []Series{
		series("g", "G1", t0, 200000, 200000, 100000, 200000),
		series("s", "S", t0, 10000, 10000, 10000, 10000),
		series("da", "DA", t0, 90000, 97000, 44000, 93000),
		series("db-1", "DB", t0, 96000, 89000, 44000),
		series("db-2", "DB", t0.Add(3*Interval), 80000),
	}
	in.Disputed = map[string]bool{"db-2": true}
	st, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 3 || len(st.Open) != 1 || !st.Open[0].Start.Equal(t0.Add(3*Interval)) || st.Open[0].Reasons[0] != FlagDisputed {
		t.Fatalf("settled %d, open %+v", st.Settled, st.Open)
	}
	if st.OpenKWh != "190.000" {
		t.Errorf("open %s kWh, want 190.000", st.OpenKWh)
	}
	if st.Parties[0].EntitledKWh != "230.000" || st.Parties[0].Balance != "-0.04" {
		t.Errorf("a: %+v", st.Parties[0])
	}
	// The dispute decided and the reading corrected: a new series that
	// replaces the disputed one settles the interval.
	in.Disputed = nil
	in.Series = append(in.Series, Series{ID: "db-3", Meter: "DB", Start: t0.Add(3 * Interval), Wh: wh(93000), Replaces: "db-2", Submitted: t0.Add(48 * time.Hour)})
	st, err = Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 4 || st.Parties[1].DeliveredKWh != "322.000" {
		t.Errorf("after the correction: settled %d, b %+v", st.Settled, st.Parties[1])
	}
}

// Three parties of unequal shares: the energy a cedes is owed to it by
// each receiver for what that receiver took.
//
//	net 100,000; deliveries a 40,000, b 35,000, c 23,000; losses 2,000
//	shares 0.5 / 0.3 / 0.2, losses by share: 1,000 / 600 / 400
//	entitled 49,000 / 29,400 / 19,600: a cedes 9,000; b receives 5,600,
//	c 3,400; at 50 a MWh b owes a 0.28 and c owes a 0.17.
func TestSettleThreeParties(t *testing.T) {
	in := Input{From: t0, Until: t0.Add(Interval),
		Meters: []MeterSpec{{ID: "G", Role: Generation}, {ID: "DA", Role: Delivery, Party: "a"}, {ID: "DB", Role: Delivery, Party: "b"}, {ID: "DC", Role: Delivery, Party: "c"}},
		Terms: []Terms{{ID: "t", From: t0, Shares: []Share{{"a", dec(t, "0.5")}, {"b", dec(t, "0.3")}, {"c", dec(t, "0.2")}},
			Losses: LossesByShare, Tolerance: dec(t, "0.03"), Price: dec(t, "50"), Currency: "USD"}},
		Series: []Series{series("g", "G", t0, 100000), series("a", "DA", t0, 40000), series("b", "DB", t0, 35000), series("c", "DC", t0, 23000)},
	}
	st, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, p := range st.Parties {
		got = append(got, p.Party+" "+p.EntitledKWh+" "+p.CededKWh+" "+p.ReceivedKWh+" "+p.Balance)
	}
	if w := "a 49.000 9.000 0.000 0.45|b 29.400 0.000 5.600 -0.28|c 19.600 0.000 3.400 -0.17"; strings.Join(got, "|") != w {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), w)
	}
	if len(st.Payments) != 2 || st.Payments[0] != (Payment{From: "b", To: "a", EnergyKWh: "5.600", Amount: "0.28"}) ||
		st.Payments[1] != (Payment{From: "c", To: "a", EnergyKWh: "3.400", Amount: "0.17"}) {
		t.Errorf("payments %+v", st.Payments)
	}
	// Losses borne by delivery: a bears 2,000 x 40/98 = 40,000/49 Wh, so
	// its entitlement is 50,000 - 40,000/49 = 2,410,000/49 = 49,183.673 Wh.
	in.Terms[0].Losses = LossesByDelivery
	st, err = Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	if e := st.Parties[0].EntitledKWh; e != "49.184" {
		t.Errorf("a's entitlement with losses by delivery: %s kWh, want 49.184", e)
	}
	if e := st.Parties[1].EntitledKWh; e != "29.286" {
		t.Errorf("b's entitlement with losses by delivery: %s kWh, want 29.286", e)
	}
}

// Every kind of flag, each naming its reading; nothing settled where a
// reading is flagged, nothing dropped.
func TestSettleFlags(t *testing.T) {
	in := plant(t)
	in.Until = t0.Add(8 * Interval)
	g := series("g", "G1", t0, 200000, 200000, 260000, 200000, 200000, 200000, 200000, 200000)
	g.Wh[1] = NoValue // the meter reported a gap
	in.Series = []Series{
		g,
		series("s", "S", t0, 10000, 10000, 10000, -5, 10000, 10000, 10000, 10000),
		series("da", "DA", t0, 93000, 93000, 93000, 93000, 93000, 50000, 93000, 93000),
		series("db", "DB", t0, 93000, 93000, 93000, 93000, 93000, 93000, 93000),
		series("db-again", "DB", t0.Add(4*Interval), 93000),
		{ID: "early", Meter: "DA", Start: t0.Add(7 * Interval), Wh: wh(1), Submitted: t0.Add(7*Interval + time.Minute)},
	}
	st, err := Settle(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // interval -> its flags
		"0": "",
		"1": "gap G1 g",
		"2": "above-capacity G1 g",
		"3": "negative S s",
		"4": "duplicate DB db;duplicate DB db-again",
		"5": "meters-disagree  ",
		"6": "",
		"7": "duplicate DA da;duplicate DA early;gap DB ",
	}
	got := map[string]string{}
	for _, f := range st.Flags {
		k := strconv.Itoa(int(f.Start.Sub(t0) / Interval))
		if got[k] != "" {
			got[k] += ";"
		}
		got[k] += f.Kind + " " + f.Meter + " " + f.Series
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("interval %s: flags %q, want %q", k, got[k], w)
		}
	}
	if st.Settled != 2 || len(st.Open) != 6 {
		t.Errorf("settled %d, open %d", st.Settled, len(st.Open))
	}
	// A series for an interval that had not ended when it was submitted.
	in.Series = in.Series[:5]
	in.Series = append(in.Series, Series{ID: "clock", Meter: "DA", Start: t0.Add(7 * Interval), Wh: wh(93000), Replaces: "da", Submitted: t0.Add(7*Interval + time.Minute)})
	st, _ = Settle(in)
	var clock bool
	for _, f := range st.Flags {
		clock = clock || f.Kind == FlagClock && f.Series == "clock"
	}
	if !clock {
		t.Errorf("no clock flag: %+v", st.Flags)
	}
	in.Terms[0].From = t0.AddDate(1, 0, 0)
	st, _ = Settle(in)
	// Before any terms: open, said so, the eight intervals one run.
	var noTerms []Flag
	for _, f := range st.Flags {
		if f.Kind == FlagNoTerms {
			noTerms = append(noTerms, f)
		}
	}
	if st.Settled != 0 || len(noTerms) != 1 || noTerms[0].Intervals != 8 || !noTerms[0].Until.Equal(in.Until) {
		t.Errorf("without terms: settled %d, flags %+v", st.Settled, noTerms)
	}
	// Open runs (DA's series replaced by one of its last interval alone,
	// so gaps before it): intervals 0-1, 2,
	// 3, 4, 5-6, 7.
	if len(st.Open) != 6 || st.Open[0].Intervals != 2 || st.Open[4].Intervals != 2 {
		t.Errorf("open runs %+v", st.Open)
	}
}

func TestCheckShares(t *testing.T) {
	for _, c := range []struct {
		shares []string
		err    string
	}{
		{[]string{"0.5", "0.5"}, ""},
		{[]string{"0.3333", "0.6667"}, ""},
		{[]string{"0.5", "0.4"}, "add up to 0.900000, not 1"},
		{[]string{"0.5", "0.6"}, "add up to 1.100000, not 1"},
		{[]string{"1"}, "at least two parties"},
		{[]string{"1.5", "-0.5"}, "shares[0].share: must be more than 0 and at most 1"},
	} {
		var ss []Share
		for i, s := range c.shares {
			ss = append(ss, Share{Party: string(rune('a' + i)), Share: dec(t, s)})
		}
		err := CheckShares(ss)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%v: %v, want %q", c.shares, err, c.err)
		}
	}
}

func TestDecimals(t *testing.T) {
	for _, c := range []struct {
		in     string
		places int
		out    string
	}{
		{"0.125", 2, "0.12"}, {"0.135", 2, "0.14"}, {"-0.125", 2, "-0.12"}, {"-0.135", 2, "-0.14"},
		{"2.5", 0, "2"}, {"3.5", 0, "4"}, {"0.001", 2, "0.00"}, {"-0.001", 2, "0.00"}, {"1234567.891", 1, "1234567.9"}, {"7", 3, "7.000"},
	} {
		if got := FormatDecimal(dec(t, c.in), c.places); got != c.out {
			t.Errorf("FormatDecimal(%s, %d) = %s, want %s", c.in, c.places, got, c.out)
		}
	}
	for _, bad := range []string{"", "1e3", "1/3", "0,5", " 1", "1.", ".5", "+1"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}
