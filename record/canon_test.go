package record

import (
	"bytes"
	"testing"

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
