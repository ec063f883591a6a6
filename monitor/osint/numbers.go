package osint

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A token is a word, a number or a mark of punctuation of a sentence.
type token struct {
	text  string // as written
	low   string // lower case, without a possessive 's
	start int    // byte offset in the sentence
	cap   bool   // begins with a capital letter
	word  bool   // letters (and hyphens, apostrophes)
	digit bool   // digits, as 1,500 or 17:35
}

// tokenize splits a sentence into tokens. Words keep inner hyphens and
// apostrophes (Ivano-Frankivsk, 42-year-old, prosecutor's); numbers keep
// thousands separators and clock times.
func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '№':
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += n2
					continue
				}
				// Inner marks: a hyphen or an apostrophe between letters, a
				// comma, stop or colon between digits.
				if strings.ContainsRune("-'’ʼ.,:", r2) && j+n2 < len(s) {
					r3, _ := utf8.DecodeRuneInString(s[j+n2:])
					prev, _ := utf8.DecodeLastRuneInString(s[:j])
					if strings.ContainsRune("-'’ʼ", r2) && unicode.IsLetter(r3) && (unicode.IsLetter(prev) || unicode.IsDigit(prev)) ||
						strings.ContainsRune("-", r2) && unicode.IsDigit(r3) && unicode.IsLetter(prev) ||
						strings.ContainsRune(".,:", r2) && unicode.IsDigit(r3) && unicode.IsDigit(prev) {
						j += n2
						continue
					}
				}
				break
			}
			w := s[i:j]
			low := strings.ToLower(w)
			for _, suf := range []string{"'s", "’s", "ʼs"} {
				low = strings.TrimSuffix(low, suf)
			}
			out = append(out, token{text: w, low: low, start: i, cap: unicode.IsUpper(r), word: !unicode.IsDigit(r), digit: unicode.IsDigit(r)})
			i = j
		default:
			out = append(out, token{text: s[i : i+n], low: s[i : i+n], start: i})
			i += n
		}
	}
	return out
}

var smallNumbers = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19}

var tens = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

// number reads a cardinal at toks[i]: digits (12, 1,500) or words (two,
// twenty-one, one hundred and five, ten thousand). It returns the value
// and how many tokens it took; n is 0 when there is no number there.
// Ordinals, ages (42-year-old), clock times and years are not counts.
func number(toks []token, i int) (v, n int) {
	if i < 0 || i >= len(toks) {
		return 0, 0
	}
	t := toks[i]
	if t.digit {
		if strings.ContainsAny(t.text, ":.") || strings.Contains(t.low, "-") {
			return 0, 0
		}
		d, err := strconv.Atoi(strings.ReplaceAll(t.text, ",", ""))
		if err != nil {
			return 0, 0
		}
		if i+1 < len(toks) && (toks[i+1].low == "thousand" || toks[i+1].low == "million") {
			return d * map[string]int{"thousand": 1000, "million": 1000000}[toks[i+1].low], 2
		}
		return d, 1
	}
	total, cur, used := 0, 0, 0
	for j := i; j < len(toks); j++ {
		w := toks[j].low
		switch {
		case smallNumbers[w] > 0 || w == "zero":
			if cur%10 != 0 || cur%100 >= 10 && cur%100 < 20 {
				return total + cur, used
			}
			cur += smallNumbers[w]
		case tens[w] > 0:
			if cur%100 != 0 {
				return total + cur, used
			}
			cur += tens[w]
		case strings.Contains(w, "-"):
			a, b, _ := strings.Cut(w, "-")
			if tens[a] == 0 || smallNumbers[b] == 0 || smallNumbers[b] > 9 || cur%100 != 0 {
				return total + cur, used
			}
			cur += tens[a] + smallNumbers[b]
		case w == "hundred" && used > 0:
			cur *= 100
		case (w == "thousand" || w == "million") && used > 0:
			total += cur * map[string]int{"thousand": 1000, "million": 1000000}[w]
			cur = 0
		case w == "and" && used > 0 && j+1 < len(toks) && (cur >= 100 || total > 0) && (smallNumbers[toks[j+1].low] > 0 || tens[toks[j+1].low] > 0):
			used++
			continue
		default:
			return total + cur, used
		}
		used++
	}
	return total + cur, used
}
