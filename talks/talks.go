// Package talks is the domain of mediated negotiation: the parties and their
// people, rounds and their sessions, delegations, the agenda of aspects,
// action items, statements and the capitals' signed approvals. It is pure
// Go: it declares its kinds to the kernel (Domain) and validates and decides,
// and does no I/O.
//
// Nothing here knows who the parties are: the mediator and the parties of
// any process are data.
package talks

import (
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain declares the talks to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "talks" }

// Roles implements parley.Domain: the talks use the kernel's roles.
func (Domain) Roles() []access.Role { return nil }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return kinds }

// Invariants implements parley.WithInvariants: one delegation of a party to
// a round, and a round's dates that keep its sessions within them.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{parley.Unique(kinds[4], "round_id", "party_id"), roundKeepsSessions}
}

// roundKeepsSessions refuses new dates for a round that would leave one of
// its sessions outside them: a session's own write is checked against its
// round, and a round's change must not undo that.
var roundKeepsSessions = parley.Invariant{
	Kind: KindRound,
	Name: "a round's dates contain its sessions",
	Needs: func(_ parley.Entity, subject string) []parley.Need {
		return []parley.Need{{Kind: KindSession, Parent: subject}}
	},
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		r := e.(*Round)
		for _, f := range facts[0] {
			s := f.Entity.(*Session)
			if !r.Contains(s.StartsAt) {
				field := "starts_on"
				if Date(s.StartsAt.Format(dateLayout)) > r.EndsOn {
					field = "ends_on"
				}
				return parley.Errorf(field, "would leave the session %q of %s outside the round; move the session first", s.Title, s.StartsAt.Format(time.RFC3339))
			}
		}
		return nil
	},
}

// The kind names.
const (
	KindParty      = "talks.party"
	KindPerson     = "talks.person"
	KindRound      = "talks.round"
	KindSession    = "talks.session"
	KindDelegation = "talks.delegation"
	KindAspect     = "talks.aspect"
	KindAction     = "talks.action"
	KindStatement  = "talks.statement"
	KindApproval   = "talks.approval"
)

var parties = record.Audience{Scope: record.Parties}

// Field schemas shared by several kinds.
var (
	precisionField = parley.Field{Name: "precision", Type: parley.Enum,
		Enum: parley.Options([]Precision{PrecisionMonth, PrecisionDay, PrecisionMinute}, nil),
		Help: "How much of the date is known; empty means to the minute."}
	sourceField = parley.Field{Name: "source", Type: parley.Object, Required: true, Fields: []parley.Field{
		{Name: "name", Type: parley.String, Required: true, Help: "The outlet or document that reports it."},
		{Name: "url", Label: "URL", Type: parley.String},
		{Name: "published", Type: parley.Date},
	}}
)

