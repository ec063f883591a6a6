package osint

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	monthRE   = `(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)`
	weekdayRE = `(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`
	partRE    = `(?:night|evening|morning|afternoon|day)`
)

// The time expressions, most precise first. Each gives a date relative
// to the publication date, or an explicit one.
var (
	// "On the night of January 18, 2026", "on 25 September", "Jan. 28",
	// "on Saturday 22 March".
	dateRE = regexp.MustCompile(`(?i)\b(?:(?:on|overnight on|late on|since|by|from)\s+)?(?:(?:the\s+)?(?:` + partRE + `|early hours)\s+of\s+)?(?:` + weekdayRE + `,?\s+)?(?:(` + monthRE + `)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?|(\d{1,2})(?:st|nd|rd|th)?\s+(` + monthRE + `)(?:,?\s+(\d{4}))?)`)
	// "06.05.2025" in a dateline.
	numericDateRE = regexp.MustCompile(`\b(\d{2})\.(\d{2})\.(\d{4})\b`)
	// "on Saturday", "on Thursday night", "Sunday evening".
	weekdayExpr = regexp.MustCompile(`(?i)\b(?:(?:on|late on|early on|since|last)\s+)?(` + weekdayRE + `)(?:\s+(` + partRE + `))?\b`)
	// Relative to the publication date.
	relativeRE = regexp.MustCompile(`(?i)\b(overnight|last night|tonight|this night|at night|during the night|in the night|night-time|nighttime|overnight|yesterday(?:\s+(?:morning|afternoon|evening))?|the day before|this (?:morning|afternoon|evening)|earlier today|today|over the past (?:day|24 hours)|in the past (?:day|24 hours)|over the last (?:day|24 hours)|in the last (?:day|24 hours)|past day|in the evening|in the morning|in the afternoon)\b`)
)

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

var weekdays = map[string]time.Weekday{"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}

// when finds the time expression in a sentence and resolves it against
// the publication date pub (zero when unknown). A day and month without
// a year take the publication's year (the year before, when that would
// put them after it); without a publication date only a date written
// with its year resolves. It returns nil when the sentence has none.
func when(s string, pub time.Time) *When {
	// Of several dates, the one written with its year: "began late on
	// January 27 and continued into the early hours of January 28,
	// 2026" is the night of 28 January.
	all := dateRE.FindAllStringSubmatchIndex(s, -1)
	var m []int
	for _, c := range all {
		if m == nil || m[6] < 0 && m[12] < 0 && (c[6] >= 0 || c[12] >= 0) {
			m = c
		}
	}
	if m != nil {
		expr := strings.TrimSpace(s[m[0]:m[1]])
		var mon, day, year string
		if m[2] >= 0 {
			mon, day = s[m[2]:m[3]], s[m[4]:m[5]]
			if m[6] >= 0 {
				year = s[m[6]:m[7]]
			}
		} else {
			day, mon = s[m[8]:m[9]], s[m[10]:m[11]]
			if m[12] >= 0 {
				year = s[m[12]:m[13]]
			}
		}
		// "May" alone is a month only with a day; "March 2022" has no
		// day and does not match. A bare day and month followed by a
		// year of four digits has been read with it.
		w := &When{Expression: expr}
		mo := months[strings.ToLower(mon[:3])]
		d, _ := strconv.Atoi(day)
		if d >= 1 && d <= 31 && mo != 0 {
			var y int
			switch {
			case year != "":
				y, _ = strconv.Atoi(year)
			case !pub.IsZero():
				y = pub.Year()
				if time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).After(pub) {
					y--
				}
			}
			if y != 0 {
				t := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
				if t.Day() == d {
					w.Date = t.Format(time.DateOnly)
					w.Precision = precision(expr)
				}
			}
		}
		return w
	}
	for _, i := range weekdayExpr.FindAllStringSubmatchIndex(s, -1) {
		// "the governor said on Sunday": the day of the statement, not
		// of the strike.
		if before := tokenize(s[:i[0]]); slices.ContainsFunc(before[max(0, len(before)-5):], func(t token) bool { return speechVerbs[t.low] }) {
			continue
		}
		m := []string{s[i[0]:i[1]], s[i[2]:i[3]]}
		w := &When{Expression: strings.TrimSpace(m[0])}
		if !pub.IsZero() {
			wd := weekdays[strings.ToLower(m[1])]
			back := (int(pub.Weekday()) - int(wd) + 7) % 7
			if strings.HasPrefix(strings.ToLower(m[0]), "last ") && back == 0 {
				back = 7
			}
			w.Date = pub.AddDate(0, 0, -back).Format(time.DateOnly)
			w.Precision = precision(m[0])
		}
		return w
	}
	if m := relativeRE.FindString(s); m != "" {
		w := &When{Expression: m}
		l := strings.ToLower(m)
		switch {
		case pub.IsZero():
		case strings.HasPrefix(l, "yesterday") || l == "the day before":
			w.Date, w.Precision = pub.AddDate(0, 0, -1).Format(time.DateOnly), precision(l)
		case strings.Contains(l, "past") || strings.Contains(l, "last day") || strings.Contains(l, "last 24") || strings.HasPrefix(l, "in the "):
			// A day that ends at publication, or an evening or
			// morning of a day the text does not name: unclear.
			if strings.Contains(l, "night") {
				w.Date, w.Precision = pub.Format(time.DateOnly), "night-of"
			}
		default:
			// Overnight, last night, this morning, today: the night that
			// ended on, or the day of, publication.
			w.Date, w.Precision = pub.Format(time.DateOnly), precision(l)
		}
		return w
	}
	if m := numericDateRE.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if mo >= 1 && mo <= 12 && t.Day() == d {
			return &When{Expression: m[0], Date: t.Format(time.DateOnly), Precision: "day"}
		}
	}
	return nil
}

func precision(expr string) string {
	l := strings.ToLower(expr)
	if strings.Contains(l, "night") || strings.Contains(l, "early hours") {
		return "night-of"
	}
	return "day"
}

// clockRE finds the clock time a figure is given at: "As of 17:45",
// "At 21:07", "as of 5:30 p.m.", "as of 18:30".
var clockRE = regexp.MustCompile(`(?i)\b(?:as of|at|by|updated at)\s+(\d{1,2})[:.](\d{2})(?:\s*([ap])\.?m\.?)?`)

// clock returns the minutes of the day a sentence dates its figures to,
// or -1.
func clock(s string) int {
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if strings.EqualFold(m[3], "p") && h < 12 {
		h += 12
	}
	if h > 23 || mi > 59 {
		return -1
	}
	return h*60 + mi
}
