// Package storetest is the conformance suite of the store contract: every
// database parley runs on (store/sqlite, store/postgres) passes the same
// tests, so that the application can neither tell them apart nor depend on
// a quirk of one. Above all it checks that each store's SQL translation of
// the visibility rule agrees with access.CanSee for every audience and every
// kind of viewer, the expectation being computed by CanSee itself.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// Run runs the suite. open returns a fresh, empty, migrated store for one
// subtest and arranges its cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"AppendRecord", testAppendRecord},
		{"AppendRecordTruncatesTime", testAppendRecordTruncatesTime},
		{"AppendRecordIgnoresLeafIndex", testAppendRecordIgnoresLeafIndex},
		{"DuplicateRecordID", testDuplicateRecordID},
		{"Chains", testChains},
		{"RecordByID", testRecordByID},
		{"SubjectRecords", testSubjectRecords},
		{"RecordsPaging", testRecordsPaging},
		{"SetLeafIndex", testSetLeafIndex},
		{"SetLeafIndexConflicts", testSetLeafIndexConflicts},
		{"SetLeafIndexSameTx", testSetLeafIndexSameTx},
		{"SetLeafIndexRollback", testSetLeafIndexRollback},
		{"PendingRecords", testPendingRecords},
		{"LeafCount", testLeafCount},
		{"Batches", testBatches},
		{"AppendItems", testAppendItems},
		{"ListItemsAmongEntities", testListItemsAmongEntities},
		{"RebuildItems", testRebuildItems},
		{"GuardsHold", testGuardsHold},
		{"PutEntity", testPutEntity},
		{"EntityNotFound", testEntityNotFound},
		{"EntityInvalidBody", testEntityInvalidBody},
		{"ReadYourWritesInTx", testReadYourWritesInTx},
		{"VisibilityMatrix", func(t *testing.T, s store.Store) { testVisibilityMatrix(t, s, open) }},
		{"EntitiesPagination", testEntitiesPagination},
		{"EntitiesParent", testEntitiesParent},
		{"EntityListColumns", testEntityListColumns},
		{"EntityFieldsReplaced", testEntityFieldsReplaced},
		{"EntityAtRange", testEntityAtRange},
		{"QueryRefused", testQueryRefused},
		{"ListFilters", testListFilters},
		{"ListVisibility", testListVisibility},
		{"ListAtTies", testListAtTies},
		{"ListCursorAndRange", testListCursorAndRange},
		{"ListInTx", testListInTx},
		{"RebuildClearsFields", testRebuildClearsFields},
		{"WriteRollback", testWriteRollback},
		{"TrySavepoint", testTrySavepoint},
		{"WritePanic", testWritePanic},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Principals", testPrincipals},
		{"PrincipalConflicts", testPrincipalConflicts},
		{"SigningKeys", testSigningKeys},
		{"SetSigningKeyRollback", testSetSigningKeyRollback},
		{"PasswordAndDisabled", testPasswordAndDisabled},
		{"Tokens", testTokens},
		{"Meta", testMeta},
		{"Blobs", testBlobs},
		{"Rebuild", testRebuild},
		{"RebuildManyRecords", testRebuildManyRecords},
		{"RebuildError", testRebuildError},
		{"ProjectionMigrations", testProjectionMigrations},
		{"ProjectionTx", testProjectionTx},
		{"FollowerPositions", testFollowerPositions},
		{"ResetProjection", testResetProjection},
		{"RowDigests", testRowDigests},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// when is a time with microseconds, the precision stores keep, in a zone
// other than UTC, so that the conversion to UTC is tested too.
var when = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.FixedZone("CET", 3600))

