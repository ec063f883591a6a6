package parley

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/jsontop"
	"github.com/parley-project/parley/record"
)

// Kind describes one kind of entity: its record kind, where it is served,
// who may write it, and its field schema, from which the kernel builds the
// API's documentation, the browser's forms and the index that lists are
// filtered by.
type Kind struct {
	// Name is the record kind, "<domain>.<noun>": "talks.round". It is
	// committed in every record and never changes.
	Name string
	// Collection is the plural used in URLs, "rounds".
	Collection string
	// Title is the singular for people, "round".
	Title string
	// New returns a fresh entity to decode a body into.
	New func() Entity
	// Fields is the schema of the entity's JSON body, in the order a form
	// shows them. It must list every field the body has.
	Fields []Field

	// ParentField is the field holding the id of the entity this one
	// belongs to (a session's round); lists can be filtered by it.
	ParentField string
	// HeadlineField is the field that names an entity to people (a name,
	// a title); pages show it instead of the id.
	HeadlineField string
	// OwnerField is the field naming the party an entity belongs to. A
	// principal of another party may not write it (the authority rule in
	// package app), and lists can be filtered by it.
	OwnerField string
	// IDField is the field that is the entity's own id, for kinds whose
	// ids are chosen by people (a party's slug); others get a fresh id. A
	// kind with chosen ids is public: its ids are names everyone shares,
	// and "that id is taken" must reveal nothing hidden.
	IDField string
	// StatusField is the field lists can be filtered by status on.
	StatusField string
	// TimeField is the date or time field that places an entity in time;
	// lists can be filtered by a range of it and sorted by it.
	TimeField string
	// IndexFields are further fields lists can be filtered on (equality).
	IndexFields []string
	// FilterFields are fields lists can be filtered on too, but checked on
	// each entity a list reads rather than indexed (store.Query.Match):
	// nothing to write for them, so for a bulk kind's fields whose values
	// are few and common (a report's target class), which an index would
	// not narrow much. Each is a top-level String, Enum or Ref field.
	FilterFields []string

	// DefaultAudience applies when a write names none. A party+mediator
	// or party-only audience without a party is the owner's (OwnerField).
	DefaultAudience record.Audience
	// AudienceOf, if set, decides the audience of every write from the
	// entity itself and its author's party, and a write that names another
	// is refused: a relay is read by its sender, its recipient and the
	// party relayed, never by whoever its writer adds.
	AudienceOf func(e Entity, author string) record.Audience
	// AudienceAtLeast, if set, is read by every reader of every entity of
	// the kind, whatever audience a write names: a clause is read by every
	// party and the mediator, and may be shared with a reviewer besides.
	AudienceAtLeast *record.Audience
	// Versioned kinds are edited by many hands (a clause of the
	// negotiating text): an update names the version it was based on
	// ("based_on", the record id its editor read), and one based on a
	// version that is no longer current is refused with the current one.
	Versioned bool
	// Wording, if set, is what a word diff between two versions of an
	// entity compares (a clause's text and its bracketed alternatives);
	// the API serves the diff of any two versions.
	Wording func(Entity) string
	// BindsParent kinds are decisions about their parent's current
	// version (a report of a clause to the capitals): the kernel commits
	// the parent's latest record id with each (in the record's refs) and
	// keeps it in the index (OnField). Signed kinds bind theirs by the
	// statement their author signs.
	BindsParent bool
	// WriteRoles may create and change entities of this kind.
	WriteRoles []access.Role
	// Mutable is false for kinds whose records are never superseded
	// (a statement is what was said, and stays so).
	Mutable bool
	// Signed kinds must carry their author's signature over a statement of
	// what they decide (record.Statement), bound to the version of the entity
	// ParentField names and to the decision they supersede;
	// checked against the author's registered key.
	Signed bool
	// Excerpt names a Text field of which a reader may be shown some
	// words, and check them against the record's commitment in the log,
	// without seeing the rest of the record (record.ExcerptVersion): a
	// position the mediator relays in part.
	Excerpt string
	// Batched kinds come in bulk (monitoring reports, meter readings): a
	// write of many at once (app.Service.CreateMany) commits them as the
	// items of batch records, one log leaf for up to a thousand, each
	// still proved alone (record.BatchKind). A batched kind is immutable
	// and unsigned, its ids are the kernel's, it binds no parent and has
	// no excerpt: an item is a new record that nothing before it decides.
	// An item's invariants see the items before it in its batch; its
	// references are to what was committed before the batch.
	Batched bool
	// ExcerptOf is set on a kind that carries words of another entity (a
	// relay carries words of a position): a reader of it may have the proof
	// that the words were taken from that entity as committed, without
	// seeing the rest of it (app.Service.ExcerptProof).
	ExcerptOf *ExcerptOf
}

