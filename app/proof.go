package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
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
	// Leaf is the log entry: "parley/v1 <kind> <base64 commitment>".
	Leaf      string   `json:"leaf"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	Inclusion [][]byte `json:"inclusion_proof"`
	// Checkpoint is the C2SP tlog-checkpoint signed note, with the log's
	// signature and the witnesses' cosignatures.
	Checkpoint string `json:"checkpoint"`
}

// Proof returns the proof of record id to a caller who may read it; to
// anyone else the record does not exist.
func (s *Service) Proof(ctx context.Context, caller *access.Principal, id string) (Proof, error) {
	notFound := &Error{Code: CodeNotFound, Message: fmt.Sprintf("no record %q", id)}
	r, err := s.store.RecordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Proof{}, notFound
	} else if err != nil {
		return Proof{}, err
	}
	if !access.CanSee(viewerOf(caller), r.Audience) {
		return Proof{}, notFound
	}
	if s.log == nil {
		return Proof{}, newError(CodeUnavailable, "", "this installation has no transparency log")
	}
	if r.LeafIndex < 0 {
		return Proof{}, newError(CodeUnavailable, "", "record %s is not yet in the log; try again in a second", id)
	}
	cp, err := s.log.Checkpoint(ctx)
	if err != nil {
		return Proof{}, fmt.Errorf("couldn't read the checkpoint: %w", err)
	}
	size, err := CheckpointSize(cp)
	if err != nil {
		return Proof{}, err
	}
	idx := uint64(r.LeafIndex)
	if idx >= size {
		return Proof{}, newError(CodeUnavailable, "", "record %s is at log position %d, and the latest published checkpoint covers %d entries; it is published within seconds, once the witnesses cosign", id, idx, size)
	}
	incl, err := s.log.InclusionProof(ctx, idx, size)
	if err != nil {
		return Proof{}, fmt.Errorf("couldn't prove record %s: %w", id, err)
	}
	return Proof{
		RecordID: r.ID, Kind: r.Kind, Canonical: r.Canonical, Salt: r.Salt,
		Commitment: hex.EncodeToString(r.Commitment), Leaf: string(record.Leaf(r.Kind, r.Commitment)),
		LeafIndex: idx, TreeSize: size, Inclusion: incl, Checkpoint: string(cp),
	}, nil
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

// Record returns one record as stored, to a caller who may read it; to
// anyone else it does not exist.
func (s *Service) Record(ctx context.Context, caller *access.Principal, id string) (store.Record, error) {
	r, err := s.store.RecordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !access.CanSee(viewerOf(caller), r.Audience)) {
		return store.Record{}, &Error{Code: CodeNotFound, Message: fmt.Sprintf("no record %q", id)}
	}
	return r, err
}

// HasLog reports whether commits go through a transparency log.
func (s *Service) HasLog() bool { return s.log != nil }
