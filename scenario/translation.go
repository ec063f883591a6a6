package scenario

import (
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

// translations commits the demo's translations: a statement recorded in
// English rendered into Ukrainian and Russian, and a person's name in each
// language's form. The original stays as recorded; each translation names
// the digest of the text it translated.
func (l *loader) translations() {
	tr := func(kind, key, field, original string, into map[string]string) {
		for _, lang := range []string{"uk", "ru"} {
			l.create("us-mediator", "", translation.Kind, translation.Translation{OfKind: kind, Of: l.id(key), Field: field,
				OriginalLanguage: "en", Language: lang, Text: into[lang], Translator: "Mediator's language services (demo)",
				SourceSHA256: translation.Digest(original)}, public)
		}
	}
	tr(talks.KindStatement, "kyiv-casualties", "text", "In Kyiv, one person was killed and four wounded by drone attacks.", map[string]string{
		"uk": "У Києві внаслідок атак дронів одна людина загинула, четверо поранені.",
		"ru": "В Киеве в результате атак дронов один человек погиб, четверо ранены.",
	})
	tr(talks.KindPerson, "tkachenko", "name", "Tymur Tkachenko", map[string]string{"uk": "Тимур Ткаченко", "ru": "Тимур Ткаченко"})
}
