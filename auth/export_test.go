package auth

// What the external tests need of the internals: hooks into the password
// checks and the hashing slots.

// SetCheckPassword replaces the password check, so that a test can count
// the checks running at once and hold them.
func (a *Auth) SetCheckPassword(f func(hash, password string) bool) { a.check = f }

// OnHashWait sets a function called as a caller starts waiting for a
// hashing slot. Call it after SetHashLimits.
func (a *Auth) OnHashWait(f func()) { a.hasher.onWait = f }
