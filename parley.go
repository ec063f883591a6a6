// Package parley is the contract between parley's kernel and its domains.
//
// Every part of a peace process (the talks, monitoring, the ceasefire,
// energy sharing, reconstruction) is a domain: a package that declares its
// kinds of entity, with a field schema, the roles that write them, the rules
// that hold between its records, and optionally its own pages. The kernel
// (records, access, the commit path, the stores, the log, the API and the
// web UI) serves every domain through this package alone and never names
// one. Only the binary's wiring (cmd/parley) and the demo scenario know which
// domains exist:
//
//	reg, err := parley.NewRegistry(talks.Domain{}, monitor.Domain{})
//
// A domain does no I/O. Whatever a rule needs to know beyond the entity being
// written (the other delegations to a round, the parties of the process) it
// declares, and the kernel loads it, as the writer may see it, and injects it.
package parley

import (
	"fmt"
	"strings"
)

// Entity is one thing a domain keeps: a round, a session, an incident
// report. It is decoded from a write's JSON body, normalized, its
// references resolved, validated, and committed as the body of a record.
type Entity interface {
	// Normalize trims and tidies the fields before validation, so that
	// equal input makes equal records.
	Normalize()
	// References lists the entities this one names, to be resolved
	// before Validate; a reference with an empty ID is skipped.
	References() []Reference
	// Validate checks the entity, with every non-empty reference
	// resolved (Resolved holds them as the writer may see them).
	Validate(r Resolved) error
}

// Reference is one entity named by another, in the field Field (JSON path
// form, "members[2].person_id").
type Reference struct {
	Field string
	Kind  string
	ID    string
	// Origin marks a reference the record shows to its readers even
	// where they may not see what it names: a relay names the position
	// it is an excerpt of, which only its party and the mediator read.
	// Its readers learn the id, nothing else.
	Origin bool
}

// Resolved holds the entities a new entity refers to, by Key.
type Resolved map[string]Entity

// Key is the Resolved key of an entity.
func Key(kind, id string) string { return kind + "/" + id }

// Lookup returns the referenced entity of type T, if it was resolved.
func Lookup[T Entity](r Resolved, kind, id string) (T, bool) {
	e, ok := r[Key(kind, id)].(T)
	return e, ok
}

// FieldError is a validation failure of one field. The kernel reports it
// to the writer with the field's name, in the API and next to the field in
// the browser's form.
type FieldError struct {
	// Field is the JSON path of the field ("members[2].role").
	Field   string
	Message string
	// Format and Args are what Message was made of, so that the UI can
	// write it in the reader's language (Format is the catalogues' key).
	Format string
	Args   []any
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Errorf returns a FieldError for field.
func Errorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// MaxText bounds free text so a record stays well under the log's entry size
// and a page stays readable.
const MaxText = 20000

// Trim trims the space around each string in place.
func Trim(ss ...*string) {
	for _, s := range ss {
		*s = strings.TrimSpace(*s)
	}
}

// Required is an error unless v is set.
func Required(field, v string) error {
	if v == "" {
		return Errorf(field, "is required")
	}
	return nil
}

// OneOf is an error unless v is one of allowed.
func OneOf[T ~string](field string, v T, allowed []T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return Errorf(field, "%q is not one of %v", string(v), allowed)
}

// TextLimit is an error if v is longer than MaxText bytes.
func TextLimit(field, v string) error {
	if len(v) > MaxText {
		return Errorf(field, "is %d bytes long; at most %d are allowed", len(v), MaxText)
	}
	return nil
}

// Article puts "a" or "an" before a noun, for messages about a kind
// ("an action item", "a round").
func Article(noun string) string {
	if noun != "" && strings.ContainsAny(noun[:1], "aeiouAEIOU") {
		return "an " + noun
	}
	return "a " + noun
}

// Plural is n and noun, with noun in the plural unless n is 1: "1 witness",
// "2 witnesses", "3 entries".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	switch {
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	case strings.HasSuffix(noun, "y") && !strings.ContainsAny(noun[len(noun)-2:len(noun)-1], "aeiou"):
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// First returns the first non-nil error: a domain's Validate reports one
// problem at a time, the first in the order of its fields.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
