package record

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
)

// CanonicalJSON is RFC 8785 (JCS) canonical JSON of raw, as
// jcs.Transform makes it, and faster: a signed statement canonicalises
// its body, and a batch of a month of meter readings is 3,000 numbers.
func CanonicalJSON(raw []byte) ([]byte, error) { return canonicalJSON(raw) }

// canonicalJSON is RFC 8785 (JCS) canonical JSON of raw, as jcs.Transform
// makes it, in one pass over raw: every record of a batch of reports is
// canonicalised, and jcs's parse tree of strings cost more than the rest
// of sealing it. What this pass does not handle itself (malformed JSON,
// duplicate keys, lone surrogates, deep nesting, numbers out of range) it
// hands to jcs.Transform, so that the bytes and the errors are always
// jcs's; FuzzCanonicalJSON holds the two to the same output.
func canonicalJSON(raw []byte) ([]byte, error) {
	if out, ok := canonicalOnePass(raw); ok {
		return out, nil
	}
	return jcs.Transform(raw)
}

// canonicalOnePass is canonicalJSON's own pass; false when it leaves raw
// to jcs.
func canonicalOnePass(raw []byte) ([]byte, bool) {
	c := canonicalizer{src: raw}
	out, ok := c.value(make([]byte, 0, len(raw)), 0)
	if ok {
		c.space()
		ok = c.i == len(raw)
	}
	return out, ok
}

// maxCanonDepth is where the one pass gives up and lets jcs decide, well
// within jcs's own nesting limit.
const maxCanonDepth = 32

type canonicalizer struct {
	src []byte
	i   int
	// pieces[d] holds the canonical values of the members of the object
	// being read at depth d until they are sorted; members[d] their keys.
	pieces  [maxCanonDepth + 1][]byte
	members [maxCanonDepth + 1][]member
}

type member struct {
	key        string
	start, end int // of its value in pieces
}

func (c *canonicalizer) space() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// value appends the canonical form of the value at c.i to dst; false when
// this pass declines it.
func (c *canonicalizer) value(dst []byte, depth int) ([]byte, bool) {
	c.space()
	if c.i >= len(c.src) || depth > maxCanonDepth {
		return dst, false
	}
	switch b := c.src[c.i]; {
	case b == '{':
		return c.object(dst, depth)
	case b == '[':
		return c.array(dst, depth)
	case b == '"':
		s, ok := c.str()
		if !ok {
			return dst, false
		}
		return appendCanonString(dst, s), true
	case b == 't':
		return c.literal(dst, "true")
	case b == 'f':
		return c.literal(dst, "false")
	case b == 'n':
		return c.literal(dst, "null")
	default:
		return c.number(dst)
	}
}

func (c *canonicalizer) literal(dst []byte, lit string) ([]byte, bool) {
	if !bytes.HasPrefix(c.src[c.i:], []byte(lit)) {
		return dst, false
	}
	c.i += len(lit)
	return append(dst, lit...), true
}

func (c *canonicalizer) object(dst []byte, depth int) ([]byte, bool) {
	c.i++ // {
	pieces, members := c.pieces[depth][:0], c.members[depth][:0]
	c.space()
	if c.i < len(c.src) && c.src[c.i] == '}' {
		c.i++
		return append(dst, "{}"...), true
	}
	for {
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != '"' {
			return dst, false
		}
		key, ok := c.str()
		if !ok {
			return dst, false
		}
		c.space()
		if c.i >= len(c.src) || c.src[c.i] != ':' {
			return dst, false
		}
		c.i++
		start := len(pieces)
		if pieces, ok = c.value(pieces, depth+1); !ok {
			return dst, false
		}
		members = append(members, member{key: key, start: start, end: len(pieces)})
		c.space()
		if c.i >= len(c.src) {
			return dst, false
		}
		c.i++
		if c.src[c.i-1] == '}' {
			break
		}
		if c.src[c.i-1] != ',' {
			return dst, false
		}
	}
	// Keys sort by their UTF-16 code units (RFC 8785 §3.2.3), which is the
	// order of their UTF-8 bytes unless a key holds a character past
	// U+FFFF.
	slices.SortFunc(members, func(a, b member) int { return compareUTF16(a.key, b.key) })
	dst = append(dst, '{')
	for k, m := range members {
		if k > 0 {
			if members[k-1].key == m.key {
				return dst, false // jcs refuses a duplicate key
			}
			dst = append(dst, ',')
		}
		dst = appendCanonString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, pieces[m.start:m.end]...)
	}
	// Kept for the next object at this depth.
	c.pieces[depth], c.members[depth] = pieces[:0], members[:0]
	return append(dst, '}'), true
}

