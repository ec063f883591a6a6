package osint

import (
	"strings"
)

// A figure is one casualty figure as a sentence states it.
type figure struct {
	value int
	// ts is the clock time the figure is given "as of" or "at", in
	// minutes, or -1: a later time supersedes an earlier figure.
	ts int
	// revised marks a figure stated as an update ("has risen to",
	// "now"); older, one stated as superseded ("initially", "earlier").
	revised, older bool
	order          int // the sentence's index, for "the latest"
}

// Words that name people, which casualty figures count.
var personNouns = set("people", "persons", "person", "civilians", "civilian", "residents", "resident", "others", "other", "more",
	"men", "man", "women", "woman", "children", "child", "boy", "girl", "boys", "girls", "teenager", "teenagers", "citizens",
	"citizen", "individuals", "individual", "victims", "victim", "adults", "adult", "minors", "minor", "wife", "husband",
	"couple", "policemen", "policeman", "police officers", "rescuers", "rescuer", "servicemen", "soldiers", "employees",
	"employee", "workers", "worker", "passengers", "passenger", "pensioner", "pensioners", "residents", "locals", "local",
	"countrymen", "fellow", "neighbor", "neighbour", "mother", "father", "son", "daughter", "infant", "baby", "toddler",
	"volunteer", "volunteers", "journalist", "journalists", "medic", "medics", "driver", "drivers", "homeowner", "dead",
	"injured", "wounded", "deceased", "killed", "civilian")

// Words that may stand between a count and its noun: "four more
// people", "two 16-year-old boys", "three local residents".
var personAdjectives = set("more", "other", "others", "further", "additional", "local", "young", "elderly", "old", "fellow",
	"married", "elderly", "civilian", "ukrainian", "russian", "female", "male", "seriously",
	"severely", "critically", "lightly", "slightly", "deceased", "dead", "injured", "wounded")

var possessives = set("his", "her", "their", "our", "its")

// Auxiliaries and adverbs between a subject and its verb: "were
// reportedly killed", "are already known to have died".
var auxiliaries = set("was", "were", "been", "be", "being", "have", "has", "had", "is", "are", "also", "reportedly", "reported",
	"known", "to", "already", "later", "now", "then", "so", "far", "fatally", "seriously", "severely", "critically", "slightly",
	"lightly", "mortally", "allegedly", "officially", "confirmed", "said", "believed", "thought", "as", "result", "a", "of",
	"subsequently", "eventually", "unfortunately", "sadly", "tragically", "likely",
	"currently", "still", "both", "all")

// Harm words and the figure they make: killed or wounded.
var harmWords = map[string]byte{
	"killed": 'k', "died": 'k', "dead": 'k', "deaths": 'k', "deceased": 'k', "killing": 'k', "kills": 'k', "kill": 'k',
	"perished": 'k', "fatalities": 'k', "die": 'k',
	"injured": 'w', "wounded": 'w', "injuring": 'w', "wounding": 'w', "injuries": 'w', "injury": 'w', "hurt": 'w',
	"injures": 'w', "wounds": 'w', "sought": 'w',
}

// active harm verbs take their count after them: "killed 11 people".
var activeHarm = set("killed", "killing", "kills", "kill", "injured", "injuring", "injures", "wounded", "wounding", "left", "leaving", "leaves")

// A wordSet is a set of lower-case words.
type wordSet map[string]bool

