package ceasefireweb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/web"
)

// ReportPDF renders a committed report as an A4 PDF, in pure Go: its
// figures per region and per party, its charts, and for a daily report
// each violation. record names the record it renders, which the footer
// prints, so that a reader can ask for that record's proof.
func ReportPDF(title string, r ceasefire.Report, names map[string]string, record string) ([]byte, error) {
	pdf, tr := web.NewPDF(title, record, 18)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 7, tr(title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	phase := "No phase in force at the end of the period."
	if r.Phase > 0 {
		phase = fmt.Sprintf("Phase %d in force: %s.", r.Phase, r.PhaseTitle)
		if r.PhaseTitle == "" {
			phase = fmt.Sprintf("Phase %d in force.", r.Phase)
		}
	}
	pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s to %s (UTC). %s Violations: %d (the period before: %d). Breaking a prohibition but not verified: %d. Verifications as they stood at %s.",
		r.From.UTC().Format("2006-01-02 15:04"), r.Until.UTC().Format("2006-01-02 15:04"), phase, r.Violations, r.Previous, r.Unverified,
		r.JudgedAt.UTC().Format("2006-01-02 15:04"))), "", "L", false)
	table := func(head []string, widths []float64, rows [][]string) { web.PDFTable(pdf, tr, head, widths, rows) }
	section := func(title string) { web.PDFSection(pdf, tr, title) }
	section("Per region")
	var rows [][]string
	for _, rg := range r.Regions {
		rows = append(rows, []string{regionName(rg.Region, names), itoa(rg.Violations), change(rg.Violations, rg.Previous), itoa(rg.Killed), itoa(rg.Wounded), itoa(rg.Denials), countsText(rg.Weapons)})
	}
	table([]string{"Region", "Violations", "Change", "Civ. killed", "Civ. wounded", "Restrictions", "Weapons"}, []float64{42, 18, 14, 18, 20, 20, 42}, rows)
	section("Per party")
	rows = nil
	for _, p := range r.Parties {
		rows = append(rows, []string{partyName(p.Party), itoa(p.Violations), change(p.Violations, p.Previous), itoa(p.Denials), countsText(p.ByProhibition)})
	}
	table([]string{"Party", "Violations", "Change", "Restrictions", "By prohibition"}, []float64{42, 18, 14, 20, 80}, rows)
	for _, c := range charts(r, names) {
		drawChart(pdf, tr, c)
	}
	drawMap(pdf, tr, r)
	if len(r.Obligations) > 0 {
		section("Obligations due")
		rows = nil
		for _, o := range r.Obligations {
			done := "not verified done"
			if !o.Done.IsZero() {
				done = "verified done " + o.Done.UTC().Format(time.DateOnly)
			}
			rows = append(rows, []string{strconv.Itoa(o.Phase), o.PartyID, o.Title, o.Due, done})
		}
		table([]string{"Phase", "Party", "Obligation", "Due", "State"}, []float64{12, 16, 70, 22, 54}, rows)
	}
	if len(r.Lines) > 0 {
		section("Violations")
		rows = nil
		for _, l := range r.Lines {
			rows = append(rows, []string{l.At.UTC().Format("01-02 15:04"), regionName(l.Region, names), l.Weapon + " / " + l.Target, strings.Join(l.Breaks, ", "), partyName(l.Party)})
		}
		table([]string{"When (UTC)", "Region", "Weapon / target", "Breaks", "Attributed to"}, []float64{22, 40, 50, 32, 30}, rows)
		if r.LinesLeftOut > 0 {
			pdf.MultiCell(0, 5, tr(fmt.Sprintf("%d more violations are in the monitoring's records.", r.LinesLeftOut)), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// change says how a figure moved from the period before.
func change(now, before int) string {
	switch {
	case now > before:
		return fmt.Sprintf("+%d", now-before)
	case now < before:
		return fmt.Sprintf("-%d", before-now)
	}
	return "0"
}

// drawChart draws a chart laid out for the page at the PDF's scale.
func drawChart(pdf *fpdf.Fpdf, tr func(string) string, c chart) {
	const scale = 0.27 // mm per SVG unit: 640 units across 173 mm
	if pdf.GetY()+c.Height*scale+12 > 279 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(0, 5, tr(c.Title), "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX(), pdf.GetY()
	for _, b := range c.Bars {
		r, g, bl := web.RGB(b.Fill)
		pdf.SetFillColor(r, g, bl)
		pdf.Rect(x0+b.X*scale, y0+b.Y*scale, b.W*scale, b.H*scale, "F")
	}
	pdf.SetFont("Helvetica", "", 6)
	for _, l := range append(c.Labels, c.Legend...) {
		pdf.SetTextColor(web.RGB(l.Fill))
		web.PDFLabel(pdf, tr, x0+l.X*scale, y0+l.Y*scale, l.Text, l.Anchor)
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
func drawMap(pdf *fpdf.Fpdf, tr func(string) string, r ceasefire.Report) {
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
	for _, p := range pts {
		west, east = math.Min(west, p[0]), math.Max(east, p[0])
		south, north = math.Min(south, p[1]), math.Max(north, p[1])
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
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(0, 5, tr("Where the violations were (basemap: Natural Earth)"), "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX(), pdf.GetY()
	at := func(lon, lat float64) (float64, float64) {
		return x0 + (lon-west)/(east-west)*w, y0 + (north-lat)/(north-south)*h
	}
	pdf.ClipRect(x0, y0, w, h, true)
	pdf.SetDrawColor(168, 162, 154)
	pdf.SetLineWidth(0.2)
	for _, ring := range rings {
		var in bool
		for _, p := range ring {
			if p[0] > west-5 && p[0] < east+5 && p[1] > south-5 && p[1] < north+5 {
				in = true
				break
			}
		}
		if !in {
			continue
		}
		poly := make([]fpdf.PointType, len(ring))
		for i, p := range ring {
			poly[i].X, poly[i].Y = at(p[0], p[1])
		}
		pdf.Polygon(poly, "D")
	}
	pdf.SetFillColor(176, 0, 32)
	for _, p := range pts {
		x, y := at(p[0], p[1])
		pdf.Circle(x, y, 1.2, "F")
	}
	pdf.ClipEnd()
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetY(y0 + h + 2)
}
