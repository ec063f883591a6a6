package testkit

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// PDFText returns the text of every page of a PDF, its runs joined by
// single spaces: a PDF has no spaces where a line wraps, so the lines of
// a wrapped paragraph are joined back with one.
func PDFText(tb testing.TB, b []byte) string {
	tb.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("not a PDF that can be read: %v", err)
	}
	var texts []string
	for i := 1; i <= r.NumPage(); i++ {
		text, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			tb.Fatalf("reading the text of page %d: %v", i, err)
		}
		texts = append(texts, text)
	}
	return strings.Join(strings.Fields(strings.Join(texts, " ")), " ")
}