// ExcerptOf names the fields of an entity that carries words of another.
type ExcerptOf struct {
	// Origin is the Ref field naming the entity the words are from; its
	// kind has an Excerpt field.
	Origin string
	// Words is the field holding the words.
	Words string
}

// SupersedesField is the index field (store.Entity.Fields) in which the
// kernel keeps the record id of the decision a signed record supersedes, so
// that a chain of decisions can be ordered from its entities: the latest is
// the one no other supersedes. No kind may name a field so.
const SupersedesField = "supersedes"

// OnField is the index field in which the kernel keeps the record id of the
// version of its parent a decision was made on: a signed record's
// (record.Signature.On), or the parent's latest record when a record of a
// kind that BindsParent was committed. A decision on a version that is no
// longer current is stale: a confirmation of a clause that changed since
// confirms nothing of what it says now.
const OnField = "on"

// FieldType is the type of a field in a kind's schema.
type FieldType string

// The field types.
const (
	// String is one line of text; Text is free text of many lines.
	String FieldType = "string"
	Text   FieldType = "text"
	Int    FieldType = "integer"
	// Number is a decimal number (a latitude, a distance in km).
	Number FieldType = "number"
	Bool   FieldType = "boolean"
	// Date is a calendar day, YYYY-MM-DD.
	Date FieldType = "date"
	// Time is an RFC 3339 time with its offset.
	Time FieldType = "time"
	// Enum is one of Field.Enum.
	Enum FieldType = "enum"
	// Ref is the id of an entity of kind Field.Ref.
	Ref FieldType = "ref"
	// File is the lower-case hex SHA-256 of a file that backs the entity
	// (a photo, an invoice): the record commits the hash, and so proves
	// the file unaltered; the file itself is uploaded to parley, kept by
	// its content, and served to whoever may read the entity.
	File FieldType = "file"
	// List is a JSON array of Field.Elem.
	List FieldType = "list"
	// Object is a JSON object of Field.Fields.
	Object FieldType = "object"
)

// RefField is a field of type Ref naming an entity of kind.
func RefField(name, label, kind string, required bool, help string) Field {
	return Field{Name: name, Label: label, Type: Ref, Ref: kind, Required: required, Help: help}
}

// Field is one field of a kind's JSON body.
type Field struct {
	// Name is the field's JSON name.
	Name string
	// Label is what a form calls it; the name is used when empty.
	Label string
	Type  FieldType
	// Required fields must be set (the domain's Validate decides; the
	// schema says so to forms and to the API's documentation).
	Required bool
	// Enum lists the values of an Enum field, in order.
	Enum []Option
	// Ref is the kind an id of a Ref field names.
	Ref string
	// Max bounds a String or Text field's length in bytes; 0 is MaxText.
	Max int
	// Elem is the element of a List.
	Elem *Field
	// Fields are the fields of an Object.
	Fields []Field
	// Help is a sentence shown under the field in forms and in the API's
	// documentation.
	Help string
}

// Option is one value of an Enum field and what people read for it.
type Option struct {
	Value string
	Label string
}

// Options makes the options of an Enum from a domain's string constants,
// with labels where given and the value otherwise.
func Options[T ~string](values []T, labels map[T]string) []Option {
	out := make([]Option, len(values))
	for i, v := range values {
		out[i] = Option{Value: string(v), Label: labels[v]}
		if out[i].Label == "" {
			out[i].Label = string(v)
		}
	}
	return out
}

// LabelText returns the field's label, or its name.
func (f Field) LabelText() string {
	if f.Label != "" {
		return f.Label
	}
	return strings.ReplaceAll(f.Name, "_", " ")
}

