package negotiationweb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/web"
)

// MakeBrief builds the brief for the caller's capital from the records as
// the caller's party sees them (the other side's positions only as
// relayed), for the round roundID ("" for none), and commits it as a record
// of the caller's party and the mediator. The mediator's principals make
// the mediator's own capital's brief.
func MakeBrief(ctx context.Context, svc *app.Service, caller access.Principal, roundID string) (app.Written, error) {
	in, err := briefInput(ctx, svc, &caller, roundID)
	if err != nil {
		return app.Written{}, err
	}
	// The brief must fit a write, as encoded: cut its content as much as
	// the encoding overflows, and once more if need be.
	const room = app.MaxBody - 4096
	in.Max = negotiation.MaxBrief
	for {
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(negotiation.WriteBrief(in)); err != nil {
			return app.Written{}, err
		}
		if body.Len() <= room {
			return svc.Create(ctx, caller, negotiation.KindBrief, body.Bytes())
		}
		in.Max -= body.Len() - room + 4096
		if in.Max < 4096 {
			return app.Written{}, &app.Error{Code: app.CodeTooLarge, Message: "the negotiating text has too many clauses for one brief: where each stands takes more than a record may hold"}
		}
	}
}

func briefInput(ctx context.Context, svc *app.Service, caller *access.Principal, roundID string) (negotiation.BriefInput, error) {
	in := negotiation.BriefInput{At: time.Now(), RoundID: roundID, Updated: map[string]time.Time{}, PartyNames: map[string]string{}}
	parties, err := web.Load[negotiation.Party](ctx, svc, caller, negotiation.PartyKind, "")
	if err != nil {
		return in, err
	}
	for _, p := range parties {
		in.PartyNames[p.ID] = p.V.Name
		if p.ID == caller.Party {
			in.Capital = p.V
		}
	}
	if in.Capital == nil {
		return in, errors.New("the caller's party is not a party of the process")
	}
	if roundID != "" {
		rd, err := web.Get[negotiation.Round](ctx, svc, caller, negotiation.RoundKind, roundID)
		if err != nil {
			return in, err
		}
		in.Round = rd.V
	}
	aspects, err := web.Load[negotiation.Aspect](ctx, svc, caller, negotiation.AspectKind, "")
	if err != nil {
		return in, err
	}
	for _, a := range aspects {
		in.Aspects = append(in.Aspects, negotiation.Item[*negotiation.Aspect]{ID: a.ID, RecordID: a.RecordID, V: a.V})
	}
	positions, err := web.Load[negotiation.Position](ctx, svc, caller, negotiation.KindPosition, "")
	if err != nil {
		return in, err
	}
	for _, p := range positions {
		if p.V.PartyID == caller.Party {
			in.Positions = append(in.Positions, negotiation.Item[*negotiation.Position]{ID: p.ID, RecordID: p.RecordID, V: p.V})
			in.Updated[p.ID] = p.Updated
		}
	}
	relays, err := web.Load[negotiation.Relay](ctx, svc, caller, negotiation.KindRelay, "")
	if err != nil {
		return in, err
	}
	for _, r := range relays {
		if r.V.Recipient == caller.Party {
			in.Relays = append(in.Relays, negotiation.Item[*negotiation.Relay]{ID: r.ID, RecordID: r.RecordID, V: r.V})
			in.Updated[r.ID] = r.Updated
		}
	}
	if in.Board, err = LoadBoard(ctx, svc, caller); err != nil {
		return in, err
	}
	briefs, err := web.Load[negotiation.Brief](ctx, svc, caller, negotiation.KindBrief, "")
	if err != nil {
		return in, err
	}
	for _, b := range briefs {
		if b.V.PartyID == caller.Party {
			in.Last, in.LastAt = b.V, b.Updated
		}
	}
	return in, nil
}

type briefsView struct {
	Briefs []item[negotiation.Brief]
	Rounds []item[negotiation.Round]
	// CanMake is whether the caller may make its capital's brief.
	CanMake bool
}

