package ceasefire

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/vocab"
)

// Domain declares the ceasefire to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "ceasefire" }

// Roles implements parley.Domain: the kernel's roles write every kind (the
// mediator the ceasefire and its phases, the capitals' approvers the
// consents, the monitors what is verified done).
func (Domain) Roles() []access.Role { return nil }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return kinds }

// The kind names, and those of the other domains' kinds the ceasefire
// reads: the registry checks at start-up that they are registered.
const (
	KindCeasefire  = "ceasefire.ceasefire"
	KindPhase      = "ceasefire.phase"
	KindConsent    = "ceasefire.consent"
	KindSuspension = "ceasefire.suspension"
	KindFulfilment = "ceasefire.fulfilment"
	KindReport     = "ceasefire.report"

	PartyKind    = "talks.party"
	ClauseKind   = "negotiation.clause"
	ZoneKind     = "monitor.zone"
	IncidentKind = "monitor.incident"
	StepKind     = "monitor.verification-step"
	DenialKind   = "monitor.access-denial"
	// ReportKindOfMonitoring is the monitoring's incident report, whose
	// casualty figures a ceasefire report counts.
	ReportKindOfMonitoring = "monitor.report"
)

var (
	parties    = record.Audience{Scope: record.Parties}
	everyParty = func(parley.Entity, string) record.Audience { return parties }
	mediator   = []access.Role{access.RoleMediator}
)

// ref is a field naming another entity.
var ref = parley.RefField

func enumList(name, label string, values []string, help string) parley.Field {
	return parley.Field{Name: name, Label: label, Type: parley.List, Help: help,
		Elem: &parley.Field{Type: parley.Enum, Enum: parley.Options(values, nil)}}
}

