package osint

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// extraction is the state of one article's reading.
type extraction struct {
	text   string
	pub    time.Time
	g      *Gazetteer
	sents  []*facts
	people map[string]*source
	// source is the first source of a "Source:" line (Ukrainska Pravda
	// names its sources so): the official of a paragraph that quotes
	// without saying who.
	source *source
	// last is the last source named, for "he said".
	last *source
}

// facts is what one sentence says.
type facts struct {
	sentence
	index    int
	toks     []token
	low      string
	mentions []*mention
	killed   []figure
	wounded  []figure
	weapons  []weaponHit
	targets  []string
	when     *When
	speaker  *source
	ts       int
	// What kind of sentence it is.
	attack, damage, warning, talk, background, summary, national, separate bool
	older, revision, hedged                                                bool
}

func newExtraction(text string, pub time.Time, g *Gazetteer) *extraction {
	x := &extraction{text: text, pub: pub, g: g, people: map[string]*source{}}
	background := false
	for i, s := range sentences(text) {
		f := &facts{sentence: s, index: i, toks: tokenize(s.text), low: strings.ToLower(s.text)}
		// Ukrainska Pravda's "Background:" section, to the end, is
		// earlier news.
		if s.first && strings.HasPrefix(s.text, "Background:") {
			background = true
		}
		x.sents = append(x.sents, f)
		x.analyse(f)
		f.background = f.background || background
	}
	x.resolve()
	return x
}

// analyse reads one sentence's facts.
func (x *extraction) analyse(f *facts) {
	f.ts = clock(f.text)
	l := f.low
	f.older = containsAny(l, olderWords) && !containsAny(l, []string{"earlier today"})
	f.revision = containsAny(l, revisionWords) || f.ts >= 0
	f.hedged = containsAny(l, hedgeWords)
	f.summary = containsAny(l, summaryWords)
	f.separate = containsAny(l, separateWords)
	f.background = containsAny(l, backgroundWords) || x.historical(f)
	for _, t := range f.toks {
		switch {
		case attackWords[t.low]:
			f.attack = true
		case damageWords[t.low]:
			f.damage = true
		case warningWords[t.low]:
			f.warning = true
		case talkWords[t.low]:
			f.talk = true
		}
		if damageWords[t.low] {
			f.damage = true
		}
	}
	if strings.Contains(l, "under fire") || strings.Contains(l, "opened fire") || strings.Contains(l, "came under") || strings.Contains(l, "under attack") {
		f.attack = true
	}
	// "The military had warned of the threat of drone attacks", "drones
	// were seen approaching": a threat, not a strike.
	if f.warning && !strings.Contains(l, "killed") && !strings.Contains(l, "injured") {
		f.attack = false
	}
	x.findPlaces(f)
	f.killed, f.wounded = casualties(f)
	if !f.warning {
		f.weapons = weapons(f.text)
	}
	f.targets = targets(f.text)
	f.when = when(f.text, x.pub)
	f.national = containsAny(l, nationalWords) || slices.ContainsFunc(f.mentions, func(m *mention) bool { return m.kind == KindCountry })
	srcs := x.sources(f)
	if f.first && strings.HasPrefix(f.text, "Source:") && x.source == nil {
		for k := range srcs {
			if x.source == nil || srcs[k].first < x.source.first {
				s := srcs[k]
				x.source = &s
			}
		}
		if x.source != nil {
			x.source = x.register(x.source)
		}
	}
	for k := range srcs {
		if !srcs[k].org || len(srcs) == 1 {
			x.register(&srcs[k])
		}
	}
	if s := x.speaker(f, srcs); s != nil {
		f.speaker = x.register(s)
		x.last = f.speaker
	} else if f.first && strings.HasPrefix(f.text, "Quote") {
		f.speaker = x.quoteSource(f.text)
	}
}

// historical reports a sentence about a year before the article's:
// "killing more than 60 civilians in April 2022".
func (x *extraction) historical(f *facts) bool {
	for i, t := range f.toks {
		if !t.digit || len(t.text) != 4 || i == 0 {
			continue
		}
		y := 0
		for _, c := range t.text {
			y = y*10 + int(c-'0')
		}
		if y < 1990 || y > 2100 {
			continue
		}
		p := f.toks[i-1].low
		if p == "in" || p == "since" || i > 1 && f.toks[i-2].low == "in" && months[strings.ToLower(p[:min(3, len(p))])] != 0 {
			if x.pub.IsZero() || y < x.pub.Year() {
				return true
			}
		}
	}
	return false
}

