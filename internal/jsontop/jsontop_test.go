package jsontop

import (
	"encoding/json"
	"maps"
	"testing"
)

func TestFields(t *testing.T) {
	for _, in := range []string{
		`{}`,
		` { "a" : 1 , "b":"x\"}" ,"c":[1,{"d":"]"}],"e":{"f":null}, "g" : true } `,
		`{"\u0061":"\\","b":-1.5e3,"a":2}`,
	} {
		got, ok := Fields([]byte(in))
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &want); err != nil || !ok {
			t.Fatalf("%s: ok %v, %v", in, ok, err)
		}
		if !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
			t.Errorf("%s:\n got %q\nwant %q", in, got, want)
		}
	}
	for _, in := range []string{``, `[]`, `null`, `"a"`, `{"a":1`, `{"a":1}{}`, `{"a" 1}`} {
		if _, ok := Fields([]byte(in)); ok {
			t.Errorf("%q: read as an object", in)
		}
	}
}

func TestString(t *testing.T) {
	for in, want := range map[string]string{`""`: "", `"abc"`: "abc", `"a\"b"`: `a"b`, `"\u00e9"`: "é"} {
		if got, ok := String([]byte(in)); !ok || got != want {
			t.Errorf("%s: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{``, `"`, `1`, `"a"b"`, "\"a\nb\""} {
		if _, ok := String([]byte(in)); ok {
			t.Errorf("%q: read as a string", in)
		}
	}
}

// FuzzFields holds Fields to encoding/json's map of raw values.
func FuzzFields(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"}"}],"c":"\"","d":{}}`))
	f.Add([]byte(` {"a" : 1 } `))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, ok := Fields(in)
		var want map[string]json.RawMessage
		err := json.Unmarshal(in, &want)
		if ok != (err == nil && want != nil) {
			t.Fatalf("%q: ok %v, encoding/json %v", in, ok, err)
		}
		if ok && !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
			t.Fatalf("%q:\n got %q\nwant %q", in, got, want)
		}
	})
}