func write(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Write(t.Context(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

// newRecord returns a record with every field set.
func newRecord(kind string, a record.Audience, leaf int64) store.Record {
	id := record.NewID()
	return store.Record{
		ID:         id,
		Kind:       kind,
		Subject:    "subject-" + id,
		At:         when,
		Author:     record.Author{Principal: "p-" + id[:8], Party: "a"},
		Audience:   a,
		Canonical:  []byte(`{"id":"` + id + `","v":1}`),
		Salt:       fill(record.SaltSize, 0x5a),
		Commitment: fill(32, 0xc3),
		LeafIndex:  leaf,
	}
}

func appendRecords(t *testing.T, s store.Store, rs ...*store.Record) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.AppendRecord(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkTime reports a returned time that is not want's instant in UTC.
func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func checkRecord(t *testing.T, got, want store.Record) {
	t.Helper()
	checkTime(t, "record "+want.ID+" At", got.At, want.At)
	got.At, want.At = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("record round trip:\n got %+v\nwant %+v", got, want)
	}
}

func checkEntity(t *testing.T, got, want store.Entity) {
	t.Helper()
	checkTime(t, want.Kind+" "+want.ID+" Created", got.Created, want.Created)
	checkTime(t, want.Kind+" "+want.ID+" Updated", got.Updated, want.Updated)
	if want.At.IsZero() {
		if !got.At.IsZero() {
			t.Errorf("%s %s At = %v, want the zero time", want.Kind, want.ID, got.At)
		}
	} else {
		checkTime(t, want.Kind+" "+want.ID+" At", got.At, want.At)
	}
	if !bytes.Equal(got.Body, want.Body) || (got.Body == nil) != (want.Body == nil) {
		t.Errorf("%s %s Body = %q, want %q", want.Kind, want.ID, got.Body, want.Body)
	}
	// An entity without fields reads back with nil Fields, however they
	// were put.
	if len(want.Fields) == 0 {
		want.Fields = nil
	}
	got.Created, got.Updated, got.At, got.Body = time.Time{}, time.Time{}, time.Time{}, nil
	want.Created, want.Updated, want.At, want.Body = time.Time{}, time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entity round trip:\n got %+v\nwant %+v", got, want)
	}
}

func checkPrincipal(t *testing.T, got, want store.Principal) {
	t.Helper()
	checkTime(t, "principal "+want.Login+" Created", got.Created, want.Created)
	checkTime(t, "principal "+want.Login+" Disabled", got.Disabled, want.Disabled)
	got.Created, want.Created = time.Time{}, time.Time{}
	got.Disabled, want.Disabled = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("principal round trip:\n got %+v\nwant %+v", got, want)
	}
}

func testAppendRecord(t *testing.T, s store.Store) {
	rs := []store.Record{
		newRecord("round", record.Audience{Scope: record.Public}, -1),
		newRecord("session", record.Audience{Scope: record.PartyMediator, Party: "a"}, 0),
		newRecord("statement", record.Audience{Scope: record.List, Parties: []string{"a", "b"}}, 7),
		newRecord("note", record.Audience{Scope: record.PartyOnly, Party: "b"}, -1),
		newRecord("note", record.Audience{Scope: record.Parties}, 1<<40),
	}
	// Two transactions: Seq grows across commits, not only within one.
	appendRecords(t, s, &rs[0], &rs[1], &rs[2])
	appendRecords(t, s, &rs[3], &rs[4])
	for i := range rs {
		// The leaf indexes given are ignored: a new record is pending.
		if rs[i].LeafIndex != -1 {
			t.Errorf("record %d: LeafIndex = %d after AppendRecord, want -1", i, rs[i].LeafIndex)
		}
		if rs[i].Seq <= 0 {
			t.Fatalf("record %d: Seq = %d, want > 0", i, rs[i].Seq)
		}
		if i > 0 && rs[i].Seq <= rs[i-1].Seq {
			t.Fatalf("Seq not increasing: %d then %d", rs[i-1].Seq, rs[i].Seq)
		}
	}
	got, err := s.Records(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rs) {
		t.Fatalf("Records returned %d records, want %d", len(got), len(rs))
	}
	for i := range rs {
		want := rs[i]
		want.At = want.At.UTC()
		checkRecord(t, got[i], want)
	}
}

func testAppendRecordTruncatesTime(t *testing.T, s store.Store) {
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	r.At = time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	appendRecords(t, s, &r)
	got, err := s.RecordByID(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "At", got.At, r.At.Truncate(time.Microsecond))
}

func testDuplicateRecordID(t *testing.T, s store.Store) {
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &r)
	dup := newRecord("other", record.Audience{Scope: record.Parties}, -1)
	dup.ID = r.ID
	err := s.Write(t.Context(), func(tx store.Tx) error { return tx.AppendRecord(t.Context(), &dup) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate id: err = %v, want ErrConflict", err)
	}

	// A conflict leaves the transaction usable: the caller may go on.
	next := newRecord("note", record.Audience{Scope: record.Public}, -1)
	write(t, s, func(tx store.Tx) error {
		d := dup
		if err := tx.AppendRecord(t.Context(), &d); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("duplicate id in the same transaction: err = %v, want ErrConflict", err)
		}
		return tx.AppendRecord(t.Context(), &next)
	})
	got, err := s.Records(t.Context(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != r.ID || got[0].Kind != "note" || got[1].ID != next.ID {
		t.Fatalf("after conflicts, records = %+v, want %s then %s", got, r.ID, next.ID)
	}
}

func testRecordByID(t *testing.T, s store.Store) {
	// Audience does not matter to RecordByID: it is for audit, not requests.
	r := newRecord("note", record.Audience{Scope: record.PartyOnly, Party: "b"}, -1)
	other := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &other, &r)
	got, err := s.RecordByID(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.At = want.At.UTC()
	checkRecord(t, got, want)
	// Once set, the leaf index is part of the record read back.
	setLeaves(t, s, map[string]int64{r.ID: 3})
	got, err = s.RecordByID(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.LeafIndex = 3
	checkRecord(t, got, want)
	if got, err := s.RecordByID(t.Context(), other.ID); err != nil || got.LeafIndex != -1 {
		t.Fatalf("the other record = %+v, %v; want its leaf index still -1", got, err)
	}
	if _, err := s.RecordByID(t.Context(), record.NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing record: err = %v, want ErrNotFound", err)
	}
}

func testSubjectRecords(t *testing.T, s store.Store) {
	v1 := newRecord("note", record.Audience{Scope: record.PartyOnly, Party: "b"}, -1)
	other := newRecord("note", record.Audience{Scope: record.Public}, -1)
	v2 := newRecord("note", record.Audience{Scope: record.Public}, -1)
	v2.Subject = v1.Subject
	appendRecords(t, s, &v1, &other, &v2)
	got, err := s.SubjectRecords(t.Context(), v1.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != v1.ID || got[1].ID != v2.ID {
		t.Fatalf("SubjectRecords = %d records, want %s then %s", len(got), v1.ID, v2.ID)
	}
	if got, err := s.SubjectRecords(t.Context(), record.NewID()); err != nil || len(got) != 0 {
		t.Fatalf("SubjectRecords of no subject = %d records, %v; want none", len(got), err)
	}
}

func testRecordsPaging(t *testing.T, s store.Store) {
	rs := make([]store.Record, 7)
	ptrs := make([]*store.Record, len(rs))
	for i := range rs {
		rs[i] = newRecord(fmt.Sprint("k", i), record.Audience{Scope: record.Public}, -1)
		ptrs[i] = &rs[i]
	}
	appendRecords(t, s, ptrs...)
	for _, limit := range []int{1, 2, 3, 7, 100} {
		var got []string
		var after int64
		for {
			page, err := s.Records(t.Context(), after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(page))
			}
			for _, r := range page {
				got = append(got, r.ID)
			}
			if len(page) < limit {
				break
			}
			after = page[len(page)-1].Seq
		}
		var want []string
		for _, r := range rs {
			want = append(want, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: paged ids %v, want %v", limit, got, want)
		}
	}
	// From the middle.
	page, err := s.Records(t.Context(), rs[4].Seq, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != rs[5].ID || page[1].ID != rs[6].ID {
		t.Fatalf("Records after seq %d = %v, want records 5 and 6", rs[4].Seq, page)
	}
	if page, err := s.Records(t.Context(), rs[6].Seq, 100); err != nil || len(page) != 0 {
		t.Fatalf("Records after the last = %v, %v; want none", page, err)
	}
}

// setLeaves sets leaf indexes, record id -> index, in one transaction.
func setLeaves(t *testing.T, s store.Store, leaves map[string]int64) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for id, i := range leaves {
			if err := tx.SetLeafIndex(t.Context(), id, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// leafOf returns the leaf index RecordByID reports for id.
func leafOf(t *testing.T, s store.Store, id string) int64 {
	t.Helper()
	r, err := s.RecordByID(t.Context(), id)
	if err != nil {
		t.Fatalf("RecordByID(%s): %v", id, err)
	}
	return r.LeafIndex
}

func leafCount(t *testing.T, s store.Store) int64 {
	t.Helper()
	n, err := s.LeafCount(t.Context())
	if err != nil {
		t.Fatalf("LeafCount: %v", err)
	}
	return n
}

// pendingIDs returns the ids PendingRecords(limit) reports.
func pendingIDs(t *testing.T, s store.Store, limit int) []string {
	t.Helper()
	rs, err := s.PendingRecords(t.Context(), limit)
	if err != nil {
		t.Fatalf("PendingRecords(%d): %v", limit, err)
	}
	ids := []string{}
	for _, r := range rs {
		if r.LeafIndex != -1 {
			t.Errorf("PendingRecords returned record %s with leaf index %d", r.ID, r.LeafIndex)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func testAppendRecordIgnoresLeafIndex(t *testing.T, s store.Store) {
	// Whatever leaf index the caller puts in the record, it is stored
	// pending: only SetLeafIndex sets one.
	r := newRecord("note", record.Audience{Scope: record.Public}, 5)
	zero := newRecord("note", record.Audience{Scope: record.Public}, 0)
	appendRecords(t, s, &r, &zero)
	for _, x := range []store.Record{r, zero} {
		if x.LeafIndex != -1 {
			t.Errorf("record %s: LeafIndex = %d after AppendRecord, want -1", x.ID, x.LeafIndex)
		}
		if got := leafOf(t, s, x.ID); got != -1 {
			t.Errorf("record %s: stored leaf index %d, want -1", x.ID, got)
		}
	}
	if n := leafCount(t, s); n != 0 {
		t.Errorf("LeafCount = %d, want 0", n)
	}
	if got := pendingIDs(t, s, 10); !slices.Equal(got, []string{r.ID, zero.ID}) {
		t.Errorf("PendingRecords = %v, want both records", got)
	}
	// Nor did the ignored indexes take 5 or 0 from anyone.
	other := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &other)
	setLeaves(t, s, map[string]int64{other.ID: 5, zero.ID: 0})
	if got := leafOf(t, s, other.ID); got != 5 {
		t.Errorf("leaf index = %d, want 5", got)
	}
}

func testSetLeafIndex(t *testing.T, s store.Store) {
	r := newRecord("note", record.Audience{Scope: record.PartyOnly, Party: "b"}, -1)
	big := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &r, &big)
	setLeaves(t, s, map[string]int64{r.ID: 0, big.ID: 1 << 40})
	if got := leafOf(t, s, r.ID); got != 0 {
		t.Fatalf("leaf index = %d, want 0", got)
	}
	if got := leafOf(t, s, big.ID); got != 1<<40 {
		t.Fatalf("leaf index = %d, want %d", got, int64(1<<40))
	}
	// Setting the same index again is a no-op, in one transaction or
	// another, as often as asked: recovery may replay it.
	write(t, s, func(tx store.Tx) error {
		for range 2 {
			if err := tx.SetLeafIndex(t.Context(), r.ID, 0); err != nil {
				return fmt.Errorf("setting the same leaf index again: %w", err)
			}
		}
		return nil
	})
	if got := leafOf(t, s, r.ID); got != 0 {
		t.Fatalf("leaf index after setting it again = %d, want 0", got)
	}
	// Nothing else about the record changed.
	got, err := s.RecordByID(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.At = want.At.UTC()
	want.LeafIndex = 0
	checkRecord(t, got, want)
	// Records reports the index too.
	rs, err := s.Records(t.Context(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].LeafIndex != 0 || rs[1].LeafIndex != 1<<40 {
		t.Fatalf("Records = %+v, want leaf indexes 0 and 1<<40", rs)
	}
	if n := leafCount(t, s); n != 2 {
		t.Fatalf("LeafCount = %d, want 2", n)
	}
}

func testSetLeafIndexConflicts(t *testing.T, s store.Store) {
	a := newRecord("note", record.Audience{Scope: record.Public}, -1)
	b := newRecord("note", record.Audience{Scope: record.Public}, -1)
	c := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &a, &b, &c)
	setLeaves(t, s, map[string]int64{a.ID: 1041})
	set := func(id string, i int64) error {
		return s.Write(t.Context(), func(tx store.Tx) error { return tx.SetLeafIndex(t.Context(), id, i) })
	}

	// Another index for a record that has one.
	err := set(a.ID, 2093)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("changing a set leaf index: err = %v, want ErrConflict", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "1041") || !strings.Contains(msg, "2093") {
		t.Errorf("error %q should name both leaf indexes, 1041 and 2093", msg)
	}
	// An index another record holds.
	if err := set(b.ID, 1041); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taking another record's leaf index: err = %v, want ErrConflict", err)
	}
	// An unknown record.
	if err := set(record.NewID(), 7); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("leaf index of an unknown record: err = %v, want ErrNotFound", err)
	}
	// A negative index means "not set": it is no index to set.
	if err := set(b.ID, -1); err == nil {
		t.Fatal("SetLeafIndex accepted -1")
	}
	if got := leafOf(t, s, a.ID); got != 1041 {
		t.Errorf("leaf index of a after the conflicts = %d, want 1041", got)
	}
	if got := leafOf(t, s, b.ID); got != -1 {
		t.Errorf("leaf index of b after the conflicts = %d, want -1", got)
	}

	// None of the refusals spoils the transaction: the caller may go on.
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetLeafIndex(t.Context(), a.ID, 2093); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("changing a set leaf index: err = %v, want ErrConflict", err)
		}
		if err := tx.SetLeafIndex(t.Context(), b.ID, 1041); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("taking another record's leaf index: err = %v, want ErrConflict", err)
		}
		if err := tx.SetLeafIndex(t.Context(), record.NewID(), 7); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("leaf index of an unknown record: err = %v, want ErrNotFound", err)
		}
		if err := tx.SetLeafIndex(t.Context(), b.ID, 2093); err != nil {
			return err
		}
		// An index set earlier in this same transaction is taken too.
		if err := tx.SetLeafIndex(t.Context(), c.ID, 2093); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("taking a leaf index set earlier in the transaction: err = %v, want ErrConflict", err)
		}
		return tx.SetLeafIndex(t.Context(), c.ID, 7)
	})
	for id, want := range map[string]int64{a.ID: 1041, b.ID: 2093, c.ID: 7} {
		if got := leafOf(t, s, id); got != want {
			t.Errorf("leaf index of %s = %d, want %d", id, got, want)
		}
	}
	if n := leafCount(t, s); n != 3 {
		t.Errorf("LeafCount = %d, want 3", n)
	}
}

func testSetLeafIndexSameTx(t *testing.T, s store.Store) {
	// A record may be appended and given its leaf in one transaction.
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	write(t, s, func(tx store.Tx) error {
		if err := tx.AppendRecord(t.Context(), &r); err != nil {
			return err
		}
		return tx.SetLeafIndex(t.Context(), r.ID, 0)
	})
	if got := leafOf(t, s, r.ID); got != 0 {
		t.Fatalf("leaf index = %d, want 0", got)
	}
	if got := pendingIDs(t, s, 10); len(got) != 0 {
		t.Fatalf("PendingRecords = %v, want none", got)
	}
}

func testSetLeafIndexRollback(t *testing.T, s store.Store) {
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &r)
	boom := errors.New("boom")
	fresh := newRecord("note", record.Audience{Scope: record.Public}, -1)
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.SetLeafIndex(t.Context(), r.ID, 0); err != nil {
			return err
		}
		if err := tx.AppendRecord(t.Context(), &fresh); err != nil {
			return err
		}
		if err := tx.SetLeafIndex(t.Context(), fresh.ID, 1); err != nil {
			return err
		}
		return fmt.Errorf("abandon: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	if got := leafOf(t, s, r.ID); got != -1 {
		t.Errorf("leaf index after rollback = %d, want -1", got)
	}
	if _, err := s.RecordByID(t.Context(), fresh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record of a rolled-back Write: err = %v, want ErrNotFound", err)
	}
	if n := leafCount(t, s); n != 0 {
		t.Errorf("LeafCount after rollback = %d, want 0", n)
	}
	if got := pendingIDs(t, s, 10); !slices.Equal(got, []string{r.ID}) {
		t.Errorf("PendingRecords after rollback = %v, want %s", got, r.ID)
	}
	// Both the record and the indexes are free again: 1 rather than 0
	// this time, so that a rollback that kept either would show.
	setLeaves(t, s, map[string]int64{r.ID: 1})
	if got := leafOf(t, s, r.ID); got != 1 {
		t.Errorf("leaf index = %d, want 1", got)
	}
	other := newRecord("note", record.Audience{Scope: record.Public}, -1)
	appendRecords(t, s, &other)
	setLeaves(t, s, map[string]int64{other.ID: 0})
}

