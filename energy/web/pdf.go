package energyweb

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/web"
)

// StatementPDF renders a statement as an A4 PDF, in pure Go and in p's
// language: its figures per party, the compensation owed, its
// co-signatures, what it leaves open, each day's figures, and the chart of
// each party's cumulative entitlement against what it took over the
// plant's standing statements up to it. The footer names the record, whose
// proof a reader can ask for. The figures are the statement's exact
// decimals, written with the language's separators; names, ids and the
// flags' details stay as the records have them.
func StatementPDF(p *i18n.Printer, plant string, v statementView, chart *lineChart) ([]byte, error) {
	f := web.Formatter{P: p}
	s := v.Row.S
	title := p.T("%s: settlement statement, %s", plant, p.Time(s.From.UTC(), "January 2006"))
	pdf := web.NewPDF(p, title, v.Row.Item.RecordID, 18)
	pdf.SetFont(web.PDFFont, "B", 15)
	pdf.MultiCell(0, 7, title, "", "L", false)
	pdf.SetFont(web.PDFFont, "", 9)
	status := p.T("Awaiting co-signatures.")
	switch {
	case v.Row.Replaced != "":
		status = p.T("Replaced by statement %s.", v.Row.Replaced)
	case v.Row.Disputed:
		status = p.T("In dispute: no one co-signs it until the dispute is decided.")
	case v.Row.Final():
		status = p.T("Final: co-signed by every party to it.")
	}
	terms := strings.Join(s.Terms, ", ")
	if terms == "" {
		terms = p.T("none")
	}
	pdf.MultiCell(0, 5, p.T("%s to %s", f.Stamp(s.From), f.Stamp(s.Until))+": "+p.T("%d of %d quarter-hours settled", s.Settled, s.Intervals)+"; "+
		p.T("%s kWh of net output left open.", p.Decimal(s.OpenKWh))+" "+p.T("Terms applied:")+" "+terms+". "+status, "", "L", false)
	table := func(head []string, widths []float64, rows [][]string) { web.PDFTable(pdf, head, widths, rows) }
	section := func(title string) { web.PDFSection(pdf, title) }
	section(p.T("Per party (kWh)"))
	var rows [][]string
	for _, pf := range s.Parties {
		rows = append(rows, []string{pf.Party, p.Decimal(pf.EntitledKWh), p.Decimal(pf.DeliveredKWh), p.Decimal(pf.LossesKWh), p.Decimal(pf.CededKWh),
			p.Decimal(pf.ReceivedKWh), p.Money(pf.Balance, s.Currency)})
	}
	table([]string{p.T("Party"), p.T("Entitled"), p.T("Took"), p.T("Losses"), p.T("Ceded"), p.T("Received"), p.T("Balance")},
		[]float64{14, 27, 27, 24, 26, 26, 30}, rows)
	section(p.T("Compensation owed"))
	pdf.SetFont(web.PDFFont, "", 9)
	if len(s.Payments) == 0 {
		pdf.MultiCell(0, 5, p.T("Nothing is owed."), "", "L", false)
	}
	for _, pay := range s.Payments {
		pdf.MultiCell(0, 5, p.T("%s owes %s %s for %s kWh received from its cession, net.", pay.From, pay.To, p.Money(pay.Amount, s.Currency), p.Decimal(pay.EnergyKWh)), "", "L", false)
	}
	pdf.MultiCell(0, 5, p.T("Energy in kWh to the watt-hour, money to the cent, rounded once, half to even, at these totals."), "", "L", false)
	section(p.T("Co-signatures"))
	var signed []string
	for _, party := range v.Row.Approved {
		signed = append(signed, p.T("%s approved.", party))
	}
	for _, party := range v.Row.Rejected {
		signed = append(signed, p.T("%s rejected.", party))
	}
	if len(signed) == 0 {
		signed = []string{p.T("None yet.")}
	}
	pdf.SetFont(web.PDFFont, "", 9)
	pdf.MultiCell(0, 5, strings.Join(signed, " "), "", "L", false)
	if chart != nil {
		drawLines(pdf, chart)
	}
	if len(s.Open) > 0 {
		section(p.T("Left open"))
		rows = nil
		for _, o := range s.Open {
			reasons := make([]string, len(o.Reasons))
			for i, r := range o.Reasons {
				reasons[i] = f.Label(r)
			}
			rows = append(rows, []string{p.Time(o.Start.UTC(), "2006-01-02 15:04"), p.Time(o.Until.UTC(), "2006-01-02 15:04"), p.Int(int64(o.Intervals)), strings.Join(reasons, ", ")})
		}
		table([]string{p.T("From"), p.T("Until"), p.T("Quarter-hours"), p.T("Why")}, []float64{32, 32, 38, 72}, rows)
	}
	if len(v.Days) > 0 {
		section(p.T("Day by day (entitled / took, kWh)"))
		head := []string{p.T("Day"), p.T("Settled"), p.T("Net kWh")}
		widths := []float64{22, 20, 30}
		for _, pf := range s.Parties {
			head = append(head, pf.Party)
			widths = append(widths, (174-72)/float64(len(s.Parties)))
		}
		rows = nil
		for _, d := range v.Days {
			day, _ := time.Parse(time.DateOnly, d.Day)
			row := []string{p.Time(day, "2006-01-02"), p.Int(int64(d.Settled)), p.Decimal(d.NetKWh)}
			for _, dp := range d.Parties {
				row = append(row, p.Decimal(dp.Entitled)+" / "+p.Decimal(dp.Took))
			}
			rows = append(rows, row)
		}
		table(head, widths, rows)
	}
	var b strings.Builder
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// drawLines draws a line chart in the PDF, with its legend.
func drawLines(pdf *fpdf.Fpdf, c *lineChart) {
	if pdf.GetY() > 190 {
		pdf.AddPage()
	}
	pdf.Ln(3)
	pdf.SetFont(web.PDFFont, "B", 10)
	pdf.CellFormat(0, 6, c.Title, "", 1, "L", false, 0, "")
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
		pdf.SetFont(web.PDFFont, "", 7)
		pdf.SetTextColor(r, g, bl)
		pdf.Text(x0+float64(i%4)*44, y0+c.Height*scale+4+float64(i/4)*4, l.Title)
	}
	pdf.SetDashPattern(nil, 0)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont(web.PDFFont, "", 6)
	for _, l := range c.Labels {
		web.PDFLabel(pdf, x0+l.X*scale, y0+l.Y*scale, l.Text, l.Anchor)
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
	// In the language asked for (?in=uk), else the reader's.
	p := web.DocumentPrinter(r)
	chart, _, _ := equityChart(p, upTo)
	b, err := StatementPDF(p, plant.V.Name, v, chart)
	if err != nil {
		return err
	}
	name := "statement-" + v.Row.S.From.UTC().Format("2006-01")
	if p.Lang != i18n.English {
		name += "-" + p.Lang
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, name))
	_, err = w.Write(b)
	return err
}
