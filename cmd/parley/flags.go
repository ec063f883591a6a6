package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/parley-project/parley/access"
)

// rolesFlag is a comma-separated list of roles, checked as it is parsed so
// that a misspelt role is a usage error naming the valid ones.
type rolesFlag []access.Role

func (f *rolesFlag) String() string {
	if f == nil {
		return ""
	}
	return joinRoles(*f)
}

func (f *rolesFlag) Set(s string) error {
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		r, err := access.ParseRole(name)
		if err != nil {
			return err
		}
		if !slices.Contains(*f, r) {
			*f = append(*f, r)
		}
	}
	return nil
}

// partyRoleFlag is a party's part in the process.
type partyRoleFlag access.ProcessRole

func (f *partyRoleFlag) String() string {
	if f == nil {
		return ""
	}
	return string(*f)
}

func (f *partyRoleFlag) Set(s string) error {
	switch r := access.ProcessRole(s); r {
	case access.ProcessMediator, access.ProcessParty, access.ProcessObserver:
		*f = partyRoleFlag(r)
		return nil
	}
	return fmt.Errorf("%q is not a part in the process; want mediator, party or observer", s)
}

// newPassword returns the password for a new principal: the value of the
// environment variable envVar if it is set, else one asked for twice on
// the terminal. With envOptional false, an envVar that is named but empty
// is an error rather than a reason to ask: the caller said where the
// password is, and it is not there.
func (c *cli) newPassword(login, envVar string, envOptional bool) (string, error) {
	if envVar != "" {
		if v := c.getenv(envVar); v != "" {
			return v, nil
		}
		if !envOptional {
			return "", fmt.Errorf("the environment variable %s, which --password-env names, is empty or unset", envVar)
		}
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		// Never read a password from a pipe silently: it would be
		// echoed into shell histories and scripts.
		if envOptional {
			return "", fmt.Errorf("no password for %s: set %s, or run on a terminal to be asked for one", login, envVar)
		}
		return "", fmt.Errorf("no password for %s: pass --password-env VAR, --client for an API client, or run on a terminal to be asked for one", login)
	}
	fd := int(f.Fd())
	fmt.Fprintf(c.stderr, "Password for %s: ", login)
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("couldn't read the password: %w", err)
	}
	fmt.Fprintf(c.stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("couldn't read the password: %w", err)
	}
	if len(first) == 0 {
		return "", errors.New("empty password")
	}
	if string(first) != string(second) {
		return "", errors.New("the passwords differ")
	}
	return string(first), nil
}
