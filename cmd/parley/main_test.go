package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
)

// parley runs one command to its end.
func parley(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// background is a command running until the test cancels it.
type background struct {
	out, err *testkit.Buffer
	cancel   context.CancelFunc
	done     chan int
}

func start(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{out: &testkit.Buffer{}, err: &testkit.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { b.done <- run(ctx, args, b.out, b.err) }()
	t.Cleanup(func() {
		cancel()
		<-b.done
	})
	return b
}

var urlPattern = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// url waits for the command to print the URL it serves on, on stdout or
// in its log on stderr.
func (b *background) url(t *testing.T) string {
	t.Helper()
	return b.await(t, urlPattern, func() string { return b.out.String() + b.err.String() })[0]
}

// waitFor waits for the command to print something re matches on stdout,
// and returns the submatches.
func (b *background) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	return b.await(t, re, b.out.String)
}

// await polls text until re matches it, failing if the command ends first
// or nothing matches within 60s.
func (b *background) await(t *testing.T, re *regexp.Regexp, text func() string) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(text()); m != nil {
			return m
		}
		select {
		case code := <-b.done:
			b.done <- code // for the cleanup, which waits for it
			t.Fatalf("command ended with %d before printing %v\nstdout:\n%s\nstderr:\n%s", code, re, b.out, b.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%v not printed within 60s\nstdout:\n%s\nstderr:\n%s", re, b.out, b.err)
	return nil
}

// stop cancels the command, as SIGTERM would, and returns its exit code.
func (b *background) stop(t *testing.T) int {
	t.Helper()
	b.cancel()
	select {
	case code := <-b.done:
		b.done <- code // for the cleanup
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("the command did not stop within 15s of the cancel")
		return -1
	}
}

// fetch GETs url, with token if not "".
func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	return testkit.Fetch(t, http.MethodGet, url, token, nil)
}

func TestDemo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	demo := start(t, "demo", "--addr", "127.0.0.1:0", "--data", data)
	base := demo.url(t)

	if code, body := fetch(t, base+"healthz", ""); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q", code, body)
	}
	if code, _ := fetch(t, base, ""); code != http.StatusOK {
		t.Errorf("GET / = %d", code)
	}
	code, body := fetch(t, base+"api/v1/rounds", "")
	if code != http.StatusOK || !strings.Contains(body, "Abu Dhabi") {
		t.Errorf("GET /api/v1/rounds = %d %.300s", code, body)
	}
	out := demo.out.String()
	// The metrics are the operator's: refused without the token the demo
	// prints for them, served with it.
	if code, _ := fetch(t, base+"metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a token = %d, want 401", code)
	}
	m := regexp.MustCompile(`Authorization: Bearer (\S+)" \S+metrics`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo prints no metrics token:\n%s", out)
	}
	if code, body := fetch(t, base+"metrics", m[1]); code != http.StatusOK || !strings.Contains(body, `route="GET /api/v1/rounds"`) {
		t.Errorf("GET /metrics = %d, without the rounds request:\n%s", code, body)
	}
	for _, want := range []string{"data in " + data, "us-mediator", "demo-us-mediator", "mediator,admin", "ae-observer"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	checkDemoLog(t, out)

	if code := demo.stop(t); code != exitOK {
		t.Fatalf("demo exited %d after the cancel\nstderr:\n%s", code, demo.err)
	}
	if !strings.Contains(demo.err.String(), "msg=stopped") {
		t.Errorf("no graceful stop in the log:\n%s", demo.err)
	}
	// --data is kept, and refused next time: it is not empty any more.
	if _, err := os.Stat(filepath.Join(data, server.SQLiteFile)); err != nil {
		t.Errorf("the demo database in --data is gone: %v", err)
	}
	code, _, stderr := parley(t, "demo", "--addr", "127.0.0.1:0", "--data", data)
	if code != exitError || !strings.Contains(stderr, data+" is not empty; pass an empty directory or none") {
		t.Errorf("demo on a used data dir = %d %q, want 1 and a refusal", code, stderr)
	}
}

func TestDemoTemporaryData(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	demo := start(t, "demo", "--addr", "127.0.0.1:0")
	demo.url(t)
	m := regexp.MustCompile(`data in (\S+) \(deleted on exit`).FindStringSubmatch(demo.out.String())
	if m == nil {
		t.Fatalf("no temporary data dir printed:\n%s", demo.out)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Fatalf("the data dir printed does not exist: %v", err)
	}
	if code := demo.stop(t); code != exitOK {
		t.Fatalf("demo exited %d", code)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the temporary data dir %s is still there after exit (%v)", m[1], err)
	}
}