// strong reports a sentence that reports an incident on its own: a
// casualty figure, or a strike with what it was made with, where it hit
// or what it did.
func (f *facts) strong() bool {
	if f.background || f.warning && len(f.killed)+len(f.wounded) == 0 {
		return false
	}
	figures := len(f.killed)+len(f.wounded) > 0
	counted := slices.ContainsFunc(f.weapons, func(w weaponHit) bool { return w.count > 0 })
	if f.talk && !figures && len(f.weapons) == 0 {
		return false
	}
	places := slices.ContainsFunc(f.mentions, func(m *mention) bool { return !m.office })
	return figures || f.attack && (len(f.weapons) > 0 || places || len(f.targets) > 0 || f.damage) || counted && f.attack
}

// relevant reports a sentence that can add to an incident: a strike, a
// weapon, damage, a casualty figure or word.
func (f *facts) relevant() bool {
	if f.background || f.warning {
		return false
	}
	return f.strong() || f.attack || f.damage || len(f.weapons) > 0 || len(f.targets) > 0 ||
		strings.Contains(f.low, "casualt") || strings.Contains(f.low, "victim") || strings.Contains(f.low, "injur") || strings.Contains(f.low, "killed")
}

// An incident is sentences about one strike, being grouped.
type incident struct {
	sents    []*facts
	places   []*mention
	national bool
	summary  bool
}

// placesOf is what a sentence says about where: its own place names;
// an event sentence without any takes the oblast or city of the title of
// whoever reports it ("Governor of the Voronezh region ... confirmed a
// fire").
func placesOf(f *facts) []*mention {
	var own, office []*mention
	for _, m := range f.mentions {
		if !m.resolved && m.kind != KindCountry {
			continue
		}
		if m.office {
			office = append(office, m)
		} else {
			own = append(own, m)
		}
	}
	if len(own) == 0 && f.strong() && (len(f.killed)+len(f.wounded) > 0 || len(f.weapons) > 0) {
		return office
	}
	return own
}

// key identifies a place for grouping: a settlement by its GeoNames id or
// name, a division by its code.
func key(m *mention) string {
	switch {
	case m.kind == KindOblast && m.place.Admin1 != "":
		return "o:" + m.place.Admin1
	case m.kind == KindOblast:
		return "o:" + strings.ToLower(m.place.Name)
	case m.kind == KindCountry:
		return "c:" + m.text
	case m.kind == KindSettlement && m.place.GeonameID != 0:
		return "s:" + strconv.Itoa(m.place.GeonameID)
	}
	return m.kind[:1] + ":" + loosen(fold(m.base))
}

// compatible reports whether a sentence's places can be of an incident:
// they share a place; or the incident is about one oblast (or nowhere
// yet) and the sentence's places lie in it; or the sentence names only
// oblasts that the incident's places lie in, a raion of the oblast the
// incident names, or a district of a city the gazetteer lacks
// (Holosiivskyi district) in the incident's oblast. Two settlements, or
// two raions, are two incidents.
func compatible(in *incident, ps []*mention) bool {
	if len(ps) == 0 || len(in.places) == 0 {
		return true
	}
	have := map[string]bool{}
	divs := map[string]bool{}  // oblasts of the incident's places
	named := map[string]bool{} // oblasts it names as such
	local, cityDistricts := 0, 0
	for _, m := range in.places {
		have[key(m)] = true
		if m.place.Admin1 != "" {
			divs[m.place.Admin1] = true
		}
		switch {
		case m.kind == KindOblast:
			named[m.place.Admin1+"|"+m.place.Name] = true
			if m.place.Admin1 != "" {
				named[m.place.Admin1] = true
			}
		case m.kind == KindCountry:
		case m.kind == KindDistrict && m.place.GeonameID == 0:
			cityDistricts++
		default:
			local++
		}
	}
	for _, m := range ps {
		if have[key(m)] {
			return true
		}
		// A hromada named after a city holds the city: "the Kherson
		// city territorial community" and Kherson.
		for _, o := range in.places {
			if m.place.GeonameID != 0 && m.place.GeonameID == o.place.GeonameID && (m.kind == KindCommunity || o.kind == KindCommunity) {
				return true
			}
		}
	}
	if in.national {
		return true
	}
	if local == 0 && cityDistricts == 0 {
		// About an oblast, or about nowhere yet.
		if len(named) > 2 {
			return false
		}
		for _, m := range ps {
			if m.place.Admin1 != "" && len(divs) > 0 && !divs[m.place.Admin1] || m.kind == KindOblast && m.place.Admin1 == "" {
				return false
			}
		}
		return true
	}
	for _, m := range ps {
		switch {
		case m.kind == KindCountry:
		case m.kind == KindOblast:
			if m.place.Admin1 == "" || !divs[m.place.Admin1] {
				return false
			}
		case m.kind == KindDistrict && m.place.GeonameID == 0:
			// A district of a city: of the incident's city, if in its
			// oblast.
			if m.place.Admin1 != "" && len(divs) > 0 && !divs[m.place.Admin1] {
				return false
			}
		case m.kind == KindDistrict && named[m.place.Admin1]:
			// A raion of the oblast the incident is about.
		case local == 0 && m.kind == KindSettlement && (m.place.Admin1 == "" || len(divs) == 0 || divs[m.place.Admin1]):
			// The city whose districts the incident names.
		default:
			return false
		}
	}
	return true
}

