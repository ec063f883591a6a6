package osint

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText extracts the readable text of an HTML page: one line per
// paragraph, heading, list item or table row, without what is not the
// article (scripts, styles, navigation, footers, asides, forms, figures
// with their captions), since a caption or a "read more" box names other
// strikes.
func htmlText(b []byte) (string, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var lines []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Nav, atom.Footer, atom.Aside, atom.Noscript, atom.Template, atom.Form,
				atom.Iframe, atom.Svg, atom.Button, atom.Figure, atom.Figcaption, atom.Head, atom.Select, atom.Object:
				return
			case atom.Br:
				flush()
				return
			}
			if hidden(n) {
				return
			}
		}
		block := n.Type == html.ElementNode && blockElement[n.DataAtom]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(doc)
	flush()
	return strings.Join(lines, "\n"), nil
}

// hidden reports an element its page does not show, or marks as not
// part of the text (role navigation, aria-hidden).
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			return a.Val == "true"
		case "role":
			return a.Val == "navigation" || a.Val == "complementary" || a.Val == "contentinfo"
		}
	}
	return false
}

var blockElement = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Table: true,
	atom.Blockquote: true, atom.Section: true, atom.Article: true, atom.Main: true, atom.Header: true, atom.Pre: true,
	atom.Dd: true, atom.Dt: true, atom.Dl: true, atom.Title: true, atom.Body: true,
}

// plainText checks and normalises an uploaded plain-text body: UTF-8
// without NUL bytes, line ends as \n. The text is otherwise kept as it
// is, so that the sentences cited from it are verbatim.
func plainText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		bad := 0
		for bad < len(b) {
			r, n := utf8.DecodeRune(b[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		return "", fmt.Errorf("%w: the byte at offset %d is not UTF-8 (convert the file to UTF-8 first)", ErrNotText, bad)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return "", fmt.Errorf("%w: a NUL byte at offset %d; is it a binary file (PDF, Word)?", ErrNotText, i)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n"), nil
}

// A sentence is one sentence of the text, verbatim, with where it is.
type sentence struct {
	text  string
	line  int // index of its paragraph (line)
	start int // byte offset in the text
	first bool
	// heading marks a line that is a headline or label rather than
	// prose: it has no final stop and is short.
	heading bool
}

// linkLead matches the "read also" links that some outlets glue into
// their text; what follows it on its line is another article's title.
var linkLeads = []string{"Read also:", "Read more:", "See also:", "READ ALSO:", "Also read:", "Related:"}

// sentences splits text into lines and lines into sentences. A sentence
// ends at . ! ? (after any closing quotes or brackets) before a space
// and a capital, a digit or an opening quote, but not after a common
// abbreviation or an initial.
// MaxSentence bounds the sentences read: a news report's are a few hundred
// bytes, and reading one costs time that grows faster than its length, so
// a longer "sentence" (a table, a list run together) is left unread.
const MaxSentence = 2000

func sentences(text string) []sentence {
	var out []sentence
	offset := 0
	for li, line := range strings.Split(text, "\n") {
		lineStart := offset
		offset += len(line) + 1
		for _, lead := range linkLeads {
			if i := strings.Index(line, lead); i >= 0 {
				line = line[:i]
			}
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		base := lineStart + strings.Index(line, trimmed)
		heading := !strings.ContainsAny(trimmed[len(trimmed)-1:], ".!?:;\"”’)") && len(trimmed) < 160
		start := 0
		first := true
		emit := func(end int) {
			s := strings.TrimSpace(trimmed[start:end])
			if s != "" && len(s) <= MaxSentence {
				out = append(out, sentence{text: s, line: li, start: base + start + strings.Index(trimmed[start:end], s), first: first, heading: heading})
				first = false
			}
			start = end
		}
		for i := 0; i < len(trimmed); i++ {
			c := trimmed[i]
			if c != '.' && c != '!' && c != '?' {
				continue
			}
			j := i + 1
			for j < len(trimmed) {
				r, n := utf8.DecodeRuneInString(trimmed[j:])
				if !strings.ContainsRune("\"”’')]»", r) {
					break
				}
				j += n
			}
			if j >= len(trimmed) || trimmed[j] != ' ' {
				continue
			}
			k := j
			for k < len(trimmed) && trimmed[k] == ' ' {
				k++
			}
			if k >= len(trimmed) {
				continue
			}
			r, _ := utf8.DecodeRuneInString(trimmed[k:])
			if !(unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"“‘«(–-—•", r)) {
				continue
			}
			if c == '.' && abbreviation(trimmed[:i]) {
				continue
			}
			emit(j)
		}
		emit(len(trimmed))
	}
	return out
}

// abbreviation reports whether the word that ends before a full stop is
// an abbreviation or an initial, after which a sentence goes on.
func abbreviation(before string) bool {
	w := before
	if i := strings.LastIndexAny(before, " (\"“"); i >= 0 {
		w = before[i+1:]
	}
	if utf8.RuneCountInString(w) == 1 && unicode.IsUpper([]rune(w)[0]) {
		return true
	}
	switch strings.ToLower(w) {
	case "mr", "mrs", "ms", "dr", "st", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"gen", "col", "lt", "maj", "capt", "sgt", "gov", "u.s", "u.n", "a.m", "p.m", "approx", "vs", "e.g", "i.e", "prof", "rev", "vol":
		return true
	}
	return false
}
