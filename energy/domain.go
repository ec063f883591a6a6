package energy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain declares the sharing of the plant's electricity to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "energy" }

// RoleMeterOperator submits a meter's readings, signed with its key, for
// the party that operates the meter.
const RoleMeterOperator access.Role = "meter-operator"

// Roles implements parley.Domain.
func (Domain) Roles() []access.Role { return []access.Role{RoleMeterOperator} }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return kinds }

// The kind names, and those of the other domains' kinds the energy
// sharing reads: the registry checks at start-up that they are
// registered.
const (
	KindPlant      = "energy.plant"
	KindMeter      = "energy.meter"
	KindTerms      = "energy.terms"
	KindReadings   = "energy.readings"
	KindStatement  = "energy.statement"
	KindApproval   = "energy.approval"
	KindDispute    = "energy.dispute"
	KindResolution = "energy.resolution"

	PartyKind  = "talks.party"
	ClauseKind = "negotiation.clause"
)

// MaxIntervals is the most intervals one readings record holds: 31 days.
const MaxIntervals = 31 * PerDay

// MaxFigures bounds a statement's figures (JSON) in bytes.
const MaxFigures = 4 << 20

// The decisions on a statement, and on a dispute.
const (
	Approve   = "approve"
	Reject    = "reject"
	Upheld    = "upheld"
	Dismissed = "dismissed"
)

