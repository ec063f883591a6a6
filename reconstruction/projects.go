package reconstruction

import (
	"math/big"
	"time"

	"github.com/parley-project/parley"
)

// Projects, from need to completion (after Ukraine's DREAM): a project
// serves one need and is owned by one party; its tenders, contracts,
// milestones and payments are its children. Payments are the project's
// transactions with its suppliers, each backed by evidence.
const (
	KindProject   = "reconstruction.project"
	KindTender    = "reconstruction.tender"
	KindContract  = "reconstruction.contract"
	KindMilestone = "reconstruction.milestone"
	KindPayment   = "reconstruction.payment"
)

// ProjectStatuses are where a project stands, in the order it moves
// (cancelled may come at any point).
var ProjectStatuses = []string{"planning", "tender", "contract", "implementation", "completed", "cancelled"}

// TenderMethods are how a tender is run (OCDS's procurement methods).
var TenderMethods = []string{"open", "selective", "limited", "direct"}

// TenderStatuses are where a tender stands (OCDS's tender statuses).
var TenderStatuses = []string{"planned", "active", "complete", "cancelled", "unsuccessful"}

// ContractStatuses are where a contract stands (OCDS's contract statuses).
var ContractStatuses = []string{"pending", "active", "cancelled", "terminated"}

// MilestoneStatuses are where a milestone stands (OCDS's milestone statuses).
var MilestoneStatuses = []string{"scheduled", "met", "notMet"}

var projectKinds = []parley.Kind{
	{Name: KindProject, Collection: "reconstruction-projects", Title: "project", New: func() parley.Entity { return new(Project) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			ref("need_id", "Need", KindNeed, true, "The need it serves: its sector and region."),
			ref("owner_id", "Owner", PartyKind, true, "The party that owns and procures it (the buyer)."),
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(ProjectStatuses, nil)},
			{Name: "start", Type: parley.Date, Required: true, Help: "When it began: no tender, contract, payment or flow for it is dated before."},
			{Name: "end", Type: parley.Date, Help: "When it is planned to be complete."},
			{Name: "description", Type: parley.Text},
			{Name: "published", Type: parley.Bool, Help: "The owner publishes it as open data: the OCDS and IATI exports hold it."},
			{Name: "illustrative", Type: parley.Bool, Help: "Set where no source gives it: pages mark it."},
			{Name: "note", Type: parley.Text},
		},
		HeadlineField: "title", StatusField: "status", OwnerField: "owner_id", TimeField: "start", IndexFields: []string{"need_id"},
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator, Mutable: true},
	{Name: KindTender, Collection: "project-tenders", Title: "tender", New: func() parley.Entity { return new(Tender) },
		Fields: []parley.Field{
			ref("project_id", "Project", KindProject, true, ""),
			{Name: "title", Type: parley.String, Required: true},
			{Name: "method", Type: parley.Enum, Required: true, Enum: parley.Options(TenderMethods, nil)},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(TenderStatuses, nil)},
			{Name: "currency", Type: parley.String, Required: true, Help: "ISO 4217."},
			{Name: "value", Type: parley.String, Required: true, Help: "Its estimated value, as a decimal in its currency."},
			{Name: "date", Type: parley.Date, Required: true, Help: "When it was announced."},
			{Name: "closes", Type: parley.Date, Help: "When bids close."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "project_id", HeadlineField: "title", StatusField: "status", TimeField: "date",
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator, Mutable: true},
	{Name: KindContract, Collection: "project-contracts", Title: "contract", New: func() parley.Entity { return new(Contract) },
		Fields: []parley.Field{
			ref("project_id", "Project", KindProject, true, ""),
			ref("tender_id", "Tender", KindTender, false, "The tender it was awarded on, if any: of the same project."),
			{Name: "title", Type: parley.String, Required: true},
			{Name: "supplier", Type: parley.String, Required: true, Help: "Who the contract is with, by name."},
			{Name: "supplier_id", Label: "Supplier's registration", Type: parley.String, Help: "Its identifier in a register of companies, if known (for example UA-EDR-12345678)."},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(ContractStatuses, nil)},
			{Name: "currency", Type: parley.String, Required: true, Help: "ISO 4217: its payments are in it."},
			{Name: "value", Type: parley.String, Required: true, Help: "As a decimal in its currency: its payments add up to no more."},
			{Name: "signed", Type: parley.Date, Required: true},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "project_id", HeadlineField: "title", StatusField: "status", TimeField: "signed",
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator, Mutable: true},
	{Name: KindMilestone, Collection: "project-milestones", Title: "milestone", New: func() parley.Entity { return new(Milestone) },
		Fields: []parley.Field{
			ref("project_id", "Project", KindProject, true, ""),
			{Name: "title", Type: parley.String, Required: true},
			{Name: "due", Type: parley.Date, Required: true},
			{Name: "status", Type: parley.Enum, Required: true, Enum: parley.Options(MilestoneStatuses, map[string]string{"notMet": "not met"})},
			{Name: "met", Type: parley.Date, Help: "When it was met: required once it is."},
			parley.EvidenceField,
			{Name: "note", Type: parley.Text},
		},
		ParentField: "project_id", HeadlineField: "title", StatusField: "status", TimeField: "due",
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator, Mutable: true},
	{Name: KindPayment, Collection: "project-payments", Title: "payment", New: func() parley.Entity { return new(Payment) },
		Fields: []parley.Field{
			ref("project_id", "Project", KindProject, true, ""),
			ref("contract_id", "Contract", KindContract, true, "The contract it pays: of the same project."),
			ref("funded_by", "Funded by", KindFlow, false, "The disbursement it was paid from, if known."),
			{Name: "amount", Type: parley.String, Required: true, Help: "In the contract's currency, as a decimal."},
			{Name: "currency", Type: parley.String, Required: true, Help: "The contract's currency."},
			{Name: "rate", Type: parley.String, Required: true, Help: "How many US dollars one unit of its currency was converted at."},
			{Name: "date", Type: parley.Date, Required: true},
			parley.EvidenceField,
			{Name: "note", Type: parley.Text},
		},
		ParentField: "project_id", HeadlineField: "amount", TimeField: "date", IndexFields: []string{"contract_id"},
		// Payments come in bulk (a portfolio's ledger): many at once are
		// the items of batch records.
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator, Batched: true},
}

