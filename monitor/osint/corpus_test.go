package osint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The hand-annotated corpus of testdata/osint (its README describes it).
type corpusArticle struct {
	ID        string `json:"id"`
	Outlet    string `json:"outlet"`
	URL       string `json:"url"`
	Published string `json:"published"`
	Text      string `json:"text"`
	Expected  struct {
		IsIncidentReport bool               `json:"is_incident_report"`
		Incidents        []expectedIncident `json:"incidents"`
		Statements       []struct {
			Who    string `json:"who"`
			Office string `json:"office"`
			Said   string `json:"said"`
		} `json:"statements"`
	} `json:"expected"`
}

type expectedIncident struct {
	What struct {
		WeaponClasses []string       `json:"weapon_classes"`
		Counts        map[string]int `json:"counts"`
		Target        string         `json:"target"`
	} `json:"what"`
	Where []struct {
		Name      string `json:"name"`
		Oblast    string `json:"oblast"`
		Ambiguous bool   `json:"ambiguous"`
	} `json:"where"`
	When struct {
		Expression   string  `json:"expression"`
		ResolvedDate *string `json:"resolved_date"`
	} `json:"when"`
	Killed         *int `json:"killed"`
	Wounded        *int `json:"wounded"`
	SourceOfficial *struct {
		Name   string `json:"name"`
		Office string `json:"office"`
	} `json:"source_official"`
	Sentences []string `json:"sentences"`
}

// The annotated corpus the extractor was developed against, and the
// held-out one (testdata/osint/heldout/README.md), never used to develop it.
const (
	corpusDir  = "../../testdata/osint/articles"
	heldOutDir = "../../testdata/osint/heldout"
)

func loadCorpus(t testing.TB) []corpusArticle { return loadCorpusDir(t, corpusDir) }

func loadCorpusDir(t testing.TB, dir string) []corpusArticle {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", dir, err)
	}
	var out []corpusArticle
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var a corpusArticle
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, a)
	}
	return out
}

func (a corpusArticle) article(t testing.TB) Article {
	art := Article{Outlet: a.Outlet, URL: a.URL, Body: []byte(a.Text)}
	if a.Published != "" {
		p, err := time.Parse(time.DateOnly, a.Published)
		if err != nil {
			t.Fatalf("%s: published %q: %v", a.ID, a.Published, err)
		}
		art.Published = p
	}
	return art
}

// overlap reports whether a candidate's sentence and an annotated one are
// the same: equal, or one containing the other (the annotators and the
// splitter cut a few sentences differently, as "UPDATED AT 19:55. The
// death toll ...").
func overlap(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == b {
		return true
	}
	if len(a) < 20 || len(b) < 20 {
		return false
	}
	return strings.Contains(a, b) || strings.Contains(b, a)
}

// The annotation's weapon names are not all vocab.WeaponClasses values:
// "drone" is attack-drone, "mlrs" rocket-artillery; "airstrike" (from
// aircraft, weapon not stated) and "other" (tanks) have no class in the
// vocabulary and are left out of the comparison. Both sides are compared
// as families: a cruise or ballistic missile is a missile, a mortar
// artillery.
func family(class string) string {
	switch class {
	case "drone", "attack-drone":
		return "attack-drone"
	case "missile", "cruise-missile", "ballistic-missile":
		return "missile"
	case "mlrs", "rocket-artillery":
		return "rocket-artillery"
	case "artillery", "mortar":
		return "artillery"
	case "glide-bomb":
		return "glide-bomb"
	case "small-arms", "mine":
		return class
	}
	// "airstrike", "other", "unknown", "mixed"; "shells", "attacks".
	return ""
}

// countFamily maps an annotated count's key ("missile (X-101)", "drone",
// "shells") to a weapon family; "" for counts of shells or attacks.
func countFamily(k string) string {
	base, _, _ := strings.Cut(k, " (")
	return family(base)
}

// placeKey is a place name for comparison: folded, loosened, without the
// word of its kind ("Kherson region" and "Kherson" are both "kherson"),
// so that "Zaporizhia" is "Zaporizhzhia".
func placeKey(name string) string {
	f := strings.Fields(fold(name))
	var keep []string
	for _, w := range f {
		if !set("region", "oblast", "oblasts", "district", "community", "city", "the", "hromada", "regions", "raion")[w] {
			keep = append(keep, w)
		}
	}
	return loosen(strings.Join(keep, " "))
}

// oblastKey compares oblast names: "Kyiv (city)" and "Kyiv City",
// "Kursk (Russia)" and "Kursk Oblast", Crimea and Sevastopol.
func oblastKey(s string) string {
	s = strings.ToLower(s)
	switch {
	case strings.Contains(s, "crimea") || strings.Contains(s, "sevastopol"):
		return "crimea"
	case strings.Contains(s, "city") && strings.Contains(s, "kyiv"):
		return "kyiv city"
	}
	s, _, _ = strings.Cut(s, " (")
	s = strings.TrimSuffix(s, " oblast")
	return loosen(fold(s))
}

