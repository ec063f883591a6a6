package energy

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-project/parley"
)

// Invariants implements parley.WithInvariants. A statement's figures are
// what the records make of its period, byte for byte; periods do not
// overlap, and a recomputed statement replaces the latest of its period,
// never one still in dispute; a party co-signs only a statement that
// stands (not replaced, not in dispute, no dispute of it upheld). A
// meter's readings give each interval once: a correction replaces, once;
// new terms apply only after what is settled, in the plant's currency; a
// thing is disputed once at a time, and once decided, not again; a
// dispute is decided once; a plant's meters have distinct codes, and its
// terms distinct first days.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{figuresFromRecords, approvalOfStanding, oneSeriesAnInterval, termsAhead, meterFixed, oneDisputeAtATime,
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
	// Readings in a dispute not yet decided stay disputed whatever
	// replaces them, or a correction would end the dispute without a
	// decision; upheld, they stay out until corrected.
	undecided := map[string]bool{}
	for _, f := range pf.Disputes {
		d := f.Entity.(*Dispute)
		switch {
		case d.ReadingsID == "" || decided[f.ID] == Dismissed:
		case decided[f.ID] == "":
			undecided[d.ReadingsID] = true
			in.Disputed[d.ReadingsID] = true
		default:
			in.Disputed[d.ReadingsID] = true
		}
	}
	for carried := true; carried; {
		carried = false
		for _, s := range in.Series {
			if undecided[s.Replaces] && !undecided[s.ID] {
				undecided[s.ID], in.Disputed[s.ID], carried = true, true, true
			}
		}
	}
	return in, nil
}

