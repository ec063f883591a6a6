package reconstructionweb

import (
	"math/big"
	"net/url"

	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/reconstruction"
)

// barChart is a server-drawn SVG chart of grouped bars, one group per
// sector (or per region, on a sector's page), each bar a link to the
// figures behind it; the table beside it holds the same figures.
type barChart struct {
	Title         string
	Width, Height float64
	Groups        []barGroup
	Series        []string
	Colors        []string
}

type barGroup struct {
	Label, Href string
	Y           float64
	Bars        []bar
}

type bar struct {
	Y, Width float64
	Color    string
	Title    string
}

var barColors = []string{"#7f7f7f", "#1f4e79", "#c55a11", "#548235"}

const (
	chartLabelWidth = 190
	chartBarWidth   = 480
	barHeight       = 9
)

// gapChart draws, per sector (per region when the page is one sector's),
// the need the basis found against what was pledged, committed and
// disbursed there, in US dollars. Its words and figures are in p's
// language: a sector in words, the regions as recorded.
func gapChart(p *i18n.Printer, g *Gap) *barChart {
	type group struct {
		label, href string
		values      [4]*big.Rat
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range g.Rows {
		key, label, q := r.Sector, p.Word(r.Sector), url.Values{"sector": {r.Sector}}
		if g.Sector != "" {
			key, label = r.Region, r.Region
			q.Set("region", r.Region)
		}
		if g.Basis != nil {
			q.Set("basis", g.Basis.ID)
		}
		gr := index[key]
		if gr == nil {
			gr = &group{label: label, href: "/reconstruction?" + q.Encode()}
			for i := range gr.values {
				gr.values[i] = new(big.Rat)
			}
			index[key] = gr
			groups = append(groups, gr)
		}
		if g.Basis != nil && g.Basis.V.Currency == "USD" && r.Need[g.Basis.ID] != nil {
			gr.values[0].Add(gr.values[0], r.Need[g.Basis.ID])
		}
		for i, gv := range r.Given {
			if gv.USD != nil {
				gr.values[i+1].Add(gr.values[i+1], gv.USD)
			}
		}
	}
	if len(groups) == 0 {
		return nil
	}
	top := 0.0
	for _, gr := range groups {
		for _, v := range gr.values {
			f, _ := v.Float64()
			top = max(top, f)
		}
	}
	c := &barChart{Title: p.T("Need and what was given, US dollars"), Width: chartLabelWidth + chartBarWidth + 10, Colors: barColors,
		Series: []string{p.T("need (basis)"), p.T("pledged"), p.T("committed"), p.T("disbursed")}}
	y := 10.0
	for _, gr := range groups {
		bg := barGroup{Label: gr.label, Href: gr.href, Y: y + 2*barHeight}
		for i, v := range gr.values {
			f, _ := v.Float64()
			w := 0.0
			if top > 0 {
				w = f / top * chartBarWidth
			}
			bg.Bars = append(bg.Bars, bar{Y: y, Width: max(w, 0.5), Color: barColors[i], Title: gr.label + ", " + c.Series[i] + ": " + p.Money(reconstruction.Cents(v), reconstruction.ReportingCurrency)})
			y += barHeight + 1
		}
		y += 12
		c.Groups = append(c.Groups, bg)
	}
	c.Height = y
	return c
}
