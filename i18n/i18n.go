// Package i18n is parley's languages: English, Ukrainian and Russian, the
// languages the parties' delegations and capitals work in. It holds the
// message catalogues the UI and its documents are written through, picks a
// reader's language, and formats dates, numbers and amounts as each
// language writes them.
//
// A message's key is its English text, as a format ("%d reports"), so that
// templates and code read as what they show and English needs no catalogue
// but for plural forms. Each package with pages keeps its catalogue as
// JSON files named by language (uk.json, ru.json, en.json), a map of key to
// translation, or to plural forms by CLDR category ("one", "few", "many",
// "other"): Ukrainian and Russian say 1 звіт, 2 звіти, 5 звітів. The plural
// form follows the first argument unless the entry names another ("arg").
//
// Records are never translated here: they stay in the language they were
// written in. Their translations are records of their own (the translation
// domain's).
package i18n

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages, by their codes (BCP 47).
const (
	English   = "en"
	Ukrainian = "uk"
	Russian   = "ru"
)

// Languages lists them in the order the UI offers them. The first is the
// default.
var Languages = []string{English, Ukrainian, Russian}

// Names are the languages' names, each in its own language, as a switcher
// shows them.
var Names = map[string]string{English: "English", Ukrainian: "Українська", Russian: "Русский"}

var tags = map[string]language.Tag{English: language.English, Ukrainian: language.Ukrainian, Russian: language.Russian}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Ukrainian, language.Russian})

// Supported reports whether code is one of Languages.
func Supported(code string) bool { _, ok := tags[code]; return ok }

// Match returns the language of Languages an Accept-Language header
// prefers, or English when it names none of them.
func Match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return English
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return English
	}
	return Languages[i]
}

// FromRequest returns the language of a request: the lang query parameter
// if it names one of Languages, else the "lang" cookie, else the browser's
// Accept-Language.
func FromRequest(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); Supported(l) {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && Supported(c.Value) {
		return c.Value
	}
	return Match(r.Header.Get("Accept-Language"))
}

// entry is one key's translation in one language: a string, or plural
// forms.
type entry struct {
	text  string
	forms map[string]string
	arg   int
}

func (e *entry) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &e.text); err == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("is neither a string nor an object of plural forms")
	}
	e.forms = map[string]string{}
	for k, v := range m {
		if k == "arg" {
			if err := json.Unmarshal(v, &e.arg); err != nil || e.arg < 1 {
				return errors.New(`"arg" is not an argument's position (1, 2, ...)`)
			}
			continue
		}
		if !slices.Contains(pluralCategories, k) {
			return fmt.Errorf("%q is not a plural category (%s)", k, strings.Join(pluralCategories, ", "))
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("plural form %q is not a string", k)
		}
		e.forms[k] = s
	}
	if e.forms["other"] == "" {
		return errors.New(`has plural forms but no "other"`)
	}
	return nil
}

var pluralCategories = []string{"zero", "one", "two", "few", "many", "other"}

// Required is the plural categories a language must give every plural
// message: CLDR's cardinal categories for integers.
var Required = map[string][]string{
	English:   {"one", "other"},
	Ukrainian: {"one", "few", "many", "other"},
	Russian:   {"one", "few", "many", "other"},
}

// Bundle is the catalogues of every package with pages, merged.
type Bundle struct {
	builder *catalog.Builder
	// keys holds each language's keys, to tell a message that has no
	// translation from one whose translation is its key.
	keys map[string]map[string]bool
	// plurals are the keys with plural forms in some language: each
	// language must give them all its categories.
	plurals map[string]bool

	// conflicts are the keys two catalogues translate differently.
	conflicts []string

	mu     sync.Mutex
	missed map[string]map[string]bool
	strict bool
}

