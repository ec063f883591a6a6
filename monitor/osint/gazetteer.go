package osint

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// gazetteerData is built by scripts/gazetteer from GeoNames (CC BY 4.0);
// its README says from what and how.
//
//go:embed gazetteer.tsv.gz
var gazetteerData []byte

// Attribution is the credit that GeoNames' licence asks of anything that
// shows the gazetteer's data.
const Attribution = "Place names and coordinates: GeoNames (geonames.org), CC BY 4.0"

// Default returns the gazetteer parley ships, read once.
var Default = sync.OnceValues(func() (*Gazetteer, error) {
	return ReadGazetteer(bytes.NewReader(gazetteerData))
})

// A Gazetteer is the settlements and first-level divisions (oblasts) that
// article text is resolved against: Ukraine's, and those of the Russian
// oblasts on its border.
type Gazetteer struct {
	divisions []division
	places    []settlement
	byID      map[int]int
	// The index maps a name's key to places and divisions: exact keys
	// (fold) and loose ones (loosen) for spellings that differ only in
	// romanisation, such as Zaporizhia and Zaporizhzhia.
	exact, loose map[string][]ref
	divCode      map[string]int
	maxWords     int
}

type division struct {
	code, country, en, uk, ru string
}

type settlement struct {
	id         int
	en, uk, ru string
	div        int
	lat, lon   float64
	population int
	feature    string
}

// A ref is an index entry: a settlement (div < 0) or a division (place
// < 0), and whether the name is its primary one (English, Ukrainian or
// Russian) rather than another spelling.
type ref struct {
	place, div int
	primary    bool
}

