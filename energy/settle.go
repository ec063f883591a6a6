package energy

import (
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Input is what a settlement of one period reads: the plant's meters, all
// its terms, every series of readings of its meters that overlaps the
// period (corrections and the series they replace alike), and the series
// that a dispute holds open.
type Input struct {
	// From and Until bound the period: [From, Until), on interval starts.
	From, Until time.Time
	Meters      []MeterSpec
	Terms       []Terms
	Series      []Series
	// Disputed holds the ids of series whose readings are in dispute: an
	// open dispute, or one upheld and not yet corrected.
	Disputed map[string]bool
	// Trace asks for every settled interval's figures (Statement.Trace).
	Trace bool
}

// The kinds of flag. A flag names the reading it concerns (the meter,
// the interval and the series that gave it); an interval with a flag on
// any reading is not settled but left open, with the flag as the reason.
const (
	FlagGap       = "gap"            // no value for the meter and interval
	FlagDuplicate = "duplicate"      // two series give one
	FlagNegative  = "negative"       // a value below zero
	FlagCapacity  = "above-capacity" // more than a quarter-hour at capacity
	FlagClock     = "clock"          // a value for an interval that had not ended when it was submitted
	FlagDisagree  = "meters-disagree"
	FlagDisputed  = "disputed"
	FlagNoTerms   = "no-terms" // no terms in force yet
	// FlagOutOfService: a value of a meter for a time it was not part of
	// the plant.
	FlagOutOfService = "out-of-service"
)

// FlagKinds lists them, in the order pages explain them.
var FlagKinds = []string{FlagGap, FlagDuplicate, FlagNegative, FlagCapacity, FlagClock, FlagDisagree, FlagDisputed, FlagNoTerms, FlagOutOfService}

// Flag is a reading, or an interval, that cannot be settled as it is; or
// a run of them, consecutive intervals flagged alike (the same kind, meter
// and series), so that a month of a meter's gap is one flag, not 2,976.
type Flag struct {
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	// Until is the end of the run's last interval; Intervals counts them.
	Until     time.Time `json:"until"`
	Intervals int       `json:"intervals"`
	// Meter is empty for a flag of the whole interval (meters disagree,
	// no terms).
	Meter string `json:"meter,omitempty"`
	// Series is the readings record the value came from, if any.
	Series string `json:"series,omitempty"`
	// Detail says what is wrong with the run's first reading.
	Detail string `json:"detail"`
}

// Settlement is a period's settlement: what each party was entitled to
// and took, what it ceded and received, and what is owed to whom; the
// intervals it leaves open and why. Energy is in kWh to the watt-hour,
// money to the cent, rounded half to even once, at these totals.
type Settlement struct {
	From     time.Time `json:"from"`
	Until    time.Time `json:"until"`
	Currency string    `json:"currency,omitempty"`
	// Terms are the ids of the terms applied, in order.
	Terms     []string       `json:"terms"`
	Intervals int            `json:"intervals"`
	Settled   int            `json:"settled"`
	Parties   []PartyFigures `json:"parties"`
	// Payments are the compensation owed, net between each two parties.
	Payments []Payment `json:"payments"`
	// Open lists the intervals not settled, OpenKWh the net output
	// metered in them (where it could be): what the settlement leaves
	// for a correction or a dispute's decision to settle.
	Open    []Open `json:"open"`
	OpenKWh string `json:"open_kwh"`
	Flags   []Flag `json:"flags"`
	Trace   []Line `json:"trace,omitempty"`
}

// PartyFigures are one party's totals for the period.
type PartyFigures struct {
	Party        string `json:"party"`
	EntitledKWh  string `json:"entitled_kwh"`
	DeliveredKWh string `json:"delivered_kwh"`
	LossesKWh    string `json:"losses_kwh"`
	// CededKWh is what it was entitled to and did not take; ReceivedKWh
	// what it took beyond its entitlement, from the others' cession.
	CededKWh    string `json:"ceded_kwh"`
	ReceivedKWh string `json:"received_kwh"`
	// Balance is what it is owed (positive) or owes (negative), net.
	Balance string `json:"balance"`
}

// Payment is compensation one party owes another for energy it received
// from the other's cession, net of what flowed the other way.
type Payment struct {
	From      string `json:"from"`
	To        string `json:"to"`
	EnergyKWh string `json:"energy_kwh"`
	Amount    string `json:"amount"`
}

// Open is a run of consecutive intervals the settlement leaves open for
// the same reasons (the kinds of their flags).
type Open struct {
	Start     time.Time `json:"start"`
	Until     time.Time `json:"until"`
	Intervals int       `json:"intervals"`
	Reasons   []string  `json:"reasons"`
}

// Line is one settled interval's figures, and the readings they come
// from: the trace of a statement.
type Line struct {
	Start  time.Time `json:"start"`
	Terms  string    `json:"terms"`
	NetWh  int64     `json:"net_wh"`
	LossWh int64     `json:"loss_wh"`
	// Parties are in the order of the statement's.
	Parties []LineParty `json:"parties"`
	// Readings name, for each meter, the series and its value.
	Readings []LineReading `json:"readings"`
}

// LineParty is one party's figures in one interval, in Wh (exact, as
// decimals).
type LineParty struct {
	Party     string `json:"party"`
	Entitled  string `json:"entitled_wh"`
	Delivered int64  `json:"delivered_wh"`
	// Difference is delivered less entitled: above 0 received, below ceded.
	Difference string `json:"difference_wh"`
}

// LineReading is one meter's value in one interval.
type LineReading struct {
	Meter  string `json:"meter"`
	Series string `json:"series"`
	Wh     int64  `json:"wh"`
}

// cell is what the series give for one meter and interval.
type cell struct {
	series []*Series
	values []int64
}

// ratsOnly turns the fast path off, for the test that holds both paths
// to the same figures.
var ratsOnly = false

// Settle settles the period. It fails only on input that is not a
// settlement's (a period not on interval starts, a meter without a role,
// terms whose shares do not add up); readings that cannot be settled are
// flagged, never dropped or corrected.
func Settle(in Input) (*Settlement, error) {
	if err := CheckStart(in.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := CheckStart(in.Until); err != nil {
		return nil, fmt.Errorf("until: %w", err)
	}
	if !in.Until.After(in.From) {
		return nil, fmt.Errorf("until: %s is not after from", in.Until.UTC().Format(time.RFC3339))
	}
	terms := slices.Clone(in.Terms)
	slices.SortFunc(terms, func(a, b Terms) int { return a.From.Compare(b.From) })
	for _, t := range terms {
		if err := CheckShares(t.Shares); err != nil {
			return nil, fmt.Errorf("terms %s: %w", t.ID, err)
		}
		if t.Price == nil || t.Price.Sign() < 0 {
			return nil, fmt.Errorf("terms %s: price: must be 0 or more", t.ID)
		}
	}
	col := make(map[string]int, len(in.Meters))
	for i, m := range in.Meters {
		if !slices.Contains(MeterRoles, m.Role) {
			return nil, fmt.Errorf("meter %s: role %q is not one of %v", m.ID, m.Role, MeterRoles)
		}
		col[m.ID] = i
	}
	n := int(in.Until.Sub(in.From) / Interval)
	grid := make([]cell, n*len(in.Meters))
	replaced := map[string]bool{}
	for _, s := range in.Series {
		if s.Replaces != "" {
			replaced[s.Replaces] = true
		}
	}
	for i := range in.Series {
		s := &in.Series[i]
		c, ok := col[s.Meter]
		if !ok || replaced[s.ID] {
			continue
		}
		first := int(s.Start.Sub(in.From) / Interval)
		for k := max(0, -first); k < len(s.Wh) && first+k < n; k++ {
			g := &grid[(first+k)*len(in.Meters)+c]
			g.series = append(g.series, s)
			g.values = append(g.values, s.Wh[k])
		}
	}

	st := &Settlement{From: in.From, Until: in.Until, Intervals: n, Terms: []string{}, Payments: []Payment{}, Open: []Open{}, Flags: []Flag{}}
	parties := partiesOf(inForce(terms, in.From, in.Until), in.Meters)
	pi := make(map[string]int, len(parties))
	for i, p := range parties {
		pi[p] = i
	}
	tot := newTotals(len(parties))
	var fast *fastTotals
	if !ratsOnly {
		fast = newFastTotals(terms, parties)
	}
	openWh := int64(0)
	delivered := make([]int64, len(parties))
	entitled := make([]*big.Rat, len(parties))
	runs := map[Flag]int{} // a run's key (kind, meter, series) -> its index in st.Flags
	var flags []Flag
	for t := range n {
		start := in.From.Add(time.Duration(t) * Interval)
		flags = flags[:0]
		var net, sumD int64
		clear(delivered)
		row := grid[t*len(in.Meters) : (t+1)*len(in.Meters)]
		for j, m := range in.Meters {
			if !m.InService(start) {
				for _, s := range row[j].series {
					flags = append(flags, Flag{Kind: FlagOutOfService, Start: start, Meter: m.ID, Series: s.ID,
						Detail: fmt.Sprintf("meter %s was not part of the plant at this time", m.ID)})
				}
				continue
			}
			v, ok := checkCell(&flags, m, start, row[j], in.Disputed)
			if !ok {
				continue
			}
			switch m.Role {
			case Generation:
				net += v
			case StationUse:
				net -= v
			case Delivery:
				sumD += v
				if k, ok := pi[m.Party]; ok {
					delivered[k] += v
				}
			}
		}
		tm, ok := termsAt(terms, start)
		if !ok {
			flags = append(flags, Flag{Kind: FlagNoTerms, Start: start, Detail: "no sharing terms were in force"})
		} else if len(flags) == 0 && !idle(net, sumD) {
			if d := disagreement(net, sumD, tm.Tolerance); d != "" {
				flags = append(flags, Flag{Kind: FlagDisagree, Start: start, Detail: d})
			}
		}
		if len(flags) > 0 {
			reasons := []string{}
			for _, f := range flags {
				if !slices.Contains(reasons, f.Kind) {
					reasons = append(reasons, f.Kind)
				}
				st.addFlag(runs, f)
			}
			if o := len(st.Open) - 1; o >= 0 && st.Open[o].Until.Equal(start) && slices.Equal(st.Open[o].Reasons, reasons) {
				st.Open[o].Until, st.Open[o].Intervals = start.Add(Interval), st.Open[o].Intervals+1
			} else {
				st.Open = append(st.Open, Open{Start: start, Until: start.Add(Interval), Intervals: 1, Reasons: reasons})
			}
			openWh += max(net, sumD, 0)
			continue
		}
		if idle(net, sumD) {
			// Nothing delivered, nothing to share: settled at zero (what
			// the idle plant draws for itself is its operator's).
			st.Settled++
			if in.Trace {
				for k := range entitled {
					entitled[k] = new(big.Rat)
				}
				st.Trace = append(st.Trace, traceLine(start, tm, parties, net, sumD, delivered, entitled, in.Meters, row))
			}
			continue
		}
		if !slices.Contains(st.Terms, tm.ID) {
			st.Terms = append(st.Terms, tm.ID)
			st.Currency = tm.Currency
		}
		st.Settled++
		if !fast.interval(tm, net, sumD, delivered, entitled, in.Trace, tot) {
			tot.interval(tm, parties, net, sumD, delivered, entitled)
		}
		if in.Trace {
			st.Trace = append(st.Trace, traceLine(start, tm, parties, net, sumD, delivered, entitled, in.Meters, row))
		}
	}
	st.OpenKWh = FormatDecimal(new(big.Rat).SetFrac64(openWh, 1000), 3)
	fast.flush(tot)
	tot.finish(st, parties)
	return st, nil
}

// addFlag adds f, one interval's, to the run it continues or as a new one.
func (st *Settlement) addFlag(runs map[Flag]int, f Flag) {
	key := Flag{Kind: f.Kind, Meter: f.Meter, Series: f.Series}
	if i, ok := runs[key]; ok && st.Flags[i].Until.Equal(f.Start) {
		st.Flags[i].Until, st.Flags[i].Intervals = f.Start.Add(Interval), st.Flags[i].Intervals+1
		return
	}
	f.Until, f.Intervals = f.Start.Add(Interval), 1
	runs[key] = len(st.Flags)
	st.Flags = append(st.Flags, f)
}

// checkCell flags what is wrong with one meter's reading of one interval,
// and returns the value if nothing is.
func checkCell(flags *[]Flag, m MeterSpec, start time.Time, c cell, disputed map[string]bool) (int64, bool) {
	flag := func(kind, series, detail string, args ...any) {
		*flags = append(*flags, Flag{Kind: kind, Start: start, Meter: m.ID, Series: series, Detail: fmt.Sprintf(detail, args...)})
	}
	switch len(c.series) {
	case 0:
		flag(FlagGap, "", "no readings of meter %s for this interval", m.ID)
		return 0, false
	case 1:
	default:
		for _, s := range c.series {
			flag(FlagDuplicate, s.ID, "%d series give meter %s a value for this interval, and none replaces the others", len(c.series), m.ID)
		}
		return 0, false
	}
	s, v := c.series[0], c.values[0]
	ok := true
	if v == NoValue {
		flag(FlagGap, s.ID, "the series has no value for this interval")
		return 0, false
	}
	if v < 0 {
		flag(FlagNegative, s.ID, "%d Wh is below zero", v)
		ok = false
	}
	if max := m.MaxWh(); max > 0 && v > max {
		flag(FlagCapacity, s.ID, "%d Wh is more than %d Wh, a quarter-hour at the meter's capacity of %d kW", v, max, m.CapacityKW)
		ok = false
	}
	if !s.Submitted.IsZero() && s.Submitted.Before(start.Add(Interval)) {
		flag(FlagClock, s.ID, "the value was submitted at %s, before the interval ended", s.Submitted.UTC().Format(time.RFC3339))
		ok = false
	}
	if disputed[s.ID] {
		flag(FlagDisputed, s.ID, "the readings are in dispute")
		ok = false
	}
	return v, ok
}

// idle reports whether an interval delivered nothing and the plant made
// nothing net: there is nothing to share.
func idle(net, delivered int64) bool { return net <= 0 && delivered == 0 }

// disagreement says how the meters disagree, or "": net output and
// deliveries differ by more than tol of the larger. Either way: deliveries
// a little above net output are within the meters' accuracy, as losses a
// little above the usual are.
func disagreement(net, delivered int64, tol *big.Rat) string {
	loss := net - delivered
	base := max(net, delivered)
	if loss == 0 {
		return ""
	}
	if base <= 0 {
		return fmt.Sprintf("net output is %d Wh and deliveries %d Wh", net, delivered)
	}
	// |loss| / base > tol
	lhs := new(big.Rat).SetFrac64(abs(loss), base)
	if tol != nil && lhs.Cmp(tol) <= 0 {
		return ""
	}
	return fmt.Sprintf("net output %d Wh and deliveries %d Wh differ by %s of the larger, beyond the tolerance of %s", net, delivered,
		FormatDecimal(lhs, 4), FormatDecimal(orZero(tol), 4))
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func orZero(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// inForce returns the terms (sorted by From) in force at some time in
// [from, until).
func inForce(ts []Terms, from, until time.Time) []Terms {
	var out []Terms
	for i, t := range ts {
		if t.From.Before(until) && (i == len(ts)-1 || ts[i+1].From.After(from)) {
			out = append(out, t)
		}
	}
	return out
}

// partiesOf lists the parties of every terms and delivery meter, in the
// order the terms first name them.
func partiesOf(terms []Terms, meters []MeterSpec) []string {
	var out []string
	for _, t := range terms {
		for _, s := range t.Shares {
			if !slices.Contains(out, s.Party) {
				out = append(out, s.Party)
			}
		}
	}
	for _, m := range meters {
		if m.Role == Delivery && m.Party != "" && !slices.Contains(out, m.Party) {
			out = append(out, m.Party)
		}
	}
	return out
}

// totals accumulates a period, exactly.
type totals struct {
	entitled, delivered, losses, ceded, received []*big.Rat
	// flow[q][p] is the energy q received from p's cession, owed[q][p]
	// what q owes p for it.
	flow, owed [][]*big.Rat
}

func newTotals(n int) *totals {
	mk := func() []*big.Rat {
		out := make([]*big.Rat, n)
		for i := range out {
			out[i] = new(big.Rat)
		}
		return out
	}
	t := &totals{entitled: mk(), delivered: mk(), losses: mk(), ceded: mk(), received: mk()}
	for range n {
		t.flow, t.owed = append(t.flow, mk()), append(t.owed, mk())
	}
	return t
}

// entitlements sets each party's entitlement in one interval (net of its
// losses) into entitled, and returns the losses each bears.
func entitlements(tm *Terms, parties []string, net, sumD int64, delivered []int64, entitled []*big.Rat) []*big.Rat {
	loss := net - sumD
	losses := make([]*big.Rat, len(parties))
	for k, p := range parties {
		share := new(big.Rat)
		for _, s := range tm.Shares {
			if s.Party == p {
				share = s.Share
			}
		}
		var l *big.Rat
		if tm.Losses == LossesByDelivery && sumD > 0 {
			l = new(big.Rat).Mul(ratInt(loss), new(big.Rat).SetFrac64(delivered[k], sumD))
		} else {
			l = new(big.Rat).Mul(ratInt(loss), share)
		}
		e := new(big.Rat).Mul(ratInt(net), share)
		entitled[k] = e.Sub(e, l)
		losses[k] = l
	}
	return losses
}

// interval adds one settled interval.
func (t *totals) interval(tm *Terms, parties []string, net, sumD int64, delivered []int64, entitled []*big.Rat) {
	losses := entitlements(tm, parties, net, sumD, delivered, entitled)
	ceded := new(big.Rat)
	diff := make([]*big.Rat, len(parties))
	for k := range parties {
		t.entitled[k].Add(t.entitled[k], entitled[k])
		t.delivered[k].Add(t.delivered[k], ratInt(delivered[k]))
		t.losses[k].Add(t.losses[k], losses[k])
		diff[k] = new(big.Rat).Sub(ratInt(delivered[k]), entitled[k])
		switch diff[k].Sign() {
		case 1:
			t.received[k].Add(t.received[k], diff[k])
		case -1:
			c := new(big.Rat).Neg(diff[k])
			t.ceded[k].Add(t.ceded[k], c)
			ceded.Add(ceded, c)
		}
	}
	if ceded.Sign() == 0 {
		return
	}
	// What each receiver took is from the ceders' cession in proportion
	// to what each ceded; it owes each at the price in force, per MWh.
	perWh := new(big.Rat).Quo(tm.Price, ratInt(1_000_000))
	for q := range parties {
		if diff[q].Sign() <= 0 {
			continue
		}
		for p := range parties {
			if diff[p].Sign() >= 0 {
				continue
			}
			e := new(big.Rat).Mul(diff[q], new(big.Rat).Quo(new(big.Rat).Neg(diff[p]), ceded))
			t.flow[q][p].Add(t.flow[q][p], e)
			t.owed[q][p].Add(t.owed[q][p], e.Mul(e, perWh))
		}
	}
}

// finish writes the totals into st, rounding once.
func (t *totals) finish(st *Settlement, parties []string) {
	kwh := func(wh *big.Rat) string { return FormatDecimal(new(big.Rat).Quo(wh, ratInt(1000)), 3) }
	balance := make([]*big.Rat, len(parties))
	for k := range parties {
		balance[k] = new(big.Rat)
	}
	for q := range parties {
		for p := q + 1; p < len(parties); p++ {
			// Net between q and p: what q owes p less what p owes q.
			amount := new(big.Rat).Sub(t.owed[q][p], t.owed[p][q])
			energy := new(big.Rat).Sub(t.flow[q][p], t.flow[p][q])
			from, to := q, p
			if amount.Sign() < 0 || amount.Sign() == 0 && energy.Sign() < 0 {
				from, to = p, q
				amount.Neg(amount)
				energy.Neg(energy)
			}
			if amount.Sign() == 0 && energy.Sign() == 0 {
				continue
			}
			rounded, _ := ParseDecimal(FormatDecimal(amount, 2))
			balance[to].Add(balance[to], rounded)
			balance[from].Sub(balance[from], rounded)
			st.Payments = append(st.Payments, Payment{From: parties[from], To: parties[to], EnergyKWh: kwh(energy), Amount: FormatDecimal(rounded, 2)})
		}
	}
	for k, p := range parties {
		st.Parties = append(st.Parties, PartyFigures{Party: p, EntitledKWh: kwh(t.entitled[k]), DeliveredKWh: kwh(t.delivered[k]),
			LossesKWh: kwh(t.losses[k]), CededKWh: kwh(t.ceded[k]), ReceivedKWh: kwh(t.received[k]), Balance: FormatDecimal(balance[k], 2)})
	}
}

func traceLine(start time.Time, tm *Terms, parties []string, net, sumD int64, delivered []int64, entitled []*big.Rat, meters []MeterSpec, row []cell) Line {
	l := Line{Start: start, Terms: tm.ID, NetWh: net, LossWh: net - sumD}
	for k, p := range parties {
		d := new(big.Rat).Sub(ratInt(delivered[k]), entitled[k])
		l.Parties = append(l.Parties, LineParty{Party: p, Entitled: FormatDecimal(entitled[k], 3), Delivered: delivered[k], Difference: FormatDecimal(d, 3)})
	}
	for j, m := range meters {
		if !m.InService(start) {
			continue
		}
		l.Readings = append(l.Readings, LineReading{Meter: m.ID, Series: row[j].series[0].ID, Wh: row[j].values[0]})
	}
	return l
}