// kinds lists every kind of the talks domain, in the order the API
// documents them. Delegation is at index 4 (Invariants names it).
var kinds = []parley.Kind{
	{Name: KindParty, Collection: "parties", Title: "party", New: func() parley.Entity { return new(Party) },
		Fields: []parley.Field{
			{Name: "id", Label: "Id", Type: parley.String, Required: true, Max: 32,
				Help: "A short lower-case slug (\"ua\"), chosen once: audiences and logins name it."},
			{Name: "name", Type: parley.String, Required: true},
			{Name: "role", Type: parley.Enum, Required: true, Enum: parley.Options(
				[]access.ProcessRole{access.ProcessMediator, access.ProcessParty, access.ProcessObserver}, nil)},
			{Name: "note", Type: parley.Text},
		},
		IDField: "id", HeadlineField: "name", StatusField: "role",
		DefaultAudience: record.Audience{Scope: record.Public}, WriteRoles: []access.Role{access.RoleAdmin, access.RoleMediator}, Mutable: true},
	{Name: KindPerson, Collection: "people", Title: "person", New: func() parley.Entity { return new(Person) },
		Fields: []parley.Field{
			{Name: "name", Type: parley.String, Required: true},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: KindParty, Required: true},
			{Name: "titles", Type: parley.List, Help: "Each title as one source gives it; sources disagree, and every version is kept.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "title", Type: parley.String, Required: true},
					{Name: "source", Type: parley.String},
				}}},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "party_id", OwnerField: "party_id", HeadlineField: "name",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleAdmin, access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindRound, Collection: "rounds", Title: "round", New: func() parley.Entity { return new(Round) },
		Fields: []parley.Field{
			{Name: "name", Type: parley.String, Required: true},
			{Name: "place", Type: parley.String, Required: true},
			{Name: "starts_on", Type: parley.Date, Required: true},
			{Name: "ends_on", Type: parley.Date, Help: "The same day as starts_on when empty."},
			precisionField,
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(RoundStatuses, nil)},
			{Name: "summary", Type: parley.Text},
			{Name: "outcome", Type: parley.Text},
		},
		HeadlineField: "name", StatusField: "status", TimeField: "starts_on",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindSession, Collection: "sessions", Title: "session", New: func() parley.Entity { return new(Session) },
		Fields: []parley.Field{
			{Name: "round_id", Label: "Round", Type: parley.Ref, Ref: KindRound, Required: true},
			{Name: "title", Type: parley.String, Required: true},
			{Name: "format", Type: parley.Enum, Required: true, Enum: parley.Options(Formats, FormatLabels)},
			{Name: "starts_at", Type: parley.Time, Required: true, Help: "With its offset where it was held: 2026-01-23T10:00:00+04:00."},
			{Name: "ends_at", Type: parley.Time},
			precisionField,
			{Name: "place", Type: parley.String},
			{Name: "mediator_present", Type: parley.Bool},
			{Name: "parties", Type: parley.List, Required: true, Elem: &parley.Field{Type: parley.Ref, Ref: KindParty}},
			{Name: "attendees", Type: parley.List, Elem: &parley.Field{Type: parley.Ref, Ref: KindPerson}},
			{Name: "summary", Type: parley.Text},
		},
		ParentField: "round_id", HeadlineField: "title", StatusField: "format", TimeField: "starts_at",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindDelegation, Collection: "delegations", Title: "delegation", New: func() parley.Entity { return new(Delegation) },
		Fields: []parley.Field{
			{Name: "round_id", Label: "Round", Type: parley.Ref, Ref: KindRound, Required: true},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: KindParty, Required: true},
			{Name: "members", Type: parley.List, Required: true, Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
				{Name: "person_id", Label: "Person", Type: parley.Ref, Ref: KindPerson, Required: true},
				{Name: "role", Type: parley.Enum, Required: true, Enum: parley.Options(DelegationRoles, nil)},
				{Name: "title", Type: parley.String},
			}}},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "round_id", OwnerField: "party_id", HeadlineField: "party_id",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindAspect, Collection: "aspects", Title: "aspect", New: func() parley.Entity { return new(Aspect) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			{Name: "summary", Type: parley.Text},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(AspectStatuses, nil)},
			{Name: "order", Type: parley.Int, Help: "Places the aspect on the agenda; lower first."},
		},
		HeadlineField: "title", StatusField: "status",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindAction, Collection: "action-items", Title: "action item", New: func() parley.Entity { return new(ActionItem) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			{Name: "owner_party", Label: "Owner party", Type: parley.Ref, Ref: KindParty, Required: true},
			{Name: "owner_person", Label: "Owner person", Type: parley.Ref, Ref: KindPerson},
			{Name: "due", Type: parley.Date},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(ActionStatuses, nil)},
			{Name: "round_id", Label: "Round", Type: parley.Ref, Ref: KindRound},
			{Name: "aspect_id", Label: "Aspect", Type: parley.Ref, Ref: KindAspect},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "round_id", OwnerField: "owner_party", HeadlineField: "title", StatusField: "status", TimeField: "due",
		IndexFields:     []string{"aspect_id"},
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindStatement, Collection: "statements", Title: "statement", New: func() parley.Entity { return new(Statement) },
		Fields: []parley.Field{
			{Name: "speaker_name", Label: "Speaker", Type: parley.String, Required: true},
			{Name: "speaker_id", Label: "Speaker (person)", Type: parley.Ref, Ref: KindPerson},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: KindParty},
			{Name: "text", Type: parley.Text, Required: true},
			{Name: "said_at", Type: parley.Time, Required: true},
			precisionField,
			{Name: "place", Type: parley.String},
			sourceField,
			{Name: "round_id", Label: "Round", Type: parley.Ref, Ref: KindRound},
			{Name: "aspect_id", Label: "Aspect", Type: parley.Ref, Ref: KindAspect},
		},
		ParentField: "round_id", HeadlineField: "speaker_name", TimeField: "said_at", IndexFields: []string{"party_id", "aspect_id"},
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator, access.RoleMonitor}, Mutable: false},
	{Name: KindApproval, Collection: "approvals", Title: "approval", New: func() parley.Entity { return new(Approval) },
		Fields: []parley.Field{
			{Name: "aspect_id", Label: "Aspect", Type: parley.Ref, Ref: KindAspect, Required: true},
			{Name: "party_id", Label: "Party", Type: parley.Ref, Ref: KindParty, Required: true},
			{Name: "decision", Type: parley.Enum, Required: true, Enum: parley.Options(Decisions, nil)},
			{Name: "round_id", Label: "Round", Type: parley.Ref, Ref: KindRound},
			{Name: "note", Type: parley.Text, Help: "Required for a reservation: states it."},
		},
		ParentField: "aspect_id", OwnerField: "party_id", HeadlineField: "decision", StatusField: "decision",
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleApprover}, Mutable: false, Signed: true},
}

// Date is a calendar day, written YYYY-MM-DD.
type Date string

const dateLayout = "2006-01-02"

// Time returns the day's midnight in UTC.
func (d Date) Time() (time.Time, error) { return time.Parse(dateLayout, string(d)) }

func (d Date) check(field string, required bool) error {
	if d == "" {
		if required {
			return parley.Errorf(field, "is required (YYYY-MM-DD)")
		}
		return nil
	}
	if _, err := d.Time(); err != nil {
		return parley.Errorf(field, "%q is not a date of the form YYYY-MM-DD", string(d))
	}
	return nil
}

// Precision says how much of a date or time is known. The reports often give
// only a month ("2025-11: Geneva"), and parley must not pretend to know more.
type Precision string

// The precisions, from the coarsest.
const (
	PrecisionMonth  Precision = "month"
	PrecisionDay    Precision = "day"
	PrecisionMinute Precision = "minute"
)

func (p Precision) check(field string) error {
	switch p {
	case "", PrecisionMonth, PrecisionDay, PrecisionMinute:
		return nil
	}
	return parley.Errorf(field, "%q is not a precision (want month, day or minute)", string(p))
}
