// Package reconstruction is the record of reconstruction finance: the
// needs assessed (by sector and region, from more than one assessment),
// and what donors pledged, committed and disbursed against them, each in
// its own currency with the rate it was converted at. Donors and
// recipients are parties of the process; a pledge not yet announced is
// read by its donor, its recipient and the mediator who records it, and
// nobody else.
package reconstruction

import (
	"encoding/json"
	"math/big"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain declares reconstruction finance to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "reconstruction" }

// Roles implements parley.Domain: the mediator records everything.
func (Domain) Roles() []access.Role { return nil }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return append(slices.Clip(kinds), projectKinds...) }

// The kind names, and that of the parties, whose kind the registry checks
// at start-up.
const (
	KindAssessment = "reconstruction.assessment"
	KindNeed       = "reconstruction.need"
	KindFlow       = "reconstruction.flow"

	PartyKind = "talks.party"
	// PhaseKind is the ceasefire's phase a pledge may be conditional on.
	PhaseKind = "ceasefire.phase"
)

// The stages of money, in the order it moves.
const (
	Pledge       = "pledge"
	Commitment   = "commitment"
	Disbursement = "disbursement"
)

// Stages are the stages a flow may be at.
var Stages = []string{Pledge, Commitment, Disbursement}

// Instruments are the forms finance takes.
var Instruments = []string{"grant", "loan", "guarantee", "equity"}

// Sectors are those of the damage and needs assessments (after the World
// Bank's RDNA).
var Sectors = []string{"housing", "transport", "energy", "industry-commerce", "agriculture", "social-protection", "education", "health",
	"water-sanitation", "explosive-hazards", "environment", "culture-tourism", "telecom", "finance", "municipal", "other"}

var (
	public   = record.Audience{Scope: record.Public}
	mediator = []access.Role{access.RoleMediator}
)

// ref is a field naming another entity.
var ref = parley.RefField

