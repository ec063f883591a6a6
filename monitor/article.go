package monitor

import (
	"net/url"
	"strconv"
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
	DefaultAudience: parties, WriteRoles: monitors, Mutable: true}

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
