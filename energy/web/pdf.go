package energyweb

import (
	"fmt"
	"net/http"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/web"
)

// StatementPDF renders a statement as an A4 PDF, in pure Go: its figures
// per party, the compensation owed, its co-signatures, what it leaves
// open, each day's figures, and the chart of each party's cumulative
// entitlement against what it took over the plant's standing statements
// up to it. The footer names the record, whose proof a reader can ask
// for.
func StatementPDF(plant string, v statementView, chart *lineChart) ([]byte, error) {
	s := v.Row.S
	title := fmt.Sprintf("%s: settlement statement, %s", plant, s.From.UTC().Format("January 2006"))
	pdf, tr := web.NewPDF(title, v.Row.Item.RecordID, 18)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 7, tr(title), "", "L", false)
	pdf.SetFont("Helvetica", "", 9)
	status := "Awaiting co-signatures."
	switch {
	case v.Row.Replaced != "":
		status = "Replaced by statement " + v.Row.Replaced + "."
	case v.Row.Disputed:
		status = "In dispute: no one co-signs it until the dispute is decided."
	case v.Row.Final():
		status = "Final: co-signed by every party to it."
	}
	pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s to %s (UTC): %d of %d quarter-hours settled; %s kWh of net output left open. Terms applied: %s. %s",
		s.From.UTC().Format("2006-01-02 15:04"), s.Until.UTC().Format("2006-01-02 15:04"), s.Settled, s.Intervals, s.OpenKWh,
		orNone(strings.Join(s.Terms, ", ")), status)), "", "L", false)
	table := func(head []string, widths []float64, rows [][]string) { web.PDFTable(pdf, tr, head, widths, rows) }
	section := func(title string) { web.PDFSection(pdf, tr, title) }
	section("Per party")
	var rows [][]string
	for _, p := range s.Parties {
		rows = append(rows, []string{p.Party, p.EntitledKWh, p.DeliveredKWh, p.LossesKWh, p.CededKWh, p.ReceivedKWh, p.Balance + " " + s.Currency})
	}
	table([]string{"Party", "Entitled kWh", "Took kWh", "Losses kWh", "Ceded kWh", "Received kWh", "Balance"}, []float64{18, 26, 26, 22, 24, 24, 34}, rows)
	section("Compensation owed")
	pdf.SetFont("Helvetica", "", 9)
	if len(s.Payments) == 0 {
		pdf.MultiCell(0, 5, "Nothing is owed.", "", "L", false)
	}
	for _, p := range s.Payments {
		pdf.MultiCell(0, 5, tr(fmt.Sprintf("%s owes %s %s %s for %s kWh received from its cession, net.", p.From, p.To, p.Amount, s.Currency, p.EnergyKWh)), "", "L", false)
	}
	pdf.MultiCell(0, 5, tr("Energy in kWh to the watt-hour, money to the cent, rounded once, half to even, at these totals."), "", "L", false)
	section("Co-signatures")
	var signed []string
	for _, p := range v.Row.Approved {
		signed = append(signed, p+" approved")
	}
	for _, p := range v.Row.Rejected {
		signed = append(signed, p+" rejected")
	}
	pdf.SetFont("Helvetica", "", 9)
	pdf.MultiCell(0, 5, tr(orNone(strings.Join(signed, "; "))+"."), "", "L", false)
	if chart != nil {
		drawLines(pdf, tr, chart)
	}
	if len(s.Open) > 0 {
		section("Left open")
		rows = nil
		for _, o := range s.Open {
			rows = append(rows, []string{o.Start.UTC().Format("2006-01-02 15:04"), o.Until.UTC().Format("2006-01-02 15:04"), fmt.Sprint(o.Intervals), strings.Join(o.Reasons, ", ")})
		}
		table([]string{"From", "Until", "Quarter-hours", "Why"}, []float64{34, 34, 26, 80}, rows)
	}
	if len(v.Days) > 0 {
		section("Day by day (entitled / took, kWh)")
		head := []string{"Day", "Settled", "Net kWh"}
		widths := []float64{22, 16, 30}
		for _, p := range s.Parties {
			head = append(head, p.Party)
			widths = append(widths, (174-68)/float64(len(s.Parties)))
		}
		rows = nil
		for _, d := range v.Days {
			rows = append(rows, append([]string{d.Day, fmt.Sprint(d.Settled), d.NetKWh}, d.Parties...))
		}
		table(head, widths, rows)
	}
	var b strings.Builder
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// drawLines draws a line chart in the PDF, with its legend.
func drawLines(pdf *fpdf.Fpdf, tr func(string) string, c *lineChart) {
	if pdf.GetY() > 190 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(0, 6, tr(c.Title), "", 1, "L", false, 0, "")
	x0, y0 := pdf.GetX(), pdf.GetY()
	scale := 174 / c.Width
	for i, l := range c.Lines {
		r, g, bl := web.RGB(l.Stroke)
		pdf.SetDrawColor(r, g, bl)
		pdf.SetLineWidth(0.5)
		if l.Dash != "" {
			pdf.SetDashPattern([]float64{2, 1.5}, 0)
		} else {
			pdf.SetDashPattern(nil, 0)
		}
		var px, py float64
		for j, pt := range strings.Fields(l.Points) {
			var x, y float64
			fmt.Sscanf(pt, "%f,%f", &x, &y)
			if j > 0 {
				pdf.Line(x0+px*scale, y0+py*scale, x0+x*scale, y0+y*scale)
			}
			px, py = x, y
		}
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(r, g, bl)
		pdf.Text(x0+float64(i%4)*44, y0+c.Height*scale+4+float64(i/4)*4, tr(l.Title))
	}
	pdf.SetDashPattern(nil, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("Helvetica", "", 6)
	for _, l := range c.Labels {
		web.PDFLabel(pdf, tr, x0+l.X*scale, y0+l.Y*scale, l.Text, l.Anchor)
	}
	pdf.SetY(y0 + c.Height*scale + 6 + float64((len(c.Lines)+3)/4)*4)
}

// statementPDF serves a statement's PDF.
func (x *Section) statementPDF(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	v, st, err := x.loadStatement(r, caller)
	if err != nil {
		return err
	}
	if st != nil {
		v.Days = days(st)
	}
	pe, err := x.site.Service().Get(r.Context(), caller, energy.KindPlant, v.Plant)
	if err != nil {
		return err
	}
	plant, _ := web.ItemOf[energy.Plant](pe)
	// The chart over the standing statements up to this one.
	var upTo []statementRow
	for _, row := range v.all.Rows {
		if !row.S.From.After(v.Row.S.From) {
			upTo = append(upTo, row)
		}
	}
	chart, _, _ := equityChart(upTo)
	b, err := StatementPDF(plant.V.Name, v, chart)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="statement-%s.pdf"`, v.Row.S.From.UTC().Format("2006-01")))
	_, err = w.Write(b)
	return err
}