func testPendingRecords(t *testing.T, s store.Store) {
	if got := pendingIDs(t, s, 10); len(got) != 0 {
		t.Fatalf("PendingRecords of an empty store = %v", got)
	}
	// Records of every audience: PendingRecords is for recovery, not
	// requests, and ignores audiences.
	var rs []store.Record
	for _, a := range matrixAudiences() {
		rs = append(rs, newRecord("note", a.a, -1))
	}
	for i := range rs {
		appendRecords(t, s, &rs[i])
	}
	var all []string
	for _, r := range rs {
		all = append(all, r.ID)
	}
	if got := pendingIDs(t, s, 100); !slices.Equal(got, all) {
		t.Fatalf("PendingRecords = %v, want every record %v", got, all)
	}
	// Set every third leaf, in reverse order of seq, so that neither the
	// order of setting nor the leaf indexes can stand in for seq order.
	leaves := map[string]int64{}
	var want []string
	for i, r := range rs {
		if i%3 == 1 {
			leaves[r.ID] = int64(len(rs) - i)
		} else {
			want = append(want, r.ID)
		}
	}
	setLeaves(t, s, leaves)
	if got := pendingIDs(t, s, 100); !slices.Equal(got, want) {
		t.Fatalf("PendingRecords = %v, want %v", got, want)
	}
	// The limit, and a limit below 1 taken as 1.
	for _, limit := range []int{-1, 0, 1, 2, len(want) - 1, len(want), len(want) + 1} {
		n := min(max(limit, 1), len(want))
		if got := pendingIDs(t, s, limit); !slices.Equal(got, want[:n]) {
			t.Errorf("PendingRecords(%d) = %v, want %v", limit, got, want[:n])
		}
	}
	// Whole records, as RecordByID returns them.
	pending, err := s.PendingRecords(t.Context(), 1)
	if err != nil || len(pending) != 1 {
		t.Fatalf("PendingRecords(1) = %v, %v", pending, err)
	}
	first := rs[0]
	first.At = first.At.UTC()
	checkRecord(t, pending[0], first)
	// Records reports both kinds.
	got, err := s.Records(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		leaf, set := leaves[r.ID]
		if !set {
			leaf = -1
		}
		if r.LeafIndex != leaf {
			t.Errorf("Records: record %s has leaf index %d, want %d", r.ID, r.LeafIndex, leaf)
		}
	}
	// Nothing pending once every leaf is set.
	rest := map[string]int64{}
	for i, id := range want {
		rest[id] = int64(100 + i)
	}
	setLeaves(t, s, rest)
	if got := pendingIDs(t, s, 100); len(got) != 0 {
		t.Fatalf("PendingRecords with every leaf set = %v, want none", got)
	}
}

func testLeafCount(t *testing.T, s store.Store) {
	if n := leafCount(t, s); n != 0 {
		t.Fatalf("LeafCount of an empty store = %d, want 0", n)
	}
	rs := make([]store.Record, 5)
	for i := range rs {
		rs[i] = newRecord("note", record.Audience{Scope: record.Public}, int64(i))
		appendRecords(t, s, &rs[i])
	}
	if n := leafCount(t, s); n != 0 {
		t.Fatalf("LeafCount with every record pending = %d, want 0", n)
	}
	for i, r := range rs[:3] {
		setLeaves(t, s, map[string]int64{r.ID: int64(i)})
		if n := leafCount(t, s); n != int64(i+1) {
			t.Fatalf("LeafCount after %d leaves = %d", i+1, n)
		}
	}
	// Setting a leaf again counts nothing.
	setLeaves(t, s, map[string]int64{rs[0].ID: 0})
	if n := leafCount(t, s); n != 3 {
		t.Fatalf("LeafCount after setting a leaf again = %d, want 3", n)
	}
}

func newEntity(kind, id string, seq int64, a record.Audience) store.Entity {
	return store.Entity{
		Kind:       kind,
		ID:         id,
		Audience:   a,
		RecordID:   record.NewID(),
		Version:    1,
		CreatedSeq: seq,
		Created:    when.UTC(),
		Updated:    when.UTC(),
		Body:       json.RawMessage(fmt.Sprintf(`{"id": %q, "n": [1, 2.5, "x"]}`, id)),
	}
}

