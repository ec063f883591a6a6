package auth

import (
	"context"
	"errors"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/store"
)

// A principal's account changes (its password, whether it is disabled)
// end its sessions at once, on every replica, through the same record as
// signing out: the time in the store's meta before which every session of
// the principal is refused (SignOut, Session). The change and that time
// are written in one transaction, so that no replica can see the one
// without the other.

// Session returns the principal of a browser session begun at began, if
// the session still stands: the principal exists, is not disabled, and has
// not signed out, changed its password or been disabled since began.
func (a *Auth) Session(ctx context.Context, id string, began time.Time) (access.Principal, error) {
	out, err := a.SignedOut(ctx, id)
	if err != nil {
		return access.Principal{}, err
	}
	if !began.After(out) {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "the session has ended")
	}
	p, err := a.st.PrincipalByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "unknown principal")
	} else if err != nil {
		return access.Principal{}, err
	}
	if !p.Disabled.IsZero() {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "principal %q is disabled", p.Login)
	}
	return p.Principal, nil
}

// ChangePassword changes the password of the signed-in principal id, who
// gives its current password, to password, which must meet the rules of a
// new one (access.ValidatePassword). It ends every session of the
// principal and returns when: a session the caller begins after that
// instant (its own, signed anew) stands. A wrong current password is an
// Unauthenticated error naming the field current_password; the caller
// counts it as a failed sign-in.
func (a *Auth) ChangePassword(ctx context.Context, id, current, password string) (time.Time, error) {
	if err := access.ValidatePassword(password); err != nil {
		return time.Time{}, fault.New(fault.Invalid, "password", "%v", err)
	}
	p, err := a.st.PrincipalByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, fault.New(fault.Unauthenticated, "", "unknown principal")
	} else if err != nil {
		return time.Time{}, err
	}
	if p.PasswordHash == "" {
		return time.Time{}, fault.New(fault.Invalid, "password", "%s is an API client, which signs in with tokens only", p.Login)
	}
	if !p.Disabled.IsZero() {
		return time.Time{}, fault.New(fault.Unauthenticated, "", "principal %q is disabled", p.Login)
	}
	if password == current {
		return time.Time{}, fault.New(fault.Invalid, "password", "the new password is the current one")
	}
	// One slot for both hashes: the check of the current password and the
	// hash of the new one.
	if err := a.hasher.acquire(ctx); err != nil {
		return time.Time{}, err
	}
	ok := a.check(p.PasswordHash, current)
	var hash string
	if ok {
		hash, err = access.HashPasswordCost(password, a.cost)
	}
	a.hasher.release()
	if !ok {
		return time.Time{}, fault.New(fault.Unauthenticated, "current_password", "the current password is wrong")
	} else if err != nil {
		return time.Time{}, fault.New(fault.Invalid, "password", "%v", err)
	}
	return a.setPasswordHash(ctx, p, hash)
}

// SetPassword sets the password of the principal with the given login, an
// administrator's act (parley users password): no current password is
// asked for. The rules of a new password apply; an API client, which has
// no password, is refused. It ends every session of the principal.
func (a *Auth) SetPassword(ctx context.Context, login, password string) (access.Principal, error) {
	p, err := a.byLogin(ctx, login)
	if err != nil {
		return access.Principal{}, err
	}
	if p.PasswordHash == "" {
		return access.Principal{}, fault.New(fault.Invalid, "login", "%s is an API client, which signs in with tokens only; it has no password to set", p.Login)
	}
	hash, err := a.hashPassword(ctx, "password", password)
	if err != nil {
		return access.Principal{}, err
	}
	_, err = a.setPasswordHash(ctx, p, hash)
	return p.Principal, err
}

// setPasswordHash stores p's new hash and ends p's sessions, in one
// transaction, and returns when they ended.
func (a *Auth) setPasswordHash(ctx context.Context, p store.Principal, hash string) (time.Time, error) {
	at, err := a.signOutTime(ctx, p.ID, a.now())
	if err != nil {
		return time.Time{}, err
	}
	err = a.st.Write(ctx, func(tx store.Tx) error {
		if err := tx.SetPasswordHash(ctx, p.ID, hash); err != nil {
			return err
		}
		return tx.SetMeta(ctx, signOutKey(p.ID), signOutValue(at))
	})
	if err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// Disable disables the principal with the given login: it can no longer
// sign in, and its sessions and API tokens stop working at its next
// request. Its sessions end for good (enabling it again does not revive
// them); its tokens are kept, and work again once it is enabled. It
// returns the principal as stored, with when it was disabled; disabling a
// disabled principal changes nothing.
func (a *Auth) Disable(ctx context.Context, login string) (store.Principal, error) {
	p, err := a.byLogin(ctx, login)
	if err != nil || !p.Disabled.IsZero() {
		return p, err
	}
	p.Disabled = a.now().UTC().Truncate(time.Microsecond) // as the store keeps it
	ended, err := a.signOutTime(ctx, p.ID, p.Disabled)
	if err != nil {
		return p, err
	}
	err = a.st.Write(ctx, func(tx store.Tx) error {
		if err := tx.SetDisabled(ctx, p.ID, p.Disabled); err != nil {
			return err
		}
		return tx.SetMeta(ctx, signOutKey(p.ID), signOutValue(ended))
	})
	return p, err
}

// Enable enables the principal with the given login again, and returns it
// as it was before (Disabled is when it had been disabled, or zero if it
// was not).
func (a *Auth) Enable(ctx context.Context, login string) (store.Principal, error) {
	p, err := a.byLogin(ctx, login)
	if err != nil || p.Disabled.IsZero() {
		return p, err
	}
	return p, a.st.Write(ctx, func(tx store.Tx) error { return tx.SetDisabled(ctx, p.ID, time.Time{}) })
}

// byLogin finds a principal by login, for an administrator's command.
func (a *Auth) byLogin(ctx context.Context, login string) (store.Principal, error) {
	p, err := a.st.PrincipalByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return store.Principal{}, fault.New(fault.NotFound, "login", "no principal %q", login)
	}
	return p, err
}
