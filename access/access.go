// Package access decides who may see and who may write what. Its CanSee is
// the one statement of parley's visibility rule: the stores translate it to
// SQL, and the store conformance suite checks that the translation agrees
// with it for every scope and every kind of viewer.
package access

import (
	"fmt"
	"slices"

	"github.com/parley-project/parley/record"
)

// Role is something a principal may do in the process.
type Role string

// The roles a principal may hold.
const (
	RoleMediator Role = "mediator"
	// RoleNegotiator sits at the table for a party.
	RoleNegotiator Role = "negotiator"
	// RoleApprover approves, for a capital, what the negotiators agreed.
	RoleApprover Role = "capital-approver"
	RoleMonitor  Role = "monitor"
	RoleReviewer Role = "reviewer"
	RoleObserver Role = "observer"
	// RoleAdmin manages principals and the process's reference data
	// (parties, people); it grants no extra visibility.
	RoleAdmin Role = "admin"
)

// Roles lists every role, in the order the docs present them.
var Roles = []Role{RoleMediator, RoleNegotiator, RoleApprover, RoleMonitor, RoleReviewer, RoleObserver, RoleAdmin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of %v)", s, Roles)
}

// ProcessRole is the part a party plays in the process.
type ProcessRole string

// The parts a party may play.
const (
	ProcessMediator ProcessRole = "mediator"
	ProcessParty    ProcessRole = "party"
	ProcessObserver ProcessRole = "observer"
)

// Principal is a person or an API client acting for one party.
type Principal struct {
	ID    string
	Login string
	Name  string
	// Party is the id of the party the principal acts for.
	Party string
	// PartyRole is that party's part in the process; it decides what the
	// principal sees.
	PartyRole ProcessRole
	Roles     []Role
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// HasAny reports whether the principal holds any of rs.
func (p Principal) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// Viewer is what visibility depends on: the viewer's party and that party's
// part in the process, nothing else. Roles grant the right to write, never
// the right to see.
type Viewer struct {
	// Party is empty for an anonymous viewer, who sees public records only.
	Party string
	// Participant is true for principals of the mediator and of the parties.
	Participant bool
	// Mediator is true for principals of a mediating party.
	Mediator bool
	// System sees everything. Only parley itself (rebuild, audit, the
	// seeding of a scenario) holds it; no request can.
	System bool
}

// Anonymous sees public records only.
var Anonymous = Viewer{}

// System is the viewer of parley's own maintenance work.
var System = Viewer{System: true}

// ViewerOf returns the viewer a principal reads as.
func ViewerOf(p Principal) Viewer {
	return Viewer{
		Party:       p.Party,
		Participant: p.PartyRole == ProcessMediator || p.PartyRole == ProcessParty,
		Mediator:    p.PartyRole == ProcessMediator,
	}
}

// CanSee reports whether v may read a record with audience a.
func CanSee(v Viewer, a record.Audience) bool {
	if v.System {
		return true
	}
	switch a.Scope {
	case record.Public:
		return true
	case record.Parties:
		return v.Participant
	case record.PartyMediator:
		return v.Party != "" && (a.Party == v.Party || v.Mediator)
	case record.PartyOnly:
		return v.Party != "" && a.Party == v.Party
	case record.List:
		return v.Party != "" && slices.Contains(a.Parties, v.Party)
	}
	return false
}

// CanWriteAudience reports whether p may commit a record for audience a.
// Nobody may write what they could not read back, and only the mediator may
// address one other party's confidential channel (party+mediator of that
// party); a party's own-only channel is its own.
func CanWriteAudience(p Principal, a record.Audience) error {
	v := ViewerOf(p)
	if !CanSee(v, a) {
		return fmt.Errorf("audience %s is one your party %q could not read", Describe(a), p.Party)
	}
	return nil
}

// Covers reports whether every reader of audience inner may also read
// audience outer, judged over the anonymous viewer and one viewer of each
// party of the process (parties, the only thing visibility depends on).
func Covers(outer, inner record.Audience, partyViewers []Viewer) bool {
	for _, v := range append([]Viewer{Anonymous}, partyViewers...) {
		if CanSee(v, inner) && !CanSee(v, outer) {
			return false
		}
	}
	return true
}

// Describe renders an audience for messages and the UI.
func Describe(a record.Audience) string {
	switch a.Scope {
	case record.PartyMediator:
		return a.Party + "+mediator"
	case record.PartyOnly:
		return a.Party + " only"
	case record.List:
		return fmt.Sprintf("%v", a.Parties)
	}
	return string(a.Scope)
}
