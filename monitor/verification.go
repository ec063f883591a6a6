package monitor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/geo"
	"github.com/parley-project/parley/record"
)

// Incident is what the monitors hold to be one event, reported by the
// reports it names: the thing that is verified, attributed and, later,
// judged against the ceasefire in force. Its reports are one incident
// whatever corroboration's thresholds say (as a merge is), and its time,
// place and classes are the monitors' reading of them.
type Incident struct {
	Title       string   `json:"title"`
	Reports     []string `json:"reports"`
	OccurredAt  string   `json:"occurred_at"`
	PlaceName   string   `json:"place_name"`
	Lat         *float64 `json:"lat,omitempty"`
	Lon         *float64 `json:"lon,omitempty"`
	WeaponClass string   `json:"weapon_class"`
	TargetClass string   `json:"target_class"`
	Note        string   `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (in *Incident) Normalize() {
	parley.Trim(&in.Title, &in.OccurredAt, &in.PlaceName, &in.Note)
	in.Reports = uniqueIDs(in.Reports)
}

// uniqueIDs trims ids and drops the empty and the repeated, keeping order.
func uniqueIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// References implements parley.Entity.
func (in *Incident) References() []parley.Reference { return reportRefs(in.Reports) }

func reportRefs(ids []string) []parley.Reference {
	refs := make([]parley.Reference, len(ids))
	for i, r := range ids {
		refs[i] = parley.Reference{Field: "reports[" + strconv.Itoa(i) + "]", Kind: KindReport, ID: r}
	}
	return refs
}

// Validate implements parley.Entity.
func (in *Incident) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("title", in.Title), parley.Required("occurred_at", in.OccurredAt),
		parley.Required("place_name", in.PlaceName), parley.OneOf("weapon_class", in.WeaponClass, WeaponClasses),
		parley.OneOf("target_class", in.TargetClass, TargetClasses), parley.TextLimit("note", in.Note)); err != nil {
		return err
	}
	if len(in.Reports) == 0 {
		return parley.Errorf("reports", "names no report; an incident is what its reports report")
	}
	if _, err := parley.ParseTime(in.OccurredAt); err != nil {
		return parley.Errorf("occurred_at", "%v", err)
	}
	return checkPoint(in.Lat, in.Lon, false)
}

// Point returns where the monitors place the incident, if they do.
func (in *Incident) Point() (geo.Point, bool) { return pointOf(in.Lat, in.Lon) }

// Stage is a step of the verification workflow, after CTSAMVM's: an
// allegation is looked into (a preliminary inquiry), investigated by a
// team if warranted, and found verified or not verified.
type Stage string

// The stages, in the order the workflow takes them.
const (
	StageAllegation  Stage = "allegation"
	StageInquiry     Stage = "preliminary-inquiry"
	StageInvestigate Stage = "investigation"
	StageVerified    Stage = "verified"
	StageNotVerified Stage = "not-verified"
)

// Stages lists them; StageLabels names them.
var (
	Stages      = []Stage{StageAllegation, StageInquiry, StageInvestigate, StageVerified, StageNotVerified}
	StageLabels = map[Stage]string{StageAllegation: "allegation", StageInquiry: "preliminary inquiry", StageInvestigate: "investigation",
		StageVerified: "verified", StageNotVerified: "not verified"}
)

// follows says which stages a step may follow: every incident starts as
// an allegation; a finding (verified or not) rests on an inquiry or an
// investigation; and a finding may be reopened by a new investigation
// when new evidence comes, its history kept.
var follows = map[Stage][]Stage{
	StageAllegation:  {""},
	StageInquiry:     {StageAllegation},
	StageInvestigate: {StageInquiry, StageInvestigate, StageVerified, StageNotVerified},
	StageVerified:    {StageInquiry, StageInvestigate},
	StageNotVerified: {StageInquiry, StageInvestigate},
}

// Attribution grades how far a verified incident is attributed to a
// party, after CTSAMVM's reports.
type Attribution string

// The grades.
const (
	Attributed        Attribution = "attributed"
	LargelyAttributed Attribution = "largely-attributed"
	NotAttributed     Attribution = "not-attributed"
)

// Attributions lists them; AttributionLabels names them.
var (
	Attributions      = []Attribution{Attributed, LargelyAttributed, NotAttributed}
	AttributionLabels = map[Attribution]string{Attributed: "attributed", LargelyAttributed: "largely attributed", NotAttributed: "could not be attributed"}
)

// Step is one step of an incident's verification, signed by the monitor
// who took it. The parties read every step (the incident's status is the
// latest) and its summary; the teams' reports of an inquiry or an
// investigation (Finding) are theirs to read only where the monitors share
// them.
type Step struct {
	IncidentID      string      `json:"incident_id"`
	PartyID         string      `json:"party_id"`
	Stage           Stage       `json:"stage"`
	Summary         string      `json:"summary,omitempty"`
	Team            string      `json:"team,omitempty"`
	Attribution     Attribution `json:"attribution,omitempty"`
	AttributedParty string      `json:"attributed_party,omitempty"`
}

// Normalize implements parley.Entity.
func (s *Step) Normalize() {
	parley.Trim(&s.IncidentID, &s.PartyID, &s.Summary, &s.Team, &s.AttributedParty)
}

// References implements parley.Entity.
func (s *Step) References() []parley.Reference {
	return []parley.Reference{{Field: "incident_id", Kind: KindIncident, ID: s.IncidentID}, {Field: "party_id", Kind: PartyKind, ID: s.PartyID},
		{Field: "attributed_party", Kind: PartyKind, ID: s.AttributedParty}}
}

// Validate implements parley.Entity.
func (s *Step) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("incident_id", s.IncidentID), parley.Required("party_id", s.PartyID),
		parley.OneOf("stage", s.Stage, Stages), parley.TextLimit("summary", s.Summary)); err != nil {
		return err
	}
	switch {
	case s.Stage == StageInvestigate && s.Team == "":
		return parley.Errorf("team", "is required for an investigation: the team that investigates")
	case s.Stage == StageVerified && s.Attribution == "":
		return parley.Errorf("attribution", "is required for a verified incident: attributed, largely attributed, or could not be attributed")
	case s.Stage != StageVerified && (s.Attribution != "" || s.AttributedParty != ""):
		return parley.Errorf("attribution", "is given with a verified incident only; a %s attributes nothing", StageLabels[s.Stage])
	case s.Attribution == "":
	case !slices.Contains(Attributions, s.Attribution):
		return parley.OneOf("attribution", s.Attribution, Attributions)
	case s.Attribution == NotAttributed && s.AttributedParty != "":
		return parley.Errorf("attributed_party", "names %q, but the incident could not be attributed", s.AttributedParty)
	case s.Attribution != NotAttributed && s.AttributedParty == "":
		return parley.Errorf("attributed_party", "is required: the party the incident is %s to", AttributionLabels[s.Attribution])
	}
	// An incident is attributed to a party to the conflict, never to the
	// mediator or an observer.
	if p, ok := parley.Lookup[parley.PartyEntity](r, PartyKind, s.AttributedParty); ok && p.ProcessRole() != access.ProcessParty {
		return parley.Errorf("attributed_party", "%q is the process's %s, not a party to the conflict; an incident is attributed to a party", s.AttributedParty, p.ProcessRole())
	}
	return nil
}

// Finding is a team's report on an incident: what a preliminary inquiry
// or an investigation found, with its evidence. It is read by the
// monitors' party and the mediator, and by every party if the monitors
// share it: what the parties see of each inquiry is set report by report.
type Finding struct {
	IncidentID string     `json:"incident_id"`
	Stage      Stage      `json:"stage"`
	Team       string     `json:"team"`
	Text       string     `json:"text"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	Shared     bool       `json:"shared_with_parties,omitempty"`
}