// NewBundle merges catalogues: each an FS of files named <language>.json.
// A language's file may be absent from a catalogue that has nothing to
// say in it (English, which needs only plural forms). It refuses a file
// that cannot be read, a plural message lacking a category its language
// needs, and a translation whose verbs (%d, %s) differ from its key's. A
// key two catalogues translate differently takes the first's translation
// (the kernel's, then the sections' in their order), and Conflicts says
// so: the tests fail on it, for one English word with two meanings needs
// two keys.
func NewBundle(catalogues ...fs.FS) (*Bundle, error) {
	b := &Bundle{
		builder: catalog.NewBuilder(catalog.Fallback(language.English)),
		keys:    map[string]map[string]bool{},
		plurals: map[string]bool{},
		missed:  map[string]map[string]bool{},
	}
	merged := map[string]map[string]entry{}
	origin := map[string]string{} // lang+key -> the catalogue that gave it
	for i, fsys := range catalogues {
		name := fmt.Sprintf("catalogue %d", i+1)
		if n, ok := fsys.(named); ok {
			name = n.name
		}
		for _, l := range Languages {
			raw, err := fs.ReadFile(fsys, l+".json")
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			var m map[string]entry
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("%s: %s.json: %w", name, l, err)
			}
			if merged[l] == nil {
				merged[l] = map[string]entry{}
			}
			for k, e := range m {
				if old, dup := merged[l][k]; dup {
					if old.text != e.text || !maps.Equal(old.forms, e.forms) {
						b.conflicts = append(b.conflicts, fmt.Sprintf("%s.json: %q is translated differently by %s and %s: keep it in one of them, or give the two meanings different English",
							l, k, origin[l+"\x00"+k], name))
					}
					continue
				}
				merged[l][k] = e
				origin[l+"\x00"+k] = name
			}
		}
	}
	for _, l := range Languages {
		b.keys[l] = map[string]bool{}
		for k, e := range merged[l] {
			if e.forms != nil {
				b.plurals[k] = true
			}
		}
	}
	for _, l := range Languages {
		for k, e := range merged[l] {
			if err := b.add(l, k, e); err != nil {
				return nil, fmt.Errorf("catalogue %s.json: %q: %w", l, k, err)
			}
		}
	}
	for k := range b.plurals {
		for _, l := range Languages {
			if e, ok := merged[l][k]; ok && e.forms == nil {
				return nil, fmt.Errorf("catalogue %s.json: %q has plural forms in another language, and must have them here", l, k)
			}
		}
	}
	return b, nil
}

func (b *Bundle) add(l, key string, e entry) error {
	tag := tags[l]
	b.keys[l][key] = true
	if e.forms == nil {
		if err := sameVerbs(key, e.text); err != nil {
			return err
		}
		return b.builder.SetString(tag, key, e.text)
	}
	var cases []any
	for _, c := range Required[l] {
		f, ok := e.forms[c]
		if !ok {
			return fmt.Errorf("lacks the plural form %q", c)
		}
		cases = append(cases, c, f)
	}
	for c, f := range e.forms {
		if !slices.Contains(Required[l], c) {
			return fmt.Errorf("has the plural form %q, which %s does not use", c, Names[l])
		}
		// A form may leave the number out ("one report" is "звіт"), so
		// only verbs it has must be the key's.
		if err := fewerVerbs(key, f); err != nil {
			return fmt.Errorf("plural form %q: %w", c, err)
		}
	}
	arg := cmpOr(e.arg, 1)
	return b.builder.Set(tag, key, plural.Selectf(arg, "%d", cases...))
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// verbs lists a format's verbs in order, "%%" left out.
func verbs(format string) []string {
	var vs []string
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.[]", format[j]) >= 0 {
			j++
		}
		if j < len(format) && format[j] != '%' {
			vs = append(vs, format[i:j+1])
		}
		i = j
	}
	return vs
}

// sameVerbs checks that a translation formats the key's arguments: the
// same verbs in the same order, or, where it numbers them ("%[2]s ...
// %[1]d", for a language that orders its words otherwise), the same verbs
// in any order.
func sameVerbs(key, text string) error {
	k, t := verbs(key), verbs(text)
	if strings.Contains(strings.Join(t, ""), "[") {
		k, t = slices.Sorted(slices.Values(unindexed(k))), slices.Sorted(slices.Values(unindexed(t)))
	}
	if !slices.Equal(k, t) {
		return fmt.Errorf("has the verbs %v, but its key has %v", verbs(text), verbs(key))
	}
	return nil
}