// Project is a piece of reconstruction from need to completion.
type Project struct {
	Title        string `json:"title"`
	NeedID       string `json:"need_id"`
	OwnerID      string `json:"owner_id"`
	Status       string `json:"status"`
	Start        string `json:"start"`
	End          string `json:"end,omitempty"`
	Description  string `json:"description,omitempty"`
	Published    bool   `json:"published,omitempty"`
	Illustrative bool   `json:"illustrative,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (p *Project) Normalize() {
	parley.Trim(&p.Title, &p.NeedID, &p.OwnerID, &p.Status, &p.Start, &p.End, &p.Description, &p.Note)
}

// References implements parley.Entity.
func (p *Project) References() []parley.Reference {
	return []parley.Reference{{Field: "need_id", Kind: KindNeed, ID: p.NeedID}, {Field: "owner_id", Kind: PartyKind, ID: p.OwnerID}}
}

// Validate implements parley.Entity.
func (p *Project) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("title", p.Title), parley.Required("need_id", p.NeedID), parley.Required("owner_id", p.OwnerID),
		parley.OneOf("status", p.Status, ProjectStatuses), parley.TextLimit("description", p.Description), parley.TextLimit("note", p.Note)); err != nil {
		return err
	}
	start, err := day("start", p.Start)
	if err != nil {
		return err
	}
	if p.End != "" {
		end, err := day("end", p.End)
		if err != nil {
			return err
		}
		if end.Before(start) {
			return parley.Errorf("end", "is %s, before the start (%s)", p.End, p.Start)
		}
	}
	return nil
}

// inProject checks that a transaction of a project is dated on or after
// the project's start; the project is resolved as the writer sees it.
func inProject(r parley.Resolved, project, field, date string) error {
	d, err := day(field, date)
	if err != nil {
		return err
	}
	if p, ok := parley.Lookup[*Project](r, KindProject, project); ok {
		if start, err := day("start", p.Start); err == nil && d.Before(start) {
			return parley.Errorf(field, "is %s, before its project began (%s)", date, p.Start)
		}
	}
	return nil
}

// Tender is a call for bids for (part of) a project.
type Tender struct {
	ProjectID string `json:"project_id"`
	Title     string `json:"title"`
	Method    string `json:"method"`
	Status    string `json:"status"`
	Currency  string `json:"currency"`
	Value     string `json:"value"`
	Date      string `json:"date"`
	Closes    string `json:"closes,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (t *Tender) Normalize() {
	parley.Trim(&t.ProjectID, &t.Title, &t.Method, &t.Status, &t.Currency, &t.Value, &t.Date, &t.Closes, &t.Note)
}