var (
	parties    = record.Audience{Scope: record.Parties}
	everyParty = func(parley.Entity, string) record.Audience { return parties }
	mediator   = []access.Role{access.RoleMediator}
	currency   = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ref is a field naming another entity.
var ref = parley.RefField

// Every record of the sharing is read by every party and the mediator:
// both sides must be able to check a settlement to the last reading. And
// none is changed once committed, but for the day a meter goes out of
// service: a plant or meter edited would change what settled periods were
// settled from; a new meter, or a new plant, is a record of its own.
var kinds = []parley.Kind{
	{Name: KindPlant, Collection: "plants", Title: "plant", New: func() parley.Entity { return new(Plant) },
		Fields: []parley.Field{
			{Name: "name", Type: parley.String, Required: true},
			{Name: "units", Type: parley.List, Required: true, Help: "The generating units, each with its capacity.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "id", Type: parley.String, Required: true, Help: "Names the unit to its meters: \"1\"."},
					{Name: "name", Type: parley.String},
					{Name: "capacity_kw", Label: "Capacity (kW)", Type: parley.Int, Required: true},
				}}},
			{Name: "note", Type: parley.Text},
		},
		HeadlineField:   "name",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator},
	{Name: KindMeter, Collection: "meters", Title: "meter", New: func() parley.Entity { return new(Meter) },
		Fields: []parley.Field{
			ref("plant_id", "Plant", KindPlant, true, ""),
			{Name: "code", Type: parley.String, Required: true, Help: "The meter's name on the plant's single-line diagram: \"G1\", \"D-UA-1\"."},
			{Name: "role", Type: parley.Enum, Required: true, Enum: parley.Options(MeterRoles, map[string]string{
				Generation: "generation of a unit", StationUse: "station use", Delivery: "delivery into a party's grid"})},
			{Name: "unit_id", Label: "Unit", Type: parley.String, Help: "For a generation meter: the unit it meters, by its id in the plant."},
			ref("party_id", "Grid of", PartyKind, false, "For a delivery meter: the party whose grid it feeds."),
			ref("operator_id", "Operated by", PartyKind, true, "The party whose meter operators submit its readings, signed."),
			{Name: "capacity_kw", Label: "Capacity (kW)", Type: parley.Int, Help: "A reading above a quarter-hour at it is flagged; for a generation meter, the unit's when left empty."},
			{Name: "from", Label: "In service from", Type: parley.Date, Required: true, Help: "The first day the meter is part of the plant: a day no statement has settled yet."},
			{Name: "until", Label: "Out of service from", Type: parley.Date, Help: "Set once, to take the meter out of service from that day on (a day no statement has settled yet); nothing else of a meter changes."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "plant_id", HeadlineField: "code", IndexFields: []string{"operator_id"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindTerms, Collection: "sharing-terms", Title: "sharing terms", New: func() parley.Entity { return new(SharingTerms) },
		Fields: []parley.Field{
			ref("plant_id", "Plant", KindPlant, true, ""),
			{Name: "from", Label: "In force from", Type: parley.Date, Required: true, Help: "The first day they apply; they apply until terms with a later day."},
			{Name: "shares", Type: parley.List, Required: true, Help: "Each party's share of the net output, as a decimal (\"0.5\"); they add up to 1.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					ref("party_id", "Party", PartyKind, true, ""),
					{Name: "share", Type: parley.String, Required: true},
				}}},
			{Name: "losses", Label: "Losses borne", Type: parley.Enum, Required: true, Enum: parley.Options(LossAllocations, map[string]string{
				LossesByShare: "by share", LossesByDelivery: "by delivery"})},
			{Name: "tolerance", Type: parley.String, Required: true, Help: "The largest difference between net output and deliveries, as a share of the larger, before the meters are said to disagree: \"0.03\"."},
			{Name: "price", Type: parley.String, Required: true, Help: "What one MWh ceded is compensated at, as a decimal: \"42.50\"."},
			{Name: "currency", Type: parley.String, Required: true, Help: "ISO 4217: \"EUR\"."},
			ref("clause_id", "Clause", ClauseKind, false, "The clause of the negotiating text that agreed them."),
			{Name: "note", Type: parley.Text},
		},
		ParentField: "plant_id", TimeField: "from", HeadlineField: "from",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator},
	{Name: KindReadings, Collection: "meter-readings", Title: "meter readings", New: func() parley.Entity { return new(Readings) },
		Fields: []parley.Field{
			ref("meter_id", "Meter", KindMeter, true, ""),
			ref("plant_id", "Plant", KindPlant, true, ""),
			ref("party_id", "Operator", PartyKind, true, "The meter's operating party; its meter operator signs."),
			{Name: "start", Type: parley.Time, Required: true, Help: "The start of the first interval, on a quarter hour."},
			{Name: "wh", Label: "Energy (Wh)", Type: parley.List, Required: true, Help: "One value a 15-minute interval, in watt-hours; null where the meter has none.",
				Elem: &parley.Field{Type: parley.Int}},
			ref("replaces", "Replaces", KindReadings, false, "The readings this corrects: from now on these stand in their place."),
			{Name: "note", Type: parley.Text, Help: "For a correction: why."},
		},
		ParentField: "meter_id", OwnerField: "party_id", TimeField: "start", IndexFields: []string{"plant_id", "replaces"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{RoleMeterOperator}, Signed: true},
	{Name: KindStatement, Collection: "settlement-statements", Title: "settlement statement", New: func() parley.Entity { return new(Statement) },
		Fields: []parley.Field{
			ref("plant_id", "Plant", KindPlant, true, ""),
			{Name: "from", Type: parley.Time, Required: true, Help: "The start of the period settled."},
			{Name: "until", Type: parley.Time, Required: true, Help: "Its end, not included."},
			ref("replaces", "Replaces", KindStatement, false, "The statement of the same period this recomputes, after a dispute's decision or a correction."),
			{Name: "figures", Type: parley.Text, Required: true, Max: MaxFigures,
				Help: "The settlement as parley computes it from the records (JSON): a statement whose figures differ is refused."},
		},
		ParentField: "plant_id", TimeField: "from", HeadlineField: "from", IndexFields: []string{"replaces"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator},
	{Name: KindApproval, Collection: "statement-approvals", Title: "statement approval", New: func() parley.Entity { return new(Approval) },
		Fields: []parley.Field{
			ref("statement_id", "Statement", KindStatement, true, "The statement, as committed, that the party co-signs."),
			ref("party_id", "Party", PartyKind, true, "A party to the terms the statement applies; an approver signs for its own."),
			{Name: "decision", Type: parley.Enum, Required: true, Enum: parley.Options([]string{Approve, Reject}, nil)},
			{Name: "note", Type: parley.Text, Help: "Required for a rejection: the reason."},
		},
		ParentField: "statement_id", OwnerField: "party_id", HeadlineField: "decision", StatusField: "decision",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleApprover}, Signed: true},
	{Name: KindDispute, Collection: "energy-disputes", Title: "energy dispute", New: func() parley.Entity { return new(Dispute) },
		Fields: []parley.Field{
			ref("plant_id", "Plant", KindPlant, true, ""),
			ref("party_id", "Disputed by", PartyKind, true, ""),
			ref("readings_id", "Readings", KindReadings, false, "The readings disputed (or the readings of the flag disputed)."),
			ref("statement_id", "Statement", KindStatement, false, "The statement disputed: no one co-signs it until the dispute is decided."),
			{Name: "flag", Type: parley.Enum, Enum: parley.Options(FlagKinds, nil), Help: "For a dispute of a flag: its kind."},
			{Name: "reason", Type: parley.Text, Required: true},
		},
		ParentField: "plant_id", OwnerField: "party_id", HeadlineField: "reason", IndexFields: []string{"readings_id", "statement_id"},
		DefaultAudience: parties, AudienceOf: everyParty,
		WriteRoles: []access.Role{access.RoleApprover, access.RoleNegotiator, RoleMeterOperator}},
	{Name: KindResolution, Collection: "energy-dispute-decisions", Title: "dispute decision", New: func() parley.Entity { return new(Resolution) },
		Fields: []parley.Field{
			ref("dispute_id", "Dispute", KindDispute, true, ""),
			ref("plant_id", "Plant", KindPlant, true, ""),
			{Name: "decision", Type: parley.Enum, Required: true, Enum: parley.Options([]string{Upheld, Dismissed}, nil),
				Help: "Upheld: the readings disputed stay out of every settlement until a correction replaces them. Dismissed: they count."},
			{Name: "note", Type: parley.Text, Required: true, Help: "The decision, as the mediator (or the arbitration it names) gave it."},
		},
		ParentField: "dispute_id", HeadlineField: "decision", StatusField: "decision", IndexFields: []string{"plant_id"},
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator},
}

// Plant is the contested plant: its units and their capacity.
type Plant struct {
	Name  string `json:"name"`
	Units []Unit `json:"units"`
	Note  string `json:"note,omitempty"`
}

// Unit is one generating unit.
type Unit struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	CapacityKW int64  `json:"capacity_kw"`
}

