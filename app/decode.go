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

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/record"
)

// MaxBody is the largest write request accepted, in bytes. Records are
// small; anything larger is a mistake or an attack.
const MaxBody = 256 << 10

// decodeWrite reads a write request: the entity's own fields, plus an
// optional "audience". Unknown fields, wrong types and trailing data are
// errors that name the field, because a silently dropped field is lost data.
func decodeWrite(kind parley.Kind, body []byte) (parley.Entity, *record.Audience, string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, "", newError(CodeBadRequest, "", "the request body is empty; send a JSON object")
	}
	if len(body) > MaxBody {
		return nil, nil, "", newError(CodeTooLarge, "", "the request body is %d bytes; at most %d are accepted", len(body), MaxBody)
	}
	var fields map[string]json.RawMessage
	if err := strictDecode(body, &fields); err != nil {
		return nil, nil, "", err
	}
	if fields == nil {
		return nil, nil, "", newError(CodeBadRequest, "", "the request body must be a JSON object, not null")
	}
	var aud *record.Audience
	if raw, ok := fields["audience"]; ok {
		aud = new(record.Audience)
		if err := strictDecode(raw, aud); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Field != "" {
				e.Field = "audience." + e.Field
			} else if e != nil {
				e.Field = "audience"
			}
			return nil, nil, "", err
		}
		delete(fields, "audience")
	}
	// The signature is the note signature line of the author over the
	// body; it is not part of the body it signs.
	var sig string
	if raw, ok := fields["signature"]; ok {
		if err := json.Unmarshal(raw, &sig); err != nil {
			return nil, nil, "", &Error{Code: CodeInvalid, Field: "signature", Message: "must be a string: the note signature line \"— <key name> <base64>\"", Err: err}
		}
		delete(fields, "signature")
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		return nil, nil, "", fmt.Errorf("couldn't re-encode request: %w", err)
	}
	ent := kind.New()
	if err := strictDecode(rest, ent); err != nil {
		return nil, nil, "", nameField(kind, fields, err)
	}
	return ent, aud, sig, nil
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
			return &Error{Code: CodeBadRequest, Message: fmt.Sprintf("the request body must be a JSON object, not a %s", typ.Value), Err: err}
		}
		return &Error{Code: CodeInvalid, Field: typ.Field, Message: fmt.Sprintf("must be of type %s, not a JSON %s", jsonType(typ.Type), typ.Value), Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Code: CodeBadRequest, Message: "the JSON ends too soon", Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Code: CodeInvalid, Field: name, Message: "is not a known field", Err: err}
	}
	// Parse errors of our own types (dates, times) land here.
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
