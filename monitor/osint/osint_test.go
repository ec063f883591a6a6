package osint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func extract(t *testing.T, text string, published string) Result {
	t.Helper()
	a := Article{Outlet: "test", Body: []byte(text)}
	if published != "" {
		p, err := time.Parse(time.DateOnly, published)
		if err != nil {
			t.Fatal(err)
		}
		a.Published = p
	}
	res, err := Extract(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Candidates {
		for _, s := range c.Sentences {
			if !strings.Contains(res.Text, s) {
				t.Errorf("sentence %q is not in the text", s)
			}
		}
	}
	return res
}

func one(t *testing.T, res Result) Candidate {
	t.Helper()
	if len(res.Candidates) != 1 {
		t.Fatalf("%d candidates, want 1: %+v", len(res.Candidates), res.Candidates)
	}
	return res.Candidates[0]
}

func intp(p *int) string {
	if p == nil {
		return "nil"
	}
	return strconv.Itoa(*p)
}

func TestNumbers(t *testing.T) {
	for text, want := range map[string]int{
		"two": 2, "nineteen": 19, "twenty-one": 21, "one hundred and five": 105, "1,500": 1500, "14": 14,
		"ten thousand": 10000, "fifty": 50, "thirty two": 32,
	} {
		if got, n := number(tokenize(text), 0); n == 0 || got != want {
			t.Errorf("number(%q) = %d (%d tokens), want %d", text, got, n, want)
		}
	}
	for _, text := range []string{"42-year-old", "17:35", "the", "several", "dozens"} {
		if _, n := number(tokenize(text), 0); n != 0 {
			t.Errorf("number(%q) read a count", text)
		}
	}
}

// Casualty figures from number words and from people counted one by one.
func TestCasualtyWords(t *testing.T) {
	for _, tc := range []struct {
		text            string
		killed, wounded string
	}{
		{"Two people were injured in a Russian drone attack on Kyiv.", "nil", "2"},
		{"One person was killed and seven others were injured in the shelling of Kherson.", "1", "7"},
		{"A woman was injured when a drone hit her house in Kharkiv.", "nil", "1"},
		{"An 87-year-old man and his 81-year-old wife died when a shell hit their house in Kherson.", "2", "nil"},
		{"The missile strike on Dnipro killed at least 11 people and injured 35 more.", "11", "35"},
		{"A Russian strike on Sumy left one injured.", "nil", "1"},
		{"The attack on Odesa, killing four people and injuring nine others, damaged a school.", "4", "9"},
		{"Two civilians sustained fatal injuries in the strike on Kramatorsk. Another 15 citizens sustained injuries.", "2", "15"},
		{"Kherson region under fire: one killed, seven wounded", "1", "7"},
		{"The Russian drone attack on Zaporizhzhia claimed the life of a 42-year-old man.", "1", "nil"},
		{"A Russian strike on Odesa resulted in three injuries.", "nil", "3"},
	} {
		c := one(t, extract(t, tc.text, ""))
		if intp(c.Killed) != tc.killed || intp(c.Wounded) != tc.wounded {
			t.Errorf("%q: killed %s, wounded %s; want %s, %s", tc.text, intp(c.Killed), intp(c.Wounded), tc.killed, tc.wounded)
		}
	}
}

func TestRelativeDates(t *testing.T) {
	sat := time.Date(2024, 5, 25, 0, 0, 0, 0, time.UTC) // a Saturday
	for _, tc := range []struct {
		text                  string
		pub                   time.Time
		expr, date, precision string
	}{
		{"Russia struck Kharkiv on Saturday.", sat, "on Saturday", "2024-05-25", "day"},
		{"Russia struck Kharkiv on Thursday.", sat, "on Thursday", "2024-05-23", "day"},
		{"Drones attacked Kyiv on Thursday night.", sat, "on Thursday night", "2024-05-23", "night-of"},
		{"Drones attacked Kyiv overnight.", sat, "overnight", "2024-05-25", "night-of"},
		{"Drones attacked Kyiv last night.", sat, "last night", "2024-05-25", "night-of"},
		{"Drones attacked Kyiv yesterday.", sat, "yesterday", "2024-05-24", "day"},
		{"A missile hit Dnipro this morning.", sat, "this morning", "2024-05-25", "day"},
		{"A missile hit Dnipro on 25 September.", time.Date(2024, 9, 25, 0, 0, 0, 0, time.UTC), "on 25 September", "2024-09-25", "day"},
		{"A missile hit Odesa on December 31.", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), "on December 31", "2024-12-31", "day"},
		{"On the night of January 18, 2026, Russian troops attacked Kharkiv.", time.Time{}, "On the night of January 18, 2026", "2026-01-18", "night-of"},
		// Without a publication date, a day without its year stays
		// unresolved.
		{"Russian troops struck Kramatorsk on September 25.", time.Time{}, "on September 25", "", ""},
		{"Drones attacked Kyiv overnight.", time.Time{}, "overnight", "", ""},
		{"Over the past day, Russia shelled Kherson.", sat, "Over the past day", "", ""},
	} {
		w := when(tc.text, tc.pub)
		if w == nil || w.Expression != tc.expr || w.Date != tc.date || w.Precision != tc.precision {
			t.Errorf("when(%q) = %+v, want %q %q %q", tc.text, w, tc.expr, tc.date, tc.precision)
		}
	}
	// "The governor said on Friday" dates the statement, not the strike.
	if w := when("A drone hit Sumy, the governor said on Friday.", sat); w != nil {
		t.Errorf("the statement's day was read as the strike's: %+v", w)
	}
}

