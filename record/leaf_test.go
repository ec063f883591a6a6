package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestLeafRoundTrip(t *testing.T) {
	c := sha256.Sum256([]byte("record"))
	leaf := Leaf(c[:])
	if want := "parley/v2 " + base64.StdEncoding.EncodeToString(c[:]); string(leaf) != want {
		t.Fatalf("Leaf = %q, want %q", leaf, want)
	}
	if len(leaf) != LeafSize {
		t.Errorf("len(Leaf) = %d, LeafSize = %d", len(leaf), LeafSize)
	}
	commitment, err := ParseLeaf(leaf)
	if err != nil || !bytes.Equal(commitment, c[:]) {
		t.Fatalf("ParseLeaf(%q) = %x, %v", leaf, commitment, err)
	}
	b64 := base64.StdEncoding.EncodeToString(c[:])
	// The last character before the padding carries two bits that must be
	// zero; the next character of the alphabet sets one of them.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	nonCanonical := b64[:42] + string(alphabet[strings.IndexByte(alphabet, b64[42])+1]) + "="
	for _, bad := range []string{
		"",
		"parley/v2",
		"parley/v2 ",
		"parley/v2  " + b64,
		"parley/v2 " + b64 + "\n",
		// The v1 form, which named the kind: refused, not misread.
		"parley/v1 talks.session " + b64,
		"parley/v2 talks.session " + b64,
		"parley/v2 AAAA",                       // not a SHA-256 commitment
		"parley/v2 " + nonCanonical,            // non-canonical padding bits
		"parley/v2 " + b64[:43],                // not base64
		"parley/v2 " + strings.Repeat("A", 44), // 33 bytes, without padding
	} {
		if _, err := ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("ParseLeaf(%q) accepted", bad)
		}
	}
}

// FuzzParseLeaf: leaves are read back from log files that a careless or
// hostile operator may have changed; whatever their bytes, ParseLeaf never
// panics, and a leaf it accepts is exactly the one Leaf makes of its
// commitment, so that a leaf has one reading.
func FuzzParseLeaf(f *testing.F) {
	c := sha256.Sum256([]byte("record"))
	f.Add(Leaf(c[:]))
	f.Add([]byte("parley/v1 talks.session " + base64.StdEncoding.EncodeToString(c[:])))
	f.Add([]byte("parley/v2 AAAA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		commitment, err := ParseLeaf(b)
		if err != nil {
			return
		}
		if again := Leaf(commitment); !bytes.Equal(again, b) {
			t.Fatalf("ParseLeaf accepted %q, whose commitment makes the leaf %q", b, again)
		}
	})
}
