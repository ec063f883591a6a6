package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/parley-project/parley/access"
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

// testAppendItems: AppendItems is AppendRecord and PutEntity one by one:
// every record gets its Seq, every entity its record's as CreatedSeq, with
// its fields, which lists filter by; an id taken is ErrConflict.
func testAppendItems(t *testing.T, s store.Store) {
	ctx := t.Context()
	aud := record.Audience{Scope: record.Parties}
	const n = 1203 // more than one multi-row insert
	batch := record.NewID()
	rs := make([]*store.Record, n)
	es := make([]store.Entity, n)
	for i := range rs {
		r := newRecord("k.item", aud, -1)
		r.Subject, r.Batch, r.BatchPos = r.ID, batch, int64(i)
		rs[i] = &r
		es[i] = newEntity("k.item", r.ID, 0, aud)
		es[i].RecordID = r.ID
		es[i].Fields = map[string][]string{"ref": {fmt.Sprintf("ref-%d", i)}, "tags": {"a", "b"}}
	}
	write(t, s, func(tx store.Tx) error { return tx.AppendItems(ctx, rs, es) })
	for i, r := range rs {
		if r.Seq <= 0 || (i > 0 && r.Seq <= rs[i-1].Seq) || r.LeafIndex != -1 {
			t.Fatalf("item %d: seq %d, leaf %d (the one before: %d)", i, r.Seq, r.LeafIndex, rs[max(i-1, 0)].Seq)
		}
		if es[i].CreatedSeq != r.Seq {
			t.Fatalf("entity %d: created seq %d, want its record's %d", i, es[i].CreatedSeq, r.Seq)
		}
	}
	got, err := s.RecordByID(ctx, rs[700].ID)
	if err != nil {
		t.Fatal(err)
	}
	checkRecord(t, got, *rs[700])
	e, err := s.Entity(ctx, access.System, "k.item", rs[1100].ID)
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, e, es[1100])
	page, _, err := s.Entities(ctx, access.System, store.Query{Kind: "k.item", Fields: map[string]string{"ref": "ref-1202"}, Limit: 5})
	if err != nil || len(page) != 1 || page[0].ID != rs[1202].ID {
		t.Errorf("the item with ref-1202: %v, %v", page, err)
	}
	// IndexedValues: which of the values some entity holds, past one
	// statement's worth, whoever may see them.
	asked := []string{"ref-0", "ref-nowhere", "a"}
	for i := range 700 {
		asked = append(asked, fmt.Sprintf("ref-%d", 600+i)) // ref-1203 on are nowhere
	}
	write(t, s, func(tx store.Tx) error {
		found, err := tx.IndexedValues(ctx, "k.item", "ref", asked)
		if err != nil {
			return err
		}
		if len(found) != 1+603 || !found["ref-0"] || !found["ref-1202"] || found["ref-1203"] || found["ref-nowhere"] || found["a"] {
			t.Errorf("IndexedValues found %d values (ref-0 %v, ref-1202 %v, ref-1203 %v, a %v)", len(found), found["ref-0"], found["ref-1202"], found["ref-1203"], found["a"])
		}
		if tags, err := tx.IndexedValues(ctx, "k.item", "tags", []string{"a", "c"}); err != nil || len(tags) != 1 || !tags["a"] {
			t.Errorf("IndexedValues of a list field: %v, %v", tags, err)
		}
		return nil
	})
	if cs, err := s.BatchCommitments(ctx, batch); err != nil || len(cs) != n {
		t.Errorf("BatchCommitments: %d, %v; want %d", len(cs), err, n)
	}
	again := newRecord("k.item", aud, -1)
	again.Batch, again.BatchPos = record.NewID(), 0
	taken := newEntity("k.item", rs[3].ID, 0, aud)
	err = s.Write(ctx, func(tx store.Tx) error { return tx.AppendItems(ctx, []*store.Record{&again}, []store.Entity{taken}) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("an item whose entity exists: %v, want ErrConflict", err)
	}
	dup := *rs[5]
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.AppendItems(ctx, []*store.Record{&dup}, []store.Entity{newEntity("k.item", record.NewID(), 0, aud)})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("an item whose id is taken: %v, want ErrConflict", err)
	}
	if _, err := s.RecordByID(ctx, again.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused write left its item: %v", err)
	}
}
