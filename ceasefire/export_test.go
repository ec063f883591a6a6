package ceasefire

import "time"

// SetNow sets the clock consents are judged by, for the tests of the
// domain's rules through the service, and returns what puts it back.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
