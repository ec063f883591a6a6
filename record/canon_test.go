package record

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"
)

// canonCases are JSON texts with their RFC 8785 form; each is one the
// one pass handles itself (jcs is not asked).
var canonCases = []struct{ in, want string }{
	{`{"b":1,"a":2}`, `{"a":2,"b":1}`},
	{` { "a" : [ 1 , true , false , null , "x" ] } `, `{"a":[1,true,false,null,"x"]}`},
	{`{"z":{"y":1,"x":{"b":[],"a":{}}},"a":""}`, `{"a":"","z":{"x":{"a":{},"b":[]},"y":1}}`},
	{`[1.0, 1e2, -0, 0.000001, 1e-7, 123456789012345678, 46.74596940153665, 1E+21]`, `[1,100,0,0.000001,1e-7,123456789012345680,46.74596940153665,1e+21]`},
	{`"\u00e9\/\"\\\b\f\n\r\t\u001f\u007f"`, "\"é/\\\"\\\\\\b\\f\\n\\r\\t\\u001f\x7f\""},
	{`"\ud83d\ude00 <&> \u2028"`, "\"😀 <&> \u2028\""},
	// UTF-16 order: U+1F600 (D83D DE00) sorts before U+FB01.
	{`{"ﬁ":1,"😀":2,"a":3}`, `{"a":3,"😀":2,"ﬁ":1}`},
	{`{"\u0041":1,"B":2}`, `{"A":1,"B":2}`},
	{`-12`, `-12`},
}

func TestCanonicalJSON(t *testing.T) {
	for _, c := range canonCases {
		got, ok := canonicalOnePass([]byte(c.in))
		if !ok {
			t.Errorf("%s: left to jcs; the one pass should handle it", c.in)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
		ref, err := jcs.Transform([]byte(c.in))
		if err != nil || !bytes.Equal(ref, got) {
			t.Errorf("%s: jcs makes %s (%v), the one pass %s", c.in, ref, err, got)
		}
	}
	// What the one pass leaves to jcs: jcs's errors, word for word.
	for _, in := range []string{``, `{`, `{"a":1,"a":2}`, `"\ud800"`, `"\udc00\ud800"`, `01`, `1.`, `{"a" 1}`, `[1,]`, `tru`, `"a` + "\x00" + `"`, "\"\xff\"", `1 2`, `{"a":1}x`} {
		if _, ok := canonicalOnePass([]byte(in)); ok {
			t.Errorf("%q: the one pass accepted it", in)
		}
		_, err := canonicalJSON([]byte(in))
		_, want := jcs.Transform([]byte(in))
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("%q: error %v, jcs's %v", in, err, want)
		}
	}
}

