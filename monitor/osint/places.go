package osint

import (
	"strings"
)

// A mention is a place name in a sentence, with the gazetteer entries
// that bear it.
type mention struct {
	text  string // as written: "Kharkiv", "Holosiivskyi district"
	base  string // the name without its kind word: "Holosiivskyi"
	kind  string
	refs  []ref
	first int // first token
	last  int // last token of the name
	// office marks a name inside an official's title ("Kharkiv Mayor",
	// "head of the Kherson RMA"): context for resolving other names, not
	// a place of the incident.
	office bool
	// resolved choice, set by resolve
	place    Place
	resolved bool
	sentence *facts
}

// Words after a name that make it a division, a district or a community,
// or part of an institution's name.
var (
	oblastWords    = set("oblast", "region", "province", "oblasts", "regions", "provinces", "krai", "republic")
	districtWords  = set("district", "raion", "rayon", "districts")
	communityWords = set("community", "hromada", "communities")
	officeAfter    = set("rma", "ova", "mva", "cma", "mayor", "governor", "vodokanal", "police", "prosecutor", "council",
		"administration", "defense", "defence", "city-military", "hospital", "clinical", "tpp", "chpp", "nuclear", "mayor's")
	officeBefore = set("governor", "mayor", "head", "chief", "administration", "prosecutor", "council", "police", "governors")
	// Words that are never place names here, although some gazetteer
	// entry's other spelling matches them.
	notPlaces = set("may", "march", "august", "june", "july", "april", "january", "february", "september", "october", "november",
		"december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "source", "quote", "details",
		"background", "recall", "updated", "the", "russia", "russian", "ukrainian", "ukrainians", "russians", "telegram", "president",
		"governor", "mayor", "head", "later", "earlier", "also", "according", "kremlin", "europe", "european", "state", "city",
		"central", "new", "old", "great", "lenin", "peace", "victory", "liberty", "freedom", "union", "north", "south", "east", "west",
		"army", "air", "force", "defence", "defense", "ministry", "emergency", "service", "office", "photo", "video", "reuters",
		"ukrinform", "tass", "unn", "efe", "menafn", "kyiv independent", "ukraine", "zircon", "iskander", "shahed", "grad", "moscow",
		"paris", "london", "washington", "berlin", "brussels", "warsaw")
)

