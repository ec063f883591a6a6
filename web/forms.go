package web

// The kernel's generic pages: a list, a page and a form for every kind of
// every domain, made from the kind's declarations alone (parley.Kind and its
// Fields), so that a negotiator can do in the browser all that the API lets
// it do, for kinds no section has pages of its own for:
//
//	GET  /k                          every kind, linked to its list
//	GET  /k/{collection}             a list, 50 a page (?parent=ID, ?after=CURSOR)
//	GET  /k/{collection}/new         the form for a new entity (?parent=ID fills it in)
//	POST /k/{collection}             commits a new entity
//	GET  /k/{collection}/{id}        one entity
//	GET  /k/{collection}/{id}/edit   the form for its next version
//	POST /k/{collection}/{id}        commits its next version
//
// Every read is the caller's (app.Service with the caller's principal), so
// an entity the caller may not see answers with the same 404 as one that
// does not exist, here as on every page. The forms are shown only to a
// caller whose roles may write the kind; to anyone else they do not exist
// (404) and no page links to them. Whatever a form shows, the service
// decides: it authorizes, validates and commits all or nothing, and its
// refusals are shown next to the field they name.
//
// A form's fields are named by their JSON path ("members[2].role"), the
// form the service's errors name them in, so an error maps back to its
// field. Posting a form builds the JSON body the API would get, following
// the schema: empty optional values are left out, integers parsed, dates
// sent as YYYY-MM-DD and times as RFC 3339; a value that cannot be read (a
// word in a number field) is reported next to its field without calling
// the service.
//
// The pages use no template functions but t, for their own words, and the
// layout's "audience" and "reclink" partials: everything else they show is
// computed here, in the reader's language (a kind's words, which the
// domains' catalogues translate, through kindWord).

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

const (
	// kindPageSize is how many entities a list shows a page.
	kindPageSize = 50
	// kindEmptyRows is how many empty rows a list of objects offers
	// beyond its items: a form without scripts cannot add rows.
	kindEmptyRows = 3
	// kindMaxForm bounds a posted form. The body it makes is at most
	// app.MaxBody; URL-encoding may triple the bytes of non-ASCII text.
	kindMaxForm = 3*app.MaxBody + 64<<10
	// kindMaxUpload bounds the multipart upload of a signed body.
	kindMaxUpload = app.MaxBody + 64<<10
)

// kindRoutes serves the generic pages of every kind.
func (s *server) kindRoutes(mux *http.ServeMux) {
	mux.Handle("GET /k", s.page(s.kindIndex))
	mux.Handle("GET /k/{collection}", s.page(s.kindList))
	mux.Handle("POST /k/{collection}", s.page(s.kindCreate))
	mux.Handle("GET /k/{collection}/new", s.page(s.kindNew))
	mux.Handle("GET /k/{collection}/{id}", s.page(s.kindItem))
	mux.Handle("GET /k/{collection}/{id}/files/{sha256}", s.page(s.kindFile))
	mux.Handle("POST /k/{collection}/{id}", s.page(s.kindUpdate))
	mux.Handle("GET /k/{collection}/{id}/edit", s.page(s.kindEdit))
}

// kindFromPath returns the kind served under the request's collection.
func (s *server) kindFromPath(r *http.Request) (parley.Kind, error) {
	k, ok := s.svc.Registry().KindByCollection(r.PathValue("collection"))
	if !ok {
		return parley.Kind{}, errNotFound
	}
	return k, nil
}

func kindListHref(k parley.Kind) string { return "/k/" + url.PathEscape(k.Collection) }

func kindItemHref(k parley.Kind, id string) string {
	return kindListHref(k) + "/" + url.PathEscape(id)
}

// kindPlural names a kind's collection for people: "Action items".
func kindPlural(p *i18n.Printer, k parley.Kind) string {
	return kindUpper(kindNoun(p, k))
}

// kindNoun is a kind's collection in a sentence, "action items", in p's
// language: the collection with "-" read as a space is the catalogues' key.
func kindNoun(p *i18n.Printer, k parley.Kind) string {
	return kindWord(p, strings.ReplaceAll(k.Collection, "-", " "))
}

// kindTitle is a kind's title, "action item", in p's language.
func kindTitle(p *i18n.Printer, k parley.Kind) string { return kindWord(p, k.Title) }

// kindLabel is what a field is called on a page, in p's language.
func kindLabel(p *i18n.Printer, f parley.Field) string {
	return kindUpper(kindWord(p, f.LabelText()))
}

// kindWord translates a word of a domain's declarations (a kind's title, a
// field's label or help, an option's label): their translations are in the
// domains' catalogues. Nothing stays nothing.
func kindWord(p *i18n.Printer, s string) string {
	if s == "" {
		return ""
	}
	return p.Word(s)
}

