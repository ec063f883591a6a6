package monitorweb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/osint"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// MaxArticle bounds an article pasted or uploaded: a long news page's HTML
// is a few hundred KiB.
const MaxArticle = 4 << 20

// ArticleInput is an article as a monitor gives it.
type ArticleInput struct {
	Outlet    string `json:"outlet"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published"`
	// HTML says the body is a web page; when false, a body that starts
	// with "<" and holds an html, body or p element is read as one too.
	HTML bool   `json:"html,omitempty"`
	Body string `json:"body"`
}

func (in ArticleInput) article() (osint.Article, error) {
	if strings.TrimSpace(in.Outlet) == "" {
		return osint.Article{}, &app.Error{Code: app.CodeInvalid, Field: "outlet", Message: "is required", Format: "is required"}
	}
	pub, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Published))
	if err != nil {
		return osint.Article{}, &app.Error{Code: app.CodeInvalid, Field: "published", Message: fmt.Sprintf("%q is not a date (YYYY-MM-DD)", in.Published),
			Format: "%q is not a date (YYYY-MM-DD)", Args: []any{in.Published}}
	}
	return osint.Article{Outlet: strings.TrimSpace(in.Outlet), URL: strings.TrimSpace(in.URL), Published: pub, Body: []byte(in.Body),
		HTML: in.HTML || looksLikeHTML(in.Body)}, nil
}

func looksLikeHTML(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "<") {
		return false
	}
	head := s[:min(len(s), 4096)]
	return strings.Contains(head, "<html") || strings.Contains(head, "<body") || strings.Contains(head, "<p") || strings.Contains(head, "<!doctype html")
}

// Extract proposes candidate incidents and statements from an article,
// committing nothing.
func Extract(in ArticleInput) (osint.Result, error) {
	a, err := in.article()
	if err != nil {
		return osint.Result{}, err
	}
	return extract(a)
}

func extract(a osint.Article) (osint.Result, error) {
	res, err := osint.Extract(a, nil)
	switch {
	case errors.Is(err, osint.ErrEmpty):
		return res, &app.Error{Code: app.CodeInvalid, Field: "body", Message: "holds no text to read", Format: "holds no text to read"}
	case errors.Is(err, osint.ErrNotText):
		return res, &app.Error{Code: app.CodeInvalid, Field: "body", Message: "is not UTF-8 text", Format: "is not UTF-8 text"}
	case errors.Is(err, osint.ErrTooLong):
		return res, &app.Error{Code: app.CodeTooLarge, Field: "body", Message: fmt.Sprintf("holds more than the %d KiB of text an article is read for", osint.MaxText>>10),
			Format: "holds more than the %d KiB of text an article is read for", Args: []any{osint.MaxText >> 10}}
	case err != nil && a.HTML:
		// The page's HTML could not be read (nested too deep).
		return res, &app.Error{Code: app.CodeInvalid, Field: "body", Message: "is HTML that could not be read; paste its text instead",
			Format: "is HTML that could not be read; paste its text instead"}
	}
	return res, err
}

// FileArticle keeps an article as a file, its evidence, and commits its
// record, read by the parties as the reports are. An article nothing can
// be read from is refused before anything is kept.
func FileArticle(ctx context.Context, svc *app.Service, caller access.Principal, in ArticleInput) (app.Written, error) {
	a, err := in.article()
	if err != nil {
		return app.Written{}, err
	}
	if len(a.Body) > MaxArticle {
		return app.Written{}, &app.Error{Code: app.CodeTooLarge, Field: "body", Message: fmt.Sprintf("is %d bytes; at most %d are read", len(a.Body), MaxArticle),
			Format: "is %d bytes; at most %d are read", Args: []any{len(a.Body), MaxArticle}}
	}
	if _, err := extract(a); err != nil {
		return app.Written{}, err
	}
	media := "text/plain; charset=utf-8"
	if a.HTML {
		media = "text/html; charset=utf-8"
	}
	if err := svc.Authorized(caller, monitor.KindArticle, ""); err != nil {
		return app.Written{}, err
	}
	blob, err := svc.PutFile(ctx, caller, media, a.Body)
	if err != nil {
		return app.Written{}, err
	}
	body, err := json.Marshal(monitor.Article{Outlet: a.Outlet, URL: a.URL, Published: a.Published.Format(time.DateOnly), Language: "en",
		Evidence: []monitor.Evidence{{SHA256: blob.SHA256, Name: a.Outlet, MediaType: media}}})
	if err != nil {
		return app.Written{}, err
	}
	return svc.Create(ctx, caller, monitor.KindArticle, body)
}

