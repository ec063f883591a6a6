package energy

import (
	"math/big"
)

// fastTotals adds up, in int64, the intervals whose figures are whole
// numbers once scaled by the shares' common denominator: those where the
// losses are borne by share (or there are none) and at most one party
// cedes. That is nearly every interval of a plant shared between two
// parties, and it settles a year many times faster than rationals do;
// the other intervals take the exact rational path (totals.interval).
// Both give the same figures: the sums are flushed into the rational
// totals, exactly, before they could overflow.
type fastTotals struct {
	scale int64 // S: every share times S is whole
	// shares[terms id] holds each party's share times S, in parties' order.
	shares map[string][]int64
	// Sums since the last flush, times S.
	entitled, delivered, losses, ceded, received []int64
	// flow[terms id][q][p] is what q received from p's cession, times S.
	flow  map[string][][]int64
	terms map[string]*Terms
	// room is how much more any sum may grow before it is flushed: each
	// interval adds at most S times its largest energy to each.
	room int64
}

// maxScale bounds S, and maxWh the energy of one interval the fast path
// takes, so that one interval's products stay far below 2^63.
const (
	maxScale = 1_000_000
	maxWh    = 1 << 40
	maxRoom  = 1 << 62
)

// newFastTotals returns the fast path for terms, or nil if their shares
// have no small common denominator.
func newFastTotals(terms []Terms, parties []string) *fastTotals {
	lcm := big.NewInt(1)
	for _, t := range terms {
		for _, s := range t.Shares {
			d := s.Share.Denom()
			g := new(big.Int).GCD(nil, nil, lcm, d)
			lcm.Mul(lcm, new(big.Int).Quo(d, g))
		}
	}
	if !lcm.IsInt64() || lcm.Int64() > maxScale {
		return nil
	}
	f := &fastTotals{scale: lcm.Int64(), shares: map[string][]int64{}, flow: map[string][][]int64{}, terms: map[string]*Terms{}, room: maxRoom}
	n := len(parties)
	f.entitled, f.delivered, f.losses, f.ceded, f.received = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, t := range terms {
		sh := make([]int64, n)
		for k, p := range parties {
			for _, s := range t.Shares {
				if s.Party == p {
					sh[k] = new(big.Int).Quo(new(big.Int).Mul(s.Share.Num(), lcm), s.Share.Denom()).Int64()
				}
			}
		}
		f.shares[t.ID] = sh
		fl := make([][]int64, n)
		for q := range fl {
			fl[q] = make([]int64, n)
		}
		f.flow[t.ID] = fl
		f.terms[t.ID] = &terms[i]
	}
	return f
}

// interval adds one settled interval, if it can, and sets entitled (for
// the trace) when trace is set; false leaves it to the rational path.
func (f *fastTotals) interval(tm *Terms, net, sumD int64, delivered []int64, entitled []*big.Rat, trace bool, t *totals) bool {
	loss := net - sumD
	if f == nil || tm.Losses != LossesByShare && loss != 0 || abs(net) > maxWh || abs(sumD) > maxWh {
		return false
	}
	sh := f.shares[tm.ID]
	var ent [8]int64
	if len(sh) > len(ent) {
		return false
	}
	if m := f.scale * max(abs(net), abs(sumD), abs(loss)); m > f.room {
		f.flush(t)
	} else {
		f.room -= m
	}
	// With losses borne by share, a party's entitlement is its share of
	// the net output less its share of the losses: its share of what was
	// delivered.
	ceder, ceders := -1, 0
	for k := range sh {
		ent[k] = sh[k] * sumD
		if delivered[k]*f.scale < ent[k] {
			ceder, ceders = k, ceders+1
		}
	}
	if ceders > 1 {
		return false
	}
	fl := f.flow[tm.ID]
	for k := range sh {
		d := delivered[k]*f.scale - ent[k]
		f.entitled[k] += ent[k]
		f.delivered[k] += delivered[k] * f.scale
		f.losses[k] += sh[k] * loss
		if d > 0 {
			f.received[k] += d
			fl[k][ceder] += d
		} else {
			f.ceded[k] -= d
		}
		if trace {
			entitled[k] = new(big.Rat).SetFrac64(ent[k], f.scale)
		}
	}
	return true
}

// flush adds the sums into the rational totals and clears them.
func (f *fastTotals) flush(t *totals) {
	if f == nil || f.room == maxRoom {
		return
	}
	f.room = maxRoom
	s := ratInt(f.scale)
	add := func(to []*big.Rat, from []int64) {
		for k, v := range from {
			if v != 0 {
				to[k].Add(to[k], new(big.Rat).Quo(ratInt(v), s))
			}
		}
		clear(from)
	}
	add(t.entitled, f.entitled)
	add(t.delivered, f.delivered)
	add(t.losses, f.losses)
	add(t.ceded, f.ceded)
	add(t.received, f.received)
	for id, tm := range f.terms {
		perWh := new(big.Rat).Quo(tm.Price, ratInt(1_000_000))
		for q, row := range f.flow[id] {
			for p, v := range row {
				if v == 0 {
					continue
				}
				e := new(big.Rat).Quo(ratInt(v), s)
				t.flow[q][p].Add(t.flow[q][p], e)
				t.owed[q][p].Add(t.owed[q][p], e.Mul(e, perWh))
				row[p] = 0
			}
		}
	}
}