// Normalize implements parley.Entity.
func (p *Plant) Normalize() {
	parley.Trim(&p.Name, &p.Note)
	for i := range p.Units {
		parley.Trim(&p.Units[i].ID, &p.Units[i].Name)
	}
}

// References implements parley.Entity.
func (p *Plant) References() []parley.Reference { return nil }

// Validate implements parley.Entity.
func (p *Plant) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("name", p.Name), parley.TextLimit("note", p.Note)); err != nil {
		return err
	}
	if len(p.Units) == 0 {
		return parley.Errorf("units", "a plant has at least one unit")
	}
	for i, u := range p.Units {
		switch {
		case u.ID == "":
			return parley.Errorf(fmt.Sprintf("units[%d].id", i), "is required")
		case slices.ContainsFunc(p.Units[:i], func(o Unit) bool { return o.ID == u.ID }):
			return parley.Errorf(fmt.Sprintf("units[%d].id", i), "%q names another unit already", u.ID)
		case u.CapacityKW <= 0:
			return parley.Errorf(fmt.Sprintf("units[%d].capacity_kw", i), "must be more than 0")
		}
	}
	return nil
}

// Unit returns the unit with the given id.
func (p *Plant) Unit(id string) (Unit, bool) {
	i := slices.IndexFunc(p.Units, func(u Unit) bool { return u.ID == id })
	if i < 0 {
		return Unit{}, false
	}
	return p.Units[i], true
}

