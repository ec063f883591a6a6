package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// testChains: signed decisions form chains in which each is superseded at
// most once, which the store itself enforces; ChainHead follows the chain,
// not the order of arrival.
func testChains(t *testing.T, s store.Store) {
	ctx := t.Context()
	decision := func(chain, supersedes string) store.Record {
		r := newRecord("approval", record.Audience{Scope: record.Parties}, -1)
		r.Chain, r.Supersedes = chain, supersedes
		return r
	}
	if n, err := s.LastSeq(ctx); err != nil || n != 0 {
		t.Errorf("LastSeq of an empty store = %d (%v), want 0", n, err)
	}
	if _, err := s.ChainHead(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the head of an empty chain: %v, want ErrNotFound", err)
	}
	first := decision("c1", "")
	other := decision("c2", "") // another chain's first: no conflict
	plain := newRecord("note", record.Audience{Scope: record.Public}, -1)
	plain2 := newRecord("note", record.Audience{Scope: record.Public}, -1) // unsigned records are in no chain
	appendRecords(t, s, &first, &other, &plain, &plain2)
	second := decision("c1", first.ID)
	appendRecords(t, s, &second)
	if n, err := s.LastSeq(ctx); err != nil || n != second.Seq {
		t.Errorf("LastSeq = %d (%v), want %d", n, err, second.Seq)
	}

	for name, r := range map[string]store.Record{
		"a second first decision":             decision("c1", ""),
		"a second decision superseding first": decision("c1", first.ID),
	} {
		err := s.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &r) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", name, err)
		}
	}
	orphan := newRecord("note", record.Audience{Scope: record.Public}, -1)
	orphan.Supersedes = first.ID
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &orphan) }); err == nil {
		t.Error("a record superseding another in no chain was appended")
	}

	got, err := s.RecordByID(ctx, second.ID)
	if err != nil || got.Chain != "c1" || got.Supersedes != first.ID {
		t.Errorf("the second decision reads back in chain %q superseding %q (%v)", got.Chain, got.Supersedes, err)
	}
	if got, _ := s.RecordByID(ctx, plain.ID); got.Chain != "" || got.Supersedes != "" {
		t.Errorf("an unsigned record reads back in chain %q superseding %q", got.Chain, got.Supersedes)
	}
	for chain, want := range map[string]string{"c1": second.ID, "c2": other.ID} {
		if head, err := s.ChainHead(ctx, chain); err != nil || head != want {
			t.Errorf("head of %s = %q (%v), want %q", chain, head, err, want)
		}
	}
	// In a transaction, the head follows the transaction's own writes.
	third := decision("c1", second.ID)
	write(t, s, func(tx store.Tx) error {
		if err := tx.AppendRecord(ctx, &third); err != nil {
			return err
		}
		head, err := tx.ChainHead(ctx, "c1")
		if err != nil || head != third.ID {
			return fmt.Errorf("head in the transaction = %q (%v), want %q", head, err, third.ID)
		}
		if r, err := tx.RecordByID(ctx, third.ID); err != nil || r.Supersedes != second.ID {
			return fmt.Errorf("RecordByID in the transaction: %+v %v", r, err)
		}
		return nil
	})
}
