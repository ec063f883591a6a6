package talks

import (
	"fmt"
	"time"

	"github.com/parley-project/parley"
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

// PartyID implements parley.PartyEntity.
func (p *Party) PartyID() string { return p.ID }

// ProcessRole implements parley.PartyEntity.
func (p *Party) ProcessRole() access.ProcessRole { return p.Role }

// Normalize implements Entity.
func (p *Party) Normalize() { parley.Trim(&p.ID, &p.Name, &p.Note) }

// References implements Entity.
func (p *Party) References() []parley.Reference { return nil }

// Validate implements Entity.
func (p *Party) Validate(parley.Resolved) error {
	if !record.ValidPartyID(p.ID) {
		return parley.Errorf("id", "%q is not a party id: 2 to 32 characters, lower-case letters, digits and '-', starting with a letter", p.ID)
	}
	return parley.First(parley.Required("name", p.Name),
		parley.OneOf("role", p.Role, []access.ProcessRole{access.ProcessMediator, access.ProcessParty, access.ProcessObserver}),
		parley.TextLimit("note", p.Note))
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

// Normalize implements Entity.
func (p *Person) Normalize() {
	parley.Trim(&p.Name, &p.PartyID, &p.Note)
	for i := range p.Titles {
		parley.Trim(&p.Titles[i].Title, &p.Titles[i].Source)
	}
}

// References implements Entity.
func (p *Person) References() []parley.Reference {
	return []parley.Reference{{Field: "party_id", Kind: KindParty, ID: p.PartyID}}
}

// Validate implements Entity.
func (p *Person) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("name", p.Name), parley.Required("party_id", p.PartyID), parley.TextLimit("note", p.Note)); err != nil {
		return err
	}
	for i, t := range p.Titles {
		if t.Title == "" {
			return parley.Errorf(fmt.Sprintf("titles[%d].title", i), "is required")
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
	parley.Trim(&r.Name, &r.Place, &r.Summary, &r.Outcome)
	if r.EndsOn == "" {
		r.EndsOn = r.StartsOn
	}
}

// References implements Entity.
func (r *Round) References() []parley.Reference { return nil }

// Validate implements Entity.
func (r *Round) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("name", r.Name), parley.Required("place", r.Place),
		r.StartsOn.check("starts_on", true), r.EndsOn.check("ends_on", true),
		r.Precision.check("precision"), parley.OneOf("status", r.Status, RoundStatuses),
		parley.TextLimit("summary", r.Summary), parley.TextLimit("outcome", r.Outcome)); err != nil {
		return err
	}
	if r.EndsOn < r.StartsOn {
		return parley.Errorf("ends_on", "%s is before starts_on %s", r.EndsOn, r.StartsOn)
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
func (s *Session) Normalize() { parley.Trim(&s.RoundID, &s.Title, &s.Place, &s.Summary) }

// References implements Entity.
func (s *Session) References() []parley.Reference {
	refs := []parley.Reference{{Field: "round_id", Kind: KindRound, ID: s.RoundID}}
	for i, p := range s.Parties {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("parties[%d]", i), Kind: KindParty, ID: p})
	}
	for i, p := range s.Attendees {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("attendees[%d]", i), Kind: KindPerson, ID: p})
	}
	return refs
}

// mediatorPresence says which formats fix whether the mediator is present.
var mediatorPresence = map[Format]bool{
	FormatJoint:     true,
	FormatShuttle:   true,
	FormatBilateral: true,
	FormatDirect:    false,
}

// Validate implements Entity.
func (s *Session) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("round_id", s.RoundID), parley.Required("title", s.Title),
		parley.OneOf("format", s.Format, Formats), s.Precision.check("precision"),
		parley.TextLimit("summary", s.Summary)); err != nil {
		return err
	}
	if s.StartsAt.IsZero() {
		return parley.Errorf("starts_at", "is required (RFC 3339 time, e.g. 2026-01-23T10:00:00+04:00)")
	}
	if s.EndsAt != nil && s.EndsAt.Before(s.StartsAt) {
		return parley.Errorf("ends_at", "is before starts_at")
	}
	if want, fixed := mediatorPresence[s.Format]; fixed && s.MediatorPresent != want {
		return mediatorPresenceError(s.Format, want)
	}
	if len(s.Parties) == 0 {
		return parley.Errorf("parties", "names no party; a session needs at least one")
	}
	round, ok := parley.Lookup[*Round](r, KindRound, s.RoundID)
	if !ok {
		return parley.Errorf("round_id", "no round %q", s.RoundID)
	}
	if !round.Contains(s.StartsAt) {
		return parley.Errorf("starts_at", "%s is outside the round's dates %s to %s", s.StartsAt.Format(time.RFC3339), round.StartsOn, round.EndsOn)
	}
	if s.EndsAt != nil {
		// A night meeting may run into the small hours of the day after.
		last, _ := round.EndsOn.Time()
		if Date(s.EndsAt.Format(dateLayout)) > Date(last.AddDate(0, 0, 1).Format(dateLayout)) {
			return parley.Errorf("ends_at", "%s is more than a day after the round ends on %s", s.EndsAt.Format(time.RFC3339), round.EndsOn)
		}
	}
	for i, id := range s.Attendees {
		p, ok := parley.Lookup[*Person](r, KindPerson, id)
		if !ok {
			continue
		}
		if !contains(s.Parties, p.PartyID) {
			return parley.Errorf(fmt.Sprintf("attendees[%d]", i), "%s is of party %q, which is not among the session's parties", p.Name, p.PartyID)
		}
	}
	return nil
}

