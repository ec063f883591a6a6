package energyweb

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/i18n"
)

// lineChart is a server-drawn SVG chart of lines over the months, with
// its figures as a table beside it (the same in a PDF and for a screen
// reader).
type lineChart struct {
	Title         string
	Width, Height float64
	Lines         []polyline
	Labels        []label
	// Months and Series name the table's cells: Values[m][s].
	Months, Series []string
	Values         [][]string
}

type polyline struct {
	Points, Stroke, Dash, Title string
}

type label struct {
	X, Y         float64
	Text, Anchor string
}

var palette = []string{"#1f4e79", "#c55a11", "#548235", "#7030a0"}

// equityChart draws each party's cumulative entitlement (dashed) against
// what it took (solid), month by month over the standing statements, and
// returns the running balance of compensation of each party beside it,
// in p's language.
func equityChart(p *i18n.Printer, rows []statementRow) (*lineChart, []string, [][]string) {
	var parties []string
	var standing []statementRow
	for _, r := range rows {
		if r.Replaced != "" {
			continue
		}
		standing = append(standing, r)
		for _, pf := range r.S.Parties {
			if !slices.Contains(parties, pf.Party) {
				parties = append(parties, pf.Party)
			}
		}
	}
	if len(standing) == 0 || len(parties) == 0 {
		return nil, nil, nil
	}
	n := len(parties)
	ent, del, bal := make([]*big.Rat, n), make([]*big.Rat, n), make([]*big.Rat, n)
	for k := range parties {
		ent[k], del[k], bal[k] = new(big.Rat), new(big.Rat), new(big.Rat)
	}
	c := &lineChart{Title: p.T("Cumulative entitlement (dashed) and delivery (solid), GWh"), Width: 640, Height: 260}
	for _, party := range parties {
		c.Series = append(c.Series, p.T("%s entitled", party), p.T("%s took", party))
	}
	var balances [][]string
	points := make([][][2]float64, 2*n)
	top := 0.0
	for i, r := range standing {
		c.Months = append(c.Months, r.S.From.UTC().Format("2006-01"))
		var row []string
		var brow []string
		for _, pf := range r.S.Parties {
			k := slices.Index(parties, pf.Party)
			e, _ := energy.ParseDecimal(pf.EntitledKWh)
			d, _ := energy.ParseDecimal(pf.DeliveredKWh)
			b, _ := energy.ParseDecimal(pf.Balance)
			ent[k].Add(ent[k], e)
			del[k].Add(del[k], d)
			bal[k].Add(bal[k], b)
		}
		for k := range parties {
			ge, _ := new(big.Rat).Quo(ent[k], big.NewRat(1_000_000, 1)).Float64()
			gd, _ := new(big.Rat).Quo(del[k], big.NewRat(1_000_000, 1)).Float64()
			points[2*k] = append(points[2*k], [2]float64{float64(i), ge})
			points[2*k+1] = append(points[2*k+1], [2]float64{float64(i), gd})
			top = max(top, ge, gd)
			row = append(row, p.Decimal(fmt.Sprintf("%.3f", ge)), p.Decimal(fmt.Sprintf("%.3f", gd)))
			brow = append(brow, p.Decimal(energy.FormatDecimal(bal[k], 2)))
		}
		c.Values = append(c.Values, row)
		balances = append(balances, append([]string{r.S.From.UTC().Format("2006-01")}, brow...))
	}
	const left, marginTop, bottom, right = 56.0, 16.0, 30.0, 16.0
	w, h := c.Width-left-right, c.Height-marginTop-bottom
	x := func(i float64) float64 {
		if len(standing) == 1 {
			return left + w/2
		}
		return left + w*i/float64(len(standing)-1)
	}
	y := func(v float64) float64 { return marginTop + h - h*v/max(top, 1e-9) }
	for s, pts := range points {
		var b []byte
		for _, pt := range pts {
			b = fmt.Appendf(b, "%.1f,%.1f ", x(pt[0]), y(pt[1]))
		}
		dash := ""
		if s%2 == 0 {
			dash = "6 4"
		}
		c.Lines = append(c.Lines, polyline{Points: string(b), Stroke: palette[(s/2)%len(palette)], Dash: dash, Title: c.Series[s]})
	}
	for i, m := range c.Months {
		c.Labels = append(c.Labels, label{X: x(float64(i)), Y: c.Height - 10, Text: m, Anchor: "middle"})
	}
	c.Labels = append(c.Labels, label{X: left - 6, Y: marginTop + 4, Text: p.Decimal(fmt.Sprintf("%.0f", top)), Anchor: "end"},
		label{X: left - 6, Y: marginTop + h, Text: "0", Anchor: "end"})
	return c, parties, balances
}
