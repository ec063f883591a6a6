package talks

import (
	"fmt"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Party is a state or organisation taking part in the process.
type Party struct {
	// ID is a short slug ("us", "ua") chosen once; audiences name it.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is the party's part in the process: mediator, party or observer.
	Role access.ProcessRole `json:"role"`
	Note string             `json:"note,omitempty"`
}

// EntityID implements SelfIdentified.
func (p *Party) EntityID() string { return p.ID }

// Normalize implements Entity.
func (p *Party) Normalize() { trim(&p.ID, &p.Name, &p.Note) }

// References implements Entity.
func (p *Party) References() []Reference { return nil }

// Parent implements Entity.
func (p *Party) Parent() string { return "" }

// Validate implements Entity.
func (p *Party) Validate(Resolved) error {
	if !record.ValidPartyID(p.ID) {
		return fieldErr("id", "%q is not a party id: 2 to 32 characters, lower-case letters, digits and '-', starting with a letter", p.ID)
	}
	return first(required("name", p.Name),
		oneOf("role", p.Role, []access.ProcessRole{access.ProcessMediator, access.ProcessParty, access.ProcessObserver}),
		textLimit("note", p.Note))
}

// SourcedTitle is a title as one source gives it. Sources disagree (one
// report calls a negotiator national security adviser, another chief
// negotiator), and parley keeps each version with its source.
type SourcedTitle struct {
	Title  string `json:"title"`
	Source string `json:"source"`
}

// Person is someone who acts for a party.
type Person struct {
	Name    string         `json:"name"`
	PartyID string         `json:"party_id"`
	Titles  []SourcedTitle `json:"titles,omitempty"`
	Note    string         `json:"note,omitempty"`
}

// Owner implements Owned.
func (p *Person) Owner() string { return p.PartyID }

// Normalize implements Entity.
func (p *Person) Normalize() {
	trim(&p.Name, &p.PartyID, &p.Note)
	for i := range p.Titles {
		trim(&p.Titles[i].Title, &p.Titles[i].Source)
	}
}

// References implements Entity.
func (p *Person) References() []Reference {
	return []Reference{{"party_id", KindParty, p.PartyID}}
}

// Parent implements Entity.
func (p *Person) Parent() string { return p.PartyID }

// Validate implements Entity.
func (p *Person) Validate(Resolved) error {
	if err := first(required("name", p.Name), required("party_id", p.PartyID), textLimit("note", p.Note)); err != nil {
		return err
	}
	for i, t := range p.Titles {
		if t.Title == "" {
			return fieldErr(fmt.Sprintf("titles[%d].title", i), "is required")
		}
	}
	return nil
}

// RoundStatus is where a round stands.
type RoundStatus string

// The round statuses.
const (
	RoundTentative RoundStatus = "tentative"
	RoundPlanned   RoundStatus = "planned"
	RoundOngoing   RoundStatus = "ongoing"
	RoundConcluded RoundStatus = "concluded"
	RoundCancelled RoundStatus = "cancelled"
)

// RoundStatuses lists them in order.
var RoundStatuses = []RoundStatus{RoundTentative, RoundPlanned, RoundOngoing, RoundConcluded, RoundCancelled}

// Round is a meeting of the process in one place over one or more days.
type Round struct {
	Name      string      `json:"name"`
	Place     string      `json:"place"`
	StartsOn  Date        `json:"starts_on"`
	EndsOn    Date        `json:"ends_on"`
	Precision Precision   `json:"precision,omitempty"`
	Status    RoundStatus `json:"status"`
	Summary   string      `json:"summary,omitempty"`
	Outcome   string      `json:"outcome,omitempty"`
}

// Normalize implements Entity.
func (r *Round) Normalize() {
	trim(&r.Name, &r.Place, &r.Summary, &r.Outcome)
	if r.EndsOn == "" {
		r.EndsOn = r.StartsOn
	}
}

// References implements Entity.
func (r *Round) References() []Reference { return nil }

// Parent implements Entity.
func (r *Round) Parent() string { return "" }

// Validate implements Entity.
func (r *Round) Validate(Resolved) error {
	if err := first(required("name", r.Name), required("place", r.Place),
		r.StartsOn.check("starts_on", true), r.EndsOn.check("ends_on", true),
		r.Precision.check("precision"), oneOf("status", r.Status, RoundStatuses),
		textLimit("summary", r.Summary), textLimit("outcome", r.Outcome)); err != nil {
		return err
	}
	if r.EndsOn < r.StartsOn {
		return fieldErr("ends_on", "%s is before starts_on %s", r.EndsOn, r.StartsOn)
	}
	return nil
}

// Contains reports whether the calendar day of t, in t's own offset, falls
// within the round. The offset matters: a meeting that starts shortly before
// midnight in Moscow starts on that day, whatever the date in UTC.
func (r *Round) Contains(t time.Time) bool {
	day := Date(t.Format(dateLayout))
	return day >= r.StartsOn && day <= r.EndsOn
}

// Format is how a session is held.
type Format string

// The session formats seen in mediated talks.
const (
	FormatPlenary      Format = "plenary"
	FormatJoint        Format = "joint-with-mediator"
	FormatDirect       Format = "direct-without-mediator"
	FormatWorkingGroup Format = "working-group"
	FormatShuttle      Format = "mediator-shuttle"
	FormatLeaders      Format = "leaders-meeting"
	FormatBilateral    Format = "bilateral-with-mediator"
	FormatSocial       Format = "social"
)

// Formats lists them in order.
var Formats = []Format{FormatPlenary, FormatJoint, FormatDirect, FormatWorkingGroup, FormatShuttle, FormatLeaders, FormatBilateral, FormatSocial}

// FormatLabels are the names people read.
var FormatLabels = map[Format]string{
	FormatPlenary:      "Plenary",
	FormatJoint:        "Joint session with mediator",
	FormatDirect:       "Direct, without mediator",
	FormatWorkingGroup: "Working group",
	FormatShuttle:      "Mediator shuttle between groups",
	FormatLeaders:      "Leaders' meeting",
	FormatBilateral:    "Bilateral with mediator",
	FormatSocial:       "Social",
}

// Session is one meeting within a round.
type Session struct {
	RoundID         string     `json:"round_id"`
	Title           string     `json:"title"`
	Format          Format     `json:"format"`
	StartsAt        time.Time  `json:"starts_at"`
	EndsAt          *time.Time `json:"ends_at,omitempty"`
	Precision       Precision  `json:"precision,omitempty"`
	Place           string     `json:"place,omitempty"`
	MediatorPresent bool       `json:"mediator_present"`
	// Parties are the parties represented; Attendees the people present.
	Parties   []string `json:"parties"`
	Attendees []string `json:"attendees,omitempty"`
	Summary   string   `json:"summary,omitempty"`
}

// Normalize implements Entity.
func (s *Session) Normalize() { trim(&s.RoundID, &s.Title, &s.Place, &s.Summary) }

// References implements Entity.
func (s *Session) References() []Reference {
	refs := []Reference{{"round_id", KindRound, s.RoundID}}
	for i, p := range s.Parties {
		refs = append(refs, Reference{fmt.Sprintf("parties[%d]", i), KindParty, p})
	}
	for i, p := range s.Attendees {
		refs = append(refs, Reference{fmt.Sprintf("attendees[%d]", i), KindPerson, p})
	}
	return refs
}

// Parent implements Entity.
func (s *Session) Parent() string { return s.RoundID }

// mediatorPresence says which formats fix whether the mediator is present.
var mediatorPresence = map[Format]bool{
	FormatJoint:     true,
	FormatShuttle:   true,
	FormatBilateral: true,
	FormatDirect:    false,
}

// Validate implements Entity.
func (s *Session) Validate(r Resolved) error {
	if err := first(required("round_id", s.RoundID), required("title", s.Title),
		oneOf("format", s.Format, Formats), s.Precision.check("precision"),
		textLimit("summary", s.Summary)); err != nil {
		return err
	}
	if s.StartsAt.IsZero() {
		return fieldErr("starts_at", "is required (RFC 3339 time, e.g. 2026-01-23T10:00:00+04:00)")
	}
	if s.EndsAt != nil && s.EndsAt.Before(s.StartsAt) {
		return fieldErr("ends_at", "is before starts_at")
	}
	if want, fixed := mediatorPresence[s.Format]; fixed && s.MediatorPresent != want {
		return fieldErr("mediator_present", "must be %t for a %s session", want, FormatLabels[s.Format])
	}
	if len(s.Parties) == 0 {
		return fieldErr("parties", "names no party; a session needs at least one")
	}
	round, ok := lookup[*Round](r, KindRound, s.RoundID)
	if !ok {
		return fieldErr("round_id", "no round %q", s.RoundID)
	}
	if !round.Contains(s.StartsAt) {
		return fieldErr("starts_at", "%s is outside the round's dates %s to %s", s.StartsAt.Format(time.RFC3339), round.StartsOn, round.EndsOn)
	}
	if s.EndsAt != nil {
		// A night meeting may run into the small hours of the day after.
		last, _ := round.EndsOn.Time()
		if Date(s.EndsAt.Format(dateLayout)) > Date(last.AddDate(0, 0, 1).Format(dateLayout)) {
			return fieldErr("ends_at", "%s is more than a day after the round ends on %s", s.EndsAt.Format(time.RFC3339), round.EndsOn)
		}
	}
	for i, id := range s.Attendees {
		p, ok := lookup[*Person](r, KindPerson, id)
		if !ok {
			continue
		}
		if !contains(s.Parties, p.PartyID) {
			return fieldErr(fmt.Sprintf("attendees[%d]", i), "%s is of party %q, which is not among the session's parties", p.Name, p.PartyID)
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// DelegationRole is a member's part in a delegation.
type DelegationRole string

// The delegation roles.
const (
	DelegationHead       DelegationRole = "head"
	DelegationNegotiator DelegationRole = "negotiator"
	DelegationMilitary   DelegationRole = "military"
	DelegationAdviser    DelegationRole = "adviser"
)

// DelegationRoles lists them in order.
var DelegationRoles = []DelegationRole{DelegationHead, DelegationNegotiator, DelegationMilitary, DelegationAdviser}

// Member is one person in a delegation.
type Member struct {
	PersonID string         `json:"person_id"`
	Role     DelegationRole `json:"role"`
	// Title is the member's function as the delegation gives it.
	Title string `json:"title,omitempty"`
}

// Delegation is who a party sends to a round.
type Delegation struct {
	RoundID string   `json:"round_id"`
	PartyID string   `json:"party_id"`
	Members []Member `json:"members"`
	Note    string   `json:"note,omitempty"`
}

// Owner implements Owned.
func (d *Delegation) Owner() string { return d.PartyID }

// Normalize implements Entity.
func (d *Delegation) Normalize() {
	trim(&d.RoundID, &d.PartyID, &d.Note)
	for i := range d.Members {
		trim(&d.Members[i].PersonID, &d.Members[i].Title)
	}
}

// References implements Entity.
func (d *Delegation) References() []Reference {
	refs := []Reference{{"round_id", KindRound, d.RoundID}, {"party_id", KindParty, d.PartyID}}
	for i, m := range d.Members {
		refs = append(refs, Reference{fmt.Sprintf("members[%d].person_id", i), KindPerson, m.PersonID})
	}
	return refs
}

// Parent implements Entity.
func (d *Delegation) Parent() string { return d.RoundID }

// Validate implements Entity.
func (d *Delegation) Validate(r Resolved) error {
	if err := first(required("round_id", d.RoundID), required("party_id", d.PartyID), textLimit("note", d.Note)); err != nil {
		return err
	}
	if len(d.Members) == 0 {
		return fieldErr("members", "is empty; a delegation has at least one member")
	}
	heads := 0
	seen := map[string]bool{}
	for i, m := range d.Members {
		f := fmt.Sprintf("members[%d]", i)
		if err := first(required(f+".person_id", m.PersonID), oneOf(f+".role", m.Role, DelegationRoles)); err != nil {
			return err
		}
		if seen[m.PersonID] {
			return fieldErr(f+".person_id", "lists %q twice", m.PersonID)
		}
		seen[m.PersonID] = true
		if m.Role == DelegationHead {
			heads++
		}
		if p, ok := lookup[*Person](r, KindPerson, m.PersonID); ok && p.PartyID != d.PartyID {
			return fieldErr(f+".person_id", "%s is of party %q, not of the delegation's party %q", p.Name, p.PartyID, d.PartyID)
		}
	}
	if heads > 1 {
		return fieldErr("members", "has %d heads; a delegation has at most one", heads)
	}
	return nil
}

// AspectStatus is where an agenda aspect stands.
type AspectStatus string

// The aspect statuses.
const (
	AspectOpen       AspectStatus = "open"
	AspectDiscussed  AspectStatus = "under-discussion"
	AspectConverging AspectStatus = "converging"
	AspectAdRef      AspectStatus = "agreed-ad-referendum"
	AspectAgreed     AspectStatus = "agreed"
	AspectDeadlocked AspectStatus = "deadlocked"
	AspectDeferred   AspectStatus = "deferred"
)

// AspectStatuses lists them in order.
var AspectStatuses = []AspectStatus{AspectOpen, AspectDiscussed, AspectConverging, AspectAdRef, AspectAgreed, AspectDeadlocked, AspectDeferred}

// Aspect is one item of the agenda.
type Aspect struct {
	Title   string       `json:"title"`
	Summary string       `json:"summary,omitempty"`
	Status  AspectStatus `json:"status"`
	// Order places the aspect on the agenda; lower first.
	Order int `json:"order,omitempty"`
}

// Normalize implements Entity.
func (a *Aspect) Normalize() { trim(&a.Title, &a.Summary) }

// References implements Entity.
func (a *Aspect) References() []Reference { return nil }

// Parent implements Entity.
func (a *Aspect) Parent() string { return "" }

// Validate implements Entity.
func (a *Aspect) Validate(Resolved) error {
	return first(required("title", a.Title), oneOf("status", a.Status, AspectStatuses), textLimit("summary", a.Summary))
}

// ActionStatus is where an action item stands.
type ActionStatus string

// The action statuses.
const (
	ActionOpen      ActionStatus = "open"
	ActionDone      ActionStatus = "done"
	ActionCancelled ActionStatus = "cancelled"
)

// ActionStatuses lists them in order.
var ActionStatuses = []ActionStatus{ActionOpen, ActionDone, ActionCancelled}

// ActionItem is something a party has undertaken to do.
type ActionItem struct {
	Title      string       `json:"title"`
	OwnerParty string       `json:"owner_party"`
	OwnerID    string       `json:"owner_person,omitempty"`
	Due        Date         `json:"due,omitempty"`
	Status     ActionStatus `json:"status"`
	RoundID    string       `json:"round_id,omitempty"`
	AspectID   string       `json:"aspect_id,omitempty"`
	Note       string       `json:"note,omitempty"`
}

// Owner implements Owned.
func (a *ActionItem) Owner() string { return a.OwnerParty }

// Normalize implements Entity.
func (a *ActionItem) Normalize() {
	trim(&a.Title, &a.OwnerParty, &a.OwnerID, &a.RoundID, &a.AspectID, &a.Note)
}

// References implements Entity.
func (a *ActionItem) References() []Reference {
	return []Reference{{"owner_party", KindParty, a.OwnerParty}, {"owner_person", KindPerson, a.OwnerID},
		{"round_id", KindRound, a.RoundID}, {"aspect_id", KindAspect, a.AspectID}}
}

// Parent implements Entity.
func (a *ActionItem) Parent() string { return a.RoundID }

// Validate implements Entity.
func (a *ActionItem) Validate(r Resolved) error {
	if err := first(required("title", a.Title), required("owner_party", a.OwnerParty),
		a.Due.check("due", false), oneOf("status", a.Status, ActionStatuses), textLimit("note", a.Note)); err != nil {
		return err
	}
	if p, ok := lookup[*Person](r, KindPerson, a.OwnerID); ok && p.PartyID != a.OwnerParty {
		return fieldErr("owner_person", "%s is of party %q, not of owner_party %q", p.Name, p.PartyID, a.OwnerParty)
	}
	return nil
}

// Source is where a statement is reported.
type Source struct {
	Name      string `json:"name"`
	URL       string `json:"url,omitempty"`
	Published Date   `json:"published,omitempty"`
}

// Statement is what someone said, where and when, as a source reports it.
// Sources may disagree; each version is its own statement and all are kept.
type Statement struct {
	SpeakerName string    `json:"speaker_name"`
	SpeakerID   string    `json:"speaker_id,omitempty"`
	PartyID     string    `json:"party_id,omitempty"`
	Text        string    `json:"text"`
	SaidAt      time.Time `json:"said_at"`
	Precision   Precision `json:"precision,omitempty"`
	Place       string    `json:"place,omitempty"`
	Source      Source    `json:"source"`
	RoundID     string    `json:"round_id,omitempty"`
	AspectID    string    `json:"aspect_id,omitempty"`
}

// Normalize implements Entity.
func (s *Statement) Normalize() {
	trim(&s.SpeakerName, &s.SpeakerID, &s.PartyID, &s.Text, &s.Place, &s.Source.Name, &s.Source.URL, &s.RoundID, &s.AspectID)
}

// References implements Entity.
func (s *Statement) References() []Reference {
	return []Reference{{"speaker_id", KindPerson, s.SpeakerID}, {"party_id", KindParty, s.PartyID},
		{"round_id", KindRound, s.RoundID}, {"aspect_id", KindAspect, s.AspectID}}
}

// Parent implements Entity.
func (s *Statement) Parent() string { return s.RoundID }

// Validate implements Entity.
func (s *Statement) Validate(r Resolved) error {
	if err := first(required("speaker_name", s.SpeakerName), required("text", s.Text), textLimit("text", s.Text),
		s.Precision.check("precision"), required("source.name", s.Source.Name), s.Source.Published.check("source.published", false)); err != nil {
		return err
	}
	if s.SaidAt.IsZero() {
		return fieldErr("said_at", "is required (RFC 3339 time)")
	}
	if p, ok := lookup[*Person](r, KindPerson, s.SpeakerID); ok && s.PartyID != "" && p.PartyID != s.PartyID {
		return fieldErr("speaker_id", "%s is of party %q, not of party_id %q", p.Name, p.PartyID, s.PartyID)
	}
	return nil
}