// When an article revises a figure, the latest is the one: an update
// ("rose to"), a figure as of a later time, not the initial one.
func TestRevisedFigures(t *testing.T) {
	c := one(t, extract(t, "Six people were injured in a Russian drone attack on Kharkiv, the mayor said. "+
		"Later, the number of injured rose to 11. Initially, the governor reported three injured.", "2026-01-24"))
	if intp(c.Wounded) != "11" {
		t.Errorf("wounded %s, want 11", intp(c.Wounded))
	}
	c = one(t, extract(t, "A Russian missile struck Sumy. As of 17:45, three people were killed and 11 were injured, the emergency service said. "+
		"As of 19:20, ten people were known to have been injured, the city council said.", "2025-05-06"))
	if intp(c.Wounded) != "10" || intp(c.Killed) != "3" {
		t.Errorf("killed %s, wounded %s; want 3, 10", intp(c.Killed), intp(c.Wounded))
	}
	// A day's total that includes a strike is not added to it.
	res := extract(t, "Russians shelled Kherson at night. Two people were killed and one was injured. "+
		"In total, over the past day, Russian shelling of the Kherson region killed four people and injured nine others.", "")
	if len(res.Candidates) != 2 || intp(res.Candidates[0].Killed) != "2" || intp(res.Candidates[1].Killed) != "4" {
		t.Errorf("want the night's strike (2 killed) and the day's total (4 killed) apart: %+v", res.Candidates)
	}
}

// Meetings, talks and political statements are not incidents, even
// where they speak of war and ceasefire.
func TestTalksAreNotIncidents(t *testing.T) {
	res := extract(t, "President Zelensky met French President Macron in Paris on Monday to discuss security guarantees. "+
		"\"A fragile ceasefire will only be another deception on the part of Russia and a prelude to a new war,\" Zelensky said. "+
		"Kremlin spokesman Dmitry Peskov said the talks with the US envoy were a normal working process.", "2025-02-18")
	if res.IsIncidentReport || len(res.Candidates) > 0 {
		t.Errorf("talks made candidates: %+v", res.Candidates)
	}
	if len(res.Statements) == 0 || res.Statements[0].Who != "Zelensky" {
		t.Errorf("statements %+v, want Zelensky's", res.Statements)
	}
	// A warning is not a strike either.
	res = extract(t, "The Air Force warned of Russian drones approaching Odesa and urged residents to seek shelter.", "")
	if len(res.Candidates) > 0 {
		t.Errorf("a warning made candidates: %+v", res.Candidates)
	}
}

// A figure not stated is absent, not guessed; zero only when the text
// says so.
func TestNothingInvented(t *testing.T) {
	c := one(t, extract(t, "A Russian strike hit a residential building in Sumy. Information about casualties is being clarified. "+
		"No calls for medical assistance have been received.", ""))
	if c.Killed != nil || c.Wounded != nil {
		t.Errorf("killed %s, wounded %s; want nil, nil", intp(c.Killed), intp(c.Wounded))
	}
	if len(c.WeaponClasses) != 0 || c.Counts != nil {
		t.Errorf("a strike of no stated weapon got %v %v", c.WeaponClasses, c.Counts)
	}
	if c.Target != "residential" {
		t.Errorf("target %q", c.Target)
	}
	c = one(t, extract(t, "Drones attacked the regional administration building in Belgorod; no one was injured, the governor said.", ""))
	if c.Wounded == nil || *c.Wounded != 0 || c.Killed != nil {
		t.Errorf("killed %s, wounded %s; want nil, 0", intp(c.Killed), intp(c.Wounded))
	}
	// A weapon feared is not a weapon used.
	c = one(t, extract(t, "Explosions were heard in Sumy, where two people were killed. The military had warned of the threat of drone attacks and guided aerial bombs.", ""))
	if len(c.WeaponClasses) != 0 {
		t.Errorf("weapons %v from a warning", c.WeaponClasses)
	}
	// Counts are the stated ones: "about a dozen" is not one.
	c = one(t, extract(t, "Air defence destroyed about a dozen attack drones over Kyiv; debris damaged a house. Russia also fired two Iskander-M missiles at Kyiv.", ""))
	if c.Counts["ballistic-missile"] != 2 || c.Counts["attack-drone"] != 0 || !slices.Contains(c.WeaponClasses, "attack-drone") {
		t.Errorf("counts %v, classes %v", c.Counts, c.WeaponClasses)
	}
}

