package negotiationweb_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// firstPageText returns the text of the first page of a PDF.
func firstPageText(t *testing.T, b []byte) string {
	t.Helper()
	pages := testkit.PDFPages(t, b)
	if len(pages) < 1 {
		t.Fatal("the PDF has no pages")
	}
	return pages[0]
}

// TestPDFBrief makes Ukraine's brief as its negotiator, as the briefs page
// does, fetches it as a PDF as the negotiator's browser would, turns the
// first page into text, and checks what it says: the brief's title, the
// first aspect's heading, Ukraine's own position on it and what Russia's
// negotiator consented to relay to Ukraine, and never the rest of Russia's
// position, which Ukraine was not told. It checks the PDF that
// negotiationweb.BriefPDF renders directly says the same.
func TestPDFBrief(t *testing.T) {
	s := newSite(t)
	ua := s.as(t, "ua-negotiator")
	round := find(t, "rounds named Abu Dhabi, first trilateral round", load[talks.Round](t, s, ua, talks.KindRound),
		func(r *talks.Round) bool { return r.Name == "Abu Dhabi, first trilateral round" })

	written, err := negotiationweb.MakeBrief(t.Context(), s.demo.Service, *ua, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	brief, err := web.ItemOf[negotiation.Brief](written.Entity)
	if err != nil {
		t.Fatal(err)
	}
	const title = "Brief for Ukraine: Abu Dhabi, first trilateral round"
	if brief.V.Title != title {
		t.Fatalf("the brief's title is %q; want %q", brief.V.Title, title)
	}

	// The PDF as the UI serves it to Ukraine's negotiator.
	c := s.httpClient(t, "ua-negotiator")
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.ts.URL+"/briefs/"+brief.ID+"/pdf", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	served, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /briefs/%s/pdf: status %d\n%s\n%s", brief.ID, res.StatusCode, served, s.logs)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("GET /briefs/%s/pdf: Content-Type %q; want application/pdf", brief.ID, ct)
	}
	if !bytes.HasPrefix(served, []byte("%PDF-")) {
		t.Fatalf("GET /briefs/%s/pdf served no PDF: it starts %q", brief.ID, served[:min(len(served), 40)])
	}

	rendered, err := negotiationweb.BriefPDF(web.Printer(nil), brief.V, brief.RecordID)
	if err != nil {
		t.Fatal(err)
	}

	for _, pdf := range []struct {
		name string
		b    []byte
	}{{"the served PDF", served}, {"the PDF BriefPDF renders", rendered}} {
		text := firstPageText(t, pdf.b)
		t.Logf("%s: %d bytes; its first page reads (%d characters):\n%s", pdf.name, len(pdf.b), len(text), text)
		// The title first: without it, the checks of what is absent below
		// would pass on a page read as nothing.
		if !strings.Contains(text, title) {
			t.Fatalf("the first page of %s lacks the brief's title %q", pdf.name, title)
		}
		// The first aspect on the agenda, as a section heading before
		// Ukraine's position on it.
		if i, j := strings.Index(text, "Territory"), strings.Index(text, "Our position: Ukraine rejects"); i < 0 || j < i {
			t.Errorf("the first page of %s lacks the heading Territory before Ukraine's position on territory", pdf.name)
		}
		for _, want := range []string{
			// Ukraine's own position on territory, its value and its red line.
			"Our position: Ukraine rejects any withdrawal from the parts of Donetsk region it holds. A line can only be drawn where the forces stand, once a ceasefire holds.",
			"Value (line): the line of contact as it stands",
			"Red line: No withdrawal from the parts of Donetsk region Ukraine holds.",
			// What Russia consented to relay to Ukraine, and no more.
			`Relayed from Russia: "Russia demands that Ukraine withdraw from the parts of Donetsk region it still holds (Donbas)."`,
			// The record the PDF renders, in its footer.
			"Record " + brief.RecordID + " - page 1",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the first page of %s lacks %q", pdf.name, want)
			}
		}
		for _, never := range []string{
			// The rest of Russia's position on territory, never relayed.
			"Territory remains the condition for a lasting deal",
			// Its value and red line.
			"the administrative border of Donetsk region",
			"Ukraine's withdrawal from Donbas",
		} {
			if strings.Contains(text, never) {
				t.Errorf("the first page of %s shows Ukraine %q, of Russia's position, which was never relayed to it", pdf.name, never)
			}
		}
	}

	// The control: Moscow's brief, read the same way, does hold those
	// words, so their absence above is no typo's nor the reader's.
	ru := s.as(t, "ru-negotiator")
	written, err = negotiationweb.MakeBrief(t.Context(), s.demo.Service, *ru, round.ID)
	if err != nil {
		t.Fatal(err)
	}
	ruBrief, err := web.ItemOf[negotiation.Brief](written.Entity)
	if err != nil {
		t.Fatal(err)
	}
	b, err := negotiationweb.BriefPDF(web.Printer(nil), ruBrief.V, ruBrief.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	text := firstPageText(t, b)
	for _, own := range []string{
		"Brief for Russia: Abu Dhabi, first trilateral round",
		"Russia demands that Ukraine withdraw from the parts of Donetsk region it still holds (Donbas). Territory remains the condition for a lasting deal.",
		"Value (line): the administrative border of Donetsk region",
		"Red line: Ukraine's withdrawal from Donbas.",
	} {
		if !strings.Contains(text, own) {
			t.Errorf("the first page of Moscow's brief lacks %q, of Russia's own position:\n%s", own, text)
		}
	}
}
