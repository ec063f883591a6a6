package ledger_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/tlog"
)

func TestKeys(t *testing.T) {
	skey, vkey, err := ledger.GenerateKey("parley.test/w")
	if err != nil || !strings.HasPrefix(skey, "PRIVATE+KEY+parley.test/w+") || !strings.HasPrefix(vkey, "parley.test/w+") {
		t.Fatalf("GenerateKey = %q, %q, %v", skey, vkey, err)
	}
	cv, err := ledger.CosignatureVKey(vkey)
	if err != nil || cv == vkey || !strings.HasPrefix(cv, "parley.test/w+") {
		t.Fatalf("CosignatureVKey = %q, %v", cv, err)
	}
	if _, _, err := ledger.GenerateKey(" "); err == nil {
		t.Error("GenerateKey accepted an empty name")
	}
	if _, err := ledger.CosignatureVKey("nonsense"); err == nil {
		t.Error("CosignatureVKey accepted nonsense")
	}
}

// TestAppendAwaitProve is the main path: two witnesses, quorum all; append,
// await, then check everything with verifiers parley did not write.
func TestAppendAwaitProve(t *testing.T) {
	ctx := withTimeout(t, 60*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	wa, wb := testkit.NewWitness(t, "alice", vkey), testkit.NewWitness(t, "bob", vkey)
	l := openLog(t, testConfig(t.TempDir(), signer, vkey, wa.Config(), wb.Config()))
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()

	if l.Origin() != "parley.test/log" || l.VerifierKey() != vkey {
		t.Fatalf("Origin %q VerifierKey %q", l.Origin(), l.VerifierKey())
	}

	leaves := testkit.Leaves(600)
	idx, err := l.AppendAll(ctx, leaves[:590])
	if err != nil {
		t.Fatal(err)
	}
	for _, leaf := range leaves[590:] {
		i, err := l.Append(ctx, leaf)
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, i)
	}
	if got := slices.Sorted(slices.Values(idx)); got[0] != 0 || got[len(got)-1] != 599 || len(slices.Compact(got)) != 600 {
		t.Fatalf("indexes are not 0..599: %v...", got[:5])
	}
	byIndex := make(map[uint64][]byte)
	for i, leaf := range leaves {
		byIndex[idx[i]] = leaf
	}

	raw, err := l.Await(ctx, 599)
	if err != nil {
		t.Fatal(err)
	}
	cp, cosigned, err := ledger.VerifyCheckpoint(raw, vkey, []string{wa.VKey, wb.VKey})
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size < 600 || len(cosigned) != 2 {
		t.Fatalf("checkpoint size %d cosigned by %v", cp.Size, cosigned)
	}
	if n, err := l.PublishedSize(ctx); err != nil || n < 600 {
		t.Fatalf("PublishedSize = %d, %v", n, err)
	}

	th := tlogHash(t, cp.Hash)
	hr := tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: th}, testkit.Tiles{URL: srv.URL + "/log/"})
	for _, i := range []uint64{0, 1, 255, 256, 257, 511, 512, 599} {
		p, err := l.InclusionProof(ctx, i, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(byIndex[i], i, p, cp); err != nil {
			t.Fatal(err)
		}
		// x/mod/sumdb/tlog checks parley's proof...
		if err := tlog.CheckRecord(toTlog(t, p), int64(cp.Size), th, int64(i), tlog.RecordHash(byIndex[i])); err != nil {
			t.Fatalf("tlog.CheckRecord of parley's proof for %d: %v", i, err)
		}
		// ...and builds its own from the served tiles.
		rp, err := tlog.ProveRecord(int64(cp.Size), int64(i), hr)
		if err != nil {
			t.Fatalf("tlog.ProveRecord(%d): %v", i, err)
		}
		if err := tlog.CheckRecord(rp, int64(cp.Size), th, int64(i), tlog.RecordHash(byIndex[i])); err != nil {
			t.Fatalf("tlog.CheckRecord(%d): %v", i, err)
		}
		// A wrong leaf or index fails.
		if err := ledger.VerifyInclusion(byIndex[(i+1)%600], i, p, cp); err == nil {
			t.Fatalf("proof for %d verified another leaf", i)
		}
	}
	if got, err := tlog.TreeHash(int64(cp.Size), hr); err != nil || got != th {
		t.Fatalf("tlog.TreeHash = %v, %v; want %v", got, err, th)
	}

	// Every leaf reads back from the bundles.
	n := 0
	err = l.ReadLeaves(ctx, 0, 600, func(i uint64, leaf []byte) error {
		if !bytes.Equal(leaf, byIndex[i]) || i != uint64(n) {
			return fmt.Errorf("entry %d (#%d) = %q, want %q", i, n, leaf, byIndex[i])
		}
		n++
		return nil
	})
	if err != nil || n != 600 {
		t.Fatalf("ReadLeaves: %d leaves, %v", n, err)
	}

	// Beyond the published size: refused.
	if _, err := l.InclusionProof(ctx, 0, cp.Size+1000); !errors.Is(err, ledger.ErrNotPublished) {
		t.Fatalf("InclusionProof beyond published size: %v", err)
	}
	// Not a parley leaf: refused.
	if _, err := l.Append(ctx, []byte("hello")); err == nil {
		t.Fatal("Append accepted a leaf that is not a parley leaf")
	}

	st := l.Status(ctx)
	if st.Origin != "parley.test/log" || st.PublishedSize < 600 || st.IntegratedSize < 600 || !st.Witnessed || st.Quorum != 2 || st.Error != "" || !strings.HasPrefix(st.Checkpoint, "parley.test/log\n") {
		t.Fatalf("Status = %+v", st)
	}
	for _, ws := range st.Witnesses {
		if !ws.Cosigned || ws.LastStatus != 200 || ws.LastError != "" || ws.LastContact.IsZero() {
			t.Errorf("witness status %+v", ws)
		}
	}

	// The witnesses hold what they cosigned.
	latest, err := wa.Witness().Latest(ctx)
	if err != nil || latest == nil {
		t.Fatalf("witness Latest = %q, %v", latest, err)
	}
	if _, cosignedBy, err := ledger.VerifyCheckpoint(latest, vkey, []string{wa.VKey}); err != nil || len(cosignedBy) != 1 {
		t.Fatalf("witness's latest: %v %v", cosignedBy, err)
	}
}