// Meter is one meter of the plant.
type Meter struct {
	PlantID    string `json:"plant_id"`
	Code       string `json:"code"`
	Role       string `json:"role"`
	UnitID     string `json:"unit_id,omitempty"`
	PartyID    string `json:"party_id,omitempty"`
	OperatorID string `json:"operator_id"`
	CapacityKW int64  `json:"capacity_kw,omitempty"`
	From       string `json:"from"`
	Until      string `json:"until,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (m *Meter) Normalize() {
	parley.Trim(&m.PlantID, &m.Code, &m.Role, &m.UnitID, &m.PartyID, &m.OperatorID, &m.From, &m.Until, &m.Note)
}

// service returns the days the meter is in service from and out of
// service from (zero: still in service).
func (m *Meter) service() (from, until time.Time, err error) {
	if from, err = time.Parse(time.DateOnly, m.From); err != nil {
		return from, until, parley.Errorf("from", "%q is not a date YYYY-MM-DD", m.From)
	}
	if m.Until != "" {
		if until, err = time.Parse(time.DateOnly, m.Until); err != nil {
			return from, until, parley.Errorf("until", "%q is not a date YYYY-MM-DD", m.Until)
		}
		if !until.After(from) {
			return from, until, parley.Errorf("until", "is %s, not after the day the meter is in service from (%s)", m.Until, m.From)
		}
	}
	return from, until, nil
}

// References implements parley.Entity.
func (m *Meter) References() []parley.Reference {
	return []parley.Reference{{Field: "plant_id", Kind: KindPlant, ID: m.PlantID}, {Field: "party_id", Kind: PartyKind, ID: m.PartyID},
		{Field: "operator_id", Kind: PartyKind, ID: m.OperatorID}}
}

// Validate implements parley.Entity: a generation meter meters a unit of
// its plant, a delivery meter feeds a party's grid.
func (m *Meter) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("plant_id", m.PlantID), parley.Required("code", m.Code), parley.Required("operator_id", m.OperatorID),
		parley.OneOf("role", m.Role, MeterRoles), parley.TextLimit("note", m.Note)); err != nil {
		return err
	}
	if m.CapacityKW < 0 {
		return parley.Errorf("capacity_kw", "must be 0 or more")
	}
	if _, _, err := m.service(); err != nil {
		return err
	}
	switch m.Role {
	case Generation:
		if m.UnitID == "" {
			return parley.Errorf("unit_id", "is required for a generation meter: the unit it meters")
		}
		if p, ok := parley.Lookup[*Plant](r, KindPlant, m.PlantID); ok {
			if _, ok := p.Unit(m.UnitID); !ok {
				return parley.Errorf("unit_id", "%q is not a unit of plant %q", m.UnitID, p.Name)
			}
		}
	case Delivery:
		if m.PartyID == "" {
			return parley.Errorf("party_id", "is required for a delivery meter: the party whose grid it feeds")
		}
	}
	if m.Role != Generation && m.UnitID != "" {
		return parley.Errorf("unit_id", "is for a generation meter only")
	}
	if m.Role != Delivery && m.PartyID != "" {
		return parley.Errorf("party_id", "is for a delivery meter only")
	}
	return nil
}

// Spec is what the settlement needs of the meter whose id is id, in plant.
func (m *Meter) Spec(id string, plant *Plant) MeterSpec {
	s := MeterSpec{ID: id, Role: m.Role, Party: m.PartyID, CapacityKW: m.CapacityKW}
	s.From, s.Until, _ = m.service()
	if s.CapacityKW == 0 && plant != nil {
		if u, ok := plant.Unit(m.UnitID); ok && m.Role == Generation {
			s.CapacityKW = u.CapacityKW
		}
	}
	return s
}

// SharingTerms are the terms of the sharing in force from a day.
type SharingTerms struct {
	PlantID   string       `json:"plant_id"`
	From      string       `json:"from"`
	Shares    []ShareEntry `json:"shares"`
	Losses    string       `json:"losses"`
	Tolerance string       `json:"tolerance"`
	Price     string       `json:"price"`
	Currency  string       `json:"currency"`
	ClauseID  string       `json:"clause_id,omitempty"`
	Note      string       `json:"note,omitempty"`
}

// ShareEntry is one party's share, as committed.
type ShareEntry struct {
	PartyID string `json:"party_id"`
	Share   string `json:"share"`
}

// Normalize implements parley.Entity.
func (t *SharingTerms) Normalize() {
	parley.Trim(&t.PlantID, &t.From, &t.Losses, &t.Tolerance, &t.Price, &t.Currency, &t.ClauseID, &t.Note)
	for i := range t.Shares {
		parley.Trim(&t.Shares[i].PartyID, &t.Shares[i].Share)
	}
}

// References implements parley.Entity.
func (t *SharingTerms) References() []parley.Reference {
	refs := []parley.Reference{{Field: "plant_id", Kind: KindPlant, ID: t.PlantID}, {Field: "clause_id", Kind: ClauseKind, ID: t.ClauseID}}
	for i, s := range t.Shares {
		refs = append(refs, parley.Reference{Field: fmt.Sprintf("shares[%d].party_id", i), Kind: PartyKind, ID: s.PartyID})
	}
	return refs
}

// Validate implements parley.Entity: the shares add up to exactly 1.
func (t *SharingTerms) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("plant_id", t.PlantID), parley.OneOf("losses", t.Losses, LossAllocations),
		parley.TextLimit("note", t.Note)); err != nil {
		return err
	}
	_, err := t.Terms("")
	return err
}

// Terms reads the terms for the settlement, id being their entity's.
func (t *SharingTerms) Terms(id string) (Terms, error) {
	from, err := time.Parse(time.DateOnly, t.From)
	if err != nil {
		return Terms{}, parley.Errorf("from", "%q is not a date YYYY-MM-DD", t.From)
	}
	out := Terms{ID: id, From: from, Losses: t.Losses, Currency: t.Currency}
	for i, s := range t.Shares {
		r, err := ParseDecimal(s.Share)
		if err != nil {
			return Terms{}, asField(fmt.Sprintf("shares[%d].share", i), err)
		}
		out.Shares = append(out.Shares, Share{Party: s.PartyID, Share: r})
	}
	if err := CheckShares(out.Shares); err != nil {
		return Terms{}, err
	}
	if out.Tolerance, err = ParseDecimal(t.Tolerance); err != nil {
		return Terms{}, asField("tolerance", err)
	}
	if out.Tolerance.Sign() < 0 || out.Tolerance.Cmp(ratInt(1)) > 0 {
		return Terms{}, parley.Errorf("tolerance", "must be between 0 and 1")
	}
	if out.Price, err = ParseDecimal(t.Price); err != nil {
		return Terms{}, asField("price", err)
	}
	if out.Price.Sign() < 0 {
		return Terms{}, parley.Errorf("price", "must be 0 or more")
	}
	if !currency.MatchString(t.Currency) {
		return Terms{}, parley.Errorf("currency", "%q is not an ISO 4217 code (three capital letters: \"EUR\")", t.Currency)
	}
	return out, nil
}

// Readings are one meter's readings of consecutive intervals, submitted
// and signed by its operator: what a batch of readings commits.
type Readings struct {
	MeterID  string `json:"meter_id"`
	PlantID  string `json:"plant_id"`
	PartyID  string `json:"party_id"`
	Start    string `json:"start"`
	Wh       Values `json:"wh"`
	Replaces string `json:"replaces,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (r *Readings) Normalize() {
	parley.Trim(&r.MeterID, &r.PlantID, &r.PartyID, &r.Start, &r.Replaces, &r.Note)
	if t, err := time.Parse(time.RFC3339, r.Start); err == nil {
		r.Start = t.UTC().Format(time.RFC3339)
	}
}

