package energyweb_test

import (
	"io"
	"net/http"
	"regexp"
	"testing"
)

// BenchmarkStatementPage renders a monthly statement with its full trace
// (the demo's January: 2,976 quarter-hours of nine meters, settled again
// from the records committed before it and summed day by day), and its
// PDF, as a party reads them:
//
//	go test ./energy/web -run '^$' -bench StatementPage
func BenchmarkStatementPage(b *testing.B) {
	s := newSiteTB(b)
	c := s.clientTB(b, "ua-capital")
	_, page, _ := s.getTB(b, c, "/energy")
	m := regexp.MustCompile(`href="/energy-statements/([^"]+)">January 2026`).FindStringSubmatch(page)
	if m == nil {
		b.Fatal("no January statement")
	}
	for _, path := range []string{"/energy-statements/" + m[1], "/energy-statements/" + m[1] + "/statement.pdf"} {
		b.Run(map[bool]string{true: "pdf", false: "page"}[len(path) > 4 && path[len(path)-4:] == ".pdf"], func(b *testing.B) {
			for b.Loop() {
				res, err := c.Get(s.ts.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatal(res.Status)
				}
			}
		})
	}
}
