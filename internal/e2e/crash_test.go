package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to read the database after the server stopped

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/record"
)

const (
	// crashWrites is how many writes each round attempts.
	crashWrites = 10_000
	// crashClients is how many clients write concurrently.
	crashClients = 32
)

// acked is a write the server acknowledged (201).
type acked struct {
	id         string // the record id, which is also the aspect's id
	leafIndex  uint64
	commitment []byte
}

// TestCrash kills parley serve with SIGKILL while clients write, restarts
// it, and checks that nothing acknowledged is lost, that the log after the
// restart extends the one published before the kill, and that parley audit
// is clean.
func TestCrash(t *testing.T) {
	parleyBinary(t)
	rounds := envInt("PARLEY_CRASH_ROUNDS", 3)
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("PARLEY_CRASH_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (PARLEY_CRASH_SEED=%d repeats the kill points), %d rounds", seed, seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 0x9a71e9))
	for round := range rounds {
		// Kill somewhere between 10% and 90% of the writes.
		killAt := int64(crashWrites/10 + rng.IntN(crashWrites*8/10))
		t.Run(fmt.Sprintf("round%d", round+1), func(t *testing.T) { crashRound(t, round+1, killAt) })
	}
}

func crashRound(t *testing.T, round int, killAt int64) {
	start := time.Now()
	in := newInstallation(t)
	vkey := in.logVKey(t)
	srv := in.serve(t, "serve1")

	var (
		mu    sync.Mutex
		acks  []acked
		errs  []string
		next  atomic.Int64 // attempts handed out
		dead  atomic.Bool  // the server was killed
		lastC []byte       // last checkpoint fetched before the kill
	)
	addErr := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	write := func(i int64) bool {
		w, _, err := in.createAspect(fmt.Sprintf("Crash round %d aspect %d", round, i))
		if err != nil {
			if !dead.Load() {
				addErr("write %d: %v", i, err)
			}
			return false
		}
		if w.Receipt.LeafIndex == nil || w.Receipt.RecordID == "" || w.Item.ID != w.Receipt.RecordID {
			addErr("write %d: receipt %+v, item %s", i, w.Receipt, w.Item.ID)
			return true
		}
		c, err := hex.DecodeString(w.Receipt.Commitment)
		if err != nil || w.Receipt.Kind != "talks.aspect" {
			addErr("write %d: receipt %+v", i, w.Receipt)
			return true
		}
		mu.Lock()
		acks = append(acks, acked{id: w.Receipt.RecordID, leafIndex: *w.Receipt.LeafIndex, commitment: c})
		mu.Unlock()
		return true
	}

	// Phase 1: write until the kill.
	var pollers sync.WaitGroup
	stopPoll := make(chan struct{})
	pollers.Go(func() {
		for {
			select {
			case <-stopPoll:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if raw, err := in.checkpoint(); err == nil && !dead.Load() {
				mu.Lock()
				lastC = raw
				mu.Unlock()
			}
		}
	})
	reached := make(chan struct{}) // closed when attempt killAt is handed out
	var killed sync.WaitGroup
	killed.Go(func() {
		<-reached
		// The checkpoint fetched last is kept only if it was fetched
		// before the kill: dead is set first.
		dead.Store(true)
		srv.kill()
	})
	var clients sync.WaitGroup
	for range crashClients {
		clients.Go(func() {
			for !dead.Load() {
				i := next.Add(1)
				if i == killAt {
					close(reached)
				}
				if i > crashWrites {
					return
				}
				write(i)
			}
		})
	}
	clients.Wait()
	killed.Wait()
	// Connections to the dead server are no use to the new one.
	client.Transport.(*http.Transport).CloseIdleConnections()
	close(stopPoll)
	pollers.Wait()
	phase1 := len(acks)
	attempted := min(next.Load(), crashWrites)
	t.Logf("killed after %d attempts (target %d), %d acknowledged, %v in", attempted, killAt, phase1, time.Since(start).Round(time.Millisecond))
	for _, e := range errs {
		t.Errorf("before the kill: %s", e)
	}
	errs = nil
	if lastC == nil {
		t.Fatal("no checkpoint was fetched from /log/checkpoint before the kill")
	}
	before, _, err := ledger.VerifyCheckpoint(lastC, vkey, nil)
	if err != nil {
		t.Fatalf("the checkpoint served before the kill does not verify: %v\n%s", err, lastC)
	}

	// Restart: recovery runs before the server serves. Then the rest of
	// the writes.
	dead.Store(false)
	srv = in.serve(t, "serve2")
	for line := range strings.Lines(tailFile(filepath.Join(in.dir, "serve2.log"))) {
		if strings.Contains(line, "recover") {
			t.Logf("restarted: %s", strings.TrimSpace(line))
		}
	}
	rest := atomic.Int64{}
	rest.Store(attempted)
	for range crashClients {
		clients.Go(func() {
			for i := rest.Add(1); i <= crashWrites; i = rest.Add(1) {
				write(i)
			}
		})
	}
	clients.Wait()
	for _, e := range errs {
		t.Errorf("after the restart: %s", e)
	}
	t.Logf("%d acknowledged in all (%d after the restart)", len(acks), len(acks)-phase1)

	// Every acknowledged record is there, readable, at its leaf index.
	var maxLeaf uint64
	byLeaf := map[uint64]acked{}
	for _, a := range acks {
		if o, dup := byLeaf[a.leafIndex]; dup {
			t.Errorf("records %s and %s were both acknowledged at leaf index %d", o.id, a.id, a.leafIndex)
		}
		byLeaf[a.leafIndex] = a
		maxLeaf = max(maxLeaf, a.leafIndex)
	}
	var readers sync.WaitGroup
	var unread atomic.Int64
	work := make(chan acked)
	for range crashClients {
		readers.Go(func() {
			for a := range work {
				code, b, err := in.request(http.MethodGet, "/api/v1/aspects/"+a.id, nil)
				if err != nil || code != http.StatusOK || !bytes.Contains(b, []byte(a.id)) {
					if unread.Add(1) <= 10 {
						t.Errorf("acknowledged record %s: GET answered %d %v: %.200s", a.id, code, err, b)
					}
				}
			}
		})
	}
	for _, a := range acks {
		work <- a
	}
	close(work)
	readers.Wait()
	if n := unread.Load(); n > 0 {
		t.Errorf("%d of %d acknowledged records are not readable after the restart", n, len(acks))
	}

	// The log after the restart extends the log before the kill, and holds
	// each acknowledged record's leaf at its acknowledged index.
	afterRaw, after := in.awaitCheckpoint(t, vkey, nil, maxLeaf+1, 30*time.Second)
	if err := in.checkConsistent(before, after); err != nil {
		t.Errorf("the log after the restart is not consistent with the checkpoint published before the kill: %v\nbefore:\n%s\nafter:\n%s", err, lastC, afterRaw)
	}
	t.Logf("checkpoint before the kill: size %d; after the restart: size %d", before.Size, after.Size)
	leaves, err := in.leaves(after)
	if err != nil {
		t.Fatalf("couldn't read the log's entries: %v", err)
	}
	seen := map[string]uint64{}
	for i, leaf := range leaves {
		if j, dup := seen[string(leaf)]; dup {
			t.Errorf("the log holds one leaf twice, at %d and %d: %s", j, i, leaf)
		}
		seen[string(leaf)] = uint64(i)
	}
	wrong := 0
	for _, a := range acks {
		if leaf := record.Leaf(a.commitment); a.leafIndex >= uint64(len(leaves)) || !bytes.Equal(leaves[a.leafIndex], leaf) {
			if wrong++; wrong <= 10 {
				t.Errorf("record %s was acknowledged at leaf index %d, but that is not its leaf", a.id, a.leafIndex)
			}
		}
	}

	// Proofs of records acknowledged before the kill and after the
	// restart check out with parley verify, against the latest checkpoint
	// too.
	for _, a := range []acked{acks[0], acks[phase1-1], acks[len(acks)-1]} {
		code, b, err := in.request(http.MethodGet, "/api/v1/records/"+a.id+"/proof", nil)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET the proof of %s: %d %v: %.300s", a.id, code, err, b)
			continue
		}
		file := filepath.Join(in.dir, "proof-"+a.id+".json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if res := parley(t, nil, "verify", file, "--log-key", vkey, "--log", in.base); res.code != 0 {
			t.Errorf("parley verify of %s: exit %d\n%s%s", a.id, res.code, res.stdout, res.stderr)
		}
	}

	// parley audit refuses to run beside a running server, and leaves it
	// be.
	if res := parley(t, nil, "audit", "--config", in.config); res.code == 0 {
		t.Errorf("parley audit ran while parley serve held the log:\n%s%s", res.stdout, res.stderr)
	} else {
		t.Logf("parley audit beside serve: exit %d: %s", res.code, bytes.TrimSpace([]byte(res.stderr)))
	}
	if _, _, err := in.createAspect("After the refused audit"); err != nil {
		t.Errorf("write after the refused audit: %v", err)
	}

	srv.stop(t, 60*time.Second)

	// The store agrees: every acknowledged record at its index, and no
	// record left without one.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(in.data, "parley.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var records, pending int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*), count(*) - count(leaf_index) FROM records").Scan(&records, &pending); err != nil {
		t.Fatal(err)
	}
	if pending > 0 {
		t.Errorf("%d of %d records have no leaf index after a clean stop", pending, records)
	}
	stmt, err := db.Prepare("SELECT leaf_index FROM records WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	bad := 0
	for _, a := range acks {
		var li sql.NullInt64
		if err := stmt.QueryRow(a.id).Scan(&li); err != nil || !li.Valid || uint64(li.Int64) != a.leafIndex {
			if bad++; bad <= 10 {
				t.Errorf("record %s: acknowledged at %d, the store says %v (%v)", a.id, a.leafIndex, li, err)
			}
		}
	}
	db.Close()

	// parley audit agrees.
	res := parley(t, nil, "audit", "--config", in.config)
	if res.code != 0 {
		t.Errorf("parley audit: exit %d\nstdout:\n%.4000s\nstderr:\n%.4000s", res.code, res.stdout, res.stderr)
	}
	if t.Failed() {
		t.Logf("first server's output:\n%s", tailFile(filepath.Join(in.dir, "serve1.log")))
		t.Logf("second server's output:\n%s", tailFile(filepath.Join(in.dir, "serve2.log")))
	}
	t.Logf("round %d took %v", round, time.Since(start).Round(time.Millisecond))
}
