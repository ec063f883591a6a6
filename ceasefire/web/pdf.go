package ceasefireweb

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parley-project/parley/ceasefire"
)

// ReportPDF renders a committed report as an A4 PDF, in pure Go: its
// figures per region and per party, its charts, and for a daily report
// each violation. record names the record it renders, which the footer
// prints, so that a reader can ask for that record's proof.
func ReportPDF(title string, r ceasefire.Report, names map[string]string, record string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("parley", true)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	tr := pdf.UnicodeTranslatorFromDescriptor("cp1252")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 8, tr("Record "+record+" - page "+strconv.Itoa(pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 7, tr(title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	phase := "No phase in force at the end of the period."
	if r.Phase > 0 {
		phase = fmt.Sprintf("Phase %d in force: %s.", r.Phase, r.PhaseTitle)
	}
	pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s to %s (UTC). %s Violations: %d (the period before: %d). Breaking a prohibition but not verified: %d. Verifications as they stood at %s.",
		r.From.UTC().Format("2006-01-02 15:04"), r.Until.UTC().Format("2006-01-02 15:04"), phase, r.Violations, r.Previous, r.Unverified,
		r.JudgedAt.UTC().Format("2006-01-02 15:04"))), "", "L", false)
	table := func(head []string, widths []float64, rows [][]string) {
		pdf.Ln(2)
		pdf.SetFont("Helvetica", "B", 8)
		for i, h := range head {
			pdf.CellFormat(widths[i], 6, tr(h), "B", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 8)
		for _, row := range rows {
			for i, c := range row {
				pdf.CellFormat(widths[i], 5, tr(c), "", 0, "L", false, 0, "")
			}
			pdf.Ln(-1)
		}
	}
	section := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 6, tr(s), "", 1, "L", false, 0, "")
	}
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
		r, g, bl := rgb(b.Fill)
		pdf.SetFillColor(r, g, bl)
		pdf.Rect(x0+b.X*scale, y0+b.Y*scale, b.W*scale, b.H*scale, "F")
	}
	pdf.SetFont("Helvetica", "", 6)
	for _, l := range append(c.Labels, c.Legend...) {
		r, g, bl := rgb(l.Fill)
		pdf.SetTextColor(r, g, bl)
		w := pdf.GetStringWidth(tr(l.Text))
		x := x0 + l.X*scale
		switch l.Anchor {
		case "middle":
			x -= w / 2
		case "end":
			x -= w
		}
		pdf.Text(x, y0+l.Y*scale, tr(l.Text))
	}
	pdf.SetTextColor(0, 0, 0)
	pdf.SetY(y0 + c.Height*scale + 2)
}

func rgb(hex string) (int, int, int) {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	return r, g, b
}
