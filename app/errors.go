package app

import (
	"errors"
	"fmt"
)

// Code classifies an error for every front end: the API maps each code to
// one HTTP status in one place, the CLI to an exit message.
type Code string

// The error codes.
const (
	// CodeBadRequest: the request cannot be read at all (malformed JSON).
	CodeBadRequest Code = "bad_request"
	// CodeInvalid: the request was read, but a field is wrong.
	CodeInvalid Code = "invalid"
	// CodeNotFound: no such thing, or one the caller may not see.
	CodeNotFound Code = "not_found"
	// CodeConflict: the thing exists already.
	CodeConflict Code = "conflict"
	// CodeForbidden: the caller may see it but not do this.
	CodeForbidden Code = "forbidden"
	// CodeUnauthenticated: no valid credentials.
	CodeUnauthenticated Code = "unauthenticated"
	// CodeTooLarge: the request body is over the limit.
	CodeTooLarge Code = "too_large"
	// CodeUnavailable: not possible yet, try again shortly (a record
	// whose checkpoint is not yet published).
	CodeUnavailable Code = "unavailable"
)

// Error is an error a caller can act on: what is wrong, and in which field.
type Error struct {
	Code    Code
	Message string
	// Field names the offending field, in JSON path form ("members[2].role").
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func newError(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or "" for an internal error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
