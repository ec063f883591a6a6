package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestCanonicalIsRFC8785(t *testing.T) {
	e := Envelope{V: 1, ID: "0194a3c2-0000-7000-8000-000000000001", Kind: "talks.round", Subject: "s",
		At:       time.Date(2026, 1, 23, 9, 30, 0, 123456789, time.FixedZone("GST", 4*3600)),
		Author:   Author{Principal: "p", Party: "us"},
		Audience: Audience{Scope: List, Parties: []string{"ua", "ru", "ua"}},
		Body:     json.RawMessage(`{"z":1,"a":"é","n":1.50}`)}
	got, err := Canonical(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"at":"2026-01-23T05:30:00.123456Z","audience":{"parties":["ru","ua"],"scope":"list"},"author":{"party":"us","principal":"p"},"body":{"a":"é","n":1.5,"z":1},"id":"0194a3c2-0000-7000-8000-000000000001","kind":"talks.round","subject":"s","v":1}`
	if string(got) != want {
		t.Errorf("canonical bytes\n got %s\nwant %s", got, want)
	}
}

func TestSealMakesDistinctCommitments(t *testing.T) {
	e := Envelope{V: 1, ID: NewID(), Kind: "k", Subject: "s", At: time.Now(), Audience: Audience{Scope: Public}, Body: json.RawMessage(`{}`)}
	a, err := Seal(e)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Seal(e)
	if !bytes.Equal(a.Canonical, b.Canonical) {
		t.Error("equal envelopes made different canonical bytes")
	}
	if a.Commitment == b.Commitment {
		t.Error("equal envelopes made equal commitments: the salt is not fresh")
	}
	h := sha256.Sum256(append(append([]byte("parley-record/v1\n"), a.Salt...), a.Canonical...))
	if h != a.Commitment {
		t.Error("commitment is not SHA-256 of prefix, salt and canonical bytes")
	}
	if Commitment(b.Salt, a.Canonical) == a.Commitment {
		t.Error("a swapped salt verified")
	}
}

func TestNewIDIsTimeOrdered(t *testing.T) {
	prev := NewID()
	for range 1000 {
		id := NewID()
		if id <= prev {
			t.Fatalf("id %s does not sort after %s", id, prev)
		}
		prev = id
	}
}

func TestAudienceValidate(t *testing.T) {
	for _, tc := range []struct {
		a    Audience
		want string // "" for valid
	}{
		{Audience{Scope: Public}, ""},
		{Audience{Scope: Parties}, ""},
		{Audience{Scope: PartyMediator, Party: "ua"}, ""},
		{Audience{Scope: PartyOnly, Party: "ru"}, ""},
		{Audience{Scope: List, Parties: []string{"ua", "us"}}, ""},
		{Audience{}, "missing"},
		{Audience{Scope: "secret"}, "unknown audience scope"},
		{Audience{Scope: Public, Party: "ua"}, "takes no party"},
		{Audience{Scope: PartyOnly}, "needs a party id"},
		{Audience{Scope: PartyOnly, Party: "UA!"}, "needs a party id"},
		{Audience{Scope: List}, "at least one"},
		{Audience{Scope: List, Parties: []string{"ok", "Bad"}}, "not a valid party id"},
	} {
		err := tc.a.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", tc.a, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one containing %q", tc.a, err, tc.want)
		}
	}
}
