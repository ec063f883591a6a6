package reconstructionweb

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// The open-data exports stream a page at a time: an export of a hundred
// thousand projects holds a page of them in memory and begins at once.
// OCDS and IATI hold the projects their owners publish, as anyone may
// read them (open data is what the public reads, whoever downloads it, so
// that a file passed on never carries what its downloader alone may
// read); CSV holds every record of a kind the caller may read.

// OCIDPrefix begins every contracting process's identifier. parley has no
// prefix registered with the Open Contracting Partnership: an owner that
// publishes registers its own.
var OCIDPrefix = "ocds-parley"

// exportCollections are the collections CSV exports, in the domain's
// order.
func exportCollections() []string {
	var out []string
	for _, k := range (reconstruction.Domain{}).Kinds() {
		out = append(out, k.Collection)
	}
	return out
}

// WriteCSV writes every entity of kind the caller may read as CSV: its
// id, latest record, audience, version and times, then each field (a list
// or an object as JSON).
func WriteCSV(ctx context.Context, svc *app.Service, caller *access.Principal, kind parley.Kind, w io.Writer) error {
	cw := web.SafeCSV{Writer: csv.NewWriter(w)}
	head := []string{"id", "record_id", "audience", "version", "created", "updated"}
	for _, f := range kind.Fields {
		head = append(head, f.Name)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	q := store.Query{Kind: kind.Name, Limit: app.MaxPage}
	for {
		es, more, err := svc.List(ctx, caller, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			var body map[string]json.RawMessage
			if err := json.Unmarshal(e.Body, &body); err != nil {
				return fmt.Errorf("couldn't read %s %s: %w", kind.Name, e.ID, err)
			}
			aud, _ := json.Marshal(e.Audience)
			row := []string{e.ID, e.RecordID, string(aud), strconv.Itoa(e.Version), e.Created.UTC().Format(time.RFC3339), e.Updated.UTC().Format(time.RFC3339)}
			for _, f := range kind.Fields {
				row = append(row, cell(body[f.Name]))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if !more || len(es) == 0 {
			return nil
		}
		q.After = es[len(es)-1].CreatedSeq
	}
}

// cell is a field's value as a CSV cell: a string as it is, anything
// else as its JSON.
func cell(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// bundle is a project with everything under it, as the exports read it.
type bundle struct {
	Project    web.Item[reconstruction.Project]
	Need       *reconstruction.Need
	Tenders    []web.Item[reconstruction.Tender]
	Contracts  []web.Item[reconstruction.Contract]
	Milestones []web.Item[reconstruction.Milestone]
	Payments   []web.Item[reconstruction.Payment]
	Funding    []web.Item[reconstruction.Flow]
}

// firstPage is how many projects the first page of an export reads: few,
// so that the export begins at once; the pages after are app.MaxPage.
const firstPage = 50

// eachPublished calls fn with each published project, with its records,
// as the public reads them, in the order the projects were created. A
// page of projects is read at a time, and their records in one range of
// the export rows (reconstruction.ExportRowsQuery), not a query each.
func eachPublished(ctx context.Context, svc *app.Service, fn func(*bundle) error) error {
	var public *access.Principal
	needs, err := web.ByID[reconstruction.Need](ctx, svc, public, reconstruction.KindNeed)
	if err != nil {
		return err
	}
	// The next page is read while this one is written: reading is one
	// core's work, encoding the other's.
	type page struct {
		bundles []*bundle
		err     error
	}
	pages := make(chan page, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(pages)
		q := store.Query{Kind: reconstruction.KindProject, Limit: firstPage}
		for {
			bs, more, err := readPage(ctx, svc, needs, &q)
			select {
			case pages <- page{bs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !more {
				return
			}
			q.Limit = app.MaxPage
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		for _, b := range p.bundles {
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// readPage reads the page of published projects q names, with their
// records, and moves q past it.
func readPage(ctx context.Context, svc *app.Service, needs map[string]*reconstruction.Need, q *store.Query) ([]*bundle, bool, error) {
	es, more, err := svc.List(ctx, nil, *q)
	if err != nil || len(es) == 0 {
		return nil, false, err
	}
	q.After = es[len(es)-1].CreatedSeq
	var page []*bundle
	bySeq := map[int64]*bundle{}
	for _, e := range es {
		it, err := web.ItemOf[reconstruction.Project](e)
		if err != nil {
			return nil, false, err
		}
		if it.V.Published {
			b := &bundle{Project: it, Need: needs[it.V.NeedID]}
			page = append(page, b)
			bySeq[e.CreatedSeq] = b
		}
	}
	if len(page) == 0 {
		return nil, more, nil
	}
	err = svc.ReadProjection(ctx, reconstruction.ExportRowsQuery, []any{es[0].CreatedSeq, es[len(es)-1].CreatedSeq}, func(scan func(...any) error) error {
		var row reconstruction.ExportRow
		var changed, body string
		if err := scan(&row.ProjectSeq, &row.Kind, &row.ID, &changed, &body); err != nil {
			return err
		}
		if b := bySeq[row.ProjectSeq]; b != nil {
			row.Changed, _ = time.Parse(time.RFC3339Nano, changed)
			row.Body = json.RawMessage(body)
			return b.add(row)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("couldn't read the projects' records: %w", err)
	}
	return page, more, nil
}

// add files one of the project's records in its bundle.
func (b *bundle) add(row reconstruction.ExportRow) error {
	var err error
	switch row.Kind {
	case reconstruction.KindTender:
		b.Tenders, err = appendItem(b.Tenders, row)
	case reconstruction.KindContract:
		b.Contracts, err = appendItem(b.Contracts, row)
	case reconstruction.KindMilestone:
		b.Milestones, err = appendItem(b.Milestones, row)
	case reconstruction.KindPayment:
		b.Payments, err = appendItem(b.Payments, row)
	case reconstruction.KindFlow:
		b.Funding, err = appendItem(b.Funding, row)
	}
	return err
}

func appendItem[T any](items []web.Item[T], row reconstruction.ExportRow) ([]web.Item[T], error) {
	v := new(T)
	if err := json.Unmarshal(row.Body, v); err != nil {
		return items, fmt.Errorf("couldn't read %s %s: %w", row.Kind, row.ID, err)
	}
	return append(items, web.Item[T]{ID: row.ID, Updated: row.Changed, Audience: record.Audience{Scope: record.Public}, V: v}), nil
}

// fundingOf returns the flows that name project as what they fund.
func fundingOf(ctx context.Context, svc *app.Service, caller *access.Principal, project string) ([]web.Item[reconstruction.Flow], error) {
	es, err := svc.AllOf(ctx, caller, store.Query{Kind: reconstruction.KindFlow, Fields: map[string]string{"project_id": project}})
	if err != nil {
		return nil, err
	}
	out := make([]web.Item[reconstruction.Flow], 0, len(es))
	for _, e := range es {
		it, err := web.ItemOf[reconstruction.Flow](e)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// The OCDS release package (version 1.1): one release per contracting
// process. A project's tender is a process, with the contracts awarded on
// it; a contract awarded without a tender is one of its own (a direct
// award); a project with neither is a planning process. Each release
// carries the project as its planning (budget, milestones), and each
// contract its payments as implementation transactions.

type ocdsValue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

type ocdsOrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type ocdsParty struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

type ocdsPeriod struct {
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
}

type ocdsMilestone struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	DueDate string `json:"dueDate,omitempty"`
	DateMet string `json:"dateMet,omitempty"`
	Status  string `json:"status"`
}

type ocdsRelease struct {
	OCID           string      `json:"ocid"`
	ID             string      `json:"id"`
	Date           string      `json:"date"`
	Tag            []string    `json:"tag"`
	InitiationType string      `json:"initiationType"`
	Parties        []ocdsParty `json:"parties"`
	Buyer          ocdsOrgRef  `json:"buyer"`
	Planning       struct {
		Budget struct {
			Description string `json:"description,omitempty"`
			Project     string `json:"project"`
			ProjectID   string `json:"projectID"`
		} `json:"budget"`
		Milestones []ocdsMilestone `json:"milestones,omitempty"`
	} `json:"planning"`
	Tender    *ocdsTender    `json:"tender,omitempty"`
	Awards    []ocdsAward    `json:"awards,omitempty"`
	Contracts []ocdsContract `json:"contracts,omitempty"`
}

type ocdsTender struct {
	ID                string      `json:"id"`
	Title             string      `json:"title"`
	Status            string      `json:"status"`
	Value             ocdsValue   `json:"value"`
	ProcurementMethod string      `json:"procurementMethod"`
	TenderPeriod      *ocdsPeriod `json:"tenderPeriod,omitempty"`
}

type ocdsAward struct {
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Date      string       `json:"date"`
	Value     ocdsValue    `json:"value"`
	Suppliers []ocdsOrgRef `json:"suppliers"`
}

type ocdsTransaction struct {
	ID    string     `json:"id"`
	Date  string     `json:"date"`
	Value ocdsValue  `json:"value"`
	Payer ocdsOrgRef `json:"payer"`
	Payee ocdsOrgRef `json:"payee"`
}

type ocdsContract struct {
	ID             string    `json:"id"`
	AwardID        string    `json:"awardID"`
	Title          string    `json:"title"`
	Status         string    `json:"status"`
	Value          ocdsValue `json:"value"`
	DateSigned     string    `json:"dateSigned"`
	Implementation struct {
		Transactions []ocdsTransaction `json:"transactions"`
	} `json:"implementation"`
}

// awardStatus is the status of the award a contract of a status was
// signed on.
var awardStatus = map[string]string{"pending": "pending", "active": "active", "terminated": "active", "cancelled": "cancelled"}

func dateTime(day string) string { return day + "T00:00:00Z" }

// releases are the OCDS releases of one project.
func (b *bundle) releases(names map[string]string) []ocdsRelease {
	p := b.Project
	buyer := ocdsOrgRef{ID: p.V.OwnerID, Name: nameOf(names, p.V.OwnerID)}
	base := func(ocid string) ocdsRelease {
		r := ocdsRelease{OCID: OCIDPrefix + "-" + ocid, InitiationType: "tender", Buyer: buyer,
			Parties: []ocdsParty{{ID: buyer.ID, Name: buyer.Name, Roles: []string{"buyer", "payer"}}}}
		r.Planning.Budget.Project, r.Planning.Budget.ProjectID = p.V.Title, p.ID
		if b.Need != nil {
			r.Planning.Budget.Description = b.Need.Sector + ", " + b.Need.Region
		}
		for _, m := range b.Milestones {
			r.Planning.Milestones = append(r.Planning.Milestones, ocdsMilestone{ID: m.ID, Title: m.V.Title, DueDate: dateTime(m.V.Due),
				DateMet: ifSet(m.V.Met, dateTime), Status: m.V.Status})
		}
		return r
	}
	paid := map[string][]ocdsTransaction{}
	for _, pay := range b.Payments {
		paid[pay.V.ContractID] = append(paid[pay.V.ContractID], ocdsTransaction{ID: pay.ID, Date: dateTime(pay.V.Date),
			Value: ocdsValue{json.Number(pay.V.Amount), pay.V.Currency}, Payer: buyer})
	}
	contract := func(r *ocdsRelease, c web.Item[reconstruction.Contract]) {
		// Suppliers' ids are their own namespace, apart from the parties'.
		supplier := ocdsOrgRef{ID: "supplier-" + cmp.Or(c.V.SupplierID, c.ID), Name: c.V.Supplier}
		if !slices.ContainsFunc(r.Parties, func(x ocdsParty) bool { return x.ID == supplier.ID }) {
			r.Parties = append(r.Parties, ocdsParty{ID: supplier.ID, Name: supplier.Name, Roles: []string{"supplier", "payee"}})
		}
		v := ocdsValue{json.Number(c.V.Value), c.V.Currency}
		r.Awards = append(r.Awards, ocdsAward{ID: c.ID, Status: awardStatus[c.V.Status], Date: dateTime(c.V.Signed), Value: v, Suppliers: []ocdsOrgRef{supplier}})
		oc := ocdsContract{ID: c.ID, AwardID: c.ID, Title: c.V.Title, Status: c.V.Status, Value: v, DateSigned: dateTime(c.V.Signed)}
		oc.Implementation.Transactions = []ocdsTransaction{}
		for _, t := range paid[c.ID] {
			t.Payee = supplier
			oc.Implementation.Transactions = append(oc.Implementation.Transactions, t)
		}
		r.Contracts = append(r.Contracts, oc)
	}
	var out []ocdsRelease
	awarded := map[string]bool{}
	for _, t := range b.Tenders {
		r := base(t.ID)
		r.Tag = []string{"tender"}
		r.Tender = &ocdsTender{ID: t.ID, Title: t.V.Title, Status: t.V.Status, Value: ocdsValue{json.Number(t.V.Value), t.V.Currency}, ProcurementMethod: t.V.Method}
		if t.V.Closes != "" {
			r.Tender.TenderPeriod = &ocdsPeriod{StartDate: dateTime(t.V.Date), EndDate: dateTime(t.V.Closes)}
		}
		for _, c := range b.Contracts {
			if c.V.TenderID == t.ID {
				contract(&r, c)
				awarded[c.ID] = true
			}
		}
		if len(r.Contracts) > 0 {
			r.Tag = []string{"tender", "award", "contract", "implementation"}
		}
		out = append(out, r)
	}
	for _, c := range b.Contracts {
		if !awarded[c.ID] {
			r := base(c.ID)
			r.Tag = []string{"award", "contract", "implementation"}
			contract(&r, c)
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := base(p.ID)
		r.Tag = []string{"planning"}
		out = append(out, r)
	}
	// A release is dated by the latest change of what it holds (the
	// project's records all bear on each of its releases), and named by
	// a digest of its content: one that changes is a new release, as OCDS
	// has it, and one that does not keeps its id.
	date := b.changed()
	for i := range out {
		out[i].Date = date.UTC().Format(time.RFC3339)
		body, _ := json.Marshal(out[i])
		sum := sha256.Sum256(body)
		out[i].ID = out[i].OCID + "-" + hex.EncodeToString(sum[:8])
	}
	return out
}

// changed is when the latest of the project's records was committed.
func (b *bundle) changed() time.Time {
	t := b.Project.Updated
	later := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	for _, x := range b.Tenders {
		later(x.Updated)
	}
	for _, x := range b.Contracts {
		later(x.Updated)
	}
	for _, x := range b.Milestones {
		later(x.Updated)
	}
	for _, x := range b.Payments {
		later(x.Updated)
	}
	return t
}

func ifSet(s string, f func(string) string) string {
	if s == "" {
		return ""
	}
	return f(s)
}

func nameOf(names map[string]string, id string) string { return cmp.Or(names[id], id) }

// errNothingPublished: no project the caller may read is published.
var errNothingPublished = &app.Error{Code: app.CodeNotFound, Message: "no project is published as open data"}

// WriteOCDS writes the OCDS release package of the published projects, as
// the public reads them. The package begins once the first release is
// ready; with none, nothing is written and the error is app.CodeNotFound
// (a package holds at least one release). uri names the package.
func WriteOCDS(ctx context.Context, svc *app.Service, w io.Writer, uri string, begin func()) error {
	var caller *access.Principal // the public
	names, err := parties(ctx, svc, caller)
	if err != nil {
		return err
	}
	first := true
	err = eachPublished(ctx, svc, func(b *bundle) error {
		for _, r := range b.releases(names) {
			body, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if first {
				begin()
				head, _ := json.Marshal(map[string]any{"uri": uri, "version": "1.1", "publishedDate": time.Now().UTC().Format(time.RFC3339),
					"publisher": map[string]string{"name": "parley"}})
				if _, err := w.Write(append(head[:len(head)-1], `,"releases":[`...)); err != nil {
					return err
				}
				first = false
			} else if _, err := w.Write([]byte(",\n")); err != nil {
				return err
			}
			if _, err := w.Write(body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if first {
		return errNothingPublished
	}
	_, err = w.Write([]byte("]}\n"))
	return err
}

// IATI activities (version 2.03): one activity per published project,
// reported by its owner, with the donors' commitments (incoming
// commitment, 11) and disbursements (incoming funds, 1) that name it, and
// its payments (expenditure, 4).

type iatiNarrative struct {
	Text string `xml:",chardata"`
}

type iatiText struct {
	Narrative iatiNarrative `xml:"narrative"`
}

type iatiOrg struct {
	Ref       string         `xml:"ref,attr,omitempty"`
	Type      string         `xml:"type,attr,omitempty"`
	Role      string         `xml:"role,attr,omitempty"`
	Narrative *iatiNarrative `xml:"narrative,omitempty"`
}

type iatiCode struct {
	Code string `xml:"code,attr"`
}

type iatiDate struct {
	Type    string `xml:"type,attr,omitempty"`
	ISODate string `xml:"iso-date,attr"`
}

type iatiValue struct {
	Currency  string `xml:"currency,attr"`
	ValueDate string `xml:"value-date,attr"`
	Amount    string `xml:",chardata"`
}

type iatiTransaction struct {
	Ref         string    `xml:"ref,attr,omitempty"`
	Type        iatiCode  `xml:"transaction-type"`
	Date        iatiDate  `xml:"transaction-date"`
	Value       iatiValue `xml:"value"`
	Description *iatiText `xml:"description,omitempty"`
	Provider    *iatiOrg  `xml:"provider-org,omitempty"`
	Receiver    *iatiOrg  `xml:"receiver-org,omitempty"`
}

type iatiSector struct {
	Vocabulary string        `xml:"vocabulary,attr"`
	Code       string        `xml:"code,attr"`
	Narrative  iatiNarrative `xml:"narrative"`
}

type iatiActivity struct {
	XMLName      xml.Name          `xml:"iati-activity"`
	LastUpdated  string            `xml:"last-updated-datetime,attr"`
	Lang         string            `xml:"xml:lang,attr"`
	Currency     string            `xml:"default-currency,attr,omitempty"`
	Identifier   string            `xml:"iati-identifier"`
	Reporting    iatiOrg           `xml:"reporting-org"`
	Title        iatiText          `xml:"title"`
	Description  iatiText          `xml:"description"`
	Participants []iatiOrg         `xml:"participating-org"`
	Status       iatiCode          `xml:"activity-status"`
	Dates        []iatiDate        `xml:"activity-date"`
	Sector       *iatiSector       `xml:"sector,omitempty"`
	Transactions []iatiTransaction `xml:"transaction"`
}

// activityStatus is IATI's activity status of each project status.
var activityStatus = map[string]string{"planning": "1", "tender": "2", "contract": "2", "implementation": "2", "completed": "3", "cancelled": "5"}

// activity is the project as an IATI activity.
func (b *bundle) activity(names map[string]string) iatiActivity {
	p := b.Project
	owner := func() *iatiOrg {
		return &iatiOrg{Ref: p.V.OwnerID, Narrative: &iatiNarrative{nameOf(names, p.V.OwnerID)}}
	}
	a := iatiActivity{LastUpdated: p.Updated.UTC().Format(time.RFC3339), Lang: "en", Identifier: p.V.OwnerID + "-" + p.ID,
		Reporting: iatiOrg{Ref: p.V.OwnerID, Type: "10", Narrative: &iatiNarrative{nameOf(names, p.V.OwnerID)}},
		Title:     iatiText{iatiNarrative{p.V.Title}}, Description: iatiText{iatiNarrative{cmp.Or(p.V.Description, p.V.Title)}},
		Status: iatiCode{activityStatus[p.V.Status]}, Dates: []iatiDate{{Type: "2", ISODate: p.V.Start}}}
	if p.V.End != "" {
		a.Dates = append(a.Dates, iatiDate{Type: "3", ISODate: p.V.End})
	}
	a.Participants = append(a.Participants, iatiOrg{Ref: p.V.OwnerID, Role: "4", Narrative: &iatiNarrative{nameOf(names, p.V.OwnerID)}})
	if b.Need != nil {
		a.Sector = &iatiSector{Vocabulary: "99", Code: b.Need.Sector, Narrative: iatiNarrative{b.Need.Sector + ", " + b.Need.Region}}
	}
	donors := map[string]bool{}
	for _, f := range b.Funding {
		code := map[string]string{reconstruction.Commitment: "11", reconstruction.Disbursement: "1"}[f.V.Stage]
		if code == "" {
			continue
		}
		if !donors[f.V.DonorID] {
			donors[f.V.DonorID] = true
			a.Participants = append(a.Participants, iatiOrg{Ref: f.V.DonorID, Role: "1", Narrative: &iatiNarrative{nameOf(names, f.V.DonorID)}})
		}
		a.Transactions = append(a.Transactions, iatiTransaction{Ref: f.ID, Type: iatiCode{code}, Date: iatiDate{ISODate: f.V.Date},
			Value:    iatiValue{Currency: f.V.Currency, ValueDate: f.V.Date, Amount: f.V.Amount},
			Provider: &iatiOrg{Ref: f.V.DonorID, Narrative: &iatiNarrative{nameOf(names, f.V.DonorID)}}, Receiver: owner()})
	}
	suppliers := map[string]string{}
	for _, c := range b.Contracts {
		suppliers[c.ID] = c.V.Supplier
	}
	for _, pay := range b.Payments {
		a.Transactions = append(a.Transactions, iatiTransaction{Ref: pay.ID, Type: iatiCode{"4"}, Date: iatiDate{ISODate: pay.V.Date},
			Value:    iatiValue{Currency: pay.V.Currency, ValueDate: pay.V.Date, Amount: pay.V.Amount},
			Provider: owner(), Receiver: &iatiOrg{Narrative: &iatiNarrative{suppliers[pay.V.ContractID]}}})
	}
	return a
}

// WriteIATI writes the IATI activities of the published projects, as the
// public reads them; as WriteOCDS, with none it writes nothing and answers
// app.CodeNotFound (a file holds at least one activity).
func WriteIATI(ctx context.Context, svc *app.Service, w io.Writer, begin func()) error {
	var caller *access.Principal // the public
	names, err := parties(ctx, svc, caller)
	if err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	first := true
	err = eachPublished(ctx, svc, func(b *bundle) error {
		if first {
			begin()
			first = false
			if _, err := fmt.Fprintf(w, "%s<iati-activities version=\"2.03\" generated-datetime=\"%s\">\n", xml.Header, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
		}
		if err := enc.Encode(b.activity(names)); err != nil {
			return err
		}
		return enc.Flush()
	})
	if err != nil {
		return err
	}
	if first {
		return errNothingPublished
	}
	_, err = io.WriteString(w, "\n</iati-activities>\n")
	return err
}

func attachment(w http.ResponseWriter, ctype, name string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// Once an answer has begun, an error can only cut it short: the reader
// sees a file without its end, which neither JSON nor XML parses.

func (x *Section) exportOCDS(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	return Stream(x.site.Logger(), func(begin func()) error {
		return WriteOCDS(r.Context(), x.site.Service(), w, AbsoluteURL(r), func() {
			attachment(w, "application/json", "ocds-release-package.json")
			begin()
		})
	})
}

func (x *Section) exportIATI(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	return Stream(x.site.Logger(), func(begin func()) error {
		return WriteIATI(r.Context(), x.site.Service(), w, func() {
			attachment(w, "application/xml", "iati-activities.xml")
			begin()
		})
	})
}

func (x *Section) exportCSV(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	k, ok := KindOf(r.PathValue("collection"))
	if !ok {
		return &app.Error{Code: app.CodeNotFound, Message: "no such export"}
	}
	return Stream(x.site.Logger(), func(begin func()) error {
		attachment(w, "text/csv; charset=utf-8", k.Collection+".csv")
		begin()
		return WriteCSV(r.Context(), x.site.Service(), caller, k, w)
	})
}

// KindOf returns the reconstruction kind of a collection.
func KindOf(collection string) (parley.Kind, bool) {
	for _, k := range (reconstruction.Domain{}).Kinds() {
		if k.Collection == collection {
			return k, true
		}
	}
	return parley.Kind{}, false
}

// Stream runs write, which calls begin before it writes anything: an
// error before that is returned, to be answered as an error page or body;
// one after is logged, and aborts the answer (http.ErrAbortHandler), so
// that the reader's connection breaks without the answer's end and no
// reader takes what it got for the whole file (a CSV cut at a row's end
// would parse).
func Stream(log *slog.Logger, write func(begin func()) error) error {
	begun := false
	err := write(func() { begun = true })
	if begun && err != nil {
		log.Warn("an export was cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// AbsoluteURL is the address a request was made to, as its reader names
// it: OCDS names a package by an absolute URI.
func AbsoluteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}