func set(words ...string) wordSet {
	m := make(wordSet, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// casualties finds the killed and wounded figures a sentence states.
// Each is a count of people tied to a harm word, before it ("two people
// were killed", "2 dead"), after it ("killing four people"), a toll
// ("the death toll has risen to three") or an explicit zero ("no one
// was injured"). A count it cannot tie to people is not a figure:
// "about a dozen", "several", "dozens" are not numbers, and "three
// casualties" does not say killed or wounded.
func casualties(f *facts) (killed, wounded []figure) {
	toks := f.toks
	add := func(kind byte, v int) {
		fig := figure{value: v, ts: f.ts, revised: f.revision, older: f.older, order: f.index}
		if kind == 'k' {
			killed = append(killed, fig)
		} else {
			wounded = append(wounded, fig)
		}
	}
	used := map[int]bool{} // count tokens already read, so one count is not read twice
	for v := 0; v < len(toks); v++ {
		w := toks[v].low
		// Tolls: "the death toll has risen to three", "the number of
		// people injured ... has increased to 11".
		if w == "toll" || w == "number" && v+1 < len(toks) && toks[v+1].low == "of" {
			kind := byte(0)
			end := min(len(toks), v+25)
			for j := max(0, v-2); j < end && kind == 0; j++ {
				switch toks[j].low {
				case "death", "killed", "dead", "deaths", "fatalities":
					kind = 'k'
				case "injured", "wounded", "injury", "injuries", "victims", "hurt":
					kind = 'w'
				case ".", ";":
					end = j
				}
			}
			for j := v + 1; j < end && kind != 0; j++ {
				if (toks[j].low == "to" || toks[j].low == "at") && j > 0 && riseWords[toks[j-1].low] {
					k := j + 1
					if k+1 < len(toks) && toks[k].low == "at" && toks[k+1].low == "least" {
						k += 2
					}
					if n, c := number(toks, k); c > 0 && !used[k] {
						used[k] = true
						fig := figure{value: n, ts: f.ts, revised: true, older: f.older, order: f.index}
						if kind == 'k' {
							killed = append(killed, fig)
						} else {
							wounded = append(wounded, fig)
						}
						v = k
					}
					break
				}
			}
			continue
		}
		// Explicit zeros.
		if (w == "no" || w == "nobody") && !f.hedged {
			if k, end := zeroAt(toks, v); k != 0 {
				if k == 'b' {
					add('k', 0)
					add('w', 0)
				} else {
					add(k, 0)
				}
				v = end // "no one was injured": not "one ... injured"
				continue
			}
		}
		// "the death of at least one person", "claiming the life of a
		// 42-year-old man", "took the lives of a boy, a woman and a man".
		if (w == "death" || w == "life" || w == "lives") && v+1 < len(toks) && toks[v+1].low == "of" {
			if n, ok := peopleAfter(toks, v+2, used); ok {
				add('k', n)
			}
			continue
		}
		kind, ok := harmWords[w]
		if !ok || hypothetical(toks, v) {
			continue
		}
		switch {
		case w == "sought":
			// "four more people sought medical assistance": counted as
			// wounded, as the authorities count them.
			if v+2 < len(toks) && toks[v+1].low == "medical" && (toks[v+2].low == "assistance" || toks[v+2].low == "help" || toks[v+2].low == "care" || toks[v+2].low == "attention") {
				if n, ok := peopleBefore(toks, v, used); ok {
					add('w', n)
				}
			}
			continue
		case w == "injuries" || w == "injury" || w == "wounds":
			// "resulting in three injuries"; "sustained fatal injuries";
			// "a man received an explosive injury".
			if n, c := number(toks, v-1); v > 0 && c > 0 && !used[v-1] {
				used[v-1] = true
				add('w', n)
				continue
			}
			j := v - 1
			fatal := false
			for j >= 0 && injuryWords[toks[j].low] {
				fatal = fatal || toks[j].low == "fatal"
				j--
			}
			if j >= 0 && sustainWords[toks[j].low] {
				if n, ok := peopleBefore(toks, j, used); ok {
					if fatal {
						add('k', n)
					} else {
						add('w', n)
					}
				}
			}
			continue
		case (w == "dead" || w == "injured" || w == "wounded" || w == "deceased") && v+1 < len(toks) && personNouns[toks[v+1].low] && toks[v+1].low != "dead":
			// "one deceased person", "four wounded adults", "a dead man".
			if n, c := countAt(toks, v-1, used); c {
				add(kind, n)
			}
			continue
		case w == "fatally" || v > 0 && toks[v-1].low == "fatally":
			kind = 'k'
		}
		if activeHarm[w] {
			if n, k, ok := countAfter(toks, v, used); ok {
				if k != 0 {
					kind = k
				}
				add(kind, n)
				continue
			}
			if w == "left" || w == "leaving" || w == "leaves" {
				continue
			}
		}
		if n, ok := peopleBefore(toks, v, used); ok {
			add(kind, n)
		}
	}
	return killed, wounded
}

var (
	injuryWords = set("a", "an", "explosive", "blast", "shrapnel", "multiple", "severe", "serious", "minor", "fatal", "mine-blast",
		"gunshot", "of", "varying", "severity", "various", "head", "leg", "burn")
	sustainWords      = set("sustained", "suffered", "received", "sustaining", "suffering", "receiving")
	asideLeads        = set("including", "among", "aged", "who", "which", "a", "an", "both", "one", "mostly", "all", "two", "three")
	placePrepositions = set("in", "on", "at", "from", "inside", "near")
	countEnds         = set(",", ".", ";", "and", "in", "on", "at", "as", "when", "after", "during", "—", "–", "-", ")", "including")
)

var riseWords = set("risen", "rose", "increased", "climbed", "reached", "grown", "grew", "jumped", "stands", "stood", "now", "is", "was", "up", "gone", "went")

// zeroAt reads an explicit zero at toks[i]: "no one was injured" (w),
// "nobody was killed" (k), "no casualties" (b: both); and the index of
// its last token.
func zeroAt(toks []token, i int) (byte, int) {
	j := i + 1
	if toks[i].low == "no" && j < len(toks) && toks[j].low == "one" {
		j++
	}
	if toks[i].low == "no" && j == i+1 {
		if j < len(toks) {
			switch toks[j].low {
			case "casualties", "victims":
				return 'b', j
			case "injuries", "injured", "wounded":
				return 'w', j
			case "deaths", "fatalities", "dead":
				return 'k', j
			}
		}
		return 0, i
	}
	for j < len(toks) && auxiliaries[toks[j].low] && toks[j].low != "a" && toks[j].low != "of" {
		j++
	}
	if j < len(toks) {
		if k, ok := harmWords[toks[j].low]; ok {
			return k, j
		}
	}
	return 0, i
}

// countAt reads a determiner or count at toks[i]: a number, or "a",
// "an", "another", "one" (which count one).
func countAt(toks []token, i int, used map[int]bool) (int, bool) {
	if i < 0 || used[i] {
		return 0, false
	}
	switch toks[i].low {
	case "a", "an", "another", "one":
		if toks[i].low == "another" && i+1 < len(toks) {
			// "another 15 citizens"
			if n, c := number(toks, i+1); c > 0 {
				used[i+1] = true
				return n, true
			}
		}
		used[i] = true
		return 1, true
	}
	// A count ends here: find where it starts ("twenty one", "1,500").
	for s := max(0, i-3); s <= i; s++ {
		if n, c := number(toks, s); c > 0 && s+c-1 == i {
			if s > 0 && approximate(toks, s) || notACount(toks, s, i) {
				return 0, false
			}
			for k := s; k <= i; k++ {
				used[k] = true
			}
			return n, true
		}
	}
	return 0, false
}

// modals make a harm what could happen, not what happened: "could kill
// 300 people", "100 people may die".
var modals = set("could", "may", "might", "would", "will", "can", "should", "must", "threatens", "threaten", "risk", "risks")

// hypothetical reports a harm word at toks[v] said of what may happen:
// after a modal a few words before, or in a sentence that begins with a
// condition ("If Russia strikes Kyiv again, ...").
func hypothetical(toks []token, v int) bool {
	for k := v - 1; k >= 0 && k >= v-3; k-- {
		if modals[toks[k].low] {
			return true
		}
	}
	return len(toks) > 0 && (toks[0].low == "if" || toks[0].low == "unless")
}

// notACount reports a number at toks[from:to+1] that counts no one: an
// age ("aged 43 to 81", "aged 19, 23, and 42"), or part of a model's name
// ("Shahed-131/136").
func notACount(toks []token, from, to int) bool {
	if from > 0 && toks[from-1].low == "/" || to+1 < len(toks) && toks[to+1].low == "/" {
		return true
	}
	if to+1 < len(toks) && (toks[to+1].low == "years" || toks[to+1].low == "year-old" || toks[to+1].low == "years-old") {
		return true
	}
	// Back over a list or range of numbers to the word that says they are
	// ages.
	for k := from - 1; k >= 0 && k >= from-8; k-- {
		switch t := toks[k]; {
		case t.low == "aged" || t.low == "age" || t.low == "ages":
			return true
		case t.digit || t.low == "," || t.low == "and" || t.low == "to" || t.low == "-" || t.low == "–":
			continue
		}
		return false
	}
	return false
}

// approximate reports a count that the text gives as an estimate: "about
// 20", "more than 60", "dozens of".
func approximate(toks []token, i int) bool {
	p := toks[i-1].low
	if p == "about" || p == "around" || p == "approximately" || p == "some" || p == "nearly" || p == "almost" || p == "roughly" || p == "over" || p == "up" {
		return true
	}
	return i > 1 && (toks[i-2].low == "more" || toks[i-2].low == "less" || toks[i-2].low == "fewer") && p == "than"
}

// peopleBefore reads the people a harm word at toks[v] is said of, from
// the words before it: "two people were killed", "a man and his wife
// died", "nine others, including a child, were injured".
func peopleBefore(toks []token, v int, used map[int]bool) (int, bool) {
	j := v - 1
	// The verb group: "were reportedly", "have been", "injured and".
	for j >= 0 {
		w := toks[j].low
		if auxiliaries[w] && w != "a" && w != "of" && w != "both" && w != "all" {
			j--
			continue
		}
		if (w == "and" || w == "or") && j > 0 {
			if _, ok := harmWords[toks[j-1].low]; ok {
				j -= 2
				continue
			}
		}
		break
	}
	if j < 0 {
		return 0, false
	}
	// A count directly before the verb: "at least 12 were injured",
	// "2 dead", "one killed".
	if n, ok := countAt(toks, j, used); ok && toks[j].low != "a" && toks[j].low != "an" {
		if toks[j].digit || smallNumbers[toks[j].low] > 0 || tens[toks[j].low] > 0 || toks[j].low == "another" || strings.Contains(toks[j].low, "-") {
			return n, true
		}
	}
	// An appositive or an aside between commas: ", including a child,",
	// ", aged 79 and 77,", ", a man and a woman,", ", who was ...,".
	var apposition []token
	if toks[j].low == "," {
		k := j - 1
		for k >= 0 && toks[k].low != "," && j-k < 14 {
			k--
		}
		if k >= 0 && toks[k].low == "," {
			lead := toks[k+1].low
			if asideLeads[lead] {
				apposition = toks[k+1 : j]
				j = k - 1
			}
		}
	}
	// A place or circumstance between subject and verb: "two people on
	// the street were injured", "nine people in Kharkiv city".
	if j >= 0 && !personNouns[toks[j].low] {
		for k := j; k >= max(0, j-4); k-- {
			if placePrepositions[toks[k].low] && k > 0 && personNouns[toks[k-1].low] {
				j = k - 1
				break
			}
		}
	}
	if n, ok := peopleList(toks, j, used); ok {
		return n, true
	}
	if apposition != nil {
		return peopleList(apposition, len(apposition)-1, map[int]bool{})
	}
	return 0, false
}

// peopleList reads, right to left from toks[j], one or more noun
// phrases of people joined by "and": "An 87-year-old man and his
// 81-year-old wife" is two; "four others" is four.
func peopleList(toks []token, j int, used map[int]bool) (int, bool) {
	total, found := 0, false
	for {
		n, start, ok := personPhrase(toks, j, used)
		if !ok {
			break
		}
		total += n
		found = true
		if start >= 2 && (toks[start-1].low == "and" || toks[start-1].low == ",") {
			j = start - 2
			continue
		}
		break
	}
	return total, found
}

// personPhrase reads one noun phrase of people ending at toks[j]: its
// count, and where it starts.
func personPhrase(toks []token, j int, used map[int]bool) (n, start int, ok bool) {
	if j < 0 || !personNouns[toks[j].low] || toks[j].low == "dead" || toks[j].low == "injured" || toks[j].low == "wounded" || toks[j].low == "killed" {
		return 0, 0, false
	}
	noun := toks[j].low
	k := j - 1
	for k >= 0 && !possessives[toks[k].low] && (personAdjectives[toks[k].low] || personNouns[toks[k].low] || strings.HasSuffix(toks[k].low, "-old")) {
		k--
	}
	// "two of our fellow residents": a count, "of", a determiner.
	if k >= 2 && possessives[toks[k].low] && toks[k-1].low == "of" {
		if c, ok := countAt(toks, k-2, used); ok {
			return c, k - 2, true
		}
	}
	if k >= 1 && toks[k].low == "of" {
		if c, ok := countAt(toks, k-1, used); ok {
			return c, k - 1, true
		}
	}
	if k >= 0 {
		switch {
		case toks[k].low == "the":
			// "the homeowner" is one person the text has counted or
			// not: not a count.
			return 0, 0, false
		case possessives[toks[k].low] && singular(noun):
			// "his 81-year-old wife"
			return 1, k, true
		case possessives[toks[k].low]:
			return 0, 0, false
		}
		if c, ok := countAt(toks, k, used); ok {
			if noun == "couple" {
				c *= 2
			}
			if (toks[k].low == "a" || toks[k].low == "an" || toks[k].low == "another") && !singular(noun) && noun != "couple" {
				return 0, 0, false
			}
			return c, k, true
		}
	}
	// A headline's bare noun: "Civilian killed as ...".
	if k < 0 && singular(noun) && toks[j].cap {
		return 1, j, true
	}
	return 0, 0, false
}

func singular(noun string) bool {
	return !strings.HasSuffix(noun, "s") && noun != "people" && noun != "men" && noun != "women" && noun != "children" &&
		noun != "more" && noun != "policemen" && noun != "servicemen" && noun != "countrymen" || noun == "couple"
}

// countAfter reads the count after an active harm verb at toks[v]:
// "killed at least 11 people", "injuring nine others", "left one
// injured". For "left" the kind comes from the word after the count.
func countAfter(toks []token, v int, used map[int]bool) (int, byte, bool) {
	k := v + 1
	if k+1 < len(toks) && toks[k].low == "at" && toks[k+1].low == "least" {
		k += 2
	}
	if k >= len(toks) || used[k] {
		return 0, 0, false
	}
	var n, c int
	switch toks[k].low {
	case "a", "an", "one":
		n, c = 1, 1
	default:
		n, c = number(toks, k)
	}
	if c == 0 || approximate(toks, k) {
		return 0, 0, false
	}
	next := k + c
	// What follows the count must be people, or nothing more: not
	// "killed 13 in June", "fired 12 times".
	for next < len(toks) && (personAdjectives[toks[next].low] || strings.HasSuffix(toks[next].low, "-old")) && !personNouns[toks[next].low] {
		next++
	}
	w := toks[v].low
	kind := byte(0)
	if w == "left" || w == "leaving" || w == "leaves" {
		for next < len(toks) && personNouns[toks[next].low] && harmWords[toks[next].low] == 0 {
			next++
		}
		if next >= len(toks) || harmWords[toks[next].low] == 0 {
			return 0, 0, false
		}
		kind = harmWords[toks[next].low]
	} else if next < len(toks) && !personNouns[toks[next].low] && !countEnds[toks[next].low] {
		return 0, 0, false
	}
	if toks[k].low == "a" || toks[k].low == "an" {
		if next >= len(toks) || !personNouns[toks[next].low] || !singular(toks[next].low) {
			return 0, 0, false
		}
	}
	for i := k; i < k+c; i++ {
		used[i] = true
	}
	return n, kind, true
}

// peopleAfter reads a list of people after "the lives of", "the death
// of": "a 42-year-old man", "at least one person", "a boy, a woman and a
// man".
func peopleAfter(toks []token, k int, used map[int]bool) (int, bool) {
	if k+1 < len(toks) && toks[k].low == "at" && toks[k+1].low == "least" {
		k += 2
	}
	total, found := 0, false
	for k < len(toks) {
		c, ok := countAt(toks, k, used)
		if !ok {
			break
		}
		j := k + 1
		if toks[k].low == "another" && j < len(toks) && toks[j].digit {
			j++
		}
		for j < len(toks) && !personNouns[toks[j].low] && (personAdjectives[toks[j].low] || strings.HasSuffix(toks[j].low, "-old")) {
			j++
		}
		if j >= len(toks) || !personNouns[toks[j].low] {
			break
		}
		total += c
		found = true
		j++
		if j+1 < len(toks) && (toks[j].low == "," || toks[j].low == "and") {
			if toks[j].low == "," && toks[j+1].low == "and" {
				j++
			}
			k = j + 1
			continue
		}
		break
	}
	return total, found
}

// latest picks, of the figures an incident's sentences state, the one
// to report: a figure given as of a later clock time supersedes; else a
// revision ("has risen to") or a later, larger figure does (tolls rise;
// a smaller figure later on is a part, or an earlier figure repeated,
// and a total is never added up from parts). A figure stated as
// superseded ("initially six") counts only when there is no other.
func latest(figs []figure) *int {
	var best *figure
	for i := range figs {
		f := &figs[i]
		switch {
		case best == nil:
			best = f
		case f.older && !best.older:
		case best.older && !f.older:
			best = f
		case f.ts >= 0 && best.ts >= 0:
			if f.ts > best.ts || f.ts == best.ts && f.value > best.value {
				best = f
			}
		case f.ts >= 0 && best.ts < 0 && f.order > best.order && f.value >= best.value:
			best = f
		case f.revised && f.order >= best.order:
			best = f
		case f.value > best.value:
			best = f
		}
	}
	if best == nil {
		return nil
	}
	v := best.value
	return &v
}
