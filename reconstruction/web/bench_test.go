package reconstructionweb_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
	"github.com/parley-project/parley/web"
)

// portfolioTransactions is how many transactions each project of the
// benchmark's portfolio has: a commitment and a disbursement naming it,
// and 18 payments.
const portfolioTransactions = 20

// BenchmarkPortfolio builds a portfolio of published projects, each with
// a tender, a contract, a commitment and a disbursement naming it, and 18
// payments, all through the service with the transparency log, and then
// measures the gap page (rendered by the site) and the OCDS and IATI
// exports streamed whole. PARLEY_PORTFOLIO_PROJECTS sets how many projects
// (default 1,000); the portfolio is 100,000 (2,000,000
// transactions):
//
//	PARLEY_PORTFOLIO_PROJECTS=100000 go test ./reconstruction/web -run '^$' -bench Portfolio -benchtime 1x -timeout 90m
func BenchmarkPortfolio(b *testing.B) {
	n := 1000
	if v := os.Getenv("PARLEY_PORTFOLIO_PROJECTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("PARLEY_PORTFOLIO_PROJECTS=%q: want a number of projects", v)
		}
	}
	l := testkit.NewLog(b)
	d := testkit.NewDemo(b, testkit.DemoOptions{Log: l.Log})
	ctx := b.Context()
	med := d.Principal(b, "us-mediator")
	need := d.Find(b, "us-mediator", reconstruction.KindNeed, "region", "Zaporizhzhia oblast")

	start := time.Now()
	many := func(kind string, n int, body func(i int) any) []string {
		b.Helper()
		ids := make([]string, n)
		const chunk = 50000
		for from := 0; from < n; from += chunk {
			to := min(from+chunk, n)
			bodies := make([][]byte, to-from)
			for i := range bodies {
				bodies[i], _ = json.Marshal(body(from + i))
			}
			ws, errs := d.Service.CreateMany(ctx, med, kind, bodies)
			for i, err := range errs {
				if err != nil {
					b.Fatalf("%s %d: %v", kind, from+i, err)
				}
				ids[from+i] = ws[i].Entity.ID
			}
		}
		return ids
	}
	day := func(base string, i int) string {
		t, _ := time.Parse(time.DateOnly, base)
		return t.AddDate(0, 0, i%300).Format(time.DateOnly)
	}
	projects := many(reconstruction.KindProject, n, func(i int) any {
		return reconstruction.Project{Title: fmt.Sprintf("Project %d", i), NeedID: need, OwnerID: "ua", Status: "implementation", Start: "2026-02-01", Published: true}
	})
	tenders := many(reconstruction.KindTender, n, func(i int) any {
		return reconstruction.Tender{ProjectID: projects[i], Title: "Works", Method: "open", Status: "complete", Currency: "EUR", Value: "2000000.00", Date: "2026-02-10"}
	})
	contracts := many(reconstruction.KindContract, n, func(i int) any {
		return reconstruction.Contract{ProjectID: projects[i], TenderID: tenders[i], Title: "Works", Supplier: fmt.Sprintf("Supplier %d", i%997),
			Status: "active", Currency: "EUR", Value: "1900000.00", Signed: "2026-03-01"}
	})
	commitments := many(reconstruction.KindFlow, n, func(i int) any {
		return reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua", NeedID: need, ProjectID: projects[i], Instrument: "grant",
			Currency: "EUR", Amount: "2000000.00", Rate: "1.0842", Date: "2026-02-20", Announced: true}
	})
	many(reconstruction.KindFlow, n, func(i int) any {
		return reconstruction.Flow{Stage: reconstruction.Disbursement, DonorID: "us", RecipientID: "ua", NeedID: need, ProjectID: projects[i], Follows: commitments[i],
			Instrument: "grant", Currency: "EUR", Amount: "1500000.00", Rate: "1.0842", Date: "2026-03-05", Announced: true}
	})
	payments := portfolioTransactions - 2
	many(reconstruction.KindPayment, n*payments, func(i int) any {
		p := i % n
		return reconstruction.Payment{ProjectID: projects[p], ContractID: contracts[p], Amount: "100000.00", Currency: "EUR", Rate: "1.0842",
			Date: day("2026-03-02", i/n)}
	})
	b.Logf("portfolio of %d projects, %d transactions, built in %s", n, n*portfolioTransactions, time.Since(start).Round(time.Second))

	h, err := web.New(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&reconstructionweb.Section{}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("gap-page", func(b *testing.B) {
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/reconstruction", nil))
			if rec.Code != 200 {
				b.Fatalf("the gap page: %d", rec.Code)
			}
		}
	})
	export := func(name string, write func(w io.Writer, begin func()) error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				began := time.Now()
				var first time.Duration
				w := &countingWriter{}
				if err := write(w, func() { first = time.Since(began) }); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(first.Milliseconds()), "ms-to-first-byte")
				b.ReportMetric(float64(w.n)/(1<<20), "MiB")
			}
		})
	}
	export("ocds", func(w io.Writer, begin func()) error {
		return reconstructionweb.WriteOCDS(ctx, d.Service, w, "https://parley.example/ocds.json", begin)
	})
	export("iati", func(w io.Writer, begin func()) error {
		return reconstructionweb.WriteIATI(ctx, d.Service, w, begin)
	})
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