var kinds = []parley.Kind{
	{Name: KindCeasefire, Collection: "ceasefires", Title: "ceasefire", New: func() parley.Entity { return new(Ceasefire) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			{Name: "parties", Type: parley.List, Required: true, Help: "The parties bound by it; each consents to every phase.",
				Elem: &parley.Field{Type: parley.Ref, Ref: PartyKind}},
			ref("mediator_id", "Mediator", PartyKind, true, "The mediator, who consents to every phase too, and whose monitors verify."),
			{Name: "note", Type: parley.Text},
		},
		HeadlineField:   "title",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindPhase, Collection: "ceasefire-phases", Title: "ceasefire phase", New: func() parley.Entity { return new(Phase) },
		Fields: []parley.Field{
			ref("ceasefire_id", "Ceasefire", KindCeasefire, true, ""),
			{Name: "number", Type: parley.Int, Required: true, Help: "Phases are numbered from 1, in the order they enter into force."},
			{Name: "title", Type: parley.String, Required: true},
			ref("clause_id", "Clause", ClauseKind, false, "The clause of the negotiating text that agreed the phase."),
			{Name: "prohibitions", Type: parley.List, Help: "What may not be struck, with what, where; a list left empty means any.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "id", Type: parley.String, Required: true, Help: "Names it in conditions and judgments: \"energy\"."},
					{Name: "title", Type: parley.String},
					enumList("weapon_classes", "Weapons", vocab.WeaponClasses, "The weapons it prohibits; none named: any."),
					enumList("target_classes", "Targets", vocab.TargetClasses, "The targets it protects; none named: any."),
					{Name: "zones", Type: parley.List, Help: "Where it holds; none named: anywhere.", Elem: &parley.Field{Type: parley.Ref, Ref: ZoneKind}},
					{Name: "within_km", Label: "Within (km)", Type: parley.Number, Help: "Also within so many km of those zones: \"within 15 km of the line of contact\"."},
				}}},
			{Name: "obligations", Type: parley.List, Help: "What a party must have done by a deadline: a withdrawal, an exchange.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "id", Type: parley.String, Required: true},
					{Name: "title", Type: parley.String, Required: true},
					ref("party_id", "Party", PartyKind, true, ""),
					{Name: "due", Type: parley.Date, Required: true, Help: "The day by which it is due."},
				}}},
			{Name: "conditions", Type: parley.List, Help: "What must hold, measured from the monitoring, before the next phase is proposed.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "kind", Type: parley.Enum, Required: true, Enum: parley.Options(ConditionKinds, ConditionLabels)},
					{Name: "days", Type: parley.Int, Help: "For a quiet period: how many consecutive days."},
					{Name: "prohibitions", Type: parley.List, Help: "For a quiet period: the prohibitions it counts (by id); none named: all of the phase's.",
						Elem: &parley.Field{Type: parley.String}},
				}}},
			{Name: "enters_after_hours", Label: "Enters into force after (hours)", Type: parley.Int,
				Help: "How long after the last consent the phase enters into force; 0: at once."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "ceasefire_id", HeadlineField: "title",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindConsent, Collection: "ceasefire-consents", Title: "consent to a phase", New: func() parley.Entity { return new(Consent) },
		Fields: []parley.Field{
			ref("phase_id", "Phase", KindPhase, true, "The phase, as it reads now, that the capital consents to enter into."),
			ref("ceasefire_id", "Ceasefire", KindCeasefire, true, ""),
			ref("party_id", "Party", PartyKind, true, "The party that consents: one bound by the ceasefire, or its mediator; an approver signs for its own."),
			{Name: "note", Type: parley.Text},
		},
		ParentField: "phase_id", OwnerField: "party_id", HeadlineField: "party_id", IndexFields: []string{"ceasefire_id"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleApprover}, Signed: true},
	{Name: KindSuspension, Collection: "ceasefire-suspensions", Title: "suspension", New: func() parley.Entity { return new(Suspension) },
		Fields: []parley.Field{
			ref("ceasefire_id", "Ceasefire", KindCeasefire, true, ""),
			{Name: "from", Type: parley.Time, Required: true},
			{Name: "until", Type: parley.Time, Help: "When it was lifted; empty while it lasts."},
			{Name: "reason", Type: parley.Text, Required: true},
		},
		ParentField: "ceasefire_id", HeadlineField: "reason", TimeField: "from",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindFulfilment, Collection: "obligation-fulfilments", Title: "verified obligation", New: func() parley.Entity { return new(Fulfilment) },
		Fields: []parley.Field{
			ref("phase_id", "Phase", KindPhase, true, ""),
			ref("ceasefire_id", "Ceasefire", KindCeasefire, true, ""),
			{Name: "obligation_id", Label: "Obligation", Type: parley.String, Required: true, Help: "The obligation of the phase, by its id."},
			ref("party_id", "Verified by the monitors of", PartyKind, true, "The ceasefire's mediator, whose monitors verify: a party does not verify its own."),
			{Name: "verified_at", Label: "Verified done at", Type: parley.Time, Required: true, Help: "When it was verified done; not later than now."},
			{Name: "note", Type: parley.Text, Help: "How the monitors verified it."},
		},
		ParentField: "phase_id", OwnerField: "party_id", HeadlineField: "obligation_id", TimeField: "verified_at",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleMonitor, access.RoleMediator}, Mutable: true},
	{Name: KindReport, Collection: "ceasefire-reports", Title: "ceasefire report", New: func() parley.Entity { return new(ReportRecord) },
		Fields: []parley.Field{
			ref("ceasefire_id", "Ceasefire", KindCeasefire, true, ""),
			{Name: "report_type", Label: "Report", Type: parley.Enum, Required: true, Enum: parley.Options(ReportTypes, ReportLabels)},
			{Name: "title", Type: parley.String, Required: true},
			{Name: "from", Type: parley.Time, Required: true, Help: "The start of the period reported on."},
			{Name: "until", Type: parley.Time, Required: true, Help: "Its end, not included."},
			{Name: "figures", Type: parley.Text, Required: true, Max: MaxFigures,
				Help: "The report's figures as parley made them from the records (JSON); the page, the PDF, the CSV and the GeoJSON render them."},
		},
		ParentField: "ceasefire_id", HeadlineField: "title", StatusField: "report_type", TimeField: "from",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleMediator, access.RoleMonitor}},
}

// ReportLabels name the kinds of report.
var ReportLabels = map[string]string{Daily: "daily report", Compliance: "compliance report"}

// MaxFigures bounds a report's figures, within what one write may carry.
const MaxFigures = 240 << 10

// ConditionKinds are the conditions parley evaluates.
var ConditionKinds = []string{QuietDays, ObligationsDone}

// ConditionLabels say what each condition is.
var ConditionLabels = map[string]string{QuietDays: "no verified violation for N days", ObligationsDone: "every obligation verified done"}