// References implements parley.Entity.
func (t *Tender) References() []parley.Reference {
	return []parley.Reference{{Field: "project_id", Kind: KindProject, ID: t.ProjectID}}
}

// Validate implements parley.Entity.
func (t *Tender) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("project_id", t.ProjectID), parley.Required("title", t.Title), parley.OneOf("method", t.Method, TenderMethods),
		parley.OneOf("status", t.Status, TenderStatuses), parley.TextLimit("note", t.Note)); err != nil {
		return err
	}
	if _, err := Amount("value", t.Currency, t.Value); err != nil {
		return err
	}
	if err := inProject(r, t.ProjectID, "date", t.Date); err != nil {
		return err
	}
	if t.Closes != "" {
		c, err := day("closes", t.Closes)
		if err != nil {
			return err
		}
		if d, _ := day("date", t.Date); c.Before(d) {
			return parley.Errorf("closes", "is %s, before the tender was announced (%s)", t.Closes, t.Date)
		}
	}
	return nil
}

// Contract is an award to a supplier.
type Contract struct {
	ProjectID  string `json:"project_id"`
	TenderID   string `json:"tender_id,omitempty"`
	Title      string `json:"title"`
	Supplier   string `json:"supplier"`
	SupplierID string `json:"supplier_id,omitempty"`
	Status     string `json:"status"`
	Currency   string `json:"currency"`
	Value      string `json:"value"`
	Signed     string `json:"signed"`
	Note       string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Contract) Normalize() {
	parley.Trim(&c.ProjectID, &c.TenderID, &c.Title, &c.Supplier, &c.SupplierID, &c.Status, &c.Currency, &c.Value, &c.Signed, &c.Note)
}

// References implements parley.Entity.
func (c *Contract) References() []parley.Reference {
	return []parley.Reference{{Field: "project_id", Kind: KindProject, ID: c.ProjectID}, {Field: "tender_id", Kind: KindTender, ID: c.TenderID}}
}

// Validate implements parley.Entity: the tender it was awarded on is the
// same project's, and it is signed on or after the tender and the start.
func (c *Contract) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("project_id", c.ProjectID), parley.Required("title", c.Title), parley.Required("supplier", c.Supplier),
		parley.OneOf("status", c.Status, ContractStatuses), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if _, err := Amount("value", c.Currency, c.Value); err != nil {
		return err
	}
	if err := inProject(r, c.ProjectID, "signed", c.Signed); err != nil {
		return err
	}
	if t, ok := parley.Lookup[*Tender](r, KindTender, c.TenderID); ok {
		if t.ProjectID != c.ProjectID {
			return parley.Errorf("tender_id", "is a tender of project %s, not of this one", t.ProjectID)
		}
		if s, _ := day("signed", c.Signed); s.Before(mustDay(t.Date)) {
			return parley.Errorf("signed", "is %s, before its tender was announced (%s)", c.Signed, t.Date)
		}
	}
	return nil
}

