// Package ceasefireweb is the ceasefire's own page: where each phase
// stands, the conditions of the phase in force with what decides them,
// and every monitored incident judged against the phase in force at its
// time, with the judgments made as its verification changed; its reports,
// and its map.
package ceasefireweb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/store"
)

// lister reads what a board is made of, as the caller may see it: every
// entity of a kind, one entity, and what changed since a record.
type lister interface {
	All(ctx context.Context, caller *access.Principal, kind, parent string) ([]store.Entity, error)
	Get(ctx context.Context, caller *access.Principal, kind, id string) (store.Entity, error)
	Changes(ctx context.Context, caller *access.Principal, after int64, limit int) ([]app.Change, int64, error)
	LastSeq(ctx context.Context) (int64, error)
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
	// Incidents are the monitoring's incidents, and Judgments each judged
	// against the phase in force at its time as its verification stands
	// at At (Judgments[i] is of Incidents[i]).
	Incidents []ceasefire.Incident
	Judgments []ceasefire.Judgment
	// Names are the zones' names, by id; Reports the reports each
	// incident holds, by incident.
	Names   map[string]string
	Reports map[string][]string

	// What the board was read from, to bring it up to date (Refresh):
	// the last record looked at, each incident's record and verification
	// steps, the zones, and where each incident is in Incidents.
	seq       int64
	loaded    time.Time
	incidents map[string]ceasefire.Record
	steps     map[string][]ceasefire.Record
	zones     []ceasefire.Record
	index     map[string]int
	placer    *ceasefire.Placer
}

// Judged is a judgment made at a time.
type Judged struct {
	At time.Time
	ceasefire.Judgment
}

func recordOf(e store.Entity) ceasefire.Record {
	return ceasefire.Record{ID: e.ID, RecordID: e.RecordID, On: e.Field(parley.OnField), At: e.Created, Changed: e.Updated, Seq: e.CreatedSeq, Body: e.Body}
}

// Load reads the ceasefire id and what decides where it stands at t.
func Load(ctx context.Context, svc lister, caller *access.Principal, id string, t time.Time) (*Board, error) {
	b := &Board{ID: id, loaded: time.Now()}
	// What is committed from here on, Refresh reads again: reading it
	// twice does no harm, missing it would.
	var err error
	if b.seq, err = svc.LastSeq(ctx); err != nil {
		return nil, err
	}
	if err := b.loadTerms(ctx, svc, caller); err != nil {
		return nil, err
	}
	var recs [3][]ceasefire.Record
	for i, kind := range []string{ceasefire.IncidentKind, ceasefire.StepKind, ceasefire.ZoneKind} {
		es, err := svc.All(ctx, caller, kind, "")
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			recs[i] = append(recs[i], recordOf(e))
		}
	}
	b.zones = recs[2]
	b.steps = ceasefire.StepsByIncident(recs[1], b.Ceasefire.MediatorID)
	b.incidents = make(map[string]ceasefire.Record, len(recs[0]))
	for _, r := range recs[0] {
		b.incidents[r.ID] = r
	}
	b.place()
	b.Incidents = make([]ceasefire.Incident, 0, len(recs[0]))
	b.index = make(map[string]int, len(recs[0]))
	for _, r := range recs[0] {
		b.upsert(r)
	}
	b.judge(t)
	return b, nil
}

