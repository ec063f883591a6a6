package monitor

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/i18n"
)

// KindArticle is an open-source article a monitor read for incidents.
const KindArticle = "monitor.article"

// SourceRefArticle prefixes the source_ref of a report filed from an
// article's candidate: "article:<article id>#<candidate>", so that the
// article's page knows which of its candidates were filed, and a
// candidate is filed once.
const SourceRefArticle = "article:"

// ArticleSourceRef is the source_ref of the report filed from candidate n
// of an article.
func ArticleSourceRef(articleID string, n int) string {
	return SourceRefArticle + articleID + "#" + strconv.Itoa(n)
}

// articleRef reads a source reference made by ArticleSourceRef.
func articleRef(ref string) (id string, n int, ok bool) {
	rest, ok := strings.CutPrefix(ref, SourceRefArticle)
	if !ok {
		return "", 0, false
	}
	id, num, ok := strings.Cut(rest, "#")
	if !ok || id == "" {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	return id, n, err == nil && n >= 0
}

// fromArticle checks a report whose source reference names an article's
// candidate: it is an open source's, cites the article's file as its
// evidence, and is of a candidate not rejected. The reference is the
// monitors' to make by filing a candidate, not anyone's to borrow.
func (r *Report) fromArticle(res parley.Resolved) error {
	if !strings.HasPrefix(r.SourceRef, SourceRefArticle) {
		return nil
	}
	id, n, ok := articleRef(r.SourceRef)
	if !ok {
		return parley.Errorf("source_ref", "%q names no article's candidate (article:ID#N)", r.SourceRef)
	}
	a, ok := parley.Lookup[*Article](res, KindArticle, id)
	if !ok {
		return parley.Errorf("source_ref", "names article %q, which does not exist", id)
	}
	if r.SourceType != SourceOpen {
		return parley.Errorf("source_type", "is %q, but a report filed from an article is an open source's", r.SourceType)
	}
	if len(a.Evidence) != 1 || !slices.ContainsFunc(r.Evidence, func(e Evidence) bool { return e.SHA256 == a.Evidence[0].SHA256 }) {
		return parley.Errorf("evidence", "does not cite the article it was filed from")
	}
	if slices.ContainsFunc(a.Rejected, func(x Rejected) bool { return x.Candidate == n }) {
		return parley.Conflictf("source_ref", "candidate %d of the article was rejected; it is not filed", n)
	}
	return nil
}

// Article is a news report a monitor pasted or uploaded: the file itself
// is its evidence (by its SHA-256, committed with the record), and the
// candidates parley proposed from it are filed as reports or rejected,
// each rejection with its reason, here.
type Article struct {
	Outlet string `json:"outlet"`
	URL    string `json:"url,omitempty"`
	// Published is the article's date (YYYY-MM-DD), against which "on
	// Saturday" and "overnight" are read.
	Published string `json:"published"`
	// Language is the article's language: the extraction reads English.
	Language string     `json:"language"`
	Evidence []Evidence `json:"evidence"`
	Rejected []Rejected `json:"rejected,omitempty"`
}

// Rejected is a candidate a monitor turned down, and why.
type Rejected struct {
	Candidate int    `json:"candidate"`
	Reason    string `json:"reason"`
}

var articleKind = parley.Kind{Name: KindArticle, Collection: "articles", Title: "article", New: func() parley.Entity { return new(Article) },
	Fields: []parley.Field{
		{Name: "outlet", Type: parley.String, Required: true, Max: 200, Help: "The outlet that published it."},
		{Name: "url", Label: "Address", Type: parley.String, Max: 2000, Help: "Where it was published (http or https)."},
		{Name: "published", Type: parley.Date, Required: true},
		{Name: "language", Type: parley.Enum, Required: true, Enum: parley.Options(i18n.Languages, i18n.Names)},
		evidenceField,
		{Name: "rejected", Label: "Rejected candidates", Type: parley.List, Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
			{Name: "candidate", Type: parley.Int, Required: true},
			{Name: "reason", Type: parley.Text, Required: true},
		}}},
	},
	HeadlineField: "outlet", TimeField: "published",
	// Changed only to reject candidates (articleKept), one edit at a time:
	// an update names the version it read, so two rejections at once do
	// not lose one.
	DefaultAudience: parties, WriteRoles: monitors, Mutable: true, Versioned: true}

// articleKept: an article's update only adds rejections. What was read
// (its file, outlet, address, date and language) is what the reports filed
// from it cite, and a rejection, once made, stays; nor is a candidate
// rejected once filed.
var articleKept = parley.Invariant{
	Kind: KindArticle, Name: "an article only gains rejections, of candidates not filed",
	Needs: func(e parley.Entity, subject string) []parley.Need {
		if subject == "" {
			return []parley.Need{}
		}
		needs := []parley.Need{{Kind: KindArticle, ID: subject}}
		for _, r := range e.(*Article).Rejected {
			needs = append(needs, parley.Need{Kind: KindReport, Fields: map[string]string{"source_ref": ArticleSourceRef(subject, r.Candidate)}})
		}
		return needs
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		if subject == "" || len(facts) == 0 || len(facts[0]) == 0 {
			return nil
		}
		a, cur := e.(*Article), facts[0][0].Entity.(*Article)
		if a.Outlet != cur.Outlet || a.URL != cur.URL || a.Published != cur.Published || a.Language != cur.Language ||
			!slices.Equal(a.Evidence, cur.Evidence) {
			return parley.Conflictf("evidence", "an article is what was read: its file, outlet, address, date and language do not change; read another article instead")
		}
		if len(a.Rejected) < len(cur.Rejected) || !slices.Equal(a.Rejected[:len(cur.Rejected)], cur.Rejected) {
			return parley.Conflictf("rejected", "a rejection, once made, stays; add new ones after it")
		}
		for i, r := range a.Rejected {
			if i >= len(cur.Rejected) && len(facts[i+1]) > 0 {
				return parley.Conflictf("rejected", "candidate %d was filed as report %s; it is not rejected", r.Candidate, facts[i+1][0].ID)
			}
		}
		return nil
	},
}

// Normalize implements parley.Entity.
func (a *Article) Normalize() {
	parley.Trim(&a.Outlet, &a.URL, &a.Published, &a.Language)
	for i := range a.Rejected {
		parley.Trim(&a.Rejected[i].Reason)
	}
}

// References implements parley.Entity.
func (a *Article) References() []parley.Reference { return nil }

// Validate implements parley.Entity.
func (a *Article) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("outlet", a.Outlet), parley.Required("published", a.Published),
		parley.OneOf("language", a.Language, i18n.Languages)); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, a.Published); err != nil {
		return parley.Errorf("published", "%q is not a date (YYYY-MM-DD)", a.Published)
	}
	if a.URL != "" {
		if u, err := url.Parse(a.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return parley.Errorf("url", "%q is not an http or https address", a.URL)
		}
	}
	if len(a.Evidence) != 1 {
		return parley.Errorf("evidence", "holds %d files; an article is one file, the text as it was read", len(a.Evidence))
	}
	seen := map[int]bool{}
	for i, r := range a.Rejected {
		f := "rejected[" + strconv.Itoa(i) + "]"
		if r.Candidate < 0 || seen[r.Candidate] {
			return parley.Errorf(f+".candidate", "%d is not a candidate not yet rejected", r.Candidate)
		}
		seen[r.Candidate] = true
		if err := parley.Required(f+".reason", r.Reason); err != nil {
			return err
		}
	}
	return parley.CheckEvidence(a.Evidence)
}
