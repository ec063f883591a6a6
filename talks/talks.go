// Package talks is the domain of mediated negotiation: the parties and their
// people, rounds and their sessions, delegations, the agenda of aspects,
// action items and statements. It is pure Go: it validates and decides, and
// does no I/O. The commit path (package app) decodes a request into one of
// these types, resolves what it refers to, asks it to validate itself and
// commits it as a record.
//
// Nothing here knows who the parties are: the mediator and the parties of
// any process are data.
package talks

import (
	"fmt"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Entity is anything the talks domain keeps.
type Entity interface {
	// Normalize trims and tidies the fields before validation, so that
	// equal input makes equal records.
	Normalize()
	// References lists the entities this one names, to be resolved
	// before Validate.
	References() []Reference
	// Validate checks the entity, with every non-empty reference resolved.
	Validate(r Resolved) error
	// Parent is the id of the entity this one belongs to, or "".
	Parent() string
}

// SelfIdentified entities carry their own id (a party's slug) instead of
// being given a fresh one.
type SelfIdentified interface {
	EntityID() string
}

// Owned entities belong to one party: a non-mediator may write only those of
// its own party.
type Owned interface {
	Owner() string
}

// Reference is one entity named by another.
type Reference struct {
	Field string
	Kind  string
	ID    string
}

// Resolved holds the entities a new entity refers to, by kind and id.
type Resolved map[string]Entity

// Key is the Resolved key of an entity.
func Key(kind, id string) string { return kind + "/" + id }

// lookup returns the referenced entity of type T.
func lookup[T Entity](r Resolved, kind, id string) (T, bool) {
	e, ok := r[Key(kind, id)].(T)
	return e, ok
}

// FieldError is a validation failure of one field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Kind describes one kind of entity: its record kind, its API collection and
// who may write it.
type Kind struct {
	// Name is the record kind, "talks.round".
	Name string
	// Collection is the plural used in URLs, "rounds".
	Collection string
	// Title is the singular for people, "round".
	Title string
	New   func() Entity
	// DefaultAudience applies when a write names none.
	DefaultAudience record.Audience
	// WriteRoles may create and change entities of this kind.
	WriteRoles []access.Role
	// Mutable is false for kinds whose records are never superseded
	// (a statement is what was said, and stays so).
	Mutable bool
	// Signed kinds must carry their author's signature (see
	// record.SignedText), checked against the author's registered key.
	Signed bool
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
)

var parties = record.Audience{Scope: record.Parties}

// Kinds lists every kind of the talks domain, in the order the API
// documents them.
var Kinds = []Kind{
	{Name: KindParty, Collection: "parties", Title: "party", New: func() Entity { return new(Party) },
		DefaultAudience: record.Audience{Scope: record.Public}, WriteRoles: []access.Role{access.RoleAdmin, access.RoleMediator}, Mutable: true},
	{Name: KindPerson, Collection: "people", Title: "person", New: func() Entity { return new(Person) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleAdmin, access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindRound, Collection: "rounds", Title: "round", New: func() Entity { return new(Round) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindSession, Collection: "sessions", Title: "session", New: func() Entity { return new(Session) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindDelegation, Collection: "delegations", Title: "delegation", New: func() Entity { return new(Delegation) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindAspect, Collection: "aspects", Title: "aspect", New: func() Entity { return new(Aspect) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator}, Mutable: true},
	{Name: KindAction, Collection: "action-items", Title: "action item", New: func() Entity { return new(ActionItem) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator}, Mutable: true},
	{Name: KindStatement, Collection: "statements", Title: "statement", New: func() Entity { return new(Statement) },
		DefaultAudience: parties, WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator, access.RoleMonitor}, Mutable: false},
	approvalKind,
}

// KindByName returns the kind with the given record kind name.
func KindByName(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindByCollection returns the kind served under the given URL collection.
func KindByCollection(c string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Collection == c {
			return k, true
		}
	}
	return Kind{}, false
}

// Date is a calendar day, written YYYY-MM-DD.
type Date string

const dateLayout = "2006-01-02"

// Time returns the day's midnight in UTC.
func (d Date) Time() (time.Time, error) { return time.Parse(dateLayout, string(d)) }

func (d Date) check(field string, required bool) error {
	if d == "" {
		if required {
			return fieldErr(field, "is required (YYYY-MM-DD)")
		}
		return nil
	}
	if _, err := d.Time(); err != nil {
		return fieldErr(field, "%q is not a date of the form YYYY-MM-DD", string(d))
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
	return fieldErr(field, "%q is not a precision (want month, day or minute)", string(p))
}

func trim(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}

func required(field, v string) error {
	if v == "" {
		return fieldErr(field, "is required")
	}
	return nil
}

func oneOf[T ~string](field string, v T, allowed []T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fieldErr(field, "%q is not one of %v", string(v), allowed)
}

// maxText bounds free text so a record stays well under the log's entry size
// and a page stays readable.
const maxText = 20000

func textLimit(field, v string) error {
	if len(v) > maxText {
		return fieldErr(field, "is %d bytes long; at most %d are allowed", len(v), maxText)
	}
	return nil
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