// kindUpper upper-cases the first letter of s.
func kindUpper(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// kindMayWrite reports whether the caller's roles may write the kind: only
// then is a form offered.
func kindMayWrite(caller *access.Principal, k parley.Kind) bool {
	return caller != nil && caller.HasAny(k.WriteRoles...)
}

// kindMayEdit reports whether the caller may commit a new version of e. It
// mirrors the service's rules (a kind that is never changed; a party's
// entities are written by that party, the mediator and administrators) only
// so as not to offer a form the service would refuse whatever is in it; the
// service decides.
func kindMayEdit(svc *app.Service, caller *access.Principal, k parley.Kind, e store.Entity) bool {
	if !kindMayWrite(caller, k) || !k.Mutable {
		return false
	}
	ix, err := k.IndexOf(e.Body)
	return err == nil && svc.MayWrite(*caller, k, ix.Party) == nil
}

// kindBody reads an entity's body as generic JSON values, numbers kept as
// written.
func kindBody(body json.RawMessage) map[string]any {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

func kindString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// kindDay shows a date, YYYY-MM-DD, as people write it in p's language.
func kindDay(p *i18n.Printer, s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return p.Time(t, "2 January 2006")
}

// kindMoment shows a time where it happened, with its offset, so that
// readers in different capitals read the same instant.
func kindMoment(p *i18n.Printer, s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	layout := "Mon 2 January 2006, 15:04"
	if t.Second() != 0 || t.Nanosecond() != 0 {
		layout += ":05"
	}
	zone := "UTC"
	if _, off := t.Zone(); off != 0 {
		zone += t.Format("-07:00")
	}
	return p.Time(t, layout) + " (" + zone + ")"
}

// kindRef is a link to an entity, named by its headline.
type kindRef struct {
	Href string
	Text string
}

// kindNames resolves the ids an entity refers to into links named by the
// referenced entities' headlines, read as the caller: an entity the caller
// may not see resolves to nothing. Each is read once a request.
type kindNames struct {
	ctx context.Context
	// p writes what the names say (an option's label, a date) in the
	// reader's language.
	p      *i18n.Printer
	svc    *app.Service
	reg    *parley.Registry
	caller *access.Principal
	refs   map[string]*kindRef
	// files is where the page's entity serves the files it names
	// ("/k/reports/ID/files/"), "" on pages of many.
	files string
}

func (s *server) kindNames(r *http.Request, caller *access.Principal) *kindNames {
	return &kindNames{ctx: r.Context(), p: Printer(r), svc: s.svc, reg: s.svc.Registry(), caller: caller, refs: map[string]*kindRef{}}
}

// ref returns the link to entity id of the named kind, or nil if the caller
// may not see it (or it does not exist).
func (n *kindNames) ref(kindName, id string) (*kindRef, error) {
	if id == "" {
		return nil, nil
	}
	key := parley.Key(kindName, id)
	if r, ok := n.refs[key]; ok {
		return r, nil
	}
	k, ok := n.reg.Kind(kindName)
	if !ok {
		return nil, nil
	}
	// A headline that refers back here (through a cycle of references)
	// finds nothing rather than recursing.
	n.refs[key] = nil
	e, err := n.svc.Get(n.ctx, n.caller, kindName, id)
	if app.ErrorCode(err) == app.CodeNotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return n.put(k, e)
}

// put names an entity already read, so that a reference to it costs no
// further read.
func (n *kindNames) put(k parley.Kind, e store.Entity) (*kindRef, error) {
	n.refs[parley.Key(k.Name, e.ID)] = nil
	text, err := n.headline(k, e)
	if err != nil {
		return nil, err
	}
	r := &kindRef{Href: kindItemHref(k, e.ID), Text: text}
	n.refs[parley.Key(k.Name, e.ID)] = r
	return r, nil
}

// headline is what names an entity to people: the value of its kind's
// HeadlineField as it reads (an option's label, a party's name for a
// party's id), else its id.
func (n *kindNames) headline(k parley.Kind, e store.Entity) (string, error) {
	if f, ok := k.Field(k.HeadlineField); ok {
		v, err := n.value(f, kindBody(e.Body)[f.Name])
		if err != nil {
			return "", err
		}
		if !v.Empty && !v.Missing && v.Text != "" {
			return v.Text, nil
		}
	}
	return e.ID, nil
}

// kindValue is one value of an entity as a page shows it.
type kindValue struct {
	Label string
	Text  string
	// Value is the raw value of a scalar (an option's value).
	Value string
	Href  string
	// Long text keeps its line breaks.
	Long bool
	// Missing: a reference to an entity the reader may not see.
	Missing bool
	Empty   bool
	Items   []kindValue
	Fields  []kindValue
}

// value renders v, of field f, for a page.
func (n *kindNames) value(f parley.Field, v any) (kindValue, error) {
	out := kindValue{Label: kindLabel(n.p, f)}
	switch f.Type {
	case parley.Object:
		m, ok := v.(map[string]any)
		if !ok {
			out.Empty = true
			return out, nil
		}
		for _, sub := range f.Fields {
			sv, err := n.value(sub, m[sub.Name])
			if err != nil {
				return out, err
			}
			out.Fields = append(out.Fields, sv)
		}
		return out, nil
	case parley.List:
		arr, _ := v.([]any)
		if len(arr) == 0 || f.Elem == nil {
			out.Empty = true
			return out, nil
		}
		for _, e := range arr {
			ev, err := n.value(*f.Elem, e)
			if err != nil {
				return out, err
			}
			out.Items = append(out.Items, ev)
		}
		return out, nil
	case parley.Bool:
		out.Text = n.p.T("no")
		if b, _ := v.(bool); b {
			out.Text = n.p.T("yes")
		}
		return out, nil
	}
	s := kindString(v)
	out.Value = s
	if s == "" {
		out.Empty = true
		return out, nil
	}
	switch f.Type {
	case parley.Ref:
		r, err := n.ref(f.Ref, s)
		if err != nil {
			return out, err
		}
		if r == nil {
			out.Missing = true
			return out, nil
		}
		out.Text, out.Href = r.Text, r.Href
	case parley.Enum:
		out.Text = kindWord(n.p, f.OptionLabel(s))
	case parley.Date:
		out.Text = kindDay(n.p, s)
	case parley.Time:
		out.Text = kindMoment(n.p, s)
	case parley.Text:
		out.Text, out.Long = s, true
	case parley.File:
		out.Text = s
		if n.files != "" {
			out.Href = n.files + s
		}
	default:
		out.Text = s
	}
	return out, nil
}

// ---- The index of kinds ----

type kindIndexView struct {
	Kinds []kindRef
}

func (s *server) kindIndex(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := Printer(r)
	var v kindIndexView
	for _, k := range s.svc.Registry().Kinds() {
		v.Kinds = append(v.Kinds, kindRef{Href: kindListHref(k), Text: kindPlural(p, k)})
	}
	s.render(w, r, rq, http.StatusOK, "kind_list", pageData{Title: p.T("Records by kind"), Nav: "kinds", Data: kindListView{Index: &v}})
	return nil
}

// ---- Lists ----

type kindListView struct {
	// Index is set on the index of kinds, which shares the template.
	Index *kindIndexView

	Plural string
	// Noun is the plural in a sentence, "action items".
	Noun  string
	Title string
	// Parent is the entity the list is filtered by; ParentKind its kind's
	// title.
	Parent     *kindRef
	ParentKind string
	AllHref    string
	NewHref    string
	Rows       []kindRow
	// The columns: each is shown if the kind declares it.
	HeadlineLabel string
	ParentLabel   string
	OwnerLabel    string
	StatusLabel   string
	TimeLabel     string
	NextHref      string
	FirstHref     string
	// Filters are the list's filters and order, as its kind declares them;
	// ParentID keeps the parent filter in their form.
	Filters  []kindFilter
	ParentID string
}

// kindFilter is one filter of a list, as its form shows it.
type kindFilter struct {
	Name, Label, Value string
	// Options makes a select; without, a text input (or a checkbox for
	// "desc").
	Options []kindOption
	Check   bool
}

// kindFilters are the filter form's fields: the filters the kind declares,
// with the values the list is filtered by.
func (s *server) kindFilters(ctx context.Context, p *i18n.Printer, caller *access.Principal, k parley.Kind, vals url.Values) ([]kindFilter, error) {
	var out []kindFilter
	for _, f := range app.ListFilters(k) {
		kf := kindFilter{Name: f.Name, Value: vals.Get(f.Name)}
		switch f.Name {
		case "party":
			kf.Label = p.T("Party")
			parties, err := s.svc.All(ctx, caller, s.svc.Registry().PartyKind().Name, "")
			if err != nil {
				return nil, err
			}
			kf.Options = []kindOption{{Label: p.T("any")}}
			for _, e := range parties {
				kf.Options = append(kf.Options, kindOption{Value: e.ID, Label: cmp.Or(s.headlineOf(p, e), e.ID), Selected: e.ID == kf.Value})
			}
		case "status":
			sf, _ := k.Field(k.StatusField)
			kf.Label = kindLabel(p, sf)
			kf.Options = []kindOption{{Label: p.T("any")}}
			for _, o := range sf.Enum {
				kf.Options = append(kf.Options, kindOption{Value: o.Value, Label: kindWord(p, o.Label), Selected: o.Value == kf.Value})
			}
		case "from":
			tf, _ := k.Field(k.TimeField)
			kf.Label = p.T("%s from", kindLabel(p, tf))
		case "to":
			tf, _ := k.Field(k.TimeField)
			kf.Label = p.T("%s to", kindLabel(p, tf))
		case "order":
			kf.Label = p.T("Order")
			kf.Options = []kindOption{{Value: "", Label: p.T("as created"), Selected: kf.Value == ""}, {Value: "time", Label: p.T("by time"), Selected: kf.Value == "time"}}
		case "desc":
			kf.Label, kf.Check = p.T("Newest first"), true
		default:
			if ff, ok := k.Field(f.Name); ok {
				kf.Label = kindLabel(p, ff)
			} else {
				kf.Label = kindUpper(kindWord(p, strings.ReplaceAll(f.Name, "_", " ")))
			}
		}
		out = append(out, kf)
	}
	return out, nil
}

type kindRow struct {
	Href     string
	Headline string
	Parent   *kindRef
	Owner    kindValue
	Status   kindValue
	Time     string
	Audience record.Audience
	RecordID string
}

func (s *server) kindList(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	k, err := s.kindFromPath(r)
	if err != nil {
		return err
	}
	n := s.kindNames(r, rq.caller)
	pr := n.p
	q := store.Query{Kind: k.Name, Limit: kindPageSize}
	v := kindListView{Plural: kindPlural(pr, k), Noun: kindNoun(pr, k), Title: kindTitle(pr, k), AllHref: kindListHref(k)}
	pf, hasParent := k.Field(k.ParentField)
	if p := r.URL.Query().Get("parent"); p != "" {
		if !hasParent {
			return s.kindBadRequest(w, r, rq, pr.T("A list of %s cannot be filtered by parent.", k.Collection))
		}
		q.Parent = p
		if pf.Type == parley.Ref {
			// A list under a parent the caller may not see answers as one
			// under a parent that does not exist.
			if v.Parent, err = n.ref(pf.Ref, p); err != nil {
				return err
			} else if v.Parent == nil {
				return errNotFound
			}
			if pk, ok := s.svc.Registry().Kind(pf.Ref); ok {
				v.ParentKind = kindTitle(pr, pk)
			}
		}
	}
	vals := r.URL.Query()
	if err := app.ParseListFilters(k, vals, &q); err != nil {
		return s.kindBadRequest(w, r, rq, capitalize(errorSentence(pr, err))+".")
	}
	if c := vals.Get("after"); c != "" {
		if app.OpenCursor(s.listCursor, c, &q) != nil || q.After <= 0 {
			return s.kindBadRequest(w, r, rq, pr.T("This address names no page of this list. Open the list from its first page and follow its “Next page” link."))
		}
	}
	v.ParentID = q.Parent
	v.Filters, err = s.kindFilters(r.Context(), pr, rq.caller, k, vals)
	if err != nil {
		return err
	}
	es, more, err := s.svc.List(ctx, rq.caller, q)
	if err != nil {
		return err
	}

	if hf, ok := k.Field(k.HeadlineField); ok {
		v.HeadlineLabel = kindLabel(pr, hf)
	} else {
		v.HeadlineLabel = kindUpper(v.Title)
	}
	if hasParent && q.Parent == "" && pf.Type == parley.Ref {
		v.ParentLabel = kindLabel(pr, pf)
	}
	of, hasOwner := k.Field(k.OwnerField)
	if hasOwner && k.OwnerField != k.HeadlineField && k.OwnerField != k.ParentField {
		v.OwnerLabel = kindLabel(pr, of)
	} else {
		hasOwner = false
	}
	sf, hasStatus := k.Field(k.StatusField)
	if hasStatus && k.StatusField != k.HeadlineField {
		v.StatusLabel = kindLabel(pr, sf)
	} else {
		hasStatus = false
	}
	tf, hasTime := k.Field(k.TimeField)
	if hasTime {
		v.TimeLabel = kindLabel(pr, tf)
	}
	for _, e := range es {
		ref, err := n.put(k, e)
		if err != nil {
			return err
		}
		row := kindRow{Href: ref.Href, Headline: ref.Text, Audience: e.Audience, RecordID: e.RecordID}
		body := kindBody(e.Body)
		if v.ParentLabel != "" && pf.Type == parley.Ref {
			if row.Parent, err = n.ref(pf.Ref, kindString(body[pf.Name])); err != nil {
				return err
			}
		}
		if hasOwner {
			if row.Owner, err = n.value(of, body[of.Name]); err != nil {
				return err
			}
		}
		if hasStatus {
			if row.Status, err = n.value(sf, body[sf.Name]); err != nil {
				return err
			}
		}
		if hasTime {
			tv, err := n.value(tf, body[tf.Name])
			if err != nil {
				return err
			}
			row.Time = tv.Text
		}
		v.Rows = append(v.Rows, row)
	}

	page := url.Values{}
	if q.Parent != "" {
		page.Set("parent", q.Parent)
	}
	for _, f := range app.ListFilters(k) {
		if x := vals.Get(f.Name); x != "" {
			page.Set(f.Name, x)
		}
	}
	if q.After != 0 {
		v.FirstHref = kindWithQuery(kindListHref(k), page)
	}
	if more && len(es) > 0 {
		next := maps.Clone(page)
		next.Set("after", app.SealCursor(s.listCursor, es[len(es)-1], q))
		v.NextHref = kindWithQuery(kindListHref(k), next)
	}
	if kindMayWrite(rq.caller, k) {
		v.NewHref = kindWithQuery(kindListHref(k)+"/new", page)
	}
	title := v.Plural
	if v.Parent != nil {
		title = pr.T("%s of %s", v.Plural, v.Parent.Text)
	}
	s.render(w, r, rq, http.StatusOK, "kind_list", pageData{Title: title, Nav: "kinds", Data: v})
	return nil
}

func kindWithQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (s *server) kindBadRequest(w http.ResponseWriter, r *http.Request, rq *request, msg string) error {
	s.render(w, r, rq, http.StatusBadRequest, "error", pageData{Title: T(r, "Bad request"), Data: errorView{Message: msg}})
	return nil
}

// List cursors are sealed, as the API's are (package httpapi): a plain
// sequence number says how many records of any audience were committed
// before an entity, which a reader who may not see them should not learn
// by comparing two cursors; and a sealed cursor is good only for the list
// (kind, filters and order) it was made for. The key is derived from the
// session cookie key, which every replica shares, with a label of its own,
// so that no cursor can pass for a cookie or the API's cursors. It is made
// once, with the server (listCursor).

func listCursorAEAD(key []byte) cipher.AEAD {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("parley-web-list-cursor/v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key is always a valid AES key
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// ---- One entity ----

type kindItemView struct {
	// Links are the sections' pages about the entity (its translations).
	Links    []NavItem
	Plural   string
	ListHref string
	Title    string
	ID       string
	Headline string
	Parent   *kindRef
	// ParentLabel names the parent field.
	ParentLabel string
	Fields      []kindValue
	Audience    record.Audience
	RecordID    string
	Version     int
	Created     string
	Updated     string
	// Author is the party that committed the latest version, by name.
	Author   string
	EditHref string
	// Context is the page of a section that shows the entity among its
	// own (a session on its round's page), if there is one.
	Context string
	// Children links to the lists of the kinds whose entities belong to
	// this one (a round's sessions).
	Children []kindRef
}

func (s *server) kindItem(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	k, err := s.kindFromPath(r)
	if err != nil {
		return err
	}
	e, err := s.svc.Get(ctx, rq.caller, k.Name, r.PathValue("id"))
	if err != nil {
		return err
	}
	n := s.kindNames(r, rq.caller)
	pr := n.p
	n.files = kindItemHref(k, e.ID) + "/files/"
	self, err := n.put(k, e)
	if err != nil {
		return err
	}
	v := kindItemView{
		Plural: kindPlural(pr, k), ListHref: kindListHref(k), Title: kindTitle(pr, k), ID: e.ID, Headline: self.Text,
		Audience: e.Audience, RecordID: e.RecordID, Version: e.Version,
		Created: pr.Time(e.Created.UTC(), "2 January 2006, 15:04") + " UTC",
		Updated: pr.Time(e.Updated.UTC(), "2 January 2006, 15:04") + " UTC",
	}
	body := kindBody(e.Body)
	for _, f := range k.Fields {
		fv, err := n.value(f, body[f.Name])
		if err != nil {
			return err
		}
		v.Fields = append(v.Fields, fv)
	}
	if pf, ok := k.Field(k.ParentField); ok && pf.Type == parley.Ref {
		v.ParentLabel = kindLabel(pr, pf)
		if v.Parent, err = n.ref(pf.Ref, kindString(body[pf.Name])); err != nil {
			return err
		}
	}
	// The author's party, by name; the record's page names the principal.
	rec, err := s.svc.Record(ctx, rq.caller, e.RecordID)
	if err == nil {
		v.Author = rec.Author.Party
		if p, err := n.ref(s.svc.Registry().PartyKind().Name, rec.Author.Party); err != nil {
			return err
		} else if p != nil {
			v.Author = p.Text
		}
	} else if app.ErrorCode(err) != app.CodeNotFound {
		return err
	}
	for _, ck := range s.svc.Registry().Kinds() {
		if cf, ok := ck.Field(ck.ParentField); ok && cf.Type == parley.Ref && cf.Ref == k.Name {
			v.Children = append(v.Children, kindRef{
				Href: kindWithQuery(kindListHref(ck), url.Values{"parent": {e.ID}}),
				Text: kindPlural(pr, ck),
			})
		}
	}
	if kindMayEdit(s.svc, rq.caller, k, e) {
		v.EditHref = kindItemHref(k, e.ID) + "/edit"
	}
	for _, sec := range s.opts.Sections {
		if l, ok := sec.(RecordLinker); ok {
			v.Links = append(v.Links, l.RecordLinks(k, e)...)
		}
	}
	if h, err := s.href(ctx, rq.caller, e); err != nil {
		return err
	} else if h != self.Href {
		v.Context = h
	}
	s.render(w, r, rq, http.StatusOK, "kind_item", pageData{Title: kindUpper(v.Title) + ": " + v.Headline, Data: v})
	return nil
}

// ---- Forms ----

// kindInput is one control of a form, or a group of them.
type kindInput struct {
	// Name is the field's JSON path, "members[2].role".
	Name string
	ID   string
	// Label names the control; Path names it with its groups, for the
	// summary of errors ("Members › Row 2 › Role").
	Label string
	Path  string
	// Control is input, textarea, checkbox, select, multi (a multiple
	// select), group (a fieldset of Fields) or file.
	Control string
	// Type is an input's type attribute; Step its step, "any" for a
	// decimal number; Pattern what a text input's value must match.
	Type    string
	Step    string
	Pattern string
	Value   string
	Checked bool
	Options []kindOption
	Fields  []kindInput
	// Required says the schema requires the field (a row's field: for the
	// row to be kept); Must asks the browser to insist, which it does
	// only outside lists, whose empty rows are dropped.
	Required    bool
	Must        bool
	ReadOnly    bool
	Max         int
	Size        int
	Placeholder string
	Help        string
	// Hint says how to write the value (a time's format).
	Hint  string
	Error string
}

type kindOption struct {
	Value    string
	Label    string
	Selected bool
}

func (in kindInput) HelpID() string  { return in.ID + "-help" }
func (in kindInput) ErrorID() string { return in.ID + "-err" }

// DescribedBy is the input's aria-describedby: its help and its error.
func (in kindInput) DescribedBy() string {
	var ids []string
	if in.Help != "" || in.Hint != "" {
		ids = append(ids, in.HelpID())
	}
	if in.Error != "" {
		ids = append(ids, in.ErrorID())
	}
	return strings.Join(ids, " ")
}

var kindIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// kindInputID makes an element id of a JSON path: "members[2].role" is
// "f-members-2-role".
func kindInputID(path string) string {
	return "f-" + strings.Trim(kindIDUnsafe.ReplaceAllString(path, "-"), "-")
}

// kindUnder reports whether path is prefix or lies within it.
func kindUnder(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[")
}

func kindJoin(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// kindFormError is an error shown with a form: next to its field, if it
// names one the form has, and in the summary at the top.
type kindFormError struct {
	Href    string
	Label   string
	Message string
}

type kindFormView struct {
	Title    string
	Heading  string
	Plural   string
	ListHref string
	// Item is the entity being changed, nil for a new one.
	Item   *kindRef
	Action string
	Submit string
	Cancel string
	Inputs []kindInput
	// Audience is the audience selector (one group); none on a signed
	// kind's upload form, whose file says its audience.
	Audience []kindInput
	Errors   []kindFormError
	// Signed kinds are uploaded as the file `parley sign` wrote.
	Signed      bool
	KindName    string
	SignExample string
	Schema      []kindSchemaRow
	// BasedOn is the version an edit of a versioned kind was read at.
	BasedOn string
}

// kindSchemaRow documents one field of a signed kind's body.
type kindSchemaRow struct {
	Name     string
	Label    string
	Type     string
	Required bool
	Help     string
}

// kindForm builds and renders the form of kind k: for a new entity if cur
// is nil, else for cur's next version. vals holds the form's values by
// JSON path; fresh says they come from the entity (or nothing), not from a
// post, so that lists get their empty rows. errs are shown next to their
// fields.
func (s *server) kindForm(w http.ResponseWriter, r *http.Request, rq *request, k parley.Kind, cur *store.Entity, vals url.Values, errs []kindFieldError, status int) error {
	n := s.kindNames(r, rq.caller)
	pr := n.p
	title := kindTitle(pr, k)
	v := kindFormView{
		Title: title, Plural: kindPlural(pr, k), ListHref: kindListHref(k),
		Action: kindListHref(k), Submit: pr.T("Create %s", title), Cancel: kindListHref(k),
		Heading: pr.T("New %s", title), Signed: k.Signed, KindName: k.Name,
	}
	if cur != nil {
		item, err := n.put(k, *cur)
		if err != nil {
			return err
		}
		v.Item = item
		v.Action, v.Cancel = item.Href, item.Href
		v.Submit = pr.T("Save changes")
		v.Heading = pr.T("Change %s: %s", title, item.Text)
	}
	b := &kindFormBuilder{n: n, vals: vals, edit: cur != nil, k: k, options: map[string][]parley.Option{}}
	if k.Signed {
		signed := pr.T("Signed file")
		v.Inputs = []kindInput{{Name: "file", ID: kindInputID("file"), Label: signed, Path: signed, Control: "file", Required: true, Must: true,
			Help: pr.T("The JSON file that parley sign wrote: the body with its \"statement\" and \"signature\" fields, and its audience if it names one. Upload it within ten minutes of signing.")}}
		v.Schema = kindSchema(pr, k.Fields, "")
		// The server as this page was reached, which behind a proxy may not
		// be the address the signer uses; it is an example.
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		v.SignExample = fmt.Sprintf("parley sign body.json --key YOUR.key --kind %s --server %s://%s --token-file YOUR.token > signed.json", k.Name, scheme, r.Host)
	} else {
		ins, err := b.inputs(k.Fields, "", "", true)
		if err != nil {
			return err
		}
		v.Inputs = ins
		if k.AudienceOf == nil {
			aud, err := b.audience()
			if err != nil {
				return err
			}
			v.Audience = []kindInput{aud}
		}
	}
	if k.Versioned && cur != nil {
		v.BasedOn = vals.Get("based_on")
	}
	for _, e := range errs {
		fe := kindFormError{Message: kindUpper(e.Message)}
		if e.Field != "" {
			in := kindAttach(v.Inputs, e.Field, fe.Message)
			if in == nil {
				in = kindAttach(v.Audience, e.Field, fe.Message)
			}
			switch {
			case in != nil:
				fe.Href, fe.Label = "#"+in.ID, in.Path
			case k.Signed:
				// An upload's errors name fields of the file: show them
				// next to the file, named as the schema names them.
				fe.Label = kindSchemaLabel(pr, k.Fields, e.Field)
				file := kindAttach(v.Inputs, "file", fe.Label+": "+e.Message)
				fe.Href = "#" + file.ID
			default:
				fe.Label = e.Field
			}
		}
		v.Errors = append(v.Errors, fe)
	}
	page := v.Heading
	if len(v.Errors) > 0 {
		page = pr.T("Not saved: %s", page)
	}
	s.render(w, r, rq, status, "kind_form", pageData{Title: page, Data: v})
	return nil
}

// kindAttach puts msg on the deepest input that field names or lies
// within, and returns it; nil if the form has no such input.
func kindAttach(ins []kindInput, field, msg string) *kindInput {
	for i := range ins {
		in := &ins[i]
		if !kindUnder(field, in.Name) {
			continue
		}
		if deeper := kindAttach(in.Fields, field, msg); deeper != nil {
			return deeper
		}
		if in.Error != "" {
			in.Error += " " + msg
		} else {
			in.Error = msg
		}
		return in
	}
	return nil
}

// kindSchema documents a signed kind's fields for its upload form.
func kindSchema(p *i18n.Printer, fields []parley.Field, prefix string) []kindSchemaRow {
	var rows []kindSchemaRow
	for _, f := range fields {
		name := kindJoin(prefix, f.Name)
		row := kindSchemaRow{Name: name, Label: kindLabel(p, f), Required: f.Required, Help: kindWord(p, f.Help)}
		row.Type = kindTypeText(p, f)
		rows = append(rows, row)
		switch {
		case f.Type == parley.Object:
			rows = append(rows, kindSchema(p, f.Fields, name)...)
		case f.Type == parley.List && f.Elem != nil && f.Elem.Type == parley.Object:
			rows = append(rows, kindSchema(p, f.Elem.Fields, name+"[]")...)
		}
	}
	return rows
}

func kindTypeText(p *i18n.Printer, f parley.Field) string {
	switch f.Type {
	case parley.String, parley.Text:
		return p.T("text")
	case parley.File:
		return p.T("the SHA-256 of a file uploaded to parley")
	case parley.Int:
		return p.T("whole number")
	case parley.Number:
		return p.T("number")
	case parley.Bool:
		return p.T("true or false")
	case parley.Date:
		return p.T("date, YYYY-MM-DD")
	case parley.Time:
		return p.T("time, RFC 3339 with its offset")
	case parley.Enum:
		vals := make([]string, len(f.Enum))
		for i, o := range f.Enum {
			vals[i] = strconv.Quote(o.Value)
		}
		return p.T("one of %s", strings.Join(vals, ", "))
	case parley.Ref:
		return p.T("id of a %s", f.Ref)
	case parley.List:
		if f.Elem != nil {
			return p.T("list of: %s", kindTypeText(p, *f.Elem))
		}
		return p.T("list")
	case parley.Object:
		return p.T("object")
	}
	return string(f.Type)
}

// kindSchemaLabel names a field of the schema by its JSON path, for an
// error about an uploaded body.
func kindSchemaLabel(p *i18n.Printer, fields []parley.Field, path string) string {
	for _, f := range fields {
		if kindUnder(path, f.Name) {
			return kindLabel(p, f)
		}
	}
	return kindUpper(path)
}

// kindFormBuilder makes a form's inputs from a kind's schema and the
// form's values.
type kindFormBuilder struct {
	n    *kindNames
	vals url.Values
	edit bool
	k    parley.Kind
	// options are the entities of each kind the caller may see, by kind
	// name, for the selects of references.
	options map[string][]parley.Option
}

// inputs makes the inputs of fields under prefix (a JSON path). Required
// fields are marked required to the browser only where required is set:
// outside lists, whose empty rows are dropped, and in required groups.
func (b *kindFormBuilder) inputs(fields []parley.Field, prefix, pathLabel string, required bool) ([]kindInput, error) {
	var out []kindInput
	for _, f := range fields {
		in, err := b.input(f, kindJoin(prefix, f.Name), pathLabel, required)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func (b *kindFormBuilder) input(f parley.Field, name, pathLabel string, required bool) (kindInput, error) {
	return b.labelled(f, kindLabel(b.n.p, f), name, pathLabel, required)
}

// labelled is input, with the label given (a row's, "Row 2").
func (b *kindFormBuilder) labelled(f parley.Field, label, name, pathLabel string, required bool) (kindInput, error) {
	p := b.n.p
	in := kindInput{Name: name, ID: kindInputID(name), Label: label, Path: label, Help: kindWord(p, f.Help),
		Required: f.Required, Must: f.Required && required, Value: b.vals.Get(name)}
	if pathLabel != "" {
		in.Path = pathLabel + " › " + label
	}
	switch f.Type {
	case parley.String:
		in.Control, in.Type = "input", "text"
		in.Max = f.Max
		if in.Max == 0 {
			in.Max = parley.MaxText
		}
		// An id chosen by people never changes: the service refuses
		// another, and the form does not offer to.
		in.ReadOnly = b.edit && name == b.k.IDField
	case parley.Text:
		in.Control = "textarea"
		in.Max = f.Max
		if in.Max == 0 {
			in.Max = parley.MaxText
		}
	case parley.Int:
		in.Control, in.Type = "input", "number"
	case parley.File:
		in.Control, in.Type, in.Pattern = "input", "text", "[0-9a-f]{64}"
	case parley.Number:
		in.Control, in.Type, in.Step = "input", "number", "any"
	case parley.Bool:
		in.Control, in.Required, in.Must = "checkbox", false, false
		in.Checked = in.Value == "true"
	case parley.Date:
		in.Control, in.Type = "input", "date"
		if _, err := time.Parse(time.DateOnly, in.Value); in.Value != "" && err != nil {
			// A browser clears a date input whose value is not a date; the
			// value the user entered is shown as written, to be corrected.
			in.Type = "text"
		}
		in.Hint = p.T("A date, YYYY-MM-DD.")
	case parley.Time:
		// A time is one text input taking RFC 3339 with its offset, the
		// form the body carries, rather than datetime-local plus a
		// separate offset: a datetime-local holds no offset, at most
		// milliseconds, and a browser silently clears a value it cannot
		// hold, so an edit without changes would not commit the time it
		// was shown. The text round-trips exactly, the offset ("+04:00",
		// where the meeting was held) included.
		in.Control, in.Type = "input", "text"
		in.Placeholder = "2026-01-23T10:00:00+04:00"
		in.Hint = p.T("A time with its UTC offset where it happened (RFC 3339), e.g. 2026-01-23T10:00:00+04:00.")
	case parley.Enum:
		in.Control = "select"
		opts := make([]parley.Option, len(f.Enum))
		for i, o := range f.Enum {
			opts[i] = parley.Option{Value: o.Value, Label: kindWord(p, o.Label)}
		}
		in.Options = kindSelectOptions(p, opts, in.Value, in.Must)
	case parley.Ref:
		opts, err := b.refOptions(f.Ref)
		if err != nil {
			return in, err
		}
		in.Control = "select"
		in.Options = kindSelectOptions(p, opts, in.Value, in.Must)
	case parley.Object:
		in.Control = "group"
		fs, err := b.inputs(f.Fields, name, in.Path, in.Must)
		if err != nil {
			return in, err
		}
		in.Fields = fs
	case parley.List:
		if f.Elem == nil {
			return in, fmt.Errorf("field %s of kind %s is a list of nothing", name, b.k.Name)
		}
		if f.Elem.Type == parley.Ref {
			opts, err := b.refOptions(f.Elem.Ref)
			if err != nil {
				return in, err
			}
			in.Control = "multi"
			in.Options = kindMultiOptions(p, opts, b.vals[name])
			in.Size = min(max(len(in.Options), 2), 8)
			in.Hint = p.T("Select one or more; hold Ctrl (⌘ on a Mac) to select several.")
			break
		}
		in.Control, in.Must = "group", false
		for _, i := range b.rows(name) {
			row := fmt.Sprintf("%s[%d]", name, i)
			rowLabel := p.T("Row %d", i+1)
			if f.Elem.Type == parley.Object {
				fs, err := b.inputs(f.Elem.Fields, row, in.Path+" › "+rowLabel, false)
				if err != nil {
					return in, err
				}
				in.Fields = append(in.Fields, kindInput{Name: row, ID: kindInputID(row), Label: rowLabel,
					Path: in.Path + " › " + rowLabel, Control: "group", Fields: fs})
				continue
			}
			ri, err := b.labelled(*f.Elem, rowLabel, row, in.Path, false)
			if err != nil {
				return in, err
			}
			in.Fields = append(in.Fields, ri)
		}
		if f.Elem.Type == parley.Object {
			in.Hint = p.T("Empty rows are left out. To add more rows than are shown, save and change it again.")
		}
	default:
		return in, fmt.Errorf("field %s of kind %s has type %q, which forms do not know", name, b.k.Name, f.Type)
	}
	return in, nil
}

// rows returns the row indexes of a list in the form: those the values
// have, in order, and then enough empty ones to offer kindEmptyRows.
func (b *kindFormBuilder) rows(name string) []int {
	idx := kindIndexes(b.vals, name)
	empty := 0
	for _, i := range idx {
		if kindBlank(b.vals, fmt.Sprintf("%s[%d]", name, i)) {
			empty++
		}
	}
	next := 0
	if len(idx) > 0 {
		next = idx[len(idx)-1] + 1
	}
	for ; empty < kindEmptyRows; empty++ {
		idx = append(idx, next)
		next++
	}
	return idx
}

// kindIndexes returns the indexes i of the values named name[i]..., in
// order.
func kindIndexes(vals url.Values, name string) []int {
	seen := map[int]bool{}
	for key := range vals {
		rest, ok := strings.CutPrefix(key, name+"[")
		if !ok {
			continue
		}
		num, after, ok := strings.Cut(rest, "]")
		if !ok || (after != "" && after[0] != '.' && after[0] != '[') {
			continue
		}
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || strconv.Itoa(i) != num {
			continue
		}
		seen[i] = true
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// kindBlank reports whether no value at or under path is set.
func kindBlank(vals url.Values, path string) bool {
	for key, vs := range vals {
		if !kindUnder(key, path) {
			continue
		}
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				return false
			}
		}
	}
	return true
}

// refOptions returns an option for each entity of the kind that the caller
// may see, named by its headline. A process has few of each kind.
func (b *kindFormBuilder) refOptions(kindName string) ([]parley.Option, error) {
	if opts, ok := b.options[kindName]; ok {
		return opts, nil
	}
	k, ok := b.n.reg.Kind(kindName)
	if !ok {
		return nil, fmt.Errorf("no kind %q", kindName)
	}
	es, err := b.n.svc.All(b.n.ctx, b.n.caller, kindName, "")
	if err != nil {
		return nil, err
	}
	opts := make([]parley.Option, 0, len(es))
	for _, e := range es {
		ref, err := b.n.put(k, e)
		if err != nil {
			return nil, err
		}
		opts = append(opts, parley.Option{Value: e.ID, Label: ref.Text})
	}
	b.options[kindName] = opts
	return opts, nil
}

// kindSelectOptions makes the options of a single select: an empty one
// first unless a value must be chosen and is, and the current value kept
// even if it is not among the options (a reference to something the
// caller no longer sees), so that saving without changes changes nothing.
func kindSelectOptions(p *i18n.Printer, opts []parley.Option, cur string, must bool) []kindOption {
	var out []kindOption
	if !must || cur == "" {
		label := p.T("(none)")
		if must {
			label = p.T("Choose one")
		}
		out = append(out, kindOption{Value: "", Label: label, Selected: cur == ""})
	}
	found := cur == ""
	for _, o := range opts {
		sel := o.Value == cur
		found = found || sel
		out = append(out, kindOption{Value: o.Value, Label: o.Label, Selected: sel})
	}
	if !found {
		out = append(out, kindOption{Value: cur, Label: p.T("(one not shown to you)"), Selected: true})
	}
	return out
}

// kindMultiOptions makes the options of a multiple select. The selected
// ones come first, in the list's order: a browser posts a select's values
// in the order of its options, so this keeps the order of the list.
func kindMultiOptions(p *i18n.Printer, opts []parley.Option, cur []string) []kindOption {
	var out []kindOption
	label := map[string]string{}
	for _, o := range opts {
		label[o.Value] = o.Label
	}
	chosen := map[string]bool{}
	for _, v := range cur {
		if v == "" || chosen[v] {
			continue
		}
		chosen[v] = true
		l, ok := label[v]
		if !ok {
			l = p.T("(one not shown to you)")
		}
		out = append(out, kindOption{Value: v, Label: l, Selected: true})
	}
	for _, o := range opts {
		if !chosen[o.Value] {
			out = append(out, kindOption{Value: o.Value, Label: o.Label})
		}
	}
	return out
}

// kindScopes are the audience selector's scopes. Without scripts the form
// shows all three controls; the party and the parties apply to the scopes
// that name them.
func kindScopes(p *i18n.Printer) []parley.Option {
	return []parley.Option{
		{Value: string(record.Public), Label: p.T("Public: anyone, signed in or not")},
		{Value: string(record.Parties), Label: p.T("All parties: the mediator and every party, not observers")},
		{Value: string(record.PartyMediator), Label: p.T("One party and the mediator")},
		{Value: string(record.PartyOnly), Label: p.T("One party only, not even the mediator")},
		{Value: string(record.List), Label: p.T("The parties listed below only")},
	}
}

func (b *kindFormBuilder) audience() (kindInput, error) {
	p := b.n.p
	parties, err := b.refOptions(b.n.reg.PartyKind().Name)
	if err != nil {
		return kindInput{}, err
	}
	who := p.T("Who may read it")
	pick := func(name, label string) kindInput {
		return kindInput{Name: name, ID: kindInputID(name), Label: label, Path: who + " › " + label}
	}
	scope := pick("audience.scope", p.T("Readers"))
	scope.Control = "select"
	scope.Options = kindSelectOptions(p, kindScopes(p), b.vals.Get(scope.Name), true)
	party := pick("audience.party", p.T("Party"))
	party.Control = "select"
	party.Options = kindSelectOptions(p, parties, b.vals.Get(party.Name), false)
	party.Help = p.T("For “one party and the mediator” and “one party only”.")
	list := pick("audience.parties", p.T("Parties"))
	list.Control = "multi"
	list.Options = kindMultiOptions(p, parties, b.vals["audience.parties"])
	list.Size = min(max(len(list.Options), 2), 8)
	list.Help = p.T("For “the parties listed below only”.")
	return kindInput{Name: "audience", ID: kindInputID("audience"), Label: who, Path: who,
		Control: "group", Fields: []kindInput{scope, party, list},
		Help: p.T("Only these readers will see it, on every page and in the API. You may address only readers your own party is among.")}, nil
}

// kindAudienceValues puts an audience in a form's values. The party
// defaults to the caller's, the one a confidential record is most often
// for.
func kindAudienceValues(vals url.Values, a record.Audience, caller *access.Principal) {
	vals.Set("audience.scope", string(a.Scope))
	party := a.Party
	if party == "" && caller != nil {
		party = caller.Party
	}
	vals.Set("audience.party", party)
	vals["audience.parties"] = slices.Clone(a.Parties)
}

// kindValues puts an entity's body in a form's values, by JSON path.
func kindValues(fields []parley.Field, m map[string]any, prefix string, vals url.Values) {
	for _, f := range fields {
		name := kindJoin(prefix, f.Name)
		v := m[f.Name]
		switch f.Type {
		case parley.Object:
			sub, _ := v.(map[string]any)
			kindValues(f.Fields, sub, name, vals)
		case parley.List:
			arr, _ := v.([]any)
			if f.Elem == nil {
				continue
			}
			for i, e := range arr {
				switch f.Elem.Type {
				case parley.Ref:
					vals.Add(name, kindString(e))
				case parley.Object:
					sub, _ := e.(map[string]any)
					kindValues(f.Elem.Fields, sub, fmt.Sprintf("%s[%d]", name, i), vals)
				default:
					vals.Set(fmt.Sprintf("%s[%d]", name, i), kindScalar(*f.Elem, e))
				}
			}
		default:
			if s := kindScalar(f, v); s != "" {
				vals.Set(name, s)
			}
		}
	}
}

func kindScalar(f parley.Field, v any) string {
	if f.Type == parley.Bool {
		if b, _ := v.(bool); b {
			return "true"
		}
		return ""
	}
	return kindString(v)
}

// kindFieldError is an error about one field (JSON path in the form), or
// about the whole write if Field is empty.
type kindFieldError struct {
	Field   string
	Message string
}

// kindParser builds a write's JSON body from a posted form.
type kindParser struct {
	vals url.Values
	// pr writes the errors in the reader's language.
	pr   *i18n.Printer
	errs []kindFieldError
	// rows maps the JSON path of each list element in the body to its
	// row in the form: empty rows are dropped, so "members[1]" of the
	// body may be "members[2]" of the form.
	rows map[string]string
}

func kindParse(pr *i18n.Printer, k parley.Kind, vals url.Values) (map[string]any, *kindParser) {
	p := &kindParser{vals: vals, pr: pr, rows: map[string]string{}}
	body := p.object(k.Fields, "", "")
	if a := kindParseAudience(vals); a != nil && k.AudienceOf == nil {
		body["audience"] = a
	}
	if b := vals.Get("based_on"); b != "" && k.Versioned {
		body["based_on"] = b
	}
	return body, p
}

// formPath returns the form's name of the field the service names by its
// path in the body.
func (p *kindParser) formPath(field string) string {
	best := ""
	for bp := range p.rows {
		if kindUnder(field, bp) && len(bp) > len(best) {
			best = bp
		}
	}
	if best == "" {
		return field
	}
	return p.rows[best] + field[len(best):]
}

func (p *kindParser) object(fields []parley.Field, form, body string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if v, ok := p.value(f, kindJoin(form, f.Name), kindJoin(body, f.Name)); ok {
			out[f.Name] = v
		}
	}
	return out
}

// value returns the value of field f, named form in the form and body in
// the body, and whether it has one.
func (p *kindParser) value(f parley.Field, form, body string) (any, bool) {
	switch f.Type {
	case parley.Object:
		m := p.object(f.Fields, form, body)
		if !f.Required && kindBlank(p.vals, form) {
			return nil, false
		}
		return m, true
	case parley.List:
		if f.Elem == nil {
			return nil, false
		}
		if f.Elem.Type == parley.Ref {
			var ids []any
			for _, v := range p.vals[form] {
				if v = strings.TrimSpace(v); v != "" {
					ids = append(ids, v)
				}
			}
			return ids, len(ids) > 0
		}
		var out []any
		for _, i := range kindIndexes(p.vals, form) {
			row := fmt.Sprintf("%s[%d]", form, i)
			if kindBlank(p.vals, row) {
				continue // an empty row is no item
			}
			at := fmt.Sprintf("%s[%d]", body, len(out))
			p.rows[at] = row
			if v, ok := p.value(*f.Elem, row, at); ok {
				out = append(out, v)
			}
		}
		return out, len(out) > 0
	case parley.Bool:
		v := p.vals.Get(form)
		return v == "true" || v == "on", true
	}
	raw := p.vals.Get(form)
	v := strings.TrimSpace(raw)
	if v == "" {
		return nil, false
	}
	switch f.Type {
	case parley.Int:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			p.fail(form, p.pr.T("%q is not a whole number", v))
			return nil, false
		}
		return n, true
	case parley.Number:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			p.fail(form, p.pr.T("%q is not a number", v))
			return nil, false
		}
		return n, true
	case parley.Date:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			p.fail(form, p.pr.T("%q is not a calendar date of the form YYYY-MM-DD", v))
			return nil, false
		}
		return v, true
	case parley.Time:
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			p.fail(form, p.pr.T("%q is not a time with its offset, of the form 2026-01-23T10:00:00+04:00", v))
			return nil, false
		}
		return v, true
	case parley.Text:
		// Browsers post a textarea's line breaks as CRLF.
		return strings.ReplaceAll(raw, "\r\n", "\n"), true
	case parley.String:
		return raw, true
	}
	return v, true
}

func (p *kindParser) fail(field, msg string) {
	p.errs = append(p.errs, kindFieldError{Field: field, Message: msg})
}

// kindParseAudience reads the audience selector; nil leaves the audience
// to the service (the kind's default, or the current one).
func kindParseAudience(vals url.Values) map[string]any {
	scope := strings.TrimSpace(vals.Get("audience.scope"))
	if scope == "" {
		return nil
	}
	a := map[string]any{"scope": scope}
	switch record.Scope(scope) {
	case record.PartyMediator, record.PartyOnly:
		if p := strings.TrimSpace(vals.Get("audience.party")); p != "" {
			a["party"] = p
		}
	case record.List:
		var ps []string
		for _, p := range vals["audience.parties"] {
			if p = strings.TrimSpace(p); p != "" {
				ps = append(ps, p)
			}
		}
		if len(ps) > 0 {
			a["parties"] = ps
		}
	}
	return a
}

// ---- Form handlers ----

func (s *server) kindNew(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := s.kindFromPath(r)
	if err != nil {
		return err
	}
	if !kindMayWrite(rq.caller, k) {
		return errNotFound
	}
	vals := url.Values{}
	// A link may open the form filled in: a page that proposes a new
	// entity (an incident of the reports it corroborates) names its
	// top-level fields in the query, and the person checks and submits.
	// Never a checkbox: one ticked by a link is too easily missed, and
	// may widen who reads what the person then types (a team's report
	// shared with the parties); nor the audience, which the form sets.
	q := r.URL.Query()
	for _, f := range k.Fields {
		if f.Type != parley.Object && f.Type != parley.Bool && (f.Type != parley.List || f.Elem != nil && f.Elem.Type == parley.Ref) && len(q[f.Name]) > 0 {
			vals[f.Name] = q[f.Name]
		}
	}
	if p := q.Get("parent"); p != "" && k.ParentField != "" {
		vals.Set(k.ParentField, p)
	}
	kindAudienceValues(vals, k.DefaultAudience, rq.caller)
	return s.kindForm(w, r, rq, k, nil, vals, nil, http.StatusOK)
}

// kindEditable returns the entity the request names, if the caller may see
// it and commit its next version; otherwise the form does not exist.
func (s *server) kindEditable(r *http.Request, rq *request) (parley.Kind, store.Entity, error) {
	k, err := s.kindFromPath(r)
	if err != nil {
		return k, store.Entity{}, err
	}
	if !kindMayWrite(rq.caller, k) {
		return k, store.Entity{}, errNotFound
	}
	e, err := s.svc.Get(r.Context(), rq.caller, k.Name, r.PathValue("id"))
	if err != nil {
		return k, e, err
	}
	if !kindMayEdit(s.svc, rq.caller, k, e) {
		return k, e, errNotFound
	}
	return k, e, nil
}

func (s *server) kindEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, e, err := s.kindEditable(r, rq)
	if err != nil {
		return err
	}
	vals := url.Values{}
	kindValues(k.Fields, kindBody(e.Body), "", vals)
	kindAudienceValues(vals, e.Audience, rq.caller)
	vals.Set("based_on", e.RecordID)
	return s.kindForm(w, r, rq, k, &e, vals, nil, http.StatusOK)
}

func (s *server) kindCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := s.kindFromPath(r)
	if err != nil {
		return err
	}
	if !kindMayWrite(rq.caller, k) {
		return errNotFound
	}
	return s.kindSave(w, r, rq, k, nil)
}

func (s *server) kindUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, e, err := s.kindEditable(r, rq)
	if err != nil {
		return err
	}
	return s.kindSave(w, r, rq, k, &e)
}

