// Package jsontop reads the top-level fields of a JSON object without
// decoding their values: every write's body is looked at field by field
// (which fields it has, how long its strings are, what it is indexed
// under), and encoding/json's map of raw values costs more than the rest
// of reading it.
package jsontop

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Fields returns the members of the JSON object b, each value as its raw
// bytes; false when b is not valid JSON or not an object, so that the
// caller's decoder can say what is wrong. A key named twice keeps its last
// value, as encoding/json does.
func Fields(b []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	fields := make(map[string]json.RawMessage, 16)
	i++
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			return fields, true
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		end := skipString(b, i)
		key, ok := String(b[i:end])
		if !ok {
			return nil, false
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		end = skipValue(b, i)
		fields[key] = b[i:end:end]
		i = end
	}
}

// String is the value of the raw JSON string s; false when s is not one.
// A string without escapes is read without encoding/json.
func String(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	inner := s[1 : len(s)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			var v string
			err := json.Unmarshal(s, &v)
			return v, err == nil
		}
	}
	if !utf8.Valid(inner) {
		// encoding/json's way with bad bytes (U+FFFD for each).
		var v string
		err := json.Unmarshal(s, &v)
		return v, err == nil
	}
	return string(inner), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.IndexByte(" \t\r\n", b[i]) >= 0 {
		i++
	}
	return i
}

// skipString returns the end of the string that starts at b[i], in valid
// JSON.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the end of the value that starts at b[i], in valid
// JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && strings.IndexByte(",}] \t\r\n", b[i]) < 0 {
		i++
	}
	return i
}
