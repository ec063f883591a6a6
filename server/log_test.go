package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/talks"
)

// witnessKey returns a new witness's cosignature verifier key.
func witnessKey(t *testing.T, name string) string {
	t.Helper()
	_, vkey := testkit.WitnessKey(t, name)
	return vkey
}

func TestLoadConfigLog(t *testing.T) {
	ua, ru := witnessKey(t, "ua-witness"), witnessKey(t, "ru-witness")
	path := writeConfig(t, `{"data_dir": "data", "log_key_file": "keys/log.key",
		"witnesses": [{"name": "ua", "key": "`+ua+`", "url": "https://witness.ua.example"},
		              {"name": "ru", "key": "`+ru+`", "url": "http://10.0.0.7:8081/parley"}],
		"witness_quorum": 1, "witness_timeout": "2s", "checkpoint_interval": "1s"}`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	want := []Witness{{"ua", ua, "https://witness.ua.example"}, {"ru", ru, "http://10.0.0.7:8081/parley"}}
	if !reflect.DeepEqual(cfg.Witnesses, want) || cfg.WitnessQuorum != 1 || cfg.WitnessTimeout != Duration(2*time.Second) ||
		cfg.CheckpointInterval != Duration(time.Second) || cfg.WitnessFailOpen {
		t.Errorf("LoadConfig = %+v", cfg)
	}
	// Paths are relative to the config file.
	if cfg.LogKeyPath() != filepath.Join(dir, "keys", "log.key") || cfg.LogPath() != filepath.Join(dir, "data", "log") {
		t.Errorf("LogKeyPath %q, LogPath %q", cfg.LogKeyPath(), cfg.LogPath())
	}

	cfg, err = LoadConfig(writeConfig(t, `{"data_dir": "/srv/parley"}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogKeyPath() != "/srv/parley/log.key" || cfg.WitnessTimeout != Duration(DefaultWitnessTimeout) || cfg.CheckpointInterval != Duration(500*time.Millisecond) {
		t.Errorf("defaults: LogKeyPath %q, %+v", cfg.LogKeyPath(), cfg)
	}
}

func TestLoadConfigLogErrors(t *testing.T) {
	key := witnessKey(t, "ua-witness")
	w := func(fields string) string { return `{"data_dir": "d", "witnesses": [` + fields + `]}` }
	ok := `{"name": "ua", "key": "` + key + `", "url": "https://w.ua.example"}`
	for _, tc := range []struct{ name, text, want string }{
		{"quorum above witnesses", `{"data_dir": "d", "witness_quorum": 1}`, "witness_quorum: 1, but there are only 0 witnesses"},
		{"negative quorum", `{"data_dir": "d", "witness_quorum": -1}`, "witness_quorum: -1 is negative"},
		{"fail open alone", `{"data_dir": "d", "witness_fail_open": true}`, "witness_fail_open: set, but there are no witnesses"},
		{"fast interval", `{"data_dir": "d", "checkpoint_interval": "50ms"}`, "checkpoint_interval: 50ms is below the minimum 100ms"},
		{"negative timeout", `{"data_dir": "d", "witness_timeout": "-1s"}`, "witness_timeout: -1s is negative"},
		{"no name", w(`{"key": "` + key + `", "url": "https://w.example"}`), "witnesses[0]: name is empty"},
		{"no key", w(`{"name": "ua", "url": "https://w.example"}`), "witnesses[0] (ua): key is empty"},
		{"bad key", w(`{"name": "ua", "key": "ua+1234", "url": "https://w.example"}`), `witnesses[0] (ua): key "ua+1234" is not a witness's verifier key`},
		{"log key as a witness key", w(`{"name": "ua", "key": "PRIVATE+KEY+x+00000000+AAAA", "url": "https://w.example"}`), "is not a witness's verifier key"},
		{"relative url", w(`{"name": "ua", "key": "` + key + `", "url": "w.ua.example"}`), `witnesses[0] (ua): url "w.ua.example" is not an absolute http(s) URL`},
		{"url with a fragment", w(`{"name": "ua", "key": "` + key + `", "url": "https://w.example/#x"}`), "has a query, a fragment or a space"},
		{"same name", w(ok + "," + strings.Replace(ok, "w.ua", "w2.ua", 1)), "witnesses[1] (ua): the name appears twice"},
		{"same url", w(ok + "," + strings.Replace(ok, `"ua"`, `"ru"`, 1)), `witnesses[1] (ru): url "https://w.ua.example" appears twice`},
		{"misspelt field", w(`{"name": "ua", "kye": "x", "url": "https://w.example"}`), `witnesses: unknown field "kye" in a witness (the fields are name, key, url)`},
		{"not a list", `{"data_dir": "d", "witnesses": {"name": "ua"}}`, "witnesses: want a JSON array"},
		{"postgres without data_dir", `{"store": "postgres", "postgres": "host=db"}`, "data_dir: required: the transparency log lives in it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadConfig(%s) = %v, want %q", tc.text, err, tc.want)
			}
		})
	}
}

// logConfig returns a config whose data dir holds a new log key.
func logConfig(t *testing.T) Config {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), CheckpointInterval: Duration(100 * time.Millisecond)}
	cfg.SetDefaults()
	skey, vkey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(cfg.LogKeyPath(), skey, vkey); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var quiet = slog.New(slog.DiscardHandler)

