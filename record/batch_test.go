package record

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sealedBatch seals n items and their batch record, as the kernel does.
func sealedBatch(t *testing.T, n int) ([]Sealed, Sealed) {
	t.Helper()
	aud := Audience{Scope: Parties}
	author := Author{Principal: "p", Party: "mediator"}
	items := make([]Sealed, n)
	commitments := make([][]byte, n)
	for i := range items {
		s, err := Seal(Envelope{V: Version, ID: NewID(), Kind: "k.item", Subject: "s", At: time.Now(), Author: author, Audience: aud,
			Body: json.RawMessage(`{"n":1,"i":` + strconv.Itoa(i) + `}`)})
		if err != nil {
			t.Fatal(err)
		}
		items[i], commitments[i] = s, s.Commitment[:]
	}
	root, err := BatchRoot(commitments)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(BatchBody{Kind: "k.item", Size: uint64(n), Root: root})
	id := NewID()
	b, err := Seal(Envelope{V: Version, ID: id, Kind: BatchKind, Subject: id, At: time.Now(), Author: author, Audience: aud, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return items, b
}

func TestItemsProvedAlone(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 64, 1000} {
		items, b := sealedBatch(t, n)
		commitments := make([][]byte, n)
		for i := range items {
			commitments[i] = items[i].Commitment[:]
		}
		for _, i := range []int{0, n / 2, n - 1} {
			p, err := PlaceInBatch(commitments, i)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := CheckInBatch(items[i].Salt, items[i].Canonical, p, b.Canonical); err != nil {
				t.Errorf("%d items, item %d: %v", n, i, err)
			}
			if n > 1 {
				// Another item at this place, or this item at another.
				other := (i + 1) % n
				if _, err := CheckInBatch(items[other].Salt, items[other].Canonical, p, b.Canonical); err == nil {
					t.Errorf("%d items: item %d passed at item %d's place", n, other, i)
				}
				moved := p
				moved.Index = uint64(other)
				if _, err := CheckInBatch(items[i].Salt, items[i].Canonical, moved, b.Canonical); err == nil {
					t.Errorf("%d items: item %d passed at place %d", n, i, other)
				}
			}
			altered := []byte(strings.Replace(string(items[i].Canonical), `"n":1`, `"n":2`, 1))
			if _, err := CheckInBatch(items[i].Salt, altered, p, b.Canonical); err == nil {
				t.Errorf("%d items: item %d altered passed", n, i)
			}
			short := p
			short.Size--
			if _, err := CheckInBatch(items[i].Salt, items[i].Canonical, short, b.Canonical); err == nil {
				t.Errorf("%d items: a smaller batch passed", n)
			}
		}
	}
}

func TestCheckInBatchRefusesStrangers(t *testing.T) {
	items, b := sealedBatch(t, 4)
	commitments := [][]byte{items[0].Commitment[:], items[1].Commitment[:], items[2].Commitment[:], items[3].Commitment[:]}
	p, _ := PlaceInBatch(commitments, 2)
	// An item of another author or audience, even with the right
	// commitment, is not the batch's.
	env := items[2].Envelope
	env.Audience = Audience{Scope: Public}
	c, _ := Canonical(env)
	if _, err := CheckInBatch(items[2].Salt, c, p, b.Canonical); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Errorf("an item of another audience: %v", err)
	}
	if _, err := CheckInBatch(items[2].Salt, items[2].Canonical, p, items[0].Canonical); err == nil {
		t.Error("an item's bytes were taken for a batch")
	}
	if _, err := PlaceInBatch(commitments, 4); err == nil {
		t.Error("a place past the batch's end")
	}
	bad := p
	bad.Left = [][]byte{[]byte("short")}
	if _, err := bad.Root(items[2].Commitment[:]); err == nil {
		t.Error("a hash of the wrong length")
	}
}
