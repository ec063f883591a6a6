package record

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// ExcerptVersion is the envelope version of a record one of whose body's
// text fields (Envelope.Excerpt) can be disclosed in part: a party's
// position, an excerpt of which the mediator relays to the other side.
//
// Such a record is committed in two layers, so that a reader can be shown
// some words of that field and check them against the commitment in the
// log without seeing anything else of the body:
//
//   - the field's text is cut into segments (Segments: each word with the
//     space after it), and each segment is a leaf of an RFC 6962 Merkle
//     tree, hashed with a salt of its own;
//   - every other body field is a salted hash of its own (a field leaf),
//     and the body is a hash over the field leaves, in the order of the
//     fields' names, with the tree's root and size standing for the text;
//   - the commitment is SHA-256("parley-record/v2\n" || key || header),
//     where the header is the canonical envelope with "body" replaced by
//     "body_digest", and key a secret of its own.
//
// Every salt and the key are derived from the record's salt with
// HMAC-SHA256 under distinct labels, so a record keeps one salt, as every
// other does, and a disclosure hands out only the derived values it needs:
// none of them lets anyone derive another.
const ExcerptVersion = 2

const (
	commitmentPrefixV2 = "parley-record/v2\n"
	fieldLeafPrefix    = "parley-field/v1\n"
	textLeafPrefix     = "parley-text/v1\n"
	bodyPrefix         = "parley-body/v1\n"
)

var hasher = rfc6962.DefaultHasher

func derive(salt []byte, label string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(label))
	return m.Sum(nil)
}

func outerKey(salt []byte) []byte { return derive(salt, "parley-outer") }

func fieldSalt(salt []byte, name string) []byte { return derive(salt, "parley-field\n"+name) }

func segmentSalt(salt []byte, i int) []byte {
	return derive(salt, "parley-segment\n"+strconv.Itoa(i))
}

