// Package ceasefire is the phased ceasefire: phases that prohibit strikes
// by weapon, target and zone, oblige the parties to act by deadlines, and
// open the next phase only on evidence; monitored incidents judged against
// the phase in force at their time; and the conditions for moving on,
// evaluated from the monitoring's verified incidents.
//
// This is its core, without I/O: what a phase says (Phase), when each was
// in force (Period), which prohibitions an incident breaks (Judge), and
// whether a phase's conditions hold (Evaluate), with the incidents that
// decide it. It reads incidents as the monitoring commits them, through a
// view of its own (Incident), without importing that domain. The kinds
// that commit phases, moves and suspensions, the pages and the reports
// build on it.
package ceasefire

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/geo"
)

// Phase is one step of a ceasefire: what it prohibits, what it obliges,
// and what must hold before the next phase may begin.
type Phase struct {
	// CeasefireID is the ceasefire the phase is a step of.
	CeasefireID string `json:"ceasefire_id"`
	Number      int    `json:"number"`
	Title       string `json:"title"`
	// ClauseID names the clause of the negotiating text that agreed the
	// phase, if any.
	ClauseID     string        `json:"clause_id,omitempty"`
	Prohibitions []Prohibition `json:"prohibitions"`
	Obligations  []Obligation  `json:"obligations,omitempty"`
	// Conditions must all hold for the next phase to be proposed.
	Conditions []Condition `json:"conditions,omitempty"`
	// EntersAfterHours is how long after the last consent the phase
	// enters into force (Jeddah 2023: 48 hours after signature).
	EntersAfterHours int    `json:"enters_after_hours,omitempty"`
	Note             string `json:"note,omitempty"`
}

// Prohibition is what may not be struck, with what, where: an incident
// breaks it if its weapon is among WeaponClasses, its target among
// TargetClasses and it lies in one of Zones, an empty list meaning any
// ("no strikes on energy infrastructure anywhere": TargetClasses energy
// alone).
type Prohibition struct {
	// ID names the prohibition within its phase ("p1"), for conditions
	// and judgments to refer to.
	ID            string   `json:"id"`
	Title         string   `json:"title,omitempty"`
	WeaponClasses []string `json:"weapon_classes,omitempty"`
	TargetClasses []string `json:"target_classes,omitempty"`
	Zones         []string `json:"zones,omitempty"`
	// WithinKm widens Zones to what lies within so many kilometres of
	// them: "no heavy weapons within 15 km of the line of contact".
	WithinKm float64 `json:"within_km,omitempty"`
}

// Obligation is what a party must have done by a deadline: a withdrawal,
// an exchange.
type Obligation struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	PartyID string `json:"party_id"`
	Due     string `json:"due"` // a date, YYYY-MM-DD, or an RFC 3339 time
}

// The kinds of condition.
const (
	// QuietDays holds when no verified violation of the condition's
	// prohibitions (all of the phase's if it names none) has happened for
	// Days consecutive days of the phase.
	QuietDays = "quiet-days"
	// ObligationsDone holds when every obligation of the phase is
	// verified done.
	ObligationsDone = "obligations-done"
)

// Condition is one entry condition of the next phase.
type Condition struct {
	Kind         string   `json:"kind"`
	Days         int      `json:"days,omitempty"`
	Prohibitions []string `json:"prohibitions,omitempty"`
}

// Classes are the weapon and target classes and the zones a phase may
// name: the monitoring's, read from its declarations and records.
type Classes struct {
	Weapons, Targets, Zones []string
}

