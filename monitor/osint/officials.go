package osint

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A source is a person or an institution named in a sentence.
type source struct {
	name, office string
	org          bool
	first, last  int // tokens
}

// Words that report speech: the verb of a source.
var speechVerbs = set("said", "says", "say", "reported", "reports", "wrote", "writes", "added", "adds", "stated", "states", "noted",
	"notes", "announced", "announces", "confirmed", "confirms", "posted", "clarified", "emphasized", "emphasised", "summarized",
	"summarised", "summed", "told", "claimed", "claims", "declared", "specified", "explained", "informed", "tweeted", "read",
	"according", "stressed", "reiterated", "described", "urged", "updated")

// Capitalised words that are not part of a person's name.
var notNames = set("governor", "mayor", "head", "chief", "president", "secretary", "spokesman", "spokeswoman", "spokesperson",
	"minister", "prime", "acting", "deputy", "regional", "military", "administration", "city", "council", "oblast", "state",
	"service", "emergency", "ministry", "defence", "defense", "force", "forces", "air", "prosecutor", "prosecutor's", "office", "national",
	"police", "telegram", "facebook", "kremlin", "source", "sources", "quote", "details", "updated", "background", "recall", "the", "a",
	"an", "in", "on", "at", "according", "later", "earlier", "also", "however", "meanwhile", "unfortunately", "today", "yesterday",
	"russian", "ukrainian", "ukraine", "russia", "us", "european", "reuters", "ukrinform", "tass", "unn", "efe", "menafn", "as",
	"this", "that", "these", "there", "he", "she", "they", "it", "we", "i", "our", "his", "her", "their", "rma", "ova", "ses",
	"general", "staff", "armed", "army", "navy", "commander", "commander-in-chief", "head's", "and", "of", "for", "by", "with",
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "but", "after", "while", "when", "since",
	"points", "attention", "residents", "russians", "ukrainians", "enemy", "photo", "video", "read", "x", "twitter", "instead",
	"kyiv", "moscow", "defense council", "council's", "territorial", "community", "district", "region", "people", "doctors",
	"medics", "rescuers", "emergency services", "district's", "center", "centre", "hospital", "clinical", "no", "first", "vice",
	"parliament", "verkhovna", "rada", "cabinet", "government", "foreign", "affairs", "internal", "interior", "intelligence",
	"security", "guard", "border", "ombudsman", "commissioner", "leader", "head of state", "envoy", "special", "former", "is",
	"was", "were", "has", "had", "have", "will", "would", "who", "what", "where", "which", "quote:", "it's", "all", "any", "some")

// Words of an office or institution, around a name: "the head of the
// Kherson RMA", "Sumy City Council Secretary", "regional governor".
var officeWords = set("head", "of", "the", "governor", "mayor", "regional", "region", "military", "administration", "rma", "ova",
	"mva", "city", "oblast", "acting", "state", "council", "secretary", "spokesman", "spokeswoman", "spokesperson", "kremlin", "defense",
	"defence", "prosecutor", "prosecutor's", "chief", "deputy", "president", "minister", "prime", "foreign", "affairs", "internal",
	"police", "commander", "district", "community", "hromada", "territorial", "ministry", "national", "emergency", "service",
	"first", "vice", "interior", "office", "special", "envoy", "former", "leader", "adviser", "advisor", "presidential", "to",
	"representative", "press", "staff", "general", "armed", "forces", "air", "force", "ombudsman", "commissioner", "chairman",
	"chairwoman", "member", "officer", "lawmaker", "official", "authorities", "representatives", "public", "relations", "department",
	"sumy", "civil", "protection", "operational", "command", "south", "north", "east", "west", "ukraine's", "russia's", "council's")

// Heads of an institution's name: "Kyiv City Military Administration",
// "State Emergency Service of Ukraine", "Russian Defence Ministry".
var orgHeads = set("administration", "service", "ministry", "office", "force", "council", "police", "committee", "agency", "command",
	"guard", "staff", "forces", "prosecutor's", "department", "directorate", "company", "operator", "ukrenergo", "naftogaz")