func (c *canonicalizer) array(dst []byte, depth int) ([]byte, bool) {
	c.i++ // [
	dst = append(dst, '[')
	c.space()
	if c.i < len(c.src) && c.src[c.i] == ']' {
		c.i++
		return append(dst, ']'), true
	}
	for n := 0; ; n++ {
		if n > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = c.value(dst, depth+1); !ok {
			return dst, false
		}
		c.space()
		if c.i >= len(c.src) {
			return dst, false
		}
		c.i++
		if c.src[c.i-1] == ']' {
			return append(dst, ']'), true
		}
		if c.src[c.i-1] != ',' {
			return dst, false
		}
	}
}

// str reads the string at c.i and returns its value.
func (c *canonicalizer) str() (string, bool) {
	start := c.i + 1
	j := start
	for ; j < len(c.src); j++ {
		b := c.src[j]
		if b == '"' {
			c.i = j + 1
			s := c.src[start:j]
			return string(s), utf8.Valid(s)
		}
		if b == '\\' {
			return c.escapedStr(start)
		}
		if b < 0x20 {
			return "", false
		}
	}
	return "", false
}

// escapedStr reads a string holding escapes, from its first byte at start.
func (c *canonicalizer) escapedStr(start int) (string, bool) {
	var out []byte
	for j := start; j < len(c.src); {
		b := c.src[j]
		switch {
		case b == '"':
			c.i = j + 1
			return string(out), utf8.Valid(out)
		case b < 0x20:
			return "", false
		case b != '\\':
			out = append(out, b)
			j++
			continue
		}
		if j+1 >= len(c.src) {
			return "", false
		}
		switch e := c.src[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(c.src[j+2:])
			if !ok {
				return "", false
			}
			j += 6
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one is a
				// character; jcs refuses the rest.
				if r >= 0xDC00 || j+6 > len(c.src) || c.src[j] != '\\' || c.src[j+1] != 'u' {
					return "", false
				}
				lo, ok := hex4(c.src[j+2:])
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return "", false
				}
				r = utf16.DecodeRune(r, lo)
				j += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, h := range b[:4] {
		r <<= 4
		switch {
		case '0' <= h && h <= '9':
			r |= rune(h - '0')
		case 'a' <= h && h <= 'f':
			r |= rune(h - 'a' + 10)
		case 'A' <= h && h <= 'F':
			r |= rune(h - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number appends the canonical form of the number at c.i: ECMAScript's
// Number.prototype.toString of its nearest double (jcs.NumberToJSON). An
// integer of up to 15 digits is its own canonical form.
func (c *canonicalizer) number(dst []byte) ([]byte, bool) {
	start := c.i
	j := start
	if j < len(c.src) && c.src[j] == '-' {
		j++
	}
	digits := j
	j = skipDigits(c.src, j)
	n := j - digits
	if n == 0 || (n > 1 && c.src[digits] == '0') {
		return dst, false
	}
	integer := true
	if j < len(c.src) && c.src[j] == '.' {
		integer = false
		k := j + 1
		if j = skipDigits(c.src, k); j == k {
			return dst, false
		}
	}
	if j < len(c.src) && (c.src[j] == 'e' || c.src[j] == 'E') {
		integer = false
		j++
		if j < len(c.src) && (c.src[j] == '+' || c.src[j] == '-') {
			j++
		}
		k := j
		if j = skipDigits(c.src, k); j == k {
			return dst, false
		}
	}
	c.i = j
	text := c.src[start:j]
	if integer && n <= 15 {
		if string(text) == "-0" {
			return append(dst, '0'), true
		}
		return append(dst, text...), true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return dst, false
	}
	s, err := jcs.NumberToJSON(f)
	if err != nil {
		return dst, false
	}
	return append(dst, s...), true
}

// skipDigits returns the end of the run of digits at b[j].
func skipDigits(b []byte, j int) int {
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	return j
}

// appendCanonString appends s as RFC 8785 writes a string: only '"', '\'
// and the control characters escaped, the short escapes where JSON has
// them.
func appendCanonString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		dst = append(dst, s[last:i]...)
		last = i + 1
		switch b {
		case '"', '\\':
			dst = append(dst, '\\', b)
		case '\b':
			dst = append(dst, `\b`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		default:
			const hex = "0123456789abcdef"
			dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
		}
	}
	dst = append(dst, s[last:]...)
	return append(dst, '"')
}

// compareUTF16 orders a and b by their UTF-16 code units.
func compareUTF16(a, b string) int {
	if !hasAstral(a) && !hasAstral(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// hasAstral says whether s holds a character past U+FFFF (four bytes in
// UTF-8), which UTF-16 writes as surrogates that sort below U+E000.
func hasAstral(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			return true
		}
	}
	return false
}

// canonicalEnvelope writes the canonical JSON of an unsigned envelope
// directly, its keys in their sorted order, and only its body through
// canonicalJSON: what json.Marshal then canonicalJSON make of it, without
// encoding the body and parsing it again. false leaves e to them (a
// signature, a string that is not UTF-8, a time out of JSON's range, a
// body the one pass leaves to jcs);
// TestCanonicalEnvelope and FuzzCanonicalEnvelope hold the two equal.
func canonicalEnvelope(e Envelope) ([]byte, bool) {
	if e.Sig != nil || e.At.Year() < 0 || e.At.Year() > 9999 || e.V < 0 || e.V > 1<<50 {
		return nil, false
	}
	strs := append([]string{e.ID, e.Kind, e.Subject, e.Author.Principal, e.Author.Party, string(e.Audience.Scope),
		e.Audience.Party, e.Excerpt}, e.Refs...)
	strs = append(strs, e.Audience.Parties...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return nil, false
		}
	}
	body := []byte("null") // json.Marshal's for a nil RawMessage
	if e.Body != nil {
		// A body the one pass declines goes the old way with its
		// envelope: jcs's limits (its nesting depth) count the envelope's
		// level too.
		var ok bool
		if body, ok = canonicalOnePass(e.Body); !ok {
			return nil, false
		}
	}
	out := make([]byte, 0, len(body)+256)
	out = append(out, `{"at":`...)
	out = appendCanonString(out, e.At.Format(time.RFC3339Nano))
	out = append(out, `,"audience":{`...)
	if len(e.Audience.Parties) > 0 {
		out = append(out, `"parties":`...)
		out = append(appendCanonStrings(out, e.Audience.Parties), ',')
	}
	if e.Audience.Party != "" {
		out = append(out, `"party":`...)
		out = appendCanonString(out, e.Audience.Party)
		out = append(out, ',')
	}
	out = append(out, `"scope":`...)
	out = appendCanonString(out, string(e.Audience.Scope))
	out = append(out, `},"author":{"party":`...)
	out = appendCanonString(out, e.Author.Party)
	out = append(out, `,"principal":`...)
	out = appendCanonString(out, e.Author.Principal)
	out = append(out, `},"body":`...)
	out = append(out, body...)
	if e.Excerpt != "" {
		out = append(out, `,"excerpt":`...)
		out = appendCanonString(out, e.Excerpt)
	}
	out = append(out, `,"id":`...)
	out = appendCanonString(out, e.ID)
	out = append(out, `,"kind":`...)
	out = appendCanonString(out, e.Kind)
	if len(e.Refs) > 0 {
		out = append(out, `,"refs":`...)
		out = appendCanonStrings(out, e.Refs)
	}
	out = append(out, `,"subject":`...)
	out = appendCanonString(out, e.Subject)
	out = append(out, `,"v":`...)
	out = strconv.AppendInt(out, int64(e.V), 10)
	return append(out, '}'), true
}

// appendCanonStrings appends ss as a JSON array of strings.
func appendCanonStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCanonString(dst, s)
	}
	return append(dst, ']')
}