// sameOfficial compares sources by surname, allowing for romanisation
// (Syniehubov, Synyehubov), or an institution's name, either containing
// the other.
func sameOfficial(a, b string) bool {
	fa, fb := strings.Fields(fold(a)), strings.Fields(fold(b))
	if len(fa) == 0 || len(fb) == 0 {
		return false
	}
	if strings.Contains(fold(a), fold(b)) || strings.Contains(fold(b), fold(a)) {
		return true
	}
	x, y := loosen(fa[len(fa)-1]), loosen(fb[len(fb)-1])
	return x == y || len(x) > 5 && levenshtein(x, y) <= 2
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// A tally counts, for one field, the values proposed, the values
// annotated and those that agree: precision is right/proposed, recall
// right/annotated.
type tally struct{ right, proposed, annotated int }

func (t tally) precision() float64 { return ratio(t.right, t.proposed) }
func (t tally) recall() float64    { return ratio(t.right, t.annotated) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// scores are the corpus figures.
type scores struct {
	incidents, killed, wounded, weapons, counts, places, oblasts, dates, officials, statements tally
	ambiguityAgree, ambiguityTotal                                                             int
	negativesClean, negatives                                                                  int
}

// match pairs candidates with annotated incidents one to one: a pair's
// score is how many of the incident's annotated sentences some sentence
// of the candidate overlaps; pairs are taken best first, and a pair that
// shares no sentence is no match.
func match(cands []Candidate, exp []expectedIncident) [][2]int {
	type pair struct{ c, e, n int }
	var pairs []pair
	for i, c := range cands {
		for j, e := range exp {
			n := 0
			for _, es := range e.Sentences {
				if slices.ContainsFunc(c.Sentences, func(cs string) bool { return overlap(cs, es) }) {
					n++
				}
			}
			if n > 0 {
				pairs = append(pairs, pair{i, j, n})
			}
		}
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].n > pairs[b].n })
	usedC, usedE := map[int]bool{}, map[int]bool{}
	var out [][2]int
	for _, p := range pairs {
		if !usedC[p.c] && !usedE[p.e] {
			usedC[p.c], usedE[p.e] = true, true
			out = append(out, [2]int{p.c, p.e})
		}
	}
	return out
}