func TestOpenLog(t *testing.T) {
	ctx := t.Context()
	cfg := logConfig(t)

	// Never a new log unless asked.
	if _, err := OpenLog(ctx, cfg, false, quiet); !errors.Is(err, ledger.ErrNoLog) {
		t.Fatalf("OpenLog of a missing log = %v, want ledger.ErrNoLog", err)
	}
	l, err := OpenLog(ctx, cfg, true, quiet)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(cfg.LogKeyPath() + ".pub")
	if l.Origin() != "parley.test/log" || l.VerifierKey() != strings.TrimSpace(string(pub)) {
		t.Errorf("the log is %q with key %q", l.Origin(), l.VerifierKey())
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err = OpenLog(ctx, cfg, false, quiet); err != nil {
		t.Fatalf("OpenLog of the log just created: %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Another key for the same log: refused, naming the key file.
	other := cfg
	other.LogKeyFile = filepath.Join(t.TempDir(), "other.key")
	skey, vkey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(other.LogKeyFile, skey, vkey); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(ctx, other, false, quiet); !errors.Is(err, ledger.ErrMismatch) || !strings.Contains(err.Error(), other.LogKeyFile) {
		t.Errorf("OpenLog with another key = %v, want ledger.ErrMismatch naming %s", err, other.LogKeyFile)
	}

	// Missing or broken key files are named.
	missing := cfg
	missing.LogKeyFile = filepath.Join(t.TempDir(), "none.key")
	if _, err := OpenLog(ctx, missing, false, quiet); err == nil || !strings.Contains(err.Error(), missing.LogKeyFile) || !strings.Contains(err.Error(), "parley init") {
		t.Errorf("OpenLog without a key = %v", err)
	}
	if err := os.WriteFile(missing.LogKeyFile, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(ctx, missing, false, quiet); err == nil || !strings.Contains(err.Error(), missing.LogKeyFile+" holds no signed-note private key") {
		t.Errorf("OpenLog with a bad key = %v", err)
	}
	if err := os.WriteFile(missing.LogKeyFile, []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(ctx, missing, false, quiet); err == nil || !strings.Contains(err.Error(), missing.LogKeyFile+".pub") {
		t.Errorf("OpenLog without a public key = %v", err)
	}
}

func TestWriteKeyPair(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.key")
	skey, vkey, err := ledger.GenerateKey("k")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(path, skey, vkey); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v (%v), want 0600", fi.Mode(), err)
	}
	if s, v, err := ReadKeyPair(path); err != nil || s != skey || v != vkey {
		t.Errorf("ReadKeyPair = %q %q %v", s, v, err)
	}
	if err := WriteKeyPair(path, skey, vkey); err == nil || !strings.Contains(err.Error(), path+" exists") {
		t.Errorf("WriteKeyPair over a key = %v", err)
	}
}

func TestLockLog(t *testing.T) {
	cfg := Config{DataDir: filepath.Join(t.TempDir(), "data")}
	unlock, err := LockLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// flock excludes another open of the file in the same process too,
	// as it would another process.
	if _, err := LockLog(cfg); err == nil || !strings.Contains(err.Error(), "in use by another parley process") {
		t.Errorf("a second LockLog = %v, want a refusal", err)
	}
	unlock()
	unlock, err = LockLog(cfg)
	if err != nil {
		t.Fatalf("LockLog after unlock: %v", err)
	}
	unlock()
}

// TestServeLog serves a service with a log: /log/ is mounted, and Serve,
// when it stops, closes the service and then the log.
func TestServeLog(t *testing.T) {
	ctx := t.Context()
	cfg := logConfig(t)
	cfg.Addr = "127.0.0.1:0"
	l, err := OpenLog(ctx, cfg, true, quiet)
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(ctx, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := testkit.NewService(st, time.Now, quiet)
	if err := svc.AttachLog(ctx, l); err != nil {
		t.Fatal(err)
	}
	token := operatorToken(t, svc)
	s := newServer(cfg, svc, l, quiet, http.NotFoundHandler(), http.NotFoundHandler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(sctx, ln) }()
	base := "http://" + ln.Addr().String()

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"/log/checkpoint")
		cp, _, err := ledger.VerifyCheckpoint([]byte(body), l.VerifierKey(), nil)
		if code == http.StatusOK && err == nil && cp.Size == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /log/checkpoint = %d %q (%v)", code, body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := get(t, base+"/log/tile/0/000.p/1"); code != http.StatusOK {
		t.Errorf("GET /log/tile/0/000.p/1 = %d", code)
	}
	if code, _ := get(t, base+"/log/.state/treeState"); code != http.StatusNotFound {
		t.Errorf("GET /log/.state/treeState = %d, want 404", code)
	}
	if code, body := testkit.Fetch(t, http.MethodGet, base+"/metrics", token, nil); code != http.StatusOK || !strings.Contains(body, `route="GET /log/checkpoint"`) {
		t.Errorf("the log's requests are not in the metrics under their route")
	}

	stop()
	if err := <-errc; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	// The service takes no more writes, and the log is closed: this
	// process may open it again.
	if err := svc.Bootstrap(ctx, &talks.Party{ID: "ua", Name: "Ukraine", Role: access.ProcessParty}); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("a write after Serve returned = %v, want a refusal", err)
	}
	l2, err := OpenLog(ctx, cfg, false, quiet)
	if err != nil {
		t.Fatalf("OpenLog after Serve returned: %v", err)
	}
	if n, err := l2.PublishedSize(ctx); err != nil || n != 1 {
		t.Errorf("published size after the shutdown = %d, %v; want 1", n, err)
	}
	l2.Close(ctx)
}