func putEntities(t *testing.T, s store.Store, es ...store.Entity) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for _, e := range es {
			if err := tx.PutEntity(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
}

func testPutEntity(t *testing.T, s store.Store) {
	e := newEntity("round", "r1", 5, record.Audience{Scope: record.List, Parties: []string{"a", "b"}})
	e.Parent = "process"
	e.Created = when // not UTC: stores return UTC
	e.Updated = when
	putEntities(t, s, e)
	got, err := s.Entity(t.Context(), access.System, "round", "r1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, e)

	// Replace: every column but the key is the new one.
	e2 := e
	e2.Version = 2
	e2.RecordID = record.NewID()
	e2.Updated = when.Add(time.Hour + time.Microsecond)
	e2.Body = json.RawMessage(`{"title":"second"}`)
	e2.Audience = record.Audience{Scope: record.PartyMediator, Party: "a"}
	e2.Parent = "other"
	putEntities(t, s, e2)
	got, err = s.Entity(t.Context(), access.System, "round", "r1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, e2)
	if got.CreatedSeq != 5 {
		t.Errorf("CreatedSeq = %d, want 5 as given", got.CreatedSeq)
	}
	es, more, err := s.Entities(t.Context(), access.System, store.Query{Kind: "round", Limit: 10})
	if err != nil || more || len(es) != 1 {
		t.Fatalf("Entities after replace = %d entities, more %v, err %v; want one", len(es), more, err)
	}

	// The key is (kind, id): the same id under another kind is another row.
	other := newEntity("session", "r1", 6, record.Audience{Scope: record.Public})
	other.Body = nil
	putEntities(t, s, other)
	got, err = s.Entity(t.Context(), access.System, "session", "r1")
	if err != nil {
		t.Fatal(err)
	}
	checkEntity(t, got, other)
	if got, err := s.Entity(t.Context(), access.System, "round", "r1"); err != nil || got.Version != 2 {
		t.Fatalf("round r1 after putting session r1 = %+v, %v", got, err)
	}
}

func testEntityNotFound(t *testing.T, s store.Store) {
	putEntities(t, s, newEntity("round", "r1", 1, record.Audience{Scope: record.Public}))
	for _, c := range []struct{ kind, id string }{{"round", "r2"}, {"session", "r1"}, {"", ""}} {
		if _, err := s.Entity(t.Context(), access.System, c.kind, c.id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Entity(%q, %q): err = %v, want ErrNotFound", c.kind, c.id, err)
		}
	}
	es, more, err := s.Entities(t.Context(), access.System, store.Query{Kind: "session", Limit: 10})
	if err != nil || more || len(es) != 0 {
		t.Fatalf("Entities of an empty kind = %v, %v, %v; want none", es, more, err)
	}
}

func testEntityInvalidBody(t *testing.T, s store.Store) {
	e := newEntity("round", "bad", 1, record.Audience{Scope: record.Public})
	e.Body = json.RawMessage(`{"unterminated`)
	good := newEntity("round", "good", 2, record.Audience{Scope: record.Public})
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutEntity(t.Context(), e); err == nil {
			return errors.New("PutEntity accepted a body that is not JSON")
		}
		// The refusal leaves the transaction usable.
		return tx.PutEntity(t.Context(), good)
	})
	if _, err := s.Entity(t.Context(), access.System, "round", "bad"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("entity with invalid body: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Entity(t.Context(), access.System, "round", "good"); err != nil {
		t.Fatal(err)
	}
}

func testReadYourWritesInTx(t *testing.T, s store.Store) {
	e := newEntity("round", "r1", 1, record.Audience{Scope: record.PartyOnly, Party: "a"})
	a := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	b := access.ViewerOf(access.Principal{Party: "b", PartyRole: access.ProcessParty})
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutEntity(t.Context(), e); err != nil {
			return err
		}
		if _, err := tx.Entity(t.Context(), a, "round", "r1"); err != nil {
			return fmt.Errorf("uncommitted entity not visible in its own transaction: %w", err)
		}
		if _, err := tx.Entity(t.Context(), b, "round", "r1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("Tx.Entity ignores visibility: err = %v, want ErrNotFound", err)
		}
		es, _, err := tx.Entities(t.Context(), a, store.Query{Kind: "round", Limit: 5})
		if err != nil || len(es) != 1 {
			return fmt.Errorf("Tx.Entities = %v, %v; want the uncommitted entity", es, err)
		}
		if es, _, err := tx.Entities(t.Context(), b, store.Query{Kind: "round", Limit: 5}); err != nil || len(es) != 0 {
			return fmt.Errorf("Tx.Entities ignores visibility: %v, %v", es, err)
		}
		return nil
	})
}

// matrixViewers are the kinds of viewer there are, and a few odd ones that
// no principal yields but that the SQL must still treat exactly as CanSee.
func matrixViewers() []struct {
	name string
	v    access.Viewer
} {
	of := func(party string, role access.ProcessRole) access.Viewer {
		return access.ViewerOf(access.Principal{ID: "p-" + party, Login: party, Party: party, PartyRole: role})
	}
	return []struct {
		name string
		v    access.Viewer
	}{
		{"anonymous", access.Anonymous},
		{"mediator med", of("med", access.ProcessMediator)},
		{"party a", of("a", access.ProcessParty)},
		{"party b", of("b", access.ProcessParty)},
		{"observer obs", of("obs", access.ProcessObserver)},
		{"system", access.System},
		{"odd: mediator without party", access.Viewer{Participant: true, Mediator: true}},
		{"odd: participant without party", access.Viewer{Participant: true}},
		{"odd: non-participant c", access.Viewer{Party: "c"}},
		{"odd: upper-case A", access.Viewer{Party: "A", Participant: true}},
		{"odd: party a,b", access.Viewer{Party: "a,b", Participant: true}},
		{"odd: party %", access.Viewer{Party: "%", Participant: true}},
		{"odd: party _", access.Viewer{Party: "_", Participant: true}},
		{"odd: party a-", access.Viewer{Party: "a-", Participant: true}},
	}
}

func matrixAudiences() []struct {
	id string
	a  record.Audience
} {
	return []struct {
		id string
		a  record.Audience
	}{
		{"public", record.Audience{Scope: record.Public}},
		{"parties", record.Audience{Scope: record.Parties}},
		{"pm-a", record.Audience{Scope: record.PartyMediator, Party: "a"}},
		{"pm-b", record.Audience{Scope: record.PartyMediator, Party: "b"}},
		{"only-a", record.Audience{Scope: record.PartyOnly, Party: "a"}},
		{"only-b", record.Audience{Scope: record.PartyOnly, Party: "b"}},
		{"list-ab", record.Audience{Scope: record.List, Parties: []string{"a", "b"}}},
		{"list-c", record.Audience{Scope: record.List, Parties: []string{"c"}}},
		{"list-a-b", record.Audience{Scope: record.List, Parties: []string{"a-b", "ba"}}},
		{"unknown-scope", record.Audience{Scope: "secret"}},
	}
}

func testVisibilityMatrix(t *testing.T, s store.Store, open func(*testing.T) store.Store) {
	auds := matrixAudiences()
	var all []store.Entity
	for i, a := range auds {
		all = append(all, newEntity("matrix", a.id, int64(i+1), a.a))
	}
	putEntities(t, s, all...)
	// What a store says of an entity that does not exist, for comparison
	// with what it says of one the viewer may not see.
	empty := open(t)

	for _, vc := range matrixViewers() {
		t.Run(vc.name, func(t *testing.T) {
			var want []string
			for _, e := range all {
				if access.CanSee(vc.v, e.Audience) {
					want = append(want, e.ID)
				}
			}
			check := func(where string, r store.Reader) error {
				for _, e := range all {
					got, err := r.Entity(t.Context(), vc.v, e.Kind, e.ID)
					if access.CanSee(vc.v, e.Audience) {
						if err != nil {
							return fmt.Errorf("%s: Entity(%s) = %v, want it visible", where, e.ID, err)
						}
						if got.ID != e.ID || !reflect.DeepEqual(got.Audience, e.Audience) {
							return fmt.Errorf("%s: Entity(%s) = %+v", where, e.ID, got)
						}
						continue
					}
					if !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("%s: Entity(%s) err = %v, want ErrNotFound", where, e.ID, err)
					}
					_, missing := empty.Entity(t.Context(), vc.v, e.Kind, e.ID)
					if err.Error() != missing.Error() {
						return fmt.Errorf("%s: Entity(%s) error %q differs from a missing entity's %q", where, e.ID, err, missing)
					}
				}
				es, more, err := r.Entities(t.Context(), vc.v, store.Query{Kind: "matrix", Limit: 100})
				if err != nil {
					return fmt.Errorf("%s: Entities: %w", where, err)
				}
				var got []string
				for _, e := range es {
					got = append(got, e.ID)
				}
				if !slices.Equal(got, want) || more {
					return fmt.Errorf("%s: Entities = %v (more %v), want %v", where, got, more, want)
				}
				return nil
			}
			if err := check("store", s); err != nil {
				t.Error(err)
			}
			// The transaction's reads take the same rule.
			errDone := errors.New("done")
			err := s.Write(t.Context(), func(tx store.Tx) error {
				if err := check("tx", tx); err != nil {
					return err
				}
				return errDone
			})
			if !errors.Is(err, errDone) {
				t.Error(err)
			}
		})
	}
}