func TestHTML(t *testing.T) {
	body := []byte(`<!doctype html><html><head><title>Site</title><script>var killed = 99;</script><style>p{}</style></head>
<body><nav><a href="/">Home</a> <a>Ten killed in Lviv</a></nav>
<article><h1>Drone attack on Odesa</h1>
<p>Russian drones attacked Odesa overnight, <b>injuring two people</b>, the head of the Odesa Regional Military Administration, Oleh Kiper, said.</p>
<figure><img src="x.jpg"><figcaption>Five killed in Kharkiv last week</figcaption></figure>
<p>An energy facility was damaged.</p></article>
<aside>Read more: Missile strike on Dnipro kills three</aside><footer>© outlet</footer></body></html>`)
	res, err := Extract(Article{Outlet: "x", Body: body, HTML: true, Published: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if res.Digest != hex.EncodeToString(sum[:]) {
		t.Errorf("digest %s", res.Digest)
	}
	for _, bad := range []string{"var killed", "Home", "Lviv", "Kharkiv", "Dnipro", "outlet"} {
		if strings.Contains(res.Text, bad) {
			t.Errorf("the text has %q, which is not the article's:\n%s", bad, res.Text)
		}
	}
	if !strings.Contains(res.Text, "Russian drones attacked Odesa overnight, injuring two people, the head") {
		t.Errorf("the paragraph is not one line:\n%s", res.Text)
	}
	c := one(t, res)
	if intp(c.Wounded) != "2" || c.Killed != nil || c.When.Date != "2025-01-02" || c.When.Precision != "night-of" ||
		!slices.Contains(c.WeaponClasses, "attack-drone") || c.Target != "energy" {
		t.Errorf("candidate %+v", c)
	}
	if c.Official == nil || c.Official.Name != "Oleh Kiper" || !strings.Contains(c.Official.Office, "head of the Odesa Regional Military Administration") {
		t.Errorf("official %+v", c.Official)
	}
	if len(c.Places) == 0 || c.Places[0].Name != "Odesa" || c.Places[0].GeonameID == 0 {
		t.Errorf("places %+v", c.Places)
	}
}

// A name that villages in several oblasts bear is flagged, unless the
// text says which oblast, or a place it names nearby settles it.
func TestAmbiguity(t *testing.T) {
	place := func(text, name string) Place {
		t.Helper()
		c := one(t, extract(t, text, ""))
		for _, p := range c.Places {
			if p.Text == name {
				return p
			}
		}
		t.Fatalf("%q: no place %q in %+v", text, name, c.Places)
		return Place{}
	}
	p := place("Russian shelling of Antonivka injured two people.", "Antonivka")
	if !p.Ambiguous || p.Alternatives == 0 {
		t.Errorf("Antonivka alone: %+v, want ambiguous", p)
	}
	p = place("Russian shelling of Antonivka in the Kherson region injured two people.", "Antonivka")
	if p.Ambiguous || p.Oblast != "Kherson Oblast" || p.GeonameID == 0 || p.Alternatives == 0 {
		t.Errorf("Antonivka in the Kherson region: %+v, want Kherson Oblast's, not ambiguous", p)
	}
	p = place("Russian troops shelled Kherson and Antonivka, injuring two people.", "Antonivka")
	if p.Ambiguous || p.Oblast != "Kherson Oblast" {
		t.Errorf("Antonivka beside Kherson: %+v, want Kherson Oblast's", p)
	}
	// A city dwarfs its namesakes; a spelling variant still resolves.
	p = place("A missile hit Zaporizhia, injuring five people.", "Zaporizhia")
	if p.Ambiguous || p.Name != "Zaporizhzhia" || p.Oblast != "Zaporizhzhia Oblast" {
		t.Errorf("Zaporizhia: %+v", p)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		body []byte
		want error
	}{
		{nil, ErrEmpty},
		{[]byte("   \n "), ErrEmpty},
		{[]byte("Drones hit \xff\xfe Kyiv"), ErrNotText},
		{[]byte("%PDF-1.7\x00\x01"), ErrNotText},
	} {
		res, err := Extract(Article{Body: tc.body}, nil)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: error %v, want %v", tc.body, err, tc.want)
		}
		if res.Digest == "" {
			t.Errorf("%q: no digest", tc.body)
		}
	}
}

func TestGazetteer(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() < 2500 {
		t.Errorf("%d places", g.Len())
	}
	ps := g.Lookup("Kharkiv")
	i := slices.IndexFunc(ps, func(p Place) bool { return p.Kind == KindSettlement })
	if i < 0 || ps[i].GeonameID != 706483 || ps[i].Oblast != "Kharkiv Oblast" || ps[i].Population < 1000000 {
		t.Fatalf("Lookup(Kharkiv) = %+v", ps)
	}
	for lang, want := range map[string]string{"en": "Kharkiv", "uk": "Харків", "ru": "Харьков", "fr": "Kharkiv"} {
		if got := g.Name(706483, lang); got != want {
			t.Errorf("Name(Kharkiv, %s) = %q, want %q", lang, got, want)
		}
	}
	if got := g.OblastName("UA.07", "uk"); got != "Харківська область" {
		t.Errorf("OblastName = %q", got)
	}
	if got := g.OblastName("RU.09", "en"); got != "Belgorod Oblast" {
		t.Errorf("OblastName = %q", got)
	}
	// Cyrillic and other romanisations find the same city.
	for _, n := range []string{"Харків", "Харьков", "Kharkov"} {
		if ps := g.Lookup(n); !slices.ContainsFunc(ps, func(p Place) bool { return p.GeonameID == 706483 }) {
			t.Errorf("Lookup(%s) = %+v", n, ps)
		}
	}
	if ps := g.Lookup("Oleksandrivka"); len(ps) < 5 {
		t.Errorf("Lookup(Oleksandrivka): %d places, want many", len(ps))
	}
	if g.Name(1, "en") != "" || g.OblastName("XX.01", "en") != "" {
		t.Error("unknown ids have names")
	}
}

func BenchmarkExtract(b *testing.B) {
	g, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	corpus := loadCorpus(b)
	arts := make([]Article, len(corpus))
	size := 0
	for i, a := range corpus {
		arts[i] = a.article(b)
		size += len(arts[i].Body)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range arts {
			if _, err := Extract(a, g); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Ages and model numbers are no counts of people or weapons: nothing is
// invented from them. (The count before an age, "seven people aged 43 to
// 81", is missed rather than guessed: absent, as a figure not read is.)
func TestNoCountsFromAgesOrModels(t *testing.T) {
	pub := time.Date(2026, 1, 24, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		text          string
		killed, wound *int
	}{
		{"Seven people aged 43 to 81 died in the strike on the market in Druzhkivka, the regional governor said.", ptr(7), nil},
		{"Two women aged 64 and 68 were injured in the shelling of Kupiansk, the regional governor said.", nil, ptr(2)},
		{"Russia attacked Mykolaiv overnight with Shahed-131/136 drones; three men, aged 19, 23, and 42, were wounded, the mayor said.", nil, ptr(3)},
		{"A 42-year-old man was killed in the drone strike on Kherson, the regional governor said.", ptr(1), nil},
	} {
		res, err := Extract(Article{Outlet: "Test", Published: pub, Body: []byte(c.text)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Candidates) != 1 {
			t.Errorf("%q: %d candidates", c.text, len(res.Candidates))
			continue
		}
		got := res.Candidates[0]
		if !orAbsent(got.Killed, c.killed) || !orAbsent(got.Wounded, c.wound) {
			t.Errorf("%q: killed %v wounded %v, want %v %v", c.text, show(got.Killed), show(got.Wounded), show(c.killed), show(c.wound))
		}
		for w, n := range got.Counts {
			if n > 100 {
				t.Errorf("%q: %d %s, read from a model's name", c.text, n, w)
			}
		}
	}
}

func ptr(n int) *int { return &n }

// orAbsent reports whether got is want, or absent: missed, not invented.
func orAbsent(got, want *int) bool { return got == nil || want != nil && *got == *want }

func show(p *int) any {
	if p == nil {
		return "none"
	}
	return *p
}

// What could happen is no casualty: a modal or a condition makes no
// figure.
func TestNoFiguresFromWhatMayHappen(t *testing.T) {
	pub := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, text := range []string{
		"Experts said a strike on the Kakhovka dam could kill 300 people in Kherson.",
		"If Russia strikes Kyiv again, 100 people may die, the mayor warned.",
		"A missile strike on the plant would kill thousands, officials said.",
	} {
		res, err := Extract(Article{Outlet: "Test", Published: pub, Body: []byte(text)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Candidates {
			if c.Killed != nil || c.Wounded != nil {
				t.Errorf("%q: killed %v wounded %v from what may happen", text, show(c.Killed), show(c.Wounded))
			}
		}
	}
}