// Review is an article as a monitor reviews it: what was read from it,
// and each candidate with what became of it.
type Review struct {
	Article    web.Item[monitor.Article] `json:"article"`
	Result     osint.Result              `json:"result"`
	Candidates []CandidateReview         `json:"candidates"`
}

// CandidateReview is one candidate: the report it proposes, and the
// report filed from it or the reason it was rejected.
type CandidateReview struct {
	N int `json:"n"`
	osint.Candidate
	Proposal monitor.Report `json:"proposal"`
	// Filed is the id of the report filed from it; Rejected the reason it
	// was turned down.
	Filed    string `json:"filed,omitempty"`
	Rejected string `json:"rejected,omitempty"`
}

// ReviewOf reads an article, its file and its candidates as the caller
// may see them.
func ReviewOf(ctx context.Context, svc *app.Service, caller *access.Principal, id string) (Review, error) {
	it, err := web.Get[monitor.Article](ctx, svc, caller, monitor.KindArticle, id)
	if err != nil {
		return Review{}, err
	}
	if len(it.V.Evidence) != 1 {
		return Review{}, fmt.Errorf("article %s holds %d files", id, len(it.V.Evidence))
	}
	ev := it.V.Evidence[0]
	blob, err := svc.File(ctx, caller, monitor.KindArticle, id, ev.SHA256)
	if err != nil {
		return Review{}, err
	}
	pub, _ := time.Parse(time.DateOnly, it.V.Published)
	res, err := osint.Extract(osint.Article{Outlet: it.V.Outlet, URL: it.V.URL, Published: pub, Body: blob.Data,
		HTML: strings.HasPrefix(ev.MediaType, "text/html")}, nil)
	if err != nil {
		return Review{}, err
	}
	rv := Review{Article: it, Result: res}
	for n, c := range res.Candidates {
		cr := CandidateReview{N: n, Candidate: c, Proposal: Proposal(it, res.Digest, n, c)}
		for _, r := range it.V.Rejected {
			if r.Candidate == n {
				cr.Rejected = r.Reason
			}
		}
		filed, err := svc.AllOf(ctx, caller, store.Query{Kind: monitor.KindReport, Fields: map[string]string{"source_ref": cr.Proposal.SourceRef}})
		if err != nil {
			return Review{}, err
		}
		if len(filed) > 0 {
			cr.Filed = filed[0].ID
		}
		rv.Candidates = append(rv.Candidates, cr)
	}
	return rv, nil
}

