package app

import (
	"bytes"
	"encoding/json"
	"testing"
)

// tokenDuplicateKey is the reference duplicateKey is checked against:
// encoding/json's tokens, an object's keys in a set each.
func tokenDuplicateKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type object struct {
		keys   map[string]bool
		expect bool
	}
	var stack []*object
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *object
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil {
					top.expect = true
				}
				if t == '{' {
					stack = append(stack, &object{keys: map[string]bool{}, expect: true})
				} else {
					stack = append(stack, nil)
				}
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return "", false
				}
				continue
			}
		case string:
			if top != nil && top.expect {
				if top.keys[t] {
					return t, true
				}
				top.keys[t] = true
				top.expect = false
				continue
			}
		}
		if top != nil {
			top.expect = true
		}
	}
}

var duplicateSeeds = []string{
	`{"a":1,"b":2}`,
	`{"a":1,"a":2}`,
	`{"a":1,"\u0061":2}`,
	// Two keys of invalid UTF-8 that encoding/json reads as one (U+FFFD).
	"{\"\xa9\":0,\"\xc3\":0}",
	`{"a\"b":1,"a\"b":2}`,
	`{"a":{"a":1},"b":[{"a":1},{"a":2,"a":3}]}`,
	`{"a":"}{\"a\":","a":1}`,
	`{"x":[1,"a",{"y":{"z":"a","z":null}}]}`,
	`[{"a":1},{"a":1}]`,
	`{"a\\":1,"a\\":2}`,
	`{"k":[],"k2":{},"k":true}`,
	`"a"`,
	`{"é":1,"\u00e9":2}`,
	`{"a":1} {"a":1,"a":2}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"c":11}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"h":0},"j":10}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}`,
}

// TestDuplicateKey: the one-pass scan finds what encoding/json's tokens
// find, on every seed.
func TestDuplicateKey(t *testing.T) {
	for _, s := range duplicateSeeds {
		gotKey, got := duplicateKey([]byte(s))
		wantKey, want := tokenDuplicateKey([]byte(s))
		if got != want || gotKey != wantKey {
			t.Errorf("%s: duplicateKey = %q %v, encoding/json's tokens say %q %v", s, gotKey, got, wantKey, want)
		}
	}
	if _, dup := duplicateKey([]byte(`{"a":1,"a":2}`)); !dup {
		t.Error("a key named twice was not found")
	}
}

// FuzzDuplicateKey: on valid JSON, the scan and the tokens agree.
func FuzzDuplicateKey(f *testing.F) {
	for _, s := range duplicateSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			duplicateKey(b) // must not panic
			return
		}
		gotKey, got := duplicateKey(b)
		wantKey, want := tokenDuplicateKey(b)
		if got != want || gotKey != wantKey {
			t.Errorf("%q: duplicateKey = %q %v, encoding/json's tokens say %q %v", b, gotKey, got, wantKey, want)
		}
	})
}