// page reads a whole list through pages of limit entities, checking the
// more flag on every page.
func page(t *testing.T, r store.Reader, v access.Viewer, q store.Query, limit int) []string {
	t.Helper()
	var ids []string
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("pagination does not end")
		}
		q.Limit = limit
		es, more, err := r.Entities(t.Context(), v, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > max(limit, 1) {
			t.Fatalf("limit %d: page of %d", limit, len(es))
		}
		if more && len(es) < max(limit, 1) {
			t.Fatalf("limit %d: short page of %d with more set", limit, len(es))
		}
		for _, e := range es {
			ids = append(ids, e.ID)
			if e.CreatedSeq <= q.After {
				t.Fatalf("entity %s has CreatedSeq %d, not after %d", e.ID, e.CreatedSeq, q.After)
			}
		}
		if !more {
			// Nothing the viewer may see follows.
			if len(es) > 0 {
				q.After = es[len(es)-1].CreatedSeq
			}
			q.Limit = 100
			rest, _, err := r.Entities(t.Context(), v, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 0 {
				t.Fatalf("limit %d: more is false but %d entities follow", limit, len(rest))
			}
			return ids
		}
		q.After = es[len(es)-1].CreatedSeq
	}
}

func testEntitiesPagination(t *testing.T, s store.Store) {
	// Visible and invisible rows interleave, and the list ends with
	// invisible ones, so that "more" must count only visible rows. They are
	// put out of order, so that the order must come from CreatedSeq.
	var es []store.Entity
	for i := 12; i >= 1; i-- {
		a := record.Audience{Scope: record.Public}
		if i%2 == 0 || i >= 11 {
			a = record.Audience{Scope: record.PartyOnly, Party: "b"}
		}
		es = append(es, newEntity("item", fmt.Sprintf("item-%02d", i), int64(i*10), a))
	}
	es = append(es, newEntity("other", "other-1", 55, record.Audience{Scope: record.Public}))
	putEntities(t, s, es...)

	a := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	b := access.ViewerOf(access.Principal{Party: "b", PartyRole: access.ProcessParty})
	for _, vc := range []struct {
		name string
		v    access.Viewer
	}{{"a", a}, {"b", b}, {"system", access.System}, {"anonymous", access.Anonymous}} {
		var want []string
		for i := 1; i <= 12; i++ {
			e := es[12-i]
			if access.CanSee(vc.v, e.Audience) {
				want = append(want, e.ID)
			}
		}
		for _, limit := range []int{-1, 0, 1, 2, 3, 5, 20} {
			got := page(t, s, vc.v, store.Query{Kind: "item"}, limit)
			if !slices.Equal(got, want) {
				t.Errorf("viewer %s, limit %d: pages = %v, want %v", vc.name, limit, got, want)
			}
		}
	}

	// A limit below 1 is taken as 1.
	got, more, err := s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "item", Limit: 0})
	if err != nil || len(got) != 1 || got[0].ID != "item-01" || !more {
		t.Fatalf("Limit 0 = %v, more %v, err %v; want item-01 and more", got, more, err)
	}
	// After skips strictly past the given CreatedSeq.
	got, more, err = s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "item", After: 30, Limit: 2})
	if err != nil || len(got) != 2 || got[0].ID != "item-05" || got[1].ID != "item-07" || !more {
		t.Fatalf("After 30 = %v, more %v, err %v; want item-05, item-07 and more", got, more, err)
	}
	// The last visible one, then only invisible ones: no more.
	got, more, err = s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "item", After: 70, Limit: 1})
	if err != nil || len(got) != 1 || got[0].ID != "item-09" || more {
		t.Fatalf("After 70 = %v, more %v, err %v; want item-09 and no more", got, more, err)
	}
	got, more, err = s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "item", After: 90, Limit: 5})
	if err != nil || len(got) != 0 || more {
		t.Fatalf("After 90 = %v, more %v, err %v; want nothing", got, more, err)
	}
}

func testEntitiesParent(t *testing.T, s store.Store) {
	var es []store.Entity
	for i := 1; i <= 10; i++ {
		a := record.Audience{Scope: record.Public}
		if i%3 == 0 {
			a = record.Audience{Scope: record.PartyMediator, Party: "b"}
		}
		e := newEntity("session", fmt.Sprintf("s%02d", i), int64(i), a)
		e.Parent = []string{"round-1", "round-2"}[i%2]
		es = append(es, e)
	}
	putEntities(t, s, es...)
	a := access.ViewerOf(access.Principal{Party: "a", PartyRole: access.ProcessParty})
	med := access.ViewerOf(access.Principal{Party: "med", PartyRole: access.ProcessMediator})
	for _, v := range []access.Viewer{a, med, access.Anonymous} {
		for _, parent := range []string{"round-1", "round-2", "round-3", ""} {
			var want []string
			for _, e := range es {
				if (parent == "" || e.Parent == parent) && access.CanSee(v, e.Audience) {
					want = append(want, e.ID)
				}
			}
			for _, limit := range []int{1, 2, 100} {
				got := page(t, s, v, store.Query{Kind: "session", Parent: parent}, limit)
				if !slices.Equal(got, want) {
					t.Errorf("viewer %+v, parent %q, limit %d: %v, want %v", v, parent, limit, got, want)
				}
			}
		}
	}
}

func testWriteRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	e := newEntity("round", "r1", 1, record.Audience{Scope: record.Public})
	p := store.Principal{Principal: access.Principal{ID: "p1", Login: "alice", Party: "a", PartyRole: access.ProcessParty}, Created: when}
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.AppendRecord(t.Context(), &r); err != nil {
			return err
		}
		if err := tx.PutEntity(t.Context(), e); err != nil {
			return err
		}
		if err := tx.PutPrincipal(t.Context(), p); err != nil {
			return err
		}
		if err := tx.PutToken(t.Context(), store.Token{Hash: "h1", PrincipalID: "p1", Created: when}); err != nil {
			return err
		}
		if err := tx.SetMeta(t.Context(), "k", []byte("v")); err != nil {
			return err
		}
		return fmt.Errorf("abandon: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	if _, err := s.RecordByID(t.Context(), r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record after rollback: err = %v, want ErrNotFound", err)
	}
	if rs, err := s.Records(t.Context(), 0, 10); err != nil || len(rs) != 0 {
		t.Errorf("Records after rollback = %v, %v", rs, err)
	}
	if _, err := s.Entity(t.Context(), access.System, "round", "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("entity after rollback: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PrincipalByLogin(t.Context(), "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("principal after rollback: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PrincipalByToken(t.Context(), "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token after rollback: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Meta(t.Context(), "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("meta after rollback: err = %v, want ErrNotFound", err)
	}
	// The store is still writable, and the rolled-back id is free again.
	appendRecords(t, s, &r)
}

func testWritePanic(t *testing.T, s store.Store) {
	r := newRecord("note", record.Audience{Scope: record.Public}, -1)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("fn's panic did not reach the caller")
			}
		}()
		_ = s.Write(t.Context(), func(tx store.Tx) error {
			if err := tx.AppendRecord(t.Context(), &r); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	// The transaction was rolled back and its connection given back: a
	// store that leaked it would wait here forever.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := s.RecordByID(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("record of a panicked Write: err = %v, want ErrNotFound", err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.AppendRecord(ctx, &r) }); err != nil {
		t.Fatalf("Write after a panic: %v", err)
	}
}

func testConcurrentWrites(t *testing.T, s store.Store) {
	const writers, each = 8, 25
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seqs = map[int64]string{}
		errs []error
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := newRecord(fmt.Sprintf("w%d", w), record.Audience{Scope: record.Public}, -1)
				err := s.Write(t.Context(), func(tx store.Tx) error {
					if err := tx.AppendRecord(t.Context(), &r); err != nil {
						return err
					}
					return tx.PutEntity(t.Context(), newEntity("item", fmt.Sprintf("w%d-%d", w, i), r.Seq, r.Audience))
				})
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else if other, dup := seqs[r.Seq]; dup {
					errs = append(errs, fmt.Errorf("seq %d given to %s and %s", r.Seq, other, r.ID))
				} else {
					seqs[r.Seq] = r.ID
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errors.Join(errs...))
	}
	rs, err := s.Records(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != writers*each {
		t.Fatalf("%d records landed, want %d", len(rs), writers*each)
	}
	for i, r := range rs {
		if seqs[r.Seq] != r.ID {
			t.Fatalf("record %s has seq %d, Write reported that seq for %q", r.ID, r.Seq, seqs[r.Seq])
		}
		if i > 0 && r.Seq <= rs[i-1].Seq {
			t.Fatalf("Records out of order: seq %d after %d", r.Seq, rs[i-1].Seq)
		}
	}
	es, _, err := s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "item", Limit: 1000})
	if err != nil || len(es) != writers*each {
		t.Fatalf("%d entities landed (err %v), want %d", len(es), err, writers*each)
	}
}

