package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/auth"
	"github.com/parley-project/parley/store"
)

// The service hands its callers the operations of package auth, which
// keeps the principals; only adding one needs the service, to find the
// principal's party among the process's parties.

// NewPrincipal describes a principal to add.
type NewPrincipal = auth.NewPrincipal

// Auth returns the principals of the installation.
func (s *Service) Auth() *auth.Auth { return s.auth }

// AddPrincipal adds a person or API client to a party. The party must
// exist: its part in the process decides what the principal sees.
func (s *Service) AddPrincipal(ctx context.Context, np NewPrincipal) (access.Principal, error) {
	role, err := s.partyRole(ctx, np.Party)
	if errors.Is(err, store.ErrNotFound) {
		return access.Principal{}, newError(CodeInvalid, "party", "no party %q; add the party first", np.Party)
	} else if err != nil {
		return access.Principal{}, err
	}
	if role != access.ProcessMediator && slices.Contains(np.Roles, access.RoleMediator) {
		return access.Principal{}, newError(CodeInvalid, "roles", "party %q is not the mediator; its principals cannot hold the mediator role", np.Party)
	}
	return s.auth.AddPrincipal(ctx, np, role)
}

// NewToken issues an API token (auth.Auth.NewToken).
func (s *Service) NewToken(ctx context.Context, login, label string) (string, error) {
	return s.auth.NewToken(ctx, login, label)
}

// RegisterKey registers a principal's signing key (auth.Auth.RegisterKey).
func (s *Service) RegisterKey(ctx context.Context, login, vkey string) error {
	return s.auth.RegisterKey(ctx, login, vkey)
}

// Authenticate returns the principal holding an API token
// (auth.Auth.Authenticate), as its party stands now.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	return s.current(ctx)(s.auth.Authenticate(ctx, token))
}

// Login checks a password (auth.Auth.Login), and returns the principal as
// its party stands now.
func (s *Service) Login(ctx context.Context, login, password string) (access.Principal, error) {
	return s.current(ctx)(s.auth.Login(ctx, login, password))
}

// Principal returns the principal with the given id (auth.Auth.Principal),
// as its party stands now.
func (s *Service) Principal(ctx context.Context, id string) (access.Principal, error) {
	return s.current(ctx)(s.auth.Principal(ctx, id))
}

// Session returns the principal of a browser session begun at began, if
// the session still stands (auth.Auth.Session), as its party stands now.
func (s *Service) Session(ctx context.Context, id string, began time.Time) (access.Principal, error) {
	return s.current(ctx)(s.auth.Session(ctx, id, began))
}

// ChangePassword changes a signed-in principal's own password and ends its
// sessions (auth.Auth.ChangePassword).
func (s *Service) ChangePassword(ctx context.Context, id, current, password string) (time.Time, error) {
	return s.auth.ChangePassword(ctx, id, current, password)
}

// current sets a principal's part in the process from its party's current
// record: what it sees and may write follows the party as it is now (a
// party made an observer sees as an observer from its next request), not
// as it was when the principal was added or signed in.
func (s *Service) current(ctx context.Context) func(access.Principal, error) (access.Principal, error) {
	return func(p access.Principal, err error) (access.Principal, error) {
		if err != nil {
			return p, err
		}
		role, err := s.partyRole(ctx, p.Party)
		if errors.Is(err, store.ErrNotFound) {
			return access.Principal{}, newError(CodeUnauthenticated, "", "the principal's party %q is gone", p.Party)
		} else if err != nil {
			return access.Principal{}, err
		}
		p.PartyRole = role
		return p, nil
	}
}

// partyRole is a party's part in the process, from its current record;
// store.ErrNotFound if there is no such party.
func (s *Service) partyRole(ctx context.Context, party string) (access.ProcessRole, error) {
	pe, err := s.store.Entity(ctx, access.System, s.reg.PartyKind().Name, party)
	if err != nil {
		return "", err
	}
	ent, err := s.Decode(pe)
	if err != nil {
		return "", err
	}
	return ent.(parley.PartyEntity).ProcessRole(), nil
}

// Secret returns the installation's secret of the given name
// (auth.Auth.Secret).
func (s *Service) Secret(ctx context.Context, name string) ([]byte, error) {
	return s.auth.Secret(ctx, name)
}
