package testkit

import (
	"bytes"
	"encoding/hex"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// PDFText returns the text of every page of a PDF, its runs joined by
// single spaces: a PDF has no spaces where a line wraps, so the lines of
// a wrapped paragraph are joined back with one (and a no-break space,
// which groups thousands in Ukrainian and Russian, reads as one too).
func PDFText(tb testing.TB, b []byte) string {
	tb.Helper()
	return strings.Join(PDFPages(tb, b), " ")
}

// PDFPages returns the text of each page of a PDF, as PDFText does.
//
// It reads the fonts' ToUnicode maps itself. fpdf maps a font's codes
// with one range, <0000> <FFFF> to <0000>, and ledongthuc/pdf adds a
// code's offset in a range to the last byte of its target only (as the
// PDF specification has ranges, within one last byte): every letter
// beyond U+00FF would lose its high byte, and Cyrillic come out as Latin
// punctuation ("р", U+0440, as "@"). Here the offset is added to the
// whole target.
func PDFPages(tb testing.TB, b []byte) []string {
	tb.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("not a PDF that can be read: %v", err)
	}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		var runs []string
		page := r.Page(i)
		fonts := map[string]func(string) string{}
		res := page.Resources().Key("Font")
		for _, name := range res.Keys() {
			fonts[name] = toUnicode(tb, res.Key(name).Key("ToUnicode"))
		}
		decode := latin1
		pdf.Interpret(page.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for i := len(args) - 1; i >= 0; i-- {
				args[i] = stk.Pop()
			}
			switch op {
			case "Tf":
				if len(args) == 2 {
					if decode = fonts[args[0].Name()]; decode == nil {
						decode = latin1
					}
				}
			case "Tj", "'", `"`:
				if len(args) > 0 {
					runs = append(runs, decode(args[len(args)-1].RawString()))
				}
			case "TJ":
				if len(args) == 1 {
					var s strings.Builder
					for j := 0; j < args[0].Len(); j++ {
						if v := args[0].Index(j); v.Kind() == pdf.String {
							s.WriteString(decode(v.RawString()))
						}
					}
					runs = append(runs, s.String())
				}
			}
		})
		pages = append(pages, strings.Join(strings.Fields(strings.Join(runs, " ")), " "))
	}
	return pages
}

func latin1(s string) string {
	r := make([]rune, len(s))
	for i := range len(s) {
		r[i] = rune(s[i])
	}
	return string(r)
}

var (
	cmapBlock = regexp.MustCompile(`(?s)begin(bfchar|bfrange)(.*?)endbf`)
	cmapEntry = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>\s*)?<([0-9A-Fa-f]+)>`)
)

// toUnicode reads a font's ToUnicode map (two-byte codes, as fpdf's
// fonts have) into a decoder of the strings shown in that font; a font
// without one shows bytes, read as Latin-1.
func toUnicode(tb testing.TB, v pdf.Value) func(string) string {
	if v.Kind() != pdf.Stream {
		return latin1
	}
	rc := v.Reader()
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		tb.Fatalf("reading a ToUnicode map: %v", err)
	}
	num := func(h string) int {
		b, _ := hex.DecodeString(h)
		n := 0
		for _, c := range b {
			n = n<<8 | int(c)
		}
		return n
	}
	type span struct{ lo, hi, dst int }
	chars := map[int]int{}
	var spans []span
	for _, block := range cmapBlock.FindAllStringSubmatch(string(raw), -1) {
		for _, e := range cmapEntry.FindAllStringSubmatch(block[2], -1) {
			if block[1] == "bfchar" {
				chars[num(e[1])] = num(e[3])
				continue
			}
			spans = append(spans, span{num(e[1]), num(e[2]), num(e[3])})
		}
	}
	return func(s string) string {
		var units []uint16
		for i := 0; i+1 < len(s); i += 2 {
			code := int(s[i])<<8 | int(s[i+1])
			u, ok := chars[code]
			for _, sp := range spans {
				if !ok && sp.lo <= code && code <= sp.hi {
					u, ok = sp.dst+code-sp.lo, true
				}
			}
			if ok {
				units = append(units, uint16(u))
			}
		}
		return string(utf16.Decode(units))
	}
}