// sources finds the people and institutions a sentence names.
func (x *extraction) sources(f *facts) []source {
	toks := f.toks
	var out []source
	inPlace := map[int]bool{}
	for _, m := range f.mentions {
		for k := m.first; k <= m.last; k++ {
			inPlace[k] = true
		}
	}
	for i := 0; i < len(toks); i++ {
		if !isNameToken(toks[i]) || x.isPlace(toks[i]) || inPlace[i] {
			continue
		}
		j := i
		for j+1 < len(toks) && j-i < 2 && isNameToken(toks[j+1]) && !x.isPlace(toks[j+1]) && !inPlace[j+1] {
			j++
		}
		name := joinBare(toks[i : j+1])
		// A person's name: two or three words (Oleh Syniehubov); a lone
		// surname only as the subject of a speech verb, or after a
		// title ("Governor Gladkov", "Fedorov said").
		single := i == j
		if single {
			nextVerb := j+1 < len(toks) && speechVerbs[toks[j+1].low] && toks[j+1].low != "according"
			afterTitle := i > 0 && (toks[i-1].low == "governor" || toks[i-1].low == "mayor" || toks[i-1].low == "to" && i > 1 && toks[i-2].low == "according")
			titled := j+1 < len(toks) && toks[j+1].low == "," && x.officeAround(f, i, j) != ""
			if !nextVerb && !afterTitle && !titled || utf8.RuneCountInString(name) < 4 {
				i = j
				continue
			}
		}
		out = append(out, source{name: name, office: x.officeAround(f, i, j), first: i, last: j})
		i = j
	}
	// Institutions: a run of capitalised words that ends in an
	// institution's word, with "of Ukraine" after it.
	for i := 0; i < len(toks); i++ {
		if !toks[i].cap || !toks[i].word {
			continue
		}
		j := i
		for j+1 < len(toks) && toks[j+1].word && (toks[j+1].cap || toks[j+1].low == "of" && j+2 < len(toks) && toks[j+2].cap) {
			j++
		}
		k := j
		for k > i && !orgHeads[toks[k].low] {
			k--
		}
		if orgHeads[toks[k].low] && (k > i || toks[k].low == "police" && i > 0) {
			if k+2 < len(toks) && toks[k+1].low == "of" && toks[k+2].low == "ukraine" {
				k += 2
			}
			start := i
			for start < k && (toks[start].low == "the" || toks[start].low == "details" || toks[start].low == "source" || toks[start].low == "according") {
				start++
			}
			if start < k || toks[k].low == "police" {
				if start == k && i > 0 && toks[i-1].cap {
					start = i - 1
				}
				out = append(out, source{name: f.text[toks[start].start : toks[k].start+len(toks[k].text)], org: true, first: start, last: k})
			}
		}
		i = j
	}
	// "the prosecutor's office", "the regional military administration":
	// lower-case institutions.
	low := strings.ToLower(f.text)
	for _, org := range []string{"prosecutor's office", "prosecutorʼs office", "regional military administration", "regional state administration", "city military administration"} {
		if i := strings.Index(low, org); i >= 0 {
			name := f.text[i : i+len(org)]
			k := tokenAt(toks, i)
			out = append(out, source{name: name, org: true, first: k, last: tokenAt(toks, i+len(org)-1)})
		}
	}
	return out
}

func tokenAt(toks []token, off int) int {
	for k := len(toks) - 1; k >= 0; k-- {
		if toks[k].start <= off {
			return k
		}
	}
	return 0
}

func isNameToken(t token) bool {
	if !t.word || !t.cap || notNames[t.low] || !isLetters(t.text) {
		return false
	}
	// Acronyms (SES, RMA) are not names.
	return strings.ToUpper(t.text) != t.text || utf8.RuneCountInString(t.text) == 1
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '’' && r != 'ʼ' {
			return false
		}
	}
	return true
}

// isPlace reports a word that names a place or division by its own
// name, which a person's name is not.
func (x *extraction) isPlace(t token) bool {
	for _, r := range x.g.exact[fold(bare(t))] {
		if r.primary {
			return true
		}
	}
	return false
}

// officeAround reads a person's title from the words before the name
// ("Kharkiv Mayor Ihor Terekhov", "the head of the Kherson RMA Oleksandr
// Prokudin") or after it (", the regional governor", ", head of the
// Odesa RMA").
func (x *extraction) officeAround(f *facts, i, j int) string {
	toks := f.toks
	k := i - 1
	if k > 0 && toks[k].low == "," {
		// "the head of the Kyiv Regional Military Administration, Mykola
		// Kalashnyk,"
		k--
	}
	end := k
	for k >= 0 && (officeWords[toks[k].low] || toks[k].cap && toks[k].word && !isNameToken(toks[k]) && toks[k].low != "according" || x.isPlace(toks[k])) {
		k--
	}
	if office := officeText(f, k+1, end); office != "" {
		return office
	}
	if j+2 < len(toks) && toks[j+1].low == "," {
		e := j + 2
		for e < len(toks) && (officeWords[toks[e].low] || x.isPlace(toks[e]) || toks[e].cap && toks[e].word && !isNameToken(toks[e])) {
			e++
		}
		if office := officeText(f, j+2, e-1); office != "" {
			return office
		}
	}
	return ""
}