// loadTerms reads the ceasefire itself: its phases, the consents to them,
// the obligations done and the suspensions, and works out its schedule.
func (b *Board) loadTerms(ctx context.Context, svc lister, caller *access.Principal) error {
	cf, err := svc.Get(ctx, caller, ceasefire.KindCeasefire, b.ID)
	if err != nil {
		return fmt.Errorf("no ceasefire %q: %w", b.ID, store.ErrNotFound)
	}
	b.Ceasefire = ceasefire.Ceasefire{}
	if err := json.Unmarshal(cf.Body, &b.Ceasefire); err != nil {
		return err
	}
	phaseEs, err := svc.All(ctx, caller, ceasefire.KindPhase, b.ID)
	if err != nil {
		return err
	}
	phases := make([]ceasefire.PhaseEntry, len(phaseEs))
	var consents []ceasefire.ConsentEntry
	b.Done = map[string]map[string]time.Time{}
	for i, e := range phaseEs {
		phases[i] = ceasefire.PhaseEntry{ID: e.ID, RecordID: e.RecordID}
		if err := json.Unmarshal(e.Body, &phases[i].Phase); err != nil {
			return err
		}
		cs, err := svc.All(ctx, caller, ceasefire.KindConsent, e.ID)
		if err != nil {
			return err
		}
		for _, c := range cs {
			var v ceasefire.Consent
			if err := json.Unmarshal(c.Body, &v); err != nil {
				return err
			}
			consents = append(consents, ceasefire.ConsentEntry{PhaseID: v.PhaseID, PartyID: v.PartyID, On: c.Field(parley.OnField), At: c.Created, Seq: c.CreatedSeq})
		}
		fs, err := svc.All(ctx, caller, ceasefire.KindFulfilment, e.ID)
		if err != nil {
			return err
		}
		for _, f := range fs {
			var v ceasefire.Fulfilment
			if err := json.Unmarshal(f.Body, &v); err != nil {
				return err
			}
			if v.PartyID != b.Ceasefire.MediatorID {
				continue
			}
			if b.Done[e.ID] == nil {
				b.Done[e.ID] = map[string]time.Time{}
			}
			b.Done[e.ID][v.ObligationID], _ = parley.ParseTime(v.VerifiedAt)
		}
	}
	ss, err := svc.All(ctx, caller, ceasefire.KindSuspension, b.ID)
	if err != nil {
		return err
	}
	b.Suspensions = nil
	for _, e := range ss {
		var s ceasefire.Suspension
		if err := json.Unmarshal(e.Body, &s); err != nil {
			return err
		}
		b.Suspensions = append(b.Suspensions, ceasefire.SuspensionOf(e.ID, &s))
	}
	b.States, b.Periods = ceasefire.Schedule(&b.Ceasefire, phases, consents, b.Suspensions)
	return nil
}

// place reads the zones the phases name and the regions, and the zones'
// names.
func (b *Board) place() {
	terms := make([]ceasefire.Phase, len(b.States))
	for i, s := range b.States {
		terms[i] = s.Phase
	}
	b.placer = ceasefire.NewPlacer(b.zones, terms)
	b.Names = map[string]string{}
	for _, z := range b.zones {
		var zb struct {
			Name string `json:"name"`
		}
		json.Unmarshal(z.Body, &zb)
		b.Names[z.ID] = zb.Name
	}
}

// upsert reads one incident's record and verification into the board.
func (b *Board) upsert(r ceasefire.Record) {
	in, ok := ceasefire.IncidentOf(r)
	if !ok {
		return
	}
	b.incidents[r.ID] = r
	b.placer.Place(&in)
	ceasefire.Verify(&in, b.steps[r.ID], r.RecordID, r.Changed)
	if i, ok := b.index[r.ID]; ok {
		b.Incidents[i] = in
	} else {
		b.index[r.ID] = len(b.Incidents)
		b.Incidents = append(b.Incidents, in)
	}
	if b.Reports == nil {
		b.Reports = map[string][]string{}
	}
	var ib struct {
		Reports []string `json:"reports"`
	}
	json.Unmarshal(r.Body, &ib)
	b.Reports[r.ID] = ib.Reports
}

// judge judges every incident as it stands at t, and the phase in force
// with its conditions.
func (b *Board) judge(t time.Time) {
	b.At = t
	b.Judgments = ceasefire.Judge(b.Periods, b.Incidents, t)
	b.InForce, b.Current = ceasefire.Now(b.States, b.Periods, t)
	b.Conditions, b.Ready, b.Next = nil, false, nil
	if b.InForce != nil {
		s := b.States[b.Current]
		b.Conditions = ceasefire.Evaluate(*b.InForce, b.Incidents, b.Done[s.ID], t)
		b.Ready = ceasefire.Ready(b.Conditions)
		if b.Current+1 < len(b.States) {
			b.Next = &b.States[b.Current+1]
		}
	}
}

// maxChanges bounds the records Refresh reads one by one; beyond it,
// reading the board again costs less.
const maxChanges = 20000

