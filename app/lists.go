package app

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/store"
)

// Lists as every front end offers them: the filters a kind's declarations
// allow, read from a query string, and the cursor that continues a list.

// Filter is one list filter, as a query parameter.
type Filter struct {
	Name, Desc string
	// Type is the parameter's OpenAPI type: "string" or "boolean".
	Type string
}

// ListFilters are the list filters a kind's declarations offer: by owner
// party, status, a range of its time and its index fields, and time order.
func ListFilters(k parley.Kind) []Filter {
	var ps []Filter
	// A kind whose owner is its parent (a person's party) is filtered by
	// its parent already, under the same name.
	if k.OwnerField != "" && k.OwnerField != k.ParentField {
		ps = append(ps, Filter{"party", fmt.Sprintf("Only %s whose %s is this party id.", k.Collection, k.OwnerField), "string"})
	}
	if k.StatusField != "" {
		ps = append(ps, Filter{"status", fmt.Sprintf("Only %s whose %s is this.", k.Collection, k.StatusField), "string"})
	}
	if k.TimeField != "" {
		ps = append(ps,
			Filter{"from", fmt.Sprintf("Only %s whose %s is at or after this RFC 3339 time or date.", k.Collection, k.TimeField), "string"},
			Filter{"to", fmt.Sprintf("Only %s whose %s is before this RFC 3339 time or date.", k.Collection, k.TimeField), "string"},
			Filter{"order", fmt.Sprintf("created (default: the order they were created) or time (by %s).", k.TimeField), "string"})
	}
	ps = append(ps, Filter{"desc", "true lists in descending order.", "boolean"})
	for _, f := range append(slices.Clone(k.IndexFields), k.FilterFields...) {
		ps = append(ps, Filter{f, fmt.Sprintf("Only %s whose %s is this.", k.Collection, f), "string"})
	}
	return ps
}

// ParseListFilters reads the filters ListFilters offers from a query
// string into q; a bad value is a bad request naming its parameter.
func ParseListFilters(k parley.Kind, v url.Values, q *store.Query) error {
	if k.OwnerField != "" && k.OwnerField != k.ParentField {
		q.Party = v.Get("party")
	}
	if k.StatusField != "" {
		q.Status = v.Get("status")
	}
	if k.TimeField != "" {
		for _, b := range []struct {
			name string
			t    *time.Time
		}{{"from", &q.From}, {"to", &q.To}} {
			s := v.Get(b.name)
			if s == "" {
				continue
			}
			t, err := parley.ParseTime(s)
			if err == nil {
				err = store.CheckAt(t)
			}
			if err != nil {
				return &Error{Code: CodeBadRequest, Field: b.name, Message: err.Error()}
			}
			*b.t = t
		}
		switch v.Get("order") {
		case "", "created":
		case "time":
			q.Order = store.OrderAt
		default:
			return &Error{Code: CodeBadRequest, Field: "order", Message: fmt.Sprintf("%q is not an order (created or time)", v.Get("order"))}
		}
	}
	switch v.Get("desc") {
	case "", "false":
	case "true":
		q.Desc = true
	default:
		return &Error{Code: CodeBadRequest, Field: "desc", Message: fmt.Sprintf("%q is neither true nor false", v.Get("desc"))}
	}
	for _, f := range []struct {
		names []string
		to    *map[string]string
	}{{k.IndexFields, &q.Fields}, {k.FilterFields, &q.Match}} {
		for _, name := range f.names {
			s := v.Get(name)
			if s == "" {
				continue
			}
			if err := checkFilterValue(k, name, s); err != nil {
				return err
			}
			if *f.to == nil {
				*f.to = map[string]string{}
			}
			(*f.to)[name] = s
		}
	}
	return nil
}

