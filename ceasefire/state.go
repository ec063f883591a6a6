package ceasefire

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/geo"
)

// PhaseEntry is a phase as committed: its id and the record of the
// version that reads now, which consents must be on.
type PhaseEntry struct {
	ID, RecordID string
	Phase        Phase
}

// ConsentEntry is a committed consent: to which phase, by which party, on
// which version of it (the record its signature binds), and when. Seq
// orders a party's consents: the latest stands.
type ConsentEntry struct {
	PhaseID, PartyID, On string
	At                   time.Time
	Seq                  int64
}

// SuspensionEntry is a suspension as committed: from when, until when
// (the zero time while it lasts).
type SuspensionEntry struct {
	ID          string
	From, Until time.Time
}

// PhaseState is where a phase stands: agreed or not, by whom, and from
// when it is in force.
type PhaseState struct {
	ID       string
	RecordID string
	Phase    Phase
	// Consented lists the signers who consented to the phase as it reads,
	// Waiting those who have not, and Stale those who consented to an
	// earlier version only: a phase changed since it was agreed must be
	// agreed again.
	Consented, Waiting, Stale []string
	// Agreed is when the last consent came; From, when the phase enters
	// into force (EntersAfterHours later). Both are zero until every
	// signer consented.
	Agreed, From time.Time
}

// Schedule works out, from the committed phases, consents and suspensions
// of a ceasefire, where each phase stands and the periods in force. A
// phase enters into force once every signer consented to it as it reads
// and the phase before it did; it ends when the next enters into force,
// and no phase is in force during a suspension.
func Schedule(c *Ceasefire, phases []PhaseEntry, consents []ConsentEntry, suspensions []SuspensionEntry) ([]PhaseState, []Period) {
	ps := slices.Clone(phases)
	slices.SortFunc(ps, func(a, b PhaseEntry) int { return a.Phase.Number - b.Phase.Number })
	latest := map[[2]string]ConsentEntry{}
	for _, ce := range consents {
		k := [2]string{ce.PhaseID, ce.PartyID}
		if cur, ok := latest[k]; !ok || ce.Seq > cur.Seq {
			latest[k] = ce
		}
	}
	states := make([]PhaseState, len(ps))
	var periods []Period
	open := true // every phase before this one entered into force
	for i, p := range ps {
		st := PhaseState{ID: p.ID, RecordID: p.RecordID, Phase: p.Phase}
		var agreed time.Time
		for _, party := range c.Signers() {
			ce, ok := latest[[2]string{p.ID, party}]
			switch {
			case !ok:
				st.Waiting = append(st.Waiting, party)
			case ce.On != p.RecordID:
				st.Stale = append(st.Stale, party)
			default:
				st.Consented = append(st.Consented, party)
				agreed = later(agreed, ce.At)
			}
		}
		if open && len(st.Consented) == len(c.Signers()) {
			st.Agreed = agreed
			st.From = agreed.Add(time.Duration(p.Phase.EntersAfterHours) * time.Hour)
			if n := len(periods); n > 0 {
				// A phase never enters into force before the one it follows.
				st.From = later(st.From, periods[n-1].From)
				periods[n-1].Until = st.From
			}
			periods = append(periods, Period{Phase: p.Phase, From: st.From})
		} else {
			open = false
		}
		states[i] = st
	}
	return states, suspend(periods, suspensions)
}

