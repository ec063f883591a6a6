package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

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

// newItem returns item pos of batch and its entity, its own
// (store.CheckItemEntity): its body is in its record's canonical bytes.
func newItem(kind, batch string, pos int64, aud record.Audience) (*store.Record, store.Entity) {
	r := newRecord(kind, aud, -1)
	r.Subject, r.Batch, r.BatchPos = r.ID, batch, pos
	e := newEntity(kind, r.ID, 0, aud)
	e.RecordID = r.ID
	e.Body = json.RawMessage(fmt.Sprintf(`{"id":%q,"n":[1,2.5,"x"]}`, r.ID))
	r.Canonical = []byte(`{"body":` + string(e.Body) + `,"id":"` + r.ID + `","v":1}`)
	return &r, e
}

// testAppendItems: AppendItems is AppendRecord and PutEntity one by one:
// every record gets its Seq, every entity its record's as CreatedSeq, with
// its fields, which lists filter by; an id taken is ErrConflict; an entity
// that is not its item's own is refused.
func testAppendItems(t *testing.T, s store.Store) {
	ctx := t.Context()
	aud := record.Audience{Scope: record.Parties}
	const n = 1203 // more than one multi-row insert
	batch := record.NewID()
	rs := make([]*store.Record, n)
	es := make([]store.Entity, n)
	for i := range rs {
		rs[i], es[i] = newItem("k.item", batch, int64(i), aud)
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
	again, _ := newItem("k.item", record.NewID(), 0, aud)
	for what, other := range map[string]func(e *store.Entity){
		"another's":         func(e *store.Entity) { e.ID = rs[3].ID },
		"a second version":  func(e *store.Entity) { e.Version = 2 },
		"of another time":   func(e *store.Entity) { e.Updated = e.Updated.Add(time.Second) },
		"of another reader": func(e *store.Entity) { e.Audience = record.Audience{Scope: record.Public} },
		"of another kind":   func(e *store.Entity) { e.Kind = "k.other" },
		"of another record": func(e *store.Entity) { e.RecordID = rs[3].ID },
	} {
		_, e := newItem("k.item", again.Batch, 0, aud)
		e.ID, e.RecordID = again.ID, again.ID
		other(&e)
		r := *again
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.AppendItems(ctx, []*store.Record{&r}, []store.Entity{e}) }); err == nil {
			t.Errorf("an item with an entity %s was taken", what)
		}
	}
	dup := *rs[5]
	err = s.Write(ctx, func(tx store.Tx) error {
		return tx.AppendItems(ctx, []*store.Record{&dup}, []store.Entity{newEntity("k.item", record.NewID(), 0, aud)})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("an item whose id is taken: %v, want ErrConflict", err)
	}
	if _, err := s.RecordByID(ctx, again.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused write left its item: %v", err)
	}
}

// itemsAmongEntities stores listItems(n) as a kind's entities, every other
// one the item of a batch (AppendItems), the rest put one by one
// (PutEntity), their creation sequences interleaved: a kind written both
// alone and in batches, which SQLite keeps in two tables. It returns them
// as stored, the items with their records' ids and seqs.
func itemsAmongEntities(t *testing.T, s store.Store, n int) []store.Entity {
	es := listItems(n)
	for i := range es {
		e := &es[i]
		write(t, s, func(tx store.Tx) error {
			if i%2 == 1 {
				r := newRecord(e.Kind, e.Audience, -1)
				if err := tx.AppendRecord(t.Context(), &r); err != nil {
					return err
				}
				e.CreatedSeq = r.Seq
				return tx.PutEntity(t.Context(), *e)
			}
			r, item := newItem(e.Kind, record.NewID(), 0, e.Audience)
			item.Parent, item.Party, item.Status, item.At, item.Fields = e.Parent, e.Party, e.Status, e.At, e.Fields
			if e.Body != nil {
				var b bytes.Buffer
				if err := json.Compact(&b, e.Body); err != nil {
					return err
				}
				item.Body = b.Bytes()
				r.Canonical = []byte(`{"body":` + b.String() + `,"id":"` + r.ID + `","v":1}`)
			}
			es := []store.Entity{item}
			if err := tx.AppendItems(t.Context(), []*store.Record{r}, es); err != nil {
				return err
			}
			*e = es[0]
			return nil
		})
	}
	return es
}

// testListItemsAmongEntities: a kind's items and its other entities list
// as one, in every order, filter and page size, for every viewer; each
// reads back whole, an item's body out of its record.
func testListItemsAmongEntities(t *testing.T, s store.Store) {
	all := itemsAmongEntities(t, s, 60)
	for _, want := range []store.Entity{all[0], all[1], all[58], all[59]} {
		got, err := s.Entity(t.Context(), access.System, want.Kind, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want.Body != nil && got.Body != nil {
			// PostgreSQL keeps a body as JSON, not as written.
			got.Body, want.Body = canonical(t, got.Body), canonical(t, want.Body)
		}
		checkEntity(t, got, want)
		if _, err := s.Entity(t.Context(), access.System, "other", want.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s %s read as another kind's: %v", want.Kind, want.ID, err)
		}
	}
	party := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	n := 0
	for _, q := range listQueries() {
		for _, order := range []store.Order{store.OrderCreated, store.OrderAt} {
			for _, desc := range []bool{false, true} {
				q.Order, q.Desc = order, desc
				v, name := party, "party a"
				if n%2 == 0 {
					v, name = access.System, "system"
				}
				checkList(t, s, all, v, name, q, []int{1, 2, 5, 100}[n%4])
				n++
			}
		}
	}
}

// canonical returns b compacted with its keys sorted, as JSON compares.
func canonical(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return out
}

// testRebuildItems: Rebuild projects an item's entity again from its
// record as AppendItems did.
func testRebuildItems(t *testing.T, s store.Store) {
	all := itemsAmongEntities(t, s, 10)
	err := s.Rebuild(t.Context(), func(tx store.Tx, r store.Record) error {
		for _, e := range all {
			if e.RecordID == r.ID || (e.CreatedSeq == r.Seq) {
				return tx.PutEntity(t.Context(), e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range all {
		got, err := s.Entity(t.Context(), access.System, want.Kind, want.ID)
		if err != nil {
			t.Fatalf("%s after a rebuild: %v", want.ID, err)
		}
		if want.Body != nil && got.Body != nil {
			got.Body, want.Body = canonical(t, got.Body), canonical(t, want.Body)
		}
		checkEntity(t, got, want)
	}
	checkList(t, s, all, access.System, "system", store.Query{Kind: "item", Order: store.OrderAt}, 3)
}