func score(t testing.TB, corpus []corpusArticle, g *Gazetteer, debug bool) scores {
	var s scores
	for _, a := range corpus {
		res, err := Extract(a.article(t), g)
		if err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		exp := a.Expected.Incidents
		if !a.Expected.IsIncidentReport {
			s.negatives++
			if !res.IsIncidentReport && len(res.Candidates) == 0 {
				s.negativesClean++
			}
		}
		for _, c := range res.Candidates {
			for _, cs := range c.Sentences {
				if !strings.Contains(res.Text, cs) {
					t.Errorf("%s: a candidate's sentence is not in the text: %q", a.ID, cs)
				}
			}
		}
		pairs := match(res.Candidates, exp)
		s.incidents.proposed += len(res.Candidates)
		s.incidents.annotated += len(exp)
		s.incidents.right += len(pairs)
		if debug {
			t.Logf("=== %s %s (%s): %d candidates, %d annotated, %d matched", a.ID, a.Outlet, a.Published, len(res.Candidates), len(exp), len(pairs))
		}
		for _, p := range pairs {
			c, e := res.Candidates[p[0]], exp[p[1]]
			cmpInt(&s.killed, c.Killed, e.Killed)
			cmpInt(&s.wounded, c.Wounded, e.Wounded)
			cmpSet(&s.weapons, families(c.WeaponClasses), expectedFamilies(e.What.WeaponClasses))
			cmpSet(&s.counts, countPairs(c.Counts, family), countPairs(e.What.Counts, countFamily))
			var got, want []string
			for _, pl := range c.Places {
				got = append(got, placeKey(pl.Text))
			}
			for _, w := range e.Where {
				want = append(want, placeKey(w.Name))
			}
			cmpSet(&s.places, got, want)
			for _, w := range e.Where {
				for _, pl := range c.Places {
					if placeKey(pl.Text) != placeKey(w.Name) && placeKey(pl.Name) != placeKey(w.Name) {
						continue
					}
					if w.Oblast != "" {
						s.oblasts.annotated++
						if pl.Oblast != "" {
							s.oblasts.proposed++
							if oblastKey(pl.Oblast) == oblastKey(w.Oblast) {
								s.oblasts.right++
							}
						}
					}
					s.ambiguityTotal++
					if w.Ambiguous == (pl.Ambiguous || pl.Alternatives > 0) {
						s.ambiguityAgree++
					}
					break
				}
			}
			var wantDate string
			if e.When.ResolvedDate != nil {
				wantDate = *e.When.ResolvedDate
			}
			cmpString(&s.dates, c.When.Date, wantDate)
			var gotOff, wantOff string
			if c.Official != nil {
				gotOff = c.Official.Name
			}
			if e.SourceOfficial != nil {
				wantOff = e.SourceOfficial.Name
			}
			switch {
			case gotOff != "" && wantOff != "":
				s.officials.proposed++
				s.officials.annotated++
				if sameOfficial(gotOff, wantOff) {
					s.officials.right++
				}
			case gotOff != "":
				s.officials.proposed++
			case wantOff != "":
				s.officials.annotated++
			}
			if debug {
				t.Logf("  match %d~%d killed %v/%v wounded %v/%v weapons %v/%v counts %v/%v places %v/%v date %q/%q official %q/%q",
					p[0], p[1], deref(c.Killed), deref(e.Killed), deref(c.Wounded), deref(e.Wounded), c.WeaponClasses, e.What.WeaponClasses,
					c.Counts, e.What.Counts, got, want, c.When.Date, wantDate, gotOff, wantOff)
			}
		}
		if debug {
			for i, c := range res.Candidates {
				if !slices.ContainsFunc(pairs, func(p [2]int) bool { return p[0] == i }) {
					t.Logf("  extra candidate %d: %q killed %v wounded %v", i, c.Sentences, deref(c.Killed), deref(c.Wounded))
				}
			}
			for j, e := range exp {
				if !slices.ContainsFunc(pairs, func(p [2]int) bool { return p[1] == j }) {
					t.Logf("  missed incident %d: %q", j, e.Sentences)
				}
			}
		}
		// Statements: an annotated statement is found when a statement
		// of the same source contains its words (or they contain it).
		s.statements.annotated += len(a.Expected.Statements)
		s.statements.proposed += len(res.Statements)
		for _, es := range a.Expected.Statements {
			found := slices.ContainsFunc(res.Statements, func(st Statement) bool {
				return sameOfficial(st.Who, es.Who) && (strings.Contains(normText(st.Said), normText(es.Said)) || strings.Contains(normText(es.Said), normText(st.Said)))
			})
			if found {
				s.statements.right++
			}
			if debug && !found {
				t.Logf("  missed statement %q by %s; have %d", es.Said, es.Who, len(res.Statements))
			}
		}
	}
	return s
}

func normText(s string) string { return strings.Join(strings.Fields(fold(s)), " ") }

func deref(p *int) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func cmpInt(t *tally, got, want *int) {
	if got != nil {
		t.proposed++
	}
	if want != nil {
		t.annotated++
	}
	if got != nil && want != nil && *got == *want {
		t.right++
	}
}

func cmpString(t *tally, got, want string) {
	if got != "" {
		t.proposed++
	}
	if want != "" {
		t.annotated++
	}
	if got != "" && got == want {
		t.right++
	}
}

