package ceasefireweb

import (
	"cmp"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/i18n"
)

// reportTitle is a report's title in p's language: its kind and its days,
// as ceasefire.ReportTitle writes them in English, which the record's
// title is (its validation refuses any other). A record whose type or
// period cannot be read keeps the title it has.
func reportTitle(p *i18n.Printer, r *ceasefire.ReportRecord) string {
	from, err1 := parley.ParseTime(r.From)
	until, err2 := parley.ParseTime(r.Until)
	if err1 != nil || err2 != nil || !until.After(from) {
		return r.Title
	}
	last := until.Add(-time.Nanosecond).UTC()
	first := p.Time(from.UTC(), "2 January 2006")
	oneDay := from.UTC().Format(time.DateOnly) == last.Format(time.DateOnly)
	switch {
	case r.ReportType == ceasefire.Daily && oneDay:
		return p.T("Daily report, %s", first)
	case r.ReportType == ceasefire.Daily:
		return p.T("Daily report, %s to %s", first, p.Time(last, "2 January 2006"))
	case r.ReportType == ceasefire.Compliance && oneDay:
		return p.T("Compliance report, %s", first)
	case r.ReportType == ceasefire.Compliance:
		return p.T("Compliance report, %s to %s", first, p.Time(last, "2 January 2006"))
	}
	return r.Title
}

// why says why a condition of the phase in force holds or not, in p's
// language: what ceasefire.Evaluate says in its State's Why, from the
// state's figures.
func why(p *i18n.Printer, b *Board, s ceasefire.State) string {
	switch s.Condition.Kind {
	case ceasefire.QuietDays:
		quietFor := span(p, b.At.Sub(s.Quiet))
		switch {
		case len(s.Deciding) == 0 && s.Holds:
			return p.T("none since the phase began, %s ago (%d days needed)", quietFor, s.Condition.Days)
		case len(s.Deciding) == 0:
			return p.T("none since the phase began, %s ago; it holds from %s", quietFor, utc(p, s.From))
		case s.Holds:
			return p.T("the last verified violation, incident %s, was %s ago (%d days needed)", s.Deciding[0], quietFor, s.Condition.Days)
		}
		return p.T("the last verified violation, incident %s, was %s ago; it holds from %s if no other is verified", s.Deciding[0], quietFor, utc(p, s.From))
	case ceasefire.ObligationsDone:
		n := 0
		if b.InForce != nil {
			n = len(b.InForce.Phase.Obligations)
		}
		if s.Holds {
			return p.T("all %d obligations are verified done", n)
		}
		return p.T("%d of %d obligations are not verified done", len(s.Deciding), n)
	}
	return p.T("%q is not a condition parley evaluates", s.Condition.Kind)
}

// span says how long d is, to the hour, as people say it in p's
// language.
func span(p *i18n.Printer, d time.Duration) string {
	const day = 24 * time.Hour
	days, hours := int(d/day), int(d%day/time.Hour)
	switch {
	case d < time.Hour:
		return p.T("less than an hour")
	case days == 0:
		return p.T("%d hours", hours)
	case hours == 0:
		return p.T("%d days", days)
	}
	return p.T("%s and %d hours", p.T("%d days", days), hours)
}

// tHTML translates key as p.T does, for a message with markup among its
// arguments: an argument of type template.HTML (a link, a strong title) is
// put in as it is, a string escaped, and the message's own text escaped.
// Markup's arguments take %s.
func tHTML(p *i18n.Printer, key string, args ...any) template.HTML {
	marked := make([]any, len(args))
	put := map[string]string{}
	for i, a := range args {
		// A control character no message holds marks where an argument
		// goes, to be put in once the rest is escaped.
		m := "\x01" + strconv.Itoa(i) + "\x01"
		switch v := a.(type) {
		case template.HTML:
			marked[i], put[m] = m, string(v)
		case string:
			marked[i], put[m] = m, template.HTMLEscapeString(v)
		default:
			marked[i] = a
		}
	}
	out := template.HTMLEscapeString(p.T(key, marked...))
	for m, v := range put {
		out = strings.ReplaceAll(out, m, v)
	}
	return template.HTML(out)
}

// scope says what a prohibition covers: its weapons and targets (any, if
// it names none) and where it holds, in p's language.
func scope(p *i18n.Printer, pr ceasefire.Prohibition, names map[string]string) string {
	words := func(vs []string) string {
		if len(vs) == 0 {
			return p.T("any")
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = p.Word(v)
		}
		return strings.Join(out, ", ")
	}
	where := p.T("anywhere")
	if len(pr.Zones) > 0 {
		zones := make([]string, len(pr.Zones))
		for i, z := range pr.Zones {
			zones[i] = cmp.Or(names[z], z)
		}
		where = strings.Join(zones, ", ")
		if pr.WithinKm != 0 {
			where = p.T("%s, and within %s km", where, p.Decimal(strconv.FormatFloat(pr.WithinKm, 'f', -1, 64)))
		}
	}
	return p.T("(weapons: %s; targets: %s; where: %s)", words(pr.WeaponClasses), words(pr.TargetClasses), where)
}
