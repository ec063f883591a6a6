package ledger_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
)

// grow appends n leaves and waits for the checkpoint that publishes them.
func grow(t testing.TB, ctx context.Context, l *ledger.Log, n int) {
	t.Helper()
	idx, err := l.AppendAll(ctx, testkit.Leaves(n))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Await(ctx, slices.Max(idx)); err != nil {
		t.Fatal(err)
	}
}

func closeLog(t testing.TB, l *ledger.Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// awaitRefusal polls the log's status until its only witness's last answer
// is a refusal, and returns it.
func awaitRefusal(t testing.TB, ctx context.Context, l *ledger.Log) ledger.WitnessStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := l.Status(ctx)
		if len(st.Witnesses) == 1 && st.Witnesses[0].Refusal != "" {
			return st.Witnesses[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refusal in the log's status within 10s: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCheckWitnessesRollback: a witness cosigned a log of 25 entries; the
// operator restores a backup of the log taken at 5 entries (the same as
// truncating it and signing the shorter checkpoint with the log key). The
// check against the witness names the rollback; the witness refuses the
// next checkpoint, and the log says so at ERROR and in its status; once the
// restored log grows past 25 entries with other leaves, the witness's
// checkpoint proves it rewritten.
func TestCheckWitnessesRollback(t *testing.T) {
	ctx := withTimeout(t, 60*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	ua := testkit.NewWitness(t, "ua", vkey)
	dir := filepath.Join(t.TempDir(), "log")
	cfg := testConfig(dir, signer, vkey, ua.Config())

	l, err := ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	grow(t, ctx, l, 5)
	clean, err := l.CheckWitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if clean.Err() != nil || clean.Unwitnessed != "" || !slices.Equal(clean.Cosigners, []string{"ua"}) ||
		len(clean.Witnesses) != 1 || clean.Witnesses[0].Size != 5 || clean.Witnesses[0].Unchecked != "" || clean.Witnesses[0].Conflict != "" {
		t.Fatalf("CheckWitnesses of a sound log = %+v, %v", clean, clean.Err())
	}
	closeLog(t, l)
	backup := filepath.Join(t.TempDir(), "backup")
	if err := os.CopyFS(backup, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	l, err = ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	grow(t, ctx, l, 20)
	closeLog(t, l)

	// The backup restored in place of the log.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(backup, dir); err != nil {
		t.Fatal(err)
	}
	var logged testkit.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	l = openLog(t, cfg)
	rep, err := l.CheckWitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := rep.Witnesses[0]
	if rep.LogSize != 5 || w.Size != 25 || w.Conflict != "the log was rolled back or rewritten: witness ua cosigned size 25, the log has 5" {
		t.Errorf("CheckWitnesses of the restored log = %+v", rep)
	}
	if err := rep.Err(); !errors.Is(err, ledger.ErrRolledBack) || !strings.Contains(err.Error(), "witness ua cosigned size 25") {
		t.Errorf("Err() = %v, want ErrRolledBack naming the witness", err)
	}

	// The log grows by one: the witness, holding 25, refuses size 6.
	if _, err := l.Append(ctx, testkit.Leaves(1)[0]); err != nil {
		t.Fatal(err)
	}
	ws := awaitRefusal(t, ctx, l)
	if ws.LastStatus != http.StatusConflict || !strings.Contains(ws.Refusal, "witness ua cosigned size 25, the log offers 6") {
		t.Errorf("witness status after the refusal = %+v", ws)
	}
	if out := logged.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "a witness refused the log's checkpoint") {
		t.Errorf("the log did not log the refusal at ERROR:\n%s", out)
	}
	if n := strings.Count(logged.String(), "a witness refused"); n != 1 {
		t.Errorf("the refusal was logged %d times, want once while it lasts", n)
	}
	if out := ua.Log.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "cosigned_size=25") {
		t.Errorf("the witness did not log its refusal at ERROR:\n%s", out)
	}

	// Past the witness's size, other leaves: a fork, which the witness
	// refuses as inconsistent, and the check proves.
	if _, err := l.AppendAll(ctx, testkit.Leaves(30)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ws = l.Status(ctx).Witnesses[0]; strings.Contains(ws.Refusal, "inconsistent") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the witness's refusal of the fork is not in the status: %+v", ws)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rep, err = l.CheckWitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := rep.Witnesses[0]; rep.LogSize != 36 || !strings.Contains(w.Conflict, "the log was rewritten: witness ua cosigned size 25") || !errors.Is(rep.Err(), ledger.ErrRolledBack) {
		t.Errorf("CheckWitnesses of the forked log = %+v", rep)
	}
	if rep.PublishedSize != 5 {
		t.Errorf("published size %d: the witness let the fork through", rep.PublishedSize)
	}
	if out := ua.Log.String(); !strings.Contains(out, "it does not extend the one this witness cosigned last") {
		t.Errorf("the witness did not log its refusal of the fork:\n%s", out)
	}
}

// TestCheckWitnessesUnchecked: a witness that cannot be reached, or that
// answers with a checkpoint it did not cosign, leaves the log unchecked
// against it, which is said, and is no rollback; the published checkpoint
// still meets a quorum of one.
func TestCheckWitnessesUnchecked(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	ua := testkit.NewWitness(t, "ua", vkey)
	dead := deadWitness(t, "dead")
	cfg := testConfig(t.TempDir(), signer, vkey, ua.Config(), dead)
	cfg.Quorum = 1
	l := openLog(t, cfg)
	grow(t, ctx, l, 3)
	rep, err := l.CheckWitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() != nil || rep.Unwitnessed != "" || rep.Witnesses[0].Unchecked != "" || rep.Witnesses[0].Size != 3 ||
		!strings.Contains(rep.Witnesses[1].Unchecked, "witness dead could not be asked") {
		t.Errorf("CheckWitnesses with one witness down = %+v", rep)
	}
}

// TestCheckWitnessesUnwitnessed: a checkpoint published without the
// witnesses (FailOpen with the only witness down) is named.
func TestCheckWitnessesUnwitnessed(t *testing.T) {
	ctx := withTimeout(t, 30*time.Second)
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	cfg := testConfig(t.TempDir(), signer, vkey, deadWitness(t, "dead"))
	cfg.FailOpen = true
	cfg.WitnessTimeout = 300 * time.Millisecond
	l := openLog(t, cfg)
	grow(t, ctx, l, 2)
	rep, err := l.CheckWitnesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Unwitnessed, "carries valid cosignatures of 0 of the 1 witnesses it needs (none from dead)") || len(rep.Cosigners) != 0 {
		t.Errorf("CheckWitnesses of a checkpoint published fail-open = %+v", rep)
	}
}
