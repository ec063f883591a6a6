package testkit_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
)

func TestTilePath(t *testing.T) {
	for _, tc := range []struct {
		level int
		n     int64
		w     int
		want  string
	}{
		{0, 0, 0, "tile/0/000"},
		{0, 7, 0, "tile/0/007"},
		{1, 999, 0, "tile/1/999"},
		{0, 1000, 0, "tile/0/x001/000"},
		{2, 1234067, 0, "tile/2/x001/x234/067"},
		{0, 3, 17, "tile/0/003.p/17"},
		{0, 3, 256, "tile/0/003"},
	} {
		if got := testkit.TilePath(tc.level, tc.n, tc.w); got != tc.want {
			t.Errorf("TilePath(%d, %d, %d) = %q, want %q", tc.level, tc.n, tc.w, got, tc.want)
		}
	}
}

func TestMain(m *testing.M) { testkit.Main(m) }

// TestWitnessStopStart: a log with one witness publishes cosigned
// checkpoints; with the witness stopped, its URL refuses connections and
// nothing new is published; started again, at the same URL and with its
// state, it cosigns what was appended meanwhile.
func TestWitnessStopStart(t *testing.T) {
	ctx := t.Context()
	l := testkit.NewLog(t, "ua")
	w := l.Witnesses[0]
	url := w.URL
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("the witness is served at %q", url)
	}
	await := func(leaves [][]byte) {
		t.Helper()
		idx, err := l.AppendAll(ctx, leaves)
		if err != nil {
			t.Fatal(err)
		}
		actx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		raw, err := l.Await(actx, slices.Max(idx))
		if err != nil {
			t.Fatal(err)
		}
		if _, cosigned, err := ledger.VerifyCheckpoint(raw, l.VKey, l.WitnessKeys()); err != nil || len(cosigned) != 1 {
			t.Fatalf("checkpoint cosigned by %v (%v)", cosigned, err)
		}
	}
	await(testkit.Leaves(3))

	w.Stop()
	if w.Running() || w.Witness() != nil {
		t.Error("a stopped witness is running")
	}
	if _, err := http.Get(url + "/add-checkpoint"); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("GET from a stopped witness: %v, want a refused connection", err)
	}
	idx, err := l.AppendAll(ctx, testkit.Leaves(2))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := l.Status(ctx)
		if len(st.Witnesses) == 1 && st.Witnesses[0].LastError != "" && st.IntegratedSize > slices.Max(idx) {
			if st.PublishedSize > slices.Max(idx) {
				t.Fatalf("published without the witness: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log does not see the witness down: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}

	w.Start()
	if w.URL != url {
		t.Errorf("restarted at %s, was %s", w.URL, url)
	}
	await(testkit.Leaves(1))
	latest, err := w.Witness().Latest(ctx)
	if err != nil || latest == nil {
		t.Fatalf("the restarted witness's latest checkpoint: %q, %v", latest, err)
	}
}

func TestDemo(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ps := d.Principals(t)
	if len(ps) != len(d.Logins) || ps["us-mediator"].Party != "us" {
		t.Fatalf("demo principals %v", ps)
	}
	if rs, es := testkit.Records(t, d.Store), testkit.Entities(t, d.Store); len(rs) < 50 || len(es) == 0 || len(es) > len(rs) {
		t.Errorf("the demo has %d records and %d entities", len(rs), len(es))
	}
}
