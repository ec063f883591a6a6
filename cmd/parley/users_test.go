package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-project/parley/fault"
)

// TestUsersPasswordDisable: an administrator sets a person's password from
// standard input (never the command line), under the rules of a new
// password, and disables and enables principals; users list shows who is
// disabled.
func TestUsersPasswordDisable(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "parley.json")
	t.Setenv(adminPasswordEnv, "correct horse battery")
	if code, stdout, stderr := parley(t, "init", "--config", config, "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "admin"); code != exitOK {
		t.Fatalf("init = %d\n%s%s", code, stdout, stderr)
	}
	t.Setenv("ANA_PASSWORD", "ana's first password")
	if code, _, stderr := parley(t, "users", "add", "--config", config, "--login", "ana", "--party", "us", "--roles", "mediator", "--password-env", "ANA_PASSWORD"); code != exitOK {
		t.Fatalf("users add ana = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "users", "add", "--config", config, "--login", "bot", "--party", "us", "--roles", "observer", "--client"); code != exitOK {
		t.Fatalf("users add bot = %d %q", code, stderr)
	}
	// withStdin runs a command with stdin as its standard input.
	withStdin := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := newCLI(strings.NewReader(stdin), &out, &errb).run(t.Context(), args)
		return code, out.String(), errb.String()
	}
	// signIn reports how signing in as ana with password ends.
	signIn := func(password string) fault.Code {
		svc, _, _, closeAll, err := newCLI(nil, &bytes.Buffer{}, &bytes.Buffer{}).openService(t.Context(), config)
		if err != nil {
			t.Fatal(err)
		}
		defer closeAll()
		_, err = svc.Login(t.Context(), "ana", password)
		if err != nil && fault.CodeOf(err) == "" {
			t.Fatal(err)
		}
		return fault.CodeOf(err)
	}

	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"a password on the command line", "", []string{"--login", "ana", "--password", "x"}, exitUsage, "flag provided but not defined: -password"},
		{"stdin not a terminal", "a password from a pipe\n", []string{"--login", "ana"}, exitError, "pass --password-stdin"},
		{"empty", "\n", []string{"--login", "ana", "--password-stdin"}, exitError, "no password on standard input"},
		{"too short", "short\n", []string{"--login", "ana", "--password-stdin"}, exitError, "at least 8 characters"},
		{"an API client", "a client's password\n", []string{"--login", "bot", "--password-stdin"}, exitError, "API client"},
		{"nobody", "a password for nobody\n", []string{"--login", "nobody", "--password-stdin"}, exitError, `no principal "nobody"`},
	} {
		code, _, stderr := withStdin(tc.stdin, append([]string{"users", "password", "--config", config}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("users password, %s = %d %q; want %d saying %q", tc.name, code, stderr, tc.code, tc.stderr)
		}
	}
	if got := signIn("ana's first password"); got != "" {
		t.Fatalf("a refused users password changed the password: signing in = %q", got)
	}
	code, stdout, stderr := withStdin("ana's second password\r\n", "users", "password", "--config", config, "--login", "ana", "--password-stdin")
	if code != exitOK || !strings.Contains(stdout, "set the password of ana") {
		t.Fatalf("users password = %d\n%s%s", code, stdout, stderr)
	}
	if signIn("ana's first password") != fault.Unauthenticated || signIn("ana's second password") != "" {
		t.Error("after users password, the old password still signs in or the new one does not")
	}

	code, stdout, stderr = parley(t, "users", "disable", "--config", config, "--login", "ana")
	if code != exitOK || !strings.Contains(stdout, "ana is disabled since") {
		t.Fatalf("users disable = %d\n%s%s", code, stdout, stderr)
	}
	if got := signIn("ana's second password"); got != fault.Unauthenticated {
		t.Errorf("signing in while disabled = %q, want unauthenticated", got)
	}
	_, stdout, _ = parley(t, "users", "list", "--config", config)
	if !regexp.MustCompile(`(?m)^ana .* password +\S+ +20\d\d-\d\d-\d\dT`).MatchString(stdout) || !regexp.MustCompile(`(?m)^admin .* -$`).MatchString(stdout) {
		t.Errorf("users list does not show ana disabled and admin not:\n%s", stdout)
	}
	code, stdout, _ = parley(t, "users", "enable", "--config", config, "--login", "ana")
	if code != exitOK || !strings.Contains(stdout, "enabled ana, disabled since") {
		t.Errorf("users enable = %d %q", code, stdout)
	}
	if got := signIn("ana's second password"); got != "" {
		t.Errorf("signing in once enabled = %q", got)
	}
	if code, stdout, _ = parley(t, "users", "enable", "--config", config, "--login", "ana"); code != exitOK || !strings.Contains(stdout, "was not disabled") {
		t.Errorf("users enable of an enabled login = %d %q", code, stdout)
	}
	if code, _, stderr = parley(t, "users", "disable", "--config", config, "--login", "nobody"); code != exitError || !strings.Contains(stderr, `no principal "nobody"`) {
		t.Errorf("users disable nobody = %d %q", code, stderr)
	}
}
