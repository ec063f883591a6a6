package ceasefireweb

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

// ReportPDF renders a committed report as an A4 PDF, in pure Go: its
// figures per region and per party, its charts, and for a daily report
// each violation. record names the record it renders, which the footer
// prints, so that a reader can ask for that record's proof. Its words,
// dates and numbers are in p's language; what the records say (names,
// titles) is as they say it.
func ReportPDF(p *i18n.Printer, title string, r ceasefire.Report, names map[string]string, record string) ([]byte, error) {
	pdf := web.NewPDF(p, title, record, 18)
	pdf.SetFont(web.PDFFont, "B", 15)
	pdf.MultiCell(0, 7, title, "", "L", false)
	pdf.SetFont(web.PDFFont, "", 9)
	phase := p.T("No phase in force at the end of the period.")
	if r.Phase > 0 {
		phase = p.T("Phase %d in force: %s.", r.Phase, r.PhaseTitle)
		if r.PhaseTitle == "" {
			phase = p.T("Phase %d in force.", r.Phase)
		}
	}
	pdf.MultiCell(0, 5, p.T("%s to %s (UTC). %s Violations: %d (the period before: %d). Breaking a prohibition but not verified: %d. Verifications as they stood at %s.",
		utcMinute(p, r.From), utcMinute(p, r.Until), phase, r.Violations, r.Previous, r.Unverified, utcMinute(p, r.JudgedAt)), "", "L", false)
	num := func(n int) string { return p.Int(int64(n)) }
	table := func(head []string, widths []float64, rows [][]string) { web.PDFTable(pdf, head, widths, rows) }
	section := func(title string) { web.PDFSection(pdf, title) }
	section(p.T("Per region"))
	var rows [][]string
	for _, rg := range r.Regions {
		rows = append(rows, []string{regionName(p, rg.Region, names), num(rg.Violations), change(p, rg.Violations, rg.Previous), num(rg.Killed), num(rg.Wounded), num(rg.Denials),
			counted(p, rg.Weapons, p.Word)})
	}
	table([]string{p.T("Region"), p.T("Violations"), p.T("Change"), p.T("Civ. killed"), p.T("Civ. wounded"), p.T("Restrictions"), p.T("Weapons")}, []float64{38, 18, 14, 22, 22, 20, 40}, rows)
	section(p.T("Per party"))
	rows = nil
	for _, pt := range r.Parties {
		rows = append(rows, []string{partyName(p, pt.Party), num(pt.Violations), change(p, pt.Violations, pt.Previous), num(pt.Denials), counted(p, pt.ByProhibition, nil)})
	}
	table([]string{p.T("Party"), p.T("Violations"), p.T("Change"), p.T("Restrictions"), p.T("By prohibition")}, []float64{42, 18, 14, 20, 80}, rows)
	for _, c := range charts(p, r, names) {
		drawChart(pdf, c)
	}
	drawMap(p, pdf, r)
	if len(r.Obligations) > 0 {
		section(p.T("Obligations due"))
		rows = nil
		for _, o := range r.Obligations {
			done := p.T("not verified done")
			if !o.Done.IsZero() {
				done = p.T("verified done %s", p.Time(o.Done.UTC(), time.DateOnly))
			}
			rows = append(rows, []string{num(o.Phase), o.PartyID, o.Title, o.Due, done})
		}
		table([]string{p.T("Phase"), p.T("Party"), p.T("Obligation"), p.T("Due"), p.T("State")}, []float64{12, 16, 70, 22, 54}, rows)
	}
	if len(r.Lines) > 0 {
		section(p.T("Violations"))
		rows = nil
		for _, l := range r.Lines {
			rows = append(rows, []string{p.Time(l.At.UTC(), "01-02 15:04"), regionName(p, l.Region, names), p.Word(l.Weapon) + " / " + p.Word(l.Target),
				strings.Join(l.Breaks, ", "), partyName(p, l.Party)})
		}
		table([]string{p.T("When (UTC)"), p.T("Region"), p.T("Weapon / target"), p.T("Breaks"), p.T("Attributed to")}, []float64{22, 36, 48, 32, 36}, rows)
		if r.LinesLeftOut > 0 {
			pdf.MultiCell(0, 5, p.T("%d more violations are in the monitoring's records.", r.LinesLeftOut), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// counted writes figures under names ("missile 2; mortar 1") in p's
// language, the names through word when they are words of the vocabulary
// (nil: names of the records, as they are).
func counted(p *i18n.Printer, cs []ceasefire.Count, word func(string) string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		name := c.Name
		if word != nil {
			name = word(name)
		}
		parts[i] = name + " " + p.Int(int64(c.N))
	}
	return strings.Join(parts, "; ")
}

// change says how a figure moved from the period before.
func change(p *i18n.Printer, now, before int) string {
	switch {
	case now > before:
		return "+" + p.Int(int64(now-before))
	case now < before:
		return "-" + p.Int(int64(before-now))
	}
	return "0"
}

// drawChart draws a chart laid out for the page at the PDF's scale.
func drawChart(pdf *fpdf.Fpdf, c chart) {
	const scale = 0.27 // mm per SVG unit: 640 units across 173 mm
	if pdf.GetY()+c.Height*scale+12 > 279 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont(web.PDFFont, "B", 9)
	pdf.CellFormat(0, 5, c.Title, "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX(), pdf.GetY()
	for _, b := range c.Bars {
		r, g, bl := web.RGB(b.Fill)
		pdf.SetFillColor(r, g, bl)
		pdf.Rect(x0+b.X*scale, y0+b.Y*scale, b.W*scale, b.H*scale, "F")
	}
	pdf.SetFont(web.PDFFont, "", 6)
	for _, l := range append(c.Labels, c.Legend...) {
		pdf.SetTextColor(web.RGB(l.Fill))
		web.PDFLabel(pdf, x0+l.X*scale, y0+l.Y*scale, l.Text, l.Anchor)
	}
	pdf.SetTextColor(0, 0, 0)
	pdf.SetY(y0 + c.Height*scale + 2)
}

// countryRings are the basemap's country outlines, read once from the
// embedded Natural Earth countries (nil when the map's parts were not
// installed, and the PDF has no map then).
var countryRings = sync.OnceValue(func() [][][2]float64 {
	b, err := basemapGeoJSON()
	if err != nil {
		return nil
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if json.Unmarshal(b, &fc) != nil {
		return nil
	}
	var out [][][2]float64
	for _, f := range fc.Features {
		for _, poly := range f.Geometry.Coordinates {
			out = append(out, poly...)
		}
	}
	return out
})

// drawMap draws a daily report's violations placed by the monitors over
// the countries around them, in a plain longitude-latitude projection
// scaled for the latitude: enough to see where they fell.
func drawMap(p *i18n.Printer, pdf *fpdf.Fpdf, r ceasefire.Report) {
	rings := countryRings()
	var pts [][2]float64
	for _, l := range r.Lines {
		if l.Lat != nil && l.Lon != nil {
			pts = append(pts, [2]float64{*l.Lon, *l.Lat})
		}
	}
	if len(pts) == 0 || rings == nil {
		return
	}
	west, south, east, north := pts[0][0], pts[0][1], pts[0][0], pts[0][1]
	for _, pt := range pts {
		west, east = math.Min(west, pt[0]), math.Max(east, pt[0])
		south, north = math.Min(south, pt[1]), math.Max(north, pt[1])
	}
	// At least 6 degrees of latitude, with a margin, and as wide as the
	// frame is at that latitude.
	const w, h = 170.0, 100.0
	midLat, midLon := (south+north)/2, (west+east)/2
	cos := math.Cos(midLat * math.Pi / 180)
	span := math.Max(6, math.Max(north-south, (east-west)*cos*h/w)*1.3)
	south, north = midLat-span/2, midLat+span/2
	west, east = midLon-span*w/h/cos/2, midLon+span*w/h/cos/2
	if pdf.GetY()+h+12 > 279 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont(web.PDFFont, "B", 9)
	pdf.CellFormat(0, 5, p.T("Where the violations were (basemap: Natural Earth)"), "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX(), pdf.GetY()
	at := func(lon, lat float64) (float64, float64) {
		return x0 + (lon-west)/(east-west)*w, y0 + (north-lat)/(north-south)*h
	}
	pdf.ClipRect(x0, y0, w, h, true)
	pdf.SetDrawColor(168, 162, 154)
	pdf.SetLineWidth(0.2)
	for _, ring := range rings {
		var in bool
		for _, pt := range ring {
			if pt[0] > west-5 && pt[0] < east+5 && pt[1] > south-5 && pt[1] < north+5 {
				in = true
				break
			}
		}
		if !in {
			continue
		}
		poly := make([]fpdf.PointType, len(ring))
		for i, pt := range ring {
			poly[i].X, poly[i].Y = at(pt[0], pt[1])
		}
		pdf.Polygon(poly, "D")
	}
	pdf.SetFillColor(176, 0, 32)
	for _, pt := range pts {
		x, y := at(pt[0], pt[1])
		pdf.Circle(x, y, 1.2, "F")
	}
	pdf.ClipEnd()
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetY(y0 + h + 2)
}
