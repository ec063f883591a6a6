package energy

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-project/parley"
)

// Invariants implements parley.WithInvariants. A statement's figures are
// what the records make of its period, and a recomputed statement
// replaces the latest of its period, never one still in dispute; a party
// co-signs only a statement that stands (not replaced, not in dispute);
// a dispute is decided once; a plant's meters have distinct codes, and
// its terms distinct first days.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{figuresFromRecords, approvalOfStanding,
		parley.Unique(kindNamed(KindResolution), "dispute_id"), parley.Unique(kindNamed(KindMeter), "plant_id", "code"),
		parley.Unique(kindNamed(KindTerms), "plant_id", "from")}
}

func kindNamed(name string) parley.Kind {
	i := slices.IndexFunc(kinds, func(k parley.Kind) bool { return k.Name == name })
	return kinds[i]
}

// plantNeeds are what a settlement of plant over [from, until) reads, in
// the order PlantFacts takes them.
func plantNeeds(plant string, from, until time.Time) []parley.Need {
	return []parley.Need{{Kind: KindPlant, ID: plant}, {Kind: KindMeter, Parent: plant}, {Kind: KindTerms, Parent: plant},
		{Kind: KindReadings, Fields: map[string]string{"plant_id": plant}, From: SeriesFrom(from), Until: until},
		{Kind: KindDispute, Parent: plant}, {Kind: KindResolution, Fields: map[string]string{"plant_id": plant}}}
}

// SeriesFrom is the earliest start of a series that may give a value for
// an interval at or after from: a series holds at most 31 days.
func SeriesFrom(from time.Time) time.Time { return from.Add(-time.Duration(MaxIntervals) * Interval) }

// PlantFacts are a plant's records as a settlement reads them.
type PlantFacts struct {
	Plant       parley.Fact
	Meters      []parley.Fact
	Terms       []parley.Fact
	Readings    []parley.Fact
	Disputes    []parley.Fact
	Resolutions []parley.Fact
}

func plantFacts(facts [][]parley.Fact) PlantFacts {
	var pf PlantFacts
	if len(facts[0]) > 0 {
		pf.Plant = facts[0][0]
	}
	pf.Meters, pf.Terms, pf.Readings, pf.Disputes, pf.Resolutions = facts[1], facts[2], facts[3], facts[4], facts[5]
	return pf
}

// Before keeps the records committed before seq: what a statement
// committed at seq was computed from.
func (pf PlantFacts) Before(seq int64) PlantFacts {
	keep := func(fs []parley.Fact) []parley.Fact {
		var out []parley.Fact
		for _, f := range fs {
			if f.Seq < seq {
				out = append(out, f)
			}
		}
		return out
	}
	return PlantFacts{Plant: pf.Plant, Meters: keep(pf.Meters), Terms: keep(pf.Terms), Readings: keep(pf.Readings),
		Disputes: keep(pf.Disputes), Resolutions: keep(pf.Resolutions)}
}

