package negotiation

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// ValueType says what a position's structured value is.
type ValueType string

// The value types.
const (
	ValueLine       ValueType = "line"
	ValuePercentage ValueType = "percentage"
	ValueDate       ValueType = "date"
	ValueNumber     ValueType = "number"
	ValueOther      ValueType = "other"
)

// ValueTypes lists them in order.
var ValueTypes = []ValueType{ValueLine, ValuePercentage, ValueDate, ValueNumber, ValueOther}

// Position is one party's position on one aspect, seen by that party and the
// mediator only. Its versions are its history. Every field is in every
// body, set or not: the proof of an excerpt shows how many fields the body
// has, which must not tell whether it has red lines or a value.
type Position struct {
	AspectID  string    `json:"aspect_id"`
	PartyID   string    `json:"party_id"`
	RoundID   string    `json:"round_id"`
	Text      string    `json:"text"`
	ValueType ValueType `json:"value_type"`
	Value     string    `json:"value"`
	RedLines  []string  `json:"red_lines"`
}

// Normalize implements parley.Entity.
func (p *Position) Normalize() {
	parley.Trim(&p.AspectID, &p.PartyID, &p.RoundID, &p.Text, &p.Value)
	p.RedLines = trimAll(p.RedLines)
}

func trimAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// References implements parley.Entity.
func (p *Position) References() []parley.Reference {
	return []parley.Reference{{Field: "aspect_id", Kind: AspectKind, ID: p.AspectID},
		{Field: "party_id", Kind: PartyKind, ID: p.PartyID}, {Field: "round_id", Kind: RoundKind, ID: p.RoundID}}
}

// Validate implements parley.Entity.
func (p *Position) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("aspect_id", p.AspectID), parley.Required("party_id", p.PartyID),
		parley.Required("text", p.Text), parley.TextLimit("text", p.Text)); err != nil {
		return err
	}
	if err := aParty("party_id", r, p.PartyID); err != nil {
		return err
	}
	if p.Value != "" && p.ValueType == "" {
		return parley.Errorf("value_type", "is required with a value: say whether %q is a line, a percentage, a date, a number or other", p.Value)
	}
	if p.ValueType != "" {
		if err := parley.OneOf("value_type", p.ValueType, ValueTypes); err != nil {
			return err
		}
		if p.Value == "" {
			return parley.Errorf("value", "is required with a value type")
		}
	}
	switch p.ValueType {
	case ValuePercentage:
		if f, err := strconv.ParseFloat(strings.TrimSuffix(p.Value, "%"), 64); err != nil || f < 0 || f > 100 {
			return parley.Errorf("value", "%q is not a percentage from 0 to 100", p.Value)
		}
	case ValueNumber:
		if _, err := strconv.ParseFloat(p.Value, 64); err != nil {
			return parley.Errorf("value", "%q is not a number", p.Value)
		}
	case ValueDate:
		if _, err := time.Parse(time.DateOnly, p.Value); err != nil {
			return parley.Errorf("value", "%q is not a date of the form YYYY-MM-DD", p.Value)
		}
	}
	return nil
}

// aParty refuses a party that is not a party of the process (the mediator
// or an observer) where only a party's own may stand.
func aParty(field string, r parley.Resolved, id string) error {
	if p, ok := lookup[Party](r, PartyKind, id); ok && p.Role != access.ProcessParty {
		return parley.Errorf(field, "%q is the %s, not a party to the negotiation", id, p.Role)
	}
	return nil
}