// kindSave commits what the form posted: a new entity, or cur's next
// version. On success it sends the browser to the entity's page; on a
// refusal it shows the form again, with what was entered and why it was
// refused. Nothing is written unless everything is.
func (s *server) kindSave(w http.ResponseWriter, r *http.Request, rq *request, k parley.Kind, cur *store.Entity) error {
	var body []byte
	var vals url.Values
	pr := Printer(r)
	p := &kindParser{pr: pr, rows: map[string]string{}}
	if k.Signed {
		var errs []kindFieldError
		body, errs = kindUpload(w, r)
		if errs != nil {
			return s.kindForm(w, r, rq, k, cur, nil, errs, http.StatusUnprocessableEntity)
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, kindMaxForm)
		if err := r.ParseForm(); err != nil {
			status, msg := http.StatusBadRequest, pr.T("The form could not be read. Please try again.")
			if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
				status, msg = http.StatusRequestEntityTooLarge, pr.T("The form is too large to be saved.")
			}
			return s.kindForm(w, r, rq, k, cur, kindFreshValues(k, cur, rq.caller), []kindFieldError{{Message: msg}}, status)
		}
		vals = r.PostForm
		var m map[string]any
		m, p = kindParse(pr, k, vals)
		if len(p.errs) > 0 {
			return s.kindForm(w, r, rq, k, cur, vals, p.errs, http.StatusUnprocessableEntity)
		}
		var err error
		if body, err = json.Marshal(m); err != nil {
			return err
		}
	}
	var written app.Written
	var err error
	if cur == nil {
		written, err = s.svc.Create(r.Context(), *rq.caller, k.Name, body)
	} else {
		written, err = s.svc.Update(r.Context(), *rq.caller, k.Name, cur.ID, body)
	}
	if err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code == app.CodeNotFound || ae.Code == app.CodeUnavailable {
			return err
		}
		field := ae.Field
		if field != "" && !k.Signed {
			field = p.formPath(field)
		}
		if now, ok := ae.Current.(store.Entity); ok && k.Versioned && cur != nil {
			// Someone else's edit came first. The form keeps this one and
			// is now based on theirs: saving again, after reading it,
			// replaces it knowingly.
			vals.Set("based_on", now.RecordID)
			return s.kindForm(w, r, rq, k, cur, vals, []kindFieldError{{Message: pr.T(
				"this %s was changed by someone else since you opened the form; it is now at version %d (see its page in another tab). Your edit is kept below: compare it with that version, and save again to replace it",
				kindTitle(pr, k), now.Version)}}, http.StatusConflict)
		}
		return s.kindForm(w, r, rq, k, cur, vals, []kindFieldError{{Field: field, Message: ErrorText(pr, ae)}}, kindStatus(ae.Code))
	}
	http.Redirect(w, r, kindItemHref(k, written.Entity.ID), http.StatusSeeOther)
	return nil
}