// FuzzCanonicalJSON holds canonicalJSON to jcs.Transform: the same bytes,
// or both refusing.
func FuzzCanonicalJSON(f *testing.F) {
	for _, c := range canonCases {
		f.Add([]byte(c.in))
	}
	f.Add([]byte(`{"a":{"a":{"a":[[[[{"b":1e400}]]]]}}}`))
	f.Add([]byte(`[9007199254740993, 0.1, 5e-324, -1.5e308, 100000000000000000000000]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := canonicalJSON(in)
		want, werr := jcs.Transform(in)
		if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q (%v), jcs %q (%v)", in, got, err, want, werr)
		}
	})
}

// viaMarshal is what Canonical made of an envelope before
// canonicalEnvelope: json.Marshal, then jcs.
func viaMarshal(e Envelope) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(raw)
}

func envelopeOf(id, party, text string, body []byte, at time.Time) Envelope {
	e := Envelope{V: Version, ID: id, Kind: "monitor.report", Subject: id, At: at.UTC().Truncate(time.Microsecond),
		Author: Author{Principal: "p-" + party, Party: party}, Audience: Audience{Scope: Public}, Body: body}
	switch len(text) % 4 {
	case 1:
		e.Audience = Audience{Scope: PartyMediator, Party: party}
	case 2:
		e.Audience = Audience{Scope: Parties, Parties: []string{party, "zz", "a" + text}}.Normalize()
		e.Refs = []string{text, id}
	case 3:
		e.Excerpt = text
	}
	return e
}

// TestCanonicalEnvelope: an unsigned envelope's canonical bytes, written
// directly, are those json.Marshal and jcs make; a signed one, or one
// with a string that is not UTF-8, is left to them.
func TestCanonicalEnvelope(t *testing.T) {
	at := time.Date(2026, 1, 23, 10, 0, 0, 123456789, time.FixedZone("GST", 4*3600))
	for i, c := range []struct {
		id, party, text string
		body            string
	}{
		{"019b-1", "ua", "", `{"b":1,"a":"<&>"}`},
		{"019b-2", "ru", "x", `{"narrative":"line\nbreak \u2028 \"quoted\"","n":1.50,"list":[3,2,1]}`},
		{"019b-3", "us", "yz", `{}`},
		{"019b-4", "ua", "abc", `{"t":"é😀"}`},
		{"019b-5", "ua", "", `null`},
		{"id <&>", "party\u2028", "é", `[1,{"z":null,"a":true}]`},
	} {
		e := envelopeOf(c.id, c.party, c.text, []byte(c.body), at.Add(time.Duration(i)*time.Hour))
		got, ok := canonicalEnvelope(e)
		want, werr := viaMarshal(e)
		if !ok || werr != nil || string(got) != string(want) {
			t.Errorf("%d: ok %v\n got %s\nwant %s (%v)", i, ok, got, want, werr)
		}
	}
	if got, ok := canonicalEnvelope(envelopeOf("019b-5", "ua", "", nil, at)); !ok || !bytes.Contains(got, []byte(`"body":null`)) {
		t.Errorf("a nil body: %s, %v", got, ok)
	}
	// A body the one pass leaves to jcs takes its envelope with it: jcs's
	// nesting limit counts the envelope's level (a body 10,000 deep is one
	// too many in its envelope).
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	for _, body := range []string{``, `{"a":`, deep} {
		e := envelopeOf("019b-5", "ua", "", []byte(body), at)
		if _, ok := canonicalEnvelope(e); ok {
			t.Errorf("body %.20q: written directly", body)
		}
		if _, err := Canonical(e); err == nil {
			t.Errorf("body %.20q: canonical bytes made; jcs refuses them", body)
		}
	}
	e := envelopeOf("019b-6", "ua", "", []byte(`{}`), at)
	e.Sig = &Signature{Key: "k", Value: "v", At: at}
	if _, ok := canonicalEnvelope(e); ok {
		t.Error("a signed envelope was written directly")
	}
	e.Sig, e.Author.Principal = nil, "\xff"
	if _, ok := canonicalEnvelope(e); ok {
		t.Error("an envelope with a string that is not UTF-8 was written directly")
	}
}

// FuzzCanonicalEnvelope holds canonicalEnvelope to json.Marshal and jcs.
func FuzzCanonicalEnvelope(f *testing.F) {
	f.Add("019b-1", "ua", "", []byte(`{"b":1,"a":"<&>"}`), int64(0))
	f.Add("x", "ru", "abc", []byte(`{"a":[1e400]}`), int64(1<<40))
	f.Add("x\"", "r\x00", "ab", []byte(`{"a":"\ud800"}`), int64(-1<<40))
	f.Fuzz(func(t *testing.T, id, party, text string, body []byte, micros int64) {
		e := envelopeOf(id, party, text, body, time.UnixMicro(micros))
		got, ok := canonicalEnvelope(e)
		if !ok {
			return
		}
		want, werr := viaMarshal(e)
		if werr != nil || !bytes.Equal(got, want) {
			t.Fatalf("%+v:\n got %q\nwant %q (%v)", e, got, want, werr)
		}
	})
}