// Consent is a party's recorded consent that some words of its position be
// relayed to one recipient.
type Consent struct {
	PositionID string `json:"position_id"`
	PartyID    string `json:"party_id"`
	Recipient  string `json:"recipient"`
	Excerpt    string `json:"excerpt"`
	Withdrawn  bool   `json:"withdrawn,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Consent) Normalize() {
	parley.Trim(&c.PositionID, &c.PartyID, &c.Recipient, &c.Excerpt, &c.Note)
}

// References implements parley.Entity.
func (c *Consent) References() []parley.Reference {
	return []parley.Reference{{Field: "position_id", Kind: KindPosition, ID: c.PositionID},
		{Field: "party_id", Kind: PartyKind, ID: c.PartyID}, {Field: "recipient", Kind: PartyKind, ID: c.Recipient}}
}

// Validate implements parley.Entity.
func (c *Consent) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("position_id", c.PositionID), parley.Required("party_id", c.PartyID),
		parley.Required("recipient", c.Recipient), parley.Required("excerpt", c.Excerpt), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if c.Recipient == c.PartyID {
		return parley.Errorf("recipient", "is the party whose position it is; name the party it is relayed to")
	}
	if err := aParty("recipient", r, c.Recipient); err != nil {
		return err
	}
	pos, ok := parley.Lookup[*Position](r, KindPosition, c.PositionID)
	if !ok {
		return nil
	}
	if pos.PartyID != c.PartyID {
		return parley.Errorf("party_id", "is %q, but the position is %q's; a party consents for its own positions", c.PartyID, pos.PartyID)
	}
	if _, _, ok := record.FindExcerpt(pos.Text, c.Excerpt); !ok {
		return parley.Errorf("excerpt", "is not a run of whole words of the position as it reads now; copy the words exactly")
	}
	return nil
}

// Relay is an excerpt of one party's position delivered to another, by the
// mediator or, in a direct format, by the party itself, under the owner's
// consent. Its recipient can check the words against the committed
// position (an excerpt proof) without seeing the rest of it.
type Relay struct {
	PositionID string `json:"position_id"`
	AspectID   string `json:"aspect_id"`
	PartyID    string `json:"party_id"`
	Recipient  string `json:"recipient"`
	ConsentID  string `json:"consent_id"`
	Excerpt    string `json:"excerpt"`
	Note       string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (x *Relay) Normalize() {
	parley.Trim(&x.PositionID, &x.AspectID, &x.PartyID, &x.Recipient, &x.ConsentID, &x.Excerpt, &x.Note)
}

// References implements parley.Entity. The recipient reads the relay, and
// with it the ids of the position and the consent, which it may not read:
// the ids are the origin the relay names.
func (x *Relay) References() []parley.Reference {
	return []parley.Reference{{Field: "position_id", Kind: KindPosition, ID: x.PositionID, Origin: true},
		{Field: "aspect_id", Kind: AspectKind, ID: x.AspectID},
		{Field: "party_id", Kind: PartyKind, ID: x.PartyID}, {Field: "recipient", Kind: PartyKind, ID: x.Recipient},
		{Field: "consent_id", Kind: KindConsent, ID: x.ConsentID, Origin: true}}
}

// Validate implements parley.Entity: a relay needs the owner's consent to
// these very words for this very recipient.
func (x *Relay) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("position_id", x.PositionID), parley.Required("aspect_id", x.AspectID), parley.Required("party_id", x.PartyID),
		parley.Required("recipient", x.Recipient), parley.TextLimit("note", x.Note)); err != nil {
		return err
	}
	if x.ConsentID == "" {
		return parley.Errorf("consent_id", "is required: a position is relayed only under its party's recorded consent to those words for that recipient")
	}
	if err := parley.Required("excerpt", x.Excerpt); err != nil {
		return err
	}
	c, ok := parley.Lookup[*Consent](r, KindConsent, x.ConsentID)
	if !ok {
		return nil
	}
	switch {
	case c.PositionID != x.PositionID:
		return parley.Errorf("consent_id", "is a consent for another position (%s)", c.PositionID)
	case c.PartyID != x.PartyID:
		return parley.Errorf("party_id", "is %q, but the consent is %q's", x.PartyID, c.PartyID)
	case c.Withdrawn:
		return parley.Errorf("consent_id", "was withdrawn by %s; nothing more is relayed under it", c.PartyID)
	case c.Recipient != x.Recipient:
		return parley.Errorf("recipient", "is %q, but the consent names %q only; the party must consent to relay to %q", x.Recipient, c.Recipient, x.Recipient)
	case c.Excerpt != x.Excerpt:
		return parley.Errorf("excerpt", "is not the words the consent covers; relay exactly those, or ask the party to consent to these")
	}
	if pos, ok := parley.Lookup[*Position](r, KindPosition, x.PositionID); ok {
		if pos.AspectID != x.AspectID {
			return parley.Errorf("aspect_id", "is not the aspect of the position (%s)", pos.AspectID)
		}
		if _, _, ok := record.FindExcerpt(pos.Text, x.Excerpt); !ok {
			return parley.Errorf("excerpt", "is no longer in the position, which changed since the consent; the party must consent again")
		}
	}
	return nil
}

// Text is the one negotiating text of a process (a process may keep more,
// for separate instruments).
type Text struct {
	Title     string   `json:"title"`
	Approvers []string `json:"approvers,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (t *Text) Normalize() {
	parley.Trim(&t.Title, &t.Note)
	t.Approvers = trimAll(t.Approvers)
	slices.Sort(t.Approvers)
	t.Approvers = slices.Compact(t.Approvers)
}