// Normalize implements parley.Entity.
func (f *Finding) Normalize() { parley.Trim(&f.IncidentID, &f.Team, &f.Text) }

// References implements parley.Entity.
func (f *Finding) References() []parley.Reference {
	return []parley.Reference{{Field: "incident_id", Kind: KindIncident, ID: f.IncidentID}}
}

// Validate implements parley.Entity.
func (f *Finding) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("incident_id", f.IncidentID), parley.OneOf("stage", f.Stage, []Stage{StageInquiry, StageInvestigate}),
		parley.Required("team", f.Team), parley.Required("text", f.Text), parley.TextLimit("text", f.Text)); err != nil {
		return err
	}
	return parley.CheckEvidence(f.Evidence)
}

// findingAudience keeps a team's report with the monitors' party and the
// mediator, whoever writes it, unless the monitors share it with every
// party.
func findingAudience(e parley.Entity, author string) record.Audience {
	if e.(*Finding).Shared {
		return parties
	}
	return record.Audience{Scope: record.PartyMediator, Party: author}
}

// AccessDenial is a monitors' record that they were refused access: where
// and when, by which party, and what it prevented. It is reported as
// violations are.
type AccessDenial struct {
	OccurredAt string   `json:"occurred_at"`
	PlaceName  string   `json:"place_name"`
	Lat        *float64 `json:"lat,omitempty"`
	Lon        *float64 `json:"lon,omitempty"`
	DeniedBy   string   `json:"denied_by"`
	Patrol     string   `json:"patrol"`
	Prevented  string   `json:"prevented"`
	IncidentID string   `json:"incident_id,omitempty"`
	Narrative  string   `json:"narrative,omitempty"`
}

