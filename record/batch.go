package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// BatchKind is the kind of a batch record: the one record, with one leaf
// in the log, that commits to many records of a bulk kind (a thousand
// monitoring reports, a meter's readings) at once. Its items are records
// like any other, each sealed with its own salt; the batch's body holds
// the RFC 6962 root of a tree whose leaves are the items' commitments, in
// the order of their positions. So an item is proved alone (ItemProof):
// its bytes and salt, the hashes of the rest of the tree on either side
// of it, and the batch record's own proof; the other items' commitments
// are salted and say nothing of them.
//
// The kind belongs to the kernel: no domain may declare it, and it has no
// projection.
const BatchKind = "parley.batch"

// BatchBody is a batch record's body.
type BatchBody struct {
	// Kind is its items' kind.
	Kind string `json:"kind"`
	// Size is how many items it holds; Root the root of the tree of their
	// commitments.
	Size uint64 `json:"size"`
	Root []byte `json:"root"`
}

// batchLeaf is an item's leaf in its batch's tree.
func batchLeaf(commitment []byte) []byte { return hasher.HashLeaf(commitment) }

// BatchRoot returns the root of the tree of the items' commitments, in
// order.
func BatchRoot(commitments [][]byte) ([]byte, error) {
	leaves := make([][]byte, len(commitments))
	for i, c := range commitments {
		leaves[i] = batchLeaf(c)
	}
	return treeRoot(leaves)
}

// InBatch places one item in its batch: its position among Size items,
// and the hashes of the tree's ranges before it (Left: [0, Index)) and
// after it (Right: [Index+1, Size)), as compact ranges.
type InBatch struct {
	Index uint64   `json:"index"`
	Size  uint64   `json:"size"`
	Left  [][]byte `json:"left,omitempty"`
	Right [][]byte `json:"right,omitempty"`
}

// PlaceInBatch returns item i's place in the batch of these commitments.
func PlaceInBatch(commitments [][]byte, i int) (InBatch, error) {
	if i < 0 || i >= len(commitments) {
		return InBatch{}, fmt.Errorf("item %d is not in a batch of %d", i, len(commitments))
	}
	left := factory.NewEmptyRange(0)
	for _, c := range commitments[:i] {
		if err := left.Append(batchLeaf(c), nil); err != nil {
			return InBatch{}, err
		}
	}
	right := factory.NewEmptyRange(uint64(i) + 1)
	for _, c := range commitments[i+1:] {
		if err := right.Append(batchLeaf(c), nil); err != nil {
			return InBatch{}, err
		}
	}
	return InBatch{Index: uint64(i), Size: uint64(len(commitments)), Left: left.Hashes(), Right: right.Hashes()}, nil
}

// Root recomputes the batch's root from the item's commitment and its
// place.
func (p InBatch) Root(commitment []byte) ([]byte, error) {
	if p.Index >= p.Size {
		return nil, fmt.Errorf("position %d is not in a batch of %d", p.Index, p.Size)
	}
	for _, h := range append(append([][]byte{}, p.Left...), p.Right...) {
		if len(h) != sha256.Size {
			return nil, fmt.Errorf("a hash of the batch's tree is %d bytes, not %d", len(h), sha256.Size)
		}
	}
	left, err := factory.NewRange(0, p.Index, p.Left)
	if err != nil {
		return nil, fmt.Errorf("the items before it: %w", err)
	}
	if err := left.Append(batchLeaf(commitment), nil); err != nil {
		return nil, err
	}
	right, err := factory.NewRange(p.Index+1, p.Size, p.Right)
	if err != nil {
		return nil, fmt.Errorf("the items after it: %w", err)
	}
	if err := left.AppendRange(right, nil); err != nil {
		return nil, err
	}
	return left.GetRootHash(nil)
}

// BatchOf reads a batch record's canonical bytes: its envelope and body.
// It refuses bytes that are not a batch record's.
func BatchOf(canonical []byte) (Envelope, BatchBody, error) {
	var env Envelope
	if err := json.Unmarshal(canonical, &env); err != nil {
		return env, BatchBody{}, fmt.Errorf("the batch record is not a record: %w", err)
	}
	if env.Kind != BatchKind {
		return env, BatchBody{}, fmt.Errorf("record %s is a %s, not a batch", env.ID, env.Kind)
	}
	var b BatchBody
	if err := json.Unmarshal(env.Body, &b); err != nil {
		return env, b, fmt.Errorf("batch %s: its body is not a batch's: %w", env.ID, err)
	}
	if len(b.Root) != sha256.Size || b.Size == 0 || b.Kind == "" {
		return env, b, fmt.Errorf("batch %s: its body needs the items' kind, a size above 0 and a SHA-256 root", env.ID)
	}
	return env, b, nil
}

// CheckInBatch checks that the record of these canonical bytes and salt is
// an item of the batch record of batchCanonical, at the place p says: the
// batch's root is remade from the item's commitment and p, and the item
// has the batch's kind of items, author and audience. It returns the
// batch's envelope, whose commitment is what the log's leaf holds.
func CheckInBatch(salt, canonical []byte, p InBatch, batchCanonical []byte) (Envelope, error) {
	benv, body, err := BatchOf(batchCanonical)
	if err != nil {
		return benv, err
	}
	var item Envelope
	if err := json.Unmarshal(canonical, &item); err != nil {
		return benv, fmt.Errorf("the item is not a record: %w", err)
	}
	if item.Kind != body.Kind || item.Author != benv.Author || !SameAudience(item.Audience, benv.Audience) {
		return benv, fmt.Errorf("the item (a %s by %s) is not of the batch's kind (%s), author (%s) and audience", item.Kind, item.Author.Principal, body.Kind, benv.Author.Principal)
	}
	if p.Size != body.Size {
		return benv, fmt.Errorf("the item is placed in a batch of %d, but the batch holds %d", p.Size, body.Size)
	}
	c, err := CommitmentOf(salt, canonical)
	if err != nil {
		return benv, err
	}
	root, err := p.Root(c[:])
	if err != nil {
		return benv, err
	}
	if !bytes.Equal(root, body.Root) {
		return benv, errors.New("the item and the hashes beside it do not make the batch's root: the item is not in the batch at that place, or its bytes changed")
	}
	return benv, nil
}

// SameAudience reports whether a and b are one audience, whatever the
// order of their parties.
func SameAudience(a, b Audience) bool {
	a, b = a.Normalize(), b.Normalize()
	return a.Scope == b.Scope && a.Party == b.Party && slices.Equal(a.Parties, b.Parties)
}