// suspend cuts the suspensions out of the periods.
func suspend(periods []Period, suspensions []SuspensionEntry) []Period {
	for _, s := range suspensions {
		var out []Period
		for _, p := range periods {
			// The part before the suspension, then the part after it.
			if s.From.After(p.From) {
				before := p
				if p.Until.IsZero() || p.Until.After(s.From) {
					before.Until = s.From
				}
				out = append(out, before)
			}
			if !s.Until.IsZero() && (p.Until.IsZero() || p.Until.After(s.Until)) {
				after := p
				after.From = later(p.From, s.Until)
				out = append(out, after)
			}
		}
		periods = out
	}
	return periods
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Now returns the period in force at t and the index of its phase among
// states, or nil and -1.
func Now(states []PhaseState, periods []Period, t time.Time) (*Period, int) {
	p := InForce(periods, t)
	if p == nil {
		return nil, -1
	}
	return p, slices.IndexFunc(states, func(s PhaseState) bool { return s.Phase.Number == p.Phase.Number })
}

// The monitoring's records, as the ceasefire reads them: the fields of an
// incident, a verification step and a zone that judging needs, by their
// JSON names in the monitoring's records.
type (
	incidentBody struct {
		OccurredAt  string   `json:"occurred_at"`
		Lat         *float64 `json:"lat"`
		Lon         *float64 `json:"lon"`
		WeaponClass string   `json:"weapon_class"`
		TargetClass string   `json:"target_class"`
	}
	stepBody struct {
		IncidentID      string `json:"incident_id"`
		PartyID         string `json:"party_id"`
		Stage           string `json:"stage"`
		Attribution     string `json:"attribution"`
		AttributedParty string `json:"attributed_party"`
	}
	zoneBody struct {
		ZoneType string  `json:"zone_type"`
		Geometry string  `json:"geometry"`
		RadiusKm float64 `json:"radius_km"`
	}
)

// Record is a committed entity of another domain, as the ceasefire reads
// it: its id, the record of its current version, the version of its parent
// it was made on (a verification step's incident), when it was committed,
// its order, and its body.
type Record struct {
	ID, RecordID, On string
	// At is when it was committed first, Changed when last (the zero time
	// when unknown).
	At, Changed time.Time
	Seq         int64
	Body        json.RawMessage
}

// Incidents reads the monitoring's incidents with their verification
// steps by the monitors of mediator (the ceasefire's: a party's own
// monitors do not verify what the ceasefire judges), and places them in
// the zones the phases name and in their region (IncidentOf, Placer,
// Verify).
func Incidents(incidents, steps, zones []Record, phases []Phase, mediator string) []Incident {
	stepsOf := StepsByIncident(steps, mediator)
	pl := NewPlacer(zones, phases)
	out := make([]Incident, 0, len(incidents))
	for _, r := range incidents {
		in, ok := IncidentOf(r)
		if !ok {
			continue
		}
		pl.Place(&in)
		Verify(&in, stepsOf[r.ID], r.RecordID, r.Changed)
		out = append(out, in)
	}
	return out
}

// StepsByIncident groups the verification steps taken by the monitors of
// party by their incident, each incident's in the order they were
// committed.
func StepsByIncident(steps []Record, party string) map[string][]Record {
	bySeq := slices.Clone(steps)
	slices.SortFunc(bySeq, func(a, b Record) int { return cmp.Compare(a.Seq, b.Seq) })
	out := map[string][]Record{}
	for _, s := range bySeq {
		if in, by := StepOf(s); by == party {
			out[in] = append(out[in], s)
		}
	}
	return out
}

// StepOf returns the incident a verification step is of, and the party
// whose monitors took it.
func StepOf(s Record) (incident, party string) {
	var b stepBody
	json.Unmarshal(s.Body, &b)
	return b.IncidentID, b.PartyID
}

// IncidentOf reads an incident's record: its time, place, weapon and
// target, without zones or verification yet. It is false for a record
// that is not an incident's.
func IncidentOf(r Record) (Incident, bool) {
	var b incidentBody
	if json.Unmarshal(r.Body, &b) != nil {
		return Incident{}, false
	}
	at, err := parley.ParseTime(b.OccurredAt)
	if err != nil {
		return Incident{}, false
	}
	in := Incident{ID: r.ID, At: at, Weapon: b.WeaponClass, Target: b.TargetClass}
	if b.Lat != nil && b.Lon != nil {
		in.Where = &geo.Point{Lat: *b.Lat, Lon: *b.Lon}
	}
	return in, true
}

// Placer places incidents in the zones that phases' prohibitions name,
// within the widest distance any names each with, and in the region zone
// they lie in.
type Placer struct {
	areas   []area
	regions []region
}

type area struct {
	id       string
	g        geo.Geometry
	radiusKm float64
	within   float64
}

type region struct {
	id  string
	g   geo.Geometry
	box geo.Box
}

// NewPlacer reads the zones that matter to phases: those their
// prohibitions name, and the regions.
func NewPlacer(zones []Record, phases []Phase) *Placer {
	within := map[string]float64{}
	for _, p := range phases {
		for _, pr := range p.Prohibitions {
			for _, z := range pr.Zones {
				within[z] = max(within[z], pr.WithinKm)
			}
		}
	}
	pl := &Placer{}
	for _, z := range zones {
		var b zoneBody
		if json.Unmarshal(z.Body, &b) != nil {
			continue
		}
		w, named := within[z.ID]
		if !named && b.ZoneType != "region" {
			continue
		}
		g, err := geo.ReadGeometry([]byte(b.Geometry))
		if err != nil {
			continue
		}
		if named {
			pl.areas = append(pl.areas, area{z.ID, g, b.RadiusKm, w})
		}
		if b.ZoneType == "region" {
			pl.regions = append(pl.regions, region{z.ID, g, g.Bounds()})
		}
	}
	return pl
}

// Place sets the zones the incident lies in or near and its region, from
// where the monitors place it.
func (pl *Placer) Place(in *Incident) {
	in.Zones, in.Distances, in.Region = nil, nil, ""
	if in.Where == nil {
		return
	}
	p := *in.Where
	in.Region = pl.RegionOf(p)
	for _, a := range pl.areas {
		d := a.g.Reach(p, a.radiusKm) / 1000
		if d == 0 {
			in.Zones = append(in.Zones, a.id)
		} else if d <= a.within {
			if in.Distances == nil {
				in.Distances = map[string]float64{}
			}
			in.Distances[a.id] = d
		}
	}
}

// RegionOf returns the region zone p lies in, "" if none.
func (pl *Placer) RegionOf(p geo.Point) string {
	for _, rg := range pl.regions {
		if p.Lon >= rg.box.MinLon && p.Lon <= rg.box.MaxLon && p.Lat >= rg.box.MinLat && p.Lat <= rg.box.MaxLat && rg.g.Contains(p) {
			return rg.id
		}
	}
	return ""
}

// Verify sets the incident's verification from its steps in the order
// they were committed, read as the monitoring reads it
// (monitor.VerificationOf): a "verified" step verifies it, attributed as
// it says, until the next step reopens it; and an incident changed since
// its last step (current, its latest record, is not the one the step was
// taken on) stands verified no longer from when it was changed (changed;
// the last step's time when unknown), though it was until then.
func Verify(in *Incident, steps []Record, current string, changed time.Time) {
	in.Verified, in.Party, in.Reopened, in.Spans = time.Time{}, "", time.Time{}, nil
	for _, s := range steps {
		var b stepBody
		json.Unmarshal(s.Body, &b)
		if n := len(in.Spans); n > 0 && in.Spans[n-1].Until.IsZero() {
			in.Spans[n-1].Until = s.At
		}
		if b.Stage == "verified" {
			sp := Span{From: s.At}
			if b.Attribution == "attributed" || b.Attribution == "largely-attributed" {
				sp.Party = b.AttributedParty
			}
			in.Spans = append(in.Spans, sp)
		}
	}
	n := len(in.Spans)
	if n == 0 {
		return
	}
	if last := steps[len(steps)-1]; last.On != current && stageOf(last) != "allegation" && in.Spans[n-1].Until.IsZero() {
		in.Spans[n-1].Until = later(changed, last.At)
	}
	in.Verified, in.Party, in.Reopened = in.Spans[n-1].From, in.Spans[n-1].Party, in.Spans[n-1].Until
}

func stageOf(r Record) string {
	var b stepBody
	json.Unmarshal(r.Body, &b)
	return b.Stage
}
