package testkit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/witness"
)

// LogKey makes a log key pair named origin: the signer of the log's
// checkpoints and its verifier key.
func LogKey(tb testing.TB, origin string) (note.Signer, string) {
	tb.Helper()
	skey, vkey, err := ledger.GenerateKey(origin)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return signer, vkey
}

// Leaves returns n leaves as parley makes them (record.Leaf), each with a
// fresh random commitment.
func Leaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		salt := make([]byte, 32)
		_, _ = rand.Read(salt)
		c := sha256.Sum256(salt)
		out[i] = record.Leaf(c[:])
	}
	return out
}

// Witness is one party's witness (package witness), in-process, behind an
// HTTP server on a loopback port the system chose. Stop closes the server
// and the witness, so that the log's requests to it are refused; Start
// opens the witness again on the same data and serves it at the same URL.
// Its methods are for the test's goroutine.
type Witness struct {
	// Name is the witness's name in the log's policy, and its key's name.
	Name string
	// VKey is its cosignature/v1 verifier key, as the log and verifiers
	// know it.
	VKey string
	// URL is where it is served, the same across Stop and Start.
	URL string
	// Dir holds its state, kept across Stop and Start.
	Dir string
	// Log holds what the witness logged (its refusals), as text.
	Log *Buffer

	tb      testing.TB
	skey    string
	logVKey string
	w       *witness.Witness
	srv     *httptest.Server
}

// NewWitness starts a witness named name for the log whose verifier key is
// logVKey, with a fresh key and state in a directory of tb's. It stops at
// the end of the test.
func NewWitness(tb testing.TB, name, logVKey string) *Witness {
	tb.Helper()
	skey, cosig := WitnessKey(tb, name)
	w := &Witness{Name: name, VKey: cosig, Dir: tb.TempDir(), Log: new(Buffer), tb: tb, skey: skey, logVKey: logVKey}
	w.Start()
	tb.Cleanup(w.Stop)
	return w
}

// Config is the witness as a log's policy names it.
func (w *Witness) Config() ledger.Witness {
	return ledger.Witness{Name: w.Name, Key: w.VKey, URL: w.URL}
}

// Witness returns the running witness, nil while it is stopped.
func (w *Witness) Witness() *witness.Witness { return w.w }

// Running reports whether the witness is being served.
func (w *Witness) Running() bool { return w.srv != nil }

// Start opens the witness on its data directory and serves it at its URL
// (on the first start, at a port the system chooses).
func (w *Witness) Start() {
	w.tb.Helper()
	if w.Running() {
		w.tb.Fatalf("witness %s: started twice", w.Name)
	}
	signer, err := witness.NewSigner(w.skey)
	if err != nil {
		w.tb.Fatal(err)
	}
	ww, err := witness.New(context.Background(), witness.Config{DataDir: w.Dir, Signer: signer, LogVKey: w.logVKey,
		Logger: slog.New(slog.NewTextHandler(w.Log, nil))})
	if err != nil {
		w.tb.Fatal(err)
	}
	addr := "127.0.0.1:0"
	if w.URL != "" {
		addr = strings.TrimPrefix(w.URL, "http://")
	}
	ln, err := listenAgain(addr, 10*time.Second)
	if err != nil {
		_ = ww.Close()
		w.tb.Fatalf("witness %s: %v", w.Name, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: ww.Handler()}}
	srv.Start()
	w.w, w.srv, w.URL = ww, srv, srv.URL
}

// Stop closes the witness's server, so that connections to its URL are
// refused, and then the witness. A stopped witness stays stopped.
func (w *Witness) Stop() {
	if w.srv != nil {
		w.srv.Close()
		w.srv = nil
	}
	if w.w != nil {
		if err := w.w.Close(); err != nil {
			w.tb.Errorf("witness %s: closing: %v", w.Name, err)
		}
		w.w = nil
	}
}