// officeText is the words from toks[a] to toks[b] as written, without
// leading articles and trailing "of"; "" unless it holds a title word.
func officeText(f *facts, a, b int) string {
	toks := f.toks
	for a <= b && (toks[a].low == "the" || toks[a].low == "of" || toks[a].low == "and" || toks[a].low == "according" || toks[a].low == "to") {
		a++
	}
	for b >= a && (toks[b].low == "the" || toks[b].low == "of" || toks[b].low == "and" || toks[b].low == "to") {
		b--
	}
	if a > b {
		return ""
	}
	title := false
	for k := a; k <= b; k++ {
		if set("head", "governor", "mayor", "chief", "secretary", "spokesman", "spokeswoman", "spokesperson", "president", "minister",
			"commander", "envoy", "leader", "adviser", "advisor", "representative", "chairman", "chairwoman", "ombudsman", "official")[toks[k].low] {
			title = true
		}
	}
	if !title {
		return ""
	}
	return f.text[toks[a].start : toks[b].start+len(toks[b].text)]
}

// speaker finds who a sentence attributes itself to: a source next to a
// speech verb ("Kharkiv Mayor Ihor Terekhov said", "said Artem Kobzar",
// "according to Prokudin"), or a pronoun that refers to the last one
// ("he wrote", "the governor clarified"). A person named beats an
// institution, which beats a pronoun.
func (x *extraction) speaker(f *facts, srcs []source) *source {
	toks := f.toks
	var best *source
	bestRank := 0
	consider := func(s *source, rank int) {
		if s != nil && rank > bestRank {
			best, bestRank = s, rank
		}
	}
	rank := func(s *source) int {
		if s == nil {
			return 0
		}
		if s.org {
			return 2
		}
		return 3
	}
	// nearest returns the source closest to the verb on one side,
	// people before institutions.
	nearest := func(v int, before bool) *source {
		var n *source
		for k := range srcs {
			s := &srcs[k]
			var d int
			if before {
				d = v - s.last
			} else {
				d = s.first - v
			}
			if d <= 0 || before && d > 14 || !before && d > 9 {
				continue
			}
			if n == nil || rank(s) > rank(n) || rank(s) == rank(n) && (before && s.last > n.last || !before && s.first < n.first) {
				n = s
			}
		}
		return n
	}
	for v, t := range toks {
		if !speechVerbs[t.low] {
			continue
		}
		if t.low == "according" {
			if v+1 < len(toks) && toks[v+1].low == "to" {
				s := nearest(v+1, false)
				consider(s, rank(s))
				if v+2 < len(toks) && (toks[v+2].low == "him" || toks[v+2].low == "her") && x.last != nil {
					consider(x.last, 1)
				}
			}
			continue
		}
		if v > 0 && pronouns[toks[v-1].low] && (toks[v-1].low == "he" || toks[v-1].low == "she" || slices.ContainsFunc(toks[max(0, v-3):v-1], func(t token) bool { return t.low == "the" })) {
			if x.last != nil {
				consider(x.last, 1)
			}
			continue
		}
		b := nearest(v, true)
		consider(b, rank(b))
		a := nearest(v, false)
		consider(a, rank(a))
	}
	return best
}

// pronouns, and nouns that stand for a source already named.
var pronouns = set("he", "she", "governor", "mayor", "official", "head", "agency", "statement", "post", "ministry", "administration", "leader", "service")

// register records a source for the article, so that a surname alone
// ("Prokudin added") and a later mention without a title find the full
// name and office.
func (x *extraction) register(s *source) *source {
	key := surname(s.name)
	if s.org {
		key = strings.ToLower(s.name)
	}
	if old, ok := x.people[key]; ok {
		if len(s.name) > len(old.name) && !s.org {
			old.name = s.name
		}
		if old.office == "" {
			old.office = s.office
		}
		return old
	}
	c := *s
	x.people[key] = &c
	return &c
}

func surname(name string) string {
	f := strings.Fields(name)
	return strings.ToLower(f[len(f)-1])
}

// statements finds what officials are quoted as saying: the words in
// quotation marks, or before a dash and a speech verb ("There is
// information about one deceased person – Ihor Terekhov wrote"), with
// the source the sentences around them name. A quotation no source is
// named for is left out.
func (x *extraction) statements() []Statement {
	var out []Statement
	seen := map[string]bool{}
	for _, q := range x.quotes() {
		if q.who == nil || seen[q.said] {
			continue
		}
		seen[q.said] = true
		out = append(out, Statement{Who: q.who.name, Office: q.who.office, Said: q.said, Sentence: q.sentence})
	}
	return out
}

