package ceasefire

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parley-project/parley"
)

// Invariants implements parley.WithInvariants: phases follow one another
// without gaps or overlaps, a capital consents to a phase only on the
// evidence that the phase before it may end, an obligation is verified
// done once, and suspensions do not overlap.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{phasesInSequence, consentOnEvidence, parley.Unique(kindNamed(KindFulfilment), "phase_id", "obligation_id"), suspensionsApart}
}

// phasesInSequence: one phase of each number in a ceasefire, and none
// without the one before it.
var phasesInSequence = parley.Invariant{
	Kind: KindPhase, Name: "phases numbered in sequence, one of each number",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		return []parley.Need{{Kind: KindPhase, Parent: e.(*Phase).CeasefireID}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		p := e.(*Phase)
		before := p.Number == 1
		for _, f := range facts[0] {
			o := f.Entity.(*Phase)
			if f.ID != subject && o.Number == p.Number {
				return parley.Conflictf("number", "phase %d of this ceasefire exists already (%s, %q); phases do not overlap: change that one instead", p.Number, f.ID, o.Title)
			}
			before = before || f.ID != subject && o.Number == p.Number-1
		}
		if !before {
			return parley.Errorf("number", "is %d, but the ceasefire has no phase %d; phases follow one another from 1", p.Number, p.Number-1)
		}
		return nil
	},
}

// suspensionsApart: no two suspensions of a ceasefire overlap.
var suspensionsApart = parley.Invariant{
	Kind: KindSuspension, Name: "suspensions of a ceasefire do not overlap",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		return []parley.Need{{Kind: KindSuspension, Parent: e.(*Suspension).CeasefireID}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		s := suspensionEntry("", e.(*Suspension))
		for _, f := range facts[0] {
			o := suspensionEntry(f.ID, f.Entity.(*Suspension))
			if f.ID != subject && (o.Until.IsZero() || s.From.Before(o.Until)) && (s.Until.IsZero() || o.From.Before(s.Until)) {
				return parley.Conflictf("from", "overlaps suspension %s (from %s); lift or change that one instead", f.ID, o.From.Format(time.RFC3339))
			}
		}
		return nil
	},
}

func suspensionEntry(id string, s *Suspension) SuspensionEntry {
	from, _ := parley.ParseTime(s.From)
	var until time.Time
	if s.Until != "" {
		until, _ = parley.ParseTime(s.Until)
	}
	return SuspensionEntry{ID: id, From: from, Until: until}
}

// now is the clock consents are judged by; tests set it.
var now = time.Now

// consentOnEvidence: a capital consents to phase N+1 only while phase N
// is in force and every one of its conditions holds, as the monitoring's
// verified incidents and the obligations verified done say now. The first
// phase needs no evidence.
var consentOnEvidence = parley.Invariant{
	Kind: KindConsent, Name: "a move to the next phase only when the conditions of the phase in force hold",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		c := e.(*Consent)
		return []parley.Need{
			{Kind: KindCeasefire, ID: c.CeasefireID}, {Kind: KindPhase, Parent: c.CeasefireID},
			{Kind: KindConsent, Fields: map[string]string{"ceasefire_id": c.CeasefireID}}, {Kind: KindSuspension, Parent: c.CeasefireID},
			{Kind: KindFulfilment}, {Kind: IncidentKind}, {Kind: StepKind}, {Kind: ZoneKind},
		}
	},
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		c := e.(*Consent)
		if len(facts[0]) == 0 {
			return nil // the reference check names the missing ceasefire
		}
		cf := facts[0][0].Entity.(*Ceasefire)
		var target *Phase
		phases := make([]PhaseEntry, len(facts[1]))
		for i, f := range facts[1] {
			phases[i] = PhaseEntry{ID: f.ID, RecordID: f.RecordID, Phase: *f.Entity.(*Phase)}
			if f.ID == c.PhaseID {
				target = &phases[i].Phase
			}
		}
		if target == nil || target.Number == 1 {
			return nil
		}
		consents := make([]ConsentEntry, len(facts[2]))
		for i, f := range facts[2] {
			o := f.Entity.(*Consent)
			consents[i] = ConsentEntry{PhaseID: o.PhaseID, PartyID: o.PartyID, On: f.On, At: f.Created, Seq: f.Seq}
		}
		suspensions := make([]SuspensionEntry, len(facts[3]))
		for i, f := range facts[3] {
			suspensions[i] = suspensionEntry(f.ID, f.Entity.(*Suspension))
		}
		t := now()
		states, periods := Schedule(cf, phases, consents, suspensions)
		period, _ := Now(states, periods, t)
		if period == nil || period.Phase.Number != target.Number-1 {
			in := "no phase is in force"
			if period != nil {
				in = fmt.Sprintf("phase %d is in force", period.Phase.Number)
			}
			return parley.Errorf("phase_id", "phase %d is consented to while phase %d is in force, and %s now", target.Number, target.Number-1, in)
		}
		var done map[string]time.Time
		for _, f := range facts[4] {
			fu := f.Entity.(*Fulfilment)
			if phaseOf(phases, fu.PhaseID) == period.Phase.Number {
				at, _ := parley.ParseTime(fu.VerifiedAt)
				if done == nil {
					done = map[string]time.Time{}
				}
				done[fu.ObligationID] = at
			}
		}
		incidents := Incidents(records(facts[5]), records(facts[6]), records(facts[7]), []Phase{period.Phase})
		st := Evaluate(*period, incidents, done, t)
		if !Ready(st) {
			var why []string
			for _, s := range st {
				if !s.Holds {
					why = append(why, s.Why)
				}
			}
			if len(st) == 0 {
				why = append(why, "it has no conditions, so only a change of the phase itself moves it on")
			}
			return parley.Errorf("phase_id", "the conditions of phase %d do not all hold: %s", period.Phase.Number, strings.Join(why, "; "))
		}
		return nil
	},
}

func kindNamed(name string) parley.Kind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	panic("no kind " + name)
}

func phaseOf(phases []PhaseEntry, id string) int {
	for _, p := range phases {
		if p.ID == id {
			return p.Phase.Number
		}
	}
	return 0
}

// records turns facts of another domain's kind into what Incidents reads.
func records(facts []parley.Fact) []Record {
	out := make([]Record, len(facts))
	for i, f := range facts {
		body, _ := json.Marshal(f.Entity)
		out[i] = Record{ID: f.ID, RecordID: f.RecordID, On: f.On, At: f.Created, Seq: f.Seq, Body: body}
	}
	return out
}
