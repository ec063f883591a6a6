package ceasefireweb

import (
	"fmt"
	"slices"

	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/i18n"
)

// chart is a grouped bar chart laid out for an SVG (the page) and a PDF
// alike: categories along the bottom, one bar per series in each.
type chart struct {
	Title         string
	Width, Height float64
	Bars          []bar
	Labels        []label
	Legend        []label
	// Categories and Series name what Values holds: Values[c][s].
	Categories, Series []string
	Values             [][]int
}

type bar struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type label struct {
	X, Y   float64
	Text   string
	Anchor string
	Fill   string
}

// palette tells series apart, in an order that stays readable in grey.
var palette = []string{"#1f4e79", "#c55a11", "#7f7f7f", "#548235", "#7030a0"}

// barChart lays out values[c][s] for the categories and series, its
// numbers written in p's language.
func barChart(p *i18n.Printer, title string, categories, series []string, values [][]int) chart {
	c := chart{Title: title, Width: 640, Height: 220, Categories: categories, Series: series, Values: values}
	const left, bottom, top = 36.0, 40.0, 24.0
	most := 1
	for _, vs := range values {
		for _, v := range vs {
			most = max(most, v)
		}
	}
	plot := c.Height - bottom - top
	group := (c.Width - left - 8) / float64(max(1, len(categories)))
	w := group * 0.8 / float64(max(1, len(series)))
	for i, cat := range categories {
		x0 := left + float64(i)*group + group*0.1
		for s := range series {
			v := values[i][s]
			h := plot * float64(v) / float64(most)
			c.Bars = append(c.Bars, bar{X: x0 + float64(s)*w, Y: top + plot - h, W: w * 0.9, H: h, Fill: palette[s%len(palette)],
				Title: fmt.Sprintf("%s, %s: %s", cat, series[s], p.Int(int64(v)))})
		}
		c.Labels = append(c.Labels, label{X: x0 + group*0.4, Y: c.Height - bottom + 14, Text: cat, Anchor: "middle", Fill: "#333"})
	}
	c.Labels = append(c.Labels, label{X: left - 4, Y: top + 4, Text: p.Int(int64(most)), Anchor: "end", Fill: "#333"},
		label{X: left - 4, Y: top + plot, Text: "0", Anchor: "end", Fill: "#333"})
	for s, name := range series {
		c.Legend = append(c.Legend, label{X: left + float64(s)*150, Y: c.Height - 8, Text: name, Fill: palette[s%len(palette)]})
	}
	return c
}

// charts draws a report's figures: violations per region against the
// period before, and for a compliance report each party's by month. Its
// titles and labels are in p's language, for the page and the PDF alike.
func charts(p *i18n.Printer, r ceasefire.Report, names map[string]string) []chart {
	var out []chart
	if len(r.Regions) > 0 {
		var cats []string
		var vals [][]int
		for _, rg := range r.Regions {
			cats = append(cats, regionName(p, rg.Region, names))
			vals = append(vals, []int{rg.Violations, rg.Previous})
		}
		out = append(out, barChart(p, p.T("Violations per region"), cats, []string{p.T("this period"), p.T("the period before")}, vals))
	}
	if r.Type == ceasefire.Compliance {
		var parties, regions []string
		var partyMonths, regionMonths [][]ceasefire.Count
		for _, pt := range r.Parties {
			parties, partyMonths = append(parties, partyName(p, pt.Party)), append(partyMonths, pt.ByMonth)
		}
		for _, rg := range r.Regions {
			regions, regionMonths = append(regions, regionName(p, rg.Region, names)), append(regionMonths, rg.ByMonth)
		}
		if c, ok := byMonth(p, p.T("Violations per party, by month"), parties, partyMonths); ok {
			out = append(out, c)
		}
		if c, ok := byMonth(p, p.T("Violations per region, by month"), regions, regionMonths); ok {
			out = append(out, c)
		}
	}
	return out
}

// byMonth charts each series' counts by month, over every month any has.
func byMonth(p *i18n.Printer, title string, series []string, counts [][]ceasefire.Count) (chart, bool) {
	var months []string
	for _, cs := range counts {
		for _, c := range cs {
			if !slices.Contains(months, c.Name) {
				months = append(months, c.Name)
			}
		}
	}
	if len(months) == 0 {
		return chart{}, false
	}
	slices.Sort(months)
	vals := make([][]int, len(months))
	for i, m := range months {
		vals[i] = make([]int, len(series))
		for s, cs := range counts {
			for _, c := range cs {
				if c.Name == m {
					vals[i][s] = c.N
				}
			}
		}
	}
	return barChart(p, title, months, series, vals), true
}
