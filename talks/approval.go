package talks

import (
	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
)

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

// Normalize implements Entity.
func (a *Approval) Normalize() { parley.Trim(&a.AspectID, &a.PartyID, &a.RoundID, &a.Note) }

// References implements Entity.
func (a *Approval) References() []parley.Reference {
	return []parley.Reference{{Field: "aspect_id", Kind: KindAspect, ID: a.AspectID}, {Field: "party_id", Kind: KindParty, ID: a.PartyID}, {Field: "round_id", Kind: KindRound, ID: a.RoundID}}
}

// Validate implements Entity.
func (a *Approval) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("aspect_id", a.AspectID), parley.Required("party_id", a.PartyID),
		parley.OneOf("decision", a.Decision, Decisions), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if a.Decision == DecisionReserved && a.Note == "" {
		return parley.Errorf("note", "must state the reservation when the decision is %q", DecisionReserved)
	}
	if p, ok := parley.Lookup[*Party](r, KindParty, a.PartyID); ok && p.Role != access.ProcessParty {
		// Each role is its own message, so that the UI can write it in
		// the reader's language.
		switch p.Role {
		case access.ProcessMediator:
			return parley.Errorf("party_id", "%q is the mediator; only the parties' capitals approve", a.PartyID)
		case access.ProcessObserver:
			return parley.Errorf("party_id", "%q is the observer; only the parties' capitals approve", a.PartyID)
		}
		return parley.Errorf("party_id", "%q is the %s; only the parties' capitals approve", a.PartyID, p.Role)
	}
	return nil
}
