package web

import (
	"cmp"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/talks"
)

// parseTemplates parses the layout once per page: each page defines
// "content", which the shared layout renders.
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the layout: %w", err)
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("couldn't parse template %s: %w", f, err)
		}
		pages[name] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	"dict":          dict,
	"when":          when,
	"span":          span,
	"day":           day,
	"days":          days,
	"format":        func(f talks.Format) string { return cmp.Or(talks.FormatLabels[f], string(f)) },
	"label":         label,
	"roles":         roles,
	"audience":      audienceLabel,
	"audienceTitle": audienceTitle,
	"confidential": func(a record.Audience) bool {
		return a.Scope != record.Public && a.Scope != record.Parties
	},
	"article": article,
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

// when shows a moment no more precisely than it is known: a month-precision
// date reads "November 2025", never "1 November 2025, 00:00".
func when(t time.Time, p talks.Precision) string {
	switch p {
	case talks.PrecisionMonth:
		return t.Format("January 2006")
	case talks.PrecisionDay:
		return t.Format("Mon 2 January 2006")
	}
	return t.Format("Mon 2 January 2006, 15:04") + " (" + zone(t) + ")"
}

// span shows a session's start and, if known, its end.
func span(start time.Time, end *time.Time, p talks.Precision) string {
	if end == nil || p == talks.PrecisionMonth || p == talks.PrecisionDay {
		return when(start, p)
	}
	e := end.In(start.Location())
	if e.Format("2006-01-02") == start.Format("2006-01-02") {
		return start.Format("Mon 2 January 2006, 15:04") + "–" + e.Format("15:04") + " (" + zone(start) + ")"
	}
	return start.Format("Mon 2 January 2006, 15:04") + " – " + e.Format("Mon 2 January, 15:04") + " (" + zone(start) + ")"
}

func day(d talks.Date, p talks.Precision) string {
	t, err := d.Time()
	if err != nil {
		return string(d)
	}
	if p == talks.PrecisionMonth {
		return t.Format("January 2006")
	}
	return t.Format("2 January 2006")
}

// days shows a round's dates as compactly as is unambiguous.
func days(from, to talks.Date, p talks.Precision) string {
	a, err1 := from.Time()
	b, err2 := to.Time()
	switch {
	case err1 != nil || err2 != nil:
		return string(from) + " – " + string(to)
	case p == talks.PrecisionMonth:
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
