package ledger_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// deadWitness returns a witness config whose URL refuses connections.
func deadWitness(t testing.TB, name string) ledger.Witness {
	t.Helper()
	_, vkey, err := ledger.GenerateKey(name + ".test/witness")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return ledger.Witness{Name: name, Key: vkey, URL: u}
}

// testConfig is a fast configuration for tests.
func testConfig(dir string, signer note.Signer, vkey string, ws ...ledger.Witness) ledger.Config {
	return ledger.Config{
		Dir:                dir,
		Signer:             signer,
		VKey:               vkey,
		Witnesses:          ws,
		CheckpointInterval: 100 * time.Millisecond,
		BatchAge:           10 * time.Millisecond,
		WitnessTimeout:     2 * time.Second,
		Create:             true,
		Logger:             quietLogger,
	}
}

// openLog opens a log and closes it at the end of the test.
func openLog(t testing.TB, cfg ledger.Config) *ledger.Log {
	t.Helper()
	l, err := ledger.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	return l
}

// appendOne appends one leaf and returns the checkpoint that publishes it.
func appendOne(t testing.TB, ctx context.Context, l *ledger.Log) []byte {
	t.Helper()
	i, err := l.Append(ctx, testkit.Leaves(1)[0])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.Await(ctx, i)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func withTimeout(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func tlogHash(t testing.TB, b []byte) tlog.Hash {
	t.Helper()
	var h tlog.Hash
	if len(b) != len(h) {
		t.Fatalf("hash of %d bytes", len(b))
	}
	copy(h[:], b)
	return h
}

func toTlog(t testing.TB, p [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(p))
	for i, h := range p {
		out[i] = tlogHash(t, h)
	}
	return out
}