// findPlaces finds the place names in a sentence: the longest run of
// capitalised words that the gazetteer knows, and "X district" or "X
// community" runs it does not (city districts and hromadas are not in
// it).
func (x *extraction) findPlaces(f *facts) {
	toks := f.toks
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.word || !t.cap {
			continue
		}
		n, refs := x.longest(toks, i)
		if n == 0 {
			// An unknown name before "district" or "community", or after
			// "community of", "village of".
			if k := i + 1; k < len(toks) && (districtWords[toks[k].low] || communityWords[toks[k].low]) && !notPlaces[t.low] && !(i > 0 && toks[i-1].cap && toks[i-1].word) {
				kind := KindDistrict
				if communityWords[toks[k].low] {
					kind = KindCommunity
				}
				f.mentions = append(f.mentions, &mention{text: f.text[t.start : toks[k].start+len(toks[k].text)], base: bare(t), kind: kind, first: i, last: i, sentence: f})
				i = k
			} else if i >= 2 && toks[i-1].low == "of" && (communityWords[toks[i-2].low] || settlementWords[toks[i-2].low]) && !notPlaces[t.low] {
				kind := KindSettlement
				if communityWords[toks[i-2].low] {
					kind = KindCommunity
				}
				f.mentions = append(f.mentions, &mention{text: bare(t), base: bare(t), kind: kind, first: i, last: i, sentence: f})
			}
			continue
		}
		last := i + n - 1
		end := last // the last token the mention takes, with its kind word
		m := &mention{base: joinBare(toks[i : i+n]), first: i, last: last, sentence: f, kind: KindSettlement}
		m.text = m.base
		next := func(k int) string {
			if last+k < len(toks) {
				return toks[last+k].low
			}
			return ""
		}
		prev := func(k int) string {
			if i-k >= 0 {
				return toks[i-k].low
			}
			return ""
		}
		possessive := bare(toks[last]) != toks[last].text // "one of Kharkiv's districts" is Kharkiv
		switch {
		case possessive:
		case oblastWords[next(1)] && !(officeAfter[next(2)] || next(2) == "state" || next(2) == "military" || next(2) == "regional"):
			m.kind, end = KindOblast, last+1
		case districtWords[next(1)]:
			m.kind, end = KindDistrict, last+1
		case communityWords[next(1)]:
			m.kind, end = KindCommunity, last+1
		case next(1) == "city" && next(2) == "territorial" && communityWords[next(3)]:
			m.kind, end = KindCommunity, last+3
		case (prev(1) == "of" || prev(2) == "of" && prev(1) == "the") && (oblastWords[prev(2)] || oblastWords[prev(3)]):
			// "the eastern region of Kharkiv"
			m.kind = KindOblast
		}
		// Inside a title or an institution's name.
		if officeAfter[next(1)] || (next(1) == "city" || next(1) == "oblast" || next(1) == "regional" || next(1) == "region" || next(1) == "state") && officeAfter[next(2)] ||
			next(1) == "city" && (next(2) == "military" || next(2) == "state" || next(2) == "clinical") || next(2) == "military" && oblastWords[next(1)] ||
			next(1) == "oblast" && (next(2) == "state" || next(2) == "military" || next(2) == "governor" || next(2) == "prosecutor") ||
			next(1) == "regional" && (next(2) == "military" || next(2) == "state" || next(2) == "prosecutor's") {
			m.office = true
		}
		if (prev(1) == "of" || prev(1) == "the" && prev(2) == "of") && (officeBefore[prev(2)] || officeBefore[prev(3)]) {
			m.office = true
		}
		m.refs = filterRefs(refs, m.kind)
		if len(m.refs) == 0 && m.kind == KindSettlement {
			// A division named bare: "Crimea".
			for _, r := range refs {
				if r.place < 0 && !strings.HasSuffix(x.g.divisions[r.div].en, "Oblast") {
					m.refs = append(m.refs, r)
					m.kind = KindOblast
				}
			}
		}
		m.text = f.text[t.start : toks[end].start+len(toks[end].text)]
		if end == last {
			m.text = m.base
		}
		// A first name that some village bears, before a surname:
		// "Ivan Fedorov" is a person.
		person := n == 1 && m.kind == KindSettlement && last+1 < len(toks) && isNameToken(toks[last+1]) && !x.isPlace(toks[last+1]) &&
			!(last+2 < len(toks) && (oblastWords[toks[last+2].low] || districtWords[toks[last+2].low] || communityWords[toks[last+2].low]))
		if (len(m.refs) > 0 || m.kind != KindSettlement) && !person {
			f.mentions = append(f.mentions, m)
		}
		i = end
	}
	// "in Bryansk, Kursk and Belgorod oblasts": the names listed before a
	// plural division word are divisions too.
	for k := len(f.mentions) - 1; k > 0; k-- {
		m := f.mentions[k]
		if m.kind != KindOblast || !strings.HasSuffix(strings.ToLower(m.text), "s") {
			continue
		}
		for j := k - 1; j >= 0; j-- {
			p := f.mentions[j]
			gap := toks[p.first+1].low
			if p.kind != KindSettlement || gap != "," && gap != "and" {
				break
			}
			if r := x.divisionRefs(p.base); len(r) > 0 {
				p.kind, p.refs = KindOblast, r
			}
		}
	}
	x.enumeration(f)
	// "Ukraine" as the place of a country-wide figure: "attacked Ukraine
	// with", "injured in Ukraine"; not "Ukraine's Air Force", not
	// "President of Ukraine".
	for i, t := range toks {
		if t.low == "ukraine" && t.text == "Ukraine" && i > 0 && countryPrepositions[toks[i-1].low] {
			f.mentions = append(f.mentions, &mention{text: "Ukraine", base: "Ukraine", kind: KindCountry, first: i, last: i, sentence: f, resolved: true,
				place: Place{Name: "Ukraine", Text: "Ukraine", Kind: KindCountry, Country: "UA"}})
		}
	}
}

var (
	settlementWords     = set("village", "town", "city", "settlement", "hamlet", "urban-type")
	countryPrepositions = set("in", "across", "on", "attacked", "against", "throughout", "struck", "hit", "over")
)

