// Package translation is the domain of translations of the process's free
// text: a position, a statement, a clause, a person's or a place's name,
// rendered in another of the parties' languages by a named translator.
//
// Records stay in the language they were written in; the original is what
// was said and is never replaced. A translation is a record of its own,
// attributed to its translator and to the person who committed it, never
// changed once committed (a correction is a new translation), read by
// no one who may not read the original (the kernel refuses a record whose
// audience is wider than what it refers to), and it names the digest of
// the text it translated, so that a reader sees when the original has
// changed since. Like every domain it does no I/O and names no party.
package translation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/record"
)

// Domain declares translations to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "translation" }

// RoleTranslator writes translations, beside the roles that write the
// texts themselves.
const RoleTranslator access.Role = "translator"

// Roles implements parley.Domain.
func (Domain) Roles() []access.Role { return []access.Role{RoleTranslator} }

// Kind is the translation kind's name.
const Kind = "translation.translation"

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind {
	langs := parley.Options(i18n.Languages, i18n.Names)
	return []parley.Kind{{
		Name: Kind, Collection: "translations", Title: "translation", New: func() parley.Entity { return new(Translation) },
		Fields: []parley.Field{
			{Name: "of_kind", Label: "Kind of the original", Type: parley.String, Required: true,
				Help: "The kind of the record translated, by its name (talks.statement, negotiation.position)."},
			{Name: "of", Label: "Original", Type: parley.String, Required: true, Help: "The id of the record translated."},
			{Name: "field", Type: parley.String, Required: true, Help: "The field of the original translated (text, name, title)."},
			{Name: "language", Type: parley.Enum, Required: true, Enum: langs, Help: "The language of this translation."},
			{Name: "original_language", Label: "Language of the original", Type: parley.Enum, Required: true, Enum: langs},
			{Name: "text", Type: parley.Text, Required: true},
			{Name: "translator", Type: parley.String, Required: true, Max: 200,
				Help: "Who translated it: a person, or a service and who checked it."},
			{Name: "source_sha256", Label: "Digest of the original", Type: parley.String,
				Help: "The SHA-256 of the original text translated, in hex: if given, it must be the original's as it reads now. Readers are told when the original has changed since."},
		},
		HeadlineField: "language", StatusField: "language", IndexFields: []string{"of"},
		DefaultAudience: record.Audience{Scope: record.Public},
		WriteRoles:      []access.Role{RoleTranslator, access.RoleMediator, access.RoleNegotiator, access.RoleMonitor},
		// A translation is what its translator wrote, and stays so: a
		// correction is a new translation beside it, so that no writer
		// can put words under another's name.
		Mutable: false,
	}}
}

// Translation is one field of one record in another language.
type Translation struct {
	OfKind           string `json:"of_kind"`
	Of               string `json:"of"`
	Field            string `json:"field"`
	Language         string `json:"language"`
	OriginalLanguage string `json:"original_language"`
	Text             string `json:"text"`
	Translator       string `json:"translator"`
	SourceSHA256     string `json:"source_sha256,omitempty"`
}

// Normalize implements parley.Entity.
func (t *Translation) Normalize() {
	parley.Trim(&t.OfKind, &t.Of, &t.Field, &t.Language, &t.OriginalLanguage, &t.Text, &t.Translator, &t.SourceSHA256)
	t.SourceSHA256 = strings.ToLower(t.SourceSHA256)
}

// References implements parley.Entity: the original, so that the kernel
// refuses a translation that some reader of it may not read the original
// of, or of a record the writer may not read.
func (t *Translation) References() []parley.Reference {
	if !strings.Contains(t.OfKind, ".") {
		return nil // Validate says what is wrong.
	}
	return []parley.Reference{{Field: "of", Kind: t.OfKind, ID: t.Of}}
}

// Validate implements parley.Entity.
func (t *Translation) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("of_kind", t.OfKind), parley.Required("of", t.Of), parley.Required("field", t.Field),
		parley.OneOf("language", t.Language, i18n.Languages), parley.OneOf("original_language", t.OriginalLanguage, i18n.Languages),
		parley.Required("text", t.Text), parley.TextLimit("text", t.Text), parley.Required("translator", t.Translator)); err != nil {
		return err
	}
	if t.Language == t.OriginalLanguage {
		return parley.Errorf("language", "is the original's language; a translation is into another")
	}
	orig, ok := r[parley.Key(t.OfKind, t.Of)]
	if !ok {
		return parley.Errorf("of_kind", "%q is not a kind of record", t.OfKind)
	}
	text, err := FieldText(orig, t.Field)
	if err != nil {
		return err
	}
	if t.SourceSHA256 != "" && t.SourceSHA256 != Digest(text) {
		return parley.Errorf("source_sha256", "is not the digest of the original's %s as it reads now; translate the current text", t.Field)
	}
	return nil
}

// FieldText returns the text of a record's field that a translation
// translates: a top-level field holding a string.
func FieldText(e any, field string) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return "", parley.Errorf("of", "is not a record with fields")
	}
	raw, ok := m[field]
	if !ok {
		return "", parley.Errorf("field", "the original has no field %q", field)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", parley.Errorf("field", "the original's %q is not text", field)
	}
	return s, nil
}

// Digest is the hex SHA-256 of a text, as source_sha256 names it.
func Digest(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}