// Normalize implements parley.Entity.
func (a *AccessDenial) Normalize() {
	parley.Trim(&a.OccurredAt, &a.PlaceName, &a.DeniedBy, &a.Patrol, &a.Prevented, &a.IncidentID, &a.Narrative)
}

// References implements parley.Entity.
func (a *AccessDenial) References() []parley.Reference {
	return []parley.Reference{{Field: "denied_by", Kind: PartyKind, ID: a.DeniedBy}, {Field: "incident_id", Kind: KindIncident, ID: a.IncidentID}}
}

// Validate implements parley.Entity.
func (a *AccessDenial) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("occurred_at", a.OccurredAt), parley.Required("place_name", a.PlaceName),
		parley.Required("denied_by", a.DeniedBy), parley.Required("patrol", a.Patrol), parley.Required("prevented", a.Prevented),
		parley.TextLimit("prevented", a.Prevented), parley.TextLimit("narrative", a.Narrative)); err != nil {
		return err
	}
	if _, err := parley.ParseTime(a.OccurredAt); err != nil {
		return parley.Errorf("occurred_at", "%v", err)
	}
	return checkPoint(a.Lat, a.Lon, false)
}

// Verification is the state of an incident's verification: its steps in
// the order they were taken, and the latest. Stale is set when the
// incident has changed since its latest step beyond the allegation was
// taken: that step was signed on another version of it (its reports, its
// place, its time), and says nothing of the incident as it reads now,
// which is not verified until the monitors take the workflow's steps on it
// again.
type Verification struct {
	Steps []*Step
	Stale bool
}

// VerificationOf is the verification of an incident whose current record
// is current, from its steps in the order they were taken, each with the
// incident record it was taken on: stale when the latest was taken on an
// earlier version and is not the allegation, which is of the event,
// whatever its reports, and carries over a change.
func VerificationOf(steps []*Step, on []string, current string) Verification {
	v := Verification{Steps: steps}
	if n := len(steps); n > 0 && on[n-1] != current && steps[n-1].Stage != StageAllegation {
		v.Stale = true
	}
	return v
}

// Current returns the latest step, or nil before the allegation.
func (v Verification) Current() *Step {
	if len(v.Steps) == 0 {
		return nil
	}
	return v.Steps[len(v.Steps)-1]
}

// Status returns the incident's stage: "" before any step.
func (v Verification) Status() Stage {
	if s := v.Current(); s != nil {
		return s.Stage
	}
	return ""
}

// Verified reports whether the incident is verified as it reads now, and
// how it is attributed.
func (v Verification) Verified() (Attribution, string, bool) {
	s := v.Current()
	if s == nil || v.Stale || s.Stage != StageVerified {
		return "", "", false
	}
	return s.Attribution, s.AttributedParty, true
}

// Invariants implements parley.WithInvariants: an incident's verification
// takes the workflow's steps in order, and a team reports on a stage the
// incident has reached; a report is of one incident; and a report's
// source reference names one report, so that a file imported again adds
// nothing.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{stepInOrder, findingOnStage, oneIncidentPerReport, oneReportPerRef, articleKept}
}

// oneReportPerRef: the same report again (the same source reference and
// the same content) is a conflict, which an import counts as there
// already; another report under a reference taken is refused, naming the
// one that has it, rather than counted so.
var oneReportPerRef = parley.Invariant{
	Kind: KindReport, Name: "one report per source reference",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		if ref := e.(*Report).SourceRef; ref != "" {
			return []parley.Need{{Kind: KindReport, Fields: map[string]string{"source_ref": ref}}}
		}
		return []parley.Need{}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		r := e.(*Report)
		for _, fs := range facts {
			for _, f := range fs {
				if f.ID == subject {
					continue
				}
				mine, _ := json.Marshal(r)
				if theirs, _ := json.Marshal(f.Entity); bytes.Equal(mine, theirs) {
					return parley.Conflictf("source_ref", "report %s has the source reference %q already: it is the same report, recorded before", f.ID, r.SourceRef)
				}
				return parley.Errorf("source_ref", "%q is the source reference of report %s, which says something else; a revised report is a new report, under a reference of its own", r.SourceRef, f.ID)
			}
		}
		return nil
	},
}