// group sorts the sentences into incidents. A sentence that reports a
// strike joins the current incident unless its places are elsewhere, it
// says it is another ("in a separate statement", "meanwhile"), it opens
// totals ("in total, over the past day") or a country-wide count, or it
// recalls an earlier strike on another date; then it opens one. Other
// relevant sentences join the current incident when their places fit.
// Background, warnings and talks join none.
func (x *extraction) group() []*incident {
	var out []*incident
	var cur *incident
	for _, f := range x.sents {
		if f.background {
			continue
		}
		ps := placesOf(f)
		if !f.relevant() {
			// An attribution ("Oleksandr Prokudin ... announced this")
			// joins the incident it is about, for its source.
			if cur != nil && f.speaker != nil && len(ps) <= 1 && compatible(cur, ps) && !f.talk && !f.warning {
				cur.sents = append(cur.sents, f)
			}
			continue
		}
		strong := f.strong()
		national := f.national && !slices.ContainsFunc(ps, func(m *mention) bool { return m.kind != KindCountry && m.kind != KindOblast }) &&
			(slices.ContainsFunc(f.weapons, func(w weaponHit) bool { return w.count > 0 }) || len(f.killed)+len(f.wounded) > 0)
		switch {
		case !strong && cur == nil:
			continue
		case national && (cur == nil || !cur.national):
			// Country-wide counts join the article's country-wide
			// incident, or open it.
			var nat *incident
			for _, in := range out {
				if in.national {
					nat = in
				}
			}
			if nat == nil {
				nat = &incident{national: true}
				out = append(out, nat)
			}
			cur = nat
			cur.add(f, ps)
			continue
		case cur == nil:
			cur = &incident{summary: f.summary}
			out = append(out, cur)
		case strong && x.opens(cur, f, ps):
			// Back to an earlier incident at the same place ("Quote:
			// the enemy attacked Oleksandrivka" after a paragraph on
			// Vovchansk), or a new one.
			if back := earlier(out, cur, f, ps); back != nil {
				cur = back
			} else {
				cur = &incident{summary: f.summary}
				out = append(out, cur)
			}
		case !strong && !compatible(cur, ps):
			back := earlier(out, cur, f, ps)
			if back == nil {
				continue
			}
			cur = back
		}
		cur.add(f, ps)
	}
	// An incident needs a strike: a sentence of attack words alone
	// ("there was damage") does not make one.
	var kept []*incident
	for _, in := range out {
		if slices.ContainsFunc(in.sents, func(f *facts) bool { return f.strong() }) {
			kept = append(kept, in)
		}
	}
	return kept
}

// earlier finds an incident before cur that names one of a sentence's
// settlements or districts, when the sentence does not say it is
// another strike.
func earlier(out []*incident, cur *incident, f *facts, ps []*mention) *incident {
	if f.separate || f.summaryOpen() {
		return nil
	}
	for i := len(out) - 1; i >= 0; i-- {
		in := out[i]
		if in == cur || in.national {
			continue
		}
		for _, m := range ps {
			if m.kind == KindOblast || m.kind == KindCountry {
				continue
			}
			if slices.ContainsFunc(in.places, func(o *mention) bool { return key(o) == key(m) }) {
				return in
			}
		}
	}
	return nil
}

// summaryOpen reports a sentence that opens totals: "In total, over the
// past day ...", "Overall the enemy attacked ...".
func (f *facts) summaryOpen() bool {
	return containsAny(f.low, []string{"in total", "overall", "in general", "all in all"})
}

// opens reports whether a strike sentence begins a new incident.
func (x *extraction) opens(cur *incident, f *facts, ps []*mention) bool {
	if !compatible(cur, ps) {
		return true
	}
	if f.separate && len(ps) > 0 {
		return true
	}
	if f.summaryOpen() && !cur.summary && len(cur.sents) > 0 {
		return true
	}
	if cur.national && !f.national && len(ps) > 0 {
		return true
	}
	// "As Ukrinform previously reported, six people were injured ... on
	// the night of December 31": an earlier strike, on its own date.
	if f.older && f.when != nil && dated(f.when) {
		for _, s := range cur.sents {
			if s.when != nil && s.when.Expression == f.when.Expression {
				return false
			}
		}
		return true
	}
	return false
}