// mediatorPresenceError refuses a session of format f whose
// mediator_present is not want. Each format is its own message, with the
// format's name in it, so that the UI can write it in the reader's
// language.
func mediatorPresenceError(f Format, want bool) error {
	switch f {
	case FormatJoint:
		return parley.Errorf("mediator_present", "must be true for a Joint session with mediator session")
	case FormatShuttle:
		return parley.Errorf("mediator_present", "must be true for a Mediator shuttle between groups session")
	case FormatBilateral:
		return parley.Errorf("mediator_present", "must be true for a Bilateral with mediator session")
	case FormatDirect:
		return parley.Errorf("mediator_present", "must be false for a Direct, without mediator session")
	}
	return parley.Errorf("mediator_present", "must be %t for a %s session", want, FormatLabels[f])
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

// Normalize implements Entity.
func (d *Delegation) Normalize() {
	parley.Trim(&d.RoundID, &d.PartyID, &d.Note)
	for i := range d.Members {
		parley.Trim(&d.Members[i].PersonID, &d.Members[i].Title)
	}
}

// References implements Entity.
func (d *Delegation) References() []parley.Reference {
	refs := []parley.Reference{{Field: "round_id", Kind: KindRound, ID: d.RoundID}, {Field: "party_id", Kind: KindParty, ID: d.PartyID}}
	for i, m := range d.Members {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("members[%d].person_id", i), Kind: KindPerson, ID: m.PersonID})
	}
	return refs
}

// Validate implements Entity.
func (d *Delegation) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("round_id", d.RoundID), parley.Required("party_id", d.PartyID), parley.TextLimit("note", d.Note)); err != nil {
		return err
	}
	if len(d.Members) == 0 {
		return parley.Errorf("members", "is empty; a delegation has at least one member")
	}
	heads := 0
	seen := map[string]bool{}
	for i, m := range d.Members {
		f := fmt.Sprintf("members[%d]", i)
		if err := parley.First(parley.Required(f+".person_id", m.PersonID), parley.OneOf(f+".role", m.Role, DelegationRoles)); err != nil {
			return err
		}
		if seen[m.PersonID] {
			return parley.Errorf(f+".person_id", "lists %q twice", m.PersonID)
		}
		seen[m.PersonID] = true
		if m.Role == DelegationHead {
			heads++
		}
		if p, ok := parley.Lookup[*Person](r, KindPerson, m.PersonID); ok && p.PartyID != d.PartyID {
			return parley.Errorf(f+".person_id", "%s is of party %q, not of the delegation's party %q", p.Name, p.PartyID, d.PartyID)
		}
	}
	if heads > 1 {
		return parley.Errorf("members", "has %d heads; a delegation has at most one", heads)
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
func (a *Aspect) Normalize() { parley.Trim(&a.Title, &a.Summary) }

// References implements Entity.
func (a *Aspect) References() []parley.Reference { return nil }

// Validate implements Entity.
func (a *Aspect) Validate(parley.Resolved) error {
	return parley.First(parley.Required("title", a.Title), parley.OneOf("status", a.Status, AspectStatuses), parley.TextLimit("summary", a.Summary))
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

// Normalize implements Entity.
func (a *ActionItem) Normalize() {
	parley.Trim(&a.Title, &a.OwnerParty, &a.OwnerID, &a.RoundID, &a.AspectID, &a.Note)
}

// References implements Entity.
func (a *ActionItem) References() []parley.Reference {
	return []parley.Reference{{Field: "owner_party", Kind: KindParty, ID: a.OwnerParty}, {Field: "owner_person", Kind: KindPerson, ID: a.OwnerID},
		{Field: "round_id", Kind: KindRound, ID: a.RoundID}, {Field: "aspect_id", Kind: KindAspect, ID: a.AspectID}}
}

// Validate implements Entity.
func (a *ActionItem) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("title", a.Title), parley.Required("owner_party", a.OwnerParty),
		a.Due.check("due", false), parley.OneOf("status", a.Status, ActionStatuses), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if p, ok := parley.Lookup[*Person](r, KindPerson, a.OwnerID); ok && p.PartyID != a.OwnerParty {
		return parley.Errorf("owner_person", "%s is of party %q, not of owner_party %q", p.Name, p.PartyID, a.OwnerParty)
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
	parley.Trim(&s.SpeakerName, &s.SpeakerID, &s.PartyID, &s.Text, &s.Place, &s.Source.Name, &s.Source.URL, &s.RoundID, &s.AspectID)
}

// References implements Entity.
func (s *Statement) References() []parley.Reference {
	return []parley.Reference{{Field: "speaker_id", Kind: KindPerson, ID: s.SpeakerID}, {Field: "party_id", Kind: KindParty, ID: s.PartyID},
		{Field: "round_id", Kind: KindRound, ID: s.RoundID}, {Field: "aspect_id", Kind: KindAspect, ID: s.AspectID}}
}

// Validate implements Entity.
func (s *Statement) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("speaker_name", s.SpeakerName), parley.Required("text", s.Text), parley.TextLimit("text", s.Text),
		s.Precision.check("precision"), parley.Required("source.name", s.Source.Name), s.Source.Published.check("source.published", false)); err != nil {
		return err
	}
	if s.SaidAt.IsZero() {
		return parley.Errorf("said_at", "is required (RFC 3339 time)")
	}
	if p, ok := parley.Lookup[*Person](r, KindPerson, s.SpeakerID); ok && s.PartyID != "" && p.PartyID != s.PartyID {
		return parley.Errorf("speaker_id", "%s is of party %q, not of party_id %q", p.Name, p.PartyID, s.PartyID)
	}
	return nil
}
