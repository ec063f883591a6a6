// Package talksweb is the talks domain's own pages: the timeline of the
// process, rounds with their sessions, delegations, action items and what
// was said, the parties and their people, the agenda with each capital's
// signed decisions, action items and statements. The kernel's UI (package
// web) renders them inside its layout, beside the pages it generates for
// every kind; the binary's wiring hands this Section to web.New.
package talksweb

import (
	"cmp"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/url"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

//go:embed templates/*.html
var templates embed.FS

// locales are the section's catalogues: its pages' words and the talks
// domain's (kinds, fields, options, refusals), in Ukrainian and Russian.
//
//go:embed locales/*.json
var locales embed.FS

// Section is the talks' part of the UI. Its zero value is ready to use;
// Routes binds it to a site.
type Section struct {
	site *web.Site
}

// Nav implements web.Section.
func (*Section) Nav() []web.NavItem {
	return []web.NavItem{
		{Key: "timeline", Label: "Timeline", Path: "/"},
		{Key: "rounds", Label: "Rounds", Path: "/rounds"},
		{Key: "parties", Label: "Parties", Path: "/parties"},
		{Key: "agenda", Label: "Agenda", Path: "/agenda"},
		{Key: "actions", Label: "Action items", Path: "/actions"},
		{Key: "statements", Label: "Statements", Path: "/statements"},
	}
}

// Templates implements web.Section: the pages' functions write in the
// reader's language (LocalFuncs).
func (*Section) Templates() (fs.FS, template.FuncMap) {
	return web.TemplatesDir(templates), nil
}

// LocalFuncs implements web.Localizer: format names a session's format
// in p's language.
func (*Section) LocalFuncs(p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"format": func(f talks.Format) string { return p.Word(cmp.Or(talks.FormatLabels[f], string(f))) },
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
	site.Handle("GET /{$}", x.timeline)
	site.Handle("GET /rounds", x.rounds)
	site.Handle("GET /rounds/{id}", x.round)
	site.Handle("GET /parties", x.parties)
	site.Handle("GET /parties/{id}", x.party)
	site.Handle("GET /agenda", x.agenda)
	site.Handle("GET /actions", x.actions)
	site.Handle("GET /statements", x.statements)
}

func (x *Section) svc() *app.Service { return x.site.Service() }

// Href implements web.Linker: where the talks' pages show an entity.
func (x *Section) Href(ctx context.Context, caller *access.Principal, e store.Entity) (string, error) {
	// parent returns the page of the entity's parent, if the caller may
	// see the parent.
	parent := func(kind, prefix string) (string, error) {
		if e.Parent == "" {
			return "", nil
		}
		_, err := x.svc().Get(ctx, caller, kind, e.Parent)
		if app.ErrorCode(err) == app.CodeNotFound {
			return "", nil
		} else if err != nil {
			return "", err
		}
		return prefix + url.PathEscape(e.Parent), nil
	}
	id := url.PathEscape(e.ID)
	switch e.Kind {
	case talks.KindParty:
		return "/parties/" + id, nil
	case talks.KindRound:
		return "/rounds/" + id, nil
	case talks.KindAspect:
		return "/agenda#aspect-" + id, nil
	case talks.KindAction:
		return "/actions#action-" + id, nil
	case talks.KindStatement:
		return "/statements#statement-" + id, nil
	case talks.KindSession:
		h, err := parent(talks.KindRound, "/rounds/")
		if h != "" {
			h += "#session-" + id
		}
		return h, err
	case talks.KindDelegation:
		h, err := parent(talks.KindRound, "/rounds/")
		if h != "" {
			h += "#delegation-" + id
		}
		return h, err
	case talks.KindPerson:
		h, err := parent(talks.KindParty, "/parties/")
		if h != "" {
			h += "#person-" + id
		}
		return h, err
	case talks.KindApproval:
		// Approvals are shown with the aspect they decide on.
		return parent(talks.KindAspect, "/agenda#aspect-")
	}
	return "", nil
}
