package app

import "github.com/parley-project/parley/fault"

// Code classifies an error for every front end (fault.Code).
type Code = fault.Code

// The error codes, as package fault defines them.
const (
	CodeBadRequest      = fault.BadRequest
	CodeInvalid         = fault.Invalid
	CodeNotFound        = fault.NotFound
	CodeConflict        = fault.Conflict
	CodeForbidden       = fault.Forbidden
	CodeUnauthenticated = fault.Unauthenticated
	CodeTooLarge        = fault.TooLarge
	CodeUnavailable     = fault.Unavailable
)

// Error is an error a caller can act on (fault.Error).
type Error = fault.Error

func newError(code Code, field, format string, args ...any) *Error {
	return fault.New(code, field, format, args...)
}

// ErrorCode returns the code of err, or "" for an internal error.
func ErrorCode(err error) Code { return fault.CodeOf(err) }