// decided returns the disputes of statement or readings id decided so.
func (pf PlantFacts) decided(id, decision string) []string {
	how := map[string]string{}
	for _, f := range pf.Resolutions {
		r := f.Entity.(*Resolution)
		how[r.DisputeID] = r.Decision
	}
	var out []string
	for _, f := range pf.Disputes {
		d := f.Entity.(*Dispute)
		if (d.StatementID == id || d.ReadingsID == id) && how[f.ID] == decision {
			out = append(out, f.ID)
		}
	}
	return out
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
		// A statement of another period that overlaps this one starts at
		// most MaxPeriod before it.
		return append(plantNeeds(s.PlantID, from, until), parley.Need{Kind: KindStatement, Parent: s.PlantID, From: from.Add(-MaxPeriod), Until: until})
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
			if f.ID == subject || replaced[f.ID] {
				continue
			}
			if o.From == s.From && o.Until == s.Until {
				latest = f.ID
				continue
			}
			if of, ou, err := o.Period(); err == nil && of.Before(until) && from.Before(ou) {
				return parley.Conflictf("from", "the period overlaps that of statement %s (%s to %s): each quarter-hour is settled by one statement", f.ID, o.From, o.Until)
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
		// Byte for byte: figures that decode to the same values in Go
		// could still say something else to another reader (a key twice,
		// a key in another case).
		if s.Figures != want {
			return parley.Errorf("figures", "are not what the records of the period give, byte for byte; ask parley to settle the period (the figures it computes are %s)", clip(want, 2000))
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
		pf := PlantFacts{Disputes: facts[1], Resolutions: resolutions}
		if open := pf.OpenDisputes(a.StatementID); len(open) > 0 {
			return parley.Conflictf("statement_id", "statement %s is in dispute (%v): no one co-signs it until the dispute is decided", a.StatementID, open)
		}
		if upheld := pf.decided(a.StatementID, Upheld); len(upheld) > 0 {
			return parley.Conflictf("statement_id", "a dispute of statement %s was upheld (%v): it is to be replaced by a recomputed statement, which the parties co-sign", a.StatementID, upheld)
		}
		return nil
	},
}

// oneSeriesAnInterval: a meter's readings give each interval once. New
// readings may not overlap readings of the meter that stand; a correction
// replaces the readings it names, which nothing replaced before it.
var oneSeriesAnInterval = parley.Invariant{
	Kind: KindReadings, Name: "one standing value a meter and interval; a correction replaces once",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		r := e.(*Readings)
		start, err := time.Parse(time.RFC3339, r.Start)
		if err != nil {
			return []parley.Need{}
		}
		end := start.Add(time.Duration(len(r.Wh)) * Interval)
		return []parley.Need{{Kind: KindReadings, Parent: r.MeterID, From: SeriesFrom(start), Until: end}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		r := e.(*Readings)
		start, _ := time.Parse(time.RFC3339, r.Start)
		end := start.Add(time.Duration(len(r.Wh)) * Interval)
		replaced := map[string]string{}
		for _, f := range facts[0] {
			if o := f.Entity.(*Readings); o.Replaces != "" {
				replaced[o.Replaces] = f.ID
			}
		}
		if by := replaced[r.Replaces]; r.Replaces != "" && by != "" && by != subject {
			return parley.Conflictf("replaces", "readings %s were replaced already, by %s: correct those", r.Replaces, by)
		}
		for _, f := range facts[0] {
			o := f.Entity.(*Readings)
			if f.ID == subject || f.ID == r.Replaces || replaced[f.ID] != "" {
				continue
			}
			os := o.Series(f.ID, time.Time{})
			if os.Start.Before(end) && start.Before(os.End()) {
				return parley.Conflictf("start", "the readings overlap readings %s of this meter (%s to %s): an interval has one value; a correction names the readings it replaces (replaces)",
					f.ID, os.Start.UTC().Format(time.RFC3339), os.End().UTC().Format(time.RFC3339))
			}
		}
		return nil
	},
}

// termsAhead: new terms apply from a day no standing statement has
// settled (what was settled stays settled under the terms it applied;
// a statement whose dispute was upheld, or that settled nothing, does not
// count), and in the currency of the plant's other terms (a settlement
// adds its amounts).
var termsAhead = parley.Invariant{
	Kind: KindTerms, Name: "terms apply after what is settled, in one currency",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		t := e.(*SharingTerms)
		return []parley.Need{{Kind: KindTerms, Parent: t.PlantID}, {Kind: KindStatement, Parent: t.PlantID},
			{Kind: KindDispute, Parent: t.PlantID}, {Kind: KindResolution, Fields: map[string]string{"plant_id": t.PlantID}}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		t := e.(*SharingTerms)
		for _, f := range facts[0] {
			if o := f.Entity.(*SharingTerms); f.ID != subject && o.Currency != t.Currency {
				return parley.Errorf("currency", "is %q, but the plant's terms from %s are in %q: a settlement adds its amounts in one currency", t.Currency, o.From, o.Currency)
			}
		}
		from, err := time.Parse(time.DateOnly, t.From)
		if err != nil {
			return nil // Validate names it
		}
		if id, s := settledAfter(from, facts[1], facts[2], facts[3]); s != nil {
			return parley.Conflictf("from", "is before the end of statement %s (%s to %s): terms apply from a day no statement has settled yet", id, s.From, s.Until)
		}
		return nil
	},
}

// settledAfter returns a statement that binds what it settled (standing,
// no dispute of it upheld, some interval settled) and ends after day, if
// there is one: what it settled must stay as it was settled.
func settledAfter(day time.Time, statements, disputes, resolutions []parley.Fact) (string, *Statement) {
	replaced := map[string]bool{}
	for _, f := range statements {
		replaced[f.Entity.(*Statement).Replaces] = true
	}
	pf := PlantFacts{Disputes: disputes, Resolutions: resolutions}
	for _, f := range statements {
		s := f.Entity.(*Statement)
		var figures struct{ Settled int }
		json.Unmarshal([]byte(s.Figures), &figures)
		if replaced[f.ID] || figures.Settled == 0 || len(pf.decided(f.ID, Upheld)) > 0 {
			continue
		}
		if _, until, err := s.Period(); err == nil && day.Before(until) {
			return f.ID, s
		}
	}
	return "", nil
}

// meterFixed: a meter joins the plant, and leaves it, on a day no
// statement has settled yet; once committed, nothing of it changes but
// the day it leaves, set once.
var meterFixed = parley.Invariant{
	Kind: KindMeter, Name: "in and out of service after what is settled; nothing else changes",
	Needs: func(e parley.Entity, subject string) []parley.Need {
		m := e.(*Meter)
		needs := []parley.Need{{Kind: KindStatement, Parent: m.PlantID}, {Kind: KindDispute, Parent: m.PlantID},
			{Kind: KindResolution, Fields: map[string]string{"plant_id": m.PlantID}}}
		if subject != "" {
			needs = append(needs, parley.Need{Kind: KindMeter, ID: subject})
		}
		return needs
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		m := e.(*Meter)
		from, until, err := m.service()
		if err != nil {
			return err
		}
		field, day := "from", from
		if subject != "" && len(facts[3]) > 0 {
			old := *facts[3][0].Entity.(*Meter)
			if old.Until != "" && old.Until != m.Until {
				return parley.Conflictf("until", "the meter is out of service from %s already", old.Until)
			}
			was := old.Until
			old.Until, old.Note = m.Until, m.Note
			if old != *m {
				return parley.Conflictf("", "nothing of a meter changes but the day it goes out of service (until); a meter set up otherwise is a new meter")
			}
			if was == m.Until {
				return nil // its note at most: nothing a settlement reads
			}
			field, day = "until", until
		}
		if id, s := settledAfter(day, facts[0], facts[1], facts[2]); s != nil {
			return parley.Conflictf(field, "is before the end of statement %s (%s to %s): a meter joins and leaves the plant on a day no statement has settled yet", id, s.From, s.Until)
		}
		return nil
	},
}

// oneDisputeAtATime: a thing is in one dispute at a time, and once a
// dispute of it is decided, it is not disputed again: dismissed, it
// stands; upheld, it is corrected or recomputed, and the new one may be
// disputed.
var oneDisputeAtATime = parley.Invariant{
	Kind: KindDispute, Name: "one dispute of a thing at a time, decided once",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		d := e.(*Dispute)
		needs := []parley.Need{{Kind: KindDispute, Parent: d.PlantID}, {Kind: KindResolution, Fields: map[string]string{"plant_id": d.PlantID}}}
		if d.ReadingsID != "" {
			needs = append(needs, parley.Need{Kind: KindReadings, Fields: map[string]string{"replaces": d.ReadingsID}})
		}
		return needs
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		d := e.(*Dispute)
		field, id := "readings_id", d.ReadingsID
		if id == "" {
			field, id = "statement_id", d.StatementID
		}
		if len(facts) > 2 && len(facts[2]) > 0 {
			return parley.Conflictf(field, "readings %s were replaced by %s: what stands is disputed, not what it replaced", id, facts[2][0].ID)
		}
		how := map[string]string{}
		for _, f := range facts[1] {
			r := f.Entity.(*Resolution)
			how[r.DisputeID] = r.Decision
		}
		for _, f := range facts[0] {
			o := f.Entity.(*Dispute)
			if f.ID == subject || o.ReadingsID+o.StatementID != id {
				continue
			}
			switch how[f.ID] {
			case "":
				return parley.Conflictf(field, "is in dispute already (%s), not yet decided", f.ID)
			case Dismissed:
				return parley.Conflictf(field, "was disputed and the dispute dismissed (%s): it stands", f.ID)
			default:
				return parley.Conflictf(field, "was disputed and the dispute upheld (%s): dispute its correction or recomputation instead", f.ID)
			}
		}
		return nil
	},
}