// References implements parley.Entity.
func (t *Text) References() []parley.Reference {
	var refs []parley.Reference
	for i, a := range t.Approvers {
		refs = append(refs, parley.Reference{Field: "approvers[" + strconv.Itoa(i) + "]", Kind: PartyKind, ID: a})
	}
	return refs
}

// Validate implements parley.Entity.
func (t *Text) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("title", t.Title), parley.TextLimit("note", t.Note)); err != nil {
		return err
	}
	for i, a := range t.Approvers {
		if p, ok := lookup[Party](r, PartyKind, a); ok && p.Role == access.ProcessObserver {
			return parley.Errorf("approvers["+strconv.Itoa(i)+"]", "%q is an observer; only the parties and the mediator approve", a)
		}
	}
	return nil
}

// Alternative is one bracketed wording of a clause, proposed by a party.
type Alternative struct {
	PartyID string `json:"party_id"`
	Text    string `json:"text"`
}

// Clause is one clause of the negotiating text. Its versions are its
// history; an edit names the version it was based on (Kind.Versioned).
type Clause struct {
	TextID       string        `json:"text_id"`
	AspectID     string        `json:"aspect_id"`
	Article      string        `json:"article,omitempty"`
	Number       string        `json:"number,omitempty"`
	Title        string        `json:"title"`
	Text         string        `json:"text,omitempty"`
	Alternatives []Alternative `json:"alternatives,omitempty"`
	Order        int           `json:"order,omitempty"`
	Note         string        `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Clause) Normalize() {
	parley.Trim(&c.TextID, &c.AspectID, &c.Article, &c.Number, &c.Title, &c.Text, &c.Note)
	var alts []Alternative
	for _, a := range c.Alternatives {
		parley.Trim(&a.PartyID, &a.Text)
		if a.PartyID != "" || a.Text != "" {
			alts = append(alts, a)
		}
	}
	c.Alternatives = alts
}

// References implements parley.Entity.
func (c *Clause) References() []parley.Reference {
	// A clause shared with a reviewer outside the parties names its text
	// and aspect, which the reviewer does not read: it learns their ids.
	refs := []parley.Reference{{Field: "text_id", Kind: KindText, ID: c.TextID, Origin: true},
		{Field: "aspect_id", Kind: AspectKind, ID: c.AspectID, Origin: true}}
	for i, a := range c.Alternatives {
		refs = append(refs, parley.Reference{Field: "alternatives[" + strconv.Itoa(i) + "].party_id", Kind: PartyKind, ID: a.PartyID})
	}
	return refs
}

// Validate implements parley.Entity.
func (c *Clause) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("text_id", c.TextID), parley.Required("aspect_id", c.AspectID),
		parley.Required("title", c.Title), parley.TextLimit("text", c.Text), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if c.Text == "" && len(c.Alternatives) == 0 {
		return parley.Errorf("text", "is required unless the clause holds bracketed alternatives")
	}
	for i, a := range c.Alternatives {
		f := "alternatives[" + strconv.Itoa(i) + "]"
		if err := parley.First(parley.Required(f+".party_id", a.PartyID), parley.Required(f+".text", a.Text), parley.TextLimit(f+".text", a.Text)); err != nil {
			return err
		}
	}
	return nil
}

// Open reports whether the clause holds bracketed alternatives.
func (c *Clause) Open() bool { return len(c.Alternatives) > 0 }

// Label is how people name a clause: its number and title.
func (c *Clause) Label() string {
	if c.Number != "" {
		return c.Number + " " + c.Title
	}
	return c.Title
}

// Wording is the whole wording of a clause for a diff: its agreed text and
// each bracketed alternative, marked with its proposer.
func (c *Clause) Wording() string {
	var b strings.Builder
	b.WriteString(c.Text)
	for _, a := range c.Alternatives {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("[" + a.PartyID + ": " + a.Text + "]")
	}
	return b.String()
}

// Confirmation is a delegation head's confirmation, in a recorded session,
// that the clause as it reads now is agreed ad referendum: subject to the
// capitals' approval. It is signed, and binds the clause's version.
type Confirmation struct {
	ClauseID  string `json:"clause_id"`
	PartyID   string `json:"party_id"`
	SessionID string `json:"session_id"`
	PersonID  string `json:"person_id"`
	Note      string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (c *Confirmation) Normalize() {
	parley.Trim(&c.ClauseID, &c.PartyID, &c.SessionID, &c.PersonID, &c.Note)
}

// References implements parley.Entity.
func (c *Confirmation) References() []parley.Reference {
	return []parley.Reference{{Field: "clause_id", Kind: KindClause, ID: c.ClauseID}, {Field: "party_id", Kind: PartyKind, ID: c.PartyID},
		{Field: "session_id", Kind: SessionKind, ID: c.SessionID}, {Field: "person_id", Kind: PersonKind, ID: c.PersonID}}
}

// Validate implements parley.Entity.
func (c *Confirmation) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("clause_id", c.ClauseID), parley.Required("party_id", c.PartyID),
		parley.Required("session_id", c.SessionID), parley.Required("person_id", c.PersonID), parley.TextLimit("note", c.Note)); err != nil {
		return err
	}
	if err := aParty("party_id", r, c.PartyID); err != nil {
		return err
	}
	if p, ok := lookup[Person](r, PersonKind, c.PersonID); ok && p.PartyID != c.PartyID {
		return parley.Errorf("person_id", "%s acts for %q, not %q", p.Name, p.PartyID, c.PartyID)
	}
	if s, ok := lookup[Session](r, SessionKind, c.SessionID); ok && !slices.Contains(s.Parties, c.PartyID) {
		return parley.Errorf("session_id", "%q is not represented at the session %q; the head confirms in a session the party attends", c.PartyID, s.Title)
	}
	return nil
}

// Report records that a clause, agreed ad referendum, was reported to the
// capitals; the kernel binds it to the clause's version.
type Report struct {
	ClauseID string `json:"clause_id"`
	RoundID  string `json:"round_id,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (x *Report) Normalize() { parley.Trim(&x.ClauseID, &x.RoundID, &x.Note) }

// References implements parley.Entity.
func (x *Report) References() []parley.Reference {
	return []parley.Reference{{Field: "clause_id", Kind: KindClause, ID: x.ClauseID}, {Field: "round_id", Kind: RoundKind, ID: x.RoundID}}
}

// Validate implements parley.Entity.
func (x *Report) Validate(parley.Resolved) error {
	return parley.First(parley.Required("clause_id", x.ClauseID), parley.TextLimit("note", x.Note))
}

// Decision is a capital's answer on a clause.
type Decision string

// The decisions.
const (
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
)

// Decisions lists them.
var Decisions = []Decision{DecisionApproved, DecisionRejected}

// Approval is one capital's signed decision on a clause as reported. A
// rejection sends the clause back to bracketed, with its reason kept.
type Approval struct {
	ClauseID string   `json:"clause_id"`
	PartyID  string   `json:"party_id"`
	Decision Decision `json:"decision"`
	RoundID  string   `json:"round_id,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (a *Approval) Normalize() { parley.Trim(&a.ClauseID, &a.PartyID, &a.RoundID, &a.Note) }

// References implements parley.Entity.
func (a *Approval) References() []parley.Reference {
	return []parley.Reference{{Field: "clause_id", Kind: KindClause, ID: a.ClauseID}, {Field: "party_id", Kind: PartyKind, ID: a.PartyID},
		{Field: "round_id", Kind: RoundKind, ID: a.RoundID}}
}

// Validate implements parley.Entity.
func (a *Approval) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("clause_id", a.ClauseID), parley.Required("party_id", a.PartyID),
		parley.OneOf("decision", a.Decision, Decisions), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if a.Decision == DecisionRejected && a.Note == "" {
		return parley.Errorf("note", "must give the reason for a rejection: it is kept with the clause")
	}
	return nil
}

// ClauseVersion is a clause at one version.
type ClauseVersion struct {
	ClauseID string `json:"clause_id"`
	Version  string `json:"version"`
}

// PackageApproval is one capital's signed decision on every clause of a
// package at once, each at the version it lists: the signature covers the
// list, so it binds every wording.
type PackageApproval struct {
	PackageID string          `json:"package_id"`
	PartyID   string          `json:"party_id"`
	Decision  Decision        `json:"decision"`
	Clauses   []ClauseVersion `json:"clauses"`
	RoundID   string          `json:"round_id,omitempty"`
	Note      string          `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (a *PackageApproval) Normalize() {
	parley.Trim(&a.PackageID, &a.PartyID, &a.RoundID, &a.Note)
	for i := range a.Clauses {
		parley.Trim(&a.Clauses[i].ClauseID, &a.Clauses[i].Version)
	}
}

// References implements parley.Entity.
func (a *PackageApproval) References() []parley.Reference {
	return []parley.Reference{{Field: "package_id", Kind: KindPackage, ID: a.PackageID}, {Field: "party_id", Kind: PartyKind, ID: a.PartyID},
		{Field: "round_id", Kind: RoundKind, ID: a.RoundID}}
}

// Validate implements parley.Entity.
func (a *PackageApproval) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("package_id", a.PackageID), parley.Required("party_id", a.PartyID),
		parley.OneOf("decision", a.Decision, Decisions), parley.TextLimit("note", a.Note)); err != nil {
		return err
	}
	if len(a.Clauses) == 0 {
		return parley.Errorf("clauses", "is required: list every clause of the package with the version decided on")
	}
	if a.Decision == DecisionRejected && a.Note == "" {
		return parley.Errorf("note", "must give the reason for a rejection: it is kept with each clause")
	}
	return nil
}

