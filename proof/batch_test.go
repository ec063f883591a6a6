package proof_test

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
)

// TestExcerptNotThroughABatch: an excerpt of a record nobody committed,
// with a batch beside it whose commitment is a logged record's, fails:
// an excerpt is proved by its own leaf, and the batch check says so.
func TestExcerptNotThroughABatch(t *testing.T) {
	pr := newProvenRecord(t)
	real := pr.proof
	body, _ := json.Marshal(map[string]string{"text": "Party A accepts full withdrawal within 3 days."})
	fake, err := record.Seal(record.Envelope{V: record.Version, ID: record.NewID(), Kind: "talks.position", Subject: "x",
		At: time.Now(), Author: record.Author{Principal: "mediator", Party: "us"}, Audience: record.Audience{Scope: record.Public},
		Body: body, Excerpt: "text"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := record.Disclose(fake.Salt, fake.Canonical, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	forged := real
	forged.RecordID, forged.Kind = fake.Envelope.ID, fake.Envelope.Kind
	forged.Canonical, forged.Salt, forged.Excerpt = nil, nil, &x
	forged.Commitment = hex.EncodeToString(fake.Commitment[:])
	forged.Batch = &proof.Batch{Commitment: real.Commitment}
	failed := proof.Failed(proof.Verify(forged, pr.logVKey, []string{pr.witnessVKey}))
	if !slices.Contains(failed, proof.CheckBatch) || !slices.Contains(failed, proof.CheckLeaf) {
		t.Errorf("an excerpt through a batch: failed %v, want the batch and leaf checks", failed)
	}
	// A genuine proof with a batch added fails too: it has a leaf of its
	// own, which the batch's commitment is not.
	withBatch := real
	withBatch.Batch = &proof.Batch{Commitment: real.Commitment}
	if failed := proof.Failed(proof.Verify(withBatch, pr.logVKey, []string{pr.witnessVKey})); !slices.Contains(failed, proof.CheckBatch) {
		t.Errorf("a record's own proof with a batch beside it: failed %v, want the batch check", failed)
	}
}
