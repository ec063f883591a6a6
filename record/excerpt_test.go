package record

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func excerptRecord(t *testing.T, text string) Sealed { return excerptRecordOf(t, text) }

func excerptRecordOf(t testing.TB, text string) Sealed {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"party_id": "a", "text": text, "red_line": true, "value": "20 km"})
	s, err := Seal(Envelope{V: Version, ID: NewID(), Kind: "test.position", Subject: "s", At: time.Now(),
		Author: Author{Principal: "p", Party: "a"}, Audience: Audience{Scope: PartyMediator, Party: "a"},
		Body: body, Excerpt: "text"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExcerptCommitment(t *testing.T) {
	text := "The line of contact is frozen where it is. Forces withdraw 20 km from it within 30 days, and monitors patrol both sides."
	s := excerptRecord(t, text)
	if s.Envelope.V != ExcerptVersion {
		t.Fatalf("version %d, want %d", s.Envelope.V, ExcerptVersion)
	}
	if sum, err := CommitmentOf(s.Salt, s.Canonical); err != nil || sum != s.Commitment {
		t.Fatalf("CommitmentOf = %x, %v; Seal made %x", sum, err, s.Commitment)
	}
	if Commitment(s.Salt, s.Canonical) == s.Commitment {
		t.Fatal("a version 2 record has the commitment of version 1")
	}
	begin, end, ok := FindExcerpt(text, "Forces withdraw 20 km from it within 30 days,")
	if !ok {
		t.Fatal("FindExcerpt found no excerpt")
	}
	x, err := Disclose(s.Salt, s.Canonical, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	if x.Text() != "Forces withdraw 20 km from it within 30 days," {
		t.Fatalf("Text() = %q", x.Text())
	}
	d, err := CheckExcerpt(x)
	if err != nil {
		t.Fatal(err)
	}
	if d.Commitment != s.Commitment || d.Envelope.ID != s.Envelope.ID {
		t.Fatalf("CheckExcerpt remade %x for %s, want %x", d.Commitment, d.Envelope.ID, s.Commitment)
	}
	raw, _ := json.Marshal(x)
	for _, hidden := range []string{"frozen", "monitors", "20 km\"", "red_line"} {
		if strings.Contains(string(raw), hidden) {
			t.Errorf("the disclosure shows %q, which is not in the excerpt", hidden)
		}
	}

	tamper := map[string]func(x *Excerpt){
		"a changed word":       func(x *Excerpt) { x.Segments[2] = "40 " },
		"a word left out":      func(x *Excerpt) { x.Segments, x.Salts = x.Segments[1:], x.Salts[1:]; x.Begin++ },
		"a shifted position":   func(x *Excerpt) { x.Begin++ },
		"a changed field hash": func(x *Excerpt) { x.Leaves[0] = x.Leaves[1] },
		"a changed header": func(x *Excerpt) {
			x.Header = []byte(strings.Replace(string(x.Header), `"party":"a"`, `"party":"b"`, 1))
		},
		"two words in one": func(x *Excerpt) { x.Segments[0] += x.Segments[1] },
	}
	for name, f := range tamper {
		y, _ := Disclose(s.Salt, s.Canonical, begin, end)
		f(&y)
		d, err := CheckExcerpt(y)
		if err == nil && d.Commitment == s.Commitment {
			t.Errorf("%s: the excerpt still checks", name)
		}
	}
}

// TestExcerptCanonical: the full bytes of a record of the excerpt version
// remake its commitment only in their one canonical form.
func TestExcerptCanonical(t *testing.T) {
	s := excerptRecord(t, "Ours.")
	forged := strings.Replace(string(s.Canonical), `"body":{`, `"body":{"text":"Theirs.","Text":"x",`, 1)
	forged = strings.Replace(forged, `{"text":"Theirs.","Text":"x",`, `{"party_id":"a","red_line":true,"text":"Theirs.","value":"20 km"},"Body":{`, 1)
	for _, b := range []string{forged, strings.Replace(string(s.Canonical), `{"at"`, `{ "at"`, 1)} {
		if sum, err := CommitmentOf(s.Salt, []byte(b)); err == nil && sum == s.Commitment {
			t.Errorf("other bytes remake the commitment: %s", b)
		}
	}
}

func TestSegments(t *testing.T) {
	for _, text := range []string{"", "one", " lead", "a  b\n\nc ", "Україна  і Росія"} {
		if got := strings.Join(Segments(text), ""); got != text {
			t.Errorf("Segments(%q) joined = %q", text, got)
		}
	}
	for _, c := range []struct {
		text, excerpt string
		begin, end    int
		ok            bool
	}{
		{"withdraw 20 km", "draw 20", 0, 0, false},
		{"withdraw 20 km", "withdraw 2", 0, 0, false},
		{"withdraw 20 km", "20 km", 1, 3, true},
		{"xa xa a xa", "a xa", 2, 4, true},
		{" lead  two", "two", 2, 3, true},
		{"a b", " b", 0, 0, false},
		{"Україна і Росія", "і Росія", 1, 3, true},
	} {
		b, e, ok := FindExcerpt(c.text, c.excerpt)
		if b != c.begin || e != c.end || ok != c.ok {
			t.Errorf("FindExcerpt(%q, %q) = %d, %d, %t; want %d, %d, %t", c.text, c.excerpt, b, e, ok, c.begin, c.end, c.ok)
		}
		if ok {
			if got := strings.TrimRight(strings.Join(Segments(c.text)[b:e], ""), " "); got != c.excerpt {
				t.Errorf("FindExcerpt(%q, %q): segments %d to %d read %q", c.text, c.excerpt, b, e, got)
			}
		}
	}
}

// FuzzCheckExcerpt checks excerpt proofs as a verifier receives them, from
// anyone: whatever the bytes, CheckExcerpt answers without panicking, and
// only the true disclosure remakes the record's commitment.
func FuzzCheckExcerpt(f *testing.F) {
	s := excerptRecordOf(f, "Forces withdraw 20 km from the line within 30 days.")
	x, err := Disclose(s.Salt, s.Canonical, 2, 5)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(x)
	f.Add(good)
	f.Add([]byte(`{"header":"e30=","leaves":[],"field":0,"total":0,"begin":0,"segments":[],"salts":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var y Excerpt
		if json.Unmarshal(b, &y) != nil {
			return
		}
		d, err := CheckExcerpt(y)
		if err == nil && d.Commitment == s.Commitment && y.Text() != x.Text() {
			t.Fatalf("an excerpt of other words (%q) remakes the record's commitment", y.Text())
		}
	})
}

// BenchmarkFindExcerpt is a party's worst case: a long text of one word
// repeated and a long excerpt of it that is not there.
//
//	go test ./record -run '^$' -bench FindExcerpt
func BenchmarkFindExcerpt(b *testing.B) {
	text := strings.Repeat("xa ", 6000) + "a"
	excerpt := strings.Repeat("a xa ", 2000) + "b"
	for b.Loop() {
		FindExcerpt(text, excerpt)
	}
}