// Proposal is the report a candidate proposes: an open source's, with the
// article as its evidence, in the monitoring's vocabulary. What the
// article does not say stays unsaid: an unstated weapon is "unknown", an
// unstated figure no casualty at all.
func Proposal(a web.Item[monitor.Article], digest string, n int, c osint.Candidate) monitor.Report {
	r := monitor.Report{SourceType: monitor.SourceOpen, SourceName: a.V.Outlet, OccurredAt: a.V.Published, TimePrecision: "day",
		WeaponClass: "unknown", TargetClass: cmpOr(c.Target, "unknown"), SourceRef: monitor.ArticleSourceRef(a.ID, n),
		Evidence: []monitor.Evidence{{SHA256: digest, Name: a.V.Outlet, MediaType: a.V.Evidence[0].MediaType}}}
	if o := c.Official; o != nil {
		r.SourceName = o.Name
		if o.Office != "" {
			r.SourceName += " (" + o.Office + ")"
		}
		r.SourceName += ", via " + a.V.Outlet
	}
	if c.When.Date != "" {
		r.OccurredAt, r.TimePrecision = c.When.Date, cmpOr(c.When.Precision, "day")
	}
	switch len(c.WeaponClasses) {
	case 0:
	case 1:
		r.WeaponClass = c.WeaponClasses[0]
		r.WeaponCount = c.Counts[r.WeaponClass]
	default:
		r.WeaponClass = "mixed"
	}
	r.PlacePrecision = "region"
	for _, p := range c.Places {
		if p.Kind == osint.KindSettlement && p.GeonameID != 0 && !p.Ambiguous {
			lat, lon := p.Lat, p.Lon
			r.PlaceName, r.PlacePrecision, r.Lat, r.Lon = p.Name, "settlement", &lat, &lon
			break
		}
	}
	if r.PlaceName == "" && len(c.Places) > 0 {
		p := c.Places[0]
		r.PlaceName = p.Name
		if p.Oblast != "" && p.Oblast != p.Name {
			r.PlaceName += ", " + p.Oblast
		}
	}
	if c.Killed != nil {
		r.Casualties = append(r.Casualties, monitor.Casualty{Kind: "killed", Group: "unknown", Low: *c.Killed, High: *c.Killed})
	}
	if c.Wounded != nil {
		r.Casualties = append(r.Casualties, monitor.Casualty{Kind: "wounded", Group: "unknown", Low: *c.Wounded, High: *c.Wounded})
	}
	r.Narrative = strings.Join(c.Sentences, " ")
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Accept files candidate n of an article as a report: rep, as the
// monitor edited the proposal, with the article as its evidence and the
// candidate as its source reference, which no edit changes. A candidate
// rejected is not filed; one filed already is refused by the monitoring's
// rule that a source's report is committed once.
func Accept(ctx context.Context, svc *app.Service, caller access.Principal, articleID string, n int, rep monitor.Report) (app.Written, error) {
	rv, err := ReviewOf(ctx, svc, &caller, articleID)
	if err != nil {
		return app.Written{}, err
	}
	if n < 0 || n >= len(rv.Candidates) {
		return app.Written{}, &app.Error{Code: app.CodeNotFound, Field: "candidate", Message: fmt.Sprintf("the article has no candidate %d", n),
			Format: "the article has no candidate %d", Args: []any{n}}
	}
	c := rv.Candidates[n]
	if c.Rejected != "" {
		return app.Written{}, &app.Error{Code: app.CodeConflict, Field: "candidate", Message: "was rejected; it is not filed", Format: "was rejected; it is not filed"}
	}
	rep.SourceType, rep.SourceRef, rep.Evidence, rep.SourceParty = monitor.SourceOpen, c.Proposal.SourceRef, c.Proposal.Evidence, ""
	body, err := json.Marshal(struct {
		monitor.Report
		Audience any `json:"audience"`
	}{rep, rv.Article.Audience})
	if err != nil {
		return app.Written{}, err
	}
	return svc.Create(ctx, caller, monitor.KindReport, body)
}

// Reject records that candidate n of an article is not filed, and why.
func Reject(ctx context.Context, svc *app.Service, caller access.Principal, articleID string, n int, reason string) (app.Written, error) {
	rv, err := ReviewOf(ctx, svc, &caller, articleID)
	if err != nil {
		return app.Written{}, err
	}
	if n < 0 || n >= len(rv.Candidates) {
		return app.Written{}, &app.Error{Code: app.CodeNotFound, Field: "candidate", Message: fmt.Sprintf("the article has no candidate %d", n),
			Format: "the article has no candidate %d", Args: []any{n}}
	}
	if rv.Candidates[n].Filed != "" {
		return app.Written{}, &app.Error{Code: app.CodeConflict, Field: "candidate", Message: "was filed as a report already", Format: "was filed as a report already"}
	}
	a := *rv.Article.V
	a.Rejected = append(slices.Clone(a.Rejected), monitor.Rejected{Candidate: n, Reason: reason})
	body, err := json.Marshal(struct {
		monitor.Article
		Audience any    `json:"audience"`
		BasedOn  string `json:"based_on"`
	}{a, rv.Article.Audience, rv.Article.RecordID})
	if err != nil {
		return app.Written{}, err
	}
	return svc.Update(ctx, caller, monitor.KindArticle, articleID, body)
}

// The pages.

type articlesView struct {
	Articles []web.Item[monitor.Article]
	CanAdd   bool
	Form     ArticleInput
	Err      string
}

func (x *Section) articles(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	svc := x.site.Service()
	items, err := web.Load[monitor.Article](r.Context(), svc, caller, monitor.KindArticle, "")
	if err != nil {
		return err
	}
	slices.Reverse(items)
	v := articlesView{Articles: items, CanAdd: caller != nil && svc.Authorized(*caller, monitor.KindArticle, "") == nil}
	v.Form.Published = time.Now().UTC().Format(time.DateOnly)
	x.site.Render(w, r, caller, http.StatusOK, "monitoring_articles", web.Page{Title: web.T(r, "Articles"), Nav: "monitoring", Data: v})
	return nil
}

func (x *Section) addArticle(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	svc := x.site.Service()
	if caller == nil || svc.Authorized(*caller, monitor.KindArticle, "") != nil {
		return web.ErrNotFound
	}
	p := web.Printer(r)
	v := articlesView{CanAdd: true}
	refuse := func(status int, msg string) error {
		items, err := web.Load[monitor.Article](r.Context(), svc, caller, monitor.KindArticle, "")
		if err != nil {
			return err
		}
		slices.Reverse(items)
		v.Articles, v.Err = items, msg
		x.site.Render(w, r, caller, status, "monitoring_articles", web.Page{Title: p.T("Articles"), Nav: "monitoring", Data: v})
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxArticle+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return refuse(http.StatusRequestEntityTooLarge, p.T("The article could not be read (at most %d MiB).", MaxArticle>>20))
	}
	defer r.MultipartForm.RemoveAll()
	v.Form = ArticleInput{Outlet: r.FormValue("outlet"), URL: r.FormValue("url"), Published: r.FormValue("published"),
		HTML: r.FormValue("format") == "html", Body: r.FormValue("text")}
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return refuse(http.StatusBadRequest, p.T("The file could not be read."))
		}
		if len(bytes.TrimSpace(b)) > 0 {
			v.Form.Body = string(b)
			n := strings.ToLower(hdr.Filename)
			v.Form.HTML = v.Form.HTML || strings.HasSuffix(n, ".html") || strings.HasSuffix(n, ".htm")
		}
	}
	written, err := FileArticle(r.Context(), svc, *caller, v.Form)
	if err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code == app.CodeNotFound {
			return err
		}
		msg := web.ErrorText(p, ae)
		if ae.Field != "" {
			msg = p.Word(articleFieldLabel(ae.Field)) + ": " + msg
		}
		return refuse(http.StatusUnprocessableEntity, msg)
	}
	http.Redirect(w, r, "/monitoring/articles/"+url.PathEscape(written.Entity.ID), http.StatusSeeOther)
	return nil
}

