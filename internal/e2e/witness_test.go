package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// witnessProc is a party's witness run with parley witness.
type witnessProc struct {
	dir, key, logKey string
	addr             string // where it listens: chosen by the system at the first start, kept after
	runs             int
	proc             *server
}

// witnessServing is what parley witness prints once it listens.
var witnessServing = regexp.MustCompile(`serving on http://(\S+)\n`)

// start runs parley witness: on a port the system chooses the first time,
// on the same address again after.
func (w *witnessProc) start(t *testing.T) {
	t.Helper()
	w.runs++
	addr := w.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	w.proc = start(t, w.dir, fmt.Sprintf("witness%d", w.runs), "witness", "--key", w.key, "--log-key", w.logKey,
		"--addr", addr, "--data", filepath.Join(w.dir, "witness-data"))
	w.addr = w.proc.awaitOutput(t, witnessServing, 30*time.Second)[1]
}

// page fetches a web page anonymously.
func (in *installation) page(path string) (int, string, error) {
	resp, err := client.Get(in.base + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// proof fetches a record's proof and writes it to a file for parley verify.
func (in *installation) proof(id string) (int, string, error) {
	code, b, err := in.request(http.MethodGet, "/api/v1/records/"+id+"/proof", nil)
	if err != nil || code != http.StatusOK {
		return code, "", err
	}
	file := filepath.Join(in.dir, "proof-"+id+".json")
	return code, file, os.WriteFile(file, b, 0o600)
}

// awaitProof polls a record's proof until it is served.
func (in *installation) awaitProof(t *testing.T, id string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, file, err := in.proof(id)
		if err == nil && code == http.StatusOK {
			return file
		}
		if code != http.StatusServiceUnavailable && err == nil {
			t.Fatalf("GET the proof of %s: %d", id, code)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the proof of %s is not served within %v (last: %d %v)", id, timeout, code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWitnessDown runs an installation whose one witness (a parley witness
// subprocess) must cosign every checkpoint, kills the witness, and checks
// that writes go on with their log positions, that proofs wait and the
// transparency page shows the witness behind, and that once the witness is
// back (same key, data and address) publication resumes.
func TestWitnessDown(t *testing.T) {
	parleyBinary(t)
	dir := t.TempDir()
	w := &witnessProc{dir: dir, key: filepath.Join(dir, "ua.key")}
	out := mustParley(t, nil, "keys", "generate", "--name", "ua-witness", "--out", w.key)
	m := regexp.MustCompile(`(?m)^cosignature key:\s*(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("parley keys generate printed no cosignature key:\n%s", out)
	}
	cosigKey := m[1]
	in := newInstallation(t)
	vkey := in.logVKey(t)
	w.logKey = filepath.Join(in.data, "log.key.pub")
	w.start(t)
	in.edit(t, func(cfg map[string]any) {
		cfg["witnesses"] = []map[string]string{{"name": "ua-witness", "key": cosigKey, "url": "http://" + w.addr}}
		cfg["witness_timeout"] = "1s"
		cfg["checkpoint_interval"] = "200ms"
	})
	srv := in.serve(t, "serve")

	verify := func(file string) {
		t.Helper()
		res := parley(t, nil, "verify", file, "--log-key", vkey, "--witness-key", cosigKey, "--log", in.base)
		if res.code != 0 {
			t.Errorf("parley verify %s: exit %d\n%s%s", file, res.code, res.stdout, res.stderr)
		}
	}
	write := func(title string) receipt {
		t.Helper()
		a, _, err := in.createAspect(title)
		if err != nil {
			t.Fatal(err)
		}
		if a.Receipt.LeafIndex == nil {
			t.Fatalf("receipt without a log position: %+v", a.Receipt)
		}
		return a.Receipt
	}

	var before []receipt
	for i := range 5 {
		before = append(before, write(fmt.Sprint("Witnessed aspect ", i)))
	}
	verify(in.awaitProof(t, before[4].RecordID, 30*time.Second))

	// The witness dies. Writes go on, with their log positions; their
	// proofs wait.
	w.proc.kill()
	killed := time.Now()
	var during []receipt
	for i := range 20 {
		during = append(during, write(fmt.Sprint("Unwitnessed aspect ", i)))
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body, err := in.page("/transparency")
		if err == nil && code == http.StatusOK && strings.Contains(body, `class="failed"`) && strings.Contains(body, "ua-witness is behind") {
			if !strings.Contains(body, "awaiting publication") {
				t.Errorf("the transparency page does not say entries await publication")
			}
			t.Logf("%v after the kill, /transparency shows ua-witness behind", time.Since(killed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the transparency page does not show the witness behind within 20s: %d %v\n%.3000s", code, err, pageMain(body))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, rc := range during[:3] {
		if code, _, err := in.proof(rc.RecordID); err != nil || code != http.StatusServiceUnavailable {
			t.Errorf("the proof of %s while the witness is down: %d %v, want 503", rc.RecordID, code, err)
		}
	}
	// What was published before stays provable.
	if code, _, err := in.proof(before[0].RecordID); err != nil || code != http.StatusOK {
		t.Errorf("the proof of a record published before the outage: %d %v", code, err)
	}

	// The witness comes back, with its state: publication resumes.
	w.start(t)
	restarted := time.Now()
	for _, rc := range []receipt{during[0], during[19]} {
		verify(in.awaitProof(t, rc.RecordID, 30*time.Second))
	}
	t.Logf("%v after the witness restarted, the records written meanwhile are provable", time.Since(restarted).Round(time.Millisecond))
	deadline = time.Now().Add(20 * time.Second)
	for {
		code, body, err := in.page("/transparency")
		if err == nil && code == http.StatusOK && strings.Contains(body, "all published") && !strings.Contains(body, "is behind") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the transparency page still shows the log behind: %d %v\n%.3000s", code, err, pageMain(body))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	srv.stop(t, 60*time.Second)
	// The audit asks the witness for what it cosigned: it runs first.
	if res := parley(t, nil, "audit", "--config", in.config); res.code != 0 || !strings.Contains(res.stdout, "1 witness checked against") {
		t.Errorf("parley audit: exit %d\n%s%s", res.code, res.stdout, bytes.TrimSpace([]byte(res.stderr)))
	}
	w.proc.stop(t, 30*time.Second)
	if t.Failed() {
		t.Logf("serve's output:\n%s", srv.tail())
	}
}

// pageMain returns the <main> of a page, for messages.
func pageMain(body string) string {
	if _, rest, ok := strings.Cut(body, "<main>"); ok {
		body, _, _ = strings.Cut(rest, "</main>")
	}
	return strings.TrimSpace(body)
}