// oneIncidentPerReport: a report is of one incident. Checking it reads,
// for each of the incident's reports, the incidents the writer may see
// that hold it: the index keeps each of an incident's reports
// (IndexFields), so the check costs the reports, not the incidents.
var oneIncidentPerReport = parley.Invariant{
	Kind: KindIncident, Name: "a report is of one incident",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		needs := []parley.Need{}
		for _, r := range e.(*Incident).Reports {
			needs = append(needs, parley.Need{Kind: KindIncident, Fields: map[string]string{"reports": r}})
		}
		return needs
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		for i, r := range e.(*Incident).Reports {
			for _, f := range facts[i] {
				if f.ID != subject {
					return parley.Conflictf("reports", "report %s is of incident %s (%q) already; a report is of one incident: take it out of that one first", r, f.ID, f.Entity.(*Incident).Title)
				}
			}
		}
		return nil
	},
}

// findingOnStage: a team reports on an inquiry or an investigation the
// incident has been through.
var findingOnStage = parley.Invariant{
	Kind: KindFinding, Name: "a team reports on a stage the incident, as it reads now, has reached",
	Needs: stepNeeds(func(e parley.Entity) string { return e.(*Finding).IncidentID }),
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		f := e.(*Finding)
		for _, s := range onVersion(facts) {
			if s.Entity.(*Step).Stage == f.Stage {
				return nil
			}
		}
		return parley.Conflictf("stage", "the incident, as it reads now, has had no %s yet; a team reports on one the monitors have recorded as a verification step", StageLabels[f.Stage])
	},
}
var stepInOrder = parley.Invariant{
	Kind: KindStep, Name: "a verification step follows the one before it in the workflow, on the incident as it reads now",
	Needs: stepNeeds(func(e parley.Entity) string { return e.(*Step).IncidentID }),
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		s := e.(*Step)
		prev := currentStage(facts, subject)
		if slices.Contains(follows[s.Stage], prev) {
			return nil
		}
		if prev == "" {
			return parley.Conflictf("stage", "the incident has no step on it as it reads now (none yet, or it changed since its last step); its verification starts with the allegation")
		}
		var may []string
		for _, st := range Stages {
			if slices.Contains(follows[st], prev) {
				may = append(may, StageLabels[st])
			}
		}
		return parley.Conflictf("stage", "the incident's latest step is the %s; %s does not follow it (what may: %s)",
			StageLabels[prev], parley.Article(StageLabels[s.Stage]), strings.Join(may, ", "))
	},
}

// stepNeeds asks for an incident's steps and the incident itself.
func stepNeeds(incident func(parley.Entity) string) func(parley.Entity, string) []parley.Need {
	return func(e parley.Entity, _ string) []parley.Need {
		id := incident(e)
		return []parley.Need{{Kind: KindStep, Parent: id}, {Kind: KindIncident, ID: id}}
	}
}

// onVersion returns the steps (facts[0]) taken on the incident (facts[1])
// as it reads now.
func onVersion(facts [][]parley.Fact) []parley.Fact {
	if len(facts[1]) == 0 {
		return nil
	}
	current := facts[1][0].RecordID
	var out []parley.Fact
	for _, f := range facts[0] {
		if f.On == current {
			out = append(out, f)
		}
	}
	return out
}

// currentStage is where the verification of the incident as it reads now
// stands (VerificationOf): its latest step, unless that was taken on an
// earlier version and was not the allegation, when the verification starts
// again.
func currentStage(facts [][]parley.Fact, subject string) Stage {
	if len(facts[1]) == 0 {
		return ""
	}
	var taken []parley.Fact
	for _, f := range facts[0] {
		if f.ID != subject {
			taken = append(taken, f)
		}
	}
	slices.SortFunc(taken, func(a, b parley.Fact) int { return cmp.Compare(a.Seq, b.Seq) })
	steps, on := make([]*Step, len(taken)), make([]string, len(taken))
	for i, f := range taken {
		steps[i], on[i] = f.Entity.(*Step), f.On
	}
	if v := VerificationOf(steps, on, facts[1][0].RecordID); !v.Stale {
		return v.Status()
	}
	return ""
}
