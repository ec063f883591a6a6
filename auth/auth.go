// Package auth decides who is signing in and as whom: principals and their
// passwords (argon2id, hashed a bounded few at a time), whether a principal
// is disabled and whether a browser session still stands, API tokens (kept
// as hashes), the keys with which principals sign what they decide, and
// the installation's own secrets (the keys that sign session cookies and
// seal list cursors). It reads and writes through a small part of the
// store; app.Service hands its callers the same operations.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/fault"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Store is what auth reads and writes.
type Store interface {
	store.Principals
	store.Writer
	Meta(ctx context.Context, key string) ([]byte, error)
}

// Auth manages the principals of one installation.
type Auth struct {
	st     Store
	now    func() time.Time
	cost   access.PasswordCost
	hasher *hasher
	// check is access.CheckPassword; the tests count and hold the checks
	// through it.
	check func(hash, password string) bool
}

// New returns the principals of st. now is the clock.
func New(st Store, now func() time.Time) *Auth {
	return &Auth{st: st, now: now, cost: access.DefaultPasswordCost, hasher: newHasher(DefaultHashLimits()), check: access.CheckPassword}
}

// SetPasswordCost sets the argon2id cost of the passwords hashed from now
// on. Production keeps access.DefaultPasswordCost; tests, which add many
// principals, set a cheap one.
func (a *Auth) SetPasswordCost(c access.PasswordCost) { a.cost = c }

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewPrincipal describes a principal to add.
type NewPrincipal struct {
	Login string
	Name  string
	Party string
	Roles []access.Role
	// Password is empty for an API client, which signs in with tokens.
	Password string
}

// AddPrincipal adds a person or API client to a party whose part in the
// process is partyRole (the caller found the party; it decides what the
// principal sees).
func (a *Auth) AddPrincipal(ctx context.Context, np NewPrincipal, partyRole access.ProcessRole) (access.Principal, error) {
	np.Login = strings.TrimSpace(np.Login)
	if !loginPattern.MatchString(np.Login) {
		return access.Principal{}, fault.New(fault.Invalid, "login", "%q is not a login: 2 to 64 characters, lower-case letters, digits, '.', '_' and '-'", np.Login)
	}
	if len(np.Roles) == 0 {
		return access.Principal{}, fault.New(fault.Invalid, "roles", "a principal needs at least one role (one of %v)", access.Roles)
	}
	p := store.Principal{
		Principal: access.Principal{
			ID: record.NewID(), Login: np.Login, Name: strings.TrimSpace(np.Name),
			Party: np.Party, PartyRole: partyRole, Roles: np.Roles,
		},
		Created: a.now(),
	}
	if p.Name == "" {
		p.Name = p.Login
	}
	if np.Password != "" {
		var err error
		if p.PasswordHash, err = a.hashPassword(ctx, "password", np.Password); err != nil {
			return access.Principal{}, err
		}
	}
	err := a.st.Write(ctx, func(tx store.Tx) error { return tx.PutPrincipal(ctx, p) })
	if errors.Is(err, store.ErrConflict) {
		return access.Principal{}, fault.New(fault.Conflict, "login", "login %q is taken", np.Login)
	}
	return p.Principal, err
}

// NewToken issues an API token for the principal with the given login. The
// token is returned once; only its hash is stored.
func (a *Auth) NewToken(ctx context.Context, login, label string) (string, error) {
	p, err := a.st.PrincipalByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return "", fault.New(fault.NotFound, "login", "no principal %q", login)
	} else if err != nil {
		return "", err
	}
	token, hash := access.NewToken()
	err = a.st.Write(ctx, func(tx store.Tx) error {
		return tx.PutToken(ctx, store.Token{Hash: hash, PrincipalID: p.ID, Label: label, Created: a.now()})
	})
	return token, err
}

// RegisterKey registers (or replaces) the note verifier key with which the
// principal's signed records are checked.
func (a *Auth) RegisterKey(ctx context.Context, login, vkey string) error {
	if _, err := note.NewVerifier(vkey); err != nil {
		return fault.New(fault.Invalid, "key", "is not a note verifier key (parley keys generate prints one): %v", err)
	}
	p, err := a.st.PrincipalByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return fault.New(fault.NotFound, "login", "no principal %q", login)
	} else if err != nil {
		return err
	}
	return a.st.Write(ctx, func(tx store.Tx) error { return tx.SetSigningKey(ctx, p.ID, vkey) })
}

