package storetest

import (
	"reflect"
	"testing"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// testGuardsHold: a store's migrations leave every guard of the records in
// place, so CheckGuards finds no fault, before any record is logged and
// after; and trying the triggers on a logged record changes nothing. Each
// store's own tests drop the guards one by one (with SQL only it can run)
// and see each named.
func testGuardsHold(t *testing.T, s store.Store) {
	ctx := t.Context()
	check := func(when string) {
		t.Helper()
		faults, err := s.CheckGuards(ctx)
		if err != nil {
			t.Fatalf("CheckGuards %s: %v", when, err)
		}
		if len(faults) > 0 {
			t.Errorf("CheckGuards %s = %+v, want no fault", when, faults)
		}
	}
	check("on an empty store")
	a := newRecord("k", record.Audience{Scope: record.Public}, -1)
	b := newRecord("k", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &a, &b)
	setLeaves(t, s, map[string]int64{a.ID: 0})
	before, err := s.Records(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	check("with a logged record and a pending one")
	after, err := s.Records(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("CheckGuards changed the records:\n got %+v\nwant %+v", after, before)
	}
}