// Package groups clauses; when AllOrNothing is set, none of them is final
// until every one is approved by every approving capital.
type Package struct {
	TextID       string   `json:"text_id"`
	Title        string   `json:"title"`
	Clauses      []string `json:"clauses"`
	AllOrNothing bool     `json:"all_or_nothing,omitempty"`
	Note         string   `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (p *Package) Normalize() {
	parley.Trim(&p.TextID, &p.Title, &p.Note)
	p.Clauses = trimAll(p.Clauses)
}

// References implements parley.Entity.
func (p *Package) References() []parley.Reference {
	refs := []parley.Reference{{Field: "text_id", Kind: KindText, ID: p.TextID}}
	for i, c := range p.Clauses {
		refs = append(refs, parley.Reference{Field: "clauses[" + strconv.Itoa(i) + "]", Kind: KindClause, ID: c})
	}
	return refs
}

// Validate implements parley.Entity.
func (p *Package) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("text_id", p.TextID), parley.Required("title", p.Title), parley.TextLimit("note", p.Note)); err != nil {
		return err
	}
	if len(p.Clauses) == 0 {
		return parley.Errorf("clauses", "is required: a package holds at least one clause")
	}
	for i, id := range p.Clauses {
		if slices.Contains(p.Clauses[:i], id) {
			return parley.Errorf("clauses["+strconv.Itoa(i)+"]", "names clause %s twice", id)
		}
		if c, ok := parley.Lookup[*Clause](r, KindClause, id); ok && c.TextID != p.TextID {
			return parley.Errorf("clauses["+strconv.Itoa(i)+"]", "is a clause of another negotiating text")
		}
	}
	return nil
}

// Rule is a sequencing rule: no clause of Then may reach Stage before every
// clause of First has.
type Rule struct {
	TextID      string `json:"text_id"`
	Name        string `json:"name"`
	FirstClause string `json:"first_clause,omitempty"`
	FirstAspect string `json:"first_aspect,omitempty"`
	ThenClause  string `json:"then_clause,omitempty"`
	ThenAspect  string `json:"then_aspect,omitempty"`
	Stage       Stage  `json:"stage"`
	Note        string `json:"note,omitempty"`
}

// Normalize implements parley.Entity.
func (x *Rule) Normalize() {
	parley.Trim(&x.TextID, &x.Name, &x.FirstClause, &x.FirstAspect, &x.ThenClause, &x.ThenAspect, &x.Note)
}

// References implements parley.Entity.
func (x *Rule) References() []parley.Reference {
	return []parley.Reference{{Field: "text_id", Kind: KindText, ID: x.TextID},
		{Field: "first_clause", Kind: KindClause, ID: x.FirstClause}, {Field: "first_aspect", Kind: AspectKind, ID: x.FirstAspect},
		{Field: "then_clause", Kind: KindClause, ID: x.ThenClause}, {Field: "then_aspect", Kind: AspectKind, ID: x.ThenAspect}}
}

// Validate implements parley.Entity.
func (x *Rule) Validate(r parley.Resolved) error {
	if err := parley.First(parley.Required("text_id", x.TextID), parley.Required("name", x.Name),
		parley.OneOf("stage", x.Stage, RuleStages), parley.TextLimit("note", x.Note)); err != nil {
		return err
	}
	if (x.FirstClause == "") == (x.FirstAspect == "") {
		return parley.Errorf("first_clause", "name either the clause or the aspect that goes first, not both or neither")
	}
	if (x.ThenClause == "") == (x.ThenAspect == "") {
		return parley.Errorf("then_clause", "name either the clause or the aspect that follows, not both or neither")
	}
	if x.FirstClause != "" && x.FirstClause == x.ThenClause || x.FirstAspect != "" && x.FirstAspect == x.ThenAspect {
		return parley.Errorf("then_clause", "is what goes first; a rule orders two different things")
	}
	for _, f := range []struct{ field, id string }{{"first_clause", x.FirstClause}, {"then_clause", x.ThenClause}} {
		if c, ok := parley.Lookup[*Clause](r, KindClause, f.id); ok && c.TextID != x.TextID {
			return parley.Errorf(f.field, "is a clause of another negotiating text; a rule orders the clauses of its own")
		}
	}
	return nil
}

// Brief is what one capital was told: generated from the records as its
// party sees them (WriteBrief), committed so that the capital can later
// prove what it was told and when.
type Brief struct {
	PartyID string `json:"party_id"`
	RoundID string `json:"round_id,omitempty"`
	Title   string `json:"title"`
	Content string `json:"content"`
	// Clauses is where each clause stood when the brief was made, so the
	// next brief can say what moved since.
	Clauses []BriefClause `json:"clauses,omitempty"`
}

// BriefClause is one clause as a brief found it.
type BriefClause struct {
	ClauseID string `json:"clause_id"`
	Version  string `json:"version"`
	Stage    Stage  `json:"stage"`
}

// Normalize implements parley.Entity.
func (b *Brief) Normalize() { parley.Trim(&b.PartyID, &b.RoundID, &b.Title) }

// References implements parley.Entity.
func (b *Brief) References() []parley.Reference {
	return []parley.Reference{{Field: "party_id", Kind: PartyKind, ID: b.PartyID}, {Field: "round_id", Kind: RoundKind, ID: b.RoundID}}
}

// Validate implements parley.Entity.
func (b *Brief) Validate(parley.Resolved) error {
	if err := parley.First(parley.Required("party_id", b.PartyID), parley.Required("title", b.Title), parley.Required("content", b.Content)); err != nil {
		return err
	}
	if len(b.Content) > MaxBrief {
		return parley.Errorf("content", "is %d bytes long; at most %d are allowed", len(b.Content), MaxBrief)
	}
	return nil
}

// Review is a reviewer's comment on a clause shared with its party.
type Review struct {
	ClauseID string `json:"clause_id"`
	PartyID  string `json:"party_id"`
	Comment  string `json:"comment"`
}

// Normalize implements parley.Entity.
func (x *Review) Normalize() { parley.Trim(&x.ClauseID, &x.PartyID, &x.Comment) }

// References implements parley.Entity.
func (x *Review) References() []parley.Reference {
	return []parley.Reference{{Field: "clause_id", Kind: KindClause, ID: x.ClauseID}, {Field: "party_id", Kind: PartyKind, ID: x.PartyID}}
}

// Validate implements parley.Entity.
func (x *Review) Validate(parley.Resolved) error {
	return parley.First(parley.Required("clause_id", x.ClauseID), parley.Required("party_id", x.PartyID),
		parley.Required("comment", x.Comment), parley.TextLimit("comment", x.Comment))
}