// Ceasefire is an agreement to stop fighting in phases: who it binds, and
// who mediates it.
type Ceasefire struct {
	Title      string   `json:"title"`
	Parties    []string `json:"parties"`
	MediatorID string   `json:"mediator_id"`
	Note       string   `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Ceasefire) Normalize() {
	parley.Trim(&c.Title, &c.MediatorID, &c.Note)
	var ps []string
	for _, p := range c.Parties {
		if p != "" && !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	c.Parties = ps
}

// References implements parley.Entity.
func (c *Ceasefire) References() []parley.Reference {
	refs := []parley.Reference{{Field: "mediator_id", Kind: PartyKind, ID: c.MediatorID}}
	for i, p := range c.Parties {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("parties[%d]", i), Kind: PartyKind, ID: p})
	}
	return refs
}

// Validate implements parley.Entity.
func (c *Ceasefire) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("title", c.Title), parley.Required("mediator_id", c.MediatorID), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if len(c.Parties) < 2 {
		return parley.Errorf("parties", "names %d parties; a ceasefire binds two or more", len(c.Parties))
	}
	if i := slices.Index(c.Parties, c.MediatorID); i >= 0 {
		return parley.Errorf(fmt.Sprintf("parties[%d]", i), "%q is the mediator; the parties are those it binds", c.MediatorID)
	}
	return nil
}

// Signers are who must consent to each phase: every party, then the
// mediator.
func (c *Ceasefire) Signers() []string { return append(slices.Clone(c.Parties), c.MediatorID) }

// Normalize implements parley.Entity.
func (p *Phase) Normalize() {
	parley.Trim(&p.CeasefireID, &p.Title, &p.ClauseID, &p.Note)
	for i := range p.Prohibitions {
		parley.Trim(&p.Prohibitions[i].ID, &p.Prohibitions[i].Title)
	}
	for i := range p.Obligations {
		o := &p.Obligations[i]
		parley.Trim(&o.ID, &o.Title, &o.PartyID, &o.Due)
	}
}

// References implements parley.Entity.
func (p *Phase) References() []parley.Reference {
	refs := []parley.Reference{{Field: "ceasefire_id", Kind: KindCeasefire, ID: p.CeasefireID}, {Field: "clause_id", Kind: ClauseKind, ID: p.ClauseID}}
	for i, pr := range p.Prohibitions {
		for j, z := range pr.Zones {
			refs = append(refs, parley.Reference{Field: fmt.Sprintf("prohibitions[%d].zones[%d]", i, j), Kind: ZoneKind, ID: z})
		}
	}
	for i, o := range p.Obligations {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("obligations[%d].party_id", i), Kind: PartyKind, ID: o.PartyID})
	}
	return refs
}

// Validate implements parley.Entity: the classes are the monitoring's
// (package vocab), the zones those the kernel resolved, and an obligation
// is of a party the ceasefire binds.
func (p *Phase) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("ceasefire_id", p.CeasefireID), parley.TextLimit("note", p.Note)); err != nil {
		return err
	}
	var zones []string
	for _, pr := range p.Prohibitions {
		for _, z := range pr.Zones {
			if _, ok := r[parley.Key(ZoneKind, z)]; ok {
				zones = append(zones, z)
			}
		}
	}
	if err := p.Check(Classes{Weapons: vocab.WeaponClasses, Targets: vocab.TargetClasses, Zones: zones}); err != nil {
		return err
	}
	if c, ok := parley.Lookup[*Ceasefire](r, KindCeasefire, p.CeasefireID); ok {
		for i, o := range p.Obligations {
			if !slices.Contains(c.Parties, o.PartyID) {
				return parley.Errorf(fmt.Sprintf("obligations[%d].party_id", i), "%q is not a party the ceasefire binds (%v)", o.PartyID, c.Parties)
			}
		}
	}
	return nil
}

// Consent is a capital's signed consent to enter a phase: the phase enters
// into force when every party and the mediator have consented to it as it
// reads.
type Consent struct {
	PhaseID     string `json:"phase_id"`
	CeasefireID string `json:"ceasefire_id"`
	PartyID     string `json:"party_id"`
	Note        string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Consent) Normalize() { parley.Trim(&c.PhaseID, &c.CeasefireID, &c.PartyID, &c.Note) }

// References implements parley.Entity.
func (c *Consent) References() []parley.Reference {
	return []parley.Reference{{Field: "phase_id", Kind: KindPhase, ID: c.PhaseID}, {Field: "ceasefire_id", Kind: KindCeasefire, ID: c.CeasefireID},
		{Field: "party_id", Kind: PartyKind, ID: c.PartyID}}
}

// Validate implements parley.Entity: the phase is of the ceasefire, and
// the party one that must consent to it.
func (c *Consent) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("phase_id", c.PhaseID), parley.Required("ceasefire_id", c.CeasefireID),
		parley.Required("party_id", c.PartyID), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if p, ok := parley.Lookup[*Phase](r, KindPhase, c.PhaseID); ok && p.CeasefireID != c.CeasefireID {
		return parley.Errorf("ceasefire_id", "is %q, but the phase is of ceasefire %q", c.CeasefireID, p.CeasefireID)
	}
	if cf, ok := parley.Lookup[*Ceasefire](r, KindCeasefire, c.CeasefireID); ok && !slices.Contains(cf.Signers(), c.PartyID) {
		return parley.Errorf("party_id", "%q is neither a party to the ceasefire (%v) nor its mediator (%s); only they consent to its phases",
			c.PartyID, cf.Parties, cf.MediatorID)
	}
	return nil
}

// Suspension is a time during which no phase of the ceasefire is in force.
type Suspension struct {
	CeasefireID string `json:"ceasefire_id"`
	From        string `json:"from"`
	Until       string `json:"until,omitempty"`
	Reason      string `json:"reason"`
}

// Normalize implements parley.Entity.
func (s *Suspension) Normalize() { parley.Trim(&s.CeasefireID, &s.From, &s.Until, &s.Reason) }

// References implements parley.Entity.
func (s *Suspension) References() []parley.Reference {
	return []parley.Reference{{Field: "ceasefire_id", Kind: KindCeasefire, ID: s.CeasefireID}}
}

// Validate implements parley.Entity.
func (s *Suspension) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("ceasefire_id", s.CeasefireID), parley.Required("from", s.From),
		parley.Required("reason", s.Reason), parley.TextLimit("reason", s.Reason)); err != nil {
		return err
	}
	from, err := parley.ParseTime(s.From)
	if err != nil {
		return parley.Errorf("from", "%v", err)
	}
	if s.Until != "" {
		until, err := parley.ParseTime(s.Until)
		if err != nil {
			return parley.Errorf("until", "%v", err)
		}
		if !until.After(from) {
			return parley.Errorf("until", "is not after from (%s)", s.From)
		}
	}
	return nil
}

// Fulfilment is the mediator's monitors' finding that a party did what a
// phase obliged it to. A finding found wrong is changed, and its record
// history keeps what it said before.
type Fulfilment struct {
	PhaseID      string `json:"phase_id"`
	CeasefireID  string `json:"ceasefire_id"`
	ObligationID string `json:"obligation_id"`
	PartyID      string `json:"party_id"`
	VerifiedAt   string `json:"verified_at"`
	Note         string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (f *Fulfilment) Normalize() {
	parley.Trim(&f.PhaseID, &f.CeasefireID, &f.ObligationID, &f.PartyID, &f.VerifiedAt, &f.Note)
}

// References implements parley.Entity.
func (f *Fulfilment) References() []parley.Reference {
	return []parley.Reference{{Field: "phase_id", Kind: KindPhase, ID: f.PhaseID}, {Field: "ceasefire_id", Kind: KindCeasefire, ID: f.CeasefireID},
		{Field: "party_id", Kind: PartyKind, ID: f.PartyID}}
}

// Validate implements parley.Entity: the obligation is one of the phase's,
// verified by the ceasefire's mediator's monitors, not in the future.
func (f *Fulfilment) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("phase_id", f.PhaseID), parley.Required("ceasefire_id", f.CeasefireID),
		parley.Required("obligation_id", f.ObligationID), parley.Required("party_id", f.PartyID),
		parley.Required("verified_at", f.VerifiedAt), parley.TextLimit("note", f.Note)); err != nil {
		return err
	}
	at, err := parley.ParseTime(f.VerifiedAt)
	if err != nil {
		return parley.Errorf("verified_at", "%v", err)
	}
	if at.After(now().Add(settle)) || at.Year() < 1970 {
		return parley.Errorf("verified_at", "is %s: an obligation is verified done by now, not later", at.UTC().Format(stamp))
	}
	p, ok := parley.Lookup[*Phase](r, KindPhase, f.PhaseID)
	if ok && p.CeasefireID != f.CeasefireID {
		return parley.Errorf("ceasefire_id", "is %q, but the phase is of ceasefire %q", f.CeasefireID, p.CeasefireID)
	}
	if ok && !slices.ContainsFunc(p.Obligations, func(o Obligation) bool { return o.ID == f.ObligationID }) {
		return parley.Errorf("obligation_id", "%q is not an obligation of phase %d", f.ObligationID, p.Number)
	}
	if c, ok := parley.Lookup[*Ceasefire](r, KindCeasefire, f.CeasefireID); ok && f.PartyID != c.MediatorID {
		return parley.Errorf("party_id", "is %q; the ceasefire's obligations are verified by its mediator's monitors (%s)", f.PartyID, c.MediatorID)
	}
	return nil
}

// ReportRecord is a report as committed: its figures, made from the
// records by parley (MakeReport) and committed once, so that every party
// reads the same report, issued at the same time, and can prove later
// what it said.
type ReportRecord struct {
	CeasefireID string `json:"ceasefire_id"`
	ReportType  string `json:"report_type"`
	Title       string `json:"title"`
	From        string `json:"from"`
	Until       string `json:"until"`
	Figures     string `json:"figures"`
}

// Normalize implements parley.Entity.
func (r *ReportRecord) Normalize() { parley.Trim(&r.CeasefireID, &r.Title, &r.From, &r.Until) }

// References implements parley.Entity.
func (r *ReportRecord) References() []parley.Reference {
	return []parley.Reference{{Field: "ceasefire_id", Kind: KindCeasefire, ID: r.CeasefireID}}
}

// Validate implements parley.Entity: the figures are a report of the type
// and period the record says.
func (r *ReportRecord) Validate(res parley.Resolved) error {
	if err := parley.First(parley.Required("ceasefire_id", r.CeasefireID), parley.OneOf("report_type", r.ReportType, ReportTypes),
		parley.Required("title", r.Title), parley.Required("figures", r.Figures)); err != nil {
		return err
	}
	from, err := parley.ParseTime(r.From)
	if err != nil {
		return parley.Errorf("from", "%v", err)
	}
	until, err := parley.ParseTime(r.Until)
	if err != nil {
		return parley.Errorf("until", "%v", err)
	}
	if !until.After(from) {
		return parley.Errorf("until", "is not after from (%s)", r.From)
	}
	if len(r.Figures) > MaxFigures {
		return parley.Errorf("figures", "is %d bytes; at most %d", len(r.Figures), MaxFigures)
	}
	if y := from.UTC().Year(); y < 1900 || y > 9000 {
		return parley.Errorf("from", "is %s: a report is of a period between the years 1900 and 9000", r.From)
	}
	if until.UTC().Year() > 9000 {
		return parley.Errorf("until", "is %s: a report is of a period between the years 1900 and 9000", r.Until)
	}
	if want := ReportTitle(r.ReportType, from, until); r.Title != want {
		return parley.Errorf("title", "is %q; a %s of this period is titled %q", r.Title, ReportLabels[r.ReportType], want)
	}
	f, err := r.Report()
	if err != nil {
		return parley.Errorf("figures", "are not a report's figures: %v", err)
	}
	if f.Type != r.ReportType || !f.From.Equal(from) || !f.Until.Equal(until) {
		return parley.Errorf("figures", "are of a %s report of %s to %s, not of this record's", f.Type, f.From.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	var bound []string
	if c, ok := parley.Lookup[*Ceasefire](res, KindCeasefire, r.CeasefireID); ok {
		bound = c.Parties
	}
	return f.check(bound)
}

// ReportTitle is the title of a report of type typ for [from, until): its
// kind and its days.
func ReportTitle(typ string, from, until time.Time) string {
	label := ReportLabels[typ]
	if label == "" {
		label = typ
	}
	last := until.Add(-time.Nanosecond).UTC()
	days := from.UTC().Format("2 January 2006")
	if from.UTC().Format(time.DateOnly) != last.Format(time.DateOnly) {
		days += " to " + last.Format("2 January 2006")
	}
	return strings.ToUpper(label[:1]) + label[1:] + ", " + days
}

// check refuses figures that contradict one another, as no report parley
// makes does: totals that are not the sum of their parts, lines that are
// not the violations, counts below zero, places off the globe, parties the
// ceasefire does not bind (bound; "" for violations not attributed),
// obligations of no phase or due no day.
func (r Report) check(bound []string) error {
	// notPositive is the first count below one, if any. Each refusal's
	// format is a literal, so that the UI finds it in its catalogues.
	notPositive := func(cs []Count) *Count {
		for i := range cs {
			if cs[i].N < 1 {
				return &cs[i]
			}
		}
		return nil
	}
	for _, rg := range r.Regions {
		if c := notPositive(rg.Weapons); c != nil {
			return parley.Errorf("figures", "a region's weapons counts %d for %q", c.N, c.Name)
		}
		if c := notPositive(rg.ByMonth); c != nil {
			return parley.Errorf("figures", "a region's months counts %d for %q", c.N, c.Name)
		}
	}
	for _, p := range r.Parties {
		if p.Party != "" && bound != nil && !slices.Contains(bound, p.Party) {
			return parley.Errorf("figures", "count violations of %q, which the ceasefire does not bind", p.Party)
		}
		if c := notPositive(p.ByProhibition); c != nil {
			return parley.Errorf("figures", "a party's prohibitions counts %d for %q", c.N, c.Name)
		}
		if c := notPositive(p.ByMonth); c != nil {
			return parley.Errorf("figures", "a party's months counts %d for %q", c.N, c.Name)
		}
	}
	for i, o := range r.Obligations {
		if _, err := parley.ParseTime(o.Due); err != nil || o.Phase < 1 {
			return parley.Errorf("figures", "obligation %d is of phase %d, due %q: no phase or no day", i+1, o.Phase, o.Due)
		}
	}
	if r.JudgedAt.Before(r.From) {
		return parley.Errorf("figures", "were judged at %s, before the period began", r.JudgedAt.Format(time.RFC3339))
	}
	var regions, regionsBefore, parties, partiesBefore int
	for _, rg := range r.Regions {
		if rg.Violations < 0 || rg.Previous < 0 || rg.Killed < 0 || rg.Wounded < 0 || rg.Denials < 0 {
			return parley.Errorf("figures", "region %q has a negative count", rg.Region)
		}
		regions, regionsBefore = regions+rg.Violations, regionsBefore+rg.Previous
	}
	for _, p := range r.Parties {
		if p.Violations < 0 || p.Previous < 0 || p.Denials < 0 {
			return parley.Errorf("figures", "party %q has a negative count", p.Party)
		}
		parties, partiesBefore = parties+p.Violations, partiesBefore+p.Previous
	}
	switch {
	case r.Violations < 0 || r.Previous < 0 || r.Unverified < 0 || r.Phase < 0 || r.LinesLeftOut < 0:
		return parley.Errorf("figures", "have a negative count")
	case regions != r.Violations || parties != r.Violations:
		return parley.Errorf("figures", "count %d violations, but %d by region and %d by party", r.Violations, regions, parties)
	case regionsBefore != r.Previous || partiesBefore != r.Previous:
		return parley.Errorf("figures", "count %d violations the period before, but %d by region and %d by party", r.Previous, regionsBefore, partiesBefore)
	case r.Type == Daily && len(r.Lines)+r.LinesLeftOut != r.Violations:
		return parley.Errorf("figures", "list %d violations and leave out %d, but count %d", len(r.Lines), r.LinesLeftOut, r.Violations)
	case r.Type == Compliance && len(r.Lines) > 0:
		return parley.Errorf("figures", "a compliance report lists no violations one by one")
	}
	for i, l := range r.Lines {
		if l.Lat != nil && (*l.Lat < -90 || *l.Lat > 90) || l.Lon != nil && (*l.Lon < -180 || *l.Lon > 180) {
			return parley.Errorf("figures", "line %d is placed off the globe", i+1)
		}
		if l.At.Before(r.From) || !l.At.Before(r.Until) {
			return parley.Errorf("figures", "line %d (%s) is outside the report's period", i+1, l.At.Format(time.RFC3339))
		}
	}
	return nil
}

// Report returns the committed figures.
func (r *ReportRecord) Report() (Report, error) {
	var f Report
	d := json.NewDecoder(strings.NewReader(r.Figures))
	d.DisallowUnknownFields()
	err := d.Decode(&f)
	return f, err
}