// cmpSet tallies two sets of strings.
func cmpSet(t *tally, got, want []string) {
	g, w := dedupe(got), dedupe(want)
	t.proposed += len(g)
	t.annotated += len(w)
	for _, x := range g {
		if slices.Contains(w, x) {
			t.right++
		}
	}
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func families(classes []string) []string {
	var out []string
	for _, c := range classes {
		out = append(out, family(c))
	}
	return out
}

func expectedFamilies(classes []string) []string { return families(classes) }

func countPairs(counts map[string]int, fam func(string) string) []string {
	sum := map[string]int{}
	for k, v := range counts {
		if f := fam(k); f != "" {
			sum[f] += v
		}
	}
	var out []string
	for k, v := range sum {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	return out
}

// TestCorpus measures the extractor against the hand-annotated corpus
// and fails below floors set a little under what it achieves, so that a
// change that makes it worse shows. Matching: a candidate matches an
// annotated incident when they share sentences (see match); incident
// precision is matched candidates over candidates, recall matched
// incidents over annotated ones. Field figures are over matched pairs:
// a killed or wounded figure, a date or an official is right when it
// equals the annotation (an official by surname); precision counts the
// values proposed, recall those annotated, so a figure invented where
// the annotation has none costs precision. Weapons (as families),
// counts and places (by name) are compared as sets.
func TestCorpus(t *testing.T) {
	evaluate(t, corpusDir, map[string]floor{
		"incidents":       {0.90, 0.85},
		"killed":          {0.95, 0.95},
		"wounded":         {0.90, 0.90},
		"weapon classes":  {0.90, 0.90},
		"weapon counts":   {0.85, 0.90},
		"places":          {0.85, 0.90},
		"places' oblasts": {0.90, 0.90},
		"dates":           {0.90, 0.90},
		"officials":       {0.80, 0.80},
		"statements":      {0.00, 0.80},
	}, 1)
}

// TestHeldOut runs the same evaluation on the held-out articles of
// testdata/osint/heldout, annotated by hand before the extractor was run
// on them and never used to tune it: its figures are the honest ones.
// The floors are a little under what the extractor achieved when the set
// was made (in the comments); do not tune the extractor on these articles.
func TestHeldOut(t *testing.T) {
	evaluate(t, heldOutDir, map[string]floor{
		"incidents":      {0.60, 0.65}, // 0.68, 0.72
		"killed":         {0.50, 0.65}, // 0.60, 0.75
		"wounded":        {0.45, 0.45}, // 0.53, 0.53
		"weapon classes": {0.80, 0.80}, // 0.86, 0.86
		// No matched incident has an annotated weapon count (the two
		// annotated are in incidents it missed), so recall is vacuous;
		// the precision is 0 (counts invented from "Shahed-131/136" and
		// from other incidents).
		"weapon counts":   {0.00, 0.00}, // 0.00, 1.00
		"places":          {0.70, 0.75}, // 0.76, 0.82
		"places' oblasts": {0.75, 0.75}, // 0.84, 0.84
		"dates":           {0.65, 0.65}, // 0.73, 0.73
		"officials":       {0.60, 0.50}, // 0.71, 0.57
		"statements":      {0.00, 0.55}, // 0.27, 0.67
	}, 0.5) // 1 of 2 negatives with no candidate
}

// A floor is the least precision and recall a field may have.
type floor struct{ precision, recall float64 }

// evaluate checks the annotations of the corpus in dir, measures the
// extractor against them, logs the table and fails below the floors, or
// when fewer than the share cleanNegatives of its negatives (talks and
// statements) yield no candidate.
func evaluate(t *testing.T, dir string, floors map[string]floor, cleanNegatives float64) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	corpus := loadCorpusDir(t, dir)
	for _, a := range corpus {
		for _, e := range a.Expected.Incidents {
			for _, s := range e.Sentences {
				if !strings.Contains(a.Text, s) {
					t.Errorf("%s: annotated sentence is not in the text: %q", a.ID, s)
				}
			}
			for _, v := range []*int{e.Killed, e.Wounded} {
				if v != nil && *v < 0 {
					t.Errorf("%s: negative casualty figure", a.ID)
				}
			}
		}
		for _, st := range a.Expected.Statements {
			if !strings.Contains(a.Text, st.Said) {
				t.Errorf("%s: annotated statement is not in the text: %q", a.ID, st.Said)
			}
		}
		if !a.Expected.IsIncidentReport && len(a.Expected.Incidents) > 0 {
			t.Errorf("%s: a negative with incidents", a.ID)
		}
	}
	s := score(t, corpus, g, os.Getenv("OSINT_DEBUG") != "")
	rows := []struct {
		name       string
		t          tally
		comparison string
	}{
		{"incidents", s.incidents, "candidate shares a sentence with the incident"},
		{"killed", s.killed, "equal figure"},
		{"wounded", s.wounded, "equal figure"},
		{"weapon classes", s.weapons, "families, as sets"},
		{"weapon counts", s.counts, "family=count, as sets"},
		{"places", s.places, "names, as sets"},
		{"places' oblasts", s.oblasts, "of the places matched"},
		{"dates", s.dates, "equal YYYY-MM-DD"},
		{"officials", s.officials, "same surname or institution"},
		{"statements", s.statements, "same source, words contained (annotations list some only)"},
	}
	t.Logf("%-16s %9s %9s %7s %7s %7s  %s", "field", "precision", "recall", "right", "propsd", "annotd", "compared as")
	for _, r := range rows {
		t.Logf("%-16s %9.2f %9.2f %7d %7d %7d  %s", r.name, r.t.precision(), r.t.recall(), r.t.right, r.t.proposed, r.t.annotated, r.comparison)
		f, ok := floors[r.name]
		if !ok {
			t.Fatalf("no floor for %s", r.name)
		}
		if r.t.precision() < f.precision || r.t.recall() < f.recall {
			t.Errorf("%s: precision %.2f, recall %.2f; floors %.2f, %.2f", r.name, r.t.precision(), r.t.recall(), f.precision, f.recall)
		}
	}
	t.Logf("negatives with no candidate: %d of %d", s.negativesClean, s.negatives)
	t.Logf("ambiguity flag (Ambiguous or Alternatives > 0) agrees with the annotation on %d of %d matched places", s.ambiguityAgree, s.ambiguityTotal)
	if ratio(s.negativesClean, s.negatives) < cleanNegatives {
		t.Errorf("a talks or statements article produced candidates")
	}
}