// listenAgain listens on addr, a loopback address. With a port other than
// 0 (one a server of the test had a moment ago, to be served again at the
// same URL), it retries while the port is still in use, until timeout.
func listenAgain(addr string, timeout time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(timeout)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// LogOptions configures OpenLog. The zero value is a log named
// parley.test/log with a fresh key, without witnesses, with fast batches and
// checkpoints.
type LogOptions struct {
	// Origin names the log's fresh key; default "parley.test/log".
	Origin string
	// Signer and VKey, when set, are the log's key (LogKey), for a test
	// that opens two logs with one key.
	Signer note.Signer
	VKey   string
	// Witnesses names the witnesses to start (NewWitness), every one of
	// which must cosign a checkpoint before it is published.
	Witnesses []string
	// Dir is the log's directory; default a new one of the test's.
	Dir string
	// CheckpointInterval (default 100ms), BatchAge (default 5ms) and
	// WitnessTimeout (default 2s) are the ledger's settings.
	CheckpointInterval time.Duration
	BatchAge           time.Duration
	WitnessTimeout     time.Duration
}

// Log is a real transparency log (package ledger, on tessera's POSIX
// driver) opened for a test, with its key and its witnesses.
type Log struct {
	*ledger.Log
	Signer    note.Signer
	VKey      string
	Dir       string
	Witnesses []*Witness
}

// NewLog opens a new log in a directory of tb's, with a witness of each
// name, all of which must cosign. It is closed at the end of the test.
func NewLog(tb testing.TB, witnesses ...string) *Log {
	tb.Helper()
	return OpenLog(tb, LogOptions{Witnesses: witnesses})
}

// OpenLog opens a new log as o says. It is closed at the end of the test,
// before its witnesses stop; a failure to publish everything then fails
// the test, unless a witness was stopped.
func OpenLog(tb testing.TB, o LogOptions) *Log {
	tb.Helper()
	if o.Origin == "" {
		o.Origin = "parley.test/log"
	}
	if o.Signer == nil {
		o.Signer, o.VKey = LogKey(tb, o.Origin)
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(tb.TempDir(), "log")
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 100 * time.Millisecond
	}
	if o.BatchAge == 0 {
		o.BatchAge = 5 * time.Millisecond
	}
	if o.WitnessTimeout == 0 {
		o.WitnessTimeout = 2 * time.Second
	}
	l := &Log{Signer: o.Signer, VKey: o.VKey, Dir: o.Dir}
	var policy []ledger.Witness
	for _, name := range o.Witnesses {
		w := NewWitness(tb, name, o.VKey)
		l.Witnesses = append(l.Witnesses, w)
		policy = append(policy, w.Config())
	}
	var err error
	l.Log, err = ledger.Open(context.Background(), ledger.Config{
		Dir: o.Dir, Signer: o.Signer, VKey: o.VKey, Witnesses: policy, Create: true,
		CheckpointInterval: o.CheckpointInterval, BatchAge: o.BatchAge, WitnessTimeout: o.WitnessTimeout,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		var stopped *Witness
		for _, w := range l.Witnesses {
			if !w.Running() {
				stopped = w
			}
		}
		// With a witness stopped, the last entries cannot be published
		// (that is what such a test wants): no use waiting long for it.
		timeout := 5 * time.Second
		if stopped != nil {
			timeout = 500 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			if stopped != nil {
				tb.Logf("closing the log with witness %s stopped: %v", stopped.Name, err)
			} else {
				tb.Errorf("closing the log: %v", err)
			}
		}
	})
	return l
}

// WitnessKeys returns the cosignature verifier keys of the log's
// witnesses.
func (l *Log) WitnessKeys() []string {
	var keys []string
	for _, w := range l.Witnesses {
		keys = append(keys, w.VKey)
	}
	return keys
}

// WitnessKey makes a witness's key pair named name: the private key a
// witness signs with, and the cosignature/v1 verifier key a log's policy
// and verifiers know it by.
func WitnessKey(tb testing.TB, name string) (skey, vkey string) {
	tb.Helper()
	skey, plain, err := ledger.GenerateKey(name)
	if err != nil {
		tb.Fatal(err)
	}
	vkey, err = ledger.CosignatureVKey(plain)
	if err != nil {
		tb.Fatal(err)
	}
	return skey, vkey
}