// mustDay reads a date a validated record holds; one that is not reads as
// the zero time, before every date.
func mustDay(s string) time.Time {
	t, _ := day("", s)
	return t
}

// Milestone is a step of a project's implementation.
type Milestone struct {
	ProjectID string            `json:"project_id"`
	Title     string            `json:"title"`
	Due       string            `json:"due"`
	Status    string            `json:"status"`
	Met       string            `json:"met,omitempty"`
	Evidence  []parley.Evidence `json:"evidence,omitempty"`
	Note      string            `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (m *Milestone) Normalize() {
	parley.Trim(&m.ProjectID, &m.Title, &m.Due, &m.Status, &m.Met, &m.Note)
}

// References implements parley.Entity.
func (m *Milestone) References() []parley.Reference {
	return []parley.Reference{{Field: "project_id", Kind: KindProject, ID: m.ProjectID}}
}

// Validate implements parley.Entity: a milestone met says when, not before
// its project began.
func (m *Milestone) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("project_id", m.ProjectID), parley.Required("title", m.Title),
		parley.OneOf("status", m.Status, MilestoneStatuses), parley.TextLimit("note", m.Note), parley.CheckEvidence(m.Evidence)); err != nil {
		return err
	}
	if err := inProject(r, m.ProjectID, "due", m.Due); err != nil {
		return err
	}
	switch {
	case m.Status == "met" && m.Met == "":
		return parley.Errorf("met", "is required: when the milestone was met")
	case m.Status != "met" && m.Met != "":
		if m.Status == "notMet" {
			return parley.Errorf("met", "is set, but the milestone is notMet")
		}
		return parley.Errorf("met", "is set, but the milestone is scheduled")
	case m.Met != "":
		return inProject(r, m.ProjectID, "met", m.Met)
	}
	return nil
}

// Payment is a project's payment to a supplier under a contract: one of
// its transactions, backed by evidence (an invoice, a photograph).
type Payment struct {
	ProjectID  string            `json:"project_id"`
	ContractID string            `json:"contract_id"`
	FundedBy   string            `json:"funded_by,omitempty"`
	Amount     string            `json:"amount"`
	Currency   string            `json:"currency"`
	Rate       string            `json:"rate"`
	Date       string            `json:"date"`
	Evidence   []parley.Evidence `json:"evidence,omitempty"`
	Note       string            `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (p *Payment) Normalize() {
	parley.Trim(&p.ProjectID, &p.ContractID, &p.FundedBy, &p.Amount, &p.Currency, &p.Rate, &p.Date, &p.Note)
}

// References implements parley.Entity.
func (p *Payment) References() []parley.Reference {
	return []parley.Reference{{Field: "project_id", Kind: KindProject, ID: p.ProjectID}, {Field: "contract_id", Kind: KindContract, ID: p.ContractID},
		{Field: "funded_by", Kind: KindFlow, ID: p.FundedBy}}
}

// Validate implements parley.Entity: a payment is in its contract's
// currency, under a contract of its project, dated neither before the
// project began nor before the contract was signed; what funded it is a
// disbursement.
func (p *Payment) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("project_id", p.ProjectID), parley.Required("contract_id", p.ContractID),
		parley.TextLimit("note", p.Note), parley.CheckEvidence(p.Evidence)); err != nil {
		return err
	}
	if _, err := Amount("amount", p.Currency, p.Amount); err != nil {
		return err
	}
	if _, err := Rate("rate", p.Currency, p.Rate); err != nil {
		return err
	}
	if err := inProject(r, p.ProjectID, "date", p.Date); err != nil {
		return err
	}
	if c, ok := parley.Lookup[*Contract](r, KindContract, p.ContractID); ok {
		switch {
		case c.ProjectID != p.ProjectID:
			return parley.Errorf("contract_id", "is a contract of project %s, not of this one", c.ProjectID)
		case c.Currency != p.Currency:
			return parley.Errorf("currency", "is %s; the contract it pays is in %s", p.Currency, c.Currency)
		case mustDay(p.Date).Before(mustDay(c.Signed)):
			return parley.Errorf("date", "is %s, before its contract was signed (%s)", p.Date, c.Signed)
		case c.Status == "cancelled":
			return parley.Errorf("contract_id", "is cancelled: nothing is paid under it")
		}
	}
	if f, ok := parley.Lookup[*Flow](r, KindFlow, p.FundedBy); ok {
		switch {
		case f.Stage != Disbursement:
			if f.Stage == Pledge {
				return parley.Errorf("funded_by", "is a pledge; a payment is funded by a disbursement")
			}
			return parley.Errorf("funded_by", "is a commitment; a payment is funded by a disbursement")
		case f.ProjectID != "" && f.ProjectID != p.ProjectID:
			return parley.Errorf("funded_by", "is a disbursement for project %s, not this one", f.ProjectID)
		}
	}
	return nil
}

