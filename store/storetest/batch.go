package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// testBatches: a batch's items are records with their place in it, kept
// as appended; they are never pending and never get a leaf of their own;
// their commitments come back in the order of their positions; and two
// items cannot take one position.
func testBatches(t *testing.T, s store.Store) {
	ctx := t.Context()
	aud := record.Audience{Scope: record.Parties}
	header := newRecord(record.BatchKind, aud, -1)
	items := make([]store.Record, 3)
	for i := range items {
		items[i] = newRecord("k.item", aud, -1)
		items[i].Commitment = fill(32, byte(i+1))
		items[i].Batch, items[i].BatchPos = header.ID, int64(i)
	}
	// Appended out of position order: positions, not arrival, order them.
	appendRecords(t, s, &items[2], &items[0], &items[1], &header)
	for _, it := range items {
		got, err := s.RecordByID(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkRecord(t, got, it)
	}
	if got := pendingIDs(t, s, 10); !slices.Equal(got, []string{header.ID}) {
		t.Errorf("pending = %v, want only the batch %s", got, header.ID)
	}
	cs, err := s.BatchCommitments(ctx, header.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || !bytes.Equal(cs[0], fill(32, 1)) || !bytes.Equal(cs[1], fill(32, 2)) || !bytes.Equal(cs[2], fill(32, 3)) {
		t.Errorf("BatchCommitments = %x, want the items' in position order", cs)
	}
	if cs, err := s.BatchCommitments(ctx, items[0].ID); err != nil || len(cs) != 0 {
		t.Errorf("BatchCommitments of a record that is no batch = %x, %v; want none", cs, err)
	}
	err = s.Write(ctx, func(tx store.Tx) error { return tx.SetLeafIndex(ctx, items[1].ID, 7) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("SetLeafIndex of an item = %v, want ErrConflict", err)
	}
	setLeaves(t, s, map[string]int64{header.ID: 0})
	if n := leafCount(t, s); n != 1 {
		t.Errorf("LeafCount = %d, want 1: the batch's leaf alone", n)
	}
	again := newRecord("k.item", aud, -1)
	again.Batch, again.BatchPos = header.ID, 1
	err = s.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &again) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second item at position 1: %v, want ErrConflict", err)
	}
}