func (x *Section) briefs(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	ctx := r.Context()
	if caller == nil {
		return web.ErrNotFound
	}
	var v briefsView
	var err error
	if v.Briefs, err = web.Load[negotiation.Brief](ctx, x.svc(), caller, negotiation.KindBrief, ""); err != nil {
		return err
	}
	slices.Reverse(v.Briefs)
	if v.Rounds, err = web.Load[negotiation.Round](ctx, x.svc(), caller, negotiation.RoundKind, ""); err != nil {
		return err
	}
	v.CanMake = x.svc().Authorized(*caller, negotiation.KindBrief, caller.Party) == nil
	n, err := x.names(ctx, caller)
	if err != nil {
		return err
	}
	x.site.Render(w, r, caller, http.StatusOK, "briefs", web.Page{Title: web.T(r, "Briefs to the capitals"), Nav: "briefs", Names: n, Data: v})
	return nil
}

func (x *Section) makeBrief(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if err := web.ReadForm(w, r, caller); err != nil {
		return err
	}
	written, err := MakeBrief(r.Context(), x.svc(), *caller, r.PostForm.Get("round_id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/briefs/"+url.PathEscape(written.Entity.ID), http.StatusSeeOther)
	return nil
}

type briefView struct {
	Item  item[negotiation.Brief]
	Lines []negotiation.BriefLine
	// PDFs link the brief's PDF in each language.
	PDFs []pdfLink
}

func (x *Section) brief(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	b, err := web.Get[negotiation.Brief](r.Context(), x.svc(), caller, negotiation.KindBrief, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := briefView{Item: b, Lines: negotiation.ParseBrief(b.V.Content), PDFs: pdfLinks("/briefs/" + url.PathEscape(b.ID) + "/pdf")}
	x.site.Render(w, r, caller, http.StatusOK, "brief", web.Page{Title: b.V.Title, Nav: "briefs", Data: v})
	return nil
}

func (x *Section) briefPDF(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	b, err := web.Get[negotiation.Brief](r.Context(), x.svc(), caller, negotiation.KindBrief, r.PathValue("id"))
	if err != nil {
		return err
	}
	pdf, err := BriefPDF(web.DocumentPrinter(r), b.V, b.RecordID)
	if err != nil {
		return err
	}
	return web.InlinePDF(w, "brief-"+b.ID+".pdf", pdf)
}

// BriefPDF renders a brief as a printable A4 PDF, in pure Go. The PDF is a
// rendering of the committed content; record names the record it is of,
// which its footer prints so that a reader can ask for that record's
// proof. The document's own words (its heading, its note, its footer) are
// in p's language; the brief's content is a record, and stays in the
// language it was made in.
func BriefPDF(p *i18n.Printer, b *negotiation.Brief, record string) ([]byte, error) {
	pdf := web.NewPDF(p, b.Title, record, 20)
	pdf.SetFont(web.PDFFont, "B", 9)
	pdf.SetTextColor(90, 90, 90)
	pdf.MultiCell(0, 5, p.T("Brief to the capital"), "", "L", false)
	pdf.SetFont(web.PDFFont, "I", 8)
	pdf.MultiCell(0, 4, p.T("The brief below is shown as it was committed, in the language it was made in."), "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(3)
	for _, l := range negotiation.ParseBrief(b.Content) {
		switch l.Kind {
		case "title":
			pdf.SetFont(web.PDFFont, "B", 16)
			pdf.MultiCell(0, 8, l.Text, "", "L", false)
			pdf.Ln(2)
		case "section":
			pdf.Ln(3)
			pdf.SetFont(web.PDFFont, "B", 12)
			pdf.MultiCell(0, 6, l.Text, "", "L", false)
		case "item":
			pdf.SetFont(web.PDFFont, "", 10)
			pdf.SetX(24)
			pdf.MultiCell(0, 5, "- "+l.Text, "", "L", false)
		default:
			pdf.SetFont(web.PDFFont, "", 10)
			pdf.SetX(28)
			pdf.MultiCell(0, 5, strings.TrimSpace(l.Text), "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