func newPrincipal(id, login, party string, role access.ProcessRole, roles ...access.Role) store.Principal {
	return store.Principal{
		Principal: access.Principal{
			ID: id, Login: login, Name: "Name of " + login, Party: party, PartyRole: role, Roles: roles,
		},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
		Created:      when,
	}
}

func putPrincipals(t *testing.T, s store.Store, ps ...store.Principal) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for _, p := range ps {
			if err := tx.PutPrincipal(t.Context(), p); err != nil {
				return err
			}
		}
		return nil
	})
}

func testPrincipals(t *testing.T, s store.Store) {
	ps := []store.Principal{
		newPrincipal("p1", "zed", "med", access.ProcessMediator, access.RoleMediator, access.RoleAdmin),
		newPrincipal("p2", "alice", "a", access.ProcessParty, access.RoleNegotiator),
		newPrincipal("p3", "Bob", "b", access.ProcessParty),
		newPrincipal("p4", "a-b", "obs", access.ProcessObserver, access.RoleObserver),
		newPrincipal("p5", "ab", "a", access.ProcessParty, access.RoleApprover),
	}
	ps[3].PasswordHash = "" // an API client
	ps[1].SigningKey = signingKey("alice", 1)
	ps[3].SigningKey = signingKey("a-b", 2) // clients sign too
	putPrincipals(t, s, ps...)
	for _, p := range ps {
		want := p
		want.Created = want.Created.UTC()
		got, err := s.PrincipalByLogin(t.Context(), p.Login)
		if err != nil {
			t.Fatal(err)
		}
		checkPrincipal(t, got, want)
		got, err = s.PrincipalByID(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkPrincipal(t, got, want)
	}
	if _, err := s.PrincipalByLogin(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown login: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PrincipalByLogin(t.Context(), "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("logins are exact: err = %v, want ErrNotFound for bob when Bob exists", err)
	}
	if _, err := s.PrincipalByID(t.Context(), "p9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}

	all, err := s.Principals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, p := range all {
		got = append(got, p.Login)
	}
	for _, p := range ps {
		want = append(want, p.Login)
	}
	slices.Sort(want) // byte order, the same in every store
	if !slices.Equal(got, want) {
		t.Fatalf("Principals in order %v, want %v", got, want)
	}
}

func testPrincipalConflicts(t *testing.T, s store.Store) {
	putPrincipals(t, s, newPrincipal("p1", "alice", "a", access.ProcessParty))
	for _, p := range []store.Principal{
		newPrincipal("p2", "alice", "b", access.ProcessParty),  // login taken
		newPrincipal("p1", "alicia", "b", access.ProcessParty), // id taken
	} {
		err := s.Write(t.Context(), func(tx store.Tx) error { return tx.PutPrincipal(t.Context(), p) })
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("PutPrincipal(%s, %s): err = %v, want ErrConflict", p.ID, p.Login, err)
		}
	}
	// A conflict leaves the transaction usable.
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutPrincipal(t.Context(), newPrincipal("p3", "alice", "b", access.ProcessParty)); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("PutPrincipal with a taken login: err = %v, want ErrConflict", err)
		}
		return tx.PutPrincipal(t.Context(), newPrincipal("p3", "carol", "b", access.ProcessParty))
	})
	if p, err := s.PrincipalByLogin(t.Context(), "alice"); err != nil || p.ID != "p1" || p.Party != "a" {
		t.Errorf("alice after conflicts = %+v, %v; want the first", p, err)
	}
	if _, err := s.PrincipalByLogin(t.Context(), "alicia"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alicia: err = %v, want ErrNotFound", err)
	}
	if _, err := s.PrincipalByLogin(t.Context(), "carol"); err != nil {
		t.Errorf("carol: %v", err)
	}
}

// signingKey returns a verifier key in the form of golang.org/x/mod's
// sumdb/note ("name+hash+base64 of the algorithm byte and the Ed25519 public
// key"), distinct for each n. Stores keep it as an opaque string.
func signingKey(name string, n byte) string {
	k := append([]byte{1}, fill(32, n)...)
	return fmt.Sprintf("%s+%08x+%s", name, 0x1f2e3d00|uint32(n), base64.StdEncoding.EncodeToString(k))
}

// checkPrincipalEverywhere checks that every reader of principals returns
// want: by login, by id, in the list, and by token when tokenHash is set.
func checkPrincipalEverywhere(t *testing.T, s store.Store, want store.Principal, tokenHash string) {
	t.Helper()
	want.Created = want.Created.UTC()
	got, err := s.PrincipalByLogin(t.Context(), want.Login)
	if err != nil {
		t.Fatalf("PrincipalByLogin(%s): %v", want.Login, err)
	}
	checkPrincipal(t, got, want)
	got, err = s.PrincipalByID(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("PrincipalByID(%s): %v", want.ID, err)
	}
	checkPrincipal(t, got, want)
	if tokenHash != "" {
		got, err = s.PrincipalByToken(t.Context(), tokenHash)
		if err != nil {
			t.Fatalf("PrincipalByToken(%s): %v", tokenHash, err)
		}
		checkPrincipal(t, got, want)
	}
	all, err := s.Principals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(p store.Principal) bool { return p.ID == want.ID })
	if i < 0 {
		t.Fatalf("Principals lacks %s", want.ID)
	}
	checkPrincipal(t, all[i], want)
}

func testSigningKeys(t *testing.T, s store.Store) {
	// alice is put with a key, bob without, carol with one and a token.
	alice := newPrincipal("p1", "alice", "a", access.ProcessParty, access.RoleApprover)
	alice.SigningKey = signingKey("alice", 1)
	bob := newPrincipal("p2", "bob", "b", access.ProcessParty, access.RoleApprover)
	carol := newPrincipal("p3", "carol", "a", access.ProcessParty)
	carol.PasswordHash = ""
	carol.SigningKey = signingKey("carol", 2)
	putPrincipals(t, s, alice, bob, carol)
	write(t, s, func(tx store.Tx) error {
		for _, tok := range []store.Token{
			{Hash: "hash-a", PrincipalID: "p1", Label: "cli", Created: when},
			{Hash: "hash-b", PrincipalID: "p2", Label: "cli", Created: when},
			{Hash: "hash-c", PrincipalID: "p3", Label: "ci", Created: when},
		} {
			if err := tx.PutToken(t.Context(), tok); err != nil {
				return err
			}
		}
		return nil
	})
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bob, "hash-b") // SigningKey ""
	checkPrincipalEverywhere(t, s, carol, "hash-c")

	// Setting a key where there was none, and replacing one; one write may
	// set a key twice, the last one standing. Others are left alone.
	bob.SigningKey = signingKey("bob", 3)
	alice.SigningKey = signingKey("alice", 4)
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetSigningKey(t.Context(), "p2", bob.SigningKey); err != nil {
			return fmt.Errorf("setting bob's first key: %w", err)
		}
		if err := tx.SetSigningKey(t.Context(), "p1", signingKey("alice", 9)); err != nil {
			return fmt.Errorf("replacing alice's key: %w", err)
		}
		if err := tx.SetSigningKey(t.Context(), "p1", alice.SigningKey); err != nil {
			return fmt.Errorf("replacing alice's key again: %w", err)
		}
		return nil
	})
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bob, "hash-b")
	checkPrincipalEverywhere(t, s, carol, "hash-c")

	// The same key again is no error, and changes nothing.
	write(t, s, func(tx store.Tx) error { return tx.SetSigningKey(t.Context(), "p2", bob.SigningKey) })
	checkPrincipalEverywhere(t, s, bob, "hash-b")

	// An unknown principal is ErrNotFound, leaves the transaction usable,
	// and creates no one. Ids are exact.
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"p9", "P1", ""} {
			if err := tx.SetSigningKey(t.Context(), id, signingKey("nobody", 5)); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("SetSigningKey(%q): err = %v, want ErrNotFound", id, err)
			}
		}
		carol.SigningKey = signingKey("carol", 6)
		return tx.SetSigningKey(t.Context(), "p3", carol.SigningKey)
	})
	checkPrincipalEverywhere(t, s, carol, "hash-c")
	if _, err := s.PrincipalByID(t.Context(), "p9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("p9 after SetSigningKey: err = %v, want ErrNotFound", err)
	}
	if all, err := s.Principals(t.Context()); err != nil || len(all) != 3 {
		t.Errorf("Principals = %d, %v; want 3", len(all), err)
	}
	err := s.Write(t.Context(), func(tx store.Tx) error { return tx.SetSigningKey(t.Context(), "p9", signingKey("nobody", 5)) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Write of SetSigningKey(p9): err = %v, want ErrNotFound", err)
	}

	// A principal put in the same transaction may be given a key at once.
	dave := newPrincipal("p4", "dave", "b", access.ProcessParty)
	dave.SigningKey = signingKey("dave", 7)
	write(t, s, func(tx store.Tx) error {
		d := dave
		d.SigningKey = ""
		if err := tx.PutPrincipal(t.Context(), d); err != nil {
			return err
		}
		return tx.SetSigningKey(t.Context(), "p4", dave.SigningKey)
	})
	checkPrincipalEverywhere(t, s, dave, "")

	// Setting "" removes the key.
	alice.SigningKey = ""
	write(t, s, func(tx store.Tx) error { return tx.SetSigningKey(t.Context(), "p1", "") })
	checkPrincipalEverywhere(t, s, alice, "hash-a")
}

