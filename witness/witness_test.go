package witness_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/witness"
	"golang.org/x/mod/sumdb/note"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// testLog is a ledger log without witnesses, to produce checkpoints.
type testLog struct {
	t *testing.T
	l *testkit.Log
}

func newLog(t *testing.T, signer note.Signer, vkey string) *testLog {
	t.Helper()
	return &testLog{t, testkit.OpenLog(t, testkit.LogOptions{Signer: signer, VKey: vkey})}
}

// grow appends n leaves and returns the checkpoint that covers them.
func (tl *testLog) grow(n int) []byte {
	tl.t.Helper()
	ctx := context.Background()
	idx, err := tl.l.AppendAll(ctx, testkit.Leaves(n))
	if err != nil {
		tl.t.Fatal(err)
	}
	cp, err := tl.l.Await(ctx, slices.Max(idx))
	if err != nil {
		tl.t.Fatal(err)
	}
	return cp
}

func (tl *testLog) proof(from, to uint64) [][]byte {
	tl.t.Helper()
	p, err := tl.l.ConsistencyProof(context.Background(), from, to)
	if err != nil {
		tl.t.Fatal(err)
	}
	return p
}

func size(t *testing.T, cp []byte) uint64 {
	t.Helper()
	lines := strings.SplitN(string(cp), "\n", 3)
	var n uint64
	if _, err := fmt.Sscan(lines[1], &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// addCheckpoint posts a tlog-witness add-checkpoint request.
func addCheckpoint(t *testing.T, url string, old uint64, proof [][]byte, cp []byte) (int, string, []byte) {
	t.Helper()
	var body bytes.Buffer
	fmt.Fprintf(&body, "old %d\n", old)
	for _, h := range proof {
		fmt.Fprintf(&body, "%s\n", base64.StdEncoding.EncodeToString(h))
	}
	body.WriteString("\n")
	body.Write(cp)
	resp, err := http.Post(url+"/add-checkpoint", "", &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// fixture is a log's key and a witness (behind an HTTP server, stoppable
// and restartable on its state) that follows it.
type fixture struct {
	signer note.Signer
	vkey   string
	w      *testkit.Witness
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	return &fixture{signer: signer, vkey: vkey, w: testkit.NewWitness(t, "alice.test/witness", vkey)}
}

// wantCosigned checks that the response to add-checkpoint is a valid
// cosignature of cp by the witness.
func (f *fixture) wantCosigned(t *testing.T, cp []byte, status int, body []byte) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("add-checkpoint: status %d %q, want 200", status, body)
	}
	_, cosigned, err := ledger.VerifyCheckpoint(append(bytes.Clone(cp), body...), f.vkey, []string{f.w.VKey})
	if err != nil || len(cosigned) != 1 {
		t.Fatalf("cosignature %q: %v, %v", body, cosigned, err)
	}
}

func TestWitness(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := newLog(t, f.signer, f.vkey)

	if cp, err := f.w.Witness().Latest(ctx); err != nil || cp != nil {
		t.Fatalf("Latest of a new witness = %q, %v", cp, err)
	}

	// Trust on first use, then consistent growth.
	cp10 := a.grow(10)
	st, _, body := addCheckpoint(t, f.w.URL, 0, nil, cp10)
	f.wantCosigned(t, cp10, st, body)
	cp30 := a.grow(20)
	st, _, body = addCheckpoint(t, f.w.URL, 10, a.proof(10, 30), cp30)
	f.wantCosigned(t, cp30, st, body)

	// Old size not the one last cosigned: 409 with the witness's size.
	st, ct, body := addCheckpoint(t, f.w.URL, 10, a.proof(10, 30), cp30)
	if st != http.StatusConflict || ct != "text/x.tlog.size" || string(body) != "30\n" {
		t.Fatalf("stale old size: %d %q %q", st, ct, body)
	}
	// Old size larger than the checkpoint: 400.
	if st, _, _ := addCheckpoint(t, f.w.URL, 30, nil, cp10); st != http.StatusBadRequest {
		t.Fatalf("old size > size: %d", st)
	}
	// Malformed body: 400.
	resp, err := http.Post(f.w.URL+"/add-checkpoint", "", strings.NewReader("nonsense"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed: %d", resp.StatusCode)
	}

	// Signed by another key with the same name: 403.
	otherSKey, _, _ := ledger.GenerateKey("parley.test/log")
	other, _ := note.NewSigner(otherSKey)
	text, _, _ := strings.Cut(string(cp30), "\n\n")
	forged, err := note.Sign(&note.Note{Text: text + "\n"}, other)
	if err != nil {
		t.Fatal(err)
	}
	if st, _, body := addCheckpoint(t, f.w.URL, 30, nil, forged); st != http.StatusForbidden {
		t.Fatalf("wrong key: %d %q", st, body)
	}
	// Our key's checkpoint with a tampered size: the signature fails, 403.
	tampered := bytes.Replace(cp30, []byte("\n30\n"), []byte("\n31\n"), 1)
	if st, _, _ := addCheckpoint(t, f.w.URL, 30, nil, tampered); st != http.StatusForbidden {
		t.Fatalf("tampered: %d", st)
	}
	// Another log: 404.
	oskey, ovkey, _ := ledger.GenerateKey("other.test/log")
	osigner, _ := note.NewSigner(oskey)
	o := newLog(t, osigner, ovkey)
	if st, _, _ := addCheckpoint(t, f.w.URL, 0, nil, o.grow(1)); st != http.StatusNotFound {
		t.Fatalf("unknown log: %d", st)
	}

	// A bad proof: 422; the state is unchanged, so the good one then works.
	cp40 := a.grow(10)
	p := a.proof(30, 40)
	bad := slices.Clone(p)
	bad[0] = bytes.Clone(bad[0])
	bad[0][0] ^= 1
	if st, _, _ := addCheckpoint(t, f.w.URL, 30, bad, cp40); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad proof: %d", st)
	}
	if st, _, _ := addCheckpoint(t, f.w.URL, 30, p[:len(p)-1], cp40); st != http.StatusUnprocessableEntity {
		t.Fatalf("short proof: %d", st)
	}
	st, _, body = addCheckpoint(t, f.w.URL, 30, p, cp40)
	f.wantCosigned(t, cp40, st, body)

	// A fork: the same key signing another tree.
	fork := newLog(t, f.signer, f.vkey)
	fork40 := fork.grow(40)
	checkForkRefused := func(t *testing.T, url string) {
		t.Helper()
		// Same size, another root.
		if st, _, _ := addCheckpoint(t, url, 40, nil, fork40); st != http.StatusConflict && st != http.StatusUnprocessableEntity {
			t.Fatalf("fork at the same size: %d, want 409 or 422", st)
		}
		// Larger, with the fork's own (valid for it) proof.
		fork50 := fork.grow(10)
		if st, _, _ := addCheckpoint(t, url, 40, fork.proof(40, size(t, fork50)), fork50); st != http.StatusUnprocessableEntity {
			t.Fatalf("fork, larger: %d, want 422", st)
		}
	}
	checkForkRefused(t, f.w.URL)

	// The state is durable: a restarted witness remembers size 40 and
	// still refuses the fork.
	f.w.Stop()
	f.w.Start()
	latest, err := f.w.Witness().Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if size(t, latest) != 40 {
		t.Fatalf("after restart the witness is at %q", latest)
	}
	if _, cosigned, err := ledger.VerifyCheckpoint(latest, f.vkey, []string{f.w.VKey}); err != nil || len(cosigned) != 1 {
		t.Fatalf("after restart: %v %v", cosigned, err)
	}
	if st, ct, body := addCheckpoint(t, f.w.URL, 0, nil, cp10); st != http.StatusConflict || ct != "text/x.tlog.size" || string(body) != "40\n" {
		t.Fatalf("after restart, old size 0: %d %q %q", st, ct, body)
	}
	checkForkRefused(t, f.w.URL)
	cp45 := a.grow(5)
	st, _, body = addCheckpoint(t, f.w.URL, 40, a.proof(40, 45), cp45)
	f.wantCosigned(t, cp45, st, body)
}

func TestNewRefuses(t *testing.T) {
	ctx := context.Background()
	_, vkey, _ := ledger.GenerateKey("parley.test/log")
	wskey, _, _ := ledger.GenerateKey("w.test")
	ws, err := witness.NewSigner(wskey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := witness.NewSigner("junk"); err == nil {
		t.Error("NewSigner accepted junk")
	}
	for _, cfg := range []witness.Config{
		{Signer: ws, LogVKey: vkey},
		{DataDir: t.TempDir(), LogVKey: vkey},
		{DataDir: t.TempDir(), Signer: ws, LogVKey: "junk"},
		{DataDir: t.TempDir(), Signer: ws, LogVKey: vkey, LogOrigin: "another.origin"},
	} {
		if w, err := witness.New(ctx, cfg); err == nil {
			_ = w.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// TestLatestCheckpointServed: the witness serves the checkpoint it
// cosigned last, with its cosignature, at CheckpointPath, and says when it
// has cosigned none.
func TestLatestCheckpointServed(t *testing.T) {
	f := newFixture(t)
	get := func() (int, string, []byte) {
		t.Helper()
		resp, err := http.Get(f.w.URL + witness.CheckpointPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	if code, _, body := get(); code != http.StatusNotFound || !strings.Contains(string(body), "cosigned no checkpoint") {
		t.Fatalf("GET %s of a new witness = %d %q", witness.CheckpointPath, code, body)
	}
	a := newLog(t, f.signer, f.vkey)
	cp := a.grow(4)
	code, _, body := addCheckpoint(t, f.w.URL, 0, nil, cp)
	f.wantCosigned(t, cp, code, body)
	code, ctype, served := get()
	if code != http.StatusOK || ctype != "text/plain; charset=utf-8" {
		t.Fatalf("GET %s = %d %s %q", witness.CheckpointPath, code, ctype, served)
	}
	got, cosigned, err := ledger.VerifyCheckpoint(served, f.vkey, []string{f.w.VKey})
	if err != nil || got.Size != 4 || len(cosigned) != 1 {
		t.Fatalf("the served checkpoint %q: size %v, cosigned by %v, %v", served, got, cosigned, err)
	}
	if latest, _ := f.w.Witness().Latest(t.Context()); !bytes.Equal(latest, served) {
		t.Errorf("served %q, the witness holds %q", served, latest)
	}
}