// paidWithinContract: what a contract's payments add up to is no more than
// its value, exactly.
var paidWithinContract = parley.Invariant{
	Kind: KindPayment, Name: "a contract's payments add up to no more than its value",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		p := e.(*Payment)
		return []parley.Need{{Kind: KindContract, ID: p.ContractID}, {Kind: KindPayment, Fields: map[string]string{"contract_id": p.ContractID}}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		if len(facts) < 2 || len(facts[0]) == 0 {
			return nil
		}
		p, c := e.(*Payment), facts[0][0].Entity.(*Contract)
		amounts := make([]string, 0, len(facts[1]))
		for _, o := range facts[1] {
			if o.ID != subject {
				amounts = append(amounts, o.Entity.(*Payment).Amount)
			}
		}
		return withinCap(p.Amount, p.Currency, amounts, c.Value, c.Currency, p.ContractID, paidRefusals)
	},
}

// capRefusals are withinCap's refusals for one kind of running total,
// each a format of its own so that the UI can write it in the reader's
// language.
type capRefusals struct {
	// limitUnread has the limit's record and its figure; priorUnread the
	// figure; above the limit's record, the total with its currency, the
	// limit with its currency and the total before.
	limitUnread, priorUnread, above string
}

var (
	disbursedRefusals = capRefusals{
		limitUnread: "what commitment %s committed, %q, cannot be read",
		priorUnread: "an amount disbursed before, %q, cannot be read",
		above:       "would bring what commitment %s disbursed to %s %s, above the %s %s committed (%s disbursed before)",
	}
	paidRefusals = capRefusals{
		limitUnread: "what contract %s contracted, %q, cannot be read",
		priorUnread: "an amount paid before, %q, cannot be read",
		above:       "would bring what contract %s paid to %s %s, above the %s %s contracted (%s paid before)",
	}
)

// withinCap refuses an amount that would bring a running total, of the
// amounts before it, above the limit of the record named of; stored figures
// are read as the numbers they are, whatever rules on decimals hold today,
// and one that is no number stops the write rather than the check.
func withinCap(amount, currency string, before []string, limit, limitCurrency, of string, refuse capRefusals) error {
	lim, ok := new(big.Rat).SetString(limit)
	if !ok {
		return parley.Conflictf("amount", refuse.limitUnread, of, limit)
	}
	a, err := Amount("amount", currency, amount)
	if err != nil {
		return err
	}
	prior := new(big.Rat)
	for _, s := range before {
		x, ok := new(big.Rat).SetString(s)
		if !ok {
			return parley.Conflictf("amount", refuse.priorUnread, s)
		}
		prior.Add(prior, x)
	}
	if total := new(big.Rat).Add(prior, a); total.Cmp(lim) > 0 {
		units := minorUnits[limitCurrency]
		return parley.Conflictf("amount", refuse.above, of, total.FloatString(units), limitCurrency, limit, limitCurrency, prior.FloatString(units))
	}
	return nil
}
