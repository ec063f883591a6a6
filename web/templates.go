package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// parseTemplates parses the layout once per page: each page defines
// "content", which the shared layout renders. A section's pages get the
// section's functions and partials on top of the kernel's.
func parseTemplates(sections []Section) (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the layout: %w", err)
	}
	pages := map[string]*template.Template{}
	if err := addPages(pages, base, assets, "templates", nil); err != nil {
		return nil, err
	}
	for _, sec := range sections {
		fsys, fm := sec.Templates()
		if err := addPages(pages, base, fsys, ".", fm); err != nil {
			return nil, err
		}
	}
	return pages, nil
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

var funcs = template.FuncMap{
	"dict":          dict,
	"when":          when,
	"span":          span,
	"day":           day,
	"days":          days,
	"label":         label,
	"roles":         roles,
	"audience":      audienceLabel,
	"audienceTitle": audienceTitle,
	"confidential": func(a record.Audience) bool {
		return a.Scope != record.Public && a.Scope != record.Parties
	},
	"article": parley.Article,
	"join":    strings.Join,
	"contact": contact,
}

// contact shows when a witness was last contacted, in UTC (the log's
// operator and the parties are in different capitals), and how long ago.
func contact(t, now time.Time) string {
	ago := "just now"
	if d := now.Sub(t).Round(time.Second); d >= time.Second {
		ago = d.String() + " ago"
	}
	return t.UTC().Format("2 January 2006, 15:04:05") + " (UTC), " + ago
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

// label turns an enumerated value ("under-discussion") into words.
func label(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "-", " ") }

func roles(rs []access.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = label(r)
	}
	return strings.Join(out, ", ")
}

// audienceLabel is the short badge text of an audience: who, besides the
// operator's database, may read the record.
func audienceLabel(a record.Audience) string {
	switch a.Scope {
	case record.Public:
		return "public"
	case record.Parties:
		return "all parties"
	case record.PartyMediator:
		return a.Party + " + mediator"
	case record.List:
		return strings.Join(a.Parties, " + ")
	}
	return access.Describe(a)
}

// audienceTitle says the same in a sentence, for the badge's tooltip.
func audienceTitle(a record.Audience) string {
	switch a.Scope {
	case record.Public:
		return "Public: anyone may read this"
	case record.Parties:
		return "Visible to the mediator and every party"
	case record.PartyMediator:
		return "Visible to " + a.Party + " and the mediator only"
	case record.PartyOnly:
		return "Visible to " + a.Party + " only; not to the mediator"
	case record.List:
		return "Visible to " + strings.Join(a.Parties, ", ") + " only"
	}
	return "Visible to: " + access.Describe(a)
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

// when shows a moment no more precisely than it is known: a month-precision
// date reads "November 2025", never "1 November 2025, 00:00". p is a
// precision, of the domain's own string type.
func when(t time.Time, p any) string {
	switch fmt.Sprint(p) {
	case precisionMonth:
		return t.Format("January 2006")
	case precisionDay:
		return t.Format("Mon 2 January 2006")
	}
	return t.Format("Mon 2 January 2006, 15:04") + " (" + zone(t) + ")"
}

// span shows a meeting's start and, if known, its end.
func span(start time.Time, end *time.Time, p any) string {
	if ps := fmt.Sprint(p); end == nil || ps == precisionMonth || ps == precisionDay {
		return when(start, p)
	}
	e := end.In(start.Location())
	if e.Format("2006-01-02") == start.Format("2006-01-02") {
		return start.Format("Mon 2 January 2006, 15:04") + "–" + e.Format("15:04") + " (" + zone(start) + ")"
	}
	return start.Format("Mon 2 January 2006, 15:04") + " – " + e.Format("Mon 2 January, 15:04") + " (" + zone(start) + ")"
}

// day shows a date (YYYY-MM-DD, of any string type) as people write it.
func day(d any, p any) string {
	t, err := time.Parse(time.DateOnly, fmt.Sprint(d))
	if err != nil {
		return fmt.Sprint(d)
	}
	if fmt.Sprint(p) == precisionMonth {
		return t.Format("January 2006")
	}
	return t.Format("2 January 2006")
}

// days shows a span of dates as compactly as is unambiguous.
func days(fromV, toV any, p any) string {
	from, to := fmt.Sprint(fromV), fmt.Sprint(toV)
	a, err1 := time.Parse(time.DateOnly, from)
	b, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil:
		return from + " – " + to
	case fmt.Sprint(p) == precisionMonth:
		if a.Format("2006-01") == b.Format("2006-01") {
			return a.Format("January 2006")
		}
		return a.Format("January 2006") + " – " + b.Format("January 2006")
	case from == to || to == "":
		return a.Format("2 January 2006")
	case a.Year() != b.Year():
		return a.Format("2 January 2006") + " – " + b.Format("2 January 2006")
	case a.Month() != b.Month():
		return a.Format("2 January") + " – " + b.Format("2 January 2006")
	}
	return a.Format("2") + "–" + b.Format("2 January 2006")
}
