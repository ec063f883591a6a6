package storetest

import (
	"errors"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// testTrySavepoint: an item that fails under Tx.Try leaves nothing behind,
// even after the database itself refused one of its statements, and the
// items before and after it commit with the transaction.
func testTrySavepoint(t *testing.T, s store.Store) {
	ctx := t.Context()
	pub := record.Audience{Scope: record.Public}
	before, failed, dup, after := newRecord("round", pub, -1), newRecord("round", pub, -1), newRecord("round", pub, -1), newRecord("round", pub, -1)
	dup.ID = before.ID // a record id is never reused: the store refuses it
	errItem := errors.New("the item's own refusal")
	write(t, s, func(tx store.Tx) error {
		if err := tx.Try(ctx, func() error { return tx.AppendRecord(ctx, &before) }); err != nil {
			return err
		}
		err := tx.Try(ctx, func() error {
			if err := tx.AppendRecord(ctx, &failed); err != nil {
				return err
			}
			if err := tx.PutEntity(ctx, store.Entity{Kind: "round", ID: failed.Subject, RecordID: failed.ID, Version: 1,
				CreatedSeq: failed.Seq, Created: when, Updated: when, Audience: pub, Body: []byte(`{}`)}); err != nil {
				return err
			}
			return errItem
		})
		if !errors.Is(err, errItem) {
			t.Errorf("Try returned %v, want the item's own error", err)
		}
		// A statement the database refuses: in PostgreSQL it aborts the
		// transaction unless the savepoint undoes it.
		err = tx.Try(ctx, func() error { return tx.AppendRecord(ctx, &dup) })
		if err == nil || errors.Is(err, store.ErrAborted) {
			t.Errorf("Try of a duplicate record id returned %v, want the store's refusal, not ErrAborted", err)
		}
		return tx.Try(ctx, func() error { return tx.AppendRecord(ctx, &after) })
	})
	got, err := s.Records(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if len(got) != 2 || got[0].ID != before.ID || got[1].ID != after.ID {
		t.Errorf("records after the transaction: %v, want exactly %s then %s", ids, before.ID, after.ID)
	}
	if _, err := s.Entity(ctx, access.System, "round", failed.Subject); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed item's projection: %v, want ErrNotFound", err)
	}
}
