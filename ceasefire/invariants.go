package ceasefire

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley"
)

// Invariants implements parley.WithInvariants. What has been in force
// stays as it was: phases follow one another without gaps or overlaps,
// and a phase every signer agreed to no longer changes; a capital
// consents to a phase only once, and to the next only on the evidence that
// the phase in force may end; the parties and mediator of a ceasefire do
// not change once anyone consented; a suspension starts now or later, and
// suspensions do not overlap; an obligation is verified done once.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{phasesInSequence, consentOnEvidence, signersFixed, zonesFixed,
		parley.Unique(kindNamed(KindFulfilment), "phase_id", "obligation_id"), suspensionsAhead}
}

// stamp is how the ceasefire's refusals write a time.
const stamp = "2006-01-02 15:04 UTC"

// phasesInSequence: one phase of each number in a ceasefire, none without
// the one before it, a phase's number never changes, and a phase agreed
// by every signer is never changed: what was in force stays what it was.
var phasesInSequence = parley.Invariant{
	Kind: KindPhase, Name: "phases in sequence, unchanged once agreed",
	Needs: func(e parley.Entity, subject string) []parley.Need {
		id := e.(*Phase).CeasefireID
		return []parley.Need{{Kind: KindPhase, Parent: id}, {Kind: KindCeasefire, ID: id},
			{Kind: KindConsent, Fields: map[string]string{"ceasefire_id": id}}, {Kind: KindPhase, ID: subject}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		p := e.(*Phase)
		if len(facts[3]) > 0 && facts[3][0].Entity.(*Phase).CeasefireID != p.CeasefireID {
			return parley.Errorf("ceasefire_id", "is %q, but this phase is of ceasefire %q: a phase never moves to another ceasefire",
				p.CeasefireID, facts[3][0].Entity.(*Phase).CeasefireID)
		}
		before := p.Number == 1
		for _, f := range facts[0] {
			o := f.Entity.(*Phase)
			if f.ID == subject && o.Number != p.Number {
				return parley.Errorf("number", "is %d, but this phase is phase %d: a phase's number never changes", p.Number, o.Number)
			}
			if f.ID != subject && o.Number == p.Number {
				return parley.Conflictf("number", "phase %d of this ceasefire exists already (%s, %q); phases do not overlap", p.Number, f.ID, o.Title)
			}
			before = before || f.ID != subject && o.Number == p.Number-1
		}
		if !before {
			return parley.Errorf("number", "is %d, but the ceasefire has no phase %d; phases follow one another from 1", p.Number, p.Number-1)
		}
		if subject == "" || len(facts[1]) == 0 {
			return nil
		}
		states, _ := Schedule(facts[1][0].Entity.(*Ceasefire), phaseEntries(facts[0]), consentEntries(facts[2]), nil)
		for _, s := range states {
			if s.ID == subject && !s.From.IsZero() {
				return parley.Conflictf("", "phase %d was agreed by every party and the mediator (in force from %s): its terms no longer change; agree a new phase instead",
					p.Number, s.From.Format(stamp))
			}
		}
		return nil
	},
}

// signersFixed: once anyone consented to a phase of a ceasefire, who it
// binds and who mediates it no longer change, or a change would take back
// what was agreed.
var signersFixed = parley.Invariant{
	Kind: KindCeasefire, Name: "its parties and mediator fixed once anyone consented",
	Needs: func(_ parley.Entity, subject string) []parley.Need {
		if subject == "" {
			return []parley.Need{}
		}
		return []parley.Need{{Kind: KindCeasefire, ID: subject}, {Kind: KindConsent, Fields: map[string]string{"ceasefire_id": subject}}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		if len(facts) < 2 || len(facts[0]) == 0 || len(facts[1]) == 0 {
			return nil
		}
		c, cur := e.(*Ceasefire), facts[0][0].Entity.(*Ceasefire)
		if c.MediatorID != cur.MediatorID {
			return parley.Errorf("mediator_id", "is %q, but parties consented to phases mediated by %q: it no longer changes", c.MediatorID, cur.MediatorID)
		}
		if !slices.Equal(c.Parties, cur.Parties) {
			return parley.Errorf("parties", "are %v, but parties consented to phases binding %v: they no longer change", c.Parties, cur.Parties)
		}
		return nil
	},
}

// zonesFixed: a zone that a prohibition of an agreed phase names keeps its
// place (its type, geometry and radius): moving it would change what was
// judged under the phase. The monitoring records a new zone instead. The
// rule is the ceasefire's, on the monitoring's kind, which it names.
var zonesFixed = parley.Invariant{
	Kind: ZoneKind, Name: "a zone an agreed ceasefire phase names keeps its place",
	Needs: func(_ parley.Entity, subject string) []parley.Need {
		if subject == "" {
			return []parley.Need{}
		}
		return []parley.Need{{Kind: ZoneKind, ID: subject}, {Kind: KindPhase}, {Kind: KindCeasefire}, {Kind: KindConsent}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		if len(facts) < 4 || len(facts[0]) == 0 {
			return nil
		}
		place := func(raw []byte) zoneBody {
			var b zoneBody
			json.Unmarshal(raw, &b)
			return b
		}
		written, _ := json.Marshal(e)
		if place(written) == place(facts[0][0].Body) {
			return nil
		}
		for _, cf := range facts[2] {
			var phases []parley.Fact
			for _, f := range facts[1] {
				if f.Entity.(*Phase).CeasefireID == cf.ID {
					phases = append(phases, f)
				}
			}
			var consents []parley.Fact
			for _, f := range facts[3] {
				if f.Entity.(*Consent).CeasefireID == cf.ID {
					consents = append(consents, f)
				}
			}
			states, _ := Schedule(cf.Entity.(*Ceasefire), phaseEntries(phases), consentEntries(consents), nil)
			for _, st := range states {
				if st.From.IsZero() {
					continue
				}
				for _, pr := range st.Phase.Prohibitions {
					if slices.Contains(pr.Zones, subject) {
						return parley.Conflictf("geometry", "the zone is named by prohibition %q of phase %d of %q, agreed by every party and the mediator: its place no longer changes; record a new zone instead",
							pr.ID, st.Phase.Number, cf.Entity.(*Ceasefire).Title)
					}
				}
			}
		}
		return nil
	},
}

// settle is how far in the past a suspension may start: a clock a little
// behind another's.
const settle = time.Minute

// suspensionsAhead: a suspension starts now or later, and is lifted now or
// later, never in the past, which would take back what was in force; its
// start never changes; and no two suspensions of a ceasefire overlap.
var suspensionsAhead = parley.Invariant{
	Kind: KindSuspension, Name: "suspensions from now on, not overlapping",
	Needs: func(e parley.Entity, subject string) []parley.Need {
		return []parley.Need{{Kind: KindSuspension, Parent: e.(*Suspension).CeasefireID}, {Kind: KindSuspension, ID: subject}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		if len(facts[1]) > 0 && facts[1][0].Entity.(*Suspension).CeasefireID != e.(*Suspension).CeasefireID {
			return parley.Errorf("ceasefire_id", "is not the ceasefire this suspension is of: a suspension never moves to another")
		}
		s := SuspensionOf("", e.(*Suspension))
		t := now().Add(-settle)
		var cur *SuspensionEntry
		for _, f := range facts[0] {
			o := SuspensionOf(f.ID, f.Entity.(*Suspension))
			if f.ID == subject {
				cur = &o
				continue
			}
			if (o.Until.IsZero() || s.From.Before(o.Until)) && (s.Until.IsZero() || o.From.Before(s.Until)) {
				return parley.Conflictf("from", "overlaps suspension %s (from %s); suspensions of a ceasefire do not overlap", f.ID, o.From.Format(stamp))
			}
		}
		switch {
		case cur == nil && s.From.Before(t):
			return parley.Errorf("from", "is %s, in the past: a suspension takes effect from now on, and cannot take back what was in force", s.From.Format(stamp))
		case cur != nil && !cur.From.Equal(s.From):
			return parley.Errorf("from", "was %s: a suspension's start never changes", cur.From.Format(stamp))
		case cur != nil && !cur.Until.IsZero() && !cur.Until.Equal(s.Until):
			return parley.Errorf("until", "was %s: a suspension lifted stays lifted; suspend again instead", cur.Until.Format(stamp))
		case !s.Until.IsZero() && !s.Until.After(now()) && (cur == nil || !cur.Until.Equal(s.Until)):
			return parley.Errorf("until", "is %s, not after now: a suspension is lifted from now on", s.Until.Format(stamp))
		}
		return nil
	},
}

// SuspensionOf reads a suspension's times.
func SuspensionOf(id string, s *Suspension) SuspensionEntry {
	from, _ := parley.ParseTime(s.From)
	var until time.Time
	if s.Until != "" {
		until, _ = parley.ParseTime(s.Until)
	}
	return SuspensionEntry{ID: id, From: from, Until: until}
}

// now is the clock consents and suspensions are judged by; tests set it.
var now = time.Now

// consentOnEvidence: a capital consents to a phase only while it is not
// yet agreed (a consent given again would move the start of a phase in
// force, and take back what was judged under it); and to a phase after
// the first only while the phase before it is in force and every one of
// its conditions holds, as the monitoring's verified incidents and the
// obligations verified done say now. It reads the incidents that can
// decide a quiet period, those of its last days, with their steps, not
// every incident there is.
var consentOnEvidence = parley.Invariant{
	Kind: KindConsent, Name: "a move to the next phase only when the conditions of the phase in force hold",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		c := e.(*Consent)
		return []parley.Need{
			{Kind: KindCeasefire, ID: c.CeasefireID}, {Kind: KindPhase, Parent: c.CeasefireID},
			{Kind: KindConsent, Fields: map[string]string{"ceasefire_id": c.CeasefireID}}, {Kind: KindSuspension, Parent: c.CeasefireID},
			{Kind: KindFulfilment, Fields: map[string]string{"ceasefire_id": c.CeasefireID}}, {Kind: ZoneKind},
		}
	},
	More: func(e parley.Entity, _ string, facts [][]parley.Fact) []parley.Need {
		m := consentMoves(e.(*Consent), facts)
		switch {
		case m.err != nil || m.period == nil:
			return nil
		case len(facts) == 6:
			// The incidents of the last quiet period's days.
			return []parley.Need{{Kind: IncidentKind, From: m.quietFrom()}}
		case len(facts) == 7:
			// Their verification steps, an incident's at a time (none when
			// no incident was).
			needs := make([]parley.Need, len(facts[6]))
			for i, f := range facts[6] {
				needs[i] = parley.Need{Kind: StepKind, Parent: f.ID}
			}
			return needs
		}
		return nil
	},
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		m := consentMoves(e.(*Consent), facts)
		if m.err != nil || m.period == nil {
			return m.err
		}
		var steps []parley.Fact
		for _, fs := range facts[7:] {
			steps = append(steps, fs...)
		}
		incidents := Incidents(records(facts[6]), records(steps), records(facts[5]), []Phase{m.period.Phase}, m.cf.MediatorID)
		st := Evaluate(*m.period, incidents, m.done, m.now)
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
			return parley.Errorf("phase_id", "the conditions of phase %d do not all hold: %s", m.period.Phase.Number, strings.Join(why, "; "))
		}
		return nil
	},
}

// move is a consent read against its ceasefire: refused already (err), or
// to be judged against the conditions of the phase in force (period),
// with the obligations done.
type move struct {
	cf     *Ceasefire
	period *Period
	done   map[string]time.Time
	now    time.Time
	err    error
}

// quietFrom is the earliest time a violation can keep a quiet period of
// the phase in force from holding now: the longest one's days back, and
// not before the phase.
func (m move) quietFrom() time.Time {
	days := 0
	for _, c := range m.period.Phase.Conditions {
		if c.Kind == QuietDays {
			days = max(days, c.Days)
		}
	}
	return later(m.period.From, m.now.Add(-time.Duration(days)*day))
}

// consentMoves reads a consent against the ceasefire, its phases, the
// consents, suspensions and obligations done (facts[0] to facts[4]).
func consentMoves(c *Consent, facts [][]parley.Fact) move {
	m := move{now: now()}
	if len(facts[0]) == 0 {
		return m // the reference check names the missing ceasefire
	}
	m.cf = facts[0][0].Entity.(*Ceasefire)
	phases := phaseEntries(facts[1])
	i := slices.IndexFunc(phases, func(p PhaseEntry) bool { return p.ID == c.PhaseID })
	if i < 0 {
		return m
	}
	target := phases[i].Phase
	suspensions := make([]SuspensionEntry, len(facts[3]))
	for i, f := range facts[3] {
		suspensions[i] = SuspensionOf(f.ID, f.Entity.(*Suspension))
	}
	states, periods := Schedule(m.cf, phases, consentEntries(facts[2]), suspensions)
	for _, s := range states {
		if s.ID == c.PhaseID && !s.From.IsZero() {
			m.err = parley.Conflictf("phase_id", "phase %d was agreed by every party and the mediator already (in force from %s); a consent given again would not change it",
				target.Number, s.From.Format(stamp))
			return m
		}
	}
	if target.Number == 1 {
		return m
	}
	period := InForce(periods, m.now)
	if period == nil || period.Phase.Number != target.Number-1 {
		// Both refusals' formats are literals, so that the UI finds them
		// in its catalogues.
		if period == nil {
			m.err = parley.Errorf("phase_id", "phase %d may be consented to only while phase %d is in force, and no phase is in force now", target.Number, target.Number-1)
		} else {
			m.err = parley.Errorf("phase_id", "phase %d may be consented to only while phase %d is in force, and phase %d is in force now", target.Number, target.Number-1, period.Phase.Number)
		}
		return m
	}
	m.period = period
	for _, f := range facts[4] {
		fu := f.Entity.(*Fulfilment)
		if j := slices.IndexFunc(phases, func(p PhaseEntry) bool { return p.ID == fu.PhaseID }); fu.PartyID == m.cf.MediatorID && j >= 0 && phases[j].Phase.Number == period.Phase.Number {
			at, _ := parley.ParseTime(fu.VerifiedAt)
			if m.done == nil {
				m.done = map[string]time.Time{}
			}
			m.done[fu.ObligationID] = at
		}
	}
	return m
}

func phaseEntries(facts []parley.Fact) []PhaseEntry {
	out := make([]PhaseEntry, len(facts))
	for i, f := range facts {
		out[i] = PhaseEntry{ID: f.ID, RecordID: f.RecordID, Phase: *f.Entity.(*Phase)}
	}
	return out
}

func consentEntries(facts []parley.Fact) []ConsentEntry {
	out := make([]ConsentEntry, len(facts))
	for i, f := range facts {
		o := f.Entity.(*Consent)
		out[i] = ConsentEntry{PhaseID: o.PhaseID, PartyID: o.PartyID, On: f.On, At: f.Created, Seq: f.Seq}
	}
	return out
}

func kindNamed(name string) parley.Kind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	panic("no kind " + name)
}

// records turns facts of another domain's kind into what Incidents reads.
func records(facts []parley.Fact) []Record {
	out := make([]Record, len(facts))
	for i, f := range facts {
		out[i] = Record{ID: f.ID, RecordID: f.RecordID, On: f.On, At: f.Created, Changed: f.Changed, Seq: f.Seq, Body: f.Body}
	}
	return out
}