func testSetSigningKeyRollback(t *testing.T, s store.Store) {
	alice := newPrincipal("p1", "alice", "a", access.ProcessParty, access.RoleApprover)
	alice.SigningKey = signingKey("alice", 1)
	bob := newPrincipal("p2", "bob", "b", access.ProcessParty)
	putPrincipals(t, s, alice, bob)
	write(t, s, func(tx store.Tx) error {
		return tx.PutToken(t.Context(), store.Token{Hash: "hash-a", PrincipalID: "p1", Label: "cli", Created: when})
	})
	boom := errors.New("boom")
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.SetSigningKey(t.Context(), "p1", signingKey("alice", 2)); err != nil {
			return err
		}
		if err := tx.SetSigningKey(t.Context(), "p2", signingKey("bob", 3)); err != nil {
			return err
		}
		return fmt.Errorf("abandon: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	// Neither the replaced key nor the new one survives.
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bob, "")
}

// testPasswordAndDisabled: a principal's password hash is replaced, and it
// is disabled and enabled again, by every reader's account (its token's
// too: the store reports a disabled principal; refusing it is auth's
// part); an unknown principal is ErrNotFound, and a rolled-back write
// changes nothing.
func testPasswordAndDisabled(t *testing.T, s store.Store) {
	alice := newPrincipal("p1", "alice", "a", access.ProcessParty, access.RoleNegotiator)
	bot := newPrincipal("p2", "bot", "a", access.ProcessParty)
	bot.PasswordHash = ""
	bot.Disabled = when.Add(time.Minute) // put disabled
	putPrincipals(t, s, alice, bot)
	write(t, s, func(tx store.Tx) error {
		for _, tok := range []store.Token{
			{Hash: "hash-a", PrincipalID: "p1", Label: "cli", Created: when},
			{Hash: "hash-b", PrincipalID: "p2", Label: "feed", Created: when},
		} {
			if err := tx.PutToken(t.Context(), tok); err != nil {
				return err
			}
		}
		return nil
	})
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bot, "hash-b")

	// A new password and a disabling in one write, each set twice, the
	// last standing; bot is left alone.
	alice.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdDI$aGFzaDI"
	alice.Disabled = when.Add(time.Hour)
	write(t, s, func(tx store.Tx) error {
		for _, h := range []string{"$argon2id$v=19$m=65536,t=3,p=2$eA$eQ", alice.PasswordHash} {
			if err := tx.SetPasswordHash(t.Context(), "p1", h); err != nil {
				return fmt.Errorf("SetPasswordHash: %w", err)
			}
		}
		for _, at := range []time.Time{when, alice.Disabled} {
			if err := tx.SetDisabled(t.Context(), "p1", at); err != nil {
				return fmt.Errorf("SetDisabled: %w", err)
			}
		}
		return nil
	})
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bot, "hash-b")

	// Enabled again by the zero time; the same value again is no error.
	alice.Disabled, bot.Disabled = time.Time{}, time.Time{}
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"p1", "p2", "p2"} {
			if err := tx.SetDisabled(t.Context(), id, time.Time{}); err != nil {
				return fmt.Errorf("enabling %s: %w", id, err)
			}
		}
		return tx.SetPasswordHash(t.Context(), "p1", alice.PasswordHash)
	})
	checkPrincipalEverywhere(t, s, alice, "hash-a")
	checkPrincipalEverywhere(t, s, bot, "hash-b")

	// An unknown principal is ErrNotFound and leaves the transaction
	// usable; ids are exact.
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"p9", "P1", ""} {
			if err := tx.SetPasswordHash(t.Context(), id, "x"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("SetPasswordHash(%q): err = %v, want ErrNotFound", id, err)
			}
			if err := tx.SetDisabled(t.Context(), id, when); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("SetDisabled(%q): err = %v, want ErrNotFound", id, err)
			}
		}
		return nil
	})
	if all, err := s.Principals(t.Context()); err != nil || len(all) != 2 {
		t.Errorf("Principals = %d, %v; want 2", len(all), err)
	}

	// A write that fails keeps neither change.
	boom := errors.New("boom")
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if err := tx.SetPasswordHash(t.Context(), "p1", "$argon2id$v=19$m=65536,t=3,p=2$eg$eg"); err != nil {
			return err
		}
		if err := tx.SetDisabled(t.Context(), "p1", when); err != nil {
			return err
		}
		return fmt.Errorf("abandon: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	checkPrincipalEverywhere(t, s, alice, "hash-a")
}

func testTokens(t *testing.T, s store.Store) {
	alice := newPrincipal("p1", "alice", "a", access.ProcessParty, access.RoleNegotiator)
	bot := newPrincipal("p2", "bot", "a", access.ProcessParty)
	bot.PasswordHash = ""
	bot.SigningKey = signingKey("bot", 3)
	putPrincipals(t, s, alice, bot)
	write(t, s, func(tx store.Tx) error {
		for _, tok := range []store.Token{
			{Hash: "hash-1", PrincipalID: "p2", Label: "ci", Created: when},
			{Hash: "hash-2", PrincipalID: "p2", Label: "backup", Created: when},
			{Hash: "hash-3", PrincipalID: "p1", Label: "cli", Created: when},
		} {
			if err := tx.PutToken(t.Context(), tok); err != nil {
				return err
			}
		}
		return nil
	})
	for hash, want := range map[string]store.Principal{"hash-1": bot, "hash-2": bot, "hash-3": alice} {
		got, err := s.PrincipalByToken(t.Context(), hash)
		if err != nil {
			t.Fatalf("PrincipalByToken(%s): %v", hash, err)
		}
		want.Created = want.Created.UTC()
		checkPrincipal(t, got, want)
	}
	if _, err := s.PrincipalByToken(t.Context(), "hash-9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: err = %v, want ErrNotFound", err)
	}
	write(t, s, func(tx store.Tx) error {
		err := tx.PutToken(t.Context(), store.Token{Hash: "hash-1", PrincipalID: "p1", Label: "again", Created: when})
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("duplicate token hash: err = %v, want ErrConflict", err)
		}
		err = tx.PutToken(t.Context(), store.Token{Hash: "hash-8", PrincipalID: "p9", Label: "orphan", Created: when})
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("token of an unknown principal: err = %v, want ErrNotFound", err)
		}
		// Neither refusal spoils the transaction.
		return tx.PutToken(t.Context(), store.Token{Hash: "hash-4", PrincipalID: "p1", Label: "new", Created: when})
	})
	if p, err := s.PrincipalByToken(t.Context(), "hash-1"); err != nil || p.ID != "p2" {
		t.Errorf("hash-1 after a conflicting put = %+v, %v; want p2", p, err)
	}
	if p, err := s.PrincipalByToken(t.Context(), "hash-4"); err != nil || p.ID != "p1" {
		t.Errorf("hash-4 = %+v, %v; want p1", p, err)
	}
	if _, err := s.PrincipalByToken(t.Context(), "hash-8"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("orphan token: err = %v, want ErrNotFound", err)
	}
}

