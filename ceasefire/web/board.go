// Package ceasefireweb is the ceasefire's own page: where each phase
// stands, the conditions of the phase in force with what decides them,
// and every monitored incident judged against the phase in force at its
// time, with the judgments made as its verification changed.
package ceasefireweb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/store"
)

// lister reads every entity of a kind the caller may see.
type lister interface {
	All(ctx context.Context, caller *access.Principal, kind, parent string) ([]store.Entity, error)
}

// Board is a ceasefire as it stands at a time, as one caller may see it.
type Board struct {
	ID        string
	Ceasefire ceasefire.Ceasefire
	At        time.Time
	States    []ceasefire.PhaseState
	Periods   []ceasefire.Period
	// InForce is the period in force at At, and Current its phase's index
	// in States (-1 when none is).
	InForce *ceasefire.Period
	Current int
	// Conditions are the states of the conditions of the phase in force;
	// Ready says they all hold, so that the next phase is proposed.
	Conditions []ceasefire.State
	Ready      bool
	// Next is the phase that follows the one in force, if there is one.
	Next        *ceasefire.PhaseState
	Suspensions []ceasefire.SuspensionEntry
	// Done is when each obligation was verified done, by phase id and
	// obligation id.
	Done map[string]map[string]time.Time
	// Incidents are the monitoring's incidents, Judgments each judged
	// against the phase in force at its time as its verification stands
	// at At, and History the judgments made each time an incident's
	// verification changed, by incident.
	Incidents []ceasefire.Incident
	Judgments []ceasefire.Judgment
	History   map[string][]Judged
	// Names are the zones' names, by id; Reports the reports each
	// incident holds, by incident.
	Names   map[string]string
	Reports map[string][]string
}

// Judged is a judgment made at a time.
type Judged struct {
	At time.Time
	ceasefire.Judgment
}

// Load reads the ceasefire id and what decides where it stands at t.
func Load(ctx context.Context, svc lister, caller *access.Principal, id string, t time.Time) (*Board, error) {
	all := func(kind, parent string) ([]store.Entity, error) { return svc.All(ctx, caller, kind, parent) }
	cfs, err := all(ceasefire.KindCeasefire, "")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cfs, func(e store.Entity) bool { return e.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("no ceasefire %q: %w", id, store.ErrNotFound)
	}
	b := &Board{ID: id, At: t, Current: -1, History: map[string][]Judged{}, Done: map[string]map[string]time.Time{}}
	if err := json.Unmarshal(cfs[i].Body, &b.Ceasefire); err != nil {
		return nil, err
	}
	phaseEs, err := all(ceasefire.KindPhase, id)
	if err != nil {
		return nil, err
	}
	phases := make([]ceasefire.PhaseEntry, len(phaseEs))
	numbers := map[string]int{}
	var terms []ceasefire.Phase
	for i, e := range phaseEs {
		phases[i] = ceasefire.PhaseEntry{ID: e.ID, RecordID: e.RecordID}
		if err := json.Unmarshal(e.Body, &phases[i].Phase); err != nil {
			return nil, err
		}
		numbers[e.ID] = phases[i].Phase.Number
		terms = append(terms, phases[i].Phase)
	}
	var consents []ceasefire.ConsentEntry
	for _, p := range phaseEs {
		es, err := all(ceasefire.KindConsent, p.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			var c ceasefire.Consent
			if err := json.Unmarshal(e.Body, &c); err != nil {
				return nil, err
			}
			consents = append(consents, ceasefire.ConsentEntry{PhaseID: c.PhaseID, PartyID: c.PartyID, On: e.Field(parley.OnField), At: e.Created, Seq: e.CreatedSeq})
		}
		fs, err := all(ceasefire.KindFulfilment, p.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range fs {
			var f ceasefire.Fulfilment
			if err := json.Unmarshal(e.Body, &f); err != nil {
				return nil, err
			}
			if b.Done[p.ID] == nil {
				b.Done[p.ID] = map[string]time.Time{}
			}
			b.Done[p.ID][f.ObligationID], _ = parley.ParseTime(f.VerifiedAt)
		}
	}
	ss, err := all(ceasefire.KindSuspension, id)
	if err != nil {
		return nil, err
	}
	for _, e := range ss {
		var s ceasefire.Suspension
		if err := json.Unmarshal(e.Body, &s); err != nil {
			return nil, err
		}
		from, _ := parley.ParseTime(s.From)
		var until time.Time
		if s.Until != "" {
			until, _ = parley.ParseTime(s.Until)
		}
		b.Suspensions = append(b.Suspensions, ceasefire.SuspensionEntry{ID: e.ID, From: from, Until: until})
	}
	b.States, b.Periods = ceasefire.Schedule(&b.Ceasefire, phases, consents, b.Suspensions)
	b.InForce, b.Current = ceasefire.Now(b.States, b.Periods, t)

	var recs [3][]ceasefire.Record
	for i, kind := range []string{ceasefire.IncidentKind, ceasefire.StepKind, ceasefire.ZoneKind} {
		es, err := all(kind, "")
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			recs[i] = append(recs[i], ceasefire.Record{ID: e.ID, RecordID: e.RecordID, On: e.Field(parley.OnField), At: e.Created, Seq: e.CreatedSeq, Body: e.Body})
		}
	}
	b.Incidents = ceasefire.Incidents(recs[0], recs[1], recs[2], terms)
	b.Names, b.Reports = map[string]string{}, map[string][]string{}
	for _, z := range recs[2] {
		var zb struct {
			Name string `json:"name"`
		}
		json.Unmarshal(z.Body, &zb)
		b.Names[z.ID] = zb.Name
	}
	for _, in := range recs[0] {
		var ib struct {
			Reports []string `json:"reports"`
		}
		json.Unmarshal(in.Body, &ib)
		b.Reports[in.ID] = ib.Reports
	}
	b.Judgments = ceasefire.Judge(b.Periods, b.Incidents, t)
	b.history(recs[1])
	if b.InForce != nil {
		var phaseID string
		for _, s := range b.States {
			if s.Phase.Number == b.InForce.Phase.Number {
				phaseID = s.ID
			}
		}
		b.Conditions = ceasefire.Evaluate(*b.InForce, b.Incidents, b.Done[phaseID], t)
		b.Ready = ceasefire.Ready(b.Conditions)
		if b.Current+1 < len(b.States) {
			b.Next = &b.States[b.Current+1]
		}
	}
	return b, nil
}

// history judges each incident again at each of its verification steps:
// what was known then, which the judgment at At may have changed since.
func (b *Board) history(steps []ceasefire.Record) {
	byID := map[string]ceasefire.Incident{}
	for _, in := range b.Incidents {
		byID[in.ID] = in
	}
	for _, s := range steps {
		var st struct {
			IncidentID string `json:"incident_id"`
		}
		json.Unmarshal(s.Body, &st)
		in, ok := byID[st.IncidentID]
		if !ok || s.At.After(b.At) {
			continue
		}
		j := ceasefire.Judge(b.Periods, []ceasefire.Incident{in}, s.At)[0]
		b.History[in.ID] = append(b.History[in.ID], Judged{At: s.At, Judgment: j})
	}
	// A judgment is kept when it differs from the one before it.
	for id, hs := range b.History {
		slices.SortFunc(hs, func(a, c Judged) int { return a.At.Compare(c.At) })
		b.History[id] = slices.CompactFunc(hs, func(a, c Judged) bool {
			return a.Violation == c.Violation && a.Party == c.Party && a.Phase == c.Phase && slices.Equal(a.Breaks, c.Breaks)
		})
	}
}
