package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/internal/jsontop"
	"github.com/parley-project/parley/record"
)

// MaxBody is the largest write request accepted, in bytes. Records are
// small; anything larger is a mistake or an attack.
const MaxBody = 256 << 10

// beside is what a write carries beside the body: for a signed kind, the
// statement its author signed (record.Statement's text) and the note
// signature line over it; for an update of a versioned kind, the record
// id of the version it was based on.
type beside struct {
	Statement string
	Signature string
	BasedOn   string
}

// decodeWrite reads a write request: the entity's own fields, plus an
// optional "audience", for a signed kind "statement" and "signature", and
// for a versioned kind "based_on".
// Unknown fields, wrong types and trailing data are errors that name the
// field, because a silently dropped field is lost data.
func decodeWrite(kind parley.Kind, body []byte) (parley.Entity, *record.Audience, beside, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, beside{}, newError(CodeBadRequest, "", "the request body is empty; send a JSON object")
	}
	if len(body) > MaxBody {
		return nil, nil, beside{}, newError(CodeTooLarge, "", "the request body is %d bytes; at most %d are accepted", len(body), MaxBody)
	}
	if !utf8.Valid(body) {
		return nil, nil, beside{}, newError(CodeBadRequest, "", "the request body is not valid UTF-8 (at byte %d); send JSON in UTF-8", invalidUTF8At(body))
	}
	if err := noDuplicateKeys(body); err != nil {
		return nil, nil, beside{}, err
	}
	if err := noNUL(body); err != nil {
		return nil, nil, beside{}, err
	}
	fields, ok := jsontop.Fields(body)
	if !ok {
		// Not a JSON object: the decoder says what it is instead.
		if err := strictDecode(body, &fields); err != nil {
			return nil, nil, beside{}, err
		}
	}
	if fields == nil {
		return nil, nil, beside{}, newError(CodeBadRequest, "", "the request body must be a JSON object, not null")
	}
	var aud *record.Audience
	besides := false // whether fields other than the entity's are given
	if raw, ok := fields["audience"]; ok {
		aud = new(record.Audience)
		if err := strictDecode(raw, aud); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Field != "" {
				e.Field = "audience." + e.Field
			} else if e != nil {
				e.Field = "audience"
			}
			return nil, nil, beside{}, err
		}
		delete(fields, "audience")
		besides = true
	}
	// The statement and its signature are the author's, over the body;
	// they are not part of the body they sign.
	var sig beside
	for _, f := range []struct {
		name, want string
		to         *string
	}{
		{"statement", "the statement text that parley sign signed", &sig.Statement},
		{"signature", "the note signature line \"— <key name> <base64>\"", &sig.Signature},
		{"based_on", "the record id of the version the edit was based on", &sig.BasedOn},
	} {
		if raw, ok := fields[f.name]; ok {
			if err := json.Unmarshal(raw, f.to); err != nil {
				return nil, nil, beside{}, &Error{Code: CodeInvalid, Field: f.name, Message: "must be a string: " + f.want, Err: err}
			}
			delete(fields, f.name)
			besides = true
		}
	}
	rest := body
	if besides {
		var err error
		if rest, err = json.Marshal(fields); err != nil {
			return nil, nil, beside{}, fmt.Errorf("couldn't re-encode request: %w", err)
		}
	}
	ent := kind.New()
	if err := strictDecode(rest, ent); err != nil {
		return nil, nil, beside{}, nameField(kind, fields, err)
	}
	if err := checkLengths(kind.Fields, fields, ""); err != nil {
		return nil, nil, beside{}, err
	}
	return ent, aud, sig, nil
}

// invalidUTF8At is the offset of the first byte of b that is not UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// noDuplicateKeys refuses a JSON object that names a key twice: encoding/json
// would keep the last silently, and the writer may have meant the first.
func noDuplicateKeys(body []byte) error {
	if key, ok := duplicateKey(body); ok {
		return newError(CodeBadRequest, key, "is given twice; name each field once")
	}
	return nil
}

// noNUL refuses a string holding U+0000 (\u0000 in JSON): no record needs
// one, text tools cut strings at it, and PostgreSQL cannot read a JSON
// value that holds one (a filter on any field of such a body would fail).
func noNUL(body []byte) error {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	var fields map[string]any
	if json.Unmarshal(body, &fields) != nil {
		return nil // malformed JSON is strictDecode's to report
	}
	for name, v := range fields {
		if holdsNUL(v) {
			return newError(CodeInvalid, name, "holds the character U+0000, which no field may hold")
		}
	}
	return nil
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		return slices.ContainsFunc(v, holdsNUL)
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) || holdsNUL(x) {
				return true
			}
		}
	}
	return false
}