var kinds = []parley.Kind{
	{Name: KindAssessment, Collection: "needs-assessments", Title: "needs assessment", New: func() parley.Entity { return new(Assessment) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			{Name: "source", Type: parley.String, Required: true, Help: "Who assessed: \"Ukraine's Ministry of Economy\", \"World Bank, EU, UN, Government of Ukraine (RDNA3)\"."},
			{Name: "published", Type: parley.Date, Required: true},
			{Name: "currency", Type: parley.String, Required: true, Help: "ISO 4217; its needs are in it."},
			{Name: "total", Type: parley.String, Help: "The total the assessment states, as a decimal; its needs by sector and region need not add up to it."},
			{Name: "url", Label: "URL", Type: parley.String},
			{Name: "illustrative", Type: parley.Bool, Help: "Set where no source gives the figures: pages mark them."},
			{Name: "note", Type: parley.Text},
		},
		HeadlineField: "title", TimeField: "published",
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator},
	{Name: KindNeed, Collection: "needs", Title: "need", New: func() parley.Entity { return new(Need) },
		Fields: []parley.Field{
			ref("assessment_id", "Assessment", KindAssessment, true, ""),
			{Name: "sector", Type: parley.Enum, Required: true, Enum: parley.Options(Sectors, nil)},
			{Name: "region", Type: parley.String, Required: true, Help: "An oblast, or \"nationwide\"."},
			{Name: "amount", Type: parley.String, Required: true, Help: "In the assessment's currency, as a decimal."},
			{Name: "illustrative", Type: parley.Bool, Help: "Set where no source gives the figure: pages mark it."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "assessment_id", HeadlineField: "sector", IndexFields: []string{"sector", "region"},
		DefaultAudience: public, AudienceOf: alwaysPublic, WriteRoles: mediator},
	{Name: KindFlow, Collection: "finance-flows", Title: "pledge, commitment or disbursement", New: func() parley.Entity { return new(Flow) },
		Fields: []parley.Field{
			{Name: "stage", Type: parley.Enum, Required: true, Enum: parley.Options(Stages, nil),
				Help: "A pledge is promised; a commitment is agreed (a contract, a signed loan); a disbursement is paid."},
			ref("donor_id", "Donor", PartyKind, true, "A state, an institution or a private investor, as a party of the process."),
			ref("recipient_id", "Recipient", PartyKind, true, ""),
			ref("need_id", "Need", KindNeed, true, "The need it serves: its sector and region."),
			ref("follows", "Follows", KindFlow, false, "For a commitment, the pledge it makes good (if any); for a disbursement, the commitment it pays."),
			ref("project_id", "Project", KindProject, false, "The project it funds, if it funds one: of the same need, and not dated before the project began."),
			ref("condition_phase", "On condition of phase", PhaseKind, false, "For a pledge: the ceasefire phase that must be in force (it, or a later phase) for the pledge to hold."),
			{Name: "instrument", Type: parley.Enum, Required: true, Enum: parley.Options(Instruments, nil)},
			{Name: "currency", Type: parley.String, Required: true, Help: "ISO 4217: the currency the donor gives in."},
			{Name: "amount", Type: parley.String, Required: true, Help: "In its currency, as a decimal with no more decimals than the currency has."},
			{Name: "rate", Type: parley.String, Required: true, Help: "How many US dollars one unit of its currency was converted at: \"1\" for US dollars, \"1.0842\" for euros."},
			{Name: "date", Type: parley.Date, Required: true},
			{Name: "announced", Type: parley.Bool, Help: "For a pledge: announced, it is public; until then it is read by the donor, the recipient and the mediator who recorded it, and announcing it is the one change a flow takes. Commitments and disbursements are public."},
			{Name: "illustrative", Type: parley.Bool, Help: "Set where no source gives the figure: pages mark it."},
			{Name: "source", Type: parley.String, Help: "Where the figure comes from: an announcement, a treaty, a payment order."},
			{Name: "note", Type: parley.Text},
		},
		HeadlineField: "amount", StatusField: "stage", TimeField: "date", IndexFields: []string{"donor_id", "recipient_id", "need_id", "follows", "project_id"},
		DefaultAudience: public, AudienceOf: flowAudience, WriteRoles: mediator, Mutable: true},
}

// alwaysPublic: needs, assessments, projects and their records are public,
// so that every rule between them (a contract's payments within its
// value) is checked over all of them, whoever writes, and what names them
// is read by everyone.
func alwaysPublic(parley.Entity, string) record.Audience { return public }

// flowAudience: a pledge not yet announced is read by its donor, its
// recipient and the mediator who records it; everything else is public.
// Commitments and disbursements are public so that whoever records the
// next disbursement of a commitment sees every one before it: a cap
// checked on what the writer may see would otherwise leave out what
// another mediator recorded.
func flowAudience(e parley.Entity, author string) record.Audience {
	f := e.(*Flow)
	if f.Stage != Pledge || f.Announced || f.DonorID == "" || f.RecipientID == "" {
		// Without its parties, Validate names what is missing.
		return public
	}
	return record.Audience{Scope: record.List, Parties: []string{f.DonorID, f.RecipientID, author}}
}

// Assessment is one assessment of the needs, with its source.
type Assessment struct {
	Title        string `json:"title"`
	Source       string `json:"source"`
	Published    string `json:"published"`
	Currency     string `json:"currency"`
	Total        string `json:"total,omitempty"`
	URL          string `json:"url,omitempty"`
	Illustrative bool   `json:"illustrative,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (a *Assessment) Normalize() {
	parley.Trim(&a.Title, &a.Source, &a.Published, &a.Currency, &a.Total, &a.URL, &a.Note)
}

// References implements parley.Entity.
func (a *Assessment) References() []parley.Reference { return nil }

// Validate implements parley.Entity.
func (a *Assessment) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("title", a.Title), parley.Required("source", a.Source), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if _, err := day("published", a.Published); err != nil {
		return err
	}
	if err := knownCurrency("currency", a.Currency); err != nil {
		return err
	}
	if a.Total != "" {
		if _, err := Amount("total", a.Currency, a.Total); err != nil {
			return err
		}
	}
	return nil
}

// Need is the need one assessment found in one sector and region.
type Need struct {
	AssessmentID string `json:"assessment_id"`
	Sector       string `json:"sector"`
	Region       string `json:"region"`
	Amount       string `json:"amount"`
	Illustrative bool   `json:"illustrative,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (n *Need) Normalize() { parley.Trim(&n.AssessmentID, &n.Sector, &n.Region, &n.Amount, &n.Note) }

// References implements parley.Entity.
func (n *Need) References() []parley.Reference {
	return []parley.Reference{{Field: "assessment_id", Kind: KindAssessment, ID: n.AssessmentID}}
}

// Validate implements parley.Entity: the amount is in its assessment's
// currency.
func (n *Need) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("assessment_id", n.AssessmentID), parley.OneOf("sector", n.Sector, Sectors),
		parley.Required("region", n.Region), parley.TextLimit("note", n.Note)); err != nil {
		return err
	}
	if a, ok := parley.Lookup[*Assessment](r, KindAssessment, n.AssessmentID); ok {
		if _, err := Amount("amount", a.Currency, n.Amount); err != nil {
			return err
		}
	}
	return nil
}

// Flow is one pledge, commitment or disbursement.
type Flow struct {
	Stage       string `json:"stage"`
	DonorID     string `json:"donor_id"`
	RecipientID string `json:"recipient_id"`
	NeedID      string `json:"need_id"`
	Follows     string `json:"follows,omitempty"`
	ProjectID   string `json:"project_id,omitempty"`
	// ConditionPhase is the ceasefire phase a pledge is conditional on.
	ConditionPhase string `json:"condition_phase,omitempty"`
	Instrument     string `json:"instrument"`
	Currency       string `json:"currency"`
	Amount         string `json:"amount"`
	Rate           string `json:"rate"`
	Date           string `json:"date"`
	Announced      bool   `json:"announced,omitempty"`
	Illustrative   bool   `json:"illustrative,omitempty"`
	Source         string `json:"source,omitempty"`
	Note           string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (f *Flow) Normalize() {
	parley.Trim(&f.Stage, &f.DonorID, &f.RecipientID, &f.NeedID, &f.Follows, &f.ProjectID, &f.ConditionPhase, &f.Instrument, &f.Currency, &f.Amount, &f.Rate,
		&f.Date, &f.Source, &f.Note)
}

// References implements parley.Entity.
func (f *Flow) References() []parley.Reference {
	return []parley.Reference{{Field: "donor_id", Kind: PartyKind, ID: f.DonorID}, {Field: "recipient_id", Kind: PartyKind, ID: f.RecipientID},
		{Field: "need_id", Kind: KindNeed, ID: f.NeedID}, {Field: "follows", Kind: KindFlow, ID: f.Follows},
		{Field: "project_id", Kind: KindProject, ID: f.ProjectID},
		// A donor's public pledge may name the phase it waits for, which
		// the parties read: its readers learn the phase's id, no more.
		{Field: "condition_phase", Kind: PhaseKind, ID: f.ConditionPhase, Origin: true}}
}

// Money returns the flow's amount and its rate, exactly.
func (f *Flow) Money() (amount, rate *big.Rat, err error) {
	if amount, err = Amount("amount", f.Currency, f.Amount); err != nil {
		return nil, nil, err
	}
	if rate, err = Rate("rate", f.Currency, f.Rate); err != nil {
		return nil, nil, err
	}
	return amount, rate, nil
}

// Validate implements parley.Entity: the amount in its currency's
// decimals, a rate, and what it follows: a commitment makes good a pledge
// of its donor to its recipient, if any; a disbursement pays a commitment
// of its donor to its recipient, in its currency, and not before it.
func (f *Flow) Validate(r parley.Resolved) error {
	if err := parley.First(parley.OneOf("stage", f.Stage, Stages), parley.Required("donor_id", f.DonorID), parley.Required("recipient_id", f.RecipientID),
		parley.Required("need_id", f.NeedID), parley.OneOf("instrument", f.Instrument, Instruments), parley.TextLimit("note", f.Note)); err != nil {
		return err
	}
	if f.DonorID == f.RecipientID {
		return parley.Errorf("recipient_id", "is the donor")
	}
	if err := knownCurrency("currency", f.Currency); err != nil {
		return err
	}
	if _, _, err := f.Money(); err != nil {
		return err
	}
	// The refusals that name a stage name it in their text, each its own
	// message, so that the UI writes the stage in the reader's language.
	if f.Stage != Pledge && !f.Announced {
		if f.Stage == Commitment {
			return parley.Errorf("announced", "a commitment is public: only a pledge may wait to be announced")
		}
		return parley.Errorf("announced", "a disbursement is public: only a pledge may wait to be announced")
	}
	date, err := day("date", f.Date)
	if err != nil {
		return err
	}
	if f.ConditionPhase != "" && f.Stage != Pledge {
		if f.Stage == Commitment {
			return parley.Errorf("condition_phase", "only a pledge may be conditional; a commitment is not")
		}
		return parley.Errorf("condition_phase", "only a pledge may be conditional; a disbursement is not")
	}
	if p, ok := parley.Lookup[*Project](r, KindProject, f.ProjectID); ok {
		if p.NeedID != f.NeedID {
			return parley.Errorf("project_id", "serves need %s, not this flow's need (%s)", p.NeedID, f.NeedID)
		}
		if err := inProject(r, f.ProjectID, "date", f.Date); err != nil {
			return err
		}
	}
	want := map[string]string{Commitment: Pledge, Disbursement: Commitment}[f.Stage]
	switch {
	case f.Stage == Pledge && f.Follows != "":
		return parley.Errorf("follows", "a pledge follows nothing")
	case f.Stage == Disbursement && f.Follows == "":
		return parley.Errorf("follows", "is required: the commitment a disbursement pays")
	case f.Follows == "":
		return nil
	}
	prev, ok := parley.Lookup[*Flow](r, KindFlow, f.Follows)
	if !ok {
		return nil
	}
	prevDate, _ := day("date", prev.Date)
	switch {
	case prev.Stage != want:
		return followsWrongStage(prev.Stage, f.Stage)
	case prev.DonorID != f.DonorID || prev.RecipientID != f.RecipientID:
		return parley.Errorf("follows", "is from %s to %s, not from %s to %s", prev.DonorID, prev.RecipientID, f.DonorID, f.RecipientID)
	case f.Stage == Disbursement && prev.Currency != f.Currency:
		return parley.Errorf("currency", "is %s; the commitment it pays is in %s", f.Currency, prev.Currency)
	case f.Stage == Disbursement && prev.NeedID != f.NeedID:
		return parley.Errorf("need_id", "is not the need of the commitment it pays (%s)", prev.NeedID)
	case f.Stage == Disbursement && prev.ProjectID != "" && prev.ProjectID != f.ProjectID:
		return parley.Errorf("project_id", "is not the project of the commitment it pays (%s)", prev.ProjectID)
	case f.Stage == Disbursement && prev.Instrument != f.Instrument:
		return parley.Errorf("instrument", "is %s; the commitment it pays is a %s", f.Instrument, prev.Instrument)
	case date.Before(prevDate) && prev.Stage == Pledge:
		return parley.Errorf("date", "is %s, before the pledge it follows (%s)", f.Date, prev.Date)
	case date.Before(prevDate):
		return parley.Errorf("date", "is %s, before the commitment it follows (%s)", f.Date, prev.Date)
	}
	return nil
}

// followsWrongStage refuses a flow at stage that follows one at prev, a
// stage it does not follow: a commitment follows a pledge, a disbursement
// a commitment.
func followsWrongStage(prev, stage string) error {
	switch {
	case stage == Commitment && prev == Commitment:
		return parley.Errorf("follows", "is a commitment; a commitment follows a pledge")
	case stage == Commitment && prev == Disbursement:
		return parley.Errorf("follows", "is a disbursement; a commitment follows a pledge")
	case stage == Disbursement && prev == Pledge:
		return parley.Errorf("follows", "is a pledge; a disbursement follows a commitment")
	case stage == Disbursement && prev == Disbursement:
		return parley.Errorf("follows", "is a disbursement; a disbursement follows a commitment")
	}
	// Not reached: what a flow follows is a flow, at one of the stages.
	return parley.Errorf("follows", "is a %s; a %s does not follow it", prev, stage)
}

func day(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, parley.Errorf(field, "%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}

// Invariants implements parley.WithInvariants.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{disbursedWithinCommitment, announcedOnly, paidWithinContract,
		fixed[Project](KindProject, "a project's need, owner and start", func(old, cur *Project) {
			old.Title, old.Status, old.End, old.Description, old.Published, old.Illustrative, old.Note =
				cur.Title, cur.Status, cur.End, cur.Description, cur.Published, cur.Illustrative, cur.Note
		}, nil),
		fixed[Tender](KindTender, "a tender's terms", func(old, cur *Tender) { old.Status, old.Closes, old.Note = cur.Status, cur.Closes, cur.Note }, nil),
		fixed[Contract](KindContract, "a contract's terms", func(old, cur *Contract) { old.Status, old.Note = cur.Status, cur.Note }, nil),
		fixed[Milestone](KindMilestone, "a milestone's project and due date", func(old, cur *Milestone) {
			old.Title, old.Status, old.Met, old.Evidence, old.Note = cur.Title, cur.Status, cur.Met, cur.Evidence, cur.Note
		}, nil),
	}
}

// announcedOnly: a flow is a figure as given; the one change it takes is
// the announcement of a pledge (and its note), which makes it public and
// is not taken back.
var announcedOnly = fixed[Flow](KindFlow, "a flow's figures (all but a pledge's announcement and the note)",
	func(old, cur *Flow) { old.Announced, old.Note = cur.Announced, cur.Note },
	func(old, cur *Flow) error {
		if old.Announced && !cur.Announced {
			return parley.Conflictf("announced", "the pledge is announced already; what was public stays public")
		}
		return nil
	})

// disbursedWithinCommitment: what a commitment's disbursements pay adds up
// to no more than the commitment, exactly, in its currency.
var disbursedWithinCommitment = parley.Invariant{
	Kind: KindFlow, Name: "a commitment's disbursements add up to no more than it",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		f := e.(*Flow)
		if f.Stage != Disbursement || f.Follows == "" {
			return nil
		}
		return []parley.Need{{Kind: KindFlow, ID: f.Follows}, {Kind: KindFlow, Fields: map[string]string{"follows": f.Follows}}}
	},
	Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
		f := e.(*Flow)
		if len(facts) < 2 || len(facts[0]) == 0 {
			return nil
		}
		c := facts[0][0].Entity.(*Flow)
		var before []string
		for _, o := range facts[1] {
			if d := o.Entity.(*Flow); o.ID != subject && d.Stage == Disbursement {
				before = append(before, d.Amount)
			}
		}
		return withinCap(f.Amount, f.Currency, before, c.Amount, c.Currency, f.Follows, disbursedRefusals)
	},
}

// fixed: what a record of kind T commits to does not change; only what
// mutable copies from the new version onto the old may, and then only as
// check, if set, allows. what names the fixed part in the refusal.
func fixed[T any, P interface {
	*T
	parley.Entity
}](kind, what string, mutable func(old, cur *T), check func(old, cur *T) error) parley.Invariant {
	return parley.Invariant{
		Kind: kind, Name: what + " do not change",
		Needs: func(_ parley.Entity, subject string) []parley.Need {
			if subject == "" {
				return nil
			}
			return []parley.Need{{Kind: kind, ID: subject}}
		},
		Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
			if subject == "" || len(facts) == 0 || len(facts[0]) == 0 {
				return nil
			}
			cur := (*T)(e.(P))
			old := *(*T)(facts[0][0].Entity.(P))
			if check != nil {
				if err := check(&old, cur); err != nil {
					return err
				}
			}
			mutable(&old, cur)
			a, _ := json.Marshal(old)
			b, _ := json.Marshal(cur)
			if string(a) != string(b) {
				return parley.Conflictf("", "%s do not change; record a new one instead", what)
			}
			return nil
		},
	}
}