// unindexed drops the argument indexes of verbs: "%[2]s" is "%s".
func unindexed(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if a, b, ok := strings.Cut(v, "["); ok {
			if _, rest, ok := strings.Cut(b, "]"); ok {
				v = a + rest
			}
		}
		out[i] = v
	}
	return out
}

func fewerVerbs(key, text string) error {
	k := verbs(key)
	for _, v := range verbs(text) {
		if !slices.Contains(k, v) {
			return fmt.Errorf("has the verb %s, which its key has not", v)
		}
	}
	return nil
}

// Conflicts lists the keys two catalogues translate differently.
func (b *Bundle) Conflicts() []string { return slices.Clone(b.conflicts) }

// Named names a catalogue, for the errors NewBundle returns about it.
func Named(name string, fsys fs.FS) fs.FS { return named{fsys, name} }

type named struct {
	fs.FS
	name string
}

// Has reports whether lang's catalogue has key.
func (b *Bundle) Has(lang, key string) bool { return b.keys[lang][key] }

// Keys returns lang's keys, sorted.
func (b *Bundle) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(b.keys[lang]))
}

// Plural reports whether key has plural forms.
func (b *Bundle) Plural(key string) bool { return b.plurals[key] }

// Strict makes the bundle remember every message asked for in a language
// other than English that its catalogue lacks, for Missed: tests render
// every page in every language and fail on what is missing.
func (b *Bundle) Strict() {
	b.mu.Lock()
	b.strict = true
	b.mu.Unlock()
}

// Missed returns what Strict remembered: for each language, the keys asked
// for that its catalogue lacks, sorted.
func (b *Bundle) Missed() map[string][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string][]string{}
	for l, ks := range b.missed {
		out[l] = slices.Sorted(maps.Keys(ks))
	}
	return out
}

func (b *Bundle) miss(lang, key string) {
	if lang == English || b.keys[lang][key] {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.strict {
		return
	}
	if b.missed[lang] == nil {
		b.missed[lang] = map[string]bool{}
	}
	b.missed[lang][key] = true
}

// Printer returns lang's printer (English for a language not supported).
func (b *Bundle) Printer(lang string) *Printer {
	if !Supported(lang) {
		lang = English
	}
	return &Printer{Lang: lang, b: b, p: message.NewPrinter(tags[lang], message.Catalog(b.builder))}
}

// Printer writes messages in one language.
type Printer struct {
	// Lang is the language's code.
	Lang string
	b    *Bundle
	p    *message.Printer
}

// T returns key's translation, formatted with args as fmt.Sprintf would
// (numbers as the language writes them), or key itself, formatted, when
// the catalogue has none.
func (p *Printer) T(key string, args ...any) string {
	if p == nil {
		return fmt.Sprintf(key, args...)
	}
	p.b.miss(p.Lang, key)
	if len(args) == 0 && !p.b.plurals[key] && !strings.Contains(key, "%") {
		// Most messages are plain words; printing them as formats would
		// only cost time.
		if p.Lang == English {
			return key
		}
	}
	return p.p.Sprintf(key, args...)
}

// Word returns the translation of a word or phrase that comes from data
// rather than code (an option's label, a kind's name, a value in words),
// which has no arguments.
func (p *Printer) Word(s string) string {
	if p == nil {
		return s
	}
	p.b.miss(p.Lang, s)
	if !p.b.keys[p.Lang][s] && !p.b.plurals[s] {
		// Not a message in this language: shown as it is, never read as
		// a format (data may hold a "%").
		return s
	}
	return p.p.Sprintf(message.Key(s, s))
}

// Known returns s's translation if the catalogue has one, and s as it is
// otherwise, without counting it missing: for text that may be a message
// or may have been made with its values in it (an error's message).
func (p *Printer) Known(s string) string {
	if p == nil || !p.b.keys[p.Lang][s] {
		return s
	}
	return p.p.Sprintf(message.Key(s, s))
}

// In returns the printer of another language, on the same catalogues.
func (p *Printer) In(lang string) *Printer { return p.b.Printer(lang) }