// kindFreshValues are the values of a form that could not be read: the
// entity's, or none.
func kindFreshValues(k parley.Kind, cur *store.Entity, caller *access.Principal) url.Values {
	vals := url.Values{}
	if cur == nil {
		kindAudienceValues(vals, k.DefaultAudience, caller)
		return vals
	}
	kindValues(k.Fields, kindBody(cur.Body), "", vals)
	kindAudienceValues(vals, cur.Audience, caller)
	vals.Set("based_on", cur.RecordID)
	return vals
}

// kindUpload reads the body of a signed kind: the file that `parley sign`
// wrote, posted as it is.
func kindUpload(w http.ResponseWriter, r *http.Request) ([]byte, []kindFieldError) {
	p := Printer(r)
	r.Body = http.MaxBytesReader(w, r.Body, kindMaxUpload)
	if err := r.ParseMultipartForm(kindMaxUpload); err != nil {
		if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
			return nil, []kindFieldError{{Field: "file", Message: p.T("is larger than the %d KiB a record may have", app.MaxBody>>10)}}
		}
		return nil, []kindFieldError{{Field: "file", Message: p.T("could not be read; choose the file that parley sign wrote and submit again")}}
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, []kindFieldError{{Field: "file", Message: p.T("is missing; choose the file that parley sign wrote")}}
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, app.MaxBody+1))
	if err != nil {
		return nil, []kindFieldError{{Field: "file", Message: p.T("could not be read; choose it again")}}
	}
	if len(body) > app.MaxBody {
		return nil, []kindFieldError{{Field: "file", Message: p.T("is larger than the %d KiB a record may have", app.MaxBody>>10)}}
	}
	return body, nil
}

// kindStatus is the status of a form shown again with the service's
// refusal.
func kindStatus(c app.Code) int {
	switch c {
	case app.CodeConflict:
		return http.StatusConflict
	case app.CodeForbidden:
		return http.StatusForbidden
	case app.CodeBadRequest:
		return http.StatusBadRequest
	case app.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}
