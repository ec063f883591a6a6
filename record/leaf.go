package record

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// LeafPrefix starts every leaf of a parley log. The version changes only if
// the leaf format does.
const LeafPrefix = "parley/v1"

// maxKindLen bounds the kind field of a leaf.
const maxKindLen = 64

// Leaf returns the transparency log's entry for one record:
//
//	parley/v1 <kind> <base64 std commitment>
//
// with no trailing newline. It is a function of the stored record alone, so
// recovery can remake a leaf lost in a crash exactly. kind is the record kind ("talks.session"), which
// must be 1 to 64 printable ASCII characters without spaces; commitment is the
// salted SHA-256 commitment of record.Commitment. The leaf says which kind of
// record exists and nothing of its body. ParseLeaf, and hence the ledger,
// refuses a leaf made from an invalid kind.
func Leaf(kind string, commitment []byte) []byte {
	b := make([]byte, 0, len(LeafPrefix)+2+len(kind)+base64.StdEncoding.EncodedLen(len(commitment)))
	b = append(b, LeafPrefix...)
	b = append(b, ' ')
	b = append(b, kind...)
	b = append(b, ' ')
	return base64.StdEncoding.AppendEncode(b, commitment)
}

// ParseLeaf splits a leaf made by Leaf into its kind and commitment. It
// refuses anything Leaf could not have produced from a valid kind and a
// non-empty commitment, including non-canonical base64, so a leaf has exactly
// one reading.
func ParseLeaf(b []byte) (kind string, commitment []byte, err error) {
	rest, ok := bytes.CutPrefix(b, []byte(LeafPrefix+" "))
	if !ok {
		return "", nil, fmt.Errorf("couldn't parse leaf: it does not start with %q", LeafPrefix+" ")
	}
	k, c, ok := bytes.Cut(rest, []byte(" "))
	if !ok {
		return "", nil, errors.New("couldn't parse leaf: want 3 space-separated fields")
	}
	if err := checkKind(k); err != nil {
		return "", nil, fmt.Errorf("couldn't parse leaf: %w", err)
	}
	if len(c) == 0 {
		return "", nil, errors.New("couldn't parse leaf: the commitment is empty")
	}
	commitment, err = base64.StdEncoding.Strict().AppendDecode(nil, c)
	if err != nil {
		return "", nil, fmt.Errorf("couldn't parse leaf commitment: %w", err)
	}
	// Strict decoding still accepts a few non-canonical forms; re-encoding
	// catches every one of them.
	if !bytes.Equal(base64.StdEncoding.AppendEncode(nil, commitment), c) {
		return "", nil, errors.New("couldn't parse leaf: the commitment is not canonical base64")
	}
	return string(k), commitment, nil
}

func checkKind(k []byte) error {
	if len(k) == 0 || len(k) > maxKindLen {
		return fmt.Errorf("the kind must be 1 to %d bytes, got %d", maxKindLen, len(k))
	}
	for _, c := range k {
		if c <= ' ' || c > '~' {
			return fmt.Errorf("the kind %q holds a byte that is not printable ASCII", k)
		}
	}
	return nil
}