// ReadGazetteer reads a gazetteer in the format scripts/gazetteer writes,
// gzipped or not.
func ReadGazetteer(r io.Reader) (*Gazetteer, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gazetteer: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	g := &Gazetteer{byID: map[int]int{}, exact: map[string][]ref{}, loose: map[string][]ref{}, divCode: map[string]int{}}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		col := strings.Split(text, "\t")
		switch {
		case col[0] == "A" && len(col) == 6:
			country, _, _ := strings.Cut(col[1], ".")
			d := len(g.divisions)
			g.divisions = append(g.divisions, division{code: col[1], country: country, en: col[2], uk: col[3], ru: col[4]})
			g.divCode[col[1]] = d
			// A division is named by its stem ("Kharkiv" in "Kharkiv
			// Oblast") only next to a word such as oblast or region,
			// which the extractor checks; the index holds the stems.
			for _, n := range append([]string{col[2], strings.TrimSuffix(col[2], " Oblast"), col[3], col[4]}, split(col[5])...) {
				g.add(n, ref{place: -1, div: d, primary: true})
			}
		case col[0] == "P" && len(col) == 11:
			id, err1 := strconv.Atoi(col[1])
			lat, err2 := strconv.ParseFloat(col[6], 64)
			lon, err3 := strconv.ParseFloat(col[7], 64)
			pop, err4 := strconv.Atoi(col[8])
			d, ok := g.divCode[col[5]]
			if err := cmpOr(err1, err2, err3, err4); err != nil || !ok {
				return nil, fmt.Errorf("gazetteer: line %d: bad place %q", line, col[1])
			}
			p := len(g.places)
			g.places = append(g.places, settlement{id: id, en: col[2], uk: col[3], ru: col[4], div: d, lat: lat, lon: lon, population: pop, feature: col[9]})
			g.byID[id] = p
			for _, n := range []string{col[2], col[3], col[4]} {
				g.add(n, ref{place: p, div: -1, primary: true})
			}
			for _, n := range split(col[10]) {
				g.add(n, ref{place: p, div: -1})
			}
		default:
			return nil, fmt.Errorf("gazetteer: line %d: not a division or a place", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	if len(g.places) == 0 {
		return nil, fmt.Errorf("gazetteer: no places")
	}
	return g, nil
}

func cmpOr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (g *Gazetteer) add(name string, r ref) {
	k := fold(name)
	if k == "" {
		return
	}
	if !slices.Contains(g.exact[k], r) {
		g.exact[k] = append(g.exact[k], r)
	}
	if l := loosen(k); !slices.Contains(g.loose[l], r) {
		g.loose[l] = append(g.loose[l], r)
	}
	g.maxWords = max(g.maxWords, strings.Count(k, " ")+1)
}

// fold is a name's index key: lower case, without diacritics and
// apostrophes, hyphens as spaces; Cyrillic stays Cyrillic.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == 'ʼ', r == '`':
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// loosen maps romanisations of one name to one key: the national
// Ukrainian system, the older BGN one and the press's own (Zaporizhzhia,
// Zaporizhzhya, Zaporizhia; Kryvyi, Kryvyy; Mykolaiv, Mykolayiv).
func loosen(k string) string {
	for _, r := range [][2]string{{"zhzh", "zh"}, {"yy", "i"}, {"yi", "i"}, {"iy", "i"}, {"ii", "i"}, {"y", "i"}, {"j", "i"}, {"ia", "a"}, {"ya", "a"}, {"ie", "e"}, {"ye", "e"}, {"iu", "u"}, {"yu", "u"}} {
		k = strings.ReplaceAll(k, r[0], r[1])
	}
	return k
}

// Lookup returns the places and divisions that bear a name, as written in
// any of the three languages or in another romanisation, most populous
// first; divisions (oblasts) have Kind "oblast". Places matched only by a
// name that is not their primary one (an old or foreign name) come only
// when no place bears it as its own.
func (g *Gazetteer) Lookup(name string) []Place {
	refs := g.find(fold(name))
	out := make([]Place, 0, len(refs))
	for _, r := range refs {
		out = append(out, g.place(r))
	}
	return out
}

// find returns the divisions and then the settlements that bear a name,
// each most populous first: those that bear it exactly, else those that
// bear a spelling of it (Zaporizhia for Zaporizhzhia); and of either,
// those whose own name it is, else those for which it is another name
// (Kiev, Stanislav).
func (g *Gazetteer) find(k string) []ref {
	if k == "" {
		return nil
	}
	var out []ref
	for _, div := range []bool{true, false} {
		kind := func(refs []ref) []ref {
			var o []ref
			for _, r := range refs {
				if (r.place < 0) == div {
					o = append(o, r)
				}
			}
			return o
		}
		refs := kind(g.exact[k])
		if len(refs) == 0 {
			refs = kind(g.loose[loosen(k)])
		}
		primary := slices.ContainsFunc(refs, func(r ref) bool { return r.primary })
		var keep []ref
		for _, r := range refs {
			if r.primary || !primary {
				keep = append(keep, r)
			}
		}
		slices.SortStableFunc(keep, func(a, b ref) int { return g.population(b) - g.population(a) })
		out = append(out, keep...)
	}
	return out
}

func (g *Gazetteer) population(r ref) int {
	if r.place < 0 {
		return math.MaxInt32
	}
	return g.places[r.place].population
}

func (g *Gazetteer) place(r ref) Place {
	if r.place < 0 {
		d := g.divisions[r.div]
		return Place{Name: d.en, Kind: KindOblast, Oblast: d.en, Admin1: d.code, Country: d.country}
	}
	s := g.places[r.place]
	d := g.divisions[s.div]
	return Place{Name: s.en, Kind: KindSettlement, Oblast: d.en, Admin1: d.code, Country: d.country, Lat: s.lat, Lon: s.lon,
		Population: s.population, GeonameID: s.id}
}

// Name returns a settlement's name in a language, "en", "uk" or "ru": the
// name in that language where GeoNames has it, else the English one; ""
// for an id the gazetteer lacks.
func (g *Gazetteer) Name(id int, lang string) string {
	i, ok := g.byID[id]
	if !ok {
		return ""
	}
	s := g.places[i]
	return pickLang(lang, s.en, s.uk, s.ru)
}

// OblastName returns a first-level division's name in a language, by its
// GeoNames code (Place.Admin1, as "UA.07"); "" for a code it lacks.
func (g *Gazetteer) OblastName(code, lang string) string {
	i, ok := g.divCode[code]
	if !ok {
		return ""
	}
	d := g.divisions[i]
	return pickLang(lang, d.en, d.uk, d.ru)
}

func pickLang(lang, en, uk, ru string) string {
	switch {
	case lang == "uk" && uk != "":
		return uk
	case lang == "ru" && ru != "":
		return ru
	}
	return en
}

// Len is the number of settlements.
func (g *Gazetteer) Len() int { return len(g.places) }

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
