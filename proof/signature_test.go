package proof_test

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
)

// TestVerifySignature: a proof of a signed record checks the author's
// signature and says what it binds; a record whose binding was altered
// fails the check. A record that is not signed has no such check.
func TestVerifySignature(t *testing.T) {
	skey, vkey, _ := note.GenerateKey(rand.Reader, "kyiv-approver")
	signer, _ := note.NewSigner(skey)
	st := record.Statement{Kind: "talks.approval", Party: "ua", Signer: "p-1",
		On:         &record.EntityVersion{Kind: "talks.aspect", ID: "a-1", Record: "r-1", Commitment: []byte{0xab}},
		Supersedes: "r-2", At: time.Date(2026, 1, 24, 10, 0, 0, 0, time.UTC),
		Body: json.RawMessage(`{"aspect_id":"a-1","decision":"approved","party_id":"ua"}`)}
	sig, err := record.Sign(signer, vkey, st)
	if err != nil {
		t.Fatal(err)
	}
	env := record.Envelope{V: record.Version, ID: "r-3", Kind: st.Kind, Subject: "r-3", At: st.At,
		Author: record.Author{Principal: "p-1", Party: "ua"}, Audience: record.Audience{Scope: record.Parties}, Body: st.Body, Sig: &sig}
	check := func(env record.Envelope) (proof.Check, bool) {
		t.Helper()
		canonical, err := record.Canonical(env)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range proof.Verify(proof.Proof{RecordID: env.ID, Kind: env.Kind, Canonical: canonical}, "", nil) {
			if c.Name == proof.CheckSignature {
				return c, true
			}
		}
		return proof.Check{}, false
	}
	c, ok := check(env)
	if !ok || !c.OK {
		t.Fatalf("the signature check of a signed record: %v %v", ok, c)
	}
	for _, want := range []string{vkey, "party ua", "talks.aspect a-1 as of record r-1", "superseding decision r-2", "2026-01-24T10:00:00.000000Z"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("the check does not say %q: %s", want, c.Detail)
		}
	}
	held := env
	held.At = st.At.Add(record.StatementLifetime + time.Minute)
	if c, _ := check(held); c.OK || !strings.Contains(c.Detail, "held back") {
		t.Errorf("a statement committed long after it was signed passes: %v", c)
	}
	altered := env
	s2 := sig
	s2.Supersedes = ""
	altered.Sig = &s2
	if c, _ := check(altered); c.OK {
		t.Errorf("a record whose supersedes was removed passes: %v", c)
	}
	env.Sig = nil
	if _, ok := check(env); ok {
		t.Error("a record that is not signed has a signature check")
	}
}
