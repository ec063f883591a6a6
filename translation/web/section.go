// Package translationweb is the translations' part of the UI: a record's
// free text beside its translations, the original marked as such, each
// translation with its translator, its audience and its record, and the
// form that adds one.
package translationweb

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/translation"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html locales/*.json
var files embed.FS

// translationView is one translation, with the party of whoever committed
// it: the translator it names is the committer's claim.
type translationView struct {
	web.Item[translation.Translation]
	CommittedBy string
}

// Section serves /translations/{kind}/{id}.
type Section struct{ site *web.Site }

// Nav implements web.Section: translations are reached from what they
// translate.
func (*Section) Nav() []web.NavItem { return nil }

// Templates implements web.Section.
func (*Section) Templates() (fs.FS, template.FuncMap) { return web.TemplatesDir(files), nil }

// Catalogue implements web.Cataloguer.
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(files, "locales")
	if err != nil {
		panic(err)
	}
	return sub
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /translations/{kind}/{id}", x.page)
	site.Handle("POST /translations/{kind}/{id}", x.add)
}

// RecordLinks implements web.RecordLinker: an entity with free text links
// its translations.
func (*Section) RecordLinks(k parley.Kind, e store.Entity) []web.NavItem {
	if k.Name == translation.Kind {
		return nil
	}
	for _, f := range k.Fields {
		if translatable(k, f) {
			return []web.NavItem{{Key: "translations", Label: "Translations", Path: Href(k.Name, e.ID)}}
		}
	}
	return nil
}

// translatable reports whether the page offers to translate a field: free
// text, or the text a kind's entities are named by (not an id).
func translatable(k parley.Kind, f parley.Field) bool {
	return f.Type == parley.Text || f.Name == k.HeadlineField && f.Type == parley.String
}

// LocalNames implements web.NameSource: the latest translation into lang
// of each entity's field, among those the caller may read that a
// principal of the mediating party committed. Any writer may offer a
// translation, and its page shows them all, each with who committed it;
// the name every page shows is the mediator's, whom every party reads.
func (*Section) LocalNames(ctx context.Context, svc *app.Service, caller *access.Principal, lang, kind, field string) (map[string]string, error) {
	if lang == "" {
		return nil, nil
	}
	ts, err := svc.AllOf(ctx, caller, store.Query{Kind: translation.Kind,
		Match: map[string]string{"of_kind": kind, "field": field, "language": lang}})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	mediating := map[string]bool{}
	for _, e := range ts {
		rec, err := svc.Record(ctx, caller, e.RecordID)
		if err != nil {
			return nil, err
		}
		by := rec.Author.Party
		if _, known := mediating[by]; !known {
			mediating[by] = false
			if pe, err := svc.Get(ctx, nil, svc.Registry().PartyKind().Name, by); err == nil {
				if p, err := svc.Decode(pe); err == nil {
					if party, ok := p.(parley.PartyEntity); ok {
						mediating[by] = party.ProcessRole() == access.ProcessMediator
					}
				}
			}
		}
		if !mediating[by] {
			continue
		}
		var t translation.Translation
		if err := json.Unmarshal(e.Body, &t); err != nil {
			return nil, err
		}
		out[t.Of] = t.Text
	}
	return out, nil
}

// Href is the page of a record's translations.
func Href(kind, id string) string {
	return "/translations/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
}

// fieldView is one translatable field of the original, with its
// translations in the order of the languages.
type fieldView struct {
	Name, Label, Text, Digest string
	Translations              []translationView
	// Language is the original's language, as its translators state it.
	Language string
}

type pageView struct {
	Kind     parley.Kind
	Original store.Entity
	Headline string
	Fields   []fieldView
	CanAdd   bool
	Caller   *access.Principal
	Errors   map[string]string
	// Problem is a refusal about no field the page shows.
	Problem string
	// Languages and LanguageNames are what the form offers.
	Languages     []string
	LanguageNames map[string]string
}