func testMeta(t *testing.T, s store.Store) {
	if _, err := s.Meta(t.Context(), "log-key"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing meta: err = %v, want ErrNotFound", err)
	}
	binary := []byte{0, 1, 2, 0xff, 0xfe, 0}
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetMeta(t.Context(), "log-key", binary); err != nil {
			return err
		}
		return tx.SetMeta(t.Context(), "name", []byte("first"))
	})
	if v, err := s.Meta(t.Context(), "log-key"); err != nil || !bytes.Equal(v, binary) {
		t.Fatalf("Meta(log-key) = %x, %v; want %x", v, err, binary)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetMeta(t.Context(), "name", []byte("second")) })
	if v, err := s.Meta(t.Context(), "name"); err != nil || string(v) != "second" {
		t.Fatalf("Meta(name) after overwrite = %q, %v; want second", v, err)
	}
	if v, err := s.Meta(t.Context(), "log-key"); err != nil || !bytes.Equal(v, binary) {
		t.Fatalf("Meta(log-key) after another key's overwrite = %x, %v", v, err)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetMeta(t.Context(), "empty", nil) })
	if v, err := s.Meta(t.Context(), "empty"); err != nil || len(v) != 0 {
		t.Fatalf("Meta(empty) = %q, %v; want an empty value", v, err)
	}
}

// project is a Rebuild function: one entity per record.
func project(seen *[]int64) func(tx store.Tx, r store.Record) error {
	return func(tx store.Tx, r store.Record) error {
		*seen = append(*seen, r.Seq)
		return tx.PutEntity(context.Background(), store.Entity{
			Kind: "projected", ID: r.ID, Audience: r.Audience, RecordID: r.ID, Version: 1,
			CreatedSeq: r.Seq, Created: r.At, Updated: r.At, Body: json.RawMessage(`{"kind":"` + r.Kind + `"}`),
		})
	}
}

func testRebuild(t *testing.T, s store.Store) {
	var rs []store.Record
	for _, a := range matrixAudiences() {
		rs = append(rs, newRecord("note", a.a, -1))
	}
	// Appended one transaction at a time, interleaved with entities that
	// the rebuild must remove.
	for i := range rs {
		appendRecords(t, s, &rs[i])
		putEntities(t, s, newEntity("stale", fmt.Sprint("s", i), rs[i].Seq, record.Audience{Scope: record.Public}))
	}
	var seen []int64
	if err := s.Rebuild(t.Context(), project(&seen)); err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, r := range rs {
		want = append(want, r.Seq)
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("Rebuild replayed seqs %v, want %v", seen, want)
	}
	if es, _, err := s.Entities(t.Context(), access.System, store.Query{Kind: "stale", Limit: 100}); err != nil || len(es) != 0 {
		t.Fatalf("stale entities after Rebuild: %d, %v", len(es), err)
	}
	es, more, err := s.Entities(t.Context(), access.System, store.Query{Kind: "projected", Limit: 100})
	if err != nil || more || len(es) != len(rs) {
		t.Fatalf("projected entities: %d (more %v, err %v), want %d", len(es), more, err, len(rs))
	}
	for i, e := range es {
		if e.ID != rs[i].ID || e.CreatedSeq != rs[i].Seq || !reflect.DeepEqual(e.Audience, rs[i].Audience) {
			t.Errorf("projected entity %d = %+v, want one for record %s", i, e, rs[i].ID)
		}
	}
	// A second rebuild gives the same result.
	seen = nil
	if err := s.Rebuild(t.Context(), project(&seen)); err != nil {
		t.Fatal(err)
	}
	es2, _, err := s.Entities(t.Context(), access.System, store.Query{Kind: "projected", Limit: 100})
	if err != nil || len(es2) != len(es) {
		t.Fatalf("second Rebuild: %d entities, %v", len(es2), err)
	}
}

func testRebuildManyRecords(t *testing.T, s store.Store) {
	// More records than fit in any reasonable batch, so that a store that
	// reads the records in batches is checked across their boundaries.
	const n = 1234
	write(t, s, func(tx store.Tx) error {
		for range n {
			r := newRecord("bulk", record.Audience{Scope: record.Public}, -1)
			if err := tx.AppendRecord(t.Context(), &r); err != nil {
				return err
			}
		}
		return nil
	})
	var seen []int64
	if err := s.Rebuild(t.Context(), project(&seen)); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("Rebuild replayed %d records, want %d", len(seen), n)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("Rebuild replayed seq %d after %d", seen[i], seen[i-1])
		}
	}
	_, more, err := s.Entities(t.Context(), access.Anonymous, store.Query{Kind: "projected", After: seen[n-2], Limit: 1})
	if err != nil || more {
		t.Fatalf("the last projected entity: more %v, err %v", more, err)
	}
}

func testRebuildError(t *testing.T, s store.Store) {
	rs := make([]store.Record, 5)
	for i := range rs {
		rs[i] = newRecord("note", record.Audience{Scope: record.Public}, -1)
		appendRecords(t, s, &rs[i])
	}
	keep := newEntity("kept", "k1", 1, record.Audience{Scope: record.Public})
	putEntities(t, s, keep)
	boom := errors.New("boom")
	n := 0
	err := s.Rebuild(t.Context(), func(tx store.Tx, r store.Record) error {
		if n++; n == 3 {
			return boom
		}
		return project(new([]int64))(tx, r)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Rebuild returned %v, want fn's error", err)
	}
	// All or nothing: the old projection stands, none of the new one.
	if _, err := s.Entity(t.Context(), access.System, "kept", "k1"); err != nil {
		t.Fatalf("entity after a failed Rebuild: %v", err)
	}
	if es, _, err := s.Entities(t.Context(), access.System, store.Query{Kind: "projected", Limit: 100}); err != nil || len(es) != 0 {
		t.Fatalf("a failed Rebuild left %d projected entities (%v)", len(es), err)
	}
}

func testBlobs(t *testing.T, s store.Store) {
	ctx := t.Context()
	data := []byte{0xff, 0xd8, 0, 1, 2, 0, 0xff, 0xd9}
	sum := sha256.Sum256(data)
	b := store.Blob{SHA256: hex.EncodeToString(sum[:]), MediaType: "image/jpeg", Size: int64(len(data)), Data: data,
		Created: time.Date(2026, 1, 25, 9, 10, 11, 123456789, time.UTC)}
	if _, err := s.Blob(ctx, b.SHA256); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a file not kept: err = %v, want ErrNotFound", err)
	}
	// One put in a transaction that rolls back is not kept.
	s.Write(ctx, func(tx store.Tx) error {
		if err := tx.PutBlob(ctx, b); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	if _, err := s.Blob(ctx, b.SHA256); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a file put in a rolled-back transaction: err = %v, want ErrNotFound", err)
	}
	write(t, s, func(tx store.Tx) error { return tx.PutBlob(ctx, b) })
	again := b
	again.MediaType, again.Created = "application/octet-stream", b.Created.Add(time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.PutBlob(ctx, again) })
	got, err := s.Blob(ctx, b.SHA256)
	if err != nil || !bytes.Equal(got.Data, data) || got.MediaType != "image/jpeg" || got.Size != 8 || !got.Created.Equal(b.Created.Truncate(time.Microsecond)) {
		t.Fatalf("Blob = %+v, %v; want the file as first kept", got, err)
	}
	for _, bad := range []store.Blob{
		{SHA256: b.SHA256, MediaType: "image/jpeg", Size: 8, Data: []byte("another file"), Created: b.Created},
		{SHA256: b.SHA256, MediaType: "image/jpeg", Size: 9, Data: data, Created: b.Created},
	} {
		err := s.Write(ctx, func(tx store.Tx) error { return tx.PutBlob(ctx, bad) })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("a file whose hash or size is not its own: err = %v, want ErrInvalid", err)
		}
	}
	// Every file, once, by hash.
	other := []byte("a second file")
	sum2 := sha256.Sum256(other)
	second := store.Blob{SHA256: hex.EncodeToString(sum2[:]), MediaType: "text/plain", Size: int64(len(other)), Data: other, Created: b.Created}
	write(t, s, func(tx store.Tx) error { return tx.PutBlob(ctx, second) })
	var seen []string
	if err := s.EachBlob(ctx, func(x store.Blob) error {
		if store.CheckBlob(x) != nil {
			t.Errorf("EachBlob gives file %s with other bytes", x.SHA256)
		}
		seen = append(seen, x.SHA256)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{b.SHA256, second.SHA256}
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("EachBlob gives %v; want %v", seen, want)
	}
	stop := errors.New("stop")
	if err := s.EachBlob(ctx, func(store.Blob) error { return stop }); err != stop {
		t.Errorf("EachBlob returns %v when fn stops it; want fn's error", err)
	}
}