// articleFieldLabel names a field of the article's form.
func articleFieldLabel(field string) string {
	switch field {
	case "outlet":
		return "Outlet"
	case "published":
		return "Published"
	case "url":
		return "Address"
	case "body":
		return "Text"
	}
	return field
}

type articleView struct {
	Review
	CanFile bool
	// Problem is a refusal of what was just tried, and the candidate it
	// is about.
	Problem   string
	ProblemOf int
	// Names are the candidates' places' names in the reader's language,
	// by GeoNames id; Attribution credits the gazetteer they come from.
	Names       map[int]string
	Oblasts     map[string]string
	Attribution string
	// The choices of the form's fields.
	Weapons, Targets, TimePrecisions, PlacePrecisions []string
}

func (x *Section) article(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	return x.renderArticle(w, r, caller, http.StatusOK, "", -1)
}

func (x *Section) renderArticle(w http.ResponseWriter, r *http.Request, caller *access.Principal, status int, problem string, of int) error {
	svc := x.site.Service()
	rv, err := ReviewOf(r.Context(), svc, caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := articleView{Review: rv, CanFile: caller != nil && svc.Authorized(*caller, monitor.KindReport, "") == nil, Problem: problem, ProblemOf: of,
		Names: map[int]string{}, Oblasts: map[string]string{}, Attribution: osint.Attribution, Weapons: monitor.WeaponClasses, Targets: monitor.TargetClasses,
		TimePrecisions: monitor.TimePrecisions, PlacePrecisions: monitor.PlacePrecisions}
	g, err := osint.Default()
	if err != nil {
		return err
	}
	lang := web.Printer(r).Lang
	for _, c := range rv.Candidates {
		for _, p := range c.Places {
			if p.GeonameID != 0 {
				v.Names[p.GeonameID] = g.Name(p.GeonameID, lang)
			}
			if p.Admin1 != "" {
				v.Oblasts[p.Admin1] = g.OblastName(p.Admin1, lang)
			}
		}
	}
	x.site.Render(w, r, caller, status, "monitoring_article", web.Page{Title: web.T(r, "Article: %s, %s", rv.Article.V.Outlet, web.Formatter{P: web.Printer(r)}.Day(rv.Article.V.Published, "")),
		Nav: "monitoring", Data: v})
	return nil
}

func (x *Section) decideCandidate(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if err := web.ReadForm(w, r, caller); err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		return web.ErrNotFound
	}
	id := r.PathValue("id")
	var werr error
	switch r.PostForm.Get("decision") {
	case "accept":
		rep, err := reportFromForm(r)
		if err != nil {
			werr = err
			break
		}
		_, werr = Accept(r.Context(), x.site.Service(), *caller, id, n, rep)
	case "reject":
		_, werr = Reject(r.Context(), x.site.Service(), *caller, id, n, r.PostForm.Get("reason"))
	default:
		return &app.Error{Code: app.CodeBadRequest, Message: "say whether to accept or reject the candidate"}
	}
	if werr != nil {
		var ae *app.Error
		if !errors.As(werr, &ae) || ae.Code == app.CodeNotFound && ae.Field == "" {
			return werr
		}
		p := web.Printer(r)
		msg := web.ErrorText(p, ae)
		if ae.Field != "" {
			msg = ae.Field + ": " + msg
		}
		return x.renderArticle(w, r, caller, http.StatusUnprocessableEntity, msg, n)
	}
	http.Redirect(w, r, "/monitoring/articles/"+url.PathEscape(id)+"#candidate-"+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

// reportFromForm reads the report a monitor accepts, as edited.
func reportFromForm(r *http.Request) (monitor.Report, error) {
	f := r.PostForm
	rep := monitor.Report{SourceName: f.Get("source_name"), OccurredAt: f.Get("occurred_at"), TimePrecision: f.Get("time_precision"),
		PlaceName: f.Get("place_name"), PlacePrecision: f.Get("place_precision"), WeaponClass: f.Get("weapon_class"),
		TargetClass: f.Get("target_class"), Narrative: f.Get("narrative")}
	num := func(name string) (*float64, error) {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return nil, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, &app.Error{Code: app.CodeInvalid, Field: name, Message: fmt.Sprintf("%q is not a number", s), Format: "%q is not a number", Args: []any{s}}
		}
		return &v, nil
	}
	count := func(name string) (int, bool, error) {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return 0, false, &app.Error{Code: app.CodeInvalid, Field: name, Message: fmt.Sprintf("%q is not a count", s), Format: "%q is not a count", Args: []any{s}}
		}
		return v, true, nil
	}
	var err error
	if rep.Lat, err = num("lat"); err != nil {
		return rep, err
	}
	if rep.Lon, err = num("lon"); err != nil {
		return rep, err
	}
	if rep.WeaponCount, _, err = count("weapon_count"); err != nil {
		return rep, err
	}
	for _, k := range monitor.CasualtyKinds {
		n, ok, err := count(k)
		if err != nil {
			return rep, err
		}
		if ok {
			rep.Casualties = append(rep.Casualties, monitor.Casualty{Kind: k, Group: cmpOr(f.Get(k+"_group"), "unknown"), Low: n, High: n})
		}
	}
	return rep, nil
}

// Count is the proposal's figure of a kind of casualty, for the form, or
// "" when the article states none.
func (c CandidateReview) Count(kind string) string {
	for _, k := range c.Proposal.Casualties {
		if k.Kind == kind {
			return strconv.Itoa(k.Low)
		}
	}
	return ""
}

// Lat and Lon are the proposal's coordinates for the form, or "".
func (c CandidateReview) Lat() string { return coord(c.Proposal.Lat) }
func (c CandidateReview) Lon() string { return coord(c.Proposal.Lon) }

func coord(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 5, 64)
}

// Number is the candidate's number for people, from 1.
func (c CandidateReview) Number() int { return c.N + 1 }