func (x *Section) view(r *http.Request, caller *access.Principal) (pageView, error) {
	svc := x.site.Service()
	kind, ok := svc.Registry().Kind(r.PathValue("kind"))
	if !ok || kind.Name == translation.Kind {
		return pageView{}, web.ErrNotFound
	}
	orig, err := svc.Get(r.Context(), caller, kind.Name, r.PathValue("id"))
	if err != nil {
		return pageView{}, err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(orig.Body, &body); err != nil {
		return pageView{}, err
	}
	ts, err := svc.AllOf(r.Context(), caller, store.Query{Kind: translation.Kind, Fields: map[string]string{"of": orig.ID},
		Match: map[string]string{"of_kind": kind.Name}})
	if err != nil {
		return pageView{}, err
	}
	v := pageView{Kind: kind, Original: orig, Caller: caller, Languages: i18n.Languages, LanguageNames: i18n.Names}
	for _, f := range kind.Fields {
		if !translatable(kind, f) {
			continue
		}
		var text string
		if json.Unmarshal(body[f.Name], &text) != nil || text == "" {
			continue
		}
		if f.Name == kind.HeadlineField {
			v.Headline = text
		}
		fv := fieldView{Name: f.Name, Label: f.LabelText(), Text: text, Digest: translation.Digest(text)}
		for _, e := range ts {
			it, err := web.ItemOf[translation.Translation](e)
			if err != nil {
				return pageView{}, err
			}
			if it.V.Field == f.Name {
				by, err := committer(r.Context(), svc, caller, it.RecordID)
				if err != nil {
					return pageView{}, err
				}
				fv.Translations = append(fv.Translations, translationView{Item: it, CommittedBy: by})
				fv.Language = it.V.OriginalLanguage
			}
		}
		slices.SortStableFunc(fv.Translations, func(a, b translationView) int {
			return slices.Index(i18n.Languages, a.V.Language) - slices.Index(i18n.Languages, b.V.Language)
		})
		v.Fields = append(v.Fields, fv)
	}
	if caller != nil {
		for _, role := range kindWriteRoles(svc) {
			if caller.Has(role) {
				v.CanAdd = true
			}
		}
	}
	return v, nil
}

// committer names the party whose principal committed a record: its name,
// or its id when the caller may not read the party.
func committer(ctx context.Context, svc *app.Service, caller *access.Principal, recordID string) (string, error) {
	rec, err := svc.Record(ctx, caller, recordID)
	if err != nil {
		return "", err
	}
	party := rec.Author.Party
	if e, err := svc.Get(ctx, caller, svc.Registry().PartyKind().Name, party); err == nil {
		var p struct{ Name string }
		if json.Unmarshal(e.Body, &p) == nil && p.Name != "" {
			return p.Name, nil
		}
	}
	return party, nil
}

func kindWriteRoles(svc *app.Service) []access.Role {
	k, _ := svc.Registry().Kind(translation.Kind)
	return k.WriteRoles
}

func (x *Section) page(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, err := x.view(r, caller)
	if err != nil {
		return err
	}
	x.render(w, r, caller, http.StatusOK, v)
	return nil
}

func (x *Section) render(w http.ResponseWriter, r *http.Request, caller *access.Principal, status int, v pageView) {
	p := web.Printer(r)
	title := p.T("Translations of %s", p.Word(v.Kind.Title))
	if v.Headline != "" {
		title = p.T("Translations: %s", v.Headline)
	}
	x.site.Render(w, r, caller, status, "translations", web.Page{Title: title, Data: v})
}

// add commits a translation of one field, read by those who read the
// original: its audience is the original's, never wider.
func (x *Section) add(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil {
		return web.ErrNotFound
	}
	r.Body = http.MaxBytesReader(w, r.Body, parley.MaxText*2+8192)
	if err := r.ParseForm(); err != nil {
		return &app.Error{Code: app.CodeBadRequest, Message: "the form could not be read"}
	}
	v, err := x.view(r, caller)
	if err != nil {
		return err
	}
	t := translation.Translation{
		OfKind: v.Kind.Name, Of: v.Original.ID, Field: r.PostForm.Get("field"),
		Language: r.PostForm.Get("language"), OriginalLanguage: r.PostForm.Get("original_language"),
		Text: r.PostForm.Get("text"), Translator: r.PostForm.Get("translator"), SourceSHA256: r.PostForm.Get("source_sha256"),
	}
	body, err := json.Marshal(struct {
		translation.Translation
		Audience any `json:"audience"`
	}{t, v.Original.Audience})
	if err != nil {
		return err
	}
	if _, err := x.site.Service().Create(r.Context(), *caller, translation.Kind, body); err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code == app.CodeNotFound || ae.Code == app.CodeUnavailable || ae.Code == app.CodeForbidden {
			return err
		}
		msg := strings.TrimSpace(fieldLabel(r, ae) + web.ErrorText(web.Printer(r), ae))
		v.Errors = map[string]string{t.Field: msg}
		if !slices.ContainsFunc(v.Fields, func(f fieldView) bool { return f.Name == t.Field }) {
			v.Problem = msg
		}
		x.render(w, r, caller, http.StatusUnprocessableEntity, v)
		return nil
	}
	http.Redirect(w, r, Href(v.Kind.Name, v.Original.ID)+"#"+url.QueryEscape(t.Field), http.StatusSeeOther)
	return nil
}

func fieldLabel(r *http.Request, ae *app.Error) string {
	if ae.Field == "" {
		return ""
	}
	for _, f := range kindFields {
		if f.Name == ae.Field {
			return web.Printer(r).Word(f.LabelText()) + ": "
		}
	}
	return ae.Field + ": "
}

var kindFields = translation.Domain{}.Kinds()[0].Fields