// dated reports an expression with a calendar date in it.
func dated(w *When) bool {
	return dateRE.MatchString(w.Expression)
}

func (in *incident) add(f *facts, ps []*mention) {
	in.sents = append(in.sents, f)
	for _, m := range ps {
		if !slices.ContainsFunc(in.places, func(o *mention) bool { return key(o) == key(m) }) {
			in.places = append(in.places, m)
		}
	}
	if f.summary {
		in.summary = true
	}
}

// candidates builds the candidate reports. An incident that says nothing
// of when takes the time of the article's first dated incident before
// it ("overnight on Jan. 28 ... In Bilohorodka, two were killed"),
// unless it is recalled as earlier news.
func (x *extraction) candidates() []Candidate {
	var out []Candidate
	var lead *When
	for _, in := range x.group() {
		c := x.candidate(in)
		switch {
		case c.When.Date != "" && lead == nil:
			lead = &c.When
		case c.When.Expression == "" && lead != nil && !in.sents[0].older:
			c.When = *lead
		}
		out = append(out, c)
	}
	return out
}

func (x *extraction) candidate(in *incident) Candidate {
	c := Candidate{Target: "unknown"}
	var killed, wounded []figure
	classes := map[string]bool{}
	weak := map[string]bool{}
	counts := map[string]int{}
	aerial := false
	for _, f := range in.sents {
		aerial = aerial || containsAny(f.low, []string{"airstrike", "air strike", "aircraft", "aviation", "bombardment", "air raid"})
		c.Sentences = append(c.Sentences, f.text)
		killed = append(killed, f.killed...)
		wounded = append(wounded, f.wounded...)
		sum := map[string]int{}
		for _, w := range f.weapons {
			if w.weak {
				weak[w.class] = true
				continue
			}
			classes[w.class] = true
			sum[w.class] += w.count
		}
		// The largest count stated in one sentence: a total and its
		// parts are not added up.
		for k, v := range sum {
			if v > counts[k] {
				counts[k] = v
			}
		}
		if c.Target == "unknown" && len(f.targets) > 0 && (f.strong() || f.damage || f.attack) {
			c.Target = f.targets[0]
		}
		if f.when != nil && !f.older && (c.When.Expression == "" || c.When.Date == "" && f.when.Date != "") {
			c.When = *f.when
		}
		if c.Official == nil && f.speaker != nil {
			c.Official = &Official{Name: f.speaker.name, Office: f.speaker.office}
		}
	}
	if c.When.Expression == "" {
		for _, f := range in.sents {
			if f.when != nil {
				c.When = *f.when
				break
			}
		}
	}
	// "Shelling" is said of any strike: artillery only when nothing more
	// specific is named, nor an air strike.
	if weak["artillery"] && len(classes) == 0 && !aerial {
		classes["artillery"] = true
	}
	// "Two Iskander-type missiles ... the missiles": the class named
	// more precisely stands for the general one.
	if classes["cruise-missile"] || classes["ballistic-missile"] {
		delete(classes, "missile")
	}
	for _, w := range weaponOrder {
		if classes[w] {
			c.WeaponClasses = append(c.WeaponClasses, w)
		}
	}
	for k, v := range counts {
		if v > 0 {
			if c.Counts == nil {
				c.Counts = map[string]int{}
			}
			c.Counts[k] = v
		}
	}
	c.Killed, c.Wounded = latest(killed), latest(wounded)
	if c.Official == nil && x.source != nil {
		c.Official = &Official{Name: x.source.name, Office: x.source.office}
	}
	if c.Official != nil {
		if p, ok := x.people[surname(c.Official.Name)]; ok && !strings.Contains(c.Official.Name, " ") {
			c.Official = &Official{Name: p.name, Office: p.office}
		}
	}
	for _, m := range in.places {
		p := m.place
		if p.Sentence == "" {
			p.Sentence = m.sentence.text
		}
		c.Places = append(c.Places, p)
	}
	// The oblast of a district or village the gazetteer lacks, from the
	// incident's resolved places.
	for i := range c.Places {
		if c.Places[i].Admin1 != "" {
			continue
		}
		for _, o := range c.Places {
			if o.Admin1 != "" && o.Kind != KindCountry {
				c.Places[i].Oblast, c.Places[i].Admin1, c.Places[i].Country = o.Oblast, o.Admin1, o.Country
				break
			}
		}
	}
	return c
}

// weaponOrder is vocab.WeaponClasses' order.
var weaponOrder = []string{"attack-drone", "missile", "cruise-missile", "ballistic-missile", "glide-bomb", "artillery", "rocket-artillery",
	"mortar", "small-arms", "mine"}