// References implements parley.Entity.
func (r *Readings) References() []parley.Reference {
	return []parley.Reference{{Field: "meter_id", Kind: KindMeter, ID: r.MeterID}, {Field: "plant_id", Kind: KindPlant, ID: r.PlantID},
		{Field: "party_id", Kind: PartyKind, ID: r.PartyID}, {Field: "replaces", Kind: KindReadings, ID: r.Replaces}}
}

// Validate implements parley.Entity: the readings are of a meter of the
// plant, submitted for the party that operates it, from the start of an
// interval; a correction replaces readings of the same meter, interval
// for interval.
func (r *Readings) Validate(res parley.Resolved) error {
	if err := parley.First(parley.Required("meter_id", r.MeterID), parley.Required("plant_id", r.PlantID),
		parley.Required("party_id", r.PartyID), parley.TextLimit("note", r.Note)); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, r.Start)
	if err != nil {
		return parley.Errorf("start", "%q is not an RFC 3339 time (2026-03-01T00:15:00Z)", r.Start)
	}
	if err := CheckStart(start); err != nil {
		return asField("start", err)
	}
	if len(r.Wh) == 0 || len(r.Wh) > MaxIntervals {
		return parley.Errorf("wh", "holds %d values; a batch of readings holds 1 to %d (31 days of quarter-hours)", len(r.Wh), MaxIntervals)
	}
	if m, ok := parley.Lookup[*Meter](res, KindMeter, r.MeterID); ok {
		if m.PlantID != r.PlantID {
			return parley.Errorf("plant_id", "is %q, but meter %s is of plant %q", r.PlantID, m.Code, m.PlantID)
		}
		if m.OperatorID != r.PartyID {
			return parley.Errorf("party_id", "is %q, but meter %s is operated by %q: only its operator submits its readings", r.PartyID, m.Code, m.OperatorID)
		}
	}
	if o, ok := parley.Lookup[*Readings](res, KindReadings, r.Replaces); ok {
		switch {
		case slices.Equal(o.Wh, r.Wh) && o.Start == r.Start:
			return parley.Errorf("wh", "are the values of the readings it replaces: a correction changes something")
		case o.MeterID != r.MeterID:
			return parley.Errorf("replaces", "names readings of meter %q, not of this meter %q", o.MeterID, r.MeterID)
		case o.Start != r.Start || len(o.Wh) != len(r.Wh):
			// Interval for interval: a settlement that reads one reads
			// the other.
			return parley.Errorf("replaces", "names readings of %d intervals from %s; a correction covers the same intervals (this one: %d from %s)",
				len(o.Wh), o.Start, len(r.Wh), r.Start)
		}
	}
	return nil
}