// Segments cuts text into the units an excerpt is made of: each word with
// the white space that follows it, so that the segments joined are the
// text exactly. White space before the first word is a segment of its own.
func Segments(text string) []string {
	var out []string
	start, inSpace := 0, false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if inSpace && !space {
			out = append(out, text[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func segmentLeaf(salt []byte, segment string) []byte {
	return hasher.HashLeaf(append(slices.Clip(salt), segment...))
}

func fieldLeaf(salt []byte, name string, value json.RawMessage) []byte {
	h := sha256.New()
	h.Write([]byte(fieldLeafPrefix))
	h.Write(salt)
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(value)
	return h.Sum(nil)
}

func textLeaf(name string, root []byte, size uint64) []byte {
	h := sha256.New()
	h.Write([]byte(textLeafPrefix))
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(root)
	h.Write(binary.BigEndian.AppendUint64(nil, size))
	return h.Sum(nil)
}

func bodyDigest(leaves [][]byte) []byte {
	h := sha256.New()
	h.Write([]byte(bodyPrefix))
	for _, l := range leaves {
		h.Write(l)
	}
	return h.Sum(nil)
}

var factory = compact.RangeFactory{Hash: hasher.HashChildren}

// treeRoot is the RFC 6962 root of leaves (the empty root for none).
func treeRoot(leaves [][]byte) ([]byte, error) {
	if len(leaves) == 0 {
		return hasher.EmptyRoot(), nil
	}
	r := factory.NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(l, nil); err != nil {
			return nil, err
		}
	}
	return r.GetRootHash(nil)
}

// layered is what the two-layer commitment of a record is made of.
type layered struct {
	names    []string // the body's field names, sorted
	leaves   [][]byte // one per name
	text     int      // the index of the excerpt field in names
	segments []string
	segLeafs [][]byte
	header   []byte
}

// excerptEnvelope is the envelope as the header has it: every field of
// Envelope but the body, and the body's digest.
type excerptEnvelope struct {
	Envelope
	Body       json.RawMessage `json:"body,omitempty"`
	BodyDigest []byte          `json:"body_digest"`
}

func layer(salt, canonical []byte) (layered, error) {
	var e Envelope
	if err := json.Unmarshal(canonical, &e); err != nil {
		return layered{}, fmt.Errorf("couldn't read the record: %w", err)
	}
	if e.Excerpt == "" || e.V != ExcerptVersion {
		return layered{}, fmt.Errorf("record %s is not of version %d with an excerpt field", e.ID, ExcerptVersion)
	}
	// The commitment covers what the bytes say, not the bytes: only the
	// one canonical form of a record may stand for it, or a reader could
	// be shown other bytes (a second "body") that remake it.
	if again, err := Canonical(e); err != nil || !bytes.Equal(again, canonical) {
		return layered{}, fmt.Errorf("record %s: the bytes are not the record's canonical form", e.ID)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(e.Body, &body); err != nil {
		return layered{}, fmt.Errorf("couldn't read the body of record %s: %w", e.ID, err)
	}
	var text string
	if err := json.Unmarshal(body[e.Excerpt], &text); err != nil {
		return layered{}, fmt.Errorf("record %s: its excerpt field %q is not a string", e.ID, e.Excerpt)
	}
	l := layered{text: -1, segments: Segments(text)}
	for i, s := range l.segments {
		l.segLeafs = append(l.segLeafs, segmentLeaf(segmentSalt(salt, i), s))
	}
	root, err := treeRoot(l.segLeafs)
	if err != nil {
		return layered{}, err
	}
	if _, ok := body[e.Excerpt]; !ok {
		body[e.Excerpt] = nil
	}
	for _, name := range sortedKeys(body) {
		var leaf []byte
		if name == e.Excerpt {
			l.text = len(l.names)
			leaf = textLeaf(name, root, uint64(len(l.segments)))
		} else {
			v, err := jcs.Transform(body[name])
			if err != nil {
				return layered{}, fmt.Errorf("record %s: body field %q: %w", e.ID, name, err)
			}
			leaf = fieldLeaf(fieldSalt(salt, name), name, v)
		}
		l.names = append(l.names, name)
		l.leaves = append(l.leaves, leaf)
	}
	raw, err := json.Marshal(excerptEnvelope{Envelope: e, BodyDigest: bodyDigest(l.leaves)})
	if err != nil {
		return layered{}, err
	}
	if l.header, err = jcs.Transform(raw); err != nil {
		return layered{}, err
	}
	return l, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func commitV2(key, header []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(commitmentPrefixV2))
	h.Write(key)
	h.Write(header)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// excerptVersion reports whether canonical is a record of ExcerptVersion.
// Its "v" is the last key of the canonical JSON, so the bytes' end says.
func excerptVersion(canonical []byte) bool {
	return bytes.HasSuffix(canonical, []byte(`"v":`+strconv.Itoa(ExcerptVersion)+`}`))
}

// Excerpt is the disclosure of some consecutive segments of a record's
// excerpt field, with what it takes to check them against the record's
// commitment and nothing more of the record: the header (the envelope
// without its body), the key of the outer hash, the hashes of the body's
// fields (salted: they say nothing of the values) and the Merkle range
// proof of the segments.
type Excerpt struct {
	// Header is the canonical envelope with its body replaced by
	// "body_digest".
	Header []byte `json:"header"`
	Key    []byte `json:"key"`
	// Leaves are the body's field leaves in the order of the fields'
	// names; Field is the index of the excerpt field's.
	Leaves [][]byte `json:"leaves"`
	Field  int      `json:"field"`
	// Total is the number of segments of the field; Begin the index of
	// the first disclosed.
	Total uint64 `json:"total"`
	Begin uint64 `json:"begin"`
	// Segments and Salts are the disclosed segments and their salts.
	Segments []string `json:"segments"`
	Salts    [][]byte `json:"salts"`
	// Left and Right are the compact ranges of the segments before and
	// after the disclosed ones.
	Left  [][]byte `json:"left"`
	Right [][]byte `json:"right"`
}

// Text is the disclosed text: the segments joined, without the space
// after the last.
func (x Excerpt) Text() string {
	var b bytes.Buffer
	for _, s := range x.Segments {
		b.WriteString(s)
	}
	return string(bytes.TrimRightFunc(b.Bytes(), unicode.IsSpace))
}

// FindExcerpt returns the first run of whole segments of text that reads
// excerpt (ignoring the space after it): begin and end index the segments.
// It looks for the excerpt's bytes and keeps the first occurrence that
// starts and ends at word boundaries, so it costs about what a substring
// search does, whatever the text.
func FindExcerpt(text, excerpt string) (begin, end int, ok bool) {
	if excerpt == "" || strings.TrimSpace(excerpt) != excerpt {
		return 0, 0, false
	}
	for from := 0; from <= len(text)-len(excerpt); {
		i := strings.Index(text[from:], excerpt)
		if i < 0 {
			return 0, 0, false
		}
		start, stop := from+i, from+i+len(excerpt)
		if atWordStart(text, start) && atWordEnd(text, stop) {
			begin = len(Segments(text[:start]))
			return begin, begin + len(Segments(excerpt)), true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		from = start + size
	}
	return 0, 0, false
}

// atWordStart reports whether a word starts at text[i:]: the text's start,
// or a letter after space.
func atWordStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(r)
}

// atWordEnd reports whether a word ends at text[:i]: the text's end, or
// space after it.
func atWordEnd(text string, i int) bool {
	if i == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}

// Disclose makes the disclosure of segments [begin, end) of a record of
// ExcerptVersion, from its salt and canonical bytes.
func Disclose(salt, canonical []byte, begin, end int) (Excerpt, error) {
	l, err := layer(salt, canonical)
	if err != nil {
		return Excerpt{}, err
	}
	if begin < 0 || end > len(l.segments) || begin >= end {
		return Excerpt{}, fmt.Errorf("segments [%d, %d) are not an excerpt of a text of %d segments", begin, end, len(l.segments))
	}
	x := Excerpt{Header: l.header, Key: outerKey(salt), Leaves: l.leaves, Field: l.text,
		Total: uint64(len(l.segments)), Begin: uint64(begin), Segments: l.segments[begin:end]}
	for i := begin; i < end; i++ {
		x.Salts = append(x.Salts, segmentSalt(salt, i))
	}
	left := factory.NewEmptyRange(0)
	for _, leaf := range l.segLeafs[:begin] {
		if err := left.Append(leaf, nil); err != nil {
			return Excerpt{}, err
		}
	}
	right := factory.NewEmptyRange(uint64(end))
	for _, leaf := range l.segLeafs[end:] {
		if err := right.Append(leaf, nil); err != nil {
			return Excerpt{}, err
		}
	}
	x.Left, x.Right = left.Hashes(), right.Hashes()
	return x, nil
}

// Disclosed is what a checked excerpt proves: the record it is of and the
// commitment that record has in the log.
type Disclosed struct {
	Envelope   Envelope
	Commitment [sha256.Size]byte
}

// CheckExcerpt recomputes the commitment of the record an excerpt is of from
// the excerpt alone, and returns it with the record's envelope (without its
// body). The caller compares the commitment with the log's leaf.
func CheckExcerpt(x Excerpt) (Disclosed, error) {
	var h excerptEnvelope
	if err := json.Unmarshal(x.Header, &h); err != nil {
		return Disclosed{}, fmt.Errorf("the header is not a record's: %w", err)
	}
	if h.V != ExcerptVersion || h.Excerpt == "" || len(h.Body) > 0 {
		return Disclosed{}, errors.New("the header is not that of a record with an excerpt field")
	}
	if canon, err := jcs.Transform(x.Header); err != nil || !bytes.Equal(canon, x.Header) {
		return Disclosed{}, errors.New("the header is not canonical JSON")
	}
	n := len(x.Segments)
	if n == 0 || len(x.Salts) != n || x.Begin+uint64(n) > x.Total || x.Field < 0 || x.Field >= len(x.Leaves) {
		return Disclosed{}, errors.New("the excerpt's segments, salts and positions do not fit together")
	}
	// Every salt, key and hash is one SHA-256 output: a salt of another
	// length could take a word's first letters into it and change the
	// word shown without changing the leaf.
	for what, hs := range map[string][][]byte{"salt": x.Salts, "field hash": x.Leaves, "hash before the excerpt": x.Left, "hash after the excerpt": x.Right, "key": {x.Key}} {
		for _, h := range hs {
			if len(h) != sha256.Size {
				return Disclosed{}, fmt.Errorf("a %s is %d bytes, not %d", what, len(h), sha256.Size)
			}
		}
	}
	for i, s := range x.Segments {
		if !utf8.ValidString(s) || s == "" {
			return Disclosed{}, fmt.Errorf("segment %d is empty or not UTF-8", i)
		}
		// A segment is a word and the space after it; only the last of
		// the text may end without space, and none has space inside.
		if len(Segments(s)) != 1 {
			return Disclosed{}, fmt.Errorf("segment %d (%q) is not one word and the space after it", i, s)
		}
	}
	left, err := factory.NewRange(0, x.Begin, x.Left)
	if err != nil {
		return Disclosed{}, fmt.Errorf("the range before the excerpt: %w", err)
	}
	end := x.Begin + uint64(n)
	mid := factory.NewEmptyRange(x.Begin)
	for i, s := range x.Segments {
		if err := mid.Append(segmentLeaf(x.Salts[i], s), nil); err != nil {
			return Disclosed{}, err
		}
	}
	right, err := factory.NewRange(end, x.Total, x.Right)
	if err != nil {
		return Disclosed{}, fmt.Errorf("the range after the excerpt: %w", err)
	}
	if err := left.AppendRange(mid, nil); err != nil {
		return Disclosed{}, err
	}
	if err := left.AppendRange(right, nil); err != nil {
		return Disclosed{}, err
	}
	root, err := left.GetRootHash(nil)
	if err != nil {
		return Disclosed{}, err
	}
	leaves := slices.Clone(x.Leaves)
	leaves[x.Field] = textLeaf(h.Excerpt, root, x.Total)
	if !bytes.Equal(bodyDigest(leaves), h.BodyDigest) {
		return Disclosed{}, errors.New("the excerpt and the body's other fields do not hash to the body digest the header commits to: the text is not the record's")
	}
	return Disclosed{Envelope: h.Envelope, Commitment: commitV2(x.Key, x.Header)}, nil
}

// CommitmentOf returns the commitment of a record from its salt and
// canonical bytes, by the scheme of its version: Commitment for version 1,
// the two layers of ExcerptVersion otherwise.
func CommitmentOf(salt, canonical []byte) ([sha256.Size]byte, error) {
	if !excerptVersion(canonical) {
		return Commitment(salt, canonical), nil
	}
	l, err := layer(salt, canonical)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return commitV2(outerKey(salt), l.header), nil
}

// EncodeDigest is how a digest is written for people: standard base64.
func EncodeDigest(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