// checkFilterValue refuses a filter value no entity can hold: text that is
// not UTF-8 or holds U+0000 (which PostgreSQL refuses outright), or a value
// outside an enumeration's options, which would match nothing at the cost
// of reading every entity of the kind when the field is not indexed.
func checkFilterValue(k parley.Kind, name, value string) error {
	if !utf8.ValidString(value) || strings.ContainsRune(value, 0) {
		return &Error{Code: CodeBadRequest, Field: name, Message: "is not UTF-8 text, or holds the character U+0000"}
	}
	f, _ := k.Field(name)
	if f.Type == parley.List && f.Elem != nil {
		f = *f.Elem
	}
	if f.Type == parley.Enum && !slices.ContainsFunc(f.Enum, func(o parley.Option) bool { return o.Value == value }) {
		values := make([]string, len(f.Enum))
		for i, o := range f.Enum {
			values[i] = o.Value
		}
		return &Error{Code: CodeBadRequest, Field: name, Message: fmt.Sprintf("%q is not one of its values (%s)", value, strings.Join(values, ", "))}
	}
	return nil
}

// Cursors are sealed (AES-GCM, with the list's kind, filters and order as
// associated data) rather than plain sequence numbers: a record's position
// in the store says how many records, of any audience, were committed
// before it, which a caller who may not see them should not learn by
// subtracting two cursors. Sealing also makes a cursor of one list useless
// for another. Each front end seals with a key of its own.

// cursorAD binds a cursor to its list: the kind and every filter and the
// order, so that a cursor of one list is refused by any other.
func cursorAD(q store.Query) []byte {
	var b strings.Builder
	for _, v := range []string{q.Kind, q.Parent, q.Party, q.Status, q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano),
		strconv.Itoa(int(q.Order)), strconv.FormatBool(q.Desc)} {
		b.WriteString(v)
		b.WriteByte(0)
	}
	for _, k := range slices.Sorted(maps.Keys(q.Fields)) {
		b.WriteString(k + "=" + q.Fields[k])
		b.WriteByte(0)
	}
	// Apart from the fields: a filter on a field that is indexed and one
	// on a field that is not are not one list. Written only when there is
	// one, so that the cursors of lists without are those of before.
	if len(q.Match) > 0 {
		b.WriteByte(1)
		for _, k := range slices.Sorted(maps.Keys(q.Match)) {
			b.WriteString(k + "=" + q.Match[k])
			b.WriteByte(0)
		}
	}
	return []byte(b.String())
}

// SealCursor seals the position after the last entity of a page: its
// CreatedSeq and, for lists in time order, its At.
func SealCursor(aead cipher.AEAD, last store.Entity, q store.Query) string {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+17+aead.Overhead())
	rand.Read(nonce)
	plain := binary.BigEndian.AppendUint64(nil, uint64(last.CreatedSeq))
	if q.Order == store.OrderAt {
		// A flag says whether the entity has a time: the zero time is not
		// the Unix epoch, which is a time like any other.
		if last.At.IsZero() {
			plain = append(plain, 0)
		} else {
			plain = append(plain, 1)
		}
		plain = binary.BigEndian.AppendUint64(plain, uint64(last.At.UnixMicro()))
	}
	out := aead.Seal(nonce, nonce, plain, cursorAD(q))
	return base64.RawURLEncoding.EncodeToString(out)
}

// OpenCursor sets q's After (and AfterAt) from a sealed cursor.
func OpenCursor(aead cipher.AEAD, s string, q *store.Query) error {
	bad := &Error{Code: CodeBadRequest, Field: "after", Message: "is not a cursor of this list; pass the `next` of its previous page"}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < aead.NonceSize() {
		return bad
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], cursorAD(*q))
	want := 8
	if q.Order == store.OrderAt {
		want = 17
	}
	if err != nil || len(plain) != want {
		return bad
	}
	q.After = int64(binary.BigEndian.Uint64(plain))
	if q.Order == store.OrderAt && plain[8] == 1 {
		q.AfterAt = time.UnixMicro(int64(binary.BigEndian.Uint64(plain[9:]))).UTC()
	}
	return nil
}
