package ledger_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/parley-project/parley/record"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/witness"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestMain(m *testing.M) {
	// tessera and the witness library log through klog; keep warnings.
	ledger.RouteKlog(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// logKey makes a log key pair named origin.
func logKey(t testing.TB, origin string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

// testWitness is a parley witness behind an httptest server.
type testWitness struct {
	name string
	vkey string // cosignature/v1 vkey
	dir  string
	w    *witness.Witness
	srv  *httptest.Server
}

func (tw *testWitness) config() ledger.Witness {
	return ledger.Witness{Name: tw.name, Key: tw.vkey, URL: tw.srv.URL}
}

func newWitness(t testing.TB, name, logVKey string) *testWitness {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(name + ".test/witness")
	if err != nil {
		t.Fatal(err)
	}
	cosigVKey, err := ledger.CosignatureVKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := witness.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := witness.New(context.Background(), witness.Config{DataDir: dir, Signer: signer, LogVKey: logVKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = w.Close()
	})
	return &testWitness{name: name, vkey: cosigVKey, dir: dir, w: w, srv: srv}
}

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

// makeLeaves returns n parley leaves with fresh commitments.
func makeLeaves(n int, kind string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		salt := make([]byte, 32)
		_, _ = rand.Read(salt)
		c := sha256.Sum256(salt)
		out[i] = record.Leaf(kind, c[:])
	}
	return out
}

func withTimeout(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// httpTiles lets golang.org/x/mod/sumdb/tlog read a log's hash tiles over
// HTTP from Log.Handler. sumdb's own tile paths carry the tile height and
// C2SP's do not, hence layout.TilePath. tlog.TileHashReader authenticates
// every tile it reads against the tree hash, so nothing here is trusted.
type httpTiles struct {
	base string // server URL
}

func (h httpTiles) Height() int { return 8 }

func (h httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := uint8(0)
		if t.W < 1<<8 {
			p = uint8(t.W)
		}
		b, err := h.get(layout.TilePath(uint64(t.L), uint64(t.N), p))
		if err != nil && p > 0 {
			b, err = h.get(layout.TilePath(uint64(t.L), uint64(t.N), 0))
		}
		if err != nil {
			return nil, err
		}
		if len(b) < t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %v is %d bytes, want %d", t, len(b), t.W*tlog.HashSize)
		}
		out[i] = b[:t.W*tlog.HashSize]
	}
	return out, nil
}

func (h httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func (h httpTiles) get(path string) ([]byte, error) {
	resp, err := http.Get(h.base + "/log/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
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