// enumeration adds the names of a list most of whose names are places
// but some of which the gazetteer lacks: "Kherson, Sadove, Prydniprovske,
// Antonivka ... and Sablukivka came under occupant fire". Small villages
// are not in it; the list says they are places.
func (x *extraction) enumeration(f *facts) {
	toks := f.toks
	known := map[int]bool{}
	for _, m := range f.mentions {
		known[m.first] = true
	}
	for i := 0; i < len(toks); {
		if !toks[i].cap || !toks[i].word {
			i++
			continue
		}
		var items []int
		j := i
		for j < len(toks) && toks[j].cap && toks[j].word {
			items = append(items, j)
			if j+2 < len(toks) && (toks[j+1].low == "," || toks[j+1].low == "and") && toks[j+2].cap && toks[j+2].word {
				j += 2
				continue
			}
			if j+3 < len(toks) && toks[j+1].low == "," && toks[j+2].low == "and" && toks[j+3].cap && toks[j+3].word {
				j += 3
				continue
			}
			break
		}
		hits := 0
		for _, k := range items {
			if known[k] {
				hits++
			}
		}
		if len(items) >= 3 && hits*2 >= len(items) {
			for _, k := range items {
				if !known[k] && !notPlaces[toks[k].low] {
					f.mentions = append(f.mentions, &mention{text: bare(toks[k]), base: bare(toks[k]), kind: KindSettlement, first: k, last: k, sentence: f})
				}
			}
		}
		i = j + 1
	}
}