// Series reads the readings for the settlement: id is their entity's,
// submitted when they were committed.
func (r *Readings) Series(id string, submitted time.Time) Series {
	start, _ := time.Parse(time.RFC3339, r.Start)
	return Series{ID: id, Meter: r.MeterID, Start: start, Wh: r.Wh, Replaces: r.Replaces, Submitted: submitted}
}

// Statement is a period's settlement as committed, for the parties to
// co-sign: its figures are what parley computes from the records.
type Statement struct {
	PlantID  string `json:"plant_id"`
	From     string `json:"from"`
	Until    string `json:"until"`
	Replaces string `json:"replaces,omitempty"`
	Figures  string `json:"figures"`
}

// Normalize implements parley.Entity.
func (s *Statement) Normalize() {
	parley.Trim(&s.PlantID, &s.From, &s.Until, &s.Replaces)
	// In UTC, as Issue writes them: statements of one period compare
	// their times as written.
	for _, t := range []*string{&s.From, &s.Until} {
		if v, err := time.Parse(time.RFC3339, *t); err == nil {
			*t = v.UTC().Format(time.RFC3339)
		}
	}
}

// References implements parley.Entity.
func (s *Statement) References() []parley.Reference {
	return []parley.Reference{{Field: "plant_id", Kind: KindPlant, ID: s.PlantID}, {Field: "replaces", Kind: KindStatement, ID: s.Replaces}}
}