// Input makes the settlement's input for [from, until) from the plant's
// records.
func (pf PlantFacts) Input(from, until time.Time) (Input, error) {
	in := Input{From: from, Until: until, Disputed: map[string]bool{}}
	plant, _ := pf.Plant.Entity.(*Plant)
	for _, f := range pf.Meters {
		in.Meters = append(in.Meters, f.Entity.(*Meter).Spec(f.ID, plant))
	}
	slices.SortFunc(in.Meters, func(a, b MeterSpec) int { return cmp.Compare(a.ID, b.ID) })
	for _, f := range pf.Terms {
		t, err := f.Entity.(*SharingTerms).Terms(f.ID)
		if err != nil {
			return Input{}, err
		}
		in.Terms = append(in.Terms, t)
	}
	for _, f := range pf.Readings {
		// A correction covers what it replaces, interval for interval, so
		// both or neither overlap the period.
		if s := f.Entity.(*Readings).Series(f.ID, f.Created); s.End().After(from) && s.Start.Before(until) {
			in.Series = append(in.Series, s)
		}
	}
	// In one order whoever reads them: the flags of duplicates follow it.
	slices.SortFunc(in.Series, func(a, b Series) int {
		return cmp.Or(cmp.Compare(a.Meter, b.Meter), a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
	decided := map[string]string{}
	for _, f := range pf.Resolutions {
		r := f.Entity.(*Resolution)
		decided[r.DisputeID] = r.Decision
	}
	for _, f := range pf.Disputes {
		d := f.Entity.(*Dispute)
		if d.ReadingsID != "" && decided[f.ID] != Dismissed {
			in.Disputed[d.ReadingsID] = true
		}
	}
	return in, nil
}

// OpenDisputes returns the disputes of statement id not yet decided.
func (pf PlantFacts) OpenDisputes(statement string) []string {
	decided := map[string]bool{}
	for _, f := range pf.Resolutions {
		decided[f.Entity.(*Resolution).DisputeID] = true
	}
	var out []string
	for _, f := range pf.Disputes {
		if f.Entity.(*Dispute).StatementID == statement && !decided[f.ID] {
			out = append(out, f.ID)
		}
	}
	return out
}

// Figures computes the figures of a statement of [from, until) from the
// plant's records, as the statement commits them.
func (pf PlantFacts) Figures(from, until time.Time) (string, error) {
	in, err := pf.Input(from, until)
	if err != nil {
		return "", err
	}
	st, err := Settle(in)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(st)
	return string(b), err
}

// figuresFromRecords: a statement's figures are exactly what parley
// computes from the records of its period, so that no one (the mediator
// included) commits a settlement the readings do not give; a statement of
// a period that has one already replaces the latest, and only once its
// disputes are decided.
var figuresFromRecords = parley.Invariant{
	Kind: KindStatement, Name: "figures computed from the records; one standing statement a period",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		s := e.(*Statement)
		from, until, err := s.Period()
		if err != nil {
			return []parley.Need{}
		}
		return append(plantNeeds(s.PlantID, from, until), parley.Need{Kind: KindStatement, Parent: s.PlantID, From: from, Until: until})
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		s := e.(*Statement)
		from, until, err := s.Period()
		if err != nil {
			return err
		}
		pf := plantFacts(facts)
		var latest string
		replaced := map[string]bool{}
		for _, f := range facts[6] {
			if o := f.Entity.(*Statement); o.Replaces != "" {
				replaced[o.Replaces] = true
			}
		}
		for _, f := range facts[6] {
			o := f.Entity.(*Statement)
			if f.ID != subject && o.From == s.From && o.Until == s.Until && !replaced[f.ID] {
				latest = f.ID
			}
		}
		switch {
		case latest != "" && s.Replaces != latest:
			return parley.Conflictf("replaces", "the period has a statement already (%s): a recomputed statement replaces it", latest)
		case latest == "" && s.Replaces != "":
			return parley.Errorf("replaces", "names %s, which is not the standing statement of this period", s.Replaces)
		case latest != "" && len(pf.OpenDisputes(latest)) > 0:
			return parley.Conflictf("replaces", "statement %s is in dispute (%v): it is frozen until the dispute is decided", latest, pf.OpenDisputes(latest))
		}
		want, err := pf.Figures(from, until)
		if err != nil {
			return parley.Errorf("figures", "the records do not settle: %v", err)
		}
		var got Settlement
		if err := json.Unmarshal([]byte(s.Figures), &got); err != nil {
			return parley.Errorf("figures", "is not a settlement's figures: %v", err)
		}
		if b, _ := json.Marshal(got); string(b) != want {
			return parley.Errorf("figures", "are not what the records of the period give; ask parley to settle the period (the figures it computes are %s)", clip(want, 2000))
		}
		return nil
	},
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// approvalOfStanding: a party co-signs a statement that stands: not
// replaced by a recomputed one, and not in dispute.
var approvalOfStanding = parley.Invariant{
	Kind: KindApproval, Name: "co-signed only while the statement stands",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		a := e.(*Approval)
		return []parley.Need{{Kind: KindStatement, Fields: map[string]string{"replaces": a.StatementID}},
			{Kind: KindDispute, Fields: map[string]string{"statement_id": a.StatementID}}, {Kind: KindStatement, ID: a.StatementID}}
	},
	More: func(e parley.Entity, _ string, facts [][]parley.Fact) []parley.Need {
		if len(facts) > 3 || len(facts[2]) == 0 {
			return nil
		}
		return []parley.Need{{Kind: KindResolution, Fields: map[string]string{"plant_id": facts[2][0].Entity.(*Statement).PlantID}}}
	},
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		a := e.(*Approval)
		if len(facts[0]) > 0 {
			return parley.Conflictf("statement_id", "statement %s was replaced by %s, recomputed: co-sign that one", a.StatementID, facts[0][0].ID)
		}
		var resolutions []parley.Fact
		if len(facts) > 3 {
			resolutions = facts[3]
		}
		if open := (PlantFacts{Disputes: facts[1], Resolutions: resolutions}).OpenDisputes(a.StatementID); len(open) > 0 {
			return parley.Conflictf("statement_id", "statement %s is in dispute (%v): no one co-signs it until the dispute is decided", a.StatementID, open)
		}
		return nil
	},
}
