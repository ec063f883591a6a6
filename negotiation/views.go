package negotiation

import (
	"encoding/json"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
)

// The kinds of the talks domain the negotiation builds on (the parties, an
// aspect of the agenda, a round, a session, a person, a delegation), by
// name. The negotiation does not import that domain: the registry checks
// at start-up that every kind named here is registered (a Ref to a kind no
// domain declares is refused), and the negotiation reads those records by
// their committed JSON, through the views below, as any reader of the
// records could.
const (
	PartyKind      = "talks.party"
	PersonKind     = "talks.person"
	RoundKind      = "talks.round"
	SessionKind    = "talks.session"
	DelegationKind = "talks.delegation"
	AspectKind     = "talks.aspect"
)

// headRole is the delegation role of its head.
const headRole = "head"

// Party is what the negotiation reads of a party.
type Party struct {
	ID   string             `json:"id"`
	Name string             `json:"name"`
	Role access.ProcessRole `json:"role"`
}

// Person is what the negotiation reads of a person.
type Person struct {
	Name    string `json:"name"`
	PartyID string `json:"party_id"`
}

// Round is what the negotiation reads of a round.
type Round struct {
	Name string `json:"name"`
}

// Session is what the negotiation reads of a session.
type Session struct {
	RoundID string   `json:"round_id"`
	Title   string   `json:"title"`
	Parties []string `json:"parties"`
}

// Delegation is what the negotiation reads of a delegation.
type Delegation struct {
	RoundID string `json:"round_id"`
	PartyID string `json:"party_id"`
	Members []struct {
		PersonID string `json:"person_id"`
		Role     string `json:"role"`
	} `json:"members"`
}

// Aspect is what the negotiation reads of an aspect of the agenda.
type Aspect struct {
	Title string `json:"title"`
	Order int    `json:"order"`
}

// viewOf reads another domain's entity into a view by its JSON.
func viewOf[T any](e parley.Entity) (*T, bool) {
	if e == nil {
		return nil, false
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, false
	}
	v := new(T)
	if json.Unmarshal(b, v) != nil {
		return nil, false
	}
	return v, true
}

// lookup is parley.Lookup for another domain's entity, read into a view.
func lookup[T any](r parley.Resolved, kind, id string) (*T, bool) {
	e, ok := r[parley.Key(kind, id)]
	if !ok {
		return nil, false
	}
	return viewOf[T](e)
}