// longest finds the longest run of capitalised words from toks[i] that
// names a place or division; n is 0 when none does.
func (x *extraction) longest(toks []token, i int) (int, []ref) {
	for n := min(x.g.maxWords, 4, len(toks)-i); n >= 1; n-- {
		ok := true
		for k := i; k < i+n; k++ {
			if !toks[k].word || !toks[k].cap {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		name := joinBare(toks[i : i+n])
		if n == 1 && notPlaces[strings.ToLower(name)] || len(name) < 3 {
			continue
		}
		if refs := x.g.find(fold(name)); len(refs) > 0 {
			return n, refs
		}
	}
	return 0, nil
}

func (x *extraction) divisionRefs(name string) []ref {
	return filterRefs(x.g.find(fold(name)), KindOblast)
}

// filterRefs keeps the entries of the kind a mention is: divisions for
// an oblast; settlements otherwise (a district or community is named
// after its centre).
func filterRefs(refs []ref, kind string) []ref {
	var out []ref
	for _, r := range refs {
		if (kind == KindOblast) == (r.place < 0) {
			out = append(out, r)
		}
	}
	return out
}

// bare is a token without a possessive 's.
func bare(t token) string {
	for _, suf := range []string{"'s", "’s", "ʼs"} {
		if strings.HasSuffix(t.text, suf) {
			return t.text[:len(t.text)-len(suf)]
		}
	}
	return t.text
}

func joinBare(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = bare(t)
	}
	return strings.Join(parts, " ")
}

// resolve chooses, for each mention, the gazetteer entry it means. A name
// that settlements in several oblasts bear is settled, in this order, by
// an oblast the sentence names, by a resolved place within 60 km in the
// same or a neighbouring sentence, by the oblasts the article is about,
// or by a city that dwarfs its namesakes; otherwise the most populous is
// chosen and the place is flagged ambiguous.
func (x *extraction) resolve() {
	// First the names that need no context; they are the context of the
	// others.
	var pending []*mention
	for _, f := range x.sents {
		for _, m := range f.mentions {
			if len(m.refs) > 0 && x.settled(m.refs) {
				x.choose(m, m.refs[0], false)
			} else {
				pending = append(pending, m)
			}
		}
	}
	context := map[int]int{} // division → weight
	for _, f := range x.sents {
		for _, m := range f.mentions {
			if m.resolved && m.place.Admin1 != "" {
				context[x.g.divCode[m.place.Admin1]]++
			}
		}
	}
	for _, m := range pending {
		if len(m.refs) == 0 {
			continue
		}
		cands := m.refs
		sentenceDivs := x.divisionsNear(m.sentence)
		if in := inDivisions(x.g, cands, sentenceDivs); len(in) > 0 {
			x.choose(m, in[0], false)
			continue
		}
		if r, ok := x.nearest(m); ok {
			x.choose(m, r, false)
			continue
		}
		if len(sentenceDivs) == 0 {
			if in := inDivisions(x.g, cands, context); len(in) > 0 {
				x.choose(m, in[0], false)
				continue
			}
		}
		if len(sentenceDivs) > 0 || x.contextDivision(context) >= 0 {
			// The text puts the place in an oblast where the gazetteer
			// has no place of that name: a village too small for it.
			// Say so rather than pick a namesake elsewhere.
			m.place = Place{Name: m.base, Text: m.text, Kind: m.kind, Ambiguous: true, Alternatives: len(cands)}
			m.resolved = true
			continue
		}
		x.choose(m, cands[0], true)
	}
	// The oblast of names the gazetteer lacks, from the sentence or the
	// article, when that is one.
	for _, f := range x.sents {
		for _, m := range f.mentions {
			if m.resolved && m.place.Admin1 != "" || m.kind == KindCountry {
				continue
			}
			if !m.resolved {
				m.place = Place{Name: m.text, Text: m.text, Kind: m.kind}
				if m.kind == KindDistrict || m.kind == KindCommunity {
					m.place.Name = m.text
				}
				m.resolved = true
			}
			d := -1
			if divs := x.divisionsNear(f); len(divs) == 1 {
				for k := range divs {
					d = k
				}
			} else if len(divs) == 0 {
				d = x.contextDivision(context)
			}
			if d >= 0 {
				div := x.g.divisions[d]
				m.place.Oblast, m.place.Admin1, m.place.Country = div.en, div.code, div.country
			}
		}
	}
}

// settled reports whether a name's entries leave no choice: one entry,
// all in one division, or a city at least ten times as large as any
// namesake (Kharkiv the city, not a hamlet of that name).
func (x *extraction) settled(refs []ref) bool {
	if len(refs) == 1 {
		return true
	}
	d := x.divOf(refs[0])
	same := true
	for _, r := range refs[1:] {
		if x.divOf(r) != d {
			same = false
		}
	}
	if same {
		return true
	}
	a, b := x.g.population(refs[0]), x.g.population(refs[1])
	return refs[0].place >= 0 && a >= 50000 && a >= 10*b
}

func (x *extraction) divOf(r ref) int {
	if r.place < 0 {
		return r.div
	}
	return x.g.places[r.place].div
}

func (x *extraction) choose(m *mention, r ref, ambiguous bool) {
	p := x.g.place(r)
	p.Text = m.text
	p.Kind = m.kind
	if m.kind == KindDistrict || m.kind == KindCommunity {
		p.Name = m.text
	}
	if m.kind == KindOblast && r.place >= 0 {
		p.Name = m.text
	}
	p.Ambiguous = ambiguous
	for _, o := range m.refs {
		if o != r && x.divOf(o) != x.divOf(r) {
			p.Alternatives++
		}
	}
	m.place = p
	m.resolved = true
}

// divisionsNear returns the divisions a sentence names or places itself
// in: its oblast mentions, titles, and resolved places.
func (x *extraction) divisionsNear(f *facts) map[int]int {
	divs := map[int]int{}
	for _, m := range f.mentions {
		switch {
		case m.kind == KindOblast && len(m.refs) > 0:
			divs[m.refs[0].div]++
		case m.resolved && m.place.Admin1 != "" && m.place.GeonameID != 0 && !m.place.Ambiguous:
			divs[x.g.divCode[m.place.Admin1]]++
		}
	}
	return divs
}

// contextDivision is the division an article is about, when one has
// more than half of its resolved mentions; -1 otherwise.
func (x *extraction) contextDivision(context map[int]int) int {
	total, best, bestN := 0, -1, 0
	for d, n := range context {
		total += n
		if n > bestN || n == bestN && d < best {
			best, bestN = d, n
		}
	}
	if best >= 0 && bestN*2 > total {
		return best
	}
	return -1
}

func inDivisions(g *Gazetteer, refs []ref, divs map[int]int) []ref {
	var out []ref
	for _, r := range refs {
		d := r.div
		if r.place >= 0 {
			d = g.places[r.place].div
		}
		if divs[d] > 0 {
			out = append(out, r)
		}
	}
	return out
}

// nearest is the entry closest to a resolved settlement named in the
// same sentence or the ones next to it, if it lies within 60 km.
func (x *extraction) nearest(m *mention) (ref, bool) {
	best, bestD := ref{}, 60.0
	found := false
	for k := max(0, m.sentence.index-1); k <= min(len(x.sents)-1, m.sentence.index+1); k++ {
		for _, o := range x.sents[k].mentions {
			if o == m || !o.resolved || o.place.GeonameID == 0 || o.place.Ambiguous {
				continue
			}
			for _, r := range m.refs {
				if r.place < 0 {
					continue
				}
				s := x.g.places[r.place]
				if d := distanceKm(s.lat, s.lon, o.place.Lat, o.place.Lon); d < bestD {
					best, bestD, found = r, d, true
				}
			}
		}
	}
	return best, found
}
