package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"path"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/record"
)

// parseTemplates parses the layout once per page and language: each page
// defines "content", which the shared layout renders, and its functions
// write in one language (t translates, when and day name months in it). A
// section's pages get the section's functions and partials on top of the
// kernel's.
func parseTemplates(sections []Section, msgs *i18n.Bundle) (map[string]map[string]*template.Template, error) {
	out := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		p := msgs.Printer(lang)
		base, err := template.New("layout.html").Funcs(funcs).Funcs(localFuncs(p)).ParseFS(assets, "templates/layout.html")
		if err != nil {
			return nil, fmt.Errorf("couldn't parse the layout: %w", err)
		}
		pages := map[string]*template.Template{}
		if err := addPages(pages, base, assets, "templates", nil); err != nil {
			return nil, err
		}
		for _, sec := range sections {
			fsys, fm := sec.Templates()
			if l, ok := sec.(Localizer); ok {
				fm = maps.Clone(fm)
				if fm == nil {
					fm = template.FuncMap{}
				}
				maps.Copy(fm, l.LocalFuncs(p))
			}
			if err := addPages(pages, base, fsys, ".", fm); err != nil {
				return nil, err
			}
		}
		out[lang] = pages
	}
	return out, nil
}

// addPages parses the pages in dir of fsys onto clones of base, with fm's
// functions and the partials of the files named "_*.html".
func addPages(pages map[string]*template.Template, base *template.Template, fsys fs.FS, dir string, fm template.FuncMap) error {
	b := template.Must(base.Clone())
	if fm != nil {
		b = b.Funcs(fm)
	}
	partials, err := fs.Glob(fsys, path.Join(dir, "_*.html"))
	if err != nil {
		return err
	}
	if len(partials) > 0 {
		if b, err = b.ParseFS(fsys, partials...); err != nil {
			return fmt.Errorf("couldn't parse partials: %w", err)
		}
	}
	files, err := fs.Glob(fsys, path.Join(dir, "*.html"))
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		if _, dup := pages[name]; dup {
			return fmt.Errorf("two templates are named %q", name)
		}
		t, err := template.Must(b.Clone()).ParseFS(fsys, f)
		if err != nil {
			return fmt.Errorf("couldn't parse template %s: %w", f, err)
		}
		pages[name] = t
	}
	return nil
}

// funcs are the kernel's functions that say nothing in a language.
var funcs = template.FuncMap{
	"dict": dict,
	"confidential": func(a record.Audience) bool {
		return a.Scope != record.Public && a.Scope != record.Parties
	},
	"join": strings.Join,
}

// localFuncs are the kernel's functions that write in p's language.
func localFuncs(p *i18n.Printer) template.FuncMap {
	f := Formatter{p}
	return template.FuncMap{
		"t":             p.T,
		"word":          p.Word,
		"lang":          func() string { return p.Lang },
		"when":          f.When,
		"span":          f.Span,
		"day":           f.Day,
		"days":          f.Days,
		"label":         f.Label,
		"roles":         f.roles,
		"audience":      f.audienceLabel,
		"audienceTitle": f.audienceTitle,
		"contact":       f.contact,
		"article":       parley.Article,
		"int":           func(n int) string { return p.Int(int64(n)) },
		"decimal":       p.Decimal,
		"money":         p.Money,
		"stamp":         f.Stamp,
	}
}

// Formatter writes the kernel's dates, labels and audiences in one
// language, for pages and for the documents sections generate.
type Formatter struct{ P *i18n.Printer }

// contact shows when a witness was last contacted, in UTC (the log's
// operator and the parties are in different capitals), and how long ago.
func (f Formatter) contact(t, now time.Time) string {
	ago := f.P.T("just now")
	if d := now.Sub(t).Round(time.Second); d >= time.Second {
		ago = f.P.T("%s ago", d.String())
	}
	return f.P.Time(t.UTC(), "2 January 2006, 15:04:05") + " (UTC), " + ago
}

// dict passes several values to a shared partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Label turns an enumerated value ("under-discussion") into words, in the
// printer's language.
func (f Formatter) Label(v any) string {
	return f.P.Word(strings.ReplaceAll(fmt.Sprint(v), "-", " "))
}

func (f Formatter) roles(rs []access.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = f.Label(r)
	}
	return strings.Join(out, ", ")
}