type quotation struct {
	said, sentence string
	who            *source
}

// quotes finds the quotations of the text and their speakers.
func (x *extraction) quotes() []quotation {
	var out []quotation
	byStart := func(off int) *facts {
		var best *facts
		for _, f := range x.sents {
			if f.start <= off {
				best = f
			}
		}
		return best
	}
	lines := strings.Split(x.text, "\n")
	offset := 0
	var lastQuoted *source
	for _, line := range lines {
		lineStart := offset
		offset += len(line) + 1
		for _, lead := range linkLeads {
			if i := strings.Index(line, lead); i >= 0 {
				line = line[:i]
			}
		}
		for _, span := range quoteSpans(line) {
			said := strings.TrimSpace(strings.Trim(line[span[0]:span[1]], ",. "))
			if len(strings.Fields(said)) < 2 {
				continue
			}
			fs := byStart(lineStart + span[0])
			fe := byStart(lineStart + span[1])
			var who *source
			// The speaker is named where the quotation ends ("...," he
			// wrote), where it begins (He added, "..."), or in the
			// Source line of a "Quote:" paragraph.
			for _, f := range []*facts{fe, fs} {
				if f != nil && f.speaker != nil && who == nil {
					who = f.speaker
				}
			}
			if who == nil && fe != nil && fe.index+1 < len(x.sents) {
				if n := x.sents[fe.index+1]; n.line == fe.line && n.speaker != nil && n.start-lineStart > span[1] {
					who = n.speaker
				}
			}
			trimmed := strings.TrimSpace(line)
			if who == nil && strings.HasPrefix(trimmed, "Quote") {
				who = x.quoteSource(trimmed)
			}
			if who == nil && span[0] <= 3 && len(strings.TrimSpace(line[span[1]:])) <= 2 && lastQuoted != nil {
				// A paragraph that is one quotation, after another of the
				// same speaker's.
				who = lastQuoted
			}
			if who != nil {
				lastQuoted = who
			}
			sent := ""
			if fs != nil {
				sent = fs.text
			}
			out = append(out, quotation{said: said, sentence: sent, who: who})
		}
	}
	// "... a private house – Ihor Terekhov wrote on his Telegram
	// channel."
	for _, f := range x.sents {
		for _, dash := range []string{" – ", " — ", " - "} {
			i := strings.LastIndex(f.text, dash)
			if i <= 0 || f.speaker == nil {
				continue
			}
			after := strings.ToLower(f.text[i+len(dash):])
			if !strings.Contains(after, strings.ToLower(surname(f.speaker.name))) {
				continue
			}
			said := strings.TrimSpace(f.text[:i])
			if len(strings.Fields(said)) >= 4 && !strings.ContainsAny(said, "\"“”") {
				out = append(out, quotation{said: said, sentence: f.text, who: f.speaker})
			}
		}
	}
	return out
}

// quoteSource is the source of a "Quote:" paragraph: the one named in
// "Quote from Klitschko:", or the first of the article's "Source:" line.
func (x *extraction) quoteSource(line string) *source {
	if rest, ok := strings.CutPrefix(line, "Quote from "); ok {
		name, _, _ := strings.Cut(rest, ":")
		for _, s := range x.people {
			if strings.Contains(name, surname(s.name)) || strings.EqualFold(strings.TrimSpace(name), s.name) ||
				strings.Contains(strings.ToLower(name), strings.ToLower(s.name)) {
				return s
			}
		}
		return nil
	}
	return x.source
}

// quoteSpans returns the byte ranges of the quotations of a line,
// between typographic quotes or pairs of straight ones.
func quoteSpans(line string) [][2]int {
	var out [][2]int
	open := -1
	openRune := rune(0)
	for i, r := range line {
		switch {
		case open < 0 && (r == '“' || r == '"' || r == '«'):
			open, openRune = i+utf8.RuneLen(r), r
		case open >= 0 && (openRune == '“' && (r == '”' || r == '"') || openRune == '"' && (r == '"' || r == '”') || openRune == '«' && r == '»'):
			out = append(out, [2]int{open, i})
			open = -1
		}
	}
	if open >= 0 && len(line)-open > 20 {
		// A quotation that runs to the end of its paragraph (and is
		// closed in a later one, or never).
		out = append(out, [2]int{open, len(line)})
	}
	return out
}