func TestInitServe(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	config := installAndServe(t, dir, "--data", data)
	cfg, err := server.LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store != server.StoreSQLite || cfg.DataDir != data {
		t.Errorf("init wrote %+v", cfg)
	}
}

// installAndServe runs init with the given store flags, then the admin
// commands, then serve with an API token, as an operator would. It returns
// the config file's path.
func installAndServe(t *testing.T, dir string, storeFlags ...string) string {
	config := filepath.Join(dir, "parley.json")
	t.Setenv(adminPasswordEnv, "correct horse battery")

	initArgs := append([]string{"init", "--config", config, "--addr", "127.0.0.1:0",
		"--party-id", "us", "--party-name", "United States", "--admin", "admin"}, storeFlags...)
	code, stdout, stderr := parley(t, initArgs...)
	if code != exitOK {
		t.Fatalf("init = %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "roles:    admin,mediator") || !strings.Contains(stdout, "created party us (United States, mediator)") {
		t.Errorf("init output:\n%s", stdout)
	}
	logKey := printed(t, stdout, "verifier key")
	cfg, err := server.LoadConfig(config)
	if err != nil {
		t.Fatalf("init wrote a config that does not load: %v", err)
	}
	if cfg.Addr != "127.0.0.1:0" {
		t.Errorf("init wrote %+v", cfg)
	}
	written, _ := os.ReadFile(config)
	if strings.Contains(string(written), "timeout") {
		t.Errorf("init wrote the defaults into the config:\n%s", written)
	}

	// Never over an existing config.
	code, _, stderr = parley(t, initArgs...)
	if code != exitError || !strings.Contains(stderr, "exists; init never overwrites") {
		t.Errorf("second init = %d %q", code, stderr)
	}

	t.Setenv("BOT_PASSWORD", "")
	code, _, stderr = parley(t, "users", "add", "--config", config, "--login", "bot", "--party", "us", "--roles", "observer", "--password-env", "BOT_PASSWORD")
	if code != exitError || !strings.Contains(stderr, "BOT_PASSWORD") {
		t.Errorf("users add with an empty password variable = %d %q", code, stderr)
	}
	code, stdout, stderr = parley(t, "users", "add", "--config", config, "--login", "bot", "--name", "Feed bot",
		"--party", "us", "--roles", "monitor,observer", "--client")
	if code != exitOK || !strings.Contains(stdout, "added bot") || !strings.Contains(stdout, "roles:    monitor,observer") {
		t.Fatalf("users add --client = %d\n%s%s", code, stdout, stderr)
	}
	t.Setenv("ANA_PASSWORD", "a long enough password")
	code, stdout, stderr = parley(t, "users", "add", "--config", config, "--login", "ana", "--party", "us", "--roles", "mediator", "--password-env", "ANA_PASSWORD")
	if code != exitOK || !strings.Contains(stdout, "signs in: password") {
		t.Fatalf("users add --password-env = %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = parley(t, "users", "add", "--config", config, "--login", "bot", "--party", "us", "--roles", "observer", "--client")
	if code != exitError || !strings.Contains(stderr, `login "bot" is taken`) {
		t.Errorf("users add of a taken login = %d %q", code, stderr)
	}
	code, _, stderr = parley(t, "users", "add", "--config", config, "--login", "x1", "--party", "ru", "--roles", "observer", "--client")
	if code != exitError || !strings.Contains(stderr, `no party "ru"`) {
		t.Errorf("users add to a missing party = %d %q", code, stderr)
	}

	code, stdout, _ = parley(t, "users", "list", "--config", config)
	if code != exitOK || !regexp.MustCompile(`(?m)^admin +admin +us +admin,mediator +password`).MatchString(stdout) ||
		!regexp.MustCompile(`(?m)^bot +Feed bot +us +monitor,observer +tokens`).MatchString(stdout) || !strings.Contains(stdout, "ana") {
		t.Errorf("users list = %d\n%s", code, stdout)
	}

	code, stdout, stderr = parley(t, "tokens", "new", "--config", config, "--login", "bot", "--label", "test feed")
	token := strings.TrimSpace(stdout)
	if code != exitOK || !strings.HasPrefix(token, "parley_") || strings.Contains(token, "\n") {
		t.Fatalf("tokens new = %d %q %q", code, stdout, stderr)
	}
	code, _, stderr = parley(t, "tokens", "new", "--config", config, "--login", "nobody")
	if code != exitError || !strings.Contains(stderr, `no principal "nobody"`) {
		t.Errorf("tokens new for a missing login = %d %q", code, stderr)
	}

	code, stdout, _ = parley(t, "migrate", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "already") {
		t.Errorf("migrate of a current database = %d %q", code, stdout)
	}
	code, stdout, _ = parley(t, "rebuild", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "rebuilt the projections") {
		t.Errorf("rebuild = %d %q", code, stdout)
	}

	srv := start(t, "serve", "--config", config)
	base := srv.url(t)
	if code, _ := fetch(t, base+"healthz", ""); code != http.StatusOK {
		t.Errorf("GET /healthz = %d", code)
	}
	code, body := fetch(t, base+"api/v1/me", token)
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the token = %d %s", code, body)
	}
	var me map[string]any
	if err := json.Unmarshal([]byte(body), &me); err != nil || !strings.Contains(body, `"bot"`) {
		t.Errorf("GET /api/v1/me = %s (%v), want the bot", body, err)
	}
	if code, _ := fetch(t, base+"api/v1/me", "parley_wrong"); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with a wrong token = %d, want 401", code)
	}

	// The log is served, its checkpoint signed by the key init printed.
	code, body = fetch(t, base+"log/checkpoint", "")
	if code != http.StatusOK {
		t.Fatalf("GET /log/checkpoint = %d %s", code, body)
	}
	if cp, _, err := ledger.VerifyCheckpoint([]byte(body), logKey, nil); err != nil || cp.Size == 0 {
		t.Errorf("the served checkpoint does not verify with the key init printed (%v):\n%s", err, body)
	}
	// One process at a time uses the log.
	for _, cmd := range []string{"serve", "audit"} {
		code, _, stderr := parley(t, cmd, "--config", config)
		if code != exitError || !strings.Contains(stderr, "in use by another parley process") {
			t.Errorf("%s while serve runs = %d %q, want a refusal", cmd, code, stderr)
		}
	}
	if code := srv.stop(t); code != exitOK {
		t.Errorf("serve exited %d after the cancel\n%s", code, srv.err)
	}
	return config
}

func TestServeRefusesUnmigrated(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "parley.json")
	if err := os.WriteFile(config, []byte(`{"addr": "127.0.0.1:0", "data_dir": "data"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	// No database at all: serve does not create one.
	code, _, stderr := parley(t, "serve", "--config", config)
	if code != exitError || !strings.Contains(stderr, "parley migrate") {
		t.Errorf("serve without a database = %d %q, want 1 and a pointer to parley migrate", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", server.SQLiteFile)); !os.IsNotExist(err) {
		t.Errorf("serve created a database: %v", err)
	}

	// A database that was never migrated: an empty SQLite file.
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", server.SQLiteFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "users list", "rebuild"} {
		args := append(strings.Fields(cmd), "--config", config)
		code, _, stderr := parley(t, args...)
		if code != exitError || !strings.Contains(stderr, "schema version") || !strings.Contains(stderr, "parley migrate") {
			t.Errorf("%s on an unmigrated database = %d %q, want 1 and a pointer to parley migrate", cmd, code, stderr)
		}
	}

	code, stdout, stderr := parley(t, "migrate", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "migrated") {
		t.Fatalf("migrate = %d %q %q", code, stdout, stderr)
	}
	// data_dir is relative to the config file, not to the working directory.
	if fi, err := os.Stat(filepath.Join(dir, "data", server.SQLiteFile)); err != nil || fi.Size() == 0 {
		t.Errorf("migrate did not create the schema in the config's data_dir: %v", err)
	}
	// A database, but no log: serve does not create one either, and says
	// which key it looked for.
	code, _, stderr = parley(t, "serve", "--config", config)
	if code != exitError || !strings.Contains(stderr, filepath.Join(dir, "data", "log.key")) || !strings.Contains(stderr, "parley init") {
		t.Errorf("serve without a log = %d %q, want 1 naming the missing key", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", server.LogDir)); !os.IsNotExist(err) {
		t.Errorf("serve created a log: %v", err)
	}
}

func TestInitWithoutPassword(t *testing.T) {
	t.Setenv(adminPasswordEnv, "")
	dir := t.TempDir()
	config := filepath.Join(dir, "parley.json")
	var out, errb bytes.Buffer
	// Not a terminal: init must not wait for a password that never comes.
	c := newCLI(strings.NewReader("secret-from-a-pipe\n"), &out, &errb)
	code := c.run(t.Context(), []string{"init", "--config", config, "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "admin"})
	if code != exitError || !strings.Contains(errb.String(), adminPasswordEnv) {
		t.Errorf("init without a password = %d %q", code, errb.String())
	}
	for _, p := range []string{config, filepath.Join(dir, "data", server.SQLiteFile)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("init without a password left %s behind", p)
		}
	}

	// A failure half-way (a bad login) leaves no database behind either,
	// so that init can be run again.
	t.Setenv(adminPasswordEnv, "correct horse battery")
	code, _, stderr := parley(t, "init", "--config", config, "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "Not A Login")
	if code != exitError || !strings.Contains(stderr, "is not a login") {
		t.Errorf("init with a bad login = %d %q", code, stderr)
	}
	for _, p := range []string{server.SQLiteFile, server.LogDir, "log.key", "log.key.pub"} {
		if _, err := os.Stat(filepath.Join(dir, "data", p)); !os.IsNotExist(err) {
			t.Errorf("init that failed left %s behind (%v)", p, err)
		}
	}
	code, _, stderr = parley(t, "init", "--config", config, "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "admin")
	if code != exitOK {
		t.Errorf("init after a failed one = %d %q", code, stderr)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, exitUsage, "", "Commands:"},
		{[]string{"help"}, exitOK, "users add", ""},
		{[]string{"help", "users", "add"}, exitOK, "--password-env", ""},
		{[]string{"help", "config"}, exitOK, "shutdown_timeout", ""},
		{[]string{"help", "nonsense"}, exitUsage, "", `no help on "nonsense"`},
		{[]string{"serve", "-h"}, exitOK, "usage: parley serve --config FILE", ""},
		{[]string{"tokens", "new", "--help"}, exitOK, "-label", ""},
		{[]string{"launch"}, exitUsage, "", `unknown command "launch"`},
		{[]string{"users"}, exitUsage, "", "users needs a subcommand: add, list"},
		{[]string{"keys"}, exitUsage, "", "keys needs a subcommand: generate"},
		{[]string{"help", "verify"}, exitOK, "usage: parley verify FILE --log-key KEY", ""},
		{[]string{"help", "config"}, exitOK, "witness_quorum", ""},
		{[]string{"audit", "x.json"}, exitUsage, "", `unexpected argument "x.json" (every input is a flag)`},
		{[]string{"users", "remove"}, exitUsage, "", `unknown command "users remove"`},
		{[]string{"serve"}, exitUsage, "", "--config is required"},
		{[]string{"serve", "--config"}, exitUsage, "", "flag needs an argument: -config"},
		{[]string{"serve", "--config", "x.json", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"demo", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{[]string{"demo", "--addr", "8080"}, exitUsage, "", `--addr: "8080" is not a host:port`},
		{[]string{"users", "add", "--roles", "king"}, exitUsage, "", `unknown role "king"`},
		{[]string{"users", "add", "--config", "x.json", "--login", "a1", "--party", "us"}, exitUsage, "", "--roles is required"},
		{[]string{"users", "add", "--config", "x.json", "--login", "a1", "--party", "us", "--roles", "observer", "--client", "--password-env", "P"}, exitUsage, "", "exclude each other"},
		{[]string{"init", "--party-role", "referee"}, exitUsage, "", `"referee" is not a part in the process`},
		{[]string{"init", "--config", "x.json"}, exitUsage, "", "--party-id is required"},
		{[]string{"serve", "--config", "/nonexistent/parley.json"}, exitError, "", "parley: couldn't read config"},
	} {
		code, stdout, stderr := parley(t, tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("parley %q = %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q",
				tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
		}
		if tc.code == exitUsage && tc.args != nil && !strings.Contains(stderr, "parley help") {
			t.Errorf("parley %q: the usage error does not point to the help: %q", tc.args, stderr)
		}
	}
}

func TestEveryCommandDocumented(t *testing.T) {
	for _, cmd := range commands {
		code, stdout, _ := parley(t, append(strings.Fields(cmd.name), "-h")...)
		if code != exitOK || !strings.Contains(stdout, "usage: parley "+cmd.name) || cmd.summary == "" || cmd.doc == "" {
			t.Errorf("parley %s -h = %d %q", cmd.name, code, stdout)
		}
	}
}

// TestDemoBusyPort: a demo asked to listen where something else does says
// so at once, before it loads anything.
func TestDemoBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, stdout, stderr := parley(t, "demo", "--addr", ln.Addr().String(), "--data", t.TempDir())
	if code != exitError || !strings.Contains(stderr, "couldn't listen") {
		t.Errorf("demo on a busy port = %d %q", code, stderr)
	}
	if strings.Contains(stdout, "loading") {
		t.Errorf("the demo loaded its scenario before finding the port busy:\n%s", stdout)
	}
}
