// Package negotiationweb is the negotiation's own pages: each party's
// positions with their history and the relays it sent and received, the
// negotiating text with each clause's stage, a clause's history with a word
// diff between any two versions, the readiness of the text for a leaders'
// meeting, and the briefs to the capitals, as a page and as a PDF. The
// binary's wiring hands this Section to web.New beside the talks'.
package negotiationweb

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/url"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
	"github.com/parley-project/parley/worddiff"
)

//go:embed templates/*.html
var templates embed.FS

// locales are the section's catalogues: its pages' words and the
// negotiation domain's (kinds, fields, options, stages, refusals).
//
//go:embed locales/*.json
var locales embed.FS

// Section is the negotiation's part of the UI. Its zero value is ready to
// use; Routes binds it to a site.
type Section struct {
	site *web.Site
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{
		{Key: "positions", Label: "Positions", Path: "/positions"},
		{Key: "text", Label: "Negotiating text", Path: "/text"},
		{Key: "readiness", Label: "Readiness", Path: "/readiness"},
		{Key: "briefs", Label: "Briefs", Path: "/briefs"},
	}
}

// Templates implements web.Section.
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), template.FuncMap{
		"deleted":  func(op worddiff.Op) bool { return op == worddiff.Deleted },
		"inserted": func(op worddiff.Op) bool { return op == worddiff.Inserted },
	}
}

// LocalFuncs implements web.Localizer: the functions of the section's
// pages that write in the reader's language.
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		// stage is what people read for a clause's stage.
		"stage": func(s negotiation.Stage) string { return stageLabel(p, s) },
		// awaits is what a clause waits for before its next stage.
		"awaits": func(st *negotiation.State) []string { return awaits(p, st) },
		// utc dates a version or a brief to the minute, in UTC.
		"utc": func(t time.Time) string { return utc(p, t) },
	}
}

// Catalogue implements web.Cataloguer.
func (*Section) Catalogue() fs.FS {
	sub, err := fs.Sub(locales, "locales")
	if err != nil {
		panic(err) // only a section built without its catalogues gets here
	}
	return sub
}

// Routes implements web.Section.
func (x *Section) Routes(site *web.Site) {
	x.site = site
	site.Handle("GET /positions", x.positions)
	site.Handle("GET /positions/{id}", x.position)
	site.Handle("GET /relays/{id}/proof.json", x.relayProof)
	site.Handle("GET /text", x.text)
	site.Handle("GET /clauses/{id}", x.clause)
	site.Handle("GET /readiness", x.readiness)
	site.Handle("GET /briefs", x.briefs)
	site.Handle("POST /briefs", x.makeBrief)
	site.Handle("GET /briefs/{id}", x.brief)
	site.Handle("GET /briefs/{id}/pdf", x.briefPDF)
}

func (x *Section) svc() *app.Service { return x.site.Service() }

// Href implements web.Linker: where the negotiation's pages show an entity.
func (x *Section) Href(_ context.Context, _ *access.Principal, e store.Entity) (string, error) {
	id := url.PathEscape(e.ID)
	parent := url.PathEscape(e.Parent)
	switch e.Kind {
	case negotiation.KindPosition:
		return "/positions/" + id, nil
	case negotiation.KindConsent, negotiation.KindRelay:
		return "/positions#" + e.Kind[len("negotiation."):] + "-" + id, nil
	case negotiation.KindClause:
		return "/clauses/" + id, nil
	case negotiation.KindConfirmation, negotiation.KindReport, negotiation.KindApproval, negotiation.KindReview:
		return "/clauses/" + parent, nil
	case negotiation.KindText, negotiation.KindPackage, negotiation.KindRule:
		return "/text", nil
	case negotiation.KindBrief:
		return "/briefs/" + id, nil
	}
	return "", nil
}