// Check checks a phase against the classes and zones there are: a
// prohibition or condition naming one that does not exist is refused,
// with the field that names it.
func (p *Phase) Check(c Classes) error {
	if p.Number < 1 {
		return parley.Errorf("number", "is %d; phases are numbered from 1", p.Number)
	}
	if p.Title == "" {
		return parley.Errorf("title", "is required")
	}
	ids := map[string]bool{}
	for i, pr := range p.Prohibitions {
		at := fmt.Sprintf("prohibitions[%d]", i)
		if pr.ID == "" {
			return parley.Errorf(at+".id", "is required: conditions and judgments name a prohibition by it")
		}
		if ids[pr.ID] {
			return parley.Errorf(at+".id", "%q names another prohibition of the phase already", pr.ID)
		}
		ids[pr.ID] = true
		if pr.WithinKm < 0 || math.IsNaN(pr.WithinKm) || pr.WithinKm > 0 && len(pr.Zones) == 0 {
			return parley.Errorf(at+".within_km", "is %g; it is a distance in km from the zones the prohibition names", pr.WithinKm)
		}
		// Each refusal's format is a literal, so that the UI finds it in
		// its catalogues.
		for j, v := range pr.WeaponClasses {
			if !slices.Contains(c.Weapons, v) {
				return parley.Errorf(fmt.Sprintf("%s.weapon_classes[%d]", at, j), "%q is not one of the monitoring's weapon classes", v)
			}
		}
		for j, v := range pr.TargetClasses {
			if !slices.Contains(c.Targets, v) {
				return parley.Errorf(fmt.Sprintf("%s.target_classes[%d]", at, j), "%q is not one of the monitoring's target classes", v)
			}
		}
		for j, v := range pr.Zones {
			if !slices.Contains(c.Zones, v) {
				return parley.Errorf(fmt.Sprintf("%s.zones[%d]", at, j), "%q is not one of the monitoring's zones", v)
			}
		}
	}
	obligations := map[string]bool{}
	for i, o := range p.Obligations {
		at := fmt.Sprintf("obligations[%d]", i)
		switch {
		case o.ID == "":
			return parley.Errorf(at+".id", "is required")
		case obligations[o.ID]:
			return parley.Errorf(at+".id", "%q names another obligation of the phase already", o.ID)
		case o.PartyID == "":
			return parley.Errorf(at+".party_id", "is required: an obligation is a party's")
		}
		if _, err := parley.ParseTime(o.Due); err != nil {
			return parley.Errorf(at+".due", "%v", err)
		}
		obligations[o.ID] = true
	}
	if p.EntersAfterHours < 0 {
		return parley.Errorf("enters_after_hours", "is %d; a phase cannot enter into force before it is agreed", p.EntersAfterHours)
	}
	for i, cd := range p.Conditions {
		at := fmt.Sprintf("conditions[%d]", i)
		switch cd.Kind {
		case QuietDays:
			if cd.Days < 1 {
				return parley.Errorf(at+".days", "is %d; a quiet period is a day or more", cd.Days)
			}
			for j, id := range cd.Prohibitions {
				if !ids[id] {
					return parley.Errorf(fmt.Sprintf("%s.prohibitions[%d]", at, j), "%q is not a prohibition of this phase", id)
				}
			}
		case ObligationsDone:
			if len(p.Obligations) == 0 {
				return parley.Errorf(at+".kind", "the phase has no obligations to be done")
			}
		default:
			return parley.Errorf(at+".kind", "%q is not a condition parley evaluates (%s, %s)", cd.Kind, QuietDays, ObligationsDone)
		}
	}
	return nil
}

// Incident is what the ceasefire reads of a monitored incident: when and
// where it happened, with what, against what, and its verification as it
// stood at a given time.
type Incident struct {
	ID     string
	At     time.Time
	Weapon string
	Target string
	// Zones are the zones it lies in; Distances, how far in km it lies
	// from the zones that prohibitions name with a distance (WithinKm).
	Zones     []string
	Distances map[string]float64
	// Region is the region zone it lies in ("" if none); Where, where the
	// monitors place it (nil when they do not).
	Region string
	Where  *geo.Point
	// Verified is when the incident was verified (the zero time if it is
	// not), and Party the party it was attributed or largely attributed
	// to ("" if none could be); Reopened is when a new inquiry took the
	// verification back, if one did.
	Verified time.Time
	Party    string
	Reopened time.Time
	// Spans, when set, are every time it stood verified, in order: an
	// incident verified, reopened and verified again has two, perhaps
	// attributed to different parties. Verify sets them, and Verified,
	// Party and Reopened to its latest.
	Spans []Span
}

// Span is a time an incident stood verified, from its verification until
// a new inquiry reopened it or the incident was changed (the zero time
// while it stands), attributed to Party ("" if to none).
type Span struct {
	From, Until time.Time
	Party       string
}

// spans are the incident's times verified: Spans, or the one Verified,
// Party and Reopened say.
func (in Incident) spans() []Span {
	if len(in.Spans) > 0 || in.Verified.IsZero() {
		return in.Spans
	}
	return []Span{{From: in.Verified, Until: in.Reopened, Party: in.Party}}
}

// verifiedAt returns the span in which the incident stood verified at t.
func (in Incident) verifiedAt(t time.Time) (Span, bool) {
	for _, s := range in.spans() {
		if !s.From.After(t) && (s.Until.IsZero() || t.Before(s.Until)) {
			return s, true
		}
	}
	return Span{}, false
}

// VerifiedBy reports whether the incident stood verified at t.
func (in Incident) VerifiedBy(t time.Time) bool {
	_, ok := in.verifiedAt(t)
	return ok
}

// PartyAt is the party the incident stood attributed to at t, "" if none.
func (in Incident) PartyAt(t time.Time) string {
	s, _ := in.verifiedAt(t)
	return s.Party
}

// in reports whether the incident lies in zone z, or within km of it.
func (in Incident) in(z string, km float64) bool {
	if slices.Contains(in.Zones, z) {
		return true
	}
	d, ok := in.Distances[z]
	return ok && km > 0 && d <= km
}