// TestReopenConsistency closes and reopens a log: it keeps its history, the
// witnesses keep cosigning, and the two checkpoints are consistent.
func TestReopenConsistency(t *testing.T) {
	ctx := withTimeout(t, 60*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	wa := testkit.NewWitness(t, "alice", vkey)
	dir := t.TempDir()
	cfg := testConfig(dir, signer, vkey, wa.Config())

	l, err := ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.AppendAll(ctx, testkit.Leaves(300)); err != nil {
		t.Fatal(err)
	}
	raw1, err := l.Await(ctx, 299)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, testkit.Leaves(1)[0]); err == nil {
		t.Fatal("Append after Close succeeded")
	}

	cfg.Create = false
	l = openLog(t, cfg)
	idx, err := l.AppendAll(ctx, testkit.Leaves(500))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Min(idx) < 300 {
		t.Fatalf("reopened log reused index %d", slices.Min(idx))
	}
	raw2, err := l.Await(ctx, slices.Max(idx))
	if err != nil {
		t.Fatal(err)
	}
	cp1, _, err := ledger.VerifyCheckpoint(raw1, vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp2, cosigned, err := ledger.VerifyCheckpoint(raw2, vkey, []string{wa.VKey})
	if err != nil || len(cosigned) != 1 {
		t.Fatalf("after reopen: cosigned by %v, %v", cosigned, err)
	}
	p, err := l.ConsistencyProof(ctx, cp1.Size, cp2.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyConsistency(cp1, cp2, p); err != nil {
		t.Fatal(err)
	}
	// x/mod/sumdb/tlog agrees.
	if err := tlog.CheckTree(toTlog(t, p), int64(cp2.Size), tlogHash(t, cp2.Hash), int64(cp1.Size), tlogHash(t, cp1.Hash)); err != nil {
		t.Fatalf("tlog.CheckTree: %v", err)
	}
	// A proof between the wrong pair fails.
	if err := ledger.VerifyConsistency(cp2, cp1, p); err == nil {
		t.Fatal("consistency proof verified backwards")
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")

	t.Run("missing log without Create", func(t *testing.T) {
		cfg := testConfig(t.TempDir(), signer, vkey)
		cfg.Create = false
		_, err := ledger.Open(ctx, cfg)
		if !errors.Is(err, ledger.ErrNoLog) {
			t.Fatalf("Open = %v, want ErrNoLog", err)
		}
		entries, _ := os.ReadDir(cfg.Dir)
		if len(entries) != 0 {
			t.Fatalf("Open created %v", entries)
		}
	})

	dir := t.TempDir()
	l, err := ledger.Open(ctx, testConfig(dir, signer, vkey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Open(ctx, testConfig(dir, signer, vkey)); !errors.Is(err, ledger.ErrAlreadyOpen) {
		t.Fatalf("second Open = %v, want ErrAlreadyOpen", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("other key, same origin", func(t *testing.T) {
		s2, v2 := testkit.LogKey(t, "parley.test/log")
		_, err := ledger.Open(ctx, testConfig(dir, s2, v2))
		if !errors.Is(err, ledger.ErrMismatch) || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("other origin", func(t *testing.T) {
		s3, v3 := testkit.LogKey(t, "parley.test/other")
		_, err := ledger.Open(ctx, testConfig(dir, s3, v3))
		if !errors.Is(err, ledger.ErrMismatch) || !strings.Contains(err.Error(), "origin") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("VKey not Signer's", func(t *testing.T) {
		_, v4 := testkit.LogKey(t, "parley.test/log")
		_, err := ledger.Open(ctx, testConfig(dir, signer, v4))
		if !errors.Is(err, ledger.ErrMismatch) {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []ledger.Config{
			{Signer: signer, VKey: vkey},
			{Dir: dir, VKey: vkey},
			{Dir: dir, Signer: signer},
			{Dir: dir, Signer: signer, VKey: vkey, Quorum: 1},
			{Dir: dir, Signer: signer, VKey: vkey, CheckpointInterval: time.Millisecond},
			{Dir: dir, Signer: signer, VKey: vkey, Witnesses: []ledger.Witness{{Name: "a", Key: vkey, URL: "ftp://x"}}},
			{Dir: dir, Signer: signer, VKey: vkey, Witnesses: []ledger.Witness{{Name: "a", Key: "junk", URL: "http://x"}}},
			{Dir: dir, Signer: signer, VKey: vkey, Witnesses: []ledger.Witness{{Name: "a", Key: vkey, URL: "http://x"}, {Name: "a", Key: vkey, URL: "http://y"}}},
		} {
			if l, err := ledger.Open(ctx, cfg); err == nil {
				_ = l.Close(ctx)
				t.Errorf("Open(%+v) succeeded", cfg)
			}
		}
	})
	t.Run("leaves of the v1 format", func(t *testing.T) {
		// A log written by an older parley, whose leaves named the kind:
		// written with tessera directly, since Append refuses such leaves.
		d := t.TempDir()
		actx, cancel := context.WithCancel(ctx)
		defer cancel()
		drv, err := posix.New(actx, posix.Config{Path: d})
		if err != nil {
			t.Fatal(err)
		}
		app, shutdown, _, err := tessera.NewAppender(actx, drv, tessera.NewAppendOptions().WithCheckpointSigner(signer).
			WithCheckpointInterval(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		c := sha256.Sum256([]byte("v1"))
		if _, err := app.Add(actx, tessera.NewEntry([]byte("parley/v1 talks.action "+base64.StdEncoding.EncodeToString(c[:]))))(); err != nil {
			t.Fatal(err)
		}
		if err := shutdown(actx); err != nil {
			t.Fatal(err)
		}
		cancel()
		_, err = ledger.Open(ctx, testConfig(d, signer, vkey))
		if !errors.Is(err, ledger.ErrMismatch) || !strings.Contains(err.Error(), "older leaf format") {
			t.Fatalf("Open of a log of v1 leaves = %v, want ErrMismatch naming the older leaf format", err)
		}
	})
	t.Run("checkpoint without tree state", func(t *testing.T) {
		d := t.TempDir()
		cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
		if err := os.WriteFile(filepath.Join(d, "checkpoint"), cp, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.Open(ctx, testConfig(d, signer, vkey)); !errors.Is(err, ledger.ErrMismatch) {
			t.Fatalf("Open = %v", err)
		}
	})
}

// TestOpenHalfInitialised: a creation interrupted before the first
// checkpoint (tessera with an unreachable witness) is finished by Open; a
// non-empty log whose checkpoint vanished is refused.
func TestOpenHalfInitialised(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	dir := t.TempDir()

	dead := deadWitness(t, "dead")
	group, err := tessera.NewWitnessGroupFromPolicy([]byte(fmt.Sprintf("witness dead %s %s\nquorum dead\n", dead.Key, dead.URL)))
	if err != nil {
		t.Fatal(err)
	}
	drv, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	_, _, _, err = tessera.NewAppender(actx, drv, tessera.NewAppendOptions().WithCheckpointSigner(signer).
		WithWitnesses(group, &tessera.WitnessOptions{Timeout: time.Second}))
	cancel()
	if err == nil {
		t.Fatal("tessera created a log through an unreachable witness")
	}
	if _, err := os.Stat(filepath.Join(dir, ".state", "treeState")); err != nil {
		t.Fatalf("expected a half-initialised log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("expected no checkpoint: %v", err)
	}

	cfg := testConfig(dir, signer, vkey)
	cfg.Create = false
	l, err := ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open of a half-initialised log: %v", err)
	}
	if n, err := l.PublishedSize(ctx); err != nil || n != 0 {
		t.Fatalf("PublishedSize = %d, %v", n, err)
	}
	appendOne(t, ctx, l)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Open(ctx, cfg); !errors.Is(err, ledger.ErrMismatch) || !strings.Contains(err.Error(), "no checkpoint") {
		t.Fatalf("Open of a non-empty log without checkpoint = %v", err)
	}
}

// TestWitnessDown: with the only witness unreachable, appends still succeed
// (durable, integrated), but nothing is published; Status says why.
func TestWitnessDown(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	cfg := testConfig(t.TempDir(), signer, vkey, deadWitness(t, "dead"))
	cfg.WitnessTimeout = 300 * time.Millisecond
	l := openLog(t, cfg)

	leaves := testkit.Leaves(10)
	idx, err := l.AppendAll(ctx, leaves)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.IntegratedSize(ctx); err != nil || n != 10 {
		t.Fatalf("IntegratedSize = %d, %v", n, err)
	}
	actx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	if _, err := l.Await(actx, slices.Max(idx)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Await with the witness down = %v, want a deadline error", err)
	}
	if n, err := l.PublishedSize(ctx); err != nil || n != 0 {
		t.Fatalf("PublishedSize = %d, %v; want 0", n, err)
	}
	if _, err := l.InclusionProof(ctx, 0, 10); !errors.Is(err, ledger.ErrNotPublished) {
		t.Fatalf("InclusionProof of an unpublished entry = %v", err)
	}
	// Recovery can still read the unpublished leaves.
	var got [][]byte
	if err := l.ReadLeaves(ctx, 0, 10, func(_ uint64, leaf []byte) error { got = append(got, leaf); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, leaf := range leaves {
		if !bytes.Equal(got[idx[i]], leaf) {
			t.Fatalf("leaf %d read back as %q", idx[i], got[idx[i]])
		}
	}
	if err := l.ReadLeaves(ctx, 0, 11, func(uint64, []byte) error { return nil }); err == nil {
		t.Fatal("ReadLeaves past the integrated size succeeded")
	}

	st := l.Status(ctx)
	if st.Witnessed || st.PublishedSize != 0 || st.IntegratedSize != 10 || len(st.Witnesses) != 1 {
		t.Fatalf("Status = %+v", st)
	}
	ws := st.Witnesses[0]
	if ws.Cosigned || ws.LastError == "" || ws.LastStatus != 0 || ws.LastContact.IsZero() {
		t.Fatalf("witness status = %+v", ws)
	}
	t.Logf("dead witness: %s", ws.LastError)

	// Close cannot publish, so it reports it, bounded by its context.
	cctx, ccancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer ccancel()
	if err := l.Close(cctx); err == nil {
		t.Fatal("Close claimed to have published with the witness down")
	}
}

// TestQuorumOneOfTwo: with quorum 1, one live witness is enough.
func TestQuorumOneOfTwo(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	wa := testkit.NewWitness(t, "alice", vkey)
	dead := deadWitness(t, "dead")
	cfg := testConfig(t.TempDir(), signer, vkey, dead, wa.Config())
	cfg.Quorum = 1
	l := openLog(t, cfg)
	raw := appendOne(t, ctx, l)
	if _, cosigned, err := ledger.VerifyCheckpoint(raw, vkey, []string{dead.Key, wa.VKey}); err != nil || !slices.Equal(cosigned, []string{wa.VKey}) {
		t.Fatalf("cosigned by %v, %v", cosigned, err)
	}
	st := l.Status(ctx)
	if !st.Witnessed || st.Quorum != 1 || st.Witnesses[0].Cosigned || st.Witnesses[0].LastError == "" || !st.Witnesses[1].Cosigned {
		t.Fatalf("Status = %+v", st)
	}
}

// TestFailOpen publishes without the quorum.
func TestFailOpen(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	dead := deadWitness(t, "dead")
	cfg := testConfig(t.TempDir(), signer, vkey, dead)
	cfg.FailOpen = true
	cfg.WitnessTimeout = 300 * time.Millisecond
	l := openLog(t, cfg)
	raw := appendOne(t, ctx, l)
	cp, cosigned, err := ledger.VerifyCheckpoint(raw, vkey, []string{dead.Key})
	if err != nil || len(cosigned) != 0 || cp.Size != 1 {
		t.Fatalf("fail-open checkpoint: size %v cosigned by %v, %v", cp, cosigned, err)
	}
	if st := l.Status(ctx); st.Witnessed || st.PublishedSize != 1 {
		t.Fatalf("Status = %+v", st)
	}
}

// TestCorruptTiles: a damaged tile on disk makes proof building, proof
// verification, reading leaves or reopening fail, never succeed silently.
func TestCorruptTiles(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	dir := t.TempDir()
	cfg := testConfig(dir, signer, vkey)
	l := openLog(t, cfg)
	leaves := testkit.Leaves(300)
	idx, err := l.AppendAll(ctx, leaves)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.Await(ctx, slices.Max(idx))
	if err != nil {
		t.Fatal(err)
	}
	cp, _, err := ledger.VerifyCheckpoint(raw, vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	tile := filepath.Join(dir, "tile", "0", "000")
	good, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	leafAt := func(i uint64) []byte { return leaves[slices.Index(idx, i)] }

	// Truncated mid-hash.
	if err := os.WriteFile(tile, good[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = l.InclusionProof(ctx, 5, cp.Size)
	if err == nil {
		t.Fatal("InclusionProof over a truncated tile succeeded")
	}
	t.Logf("truncated mid-hash: %v", err)

	// Truncated at a hash boundary, before the hashes the proof needs.
	if err := os.WriteFile(tile, good[:64], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = l.InclusionProof(ctx, 200, cp.Size)
	if err == nil {
		t.Fatal("InclusionProof over a short tile succeeded")
	}
	t.Logf("truncated at a hash boundary: %v", err)
	if err := l.ReadLeaves(ctx, 0, 300, func(uint64, []byte) error { return nil }); err == nil {
		t.Fatal("ReadLeaves over a short tile succeeded")
	}

	// One flipped bit: the proof builds but does not verify.
	bad := bytes.Clone(good)
	bad[32*7] ^= 1
	if err := os.WriteFile(tile, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := l.InclusionProof(ctx, 6, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyInclusion(leafAt(6), 6, p, cp); err == nil {
		t.Fatal("a proof from a corrupt tile verified")
	} else {
		t.Logf("flipped bit: %v", err)
	}
	if err := l.ReadLeaves(ctx, 0, 10, func(uint64, []byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("ReadLeaves over a corrupt tile = %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Open checks the tiles that hold the tree's right edge against the
	// checkpoint's root (a full audit would rehash every tile).
	if err := os.WriteFile(tile, good, 0o644); err != nil {
		t.Fatal(err)
	}
	edge := filepath.Join(dir, "tile", "0", "001.p", "44")
	goodEdge, err := os.ReadFile(edge)
	if err != nil {
		t.Fatal(err)
	}
	badEdge := bytes.Clone(goodEdge)
	badEdge[0] ^= 1
	if err := os.WriteFile(edge, badEdge, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Create = false
	if l, err := ledger.Open(ctx, cfg); !errors.Is(err, ledger.ErrMismatch) {
		if err == nil {
			_ = l.Close(ctx)
		}
		t.Fatalf("Open over a corrupt tile = %v", err)
	} else {
		t.Logf("Open over a corrupt edge tile: %v", err)
	}
	if err := os.WriteFile(edge, goodEdge, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open of the repaired log: %v", err)
	}
	_ = l.Close(ctx)
}

func TestHandler(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	dir := t.TempDir()
	l := openLog(t, testConfig(dir, signer, vkey))
	idx, err := l.AppendAll(ctx, testkit.Leaves(300))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Await(ctx, slices.Max(idx)); err != nil {
		t.Fatal(err)
	}
	// A file outside the log, and a symlink to it inside.
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "tile", "0", "999")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	get := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	cpRaw, _ := l.Checkpoint(ctx)
	resp, body := get("GET", "/log/checkpoint")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-cache" || !bytes.Equal(body, cpRaw) {
		t.Fatalf("checkpoint: %s %v %q", resp.Status, resp.Header, body)
	}
	for _, tc := range []struct {
		path, cache string
		size        int
	}{
		{"/log/tile/0/000", "immutable", 256 * 32},
		{"/log/tile/0/001.p/44", "max-age=60", 44 * 32},
		{"/log/tile/1/000.p/1", "max-age=60", 32},
		{"/log/tile/entries/000", "immutable", -1},
		{"/log/tile/entries/001.p/44", "max-age=60", -1},
	} {
		resp, body := get("GET", tc.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.Contains(resp.Header.Get("Cache-Control"), tc.cache) {
			t.Errorf("%s: %s %v", tc.path, resp.Status, resp.Header)
		}
		if tc.size >= 0 && len(body) != tc.size {
			t.Errorf("%s: %d bytes, want %d", tc.path, len(body), tc.size)
		}
	}
	if resp, body := get("HEAD", "/log/tile/0/000"); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD tile: %s, %d bytes", resp.Status, len(body))
	}
	for _, path := range []string{
		"/log/.state/treeState",
		"/log/tile/../.state/treeState",
		"/log/tile/%2e%2e/.state/treeState",
		"/log/tile/..%2f.state/treeState",
		"/log/tile/entries/..%2f..%2f.state%2ftreeState",
		"/log/.state/",
		"/log/",
		"/log/tile/",
		"/log/tile/0/",
		"/log/tile/0",
		"/log/tile/entries/",
		"/log/tile/00/000",
		"/log/tile/0/0",
		"/log/tile/0/x000/000",
		"/log/tile/0/000.p/0",
		"/log/tile/0/000.p/256",
		"/log/tile/0/000.p",
		"/log/tile/0/999", // the symlink out of the directory
		"/log/tile/0/002", // does not exist
		"/log/tile/64/000",
		"/log/tile/0/000/",
		"/log/tile/0//000",
		"/log/checkpoint/",
	} {
		resp, body := get("GET", path)
		if resp.StatusCode == 200 || bytes.Contains(body, []byte("size")) || bytes.Contains(body, []byte("secret")) {
			t.Errorf("%s: %s %q", path, resp.Status, body)
		}
	}
	if resp, _ := get("POST", "/log/checkpoint"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST checkpoint: %s", resp.Status)
	}
}

func TestVerifyCheckpointErrors(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	wa := testkit.NewWitness(t, "alice", vkey)
	l := openLog(t, testConfig(t.TempDir(), signer, vkey, wa.Config()))
	raw := appendOne(t, ctx, l)
	_, other := testkit.LogKey(t, "parley.test/log")
	if _, _, err := ledger.VerifyCheckpoint(raw, other, nil); err == nil || !strings.Contains(err.Error(), "no valid signature by log key parley.test/log") {
		t.Fatalf("wrong log key: %v", err)
	}
	if _, _, err := ledger.VerifyCheckpoint(raw, wa.VKey, nil); err == nil {
		t.Fatal("a witness key verified as the log key")
	}
	tampered := bytes.Replace(raw, []byte("\n1\n"), []byte("\n2\n"), 1)
	if _, _, err := ledger.VerifyCheckpoint(tampered, vkey, nil); err == nil {
		t.Fatal("tampered checkpoint verified")
	}
	// The witness's cosignature alone is not the log's signature.
	_, wOnly, _ := strings.Cut(string(raw), "\n\n")
	lines := strings.SplitAfter(wOnly, "\n")
	body, _, _ := strings.Cut(string(raw), "\n\n")
	var cosigOnly string
	for _, line := range lines {
		if strings.HasPrefix(line, "— alice") {
			cosigOnly = body + "\n\n" + line
		}
	}
	if _, _, err := ledger.VerifyCheckpoint([]byte(cosigOnly), vkey, []string{wa.VKey}); err == nil || !strings.Contains(err.Error(), "no signature by log key") {
		t.Fatalf("cosignature-only checkpoint: %v", err)
	}
	if _, _, err := ledger.VerifyCheckpoint(raw, vkey, []string{"junk"}); err == nil {
		t.Fatal("junk witness key accepted")
	}
}

func TestGenerateKeyRefusesUnparsableNames(t *testing.T) {
	for _, name := range []string{"", " ", "a+b", "two words", "tab\there"} {
		if _, _, err := ledger.GenerateKey(name); err == nil {
			t.Errorf("GenerateKey(%q) made a key", name)
		}
	}
}
