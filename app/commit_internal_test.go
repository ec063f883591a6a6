package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/sqlite"
)

// newBare returns a service on a new SQLite store with no domain, both
// closed at the end of the test.
func newBare(t *testing.T) (*sqlite.Store, *Service) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, nil, nil, nil)
	t.Cleanup(func() { s.Close(); st.Close() })
	return st, s
}

// TestBatchItemFailsAlone: in one group commit, a write that fails after it
// has written (a refusal, or a failure of its own) leaves nothing behind, and
// the other writes of its batch commit once each, without being retried.
func TestBatchItemFailsAlone(t *testing.T) {
	ctx := context.Background()
	st, s := newBare(t)

	calls := map[string]int{}
	write := func(name string, fail error) *work {
		return &work{ctx: ctx, done: make(chan result, 1), fn: func(tx store.Tx) (store.Record, store.Entity, error) {
			calls[name]++
			id := record.NewID()
			rec, err := Append(ctx, tx, record.Envelope{V: record.Version, ID: id, Subject: id, Kind: "test.item", At: time.Now(),
				Author: record.Author{Principal: name, Party: "us"}, Audience: record.Audience{Scope: record.Public}, Body: []byte(`{}`)})
			if err != nil {
				return store.Record{}, store.Entity{}, err
			}
			if fail != nil {
				return store.Record{}, store.Entity{}, fail
			}
			return rec, store.Entity{}, nil
		}}
	}
	refusal := newError(CodeInvalid, "title", "is required")
	failure := errors.New("a failure of the write's own")
	panicking := write("panicked", nil)
	inner := panicking.fn
	panicking.fn = func(tx store.Tx) (store.Record, store.Entity, error) {
		inner(tx)
		var domain []int
		_ = domain[1] // a domain's bug, after it wrote
		return store.Record{}, store.Entity{}, nil
	}
	works := []*work{write("first", nil), write("refused", refusal), write("failed", failure), panicking, write("last", nil)}
	s.commitBatch(works)
	for i, want := range []error{nil, refusal, failure, nil, nil} {
		r := <-works[i].done
		if i == 3 {
			if r.err == nil || !strings.Contains(r.err.Error(), "panic") {
				t.Errorf("the panicking write: err %v, want one that says it panicked", r.err)
			}
			continue
		}
		if !errors.Is(r.err, want) {
			t.Errorf("write %d: err %v, want %v", i, r.err, want)
		}
	}
	for name, n := range calls {
		if n != 1 {
			t.Errorf("write %q ran %d times; a batch with a failed write must not be retried", name, n)
		}
	}
	rs, err := st.Records(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var authors []string
	for _, r := range rs {
		authors = append(authors, r.Author.Principal)
	}
	if len(rs) != 2 || authors[0] != "first" || authors[1] != "last" {
		t.Errorf("committed records by %v, want exactly first and last", authors)
	}
}

// TestEachInTimeOrder: reading every entity from a time, page after page
// in the order of their times (an invariant's need From), yields each
// once: the cursor is the time and the creation together.
func TestEachInTimeOrder(t *testing.T) {
	ctx := context.Background()
	st, s := newBare(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const n = 3*MaxPage + 7
	err := st.Write(ctx, func(tx store.Tx) error {
		for i := range n {
			// Times out of the order of creation, many shared.
			e := store.Entity{Kind: "test.item", ID: fmt.Sprintf("e%04d", i), Audience: record.Audience{Scope: record.Public}, RecordID: fmt.Sprintf("r%04d", i),
				Version: 1, CreatedSeq: int64(i + 1), Created: base, Updated: base, Body: []byte(`{}`), At: base.Add(time.Duration((i*7919)%50) * time.Hour)}
			if err := tx.PutEntity(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	from := base.Add(10 * time.Hour)
	seen := map[string]int{}
	reads := 0
	err = s.each(ctx, st, access.Anonymous, store.Query{Kind: "test.item", From: from, Order: store.OrderAt}, func(e store.Entity) error {
		seen[e.ID]++
		if reads++; reads > 2*n {
			return errors.New("read more entities than there are: the pages go round")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range n {
		if !base.Add(time.Duration((i*7919)%50) * time.Hour).Before(from) {
			want++
			if id := fmt.Sprintf("e%04d", i); seen[id] != 1 {
				t.Fatalf("%s read %d times", id, seen[id])
			}
		}
	}
	if len(seen) != want {
		t.Errorf("read %d entities, want %d", len(seen), want)
	}
}