// duplicateKey returns the first key named twice in one object of the
// first JSON value in b. It scans the bytes once, without building
// tokens, since every write's body goes through it; it checks no syntax
// (strictDecode reports malformed JSON), and on valid JSON finds what
// encoding/json's tokens would.
func duplicateKey(b []byte) (string, bool) {
	type frame struct {
		object  bool
		wantKey bool // the next string is a key
		keys    []string
		// set holds the keys once there are more than a few: a body of
		// thousands of keys must not cost their square.
		set map[string]bool
	}
	var stack []frame
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{', '[':
			stack = append(stack, frame{object: c == '{', wantKey: c == '{'})
		case '}', ']':
			if len(stack) == 0 {
				return "", false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return "", false // the first value ends here
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
		case '"':
			j, escaped := i+1, false
			for ; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(b) {
				return "", false
			}
			n := len(stack)
			if n > 0 && stack[n-1].wantKey {
				key := string(b[i+1 : j])
				// A key with escapes, or not UTF-8 (which the body's
				// check refuses first, but the scan must not depend on
				// it), is read as encoding/json reads it: invalid bytes
				// become U+FFFD, so two such keys may be one.
				if (escaped || !utf8.ValidString(key)) && json.Unmarshal(b[i:j+1], &key) != nil {
					return "", false
				}
				top := &stack[n-1]
				switch {
				case top.set != nil:
					if top.set[key] {
						return key, true
					}
					top.set[key] = true
				case slices.Contains(top.keys, key):
					return key, true
				case len(top.keys) == 8:
					top.set = map[string]bool{key: true}
					for _, k := range top.keys {
						top.set[k] = true
					}
				default:
					top.keys = append(top.keys, key)
				}
				top.wantKey = false
			}
			i = j
		}
	}
	return "", false
}

// checkLengths refuses a string longer than its field's maximum (Field.Max,
// else parley.MaxText bytes), whatever the domain's Validate says: every
// string of a record is bounded, and the writer is told which.
func checkLengths(fs []parley.Field, values map[string]json.RawMessage, prefix string) error {
	// encoding/json matches a key to a field whatever its case, so
	// {"name":..., "Name":...} would keep one and drop the other silently,
	// and "NAME" would pass unchecked here: a key is a field's exact name.
	for key := range values {
		for _, f := range fs {
			if key != f.Name && strings.EqualFold(key, f.Name) {
				return newError(CodeInvalid, prefix+key, "is not a field; field names are exact (%s)", prefix+f.Name)
			}
		}
	}
	for _, f := range fs {
		raw, ok := values[f.Name]
		if !ok {
			continue
		}
		if err := checkLength(f, raw, prefix+f.Name); err != nil {
			return err
		}
	}
	return nil
}

func checkLength(f parley.Field, raw json.RawMessage, path string) error {
	switch f.Type {
	case parley.File:
		if s, ok := jsontop.String(raw); ok && s != "" && !parley.ValidFile(s) {
			return newError(CodeInvalid, path, "%q is not a file's SHA-256 in lower-case hex (64 characters)", s)
		}
	case parley.String, parley.Text, parley.Ref, parley.Enum, parley.Date, parley.Time:
		s, ok := jsontop.String(raw)
		if !ok {
			return nil
		}
		max := f.Max
		if max == 0 {
			max = parley.MaxText
		}
		if len(s) > max {
			return newError(CodeInvalid, path, "is %d bytes long; at most %d are allowed", len(s), max)
		}
	case parley.List:
		var items []json.RawMessage
		if f.Elem == nil || !hasLimits(*f.Elem) || json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, it := range items {
			if err := checkLength(*f.Elem, it, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case parley.Object:
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		return checkLengths(f.Fields, m, path+".")
	}
	return nil
}

// hasLimits reports whether a value of f has anything checkLength checks:
// a list of numbers (a month of meter readings) is not read element by
// element for nothing.
func hasLimits(f parley.Field) bool {
	switch f.Type {
	case parley.Int, parley.Number, parley.Bool:
		return false
	case parley.List:
		return f.Elem != nil && hasLimits(*f.Elem)
	}
	return true
}

// nameField finds the field behind an error that encoding/json reports
// without one (a malformed time or date), by decoding the fields one at a
// time. It runs only on the error path.
func nameField(kind parley.Kind, fields map[string]json.RawMessage, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Field != "" || e.Code != CodeInvalid {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		one, _ := json.Marshal(map[string]json.RawMessage{name: fields[name]})
		if json.Unmarshal(one, kind.New()) != nil {
			e.Field = name
			break
		}
	}
	return err
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError(CodeBadRequest, "", "the request body holds more than one JSON value")
	}
	return nil
}

// decodeError turns encoding/json's errors into ones that name the field.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{Code: CodeBadRequest, Message: fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn), Err: err}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &Error{Code: CodeBadRequest, Message: fmt.Sprintf("the request body must be a JSON object, not %s", parley.Article(typ.Value)), Err: err}
		}
		return &Error{Code: CodeInvalid, Field: typ.Field, Message: fmt.Sprintf("must be %s, not %s", parley.Article(jsonType(typ.Type)), parley.Article(typ.Value)), Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Code: CodeBadRequest, Message: "the JSON ends too soon", Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Code: CodeInvalid, Field: name, Message: "is not a known field", Err: err}
	}
	var perr *time.ParseError
	if errors.As(err, &perr) {
		// Go's message names its layout string; people read the form.
		return &Error{Code: CodeInvalid, Message: fmt.Sprintf("%q is not a time of the form 2026-01-23T10:00:00+04:00 (RFC 3339, with its offset)", perr.Value), Err: err}
	}
	// Parse errors of our own types (dates) land here.
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return &Error{Code: CodeInvalid, Message: msg, Err: err}
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// SignableBody returns the body of a write as parley will commit it
// (decoded strictly, normalized, re-encoded): what an author of a signed
// kind must sign. Fields "audience" and "signature" are not part of it.
func SignableBody(reg *parley.Registry, kindName string, body []byte) (json.RawMessage, error) {
	kind, ok := reg.Kind(kindName)
	if !ok {
		return nil, newError(CodeNotFound, "", "no kind %q", kindName)
	}
	ent, _, _, err := decodeWrite(kind, body)
	if err != nil {
		return nil, err
	}
	ent.Normalize()
	return json.Marshal(ent)
}