// Authenticate returns the principal holding an API token, unless it is
// disabled.
func (a *Auth) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	if !strings.HasPrefix(token, access.TokenPrefix) {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "not a parley token")
	}
	p, err := a.st.PrincipalByToken(ctx, access.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "unknown or revoked token")
	} else if err != nil {
		return access.Principal{}, err
	}
	if !p.Disabled.IsZero() {
		// The token is genuine: its holder may know why it stopped.
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "the token's principal %q is disabled", p.Login)
	}
	return p.Principal, nil
}

// Login checks a password and returns the principal, unless it is
// disabled. It returns ErrBusy, having checked nothing, when it can get no
// hashing slot (see HashLimits and NoQueue).
func (a *Auth) Login(ctx context.Context, login, password string) (access.Principal, error) {
	p, err := a.st.PrincipalByLogin(ctx, strings.TrimSpace(login))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, err
	}
	// The same answer in the same time, whether the login is unknown or the
	// password wrong: an unknown login is checked against a dummy hash so
	// that timing does not reveal which logins exist.
	hash := p.PasswordHash
	if err != nil || hash == "" {
		hash = dummyHash()
	}
	ok, herr := a.checkPassword(ctx, hash, password)
	if herr != nil {
		return access.Principal{}, herr
	}
	// A disabled principal gets the answer of a wrong password, so that
	// whoever guesses a password learns nothing from it, not even that it
	// was right.
	if !ok || err != nil || p.PasswordHash == "" || !p.Disabled.IsZero() {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "wrong login or password")
	}
	return p.Principal, nil
}

var dummyHash = sync.OnceValue(func() string {
	h, err := access.HashPassword("no principal has this password")
	if err != nil {
		panic(err)
	}
	return h
})

// Principal returns the principal with the given id, disabled or not (a
// record's author is named whatever became of it); Session says whether
// a session of it still stands.
func (a *Auth) Principal(ctx context.Context, id string) (access.Principal, error) {
	p, err := a.st.PrincipalByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, fault.New(fault.Unauthenticated, "", "unknown principal")
	}
	return p.Principal, err
}

// SigningKey returns the note verifier key a principal signs with, or ""
// if it has registered none.
func (a *Auth) SigningKey(ctx context.Context, id string) (string, error) {
	p, err := a.st.PrincipalByID(ctx, id)
	if err != nil {
		return "", err
	}
	return p.SigningKey, nil
}

// SignOut ends every session of the principal id begun at or before at:
// sessions are signed claims any replica can check, and this is what each
// replica checks them against (Session).
func (a *Auth) SignOut(ctx context.Context, id string, at time.Time) error {
	at, err := a.signOutTime(ctx, id, at)
	if err != nil {
		return err
	}
	return a.st.Write(ctx, func(tx store.Tx) error { return tx.SetMeta(ctx, signOutKey(id), signOutValue(at)) })
}

// signOutTime is when to record that sessions ended, for sessions ending
// at at: never earlier than what is recorded, so that a clock behind
// another (a CLI host, another replica) cannot bring back sessions that
// had ended.
func (a *Auth) signOutTime(ctx context.Context, id string, at time.Time) (time.Time, error) {
	prev, err := a.SignedOut(ctx, id)
	if err != nil {
		return time.Time{}, err
	}
	if prev.After(at) {
		return prev, nil
	}
	return at, nil
}

// signOutKey is the meta key of when principal id's sessions last ended;
// signOutValue its value for at, in Unix microseconds.
func signOutKey(id string) string { return "signout." + id }

func signOutValue(at time.Time) []byte { return []byte(strconv.FormatInt(at.UnixMicro(), 10)) }

// SignedOut returns when the sessions of the principal id last ended (it
// signed out, changed its password or was disabled), or the zero time.
func (a *Auth) SignedOut(ctx context.Context, id string) (time.Time, error) {
	v, err := a.st.Meta(ctx, signOutKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	us, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("couldn't read when principal %s signed out: %w", id, err)
	}
	return time.UnixMicro(us), nil
}

// Secret returns the installation's secret of the given name, making it on
// first use. Every replica of a deployment reads the same one from the store
// (the key that signs session cookies, for one).
func (a *Auth) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret." + name
	v, err := a.st.Meta(ctx, key)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err = a.st.Write(ctx, func(tx store.Tx) error {
		// Another replica may have made it meanwhile: keep the first.
		if _, err := a.st.Meta(ctx, key); err == nil {
			return nil
		}
		return tx.SetMeta(ctx, key, fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("couldn't store secret %s: %w", name, err)
	}
	return a.st.Meta(ctx, key)
}