// Refresh brings the board up to the records committed since it was
// read and judges it again at t: it reads only the incidents, steps and
// zones that changed, and the ceasefire's own terms if they did. It
// returns false when so much changed that the board should be read anew
// (Load).
func (b *Board) Refresh(ctx context.Context, svc lister, caller *access.Principal, t time.Time) (bool, error) {
	var changes []app.Change
	for {
		cs, last, err := svc.Changes(ctx, caller, b.seq, 1<<12)
		if err != nil {
			return false, err
		}
		changes = append(changes, cs...)
		if len(changes) > maxChanges {
			return false, nil
		}
		if last == b.seq {
			break
		}
		b.seq = last
	}
	terms, zones := false, false
	incidents, steps := map[string]bool{}, map[string]bool{}
	for _, c := range changes {
		switch {
		case c.Kind == ceasefire.ZoneKind:
			zones = true
		case strings.HasPrefix(c.Kind, "ceasefire.") && c.Kind != ceasefire.KindReport:
			terms = true
		case c.Kind == ceasefire.IncidentKind:
			incidents[c.Subject] = true
		case c.Kind == ceasefire.StepKind:
			steps[c.Subject] = true
		}
	}
	if terms {
		mediator := b.Ceasefire.MediatorID
		if err := b.loadTerms(ctx, svc, caller); err != nil {
			return false, err
		}
		if b.Ceasefire.MediatorID != mediator {
			return false, nil // whose steps count changed: read them all anew
		}
	}
	if zones {
		es, err := svc.All(ctx, caller, ceasefire.ZoneKind, "")
		if err != nil {
			return false, err
		}
		b.zones = b.zones[:0]
		for _, e := range es {
			b.zones = append(b.zones, recordOf(e))
		}
	}
	for id := range steps {
		e, err := svc.Get(ctx, caller, ceasefire.StepKind, id)
		if err != nil {
			continue // not the caller's to read
		}
		r := recordOf(e)
		in, by := ceasefire.StepOf(r)
		if by != b.Ceasefire.MediatorID {
			continue // the ceasefire reads its mediator's monitors' steps alone
		}
		if !slices.ContainsFunc(b.steps[in], func(s ceasefire.Record) bool { return s.ID == r.ID }) {
			b.steps[in] = append(b.steps[in], r)
			slices.SortFunc(b.steps[in], func(x, y ceasefire.Record) int { return int(x.Seq - y.Seq) })
		}
		incidents[in] = true
	}
	if terms || zones {
		b.place()
		for id, r := range b.incidents {
			if !incidents[id] {
				b.upsert(r)
			}
		}
	}
	for id := range incidents {
		e, err := svc.Get(ctx, caller, ceasefire.IncidentKind, id)
		if err != nil {
			continue
		}
		b.upsert(recordOf(e))
	}
	b.judge(t)
	return true, nil
}

// History judges each incident again at each of its verification steps:
// what was known then (its verification's spans say when it stood
// verified, and by whom attributed), which the judgment at At may have
// changed since. A judgment is kept when it differs from the one before.
func (b *Board) History() map[string][]Judged {
	out := map[string][]Judged{}
	for i, in := range b.Incidents {
		if len(b.Judgments[i].Breaks) == 0 {
			continue // an incident that breaks nothing never was a violation
		}
		for _, s := range b.steps[in.ID] {
			if s.At.After(b.At) {
				continue
			}
			j := ceasefire.Judge(b.Periods, []ceasefire.Incident{in}, s.At)[0]
			out[in.ID] = append(out[in.ID], Judged{At: s.At, Judgment: j})
		}
		out[in.ID] = slices.CompactFunc(out[in.ID], func(a, c Judged) bool {
			return a.Violation == c.Violation && a.Party == c.Party && a.Phase == c.Phase && slices.Equal(a.Breaks, c.Breaks)
		})
	}
	return out
}

// PhaseStanding reads where phase id stands at t, as caller may see its
// ceasefire: the phase's number and title, and the number of the phase in
// force (0 for none: not agreed yet, or suspended). A caller who may not
// see the phase gets app.CodeNotFound. Another domain's pages read it
// through the binary's wiring (reconstruction's conditional pledges).
func PhaseStanding(ctx context.Context, svc *app.Service, caller *access.Principal, id string, t time.Time) (number int, title string, inForce int, err error) {
	e, err := svc.Get(ctx, caller, ceasefire.KindPhase, id)
	if err != nil {
		return 0, "", 0, err
	}
	var ph ceasefire.Phase
	if err := json.Unmarshal(e.Body, &ph); err != nil {
		return 0, "", 0, err
	}
	b := &Board{ID: ph.CeasefireID}
	if err := b.loadTerms(ctx, svc, caller); err != nil {
		return 0, "", 0, err
	}
	if p := ceasefire.InForce(b.Periods, t); p != nil {
		inForce = p.Phase.Number
	}
	return ph.Number, ph.Title, inForce, nil
}
