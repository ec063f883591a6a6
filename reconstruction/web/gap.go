package reconstructionweb

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/web"
)

// Given is what was given against needs at one stage: its total in US
// dollars, exact, and how many flows make it, of which how many are
// illustrative.
type Given struct {
	USD                 *big.Rat
	Flows, Illustrative int64
}

func (g *Given) add(o Given) {
	if g.USD == nil {
		g.USD = new(big.Rat)
	}
	if o.USD != nil {
		g.USD.Add(g.USD, o.USD)
	}
	g.Flows += o.Flows
	g.Illustrative += o.Illustrative
}

// NeedRow is one need with what was given against it, by stage (in the
// order of reconstruction.Stages).
type NeedRow struct {
	web.Item[reconstruction.Need]
	Assessment string
	Currency   string
	Amount     *big.Rat
	Given      [3]Given
}

// Row is one sector and region: the needs each assessment found there
// and what was given against any of them.
type Row struct {
	Sector, Region string
	// Need is the need each assessment found here, by assessment id, in
	// the assessment's currency.
	Need         map[string]*big.Rat
	Given        [3]Given
	Illustrative bool
	Needs        []NeedRow
}

// Gap is the gap at a glance: per sector and region, the needs assessed
// and what was pledged, committed and disbursed against them, public
// figures only (a pledge counts once it is announced).
type Gap struct {
	Assessments []web.Item[reconstruction.Assessment]
	// Basis is the assessment the gap is measured against.
	Basis *web.Item[reconstruction.Assessment]
	// Sector and Region, when set, narrow the page to them.
	Sector, Region string
	Rows           []Row
	Total          Row
	// Donors and Instruments are what was given in the rows shown, by
	// donor and by instrument, in the order of the first figure's size.
	Donors, Instruments []Share
}

// Share is what one donor, or by one instrument, was given at each stage.
type Share struct {
	Key   string
	Given [3]Given
}

// Remaining is the gap of a row: the need the basis found there not yet
// committed, in US dollars; nil where the basis is in another currency
// or found no need there.
func (g *Gap) Remaining(r Row) *big.Rat {
	if g.Basis == nil || g.Basis.V.Currency != reconstruction.ReportingCurrency {
		return nil
	}
	need := r.Need[g.Basis.ID]
	if need == nil {
		return nil
	}
	out := new(big.Rat).Set(need)
	if c := r.Given[1].USD; c != nil {
		out.Sub(out, c)
	}
	return out
}

