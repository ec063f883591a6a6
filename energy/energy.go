// Package energy is the equitable sharing of a contested power plant's
// electricity: the plant and its meters, the sharing terms agreed in the
// negotiating text, 15-minute meter readings, their quality flags, and the
// settlement of each period between the parties (entitlement, delivery,
// cession, compensation), traceable down to every reading.
//
// This file and its neighbours are the core, without I/O: plain values in,
// plain values out, exact arithmetic throughout (energy in whole
// watt-hours, shares and prices as decimal strings read into rationals,
// one rounding at a statement's totals). The kinds that commit plants,
// terms, readings, statements and disputes, and the pages, build on it.
//
// The model follows the arrangements that share a plant between states:
// Itaipu (output split by shares; the share one side does not take is
// ceded to the other, who compensates it at an agreed price) and Krsko
// (shares of output, a supply dispute settled by arbitration).
package energy

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/parley-project/parley"
)

// Interval is the length of one reading: 15 minutes, the metering
// interval of most European grids.
const Interval = 15 * time.Minute

// PerDay is the number of intervals in a day.
const PerDay = int(24 * time.Hour / Interval)

// The roles of a meter.
const (
	// Generation meters a unit's gross output.
	Generation = "generation"
	// StationUse meters what the plant takes for itself (pumps, cooling):
	// net output is generation less station use.
	StationUse = "station-use"
	// Delivery meters what enters one party's grid at a delivery point.
	Delivery = "delivery"
)

// MeterRoles lists the roles, in the order forms show them.
var MeterRoles = []string{Generation, StationUse, Delivery}

// MeterSpec is what the settlement needs of a meter.
type MeterSpec struct {
	ID   string
	Role string
	// Party is, for a delivery meter, the party whose grid it feeds.
	Party string
	// CapacityKW bounds a reading: more than a quarter-hour at capacity
	// is flagged. 0: unbounded.
	CapacityKW int64
	// From and Until bound when the meter is part of the plant (Until
	// zero: still in service): outside them no reading of it is expected,
	// and one given is flagged.
	From, Until time.Time
}

// InService reports whether the meter is part of the plant at t.
func (m MeterSpec) InService(t time.Time) bool {
	return !t.Before(m.From) && (m.Until.IsZero() || t.Before(m.Until))
}

// MaxWh is the most energy the meter can record in one interval, or 0.
func (m MeterSpec) MaxWh() int64 { return m.CapacityKW * 1000 * int64(Interval/time.Minute) / 60 }

// The ways losses between generation and the delivery points are borne.
const (
	// LossesByShare: each party bears the losses in proportion to its
	// share, so that its entitlement is its share of what is delivered.
	LossesByShare = "shares"
	// LossesByDelivery: each party bears the losses in proportion to what
	// it took.
	LossesByDelivery = "deliveries"
)

// LossAllocations lists them.
var LossAllocations = []string{LossesByShare, LossesByDelivery}

// Terms are the sharing terms in force from a day: each party's share of
// the net output, how losses are borne, how far metered losses may go
// before the meters are said to disagree, and the price at which energy
// one party cedes to another is compensated.
type Terms struct {
	ID string
	// From is the first instant the terms apply (midnight UTC of their
	// first day); the terms of a plant with the latest From at or before
	// an interval's start apply to it.
	From   time.Time
	Shares []Share
	// Losses is LossesByShare or LossesByDelivery.
	Losses string
	// Tolerance is the largest share of net output that metered losses
	// may be before the interval is flagged (meters disagree).
	Tolerance *big.Rat
	// Price is what one MWh ceded is compensated at, in Currency.
	Price    *big.Rat
	Currency string
}

// Share is one party's share of the net output.
type Share struct {
	Party string
	Share *big.Rat
}

// CheckShares checks that the shares name distinct parties, are each
// between 0 and 1, and add up to exactly 1; the error names the share.
func CheckShares(shares []Share) error {
	if len(shares) < 2 {
		return parley.Errorf("shares", "the output is shared between at least two parties, not %d", len(shares))
	}
	sum := new(big.Rat)
	seen := map[string]bool{}
	for i, s := range shares {
		switch {
		case s.Party == "":
			return parley.Errorf(fmt.Sprintf("shares[%d].party_id", i), "is required")
		case seen[s.Party]:
			return parley.Errorf(fmt.Sprintf("shares[%d].party_id", i), "%q has a share already", s.Party)
		case s.Share == nil || s.Share.Sign() <= 0 || s.Share.Cmp(ratInt(1)) > 0:
			return parley.Errorf(fmt.Sprintf("shares[%d].share", i), "must be more than 0 and at most 1")
		}
		seen[s.Party] = true
		sum.Add(sum, s.Share)
	}
	if sum.Cmp(ratInt(1)) != 0 {
		return parley.Errorf("shares", "add up to %s, not 1: the whole output must be shared", sum.FloatString(6))
	}
	return nil
}

// Series is one submission of readings for one meter: consecutive
// 15-minute intervals from Start, nil where the meter has no value. It is
// what one readings record commits.
type Series struct {
	// ID is the record's (the readings entity's) id: every figure of a
	// settlement traces back to it.
	ID    string
	Meter string
	Start time.Time
	// Wh holds one value an interval; NoValue is a gap the meter
	// reported.
	Wh Values
	// Replaces names the series this one corrects: from then on its
	// values stand in place of the other's.
	Replaces string
	// Submitted is when the readings were committed: an interval that had
	// not ended by then is a clock error of the meter.
	Submitted time.Time
}

// End is the end of the series' last interval.
func (s Series) End() time.Time { return s.Start.Add(time.Duration(len(s.Wh)) * Interval) }

// CheckStart checks that t starts an interval: on a quarter hour, to the
// second.
func CheckStart(t time.Time) error {
	if t.IsZero() || t.Truncate(Interval) != t {
		return reasonf("%s does not start a 15-minute interval (hh:00, :15, :30 or :45, no seconds)", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// termsAt returns the terms in force at t: the latest whose From is at or
// before it. ts is sorted by From.
func termsAt(ts []Terms, t time.Time) (*Terms, bool) {
	i, found := slices.BinarySearchFunc(ts, t, func(x Terms, t time.Time) int { return x.From.Compare(t) })
	if !found {
		i--
	}
	if i < 0 {
		return nil, false
	}
	return &ts[i], true
}