// Validate implements parley.Entity; the figures are checked against the
// records by an invariant.
func (s *Statement) Validate(res parley.Resolved) error {
	if err := parley.Required("plant_id", s.PlantID); err != nil {
		return err
	}
	if _, _, err := s.Period(); err != nil {
		return err
	}
	if o, ok := parley.Lookup[*Statement](res, KindStatement, s.Replaces); ok && (o.From != s.From || o.Until != s.Until || o.PlantID != s.PlantID) {
		return parley.Errorf("replaces", "names the statement of %s to %s, not of this period", o.From, o.Until)
	}
	var f Settlement
	if err := json.Unmarshal([]byte(s.Figures), &f); err != nil {
		return parley.Errorf("figures", "is not a settlement's figures: %v", err)
	}
	return nil
}

// Period returns the statement's period.
func (s *Statement) Period() (from, until time.Time, err error) {
	if from, err = time.Parse(time.RFC3339, s.From); err != nil {
		return from, until, parley.Errorf("from", "%q is not an RFC 3339 time", s.From)
	}
	if until, err = time.Parse(time.RFC3339, s.Until); err != nil {
		return from, until, parley.Errorf("until", "%q is not an RFC 3339 time", s.Until)
	}
	if err := CheckStart(from); err != nil {
		return from, until, asField("from", err)
	}
	if err := CheckStart(until); err != nil {
		return from, until, asField("until", err)
	}
	if !until.After(from) || until.Sub(from) > MaxPeriod {
		return from, until, parley.Errorf("until", "must be after from, and at most %d days after it", int(MaxPeriod/(24*time.Hour)))
	}
	return from.UTC(), until.UTC(), nil
}

// MaxPeriod is the longest period one statement settles.
const MaxPeriod = 31 * 24 * time.Hour