// ReadGap reads the gap as caller sees it, measured against the
// assessment basis (the first assessment in US dollars if ""), narrowed
// to a sector and a region if set. It reads every need and the running
// totals, never the flows themselves: its cost does not grow with them.
func ReadGap(ctx context.Context, svc *app.Service, caller *access.Principal, basis, sector, region string) (*Gap, error) {
	g := &Gap{Sector: sector, Region: region}
	if sector != "" && !slices.Contains(reconstruction.Sectors, sector) {
		sectors := strings.Join(reconstruction.Sectors, ", ")
		return nil, &app.Error{Code: app.CodeBadRequest, Field: "sector", Message: fmt.Sprintf("%q is not a sector (%s)", sector, sectors),
			Format: "%q is not a sector (%s)", Args: []any{sector, sectors}}
	}
	var err error
	if g.Assessments, err = web.Load[reconstruction.Assessment](ctx, svc, caller, reconstruction.KindAssessment, ""); err != nil {
		return nil, err
	}
	titles, currencies := map[string]string{}, map[string]string{}
	for i, a := range g.Assessments {
		titles[a.ID], currencies[a.ID] = a.V.Title, a.V.Currency
		if a.ID == basis || basis == "" && g.Basis == nil && a.V.Currency == reconstruction.ReportingCurrency {
			g.Basis = &g.Assessments[i]
		}
	}
	if basis != "" && g.Basis == nil {
		return nil, &app.Error{Code: app.CodeNotFound, Field: "basis", Message: fmt.Sprintf("no assessment %q", basis), Format: "no assessment %q", Args: []any{basis}}
	}
	needs, err := web.Load[reconstruction.Need](ctx, svc, caller, reconstruction.KindNeed, "")
	if err != nil {
		return nil, err
	}
	type total struct {
		need, donor, instrument string
		stage                   int
		given                   Given
	}
	var totals []total
	byNeed := map[string]*[3]Given{}
	err = svc.ReadProjection(ctx, "SELECT need_id, stage, donor_id, instrument, usd_units, flows, illustrative FROM reconstruction_totals", nil, func(scan func(...any) error) error {
		var t total
		var stage, units string
		if err := scan(&t.need, &stage, &t.donor, &t.instrument, &units, &t.given.Flows, &t.given.Illustrative); err != nil {
			return err
		}
		u, ok := new(big.Int).SetString(units, 10)
		t.stage = slices.Index(reconstruction.Stages, stage)
		if !ok || t.stage < 0 {
			return fmt.Errorf("the total of need %s at %q, %q, cannot be read", t.need, stage, units)
		}
		t.given.USD = reconstruction.FromUnits(u)
		if byNeed[t.need] == nil {
			byNeed[t.need] = new([3]Given)
		}
		byNeed[t.need][t.stage].add(t.given)
		totals = append(totals, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("couldn't read the totals: %w", err)
	}
	rows := map[[2]string]*Row{}
	g.Total.Need = map[string]*big.Rat{}
	shown := map[string]bool{}
	for _, n := range needs {
		if sector != "" && n.V.Sector != sector || region != "" && n.V.Region != region {
			continue
		}
		shown[n.ID] = true
		amount, ok := new(big.Rat).SetString(n.V.Amount)
		if !ok {
			return nil, fmt.Errorf("the amount %q of need %s cannot be read", n.V.Amount, n.ID)
		}
		nr := NeedRow{Item: n, Assessment: titles[n.V.AssessmentID], Currency: currencies[n.V.AssessmentID], Amount: amount}
		if t := byNeed[n.ID]; t != nil {
			nr.Given = *t
		}
		key := [2]string{n.V.Sector, n.V.Region}
		r := rows[key]
		if r == nil {
			r = &Row{Sector: n.V.Sector, Region: n.V.Region, Need: map[string]*big.Rat{}}
			rows[key] = r
		}
		r.Needs = append(r.Needs, nr)
		for _, into := range []*Row{r, &g.Total} {
			if into.Need[n.V.AssessmentID] == nil {
				into.Need[n.V.AssessmentID] = new(big.Rat)
			}
			into.Need[n.V.AssessmentID].Add(into.Need[n.V.AssessmentID], amount)
			for i := range nr.Given {
				into.Given[i].add(nr.Given[i])
			}
			into.Illustrative = into.Illustrative || n.V.Illustrative
		}
	}
	for _, r := range rows {
		g.Rows = append(g.Rows, *r)
	}
	donors, instruments := map[string]*Share{}, map[string]*Share{}
	for _, t := range totals {
		if !shown[t.need] {
			continue
		}
		for _, into := range []struct {
			m   map[string]*Share
			key string
		}{{donors, t.donor}, {instruments, t.instrument}} {
			if into.m[into.key] == nil {
				into.m[into.key] = &Share{Key: into.key}
			}
			into.m[into.key].Given[t.stage].add(t.given)
		}
	}
	for _, m := range []struct {
		m   map[string]*Share
		out *[]Share
	}{{donors, &g.Donors}, {instruments, &g.Instruments}} {
		for _, sh := range m.m {
			*m.out = append(*m.out, *sh)
		}
		slices.SortFunc(*m.out, func(a, b Share) int {
			return cmp.Or(-orZero(a.Given[0].USD).Cmp(orZero(b.Given[0].USD)), cmp.Compare(a.Key, b.Key))
		})
	}
	slices.SortFunc(g.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(slices.Index(reconstruction.Sectors, a.Sector), slices.Index(reconstruction.Sectors, b.Sector)),
			cmp.Compare(a.Region, b.Region))
	})
	return g, nil
}
