package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/load"
)

// TestLoad runs 'parley load' against 'parley serve' of a new installation
// with one party's witness (run by 'parley witness'), then 'parley load
// --check' on what it acknowledged; then checks that --check fails for a
// record that is not there and for a receipt that names another record.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	config, logKey := install(t, dir)
	wkey := filepath.Join(dir, "ua-witness.key")
	if code, _, stderr := parley(t, "keys", "generate", "--name", "ua-witness", "--out", wkey); code != exitOK {
		t.Fatalf("keys generate = %d %s", code, stderr)
	}
	w := start(t, "witness", "--key", wkey, "--log-key", logKey, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "witness"))
	w.waitFor(t, regexp.MustCompile(`serving on http://\S+\n`))
	entry := regexp.MustCompile(`(?m)^  (\{"name".*\})$`).FindStringSubmatch(w.out.String())
	if entry == nil {
		t.Fatalf("the witness printed no config entry:\n%s", w.out)
	}
	var ws map[string]any
	if err := json.Unmarshal([]byte(entry[1]), &ws); err != nil {
		t.Fatal(err)
	}
	editConfig(t, config, func(c map[string]any) { c["witnesses"] = []any{ws} })
	cosig := ws["key"].(string)

	token := newToken(t, config, "admin")
	srv := start(t, "serve", "--config", config)
	base := srv.url(t)

	acked := filepath.Join(dir, "acked.jsonl")
	// A goal of writes rather than a time, so that the test does not
	// depend on the machine's speed; the duration only bounds it.
	const goal = 30
	code, stdout, stderr := parley(t, "load", "--url", base, "--token", token, "--metrics-token", token,
		"--writers", "3", "--readers", "2", "--writes", strconv.Itoa(goal), "--duration", "2m", "--interval", "200ms",
		"--log-key", logKey, "--acked", acked)
	if code != exitOK {
		t.Fatalf("parley load = %d\n%s%s", code, stdout, stderr)
	}
	// Every writer stops at the goal, but those in flight then still
	// finish: at least the goal, at most a write more per writer.
	m := regexp.MustCompile(`(?m)^  acknowledged\s+(\d+) acknowledged writes$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("parley load printed no count of acknowledged writes:\n%s", stdout)
	}
	n, _ := strconv.Atoi(m[1])
	if n < goal || n > goal+3 {
		t.Errorf("parley load acknowledged %d writes, want %d to %d:\n%s", n, goal, goal+3, stdout)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  errors\s+none$`),
		regexp.MustCompile(`(?m)^  writes\s+\d+ ok`),
		regexp.MustCompile(`(?m)^  published\s+` + m[1] + ` of ` + m[1] + ` acknowledged records seen in a published checkpoint`),
		regexp.MustCompile(`(?m)^  server\s+rss before \d+\.\dMiB`),
		regexp.MustCompile(`(?m)^  log\s+\d+ published entries at the end; [1-9]\d* checkpoints seen, each signed by the log's key and consistent`),
		regexp.MustCompile(`(?m)^\s+elapsed\s+writes/s\s+w-p50`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("parley load's report lacks %v:\n%s", want, stdout)
		}
	}
	recs := readAckedFile(t, acked)
	if len(recs) != n {
		t.Fatalf("%s lists %d records, the report says %d acknowledged", acked, len(recs), n)
	}
	// Each line is a receipt that 'parley verify' checks against the log.
	line := filepath.Join(dir, "one.json")
	if b, err := json.Marshal(recs[0]); err != nil || os.WriteFile(line, b, 0o600) != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := parley(t, "verify", line, "--log-key", logKey, "--witness-key", cosig, "--log", base); code != exitOK {
		t.Errorf("parley verify of a line of %s = %d\n%s%s", acked, code, stdout, stderr)
	}

	check := func(files ...string) (int, string, string) {
		args := []string{"load", "--url", base, "--token", token, "--log-key", logKey, "--witness-key", cosig}
		for _, f := range files {
			args = append(args, "--check", f)
		}
		return parley(t, args...)
	}
	code, stdout, stderr = check(acked)
	if code != exitOK || !strings.Contains(stdout, "ok   all "+m[1]+" records are there") || !strings.Contains(stdout, "ok   the latest checkpoint") {
		t.Fatalf("parley load --check = %d\n%s%s", code, stdout, stderr)
	}

	// A record that was never written, and one whose receipt names another
	// commitment: each fails, by name, and the check exits 1.
	missing, altered := recs[1], recs[2]
	missing.Receipt.RecordID = "0192d3f0-0000-7000-8000-000000000000"
	altered.Receipt.Commitment = strings.Repeat("0", 64)
	bad := filepath.Join(dir, "bad.jsonl")
	writeAckedFile(t, bad, recs[0], missing, altered)
	code, stdout, stderr = check(bad)
	if code != exitError || !strings.Contains(stderr, "the check failed: 2 of 3 records") {
		t.Errorf("parley load --check of a bad file = %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"record " + missing.Receipt.RecordID + ": not found",
		"record " + altered.Receipt.RecordID + ": the proof's commitment",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("parley load --check of a bad file does not say %q:\n%s", want, stdout)
		}
	}

	// Refused before anything is written.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--url", "http://192.0.2.1:8080/", "--token", token, "--acked", filepath.Join(dir, "x")}, exitUsage, "is not a loopback address"},
		{[]string{"--url", base, "--acked", filepath.Join(dir, "x")}, exitUsage, "--token (or $PARLEY_TOKEN) is required"},
		{[]string{"--url", base, "--token", token}, exitUsage, "--acked FILE is required"},
		{[]string{"--url", base, "--token", token, "--acked", acked}, exitError, acked + " exists"},
		{[]string{"--url", base, "--token", "nonsense", "--acked", filepath.Join(dir, "y")}, exitError, "the server refused token 1 of 1"},
		{[]string{"--url", base, "--token", token, "--check", acked}, exitUsage, "--log-key is required"},
	} {
		code, _, stderr := parley(t, append([]string{"load"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("parley load %q = %d %q, want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}

	if code := srv.stop(t); code != exitOK {
		t.Errorf("serve exited %d\n%s", code, srv.err)
	}
	// The installation the load wrote to audits clean.
	if code, stdout, stderr := parley(t, "audit", "--config", config); code != exitOK || !strings.Contains(stdout, "no problems found") {
		t.Errorf("audit after the load = %d\n%s%s", code, stdout, stderr)
	}
}

func readAckedFile(t *testing.T, path string) []load.Acked {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []load.Acked
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a load.Acked
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Receipt.RecordID == "" || a.Receipt.LeafIndex == nil {
			t.Fatalf("%s: line %q (%v)", path, sc.Text(), err)
		}
		recs = append(recs, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeAckedFile(t *testing.T, path string, recs ...load.Acked) {
	t.Helper()
	var b strings.Builder
	for _, a := range recs {
		line, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
