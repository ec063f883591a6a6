package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// LeafPrefix starts every leaf of a parley log. The version changes only if
// the leaf format does.
//
// v1 leaves ("parley/v1 <kind> <commitment>") named the record's kind in
// the clear, so the public log told everyone which kinds of confidential
// record existed and where. v2 leaves carry the commitment alone; a log
// written with v1 leaves cannot be read by this version (Append and
// ParseLeaf refuse them), which no installation needs since none with
// v1 leaves holds real data.
const LeafPrefix = "parley/v2"

// LeafSize is the length of every leaf: the prefix, a space and the
// base64 of a SHA-256 commitment.
var LeafSize = len(LeafPrefix) + 1 + base64.StdEncoding.EncodedLen(sha256.Size)

// Leaf returns the transparency log's entry for one record:
//
//	parley/v2 <base64 std commitment>
//
// with no trailing newline. commitment is the salted SHA-256 commitment of
// record.Commitment, which covers the record's canonical bytes: its kind,
// author, audience and body. The leaf therefore says nothing of the record
// but that it exists: every leaf has the same form and length, whatever
// the record's kind or audience, so that no reader of the log can tell a
// confidential record's leaf from a public one's, let alone its kind or
// its parties. It is a function of the stored record alone, so recovery
// can remake a leaf lost in a crash exactly.
func Leaf(commitment []byte) []byte {
	b := make([]byte, 0, len(LeafPrefix)+1+base64.StdEncoding.EncodedLen(len(commitment)))
	b = append(b, LeafPrefix...)
	b = append(b, ' ')
	return base64.StdEncoding.AppendEncode(b, commitment)
}

// ParseLeaf returns the commitment of a leaf made by Leaf. It refuses
// anything Leaf could not have produced from a SHA-256 commitment,
// including non-canonical base64 and leaves of another version, so a leaf
// has exactly one reading.
func ParseLeaf(b []byte) (commitment []byte, err error) {
	c, ok := bytes.CutPrefix(b, []byte(LeafPrefix+" "))
	if !ok {
		return nil, fmt.Errorf("couldn't parse leaf: it does not start with %q", LeafPrefix+" ")
	}
	commitment, err = base64.StdEncoding.Strict().AppendDecode(nil, c)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse leaf commitment: %w", err)
	}
	if len(commitment) != sha256.Size {
		return nil, fmt.Errorf("couldn't parse leaf: the commitment is %d bytes, want %d (SHA-256)", len(commitment), sha256.Size)
	}
	// Strict decoding still accepts a few non-canonical forms; re-encoding
	// catches every one of them.
	if !bytes.Equal(base64.StdEncoding.AppendEncode(nil, commitment), c) {
		return nil, fmt.Errorf("couldn't parse leaf: the commitment is not canonical base64")
	}
	return commitment, nil
}
