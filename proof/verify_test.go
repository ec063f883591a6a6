package proof_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/proof"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
)

// provenRecord is a record committed through a real log with one witness,
// and its proof once published.
type provenRecord struct {
	proof       proof.Proof
	logVKey     string
	witnessVKey string // cosignature/v1
	origin      string
}

func newProvenRecord(t *testing.T) provenRecord {
	t.Helper()
	ctx := context.Background()
	const origin = "verify.parley.test/log"
	l := testkit.OpenLog(t, testkit.LogOptions{Origin: origin, Witnesses: []string{"ua-witness"}})
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the service, then the store, then
	// the log and its witness.
	t.Cleanup(func() { st.Close() })
	svc := testkit.NewService(st, nil, nil)
	t.Cleanup(svc.Close)
	if err := svc.AttachLog(ctx, l.Log); err != nil {
		t.Fatal(err)
	}

	// A few records, so that the one proven has neighbours and its
	// inclusion proof has hashes to alter.
	if err := svc.Bootstrap(ctx, &talks.Party{ID: "us", Name: "United States", Role: access.ProcessMediator}); err != nil {
		t.Fatal(err)
	}
	med, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: "med", Party: "us", Roles: []access.Role{access.RoleMediator}, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		body := fmt.Sprintf(`{"name": "Geneva round %d", "place": "Geneva", "starts_on": "2026-02-0%d", "status": "planned"}`, i+1, i+1)
		wr, err := svc.Create(ctx, med, talks.KindRound, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, wr.Receipt.RecordID)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := svc.Proof(ctx, &med, ids[1])
		if err == nil {
			return provenRecord{proof: p, logVKey: l.VKey, witnessVKey: l.Witnesses[0].VKey, origin: origin}
		}
		if app.ErrorCode(err) != app.CodeUnavailable || time.Now().After(deadline) {
			t.Fatalf("Proof: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestVerifyProof(t *testing.T) {
	pr := newProvenRecord(t)
	good := pr.proof
	if good.TreeSize < 3 || len(good.Inclusion) == 0 {
		t.Fatalf("proof of record %d in a tree of %d with %d hashes", good.LeafIndex, good.TreeSize, len(good.Inclusion))
	}
	witnesses := []string{pr.witnessVKey}

	checks := proof.Verify(good, pr.logVKey, witnesses)
	var names []string
	for _, c := range checks {
		names = append(names, c.Name)
		if !c.OK {
			t.Errorf("good proof: %s", c)
		}
	}
	if want := []string{"commitment", "leaf", "checkpoint", "cosigned by ua-witness", "inclusion"}; !slices.Equal(names, want) {
		t.Errorf("checks %q, want %q", names, want)
	}

	// clone deep-copies a proof, so that each case alters its own.
	clone := func() proof.Proof {
		b, err := json.Marshal(good)
		if err != nil {
			t.Fatal(err)
		}
		var p proof.Proof
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tamper := func(canonical []byte) []byte {
		out := bytes.Replace(canonical, []byte("Geneva round"), []byte("Genevb round"), 1)
		if bytes.Equal(out, canonical) {
			t.Fatalf("nothing to tamper with in %s", canonical)
		}
		return out
	}

	for _, tc := range []struct {
		name      string
		alter     func(p *proof.Proof)
		witnesses []string
		fails     string
	}{
		{name: "tampered canonical bytes", fails: "commitment",
			alter: func(p *proof.Proof) { p.Canonical = tamper(p.Canonical) }},
		{name: "swapped salt", fails: "commitment",
			alter: func(p *proof.Proof) { p.Salt = record.NewSalt() }},
		{name: "forged commitment", fails: "leaf",
			// Other bytes with their commitment recomputed: the chain
			// holds up to the leaf, which commits to the real ones.
			alter: func(p *proof.Proof) {
				p.Canonical = tamper(p.Canonical)
				c := record.Commitment(p.Salt, p.Canonical)
				p.Commitment = hex.EncodeToString(c[:])
			}},
		{name: "another record's id", fails: "leaf",
			alter: func(p *proof.Proof) { p.RecordID = record.NewID() }},
		{name: "forged leaf index", fails: "inclusion",
			alter: func(p *proof.Proof) { p.LeafIndex = (p.LeafIndex + 1) % p.TreeSize }},
		{name: "inclusion proof altered", fails: "inclusion",
			alter: func(p *proof.Proof) { p.Inclusion[0][0] ^= 1 }},
		{name: "wrong tree size", fails: "checkpoint",
			alter: func(p *proof.Proof) { p.TreeSize++ }},
		{name: "checkpoint signed by another key", fails: "checkpoint",
			// The same body and origin, signed by an impostor's key of
			// the log's name; the witness's cosignature is kept, since it
			// is over the body alone.
			alter: func(p *proof.Proof) {
				body, sigs, ok := strings.Cut(p.Checkpoint, "\n\n")
				if !ok {
					t.Fatalf("checkpoint without signatures: %q", p.Checkpoint)
				}
				impostor, _ := testkit.LogKey(t, pr.origin)
				signed, err := note.Sign(&note.Note{Text: body + "\n"}, impostor)
				if err != nil {
					t.Fatal(err)
				}
				var cosig string
				for line := range strings.Lines(sigs) {
					if strings.HasPrefix(line, "— ua-witness ") {
						cosig += line
					}
				}
				if cosig == "" {
					t.Fatalf("no cosignature in %q", p.Checkpoint)
				}
				p.Checkpoint = string(signed) + cosig
			}},
		{name: "a witness key that did not cosign", fails: "cosigned by ru-witness",
			witnesses: func() []string {
				_, cosig := testkit.WitnessKey(t, "ru-witness")
				return []string{pr.witnessVKey, cosig}
			}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := clone()
			if tc.alter != nil {
				tc.alter(&p)
			}
			ws := witnesses
			if tc.witnesses != nil {
				ws = tc.witnesses
			}
			checks := proof.Verify(p, pr.logVKey, ws)
			if got := proof.Failed(checks); !slices.Equal(got, []string{tc.fails}) {
				t.Errorf("failed %q, want exactly %q", got, tc.fails)
				for _, c := range checks {
					t.Log(c)
				}
			}
			for _, c := range checks {
				if !c.OK && (!strings.HasPrefix(c.String(), "FAIL "+tc.fails+": ") || c.Detail == "") {
					t.Errorf("failure %q does not name the check and say why", c)
				}
			}
		})
	}

	// With the real keys swapped for others, nothing verifies.
	_, otherLog := testkit.LogKey(t, pr.origin)
	if got := proof.Failed(proof.Verify(good, otherLog, witnesses)); !slices.Equal(got, []string{"checkpoint"}) {
		t.Errorf("with another log key, failed %q", got)
	}
}
