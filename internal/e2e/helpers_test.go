package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
)

// adminPassword is the administrator's password in every installation the
// tests make.
const adminPassword = "e2e-admin-password"

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// parleyBinary builds cmd/parley once per test binary and returns its path.
func parleyBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: builds parley and runs it as a subprocess; skipped with -short")
	}
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			buildErr = errors.New("not in a module: go env GOMOD is empty")
			return
		}
		buildDir, err = os.MkdirTemp("", "parley-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(buildDir, "parley")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/parley")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/parley: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// result is the outcome of one parley command.
type result struct {
	stdout, stderr string
	code           int
}

// parley runs the binary with args and returns its output and exit code.
func parley(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, parleyBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("parley %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// mustParley runs a command that must succeed.
func mustParley(t *testing.T, env []string, args ...string) string {
	t.Helper()
	res := parley(t, env, args...)
	if res.code != 0 {
		t.Fatalf("parley %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// installation is one parley installation made by parley init.
type installation struct {
	dir    string // everything lives under it
	config string
	data   string
	base   string // http://host:port of the serve running now
	token  string // the administrator's API token
}

// newInstallation runs parley init and issues the administrator a token.
// The config has serve listen on a port the system chooses (127.0.0.1:0):
// serve sets base from the address the server logs.
func newInstallation(t *testing.T) *installation {
	t.Helper()
	dir := t.TempDir()
	in := &installation{dir: dir, config: filepath.Join(dir, "parley.json"), data: filepath.Join(dir, "data")}
	env := []string{"PARLEY_ADMIN_PASSWORD=" + adminPassword}
	mustParley(t, env, "init", "--config", in.config, "--data", in.data, "--addr", "127.0.0.1:0",
		"--party-id", "us", "--party-name", "United States", "--admin", "admin")
	in.token = strings.TrimSpace(mustParley(t, nil, "tokens", "new", "--config", in.config, "--login", "admin", "--label", "e2e"))
	if in.token == "" {
		t.Fatal("parley tokens new printed no token")
	}
	return in
}

// edit changes the config file as edit says.
func (in *installation) edit(t *testing.T, edit func(cfg map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(in.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	if b, err = json.MarshalIndent(cfg, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in.config, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// logVKey returns the log's public key: the .pub file next to the key that
// init wrote, or else the key derived from the private key file itself.
func (in *installation) logVKey(t *testing.T) string {
	t.Helper()
	keyFile := filepath.Join(in.data, "log.key")
	if b, err := os.ReadFile(in.config); err == nil {
		var cfg struct {
			LogKeyFile string `json:"log_key_file"`
		}
		if json.Unmarshal(b, &cfg) == nil && cfg.LogKeyFile != "" {
			keyFile = cfg.LogKeyFile
			if !filepath.IsAbs(keyFile) {
				keyFile = filepath.Join(filepath.Dir(in.config), keyFile)
			}
		}
	}
	if b, err := os.ReadFile(keyFile + ".pub"); err == nil {
		return strings.TrimSpace(string(b))
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("couldn't read the log key: %v", err)
	}
	vkey, err := vkeyOf(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

// vkeyOf derives a signed-note verifier key from an Ed25519 signer key:
// PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>.
func vkeyOf(skey string) (string, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		return "", fmt.Errorf("%q is not a signer key", skey[:min(len(skey), 20)])
	}
	parts := strings.Split(rest, "+")
	if len(parts) != 3 {
		return "", errors.New("malformed signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)), nil
}

// server is a running parley serve.
type server struct {
	cmd    *exec.Cmd
	output *os.File // its stdout and stderr
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// start starts a parley command as a subprocess, its output to
// dir/name.log; it is killed at the end of the test if still running.
func start(t *testing.T, dir, name string, args ...string) *server {
	t.Helper()
	out, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(parleyBinary(t), args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, output: out, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.kill()
		out.Close()
	})
	return s
}

// await polls ok until it reports true, and fails the test when s exits
// or the timeout passes; what says what it waits for.
func (s *server) await(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		select {
		case <-s.exited:
			t.Fatalf("%s exited at start (%v):\n%s", s.cmd, s.err, s.tail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not %s within %v:\n%s", s.cmd, what, timeout, s.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// awaitOutput waits until the process prints something re matches, and
// returns the submatches.
func (s *server) awaitOutput(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	var m []string
	s.await(t, fmt.Sprintf("print %v", re), timeout, func() bool {
		b, _ := os.ReadFile(s.output.Name())
		m = re.FindStringSubmatch(string(b))
		return m != nil
	})
	return m
}

// awaitHTTP waits until url answers 200.
func (s *server) awaitHTTP(t *testing.T, url string, timeout time.Duration) {
	t.Helper()
	s.await(t, "answer "+url, timeout, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// servingLog is serve's log line that names the URL it serves on, in the
// text or the JSON log format.
var servingLog = regexp.MustCompile(`(?:msg=serving url=|"msg":"serving","url":")(http://[^/\s"]+)/`)

// serve starts parley serve, reads the address it listens on from its
// log into in.base, and waits until /healthz answers 200.
func (in *installation) serve(t *testing.T, name string) *server {
	t.Helper()
	s := start(t, in.dir, name, "serve", "--config", in.config)
	in.base = s.awaitOutput(t, servingLog, 60*time.Second)[1]
	s.awaitHTTP(t, in.base+"/healthz", 60*time.Second)
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// stop asks the server to stop (SIGTERM) and waits for it; a server that
// does not stop within the timeout is killed and reported.
func (s *server) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("parley serve exited with %v after SIGTERM:\n%s", s.err, s.tail())
		}
	case <-time.After(timeout):
		s.kill()
		t.Errorf("parley serve did not stop within %v of SIGTERM:\n%s", timeout, s.tail())
	}
}

// tail returns the end of the process's output, without the access log.
func (s *server) tail() string { return tailFile(s.output.Name()) }

// tailFile returns the end of a process's output file, without the
// access log's lines.
func tailFile(path string) string {
	b, _ := os.ReadFile(path)
	var keep []string
	for line := range strings.Lines(string(b)) {
		if !strings.Contains(line, "msg=request ") {
			keep = append(keep, line)
		}
	}
	out := strings.Join(keep, "")
	if len(out) > 6000 {
		out = out[len(out)-6000:]
	}
	return out
}

// client is an HTTP client for many concurrent requests to one server.
var client = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second},
}

// receipt is the part of a write's answer the tests keep.
type receipt struct {
	RecordID   string  `json:"record_id"`
	Kind       string  `json:"kind"`
	Subject    string  `json:"subject"`
	Commitment string  `json:"commitment"`
	LeafIndex  *uint64 `json:"leaf_index"`
}

type writeAnswer struct {
	Receipt receipt `json:"receipt"`
	Item    struct {
		ID       string `json:"id"`
		RecordID string `json:"record_id"`
	} `json:"item"`
}

// request sends one API request with the installation's token.
func (in *installation) request(method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+in.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// createAspect POSTs one aspect and returns the answer for a 201.
func (in *installation) createAspect(title string) (writeAnswer, int, error) {
	body, _ := json.Marshal(map[string]any{"title": title, "status": "open"})
	code, b, err := in.request(http.MethodPost, "/api/v1/aspects", body)
	if err != nil {
		return writeAnswer{}, 0, err
	}
	if code != http.StatusCreated {
		return writeAnswer{}, code, fmt.Errorf("POST /api/v1/aspects: %d %s", code, bytes.TrimSpace(b))
	}
	var w writeAnswer
	if err := json.Unmarshal(b, &w); err != nil {
		return writeAnswer{}, code, fmt.Errorf("POST /api/v1/aspects: %w: %s", err, b)
	}
	return w, code, nil
}

// checkpoint fetches /log/checkpoint.
func (in *installation) checkpoint() ([]byte, error) {
	resp, err := client.Get(in.base + "/log/checkpoint")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /log/checkpoint: %s", resp.Status)
	}
	return b, nil
}

// awaitCheckpoint polls /log/checkpoint until it covers size entries.
func (in *installation) awaitCheckpoint(t *testing.T, vkey string, witnessKeys []string, size uint64, timeout time.Duration) ([]byte, *log.Checkpoint) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		raw, err := in.checkpoint()
		if err == nil {
			cp, cosigned, verr := ledger.VerifyCheckpoint(raw, vkey, witnessKeys)
			switch {
			case verr != nil:
				t.Fatalf("the served checkpoint does not verify: %v\n%s", verr, raw)
			case len(cosigned) != len(witnessKeys):
				t.Fatalf("the served checkpoint is cosigned by %d of %d witnesses:\n%s", len(cosigned), len(witnessKeys), raw)
			case cp.Size >= size:
				return raw, cp
			}
			last = fmt.Errorf("published size %d", cp.Size)
		} else {
			last = err
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint covering %d entries within %v: %v", size, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get fetches one file of the log over HTTP.
func (in *installation) get(path string) ([]byte, error) {
	resp, err := client.Get(in.base + "/log/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /log/%s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func tlogHash(b []byte) tlog.Hash {
	var h tlog.Hash
	copy(h[:], b)
	return h
}

// checkConsistent proves over HTTP, with x/mod/sumdb/tlog, that the tree
// older commits to is a prefix of the tree newer commits to, and checks
// the same proof with ledger.VerifyConsistency.
func (in *installation) checkConsistent(older, newer *log.Checkpoint) error {
	if older.Size == 0 {
		return nil // the empty tree is a prefix of every tree
	}
	hr := tlog.TileHashReader(tlog.Tree{N: int64(newer.Size), Hash: tlogHash(newer.Hash)}, testkit.Tiles{URL: in.base + "/log/", Client: client})
	p, err := tlog.ProveTree(int64(newer.Size), int64(older.Size), hr)
	if err != nil {
		return fmt.Errorf("couldn't prove size %d a prefix of size %d from the served tiles: %w", older.Size, newer.Size, err)
	}
	if err := tlog.CheckTree(p, int64(newer.Size), tlogHash(newer.Hash), int64(older.Size), tlogHash(older.Hash)); err != nil {
		return fmt.Errorf("tlog.CheckTree: %w", err)
	}
	pb := make([][]byte, len(p))
	for i := range p {
		pb[i] = p[i][:]
	}
	return ledger.VerifyConsistency(older, newer, pb)
}

// leaves reads every entry of the tree cp commits to from the served entry
// bundles and checks them against cp's root hash.
func (in *installation) leaves(cp *log.Checkpoint) ([][]byte, error) {
	var all [][]byte
	for n := uint64(0); n*layout.EntryBundleWidth < cp.Size; n++ {
		w := uint8(0)
		if left := cp.Size - n*layout.EntryBundleWidth; left < layout.EntryBundleWidth {
			w = uint8(left)
		}
		raw, err := in.get(layout.EntriesPath(n, w))
		if err != nil && w > 0 {
			raw, err = in.get(layout.EntriesPath(n, 0))
		}
		if err != nil {
			return nil, err
		}
		var b api.EntryBundle
		if err := b.UnmarshalText(raw); err != nil {
			return nil, fmt.Errorf("entry bundle %d: %w", n, err)
		}
		want := min(uint64(layout.EntryBundleWidth), cp.Size-n*layout.EntryBundleWidth)
		if uint64(len(b.Entries)) < want {
			return nil, fmt.Errorf("entry bundle %d has %d entries, want %d", n, len(b.Entries), want)
		}
		all = append(all, b.Entries[:want]...)
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, leaf := range all {
		if err := r.Append(rfc6962.DefaultHasher.HashLeaf(leaf), nil); err != nil {
			return nil, err
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(root, cp.Hash) {
		return nil, fmt.Errorf("the served entries hash to %x, the checkpoint of size %d says %x", root, cp.Size, cp.Hash)
	}
	return all, nil
}

// envInt reads a positive integer from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
