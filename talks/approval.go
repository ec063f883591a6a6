package talks

import "github.com/parley-project/parley/access"

// Decision is a capital's answer on an aspect.
type Decision string

// The decisions.
const (
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
	// DecisionReserved: approved subject to a reservation the note states.
	DecisionReserved Decision = "reserved"
)

// Decisions lists them in order.
var Decisions = []Decision{DecisionApproved, DecisionRejected, DecisionReserved}

// Approval is one capital's decision on one aspect, reported by its
// negotiators. Nothing is final until every party's capital has approved,
// and each approval must be attributable to whoever gave it: it is signed
// with the approver's own key, and the signature is committed with it.
// An approval is never changed; a later decision is a new approval.
type Approval struct {
	AspectID string   `json:"aspect_id"`
	PartyID  string   `json:"party_id"`
	Decision Decision `json:"decision"`
	// RoundID is the round whose outcome was reported, if any.
	RoundID string `json:"round_id,omitempty"`
	Note    string `json:"note,omitempty"`
}

// KindApproval is the approval kind's name.
const KindApproval = "talks.approval"

// approvalKind is registered in Kinds; approvals are signed.
var approvalKind = Kind{Name: KindApproval, Collection: "approvals", Title: "approval", New: func() Entity { return new(Approval) },
	DefaultAudience: parties, WriteRoles: []access.Role{access.RoleApprover}, Mutable: false, Signed: true}

// Owner implements Owned: a capital decides for its own party only.
func (a *Approval) Owner() string { return a.PartyID }

// Normalize implements Entity.
func (a *Approval) Normalize() { trim(&a.AspectID, &a.PartyID, &a.RoundID, &a.Note) }

// References implements Entity.
func (a *Approval) References() []Reference {
	return []Reference{{"aspect_id", KindAspect, a.AspectID}, {"party_id", KindParty, a.PartyID}, {"round_id", KindRound, a.RoundID}}
}

// Parent implements Entity: approvals are listed by aspect.
func (a *Approval) Parent() string { return a.AspectID }

// Validate implements Entity.
func (a *Approval) Validate(r Resolved) error {
	if err := first(required("aspect_id", a.AspectID), required("party_id", a.PartyID),
		oneOf("decision", a.Decision, Decisions), textLimit("note", a.Note)); err != nil {
		return err
	}
	if a.Decision == DecisionReserved && a.Note == "" {
		return fieldErr("note", "must state the reservation when the decision is %q", DecisionReserved)
	}
	if p, ok := lookup[*Party](r, KindParty, a.PartyID); ok && p.Role != access.ProcessParty {
		return fieldErr("party_id", "%q is the %s; only the parties' capitals approve", a.PartyID, p.Role)
	}
	return nil
}
