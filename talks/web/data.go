package talksweb

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// item is one entity as a page shows it (web.Item).
type item[T any] = web.Item[T]

func load[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind, parent string) ([]item[T], error) {
	return web.Load[T](ctx, svc, caller, kind, parent)
}

func get[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind, id string) (item[T], error) {
	return web.Get[T](ctx, svc, caller, kind, id)
}

// names resolves the ids that records refer to into what people read. Only
// entities the caller may see are in it, so a reference to a confidential
// person never shows that person's name.
type names struct {
	// p writes what names say of those not shown, in the reader's
	// language.
	p       *i18n.Printer
	parties map[string]*talks.Party
	people  map[string]*talks.Person
	rounds  map[string]*talks.Round
	aspects map[string]*talks.Aspect
}

// loadNames loads the named kinds of entities the caller may see, for a
// page of r.
func (x *Section) loadNames(r *http.Request, caller *access.Principal, kinds ...string) (*names, error) {
	ctx := r.Context()
	n := &names{p: web.Printer(r)}
	for _, k := range kinds {
		var err error
		switch k {
		case talks.KindParty:
			n.parties, err = byID[talks.Party](ctx, x.svc(), caller, k)
		case talks.KindPerson:
			n.people, err = byID[talks.Person](ctx, x.svc(), caller, k)
		case talks.KindRound:
			n.rounds, err = byID[talks.Round](ctx, x.svc(), caller, k)
		case talks.KindAspect:
			n.aspects, err = byID[talks.Aspect](ctx, x.svc(), caller, k)
		default:
			err = fmt.Errorf("no names for kind %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	// People's and parties' names as recorded, or their form in the
	// reader's language where a translation gives one.
	for kind, apply := range map[string]func(map[string]string){
		talks.KindParty: func(m map[string]string) {
			n.parties = renamed(n.parties, m, func(p *talks.Party, s string) { p.Name = s })
		},
		talks.KindPerson: func(m map[string]string) {
			n.people = renamed(n.people, m, func(p *talks.Person, s string) { p.Name = s })
		},
	} {
		m, err := x.site.LocalNames(r, caller, kind, "name")
		if err != nil {
			return nil, err
		}
		apply(m)
	}
	return n, nil
}

// renamed returns byID with the names local gives set on copies of their
// entities: the entities loaded stay as recorded.
func renamed[T any](byID map[string]*T, local map[string]string, set func(*T, string)) map[string]*T {
	if len(local) == 0 || byID == nil {
		return byID
	}
	out := make(map[string]*T, len(byID))
	for id, v := range byID {
		if s, ok := local[id]; ok {
			c := *v
			set(&c, s)
			v = &c
		}
		out[id] = v
	}
	return out
}

func byID[T any](ctx context.Context, svc *app.Service, caller *access.Principal, kind string) (map[string]*T, error) {
	return web.ByID[T](ctx, svc, caller, kind)
}

// Party returns the party's name, or its id if the caller may not see it
// (the id is in the record the caller is reading anyway).
func (n *names) Party(id string) string {
	if p := n.parties[id]; p != nil {
		return p.Name
	}
	return id
}

// PartyLink links to the party's page, or names it by id if the caller may
// not see it.
func (n *names) PartyLink(id string) template.HTML {
	if p := n.parties[id]; p != nil {
		return link("/parties/", id, p.Name)
	}
	return template.HTML(html.EscapeString(id))
}

// RoundLink links to the round's page, or is empty if the caller may not
// see it.
func (n *names) RoundLink(id string) template.HTML {
	if r := n.rounds[id]; r != nil {
		return link("/rounds/", id, r.Name)
	}
	return ""
}

// AspectLink links to the aspect on the agenda, or is empty if the caller
// may not see it.
func (n *names) AspectLink(id string) template.HTML {
	if a := n.aspects[id]; a != nil {
		return template.HTML(`<a href="/agenda#aspect-` + html.EscapeString(url.PathEscape(id)) + `">` + html.EscapeString(a.Title) + `</a>`)
	}
	return ""
}

// link builds an anchor by hand because a template partial cannot reach
// the page's names; every piece is escaped for its context.
func link(prefix, id, text string) template.HTML {
	return template.HTML(`<a href="` + html.EscapeString(prefix+url.PathEscape(id)) + `">` + html.EscapeString(text) + `</a>`)
}

// Person returns the person's name, or "" if the caller may not see it.
func (n *names) Person(id string) string {
	if p := n.people[id]; p != nil {
		return p.Name
	}
	return ""
}

// People lists the named people the caller may see, and how many others
// the record names; the count is no secret, the ids are in the record.
func (n *names) People(ids []string) string {
	var shown []string
	hidden := 0
	for _, id := range ids {
		if name := n.Person(id); name != "" {
			shown = append(shown, name)
		} else {
			hidden++
		}
	}
	out := strings.Join(shown, ", ")
	switch {
	case hidden > 0 && out != "":
		out = n.p.T("%s and %d not shown", out, hidden)
	case hidden > 0:
		out = n.p.T("%d not shown", hidden)
	}
	return out
}

// Round returns the round's name, or "" if the caller may not see it.
func (n *names) Round(id string) string {
	if r := n.rounds[id]; r != nil {
		return r.Name
	}
	return ""
}

// Aspect returns the aspect's title, or "" if the caller may not see it.
func (n *names) Aspect(id string) string {
	if a := n.aspects[id]; a != nil {
		return a.Title
	}
	return ""
}

// decision is a signed decision and whether a later one superseded it.
type decision[T any] struct {
	item[T]
	Superseded bool
}

// chains orders signed decisions by their chains of supersedes: each
// chain's latest first, then what it superseded, back to the first; the
// chains in the order their first decisions were made. Arrival order does
// not decide which decision is the latest: the chain does.
func chains[T any](ds []item[T]) []decision[T] {
	byRecord := make(map[string]item[T], len(ds))
	superseded := map[string]bool{}
	for _, d := range ds {
		byRecord[d.RecordID] = d
		if d.Supersedes != "" {
			superseded[d.Supersedes] = true
		}
	}
	var heads []item[T]
	for _, d := range ds {
		if !superseded[d.RecordID] {
			heads = append(heads, d)
		}
	}
	var out []decision[T]
	seen := map[string]bool{}
	for _, h := range heads {
		var chain []decision[T]
		for d, ok := h, true; ok && !seen[d.RecordID]; d, ok = byRecord[d.Supersedes] {
			seen[d.RecordID] = true
			chain = append(chain, decision[T]{item: d, Superseded: len(chain) > 0})
		}
		out = append(out, chain...)
	}
	// A decision the caller sees whose successor it does not (none today:
	// a chain shares one audience unless its authors chose otherwise) is
	// shown, as superseded, after the chains.
	for _, d := range ds {
		if !seen[d.RecordID] {
			out = append(out, decision[T]{item: d, Superseded: true})
		}
	}
	return out
}
