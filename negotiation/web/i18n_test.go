package negotiationweb_test

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"

	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// strictSite is the site written through a strict bundle of every
// section's catalogues: it remembers each message a page asked for in
// Ukrainian or Russian that the catalogues lack.
func strictSite(t *testing.T) (*site, *i18n.Bundle) {
	t.Helper()
	b, err := web.Messages(sections())
	if err != nil {
		t.Fatal(err)
	}
	b.Strict()
	return newSiteWith(t, b), b
}

// get GETs path with c and returns the status and the body, its HTML
// entities read.
func get(t *testing.T, s *site, c *http.Client, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// TestPagesInEveryLanguage reads each of the negotiation's pages in
// Ukrainian and in Russian, as Ukraine's negotiator (its own positions,
// what Russia relayed to it, the text, a clause held back by a sequencing
// rule, the readiness of the text, its briefs): each page says its own
// words in the language asked for, and no message a page asked for is
// missing from the catalogues.
func TestPagesInEveryLanguage(t *testing.T) {
	s, b := strictSite(t)
	ua := s.as(t, "ua-negotiator")
	round := find(t, "rounds named Abu Dhabi, first trilateral round", load[talks.Round](t, s, ua, talks.KindRound),
		func(r *talks.Round) bool { return r.Name == "Abu Dhabi, first trilateral round" })
	written, err := negotiationweb.MakeBrief(t.Context(), s.demo.Service, *ua, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	positions := load[negotiation.Position](t, s, ua, negotiation.KindPosition)
	if len(positions) == 0 {
		t.Fatal("the demo has no position Ukraine's negotiator reads")
	}
	clauses := load[negotiation.Clause](t, s, ua, negotiation.KindClause)
	if len(clauses) == 0 {
		t.Fatal("the demo has no clause Ukraine's negotiator reads")
	}

	pages := []struct {
		path   string
		uk, ru string
	}{
		{"/positions", "Передано вашій стороні", "Передано вашей стороне"},
		{"/positions/" + positions[0].ID, "Позиція сторони", "Позиция стороны"},
		{"/text", "Правила послідовності", "Правила последовательности"},
		{"/readiness", "Що перешкоджає зустрічі лідерів", "Что препятствует встрече лидеров"},
		{"/briefs", "Довідки для столиць", "Справки для столиц"},
		{"/briefs/" + written.Entity.ID, "PDF для друку", "PDF для печати"},
	}
	for _, c := range clauses {
		pages = append(pages, struct{ path, uk, ru string }{"/clauses/" + c.ID, "Поточний стан", "Текущее состояние"})
	}
	c := s.httpClient(t, "ua-negotiator")
	for _, p := range pages {
		for _, lang := range []struct{ code, want string }{{i18n.Ukrainian, p.uk}, {i18n.Russian, p.ru}} {
			status, body := get(t, s, c, p.path+"?lang="+lang.code)
			if status != http.StatusOK {
				t.Errorf("GET %s?lang=%s: status %d\n%s\n%s", p.path, lang.code, status, body, s.logs)
				continue
			}
			if text := html.UnescapeString(string(body)); !strings.Contains(text, lang.want) {
				t.Errorf("GET %s?lang=%s lacks %q:\n%s", p.path, lang.code, lang.want, text)
			}
		}
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		if missed := b.Missed()[lang]; len(missed) > 0 {
			t.Errorf("the pages asked for %d messages that %s.json lacks:\n%s", len(missed), lang, strings.Join(missed, "\n"))
		}
	}
}

// TestPDFBriefInEveryLanguage renders Ukraine's brief with the Ukrainian
// and with the Russian printer, and as the UI serves it with ?in=uk and
// ?in=ru, and reads the PDFs' text: the document's own heading is in
// Cyrillic, in the language asked for, while the brief's content, a
// record, stays as it was made.
func TestPDFBriefInEveryLanguage(t *testing.T) {
	s, b := strictSite(t)
	ua := s.as(t, "ua-negotiator")
	written, err := negotiationweb.MakeBrief(t.Context(), s.demo.Service, *ua, "")
	if err != nil {
		t.Fatal(err)
	}
	brief, err := web.ItemOf[negotiation.Brief](written.Entity)
	if err != nil {
		t.Fatal(err)
	}
	c := s.httpClient(t, "ua-negotiator")
	for _, lang := range []struct{ code, heading string }{
		{i18n.Ukrainian, "Довідка для столиці"},
		{i18n.Russian, "Справка для столицы"},
	} {
		rendered, err := negotiationweb.BriefPDF(b.Printer(lang.code), brief.V, brief.RecordID)
		if err != nil {
			t.Fatal(err)
		}
		status, served := get(t, s, c, "/briefs/"+brief.ID+"/pdf?in="+lang.code)
		if status != http.StatusOK || !bytes.HasPrefix(served, []byte("%PDF-")) {
			t.Fatalf("GET /briefs/%s/pdf?in=%s: status %d, %.40q\n%s", brief.ID, lang.code, status, served, s.logs)
		}
		for _, pdf := range []struct {
			name string
			b    []byte
		}{{"the PDF BriefPDF renders", rendered}, {"the served PDF", served}} {
			text := firstPageRuns(t, pdf.b)
			t.Logf("%s in %s reads: %.300s", pdf.name, i18n.Names[lang.code], text)
			if !strings.Contains(text, lang.heading) {
				t.Errorf("%s in %s lacks the heading %q:\n%s", pdf.name, i18n.Names[lang.code], lang.heading, text)
			}
			if !strings.Contains(text, brief.V.Title) {
				t.Errorf("%s in %s lacks the brief's title %q, as it was made:\n%s", pdf.name, i18n.Names[lang.code], brief.V.Title, text)
			}
		}
	}
	for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
		if missed := b.Missed()[lang]; len(missed) > 0 {
			t.Errorf("the PDFs asked for %d messages that %s.json lacks:\n%s", len(missed), lang, strings.Join(missed, "\n"))
		}
	}
}

// firstPageRuns returns the text of the first page of a PDF parley made,
// its runs joined by single spaces. Its fonts are the Go fonts, embedded
// as Identity-H, whose codes are the characters' UTF-16: the reader's
// decoding (GetPlainText) reads fpdf's one-range ToUnicode map as adding
// only the last byte of a code, which turns Cyrillic into Latin-1, so the
// runs are read here from the page's content stream and decoded as they
// were written.
func firstPageRuns(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a PDF that can be read: %v", err)
	}
	if r.NumPage() < 1 {
		t.Fatal("the PDF has no pages")
	}
	var runs []string
	decode := func(v pdf.Value) {
		raw := v.RawString()
		u := make([]uint16, 0, len(raw)/2)
		for i := 0; i+1 < len(raw); i += 2 {
			u = append(u, uint16(raw[i])<<8|uint16(raw[i+1]))
		}
		runs = append(runs, string(utf16.Decode(u)))
	}
	pdf.Interpret(r.Page(1).V.Key("Contents"), func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "Tj", "'", `"`:
			if n := len(args); n > 0 && args[n-1].Kind() == pdf.String {
				decode(args[n-1])
			}
		case "TJ":
			if n := len(args); n > 0 && args[n-1].Kind() == pdf.Array {
				a := args[n-1]
				for i := range a.Len() {
					if a.Index(i).Kind() == pdf.String {
						decode(a.Index(i))
					}
				}
			}
		}
	})
	return strings.Join(strings.Fields(strings.Join(runs, " ")), " ")
}
