// Package fault classifies the errors a caller can act on, for every front
// end: what is wrong, in which field, and of which class, which the API maps
// to one HTTP status in one place and the CLI to a message. The kernel's
// packages (app, auth) return them; an error that is not a *Error is an
// internal one, logged and never shown.
package fault

import (
	"errors"
	"fmt"
)

// Code classifies an error.
type Code string

// The error codes.
const (
	// BadRequest: the request cannot be read at all (malformed JSON).
	BadRequest Code = "bad_request"
	// Invalid: the request was read, but a field is wrong.
	Invalid Code = "invalid"
	// NotFound: no such thing, or one the caller may not see.
	NotFound Code = "not_found"
	// Conflict: the thing exists already.
	Conflict Code = "conflict"
	// Forbidden: the caller may see it but not do this.
	Forbidden Code = "forbidden"
	// Unauthenticated: no valid credentials.
	Unauthenticated Code = "unauthenticated"
	// TooLarge: the request body is over the limit.
	TooLarge Code = "too_large"
	// Unavailable: not possible yet, try again shortly (a record whose
	// checkpoint is not yet published).
	Unavailable Code = "unavailable"
)

// Error is an error a caller can act on: what is wrong, and in which field.
type Error struct {
	Code    Code
	Message string
	// Field names the offending field, in JSON path form ("members[2].role").
	Field string
	// Format and Args are what Message was made of, when it was made by
	// New: the UI writes it in the reader's language from them (Format is
	// the catalogues' key).
	Format string
	Args   []any
	Err    error
	// Current is, for a conflict over a stale version, the version that
	// is current, so the caller can merge without another request.
	Current any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of code about field.
func New(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// CodeOf returns the code of err, or "" for an internal error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