// OptionLabel returns what people read for an Enum value.
func (f Field) OptionLabel(v string) string {
	for _, o := range f.Enum {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// Field returns the kind's top-level field with the given name.
func (k Kind) Field(name string) (Field, bool) {
	i := slices.IndexFunc(k.Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return Field{}, false
	}
	return k.Fields[i], true
}

// Index is what the kernel's generic index keeps of an entity, read from its
// body through the kind's declarations.
type Index struct {
	Parent   string
	Party    string
	Status   string
	ID       string
	Headline string
	At       time.Time
	// Fields holds the values of the IndexFields: one for a field that
	// holds a string, each of a list's strings, sorted and without
	// repeats.
	Fields map[string][]string
}

// IndexOf reads an entity's body for the index. A declared field that is
// missing or empty gives an empty value, and so does a TimeField that is not
// a date or time; one that is not a string is an error, since the body was
// made by the domain's own type.
func (k Kind) IndexOf(body json.RawMessage) (Index, error) {
	m, ok := jsontop.Fields(body)
	if !ok {
		if err := json.Unmarshal(body, &m); err != nil {
			return Index{}, fmt.Errorf("couldn't read a %s: %w", k.Title, err)
		}
	}
	var ix Index
	var err error
	str := func(name string) string {
		if name == "" || err != nil {
			return ""
		}
		raw, ok := m[name]
		if !ok || string(raw) == "null" {
			return ""
		}
		s, ok := jsontop.String(raw)
		if !ok {
			if e := json.Unmarshal(raw, &s); e != nil {
				err = fmt.Errorf("%s field %q is not a string: %w", k.Title, name, e)
			}
		}
		return s
	}
	ix.Parent = str(k.ParentField)
	ix.Party = str(k.OwnerField)
	ix.Status = str(k.StatusField)
	ix.ID = str(k.IDField)
	ix.Headline = str(k.HeadlineField)
	if t := str(k.TimeField); t != "" {
		// A malformed time is the domain's Validate to refuse, with the
		// field's name; the index leaves it out.
		ix.At, _ = ParseTime(t)
	}
	if len(k.IndexFields) > 0 {
		ix.Fields = make(map[string][]string, len(k.IndexFields))
		for _, f := range k.IndexFields {
			if d, _ := k.Field(f); d.Type == List {
				var vs []string
				if raw, ok := m[f]; ok && string(raw) != "null" && err == nil {
					if e := json.Unmarshal(raw, &vs); e != nil {
						err = fmt.Errorf("%s field %q is not a list of strings: %w", k.Title, f, e)
					}
				}
				vs = slices.DeleteFunc(vs, func(v string) bool { return v == "" })
				slices.Sort(vs)
				if vs = slices.Compact(vs); len(vs) > 0 {
					ix.Fields[f] = vs
				}
			} else if v := str(f); v != "" {
				ix.Fields[f] = []string{v}
			}
		}
	}
	return ix, err
}

// ParseTime reads a Time (RFC 3339) or a Date (midnight UTC of that day).
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a date YYYY-MM-DD", s)
	}
	return t, nil
}

// FilesOf returns the hashes an entity's body names in the kind's File
// fields, at any depth.
func FilesOf(fields []Field, body json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	var out []string
	for _, f := range fields {
		out = append(out, filesIn(f, m[f.Name])...)
	}
	return out
}

func filesIn(f Field, raw json.RawMessage) []string {
	switch f.Type {
	case File:
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return []string{s}
		}
	case Object:
		return FilesOf(f.Fields, raw)
	case List:
		var items []json.RawMessage
		if f.Elem == nil || json.Unmarshal(raw, &items) != nil {
			return nil
		}
		var out []string
		for _, it := range items {
			out = append(out, filesIn(*f.Elem, it)...)
		}
		return out
	}
	return nil
}

// HasFiles reports whether any of fields, at any depth, is a File.
func HasFiles(fields []Field) bool {
	for _, f := range fields {
		if f.Type == File || f.Type == Object && HasFiles(f.Fields) || f.Type == List && f.Elem != nil && HasFiles([]Field{*f.Elem}) {
			return true
		}
	}
	return false
}

// ValidFile reports whether s is a file's hash as a File field holds it:
// 64 lower-case hex digits.
func ValidFile(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
