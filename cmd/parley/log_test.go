package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
)

// printed returns the value after "label:" in a command's output.
func printed(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in the output:\n%s", label, out)
	}
	return m[1]
}

// post POSTs a JSON body to url with token.
func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	return testkit.Fetch(t, http.MethodPost, url, token, strings.NewReader(body))
}

// waitProof fetches a record's proof, retrying while the API answers 503:
// the record is stored, but no published checkpoint covers it yet.
func waitProof(t *testing.T, url, token string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := fetch(t, url, token)
		if code == http.StatusOK {
			return body
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("GET %s = %d %s", url, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// install runs init into dir/data and returns the config's path and the
// log's verifier key as init printed it.
func install(t *testing.T, dir string) (config, logKey string) {
	t.Helper()
	config = filepath.Join(dir, "parley.json")
	t.Setenv(adminPasswordEnv, "correct horse battery")
	code, stdout, stderr := parley(t, "init", "--config", config, "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0",
		"--party-id", "us", "--party-name", "United States", "--admin", "admin", "--log-origin", "parley.test/log")
	if code != exitOK {
		t.Fatalf("init = %d\n%s%s", code, stdout, stderr)
	}
	return config, printed(t, stdout, "verifier key")
}

func newToken(t *testing.T, config, login string) string {
	t.Helper()
	code, stdout, stderr := parley(t, "tokens", "new", "--config", config, "--login", login)
	if code != exitOK {
		t.Fatalf("tokens new = %d %s", code, stderr)
	}
	return strings.TrimSpace(stdout)
}

// newRound writes a round through the API and returns its record's id.
func newRound(t *testing.T, base, token, name string) string {
	t.Helper()
	code, body := post(t, base+"api/v1/rounds", token,
		`{"name": "`+name+`", "place": "Geneva", "starts_on": "2026-03-02", "status": "planned"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/v1/rounds = %d %s", code, body)
	}
	var w struct {
		Receipt struct {
			RecordID string `json:"record_id"`
		} `json:"receipt"`
	}
	if err := json.Unmarshal([]byte(body), &w); err != nil || w.Receipt.RecordID == "" {
		t.Fatalf("POST /api/v1/rounds answered %s (%v)", body, err)
	}
	return w.Receipt.RecordID
}

func TestInitLogKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(adminPasswordEnv, "correct horse battery")
	args := func(config, data string, more ...string) []string {
		return append([]string{"init", "--config", filepath.Join(dir, config), "--data", filepath.Join(dir, data),
			"--party-id", "us", "--party-name", "United States", "--admin", "admin"}, more...)
	}

	// A bad origin is refused before anything is made.
	code, _, stderr := parley(t, args("a.json", "a", "--log-origin", "my log")...)
	if code != exitUsage || !strings.Contains(stderr, `--log-origin: "my log" cannot name a key`) {
		t.Errorf("init with a bad origin = %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("init with a bad origin made its data dir (%v)", err)
	}

	// The default: a new key in the data dir, named after the host, for
	// the owner's eyes only.
	code, stdout, stderr := parley(t, args("a.json", "a")...)
	if code != exitOK {
		t.Fatalf("init = %d %s%s", code, stdout, stderr)
	}
	host, _ := os.Hostname()
	if vkey := printed(t, stdout, "verifier key"); !strings.HasPrefix(vkey, host+"/parley+") {
		t.Errorf("the default origin: verifier key %q", vkey)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "log.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("data/log.key: %v (%v), want mode 0600", fi.Mode(), err)
	}

	// A key made beforehand: init signs with it, and the config says where.
	key := filepath.Join(dir, "keys", "log.key")
	if err := os.Mkdir(filepath.Dir(key), 0o700); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = parley(t, "keys", "generate", "--name", "parley.example/log", "--out", key)
	if code != exitOK {
		t.Fatalf("keys generate = %d %s", code, stderr)
	}
	pub, _ := os.ReadFile(key + ".pub")
	code, stdout, stderr = parley(t, args("b.json", "b", "--log-key-file", key)...)
	if code != exitOK || printed(t, stdout, "verifier key") != strings.TrimSpace(string(pub)) {
		t.Fatalf("init --log-key-file = %d %s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "b", "log.key")); !os.IsNotExist(err) {
		t.Errorf("init --log-key-file also made a key in the data dir (%v)", err)
	}
	cfg, err := server.LoadConfig(filepath.Join(dir, "b.json"))
	if err != nil || cfg.LogKeyFile != key {
		t.Errorf("the config's log_key_file = %q (%v), want %q", cfg.LogKeyFile, err, key)
	}
	srv := start(t, "serve", "--config", filepath.Join(dir, "b.json"))
	base := srv.url(t)
	if _, body := fetch(t, base+"log/checkpoint", ""); !strings.HasPrefix(body, "parley.example/log\n") {
		t.Errorf("GET /log/checkpoint = %q", body)
	}
	if code := srv.stop(t); code != exitOK {
		t.Errorf("serve exited %d\n%s", code, srv.err)
	}

	// The log of one key is not served with another.
	editConfig(t, filepath.Join(dir, "b.json"), func(c map[string]any) { c["log_key_file"] = filepath.Join(dir, "a", "log.key") })
	code, _, stderr = parley(t, "serve", "--config", filepath.Join(dir, "b.json"))
	if code != exitError || !strings.Contains(stderr, "does not match") || !strings.Contains(stderr, filepath.Join(dir, "a", "log.key")) {
		t.Errorf("serve with another log's key = %d %q", code, stderr)
	}
}

func TestKeysGenerate(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ua-witness.key")
	code, stdout, stderr := parley(t, "keys", "generate", "--name", "ua-witness", "--out", out)
	if code != exitOK {
		t.Fatalf("keys generate = %d %s%s", code, stdout, stderr)
	}
	vkey, cosig := printed(t, stdout, "verifier key"), printed(t, stdout, "cosignature key")
	if !strings.HasPrefix(vkey, "ua-witness+") || !strings.HasPrefix(cosig, "ua-witness+") || vkey == cosig {
		t.Errorf("keys generate printed %q and %q", vkey, cosig)
	}
	if want, err := ledger.CosignatureVKey(vkey); err != nil || want != cosig {
		t.Errorf("cosignature key %q, want %q (%v)", cosig, want, err)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v, want mode 0600", fi.Mode(), err)
	}
	pub, err := os.ReadFile(out + ".pub")
	if err != nil || strings.TrimSpace(string(pub)) != vkey {
		t.Errorf("%s.pub = %q (%v), want %q", out, pub, err, vkey)
	}
	skey, derived, err := readSigningKey(out)
	if err != nil || derived != vkey || !strings.HasPrefix(skey, "PRIVATE+KEY+ua-witness+") {
		t.Errorf("readSigningKey = %q, %v; want the verifier key %q", derived, err, vkey)
	}
	// The pair signs and verifies.
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: "hello\n"}, signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(verifier)); err != nil {
		t.Errorf("the generated key pair does not verify: %v", err)
	}

	// Never over an existing key, private or public.
	code, _, stderr = parley(t, "keys", "generate", "--name", "other", "--out", out)
	if code != exitError || !strings.Contains(stderr, out+" exists") {
		t.Errorf("keys generate over a key = %d %q", code, stderr)
	}
	if again, _ := os.ReadFile(out + ".pub"); !bytes.Equal(again, pub) {
		t.Error("keys generate changed an existing key")
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = parley(t, "keys", "generate", "--name", "other", "--out", out)
	if code != exitError || !strings.Contains(stderr, out+".pub exists") {
		t.Errorf("keys generate over a public key = %d %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused keys generate left %s behind", out)
	}
	for _, tc := range []struct{ args, want string }{
		{"--out " + out, "--name is required"},
		{"--name x", "--out is required"},
		{"--name a+b --out " + filepath.Join(dir, "k"), "--name:"},
	} {
		code, _, stderr := parley(t, append([]string{"keys", "generate"}, strings.Fields(tc.args)...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("keys generate %s = %d %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

// checkDemoLog checks the demo's log from what the demo printed: the
// served checkpoint, cosigned by both parties' witnesses, and the printed
// 'parley verify' command, run as printed.
func checkDemoLog(t *testing.T, out string) {
	t.Helper()
	logKey := printed(t, out, "log key")
	ws := regexp.MustCompile(`(?m)^  ([a-z]+-witness)\s+(http://\S+)\s+(\S+)$`).FindAllStringSubmatch(out, -1)
	if len(ws) != 2 || ws[0][1] != "ua-witness" || ws[1][1] != "ru-witness" {
		t.Fatalf("the demo printed witnesses %q, want ua-witness and ru-witness:\n%s", ws, out)
	}
	keys := []string{ws[0][3], ws[1][3]}
	base := urlPattern.FindString(out)

	// The log's first checkpoint is made before the witnesses are
	// consulted; the scenario's records are published only once both
	// cosign.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := fetch(t, base+"log/checkpoint", "")
		cp, cosigned, err := ledger.VerifyCheckpoint([]byte(body), logKey, keys)
		if code == http.StatusOK && err == nil && len(cosigned) == 2 && cp.Size > 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /log/checkpoint = %d, cosigned by %d of 2 (%v):\n%s", code, len(cosigned), err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	m := regexp.MustCompile(`curl -s (\S+) > proof.json\n\s+go run ./cmd/parley (verify .*)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no verify example in the demo's output:\n%s", out)
	}
	proof := filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(proof, []byte(waitProof(t, m[1], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, a := range strings.Fields(m[2]) {
		a = strings.Trim(a, "'")
		if a == "proof.json" {
			a = proof
		}
		args = append(args, a)
	}
	code, stdout, stderr := parley(t, args...)
	if code != exitOK {
		t.Fatalf("the demo's verify command = %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"ok   cosigned by ua-witness", "ok   cosigned by ru-witness", "ok   inclusion", "ok   consistency", "ok   inclusion in latest"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the demo's verify command printed no %q:\n%s", want, stdout)
		}
	}
}

// TestEndToEnd installs parley with one party's witness run by 'parley
// witness', writes a record through the API, fetches its proof, and checks
// the proof twice: with golang.org/x/mod/sumdb (note and tlog) alone,
// against the checkpoint and tiles served over HTTP, and with 'parley
// verify'.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	config, logKey := install(t, dir)

	wkey := filepath.Join(dir, "ua-witness.key")
	code, stdout, stderr := parley(t, "keys", "generate", "--name", "ua-witness", "--out", wkey)
	if code != exitOK {
		t.Fatalf("keys generate = %d %s", code, stderr)
	}
	cosig := printed(t, stdout, "cosignature key")
	w := start(t, "witness", "--key", wkey, "--log-key", filepath.Join(dir, "data", "log.key.pub"),
		"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "witness"))
	m := w.waitFor(t, regexp.MustCompile(`ua-witness serving on (http://\S+)\n`))
	if got := printed(t, w.out.String(), "cosignature key"); got != cosig {
		t.Errorf("the witness printed cosignature key %q, keys generate %q", got, cosig)
	}
	// The operator pastes the entry the witness printed into the config.
	entry := regexp.MustCompile(`(?m)^  (\{"name".*\})$`).FindStringSubmatch(w.out.String())
	if entry == nil {
		t.Fatalf("the witness printed no config entry:\n%s", w.out)
	}
	var ws server.Witness
	if err := json.Unmarshal([]byte(entry[1]), &ws); err != nil || ws.URL != m[1] || ws.Key != cosig {
		t.Fatalf("the witness's config entry %s (%v)", entry[1], err)
	}
	editConfig(t, config, func(c map[string]any) { c["witnesses"] = []any{ws} })

	token := newToken(t, config, "admin")
	srv := start(t, "serve", "--config", config)
	base := srv.url(t)
	id := newRound(t, base, token, "Geneva round")
	proofJSON := waitProof(t, base+"api/v1/records/"+id+"/proof", token)

	var p struct {
		RecordID   string `json:"record_id"`
		Kind       string `json:"kind"`
		Canonical  []byte `json:"canonical"`
		Salt       []byte `json:"salt"`
		Leaf       string `json:"leaf"`
		LeafIndex  int64  `json:"leaf_index"`
		Checkpoint string `json:"checkpoint"`
	}
	if err := json.Unmarshal([]byte(proofJSON), &p); err != nil || p.RecordID != id {
		t.Fatalf("proof %s (%v)", proofJSON, err)
	}
	// The leaf, from the record's bytes, as the README specifies it.
	sum := sha256.Sum256(append(append([]byte("parley-record/v1\n"), p.Salt...), p.Canonical...))
	leaf := "parley/v2 " + base64.StdEncoding.EncodeToString(sum[:])
	if p.Leaf != leaf || !bytes.Contains(p.Canonical, []byte(`"Geneva round"`)) {
		t.Fatalf("the proof's leaf %q, want %q from its bytes %s", p.Leaf, leaf, p.Canonical)
	}
	checkWithSumdb(t, base, logKey, []byte(leaf), p.LeafIndex)

	proofFile := filepath.Join(dir, "proof.json")
	if err := os.WriteFile(proofFile, []byte(proofJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	// Flags around the file, and keys given as files or as keys.
	code, stdout, stderr = parley(t, "verify", "--log-key", filepath.Join(dir, "data", "log.key.pub"), proofFile,
		"--witness-key", cosig, "--log", base)
	if code != exitOK {
		t.Fatalf("parley verify = %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"ok   commitment", "ok   leaf", "ok   checkpoint", "ok   cosigned by ua-witness",
		"ok   inclusion", "ok   latest checkpoint", "ok   consistency", "ok   inclusion in latest", "record " + id} {
		if !strings.Contains(stdout, want) {
			t.Errorf("parley verify printed no %q:\n%s", want, stdout)
		}
	}

	// Another record later: the old proof still holds against the grown log.
	newRound(t, base, token, "Geneva round, second sitting")
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := fetch(t, base+"log/checkpoint", "")
		cp, _, err := ledger.VerifyCheckpoint([]byte(body), logKey, nil)
		if err == nil && cp.Size > uint64(p.LeafIndex)+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log did not grow: %s %v", body, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, stdout, _ = parley(t, "verify", proofFile, "--log-key", logKey, "--witness-key", cosig, "--log", base)
	if code != exitOK || !strings.Contains(stdout, "ok   consistency: the tree of") {
		t.Errorf("parley verify against the grown log = %d\n%s", code, stdout)
	}

	// One altered byte of the record: verify names the broken link.
	var doc map[string]any
	if err := json.Unmarshal([]byte(proofJSON), &doc); err != nil {
		t.Fatal(err)
	}
	doc["canonical"] = base64.StdEncoding.EncodeToString(bytes.Replace(p.Canonical, []byte("Geneva round"), []byte("Geneva rounD"), 1))
	tampered, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(badFile, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = parley(t, "verify", badFile, "--log-key", logKey, "--witness-key", cosig, "--log", base)
	if code != exitError || !strings.Contains(stdout, "FAIL commitment: ") || !strings.Contains(stderr, "commitment failed") {
		t.Errorf("parley verify of a tampered proof = %d\n%s%s", code, stdout, stderr)
	}
	// A witness that never cosigned fails its own check.
	_, other, err := ledger.GenerateKey("ru-witness")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = parley(t, "verify", proofFile, "--log-key", logKey, "--witness-key", cosig, "--witness-key", other)
	if code != exitError || !strings.Contains(stdout, "FAIL cosigned by ru-witness") || !strings.Contains(stderr, "cosigned by ru-witness failed") {
		t.Errorf("parley verify with a witness that did not cosign = %d\n%s%s", code, stdout, stderr)
	}

	// A write's receipt, checked against the served log alone.
	receipt := func(commitment []byte) string {
		f := filepath.Join(t.TempDir(), "receipt.json")
		b, _ := json.Marshal(map[string]any{"receipt": map[string]any{"record_id": id, "kind": p.Kind,
			"commitment": hex.EncodeToString(commitment), "leaf_index": p.LeafIndex}})
		os.WriteFile(f, b, 0o600)
		return f
	}
	code, stdout, stderr = parley(t, "verify", receipt(sum[:]), "--log-key", logKey, "--witness-key", cosig, "--log", base)
	if code != exitOK || !strings.Contains(stdout, "ok   inclusion in latest") {
		t.Errorf("parley verify of a receipt = %d\n%s%s", code, stdout, stderr)
	}
	forged := sha256.Sum256([]byte("another record"))
	code, stdout, _ = parley(t, "verify", receipt(forged[:]), "--log-key", logKey, "--log", base)
	if code != exitError || !strings.Contains(stdout, "FAIL inclusion in latest") {
		t.Errorf("parley verify of a forged receipt = %d\n%s", code, stdout)
	}
	if code, _, stderr := parley(t, "verify", receipt(sum[:]), "--log-key", logKey); code != exitUsage || !strings.Contains(stderr, "--log URL") {
		t.Errorf("parley verify of a receipt without --log = %d %s", code, stderr)
	}
	// An item of a batch has no entry of its own: its receipt sends the
	// reader to its proof.
	item := filepath.Join(t.TempDir(), "item.json")
	b, _ := json.Marshal(map[string]any{"receipt": map[string]any{"record_id": id, "kind": p.Kind,
		"commitment": hex.EncodeToString(sum[:]), "leaf_index": p.LeafIndex, "batch": "some-batch"}})
	os.WriteFile(item, b, 0o600)
	if code, _, stderr := parley(t, "verify", item, "--log-key", logKey, "--log", base); code != exitError || !strings.Contains(stderr, "an item of batch some-batch") || !strings.Contains(stderr, "/proof") {
		t.Errorf("parley verify of an item's receipt = %d %s", code, stderr)
	}

	if code := srv.stop(t); code != exitOK {
		t.Errorf("serve exited %d\n%s", code, srv.err)
	}
	if code := w.stop(t); code != exitOK {
		t.Errorf("witness exited %d\n%s", code, w.err)
	}
}

// editConfig rewrites the config file as edit changes it.
func editConfig(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	if b, err = json.MarshalIndent(c, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkWithSumdb checks that leaf is entry index of the log served at base,
// with golang.org/x/mod/sumdb alone: note verifies the checkpoint with the
// log's key, and tlog proves the entry from the hash tiles fetched over
// HTTP (testkit.Tiles, whose paths are written from the tlog-tiles spec,
// not taken from tessera), authenticating each against the checkpoint's
// root.
func checkWithSumdb(t *testing.T, base, logKey string, leaf []byte, index int64) {
	t.Helper()
	code, body := fetch(t, base+"log/checkpoint", "")
	if code != http.StatusOK {
		t.Fatalf("GET /log/checkpoint = %d", code)
	}
	v, err := note.NewVerifier(logKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(body), note.VerifierList(v))
	if err != nil {
		t.Fatalf("the checkpoint does not verify with the log key: %v\n%s", err, body)
	}
	// C2SP tlog-checkpoint: origin, size, base64 root hash.
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != v.Name() {
		t.Fatalf("checkpoint text %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size <= index {
		t.Fatalf("checkpoint size %q does not cover entry %d", lines[1], index)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		t.Fatalf("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, testkit.Tiles{URL: base + "log/"})
	p, err := tlog.ProveRecord(size, index, reader)
	if err != nil {
		t.Fatalf("tlog.ProveRecord(%d, %d): %v", size, index, err)
	}
	if err := tlog.CheckRecord(p, size, root, index, tlog.RecordHash(leaf)); err != nil {
		t.Fatalf("tlog.CheckRecord: %v", err)
	}
	if err := tlog.CheckRecord(p, size, root, index, tlog.RecordHash(append(leaf, '!'))); err == nil {
		t.Fatal("tlog.CheckRecord accepted another leaf")
	}
}

// TestAudit writes records through serve, audits the stopped
// installation, then alters the database behind parley's back, as someone
// with access to the file could, and audits again.
func TestAudit(t *testing.T) {
	dir := t.TempDir()
	config, _ := install(t, dir)
	token := newToken(t, config, "admin")
	srv := start(t, "serve", "--config", config)
	base := srv.url(t)
	changed := newRound(t, base, token, "Geneva round")
	removed := newRound(t, base, token, "Istanbul round")
	newRound(t, base, token, "Riyadh round")
	if code := srv.stop(t); code != exitOK {
		t.Fatalf("serve exited %d\n%s", code, srv.err)
	}

	code, stdout, stderr := parley(t, "audit", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "4 records (0 in batches), 4 log entries") || !strings.Contains(stdout, "no problems found") {
		t.Fatalf("audit of an untouched installation = %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = parley(t, "audit", "--config", config, "--json")
	var rep struct {
		Records  int   `json:"records"`
		Leaves   int   `json:"leaves"`
		Findings []any `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); code != exitOK || err != nil || rep.Records != 4 || rep.Leaves != 4 || rep.Findings == nil || len(rep.Findings) != 0 {
		t.Errorf("audit --json = %d %s (%v)", code, stdout, err)
	}

	// The triggers keep parley itself from changing or removing a
	// record; someone with the file can drop them.
	db, err := sql.Open("sqlite", filepath.Join(dir, "data", server.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var canonical []byte
	if err := db.QueryRow(`SELECT canonical FROM records WHERE id = ?`, changed).Scan(&canonical); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []struct {
		q    string
		args []any
	}{
		{`DROP TRIGGER records_no_update`, nil},
		{`UPDATE records SET canonical = ? WHERE id = ?`, []any{bytes.Replace(canonical, []byte("Geneva"), []byte("Genevb"), 1), changed}},
		{`DROP TRIGGER records_no_delete`, nil},
		{`DELETE FROM records WHERE id = ?`, []any{removed}},
	} {
		if _, err := db.Exec(stmt.q, stmt.args...); err != nil {
			t.Fatalf("%s: %v", stmt.q, err)
		}
	}
	db.Close()

	code, stdout, stderr = parley(t, "audit", "--config", config)
	if code != exitError || !strings.Contains(stderr, "the audit found") {
		t.Fatalf("audit of an altered installation = %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`record ` + changed + `: its commitment does not match`),
		// The removed record's entry in the log has no record any more.
		regexp.MustCompile(`leaf 2: no record in the store has this position`),
		regexp.MustCompile(`projection talks.round/\S+: no record made it`),
		// And the triggers dropped to do it.
		regexp.MustCompile(`guard records_no_update: the trigger is missing`),
		regexp.MustCompile(`guard records_no_delete: the trigger is missing`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("audit output lacks %v:\n%s", want, stdout)
		}
	}
}

func TestVerifyUsage(t *testing.T) {
	dir := t.TempDir()
	_, vkey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"verify", "--log-key", vkey}, exitUsage, "the proof FILE is required"},
		{[]string{"verify", "a.json", "b.json", "--log-key", vkey}, exitUsage, `unexpected argument "b.json"`},
		{[]string{"verify", "a.json"}, exitUsage, "--log-key is required"},
		{[]string{"verify", "a.json", "--log-key", "nonsense"}, exitUsage, `--log-key: "nonsense" is neither a verifier key`},
		{[]string{"verify", "a.json", "--log-key", vkey, "--log", "ftp://x"}, exitUsage, `--log: "ftp://x" is not an http(s) URL`},
		{[]string{"verify", filepath.Join(dir, "none.json"), "--log-key", vkey}, exitError, "couldn't read the proof"},
		{[]string{"witness", "--key", "k", "--data", dir}, exitUsage, "--log-key is required"},
		{[]string{"witness", "--key", filepath.Join(dir, "none.key"), "--log-key", vkey, "--data", dir}, exitError, "couldn't read the private key"},
	} {
		code, _, stderr := parley(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("parley %q = %d %q, want %d and %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"hello": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := parley(t, "verify", filepath.Join(dir, "x.json"), "--log-key", vkey)
	if code != exitError || !strings.Contains(stderr, "is neither a proof nor a receipt") {
		t.Errorf("verify of a non-proof = %d %q", code, stderr)
	}
}

func TestKlogRepeats(t *testing.T) {
	var p repeats
	t0 := time.Now()
	rec := func(msg string, after time.Duration) slog.Record {
		return slog.NewRecord(t0.Add(after), slog.LevelInfo, msg, 0)
	}
	for _, tc := range []struct {
		msg      string
		after    time.Duration
		repeated int
		drop     bool
	}{
		{"witness down", 0, 0, false},
		{"witness down", 500 * time.Millisecond, 0, true},
		{"witness down", time.Second, 0, true},
		{"witness down", klogRepeatWindow + time.Second, 2, false},
		{"witness down", klogRepeatWindow + 2*time.Second, 0, true},
		{"witness back", klogRepeatWindow + 3*time.Second, 1, false},
		{"witness back", klogRepeatWindow + 4*time.Second, 0, true},
		{"witness down", klogRepeatWindow + 5*time.Second, 1, false},
	} {
		repeated, drop := p.see(rec(tc.msg, tc.after))
		if repeated != tc.repeated || drop != tc.drop {
			t.Errorf("%q after %v: repeated %d, drop %v; want %d, %v", tc.msg, tc.after, repeated, drop, tc.repeated, tc.drop)
		}
	}
}
