// Package proof is what a reader of a record checks it with, trusting no
// server: the proof of a record (its canonical bytes and salt, its leaf, an
// inclusion proof and a cosigned checkpoint) and its verification, step by
// step. parley verify runs it; the service makes proofs (app.Service.Proof).
package proof

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/parley-project/parley/record"
)

// Proof is everything a reader needs to check a record without trusting
// parley: the record's canonical bytes and salt (so the commitment can be
// recomputed), its leaf and position, an inclusion proof, and the signed,
// cosigned checkpoint the proof is against. `parley verify` checks one.
type Proof struct {
	RecordID  string `json:"record_id"`
	Kind      string `json:"kind"`
	Canonical []byte `json:"canonical"`
	Salt      []byte `json:"salt"`
	// Commitment is hex SHA-256("parley-record/v1\n" || salt || canonical).
	Commitment string `json:"commitment"`
	// Leaf is the log entry: "parley/v2 <base64 commitment>".
	Leaf      string   `json:"leaf"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	Inclusion [][]byte `json:"inclusion_proof"`
	// Checkpoint is the C2SP tlog-checkpoint signed note, with the log's
	// signature and the witnesses' cosignatures.
	Checkpoint string `json:"checkpoint"`
	// Excerpt, when set, discloses some words of the record instead of
	// its bytes: Canonical and Salt are empty, and the commitment is
	// remade from the excerpt (record.CheckExcerpt).
	Excerpt *record.Excerpt `json:"excerpt,omitempty"`
	// Batch, when set, is the batch record whose leaf commits to the
	// record (record.BatchKind), and the record's place in it: Leaf and
	// LeafIndex are then the batch's.
	Batch *Batch `json:"batch,omitempty"`
}

// Batch is what proves a record to be an item of a batch record: the
// batch record's bytes and salt, its commitment, and the hashes of the
// batch's tree beside the item, which say nothing of the other items.
type Batch struct {
	RecordID   string         `json:"record_id"`
	Canonical  []byte         `json:"canonical"`
	Salt       []byte         `json:"salt"`
	Commitment string         `json:"commitment"`
	Place      record.InBatch `json:"place"`
}

// CheckpointSize reads the tree size from a C2SP checkpoint's second line.
// It does not verify anything: verifiers parse checkpoints in full.
func CheckpointSize(cp []byte) (uint64, error) {
	lines := bytes.SplitN(cp, []byte("\n"), 3)
	if len(lines) < 3 {
		return 0, errors.New("malformed checkpoint: fewer than three lines")
	}
	n, err := strconv.ParseUint(string(lines[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed checkpoint size %q", lines[1])
	}
	return n, nil
}
