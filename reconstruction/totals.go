package reconstruction

import (
	"context"
	"fmt"
	"math/big"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/record"
)

// The running totals of what was pledged, committed and disbursed against
// each need, by donor and instrument, in US dollars, kept as each flow is committed: the gap page
// reads them instead of every flow, so that it stays quick at millions of
// flows. A total is a function of the records (rebuilt and audited from
// them by the kernel) and holds public flows only, so that it may be read
// for anyone: a pledge counts from the record that announces it.

// TotalsScale is the power of ten a total is kept in units of: an amount
// has at most three decimals and a rate ten, so that every amount at its
// rate is a whole number of these units and the totals are exact.
const TotalsScale = 13

var totalsUnit = new(big.Int).Exp(big.NewInt(10), big.NewInt(TotalsScale), nil)

// totalsSchema is the same in both dialects.
const totalsSchema = `
CREATE TABLE reconstruction_totals (
	need_id TEXT NOT NULL,
	stage TEXT NOT NULL,
	donor_id TEXT NOT NULL,
	instrument TEXT NOT NULL,
	usd_units TEXT NOT NULL,
	flows BIGINT NOT NULL,
	illustrative BIGINT NOT NULL,
	PRIMARY KEY (need_id, stage, donor_id, instrument)
);
CREATE TABLE reconstruction_counted (flow_id TEXT PRIMARY KEY);
`

// Projections implements parley.WithProjections.
func (Domain) Projections() []parley.Projection {
	return []parley.Projection{{
		Name:       "reconstruction",
		Tables:     []string{"reconstruction_totals", "reconstruction_counted"},
		Migrations: map[string][]string{"sqlite": {totalsSchema}, "postgres": {totalsSchema}},
		Kinds:      []string{KindFlow},
		Apply:      applyTotals,
	}, exportProjection}
}

// applyTotals adds a public flow, once, to its need's total at its stage.
func applyTotals(ctx context.Context, tx parley.ProjectionTx, r parley.Record) error {
	f, ok := r.Entity.(*Flow)
	if !ok || r.Audience.Scope != record.Public {
		return nil
	}
	var seen int
	if found, err := tx.QueryRow(ctx, "SELECT 1 FROM reconstruction_counted WHERE flow_id = $1", []any{r.Subject}, &seen); err != nil || found {
		return err
	}
	units, err := USDUnits(f.Amount, f.Rate)
	if err != nil {
		return fmt.Errorf("flow %s: %w", r.Subject, err)
	}
	var cur string
	if _, err := tx.QueryRow(ctx, "SELECT usd_units FROM reconstruction_totals WHERE need_id = $1 AND stage = $2 AND donor_id = $3 AND instrument = $4",
		[]any{f.NeedID, f.Stage, f.DonorID, f.Instrument}, &cur); err != nil {
		return err
	}
	if cur == "" {
		cur = "0"
	}
	total, ok := new(big.Int).SetString(cur, 10)
	if !ok {
		return fmt.Errorf("the total of need %s at %s, %q, cannot be read", f.NeedID, f.Stage, cur)
	}
	total.Add(total, units)
	if err := tx.Exec(ctx, "INSERT INTO reconstruction_counted (flow_id) VALUES ($1)", r.Subject); err != nil {
		return err
	}
	illustrative := 0
	if f.Illustrative {
		illustrative = 1
	}
	return tx.Exec(ctx, `INSERT INTO reconstruction_totals (need_id, stage, donor_id, instrument, usd_units, flows, illustrative) VALUES ($1, $2, $3, $4, $5, 1, $6)
		ON CONFLICT (need_id, stage, donor_id, instrument) DO UPDATE SET usd_units = $5, flows = reconstruction_totals.flows + 1,
		illustrative = reconstruction_totals.illustrative + $6`, f.NeedID, f.Stage, f.DonorID, f.Instrument, total.String(), illustrative)
}

// USDUnits is an amount at its rate in US dollars, in units of
// 10^-TotalsScale dollars. Figures are read as the numbers they are;
// one that is no whole number of units is rounded half to even (none is,
// under the rules on decimals).
func USDUnits(amount, rate string) (*big.Int, error) {
	a, ok := new(big.Rat).SetString(amount)
	if !ok {
		return nil, fmt.Errorf("the amount %q cannot be read", amount)
	}
	x, ok := new(big.Rat).SetString(rate)
	if !ok {
		return nil, fmt.Errorf("the rate %q cannot be read", rate)
	}
	v := new(big.Rat).Mul(a, x)
	v.Mul(v, new(big.Rat).SetInt(totalsUnit))
	return roundHalfEven(v), nil
}

// FromUnits is a total kept in units as an exact amount of dollars.
func FromUnits(units *big.Int) *big.Rat { return new(big.Rat).SetFrac(units, totalsUnit) }
