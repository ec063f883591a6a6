package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

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

// AddPrincipal adds a person or API client to a party. The party must
// exist: its part in the process decides what the principal sees.
func (s *Service) AddPrincipal(ctx context.Context, np NewPrincipal) (access.Principal, error) {
	np.Login = strings.TrimSpace(np.Login)
	if !loginPattern.MatchString(np.Login) {
		return access.Principal{}, newError(CodeInvalid, "login", "%q is not a login: 2 to 64 characters, lower-case letters, digits, '.', '_' and '-'", np.Login)
	}
	if len(np.Roles) == 0 {
		return access.Principal{}, newError(CodeInvalid, "roles", "a principal needs at least one role (one of %v)", access.Roles)
	}
	pe, err := s.store.Entity(ctx, access.System, s.reg.PartyKind().Name, np.Party)
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, newError(CodeInvalid, "party", "no party %q; add the party first", np.Party)
	} else if err != nil {
		return access.Principal{}, err
	}
	party, err := s.Decode(pe)
	if err != nil {
		return access.Principal{}, err
	}
	p := store.Principal{
		Principal: access.Principal{
			ID: record.NewID(), Login: np.Login, Name: strings.TrimSpace(np.Name),
			Party: np.Party, PartyRole: party.(parley.PartyEntity).ProcessRole(), Roles: np.Roles,
		},
		Created: s.now(),
	}
	if p.Name == "" {
		p.Name = p.Login
	}
	if np.Password != "" {
		if p.PasswordHash, err = access.HashPasswordCost(np.Password, s.cost); err != nil {
			return access.Principal{}, newError(CodeInvalid, "password", "%v", err)
		}
	}
	err = s.store.Write(ctx, func(tx store.Tx) error { return tx.PutPrincipal(ctx, p) })
	if errors.Is(err, store.ErrConflict) {
		return access.Principal{}, newError(CodeConflict, "login", "login %q is taken", np.Login)
	}
	return p.Principal, err
}

// NewToken issues an API token for the principal with the given login. The
// token is returned once; only its hash is stored.
func (s *Service) NewToken(ctx context.Context, login, label string) (string, error) {
	p, err := s.store.PrincipalByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return "", newError(CodeNotFound, "login", "no principal %q", login)
	} else if err != nil {
		return "", err
	}
	token, hash := access.NewToken()
	err = s.store.Write(ctx, func(tx store.Tx) error {
		return tx.PutToken(ctx, store.Token{Hash: hash, PrincipalID: p.ID, Label: label, Created: s.now()})
	})
	return token, err
}

// RegisterKey registers (or replaces) the note verifier key with which the
// principal's signed records are checked.
func (s *Service) RegisterKey(ctx context.Context, login, vkey string) error {
	if _, err := note.NewVerifier(vkey); err != nil {
		return newError(CodeInvalid, "key", "is not a note verifier key (parley keys generate prints one): %v", err)
	}
	p, err := s.store.PrincipalByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return newError(CodeNotFound, "login", "no principal %q", login)
	} else if err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return tx.SetSigningKey(ctx, p.ID, vkey) })
}

// Authenticate returns the principal holding an API token.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	if !strings.HasPrefix(token, access.TokenPrefix) {
		return access.Principal{}, newError(CodeUnauthenticated, "", "not a parley token")
	}
	p, err := s.store.PrincipalByToken(ctx, access.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, newError(CodeUnauthenticated, "", "unknown or revoked token")
	}
	return p.Principal, err
}

// Login checks a password and returns the principal.
func (s *Service) Login(ctx context.Context, login, password string) (access.Principal, error) {
	p, err := s.store.PrincipalByLogin(ctx, strings.TrimSpace(login))
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
	if !access.CheckPassword(hash, password) || err != nil || p.PasswordHash == "" {
		return access.Principal{}, newError(CodeUnauthenticated, "", "wrong login or password")
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

// Principal returns the principal with the given id.
func (s *Service) Principal(ctx context.Context, id string) (access.Principal, error) {
	p, err := s.store.PrincipalByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, newError(CodeUnauthenticated, "", "unknown principal")
	}
	return p.Principal, err
}

// Secret returns the installation's secret of the given name, making it on
// first use. Every replica of a deployment reads the same one from the store
// (the key that signs session cookies, for one).
func (s *Service) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret." + name
	v, err := s.store.Meta(ctx, key)
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
	err = s.store.Write(ctx, func(tx store.Tx) error {
		// Another replica may have made it meanwhile: keep the first.
		if _, err := s.store.Meta(ctx, key); err == nil {
			return nil
		}
		return tx.SetMeta(ctx, key, fresh)
	})
	if err != nil {
		return nil, fmt.Errorf("couldn't store secret %s: %w", name, err)
	}
	return s.store.Meta(ctx, key)
}