// Approval is a party's co-signature of a statement, or its refusal.
type Approval struct {
	StatementID string `json:"statement_id"`
	PartyID     string `json:"party_id"`
	Decision    string `json:"decision"`
	Note        string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (a *Approval) Normalize() { parley.Trim(&a.StatementID, &a.PartyID, &a.Decision, &a.Note) }

// References implements parley.Entity.
func (a *Approval) References() []parley.Reference {
	return []parley.Reference{{Field: "statement_id", Kind: KindStatement, ID: a.StatementID}, {Field: "party_id", Kind: PartyKind, ID: a.PartyID}}
}

// Validate implements parley.Entity: the party is one the statement
// settles between.
func (a *Approval) Validate(res parley.Resolved) error {
	if err := parley.First(parley.Required("statement_id", a.StatementID), parley.Required("party_id", a.PartyID),
		parley.OneOf("decision", a.Decision, []string{Approve, Reject}), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if a.Decision == Reject && a.Note == "" {
		return parley.Errorf("note", "is required for a rejection: the reason")
	}
	if s, ok := parley.Lookup[*Statement](res, KindStatement, a.StatementID); ok {
		var f Settlement
		json.Unmarshal([]byte(s.Figures), &f)
		if !slices.ContainsFunc(f.Parties, func(p PartyFigures) bool { return p.Party == a.PartyID }) {
			return parley.Errorf("party_id", "%q is not a party to the terms this statement settles; only they co-sign it", a.PartyID)
		}
	}
	return nil
}

// Dispute is a party's challenge of readings, a flag or a statement.
type Dispute struct {
	PlantID     string `json:"plant_id"`
	PartyID     string `json:"party_id"`
	ReadingsID  string `json:"readings_id,omitempty"`
	StatementID string `json:"statement_id,omitempty"`
	Flag        string `json:"flag,omitempty"`
	Reason      string `json:"reason"`
}

// Normalize implements parley.Entity.
func (d *Dispute) Normalize() {
	parley.Trim(&d.PlantID, &d.PartyID, &d.ReadingsID, &d.StatementID, &d.Flag, &d.Reason)
}

// References implements parley.Entity.
func (d *Dispute) References() []parley.Reference {
	return []parley.Reference{{Field: "plant_id", Kind: KindPlant, ID: d.PlantID}, {Field: "party_id", Kind: PartyKind, ID: d.PartyID},
		{Field: "readings_id", Kind: KindReadings, ID: d.ReadingsID}, {Field: "statement_id", Kind: KindStatement, ID: d.StatementID}}
}

// Validate implements parley.Entity: a dispute names one thing, of its
// plant.
func (d *Dispute) Validate(res parley.Resolved) error {
	if err := parley.First(parley.Required("plant_id", d.PlantID), parley.Required("party_id", d.PartyID),
		parley.Required("reason", d.Reason), parley.TextLimit("reason", d.Reason)); err != nil {
		return err
	}
	if (d.ReadingsID == "") == (d.StatementID == "") {
		return parley.Errorf("readings_id", "a dispute names either readings (with a flag, if it disputes one) or a statement")
	}
	if d.Flag != "" {
		if err := parley.OneOf("flag", d.Flag, FlagKinds); err != nil {
			return err
		}
		if d.ReadingsID == "" {
			return parley.Errorf("flag", "a flag is disputed with the readings it concerns (readings_id)")
		}
	}
	if r, ok := parley.Lookup[*Readings](res, KindReadings, d.ReadingsID); ok && r.PlantID != d.PlantID {
		return parley.Errorf("readings_id", "names readings of plant %q, not of %q", r.PlantID, d.PlantID)
	}
	if s, ok := parley.Lookup[*Statement](res, KindStatement, d.StatementID); ok && s.PlantID != d.PlantID {
		return parley.Errorf("statement_id", "names a statement of plant %q, not of %q", s.PlantID, d.PlantID)
	}
	return nil
}

// Resolution is the decision on a dispute.
type Resolution struct {
	DisputeID string `json:"dispute_id"`
	PlantID   string `json:"plant_id"`
	Decision  string `json:"decision"`
	Note      string `json:"note"`
}

// Normalize implements parley.Entity.
func (r *Resolution) Normalize() { parley.Trim(&r.DisputeID, &r.PlantID, &r.Decision, &r.Note) }

// References implements parley.Entity.
func (r *Resolution) References() []parley.Reference {
	return []parley.Reference{{Field: "dispute_id", Kind: KindDispute, ID: r.DisputeID}, {Field: "plant_id", Kind: KindPlant, ID: r.PlantID}}
}

// Validate implements parley.Entity.
func (r *Resolution) Validate(res parley.Resolved) error {
	if err := parley.First(parley.Required("dispute_id", r.DisputeID), parley.Required("plant_id", r.PlantID),
		parley.OneOf("decision", r.Decision, []string{Upheld, Dismissed}), parley.Required("note", r.Note), parley.TextLimit("note", r.Note)); err != nil {
		return err
	}
	if d, ok := parley.Lookup[*Dispute](res, KindDispute, r.DisputeID); ok && d.PlantID != r.PlantID {
		return parley.Errorf("plant_id", "is %q, but the dispute is of plant %q", r.PlantID, d.PlantID)
	}
	return nil
}
