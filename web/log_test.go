package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/web"
	"github.com/parley-project/parley/witness"
)

func TestMain(m *testing.M) {
	// tessera and the witness library log through klog; keep warnings.
	ledger.RouteKlog(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// testLog is a real transparency log in a temporary directory, with
// in-process witnesses behind httptest servers.
type testLog struct {
	log       *ledger.Log
	vkey      string
	witnesses []*testWitness
}

// testWitness is one party's witness (package witness) behind an httptest
// server. Stopping the server makes the log's requests to it fail.
type testWitness struct {
	name string
	vkey string // cosignature/v1 vkey, as the log and verifiers know it
	srv  *httptest.Server
}

// newFixtureWithLog is newFixture with a real log attached before the
// scenario is loaded, so that every record has a leaf, and given to the UI
// in Options.Log. The log needs every named witness's cosignature.
func newFixtureWithLog(t *testing.T, opts web.Options, witnesses ...string) (*fixture, *testLog) {
	t.Helper()
	tl := newTestLog(t, witnesses...)
	opts.Log = tl.log
	return openFixture(t, opts, tl.log), tl
}

func newTestLog(t *testing.T, witnesses ...string) *testLog {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey("parley.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	tl := &testLog{vkey: vkey}
	var ws []ledger.Witness
	for _, name := range witnesses {
		w := newTestWitness(t, name, vkey)
		tl.witnesses = append(tl.witnesses, w)
		ws = append(ws, ledger.Witness{Name: name, Key: w.vkey, URL: w.srv.URL})
	}
	tl.log, err = ledger.Open(t.Context(), ledger.Config{
		Dir: filepath.Join(t.TempDir(), "log"), Signer: signer, VKey: vkey, Witnesses: ws, Create: true,
		CheckpointInterval: 100 * time.Millisecond, WitnessTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// With a witness stopped, the last entries cannot be published
		// and Close says so; that is what such a test wants.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := tl.log.Close(ctx); err != nil {
			t.Logf("closing the log: %v", err)
		}
	})
	return tl
}

func newTestWitness(t *testing.T, name, logVKey string) *testWitness {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(name + ".test/witness")
	if err != nil {
		t.Fatal(err)
	}
	cosig, err := ledger.CosignatureVKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := witness.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := witness.New(t.Context(), witness.Config{DataDir: t.TempDir(), Signer: signer, LogVKey: logVKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = w.Close()
	})
	return &testWitness{name: name, vkey: cosig, srv: srv}
}