// audienceLabel is the short badge text of an audience: who, besides the
// operator's database, may read the record.
func (f Formatter) audienceLabel(a record.Audience) string {
	switch a.Scope {
	case record.Public:
		return f.P.T("public")
	case record.Parties:
		return f.P.T("all parties")
	case record.PartyMediator:
		return f.P.T("%s + mediator", a.Party)
	case record.PartyOnly:
		return f.P.T("%s only", a.Party)
	case record.List:
		return strings.Join(a.Parties, " + ")
	}
	return access.Describe(a)
}

// audienceTitle says the same in a sentence, for the badge's tooltip.
func (f Formatter) audienceTitle(a record.Audience) string {
	switch a.Scope {
	case record.Public:
		return f.P.T("Public: anyone may read this")
	case record.Parties:
		return f.P.T("Visible to the mediator and every party")
	case record.PartyMediator:
		return f.P.T("Visible to %s and the mediator only", a.Party)
	case record.PartyOnly:
		return f.P.T("Visible to %s only; not to the mediator", a.Party)
	case record.List:
		return f.P.T("Visible to %s only", strings.Join(a.Parties, ", "))
	}
	return f.P.T("Visible to: %s", access.Describe(a))
}

// zone names t's offset: times are shown where they happened (a Kremlin
// meeting in Moscow time, an Abu Dhabi session in Gulf time), with the
// offset, so readers in different capitals read the same instant.
func zone(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		return "UTC"
	}
	return "UTC" + t.Format("-07:00")
}

// The precisions a time or date may be known to (a domain's precision
// type is a string of one of these; empty means to the minute).
const (
	precisionMonth = "month"
	precisionDay   = "day"
)

// When shows a moment no more precisely than it is known: a month-precision
// date reads "November 2025", never "1 November 2025, 00:00". p is a
// precision, of the domain's own string type.
func (f Formatter) When(t time.Time, p any) string {
	switch fmt.Sprint(p) {
	case precisionMonth:
		return f.P.Time(t, "January 2006")
	case precisionDay:
		return f.P.Time(t, "Mon 2 January 2006")
	}
	return f.P.Time(t, "Mon 2 January 2006, 15:04") + " (" + zone(t) + ")"
}

// Stamp shows a moment to the minute in UTC, as reports and statements
// date what they were made from.
func (f Formatter) Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return f.P.Time(t.UTC(), "2 Jan 2006, 15:04") + " UTC"
}

// Span shows a meeting's start and, if known, its end.
func (f Formatter) Span(start time.Time, end *time.Time, p any) string {
	if ps := fmt.Sprint(p); end == nil || ps == precisionMonth || ps == precisionDay {
		return f.When(start, p)
	}
	e := end.In(start.Location())
	if e.Format("2006-01-02") == start.Format("2006-01-02") {
		return f.P.Time(start, "Mon 2 January 2006, 15:04") + "–" + e.Format("15:04") + " (" + zone(start) + ")"
	}
	return f.P.Time(start, "Mon 2 January 2006, 15:04") + " – " + f.P.Time(e, "Mon 2 January, 15:04") + " (" + zone(start) + ")"
}

// Day shows a date (YYYY-MM-DD, of any string type) as people write it.
func (f Formatter) Day(d any, p any) string {
	t, err := time.Parse(time.DateOnly, fmt.Sprint(d))
	if err != nil {
		return fmt.Sprint(d)
	}
	if fmt.Sprint(p) == precisionMonth {
		return f.P.Time(t, "January 2006")
	}
	return f.P.Time(t, "2 January 2006")
}

// Days shows a span of dates as compactly as is unambiguous.
func (f Formatter) Days(fromV, toV any, p any) string {
	from, to := fmt.Sprint(fromV), fmt.Sprint(toV)
	a, err1 := time.Parse(time.DateOnly, from)
	b, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return from + " – " + to
	case fmt.Sprint(p) == precisionMonth:
		if a.Format("2006-01") == b.Format("2006-01") {
			return f.P.Time(a, "January 2006")
		}
		return f.P.Time(a, "January 2006") + " – " + f.P.Time(b, "January 2006")
	case from == to || to == "":
		return f.P.Time(a, "2 January 2006")
	case a.Year() != b.Year():
		return f.P.Time(a, "2 January 2006") + " – " + f.P.Time(b, "2 January 2006")
	case a.Month() != b.Month():
		return f.P.Time(a, "2 January") + " – " + f.P.Time(b, "2 January 2006")
	}
	return a.Format("2") + "–" + f.P.Time(b, "2 January 2006")
}
