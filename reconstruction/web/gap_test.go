package reconstructionweb_test

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
	reconstructionweb "github.com/parley-project/parley/reconstruction/web"
)

// cell returns the gap's figures of a sector and region, to the cent, by
// stage, and how many flows make each.
func cell(t *testing.T, g *reconstructionweb.Gap, sector, region string) (usd [3]string, flows [3]int64) {
	t.Helper()
	for _, r := range g.Rows {
		if r.Sector == sector && r.Region == region {
			for i, gv := range r.Given {
				usd[i], flows[i] = "0.00", gv.Flows
				if gv.USD != nil {
					usd[i] = reconstruction.Cents(gv.USD)
				}
			}
			return usd, flows
		}
	}
	t.Fatalf("no row for %s, %s", sector, region)
	return
}

// TestGapTotals: the gap's figures are the exact sums of the public flows
// at their rates, kept as flows are committed: a pledge counts once it is
// announced, and once only; a rebuild from the records gives the same
// totals, and the audit finds them as the records make them. In both
// stores (PostgreSQL with PARLEY_TEST_POSTGRES).
func TestGapTotals(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testGapTotals(t, testkit.DemoOptions{}) })
	t.Run("postgres", func(t *testing.T) {
		testGapTotals(t, testkit.DemoOptions{Postgres: testkit.PostgresSchema(t, "recon_")})
	})
}

func testGapTotals(t *testing.T, o testkit.DemoOptions) {
	d := testkit.NewDemo(t, o)
	ctx := t.Context()
	med := d.Principal(t, "us-mediator")
	observer := d.Principal(t, "ae-observer")
	read := func(caller *access.Principal) *reconstructionweb.Gap {
		t.Helper()
		g, err := reconstructionweb.ReadGap(ctx, d.Service, caller, "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	want := func(what string, g *reconstructionweb.Gap, usd [3]string, flows [3]int64) {
		t.Helper()
		got, n := cell(t, g, "energy", "Zaporizhzhia oblast")
		if got != usd || n != flows {
			t.Errorf("%s: energy, Zaporizhzhia oblast = %v from %v flows; want %v from %v", what, got, n, usd, flows)
		}
	}
	// The demo: a pledge of USD 2bn, a commitment of 750m, two
	// disbursements (120m and 40m); the dirham pledge is not announced,
	// and not counted, whoever reads.
	demo := [3]string{"2000000000.00", "750000000.00", "160000000.00"}
	want("the demo, anonymous", read(nil), demo, [3]int64{1, 1, 2})
	want("the demo, as the donor of the pledge not announced", read(&observer), demo, [3]int64{1, 1, 2})
	if g := read(nil); g.Basis == nil || g.Basis.V.Title != "Prosperity plan" || g.Remaining(g.Total).Cmp(big.NewRat(799250000000, 1)) != 0 {
		t.Errorf("the gap against the plan: basis %v, remaining %v; want the plan and 800bn less 750m committed", g.Basis, g.Remaining(g.Total))
	}

	// A commitment in euros: exactly its amount at its rate.
	need := d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Zaporizhzhia oblast")
	d.MustWrite(t, "us-mediator", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua",
		NeedID: need, Instrument: "grant", Currency: "EUR", Amount: "1000000.01", Rate: "1.0842", Date: "2026-04-01", Announced: true})
	want("after a euro commitment", read(nil), [3]string{"2000000000.00", "751084200.01", "160000000.00"}, [3]int64{1, 2, 2})

	// The dirham pledge announced: 1,836,250,000.00 at 0.2723 is
	// 500,010,875.00; its note changed after, it counts once.
	id := d.Find(t, "us-mediator", reconstruction.KindFlow, "currency", "AED")
	e, err := d.Service.Get(ctx, &med, reconstruction.KindFlow, id)
	if err != nil {
		t.Fatal(err)
	}
	var f reconstruction.Flow
	json.Unmarshal(e.Body, &f)
	for _, edit := range []func(){func() { f.Announced = true }, func() { f.Note = "Announced at the donors' conference." }} {
		edit()
		body, _ := json.Marshal(f)
		if _, err := d.Service.Update(ctx, med, reconstruction.KindFlow, id, body); err != nil {
			t.Fatal(err)
		}
	}
	after := [3]string{"2500010875.00", "751084200.01", "160000000.00"}
	want("after the announcement and a note", read(nil), after, [3]int64{2, 2, 2})

	// By donor and by instrument: the dollar pledges of the energy need and
	// of the conditional guarantee for housing, then the dirham loan.
	shares := func(ss []reconstructionweb.Share) map[string]string {
		out := map[string]string{}
		for _, s := range ss {
			out[s.Key] = reconstruction.Cents(s.Given[0].USD)
		}
		return out
	}
	g := read(nil)
	if got := shares(g.Donors); got["us"] != "2500000000.00" || got["ae"] != "500010875.00" || len(got) != 2 || g.Donors[0].Key != "us" {
		t.Errorf("pledged by donor: %v (first %s)", got, g.Donors[0].Key)
	}
	if got := shares(g.Instruments); got["grant"] != "2000000000.00" || got["guarantee"] != "500000000.00" || got["loan"] != "500010875.00" {
		t.Errorf("pledged by instrument: %v", got)
	}

	// Rebuilt from the records alone, the same; the audit agrees.
	if err := d.Service.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	want("after a rebuild", read(nil), after, [3]int64{2, 2, 2})
	rep, err := audit.Run(ctx, d.Service)
	if err != nil || len(rep.Findings) != 0 || rep.Tables < 2 {
		t.Errorf("the audit: %d domain tables, findings %v, %v; want the totals checked and nothing found", rep.Tables, rep.Findings, err)
	}
}
