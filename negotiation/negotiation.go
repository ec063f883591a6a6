// Package negotiation is the domain of what the parties negotiate: each
// party's confidential positions, the excerpts the mediator (or a party
// itself) relays to the other side with the owner's consent, the one
// negotiating text the mediator keeps, and the path of each clause from a
// draft to final: bracketed alternatives, agreement ad referendum confirmed
// by each delegation's head in a recorded session, the report to the
// capitals, each approving capital's signed decision, and "nothing is
// agreed until everything is agreed" over packages of clauses. Sequencing
// rules between clauses are data, checked on every move. Briefs to each
// capital and reviewers' comments complete it.
//
// Like every domain it is pure Go: it declares its kinds, validates, and
// decides a clause's stage from the records (Stages); the kernel does the
// I/O. Nothing here names the parties of any process.
package negotiation

import (
	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// Domain declares the negotiation to the kernel.
type Domain struct{}

// Name implements parley.Domain.
func (Domain) Name() string { return "negotiation" }

// Roles implements parley.Domain: the kernel's roles suffice.
func (Domain) Roles() []access.Role { return nil }

// Kinds implements parley.Domain.
func (Domain) Kinds() []parley.Kind { return kinds }

// The kind names.
const (
	KindPosition     = "negotiation.position"
	KindConsent      = "negotiation.consent"
	KindRelay        = "negotiation.relay"
	KindText         = "negotiation.text"
	KindClause       = "negotiation.clause"
	KindConfirmation = "negotiation.confirmation"
	KindReport       = "negotiation.report"
	KindApproval     = "negotiation.approval"
	// KindPackageApproval is a capital's decision on a whole package.
	KindPackageApproval = "negotiation.package-approval"
	KindPackage         = "negotiation.package"
	KindRule            = "negotiation.rule"
	KindBrief           = "negotiation.brief"
	KindReview          = "negotiation.review"
)

// ownChannel is a record read by its owner party and the mediator.
func ownChannel(party string) record.Audience {
	return record.Audience{Scope: record.PartyMediator, Party: party}
}

var (
	parties  = record.Audience{Scope: record.Parties}
	mediator = []access.Role{access.RoleMediator}
	// everyParty fixes the readers of the text and of every decision on
	// it: every party and the mediator, so that all see the same stage of
	// every clause.
	everyParty = func(parley.Entity, string) record.Audience { return parties }
)

// ref is a field naming another entity.
var ref = parley.RefField

var stageField = parley.Field{Name: "stage", Type: parley.Enum, Required: true, Enum: parley.Options(RuleStages, StageLabels),
	Help: "The stage the first must reach before the second may reach it."}

var kinds = []parley.Kind{
	{Name: KindPosition, Collection: "positions", Title: "position", New: func() parley.Entity { return new(Position) },
		Fields: []parley.Field{
			ref("aspect_id", "Aspect", AspectKind, true, ""),
			ref("party_id", "Party", PartyKind, true, "The party whose position it is; only it and the mediator read it."),
			ref("round_id", "Round", RoundKind, false, "The round it was put forward for, if any."),
			{Name: "text", Type: parley.Text, Required: true, Help: "The position in words. The mediator relays excerpts of it only with the party's consent."},
			{Name: "value_type", Label: "Value type", Type: parley.Enum, Enum: parley.Options(ValueTypes, nil),
				Help: "What the structured value is, if the position has one."},
			{Name: "value", Type: parley.String, Max: 200, Help: "The structured value: a line (\"the current line of contact\"), a percentage (\"20\"), a date (\"2026-03-01\"), a number."},
			{Name: "red_lines", Label: "Red lines", Type: parley.List, Elem: &parley.Field{Type: parley.String, Max: 500},
				Help: "What the party will not accept, one per line."},
		},
		ParentField: "aspect_id", OwnerField: "party_id", HeadlineField: "text", IndexFields: []string{"round_id"},
		DefaultAudience: record.Audience{Scope: record.PartyMediator}, AudienceOf: func(e parley.Entity, _ string) record.Audience {
			return ownChannel(e.(*Position).PartyID)
		},
		WriteRoles: []access.Role{access.RoleNegotiator}, Mutable: true, Excerpt: "text"},
	{Name: KindConsent, Collection: "consents", Title: "consent", New: func() parley.Entity { return new(Consent) },
		Fields: []parley.Field{
			ref("position_id", "Position", KindPosition, true, ""),
			ref("party_id", "Party", PartyKind, true, "The party whose position it is, which consents."),
			ref("recipient", "Recipient", PartyKind, true, "The party the words may be relayed to."),
			{Name: "excerpt", Type: parley.Text, Required: true, Help: "The words that may be relayed, exactly as the position has them: whole words, in one run. The whole text for all of it."},
			{Name: "withdrawn", Type: parley.Bool, Help: "Withdraws the consent: nothing more is relayed under it."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "position_id", OwnerField: "party_id", HeadlineField: "excerpt", IndexFields: []string{"recipient"},
		DefaultAudience: record.Audience{Scope: record.PartyMediator}, AudienceOf: func(e parley.Entity, _ string) record.Audience {
			return ownChannel(e.(*Consent).PartyID)
		},
		WriteRoles: []access.Role{access.RoleNegotiator}, Mutable: true},
	{Name: KindRelay, Collection: "relays", Title: "relay", New: func() parley.Entity { return new(Relay) },
		Fields: []parley.Field{
			ref("position_id", "Position", KindPosition, true, "The position the words are taken from; its recipient sees its id and the words, nothing else."),
			ref("aspect_id", "Aspect", AspectKind, true, "The aspect of the position."),
			ref("party_id", "Party", PartyKind, true, "The party whose position it is."),
			ref("recipient", "Recipient", PartyKind, true, ""),
			ref("consent_id", "Consent", KindConsent, true, "The party's recorded consent to relay these words to this recipient."),
			{Name: "excerpt", Type: parley.Text, Required: true, Help: "The words relayed, exactly as the consent has them."},
			{Name: "note", Type: parley.Text, Help: "What the relaying side adds, if anything."},
		},
		ParentField: "position_id", OwnerField: "party_id", HeadlineField: "excerpt", IndexFields: []string{"recipient"},
		DefaultAudience: record.Audience{Scope: record.List}, AudienceOf: func(e parley.Entity, author string) record.Audience {
			r := e.(*Relay)
			return record.Audience{Scope: record.List, Parties: []string{r.PartyID, r.Recipient, author}}
		},
		WriteRoles: []access.Role{access.RoleMediator, access.RoleNegotiator},
		ExcerptOf:  &parley.ExcerptOf{Origin: "position_id", Words: "excerpt"}},
	{Name: KindText, Collection: "texts", Title: "negotiating text", New: func() parley.Entity { return new(Text) },
		Fields: []parley.Field{
			{Name: "title", Type: parley.String, Required: true},
			{Name: "approvers", Label: "Approving capitals", Type: parley.List, Elem: &parley.Field{Type: parley.Ref, Ref: PartyKind},
				Help: "The parties whose capitals approve each clause. Empty: every party of the process and the mediator."},
			{Name: "note", Type: parley.Text},
		},
		HeadlineField:   "title",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindClause, Collection: "clauses", Title: "clause", New: func() parley.Entity { return new(Clause) },
		Fields: []parley.Field{
			ref("text_id", "Negotiating text", KindText, true, ""),
			ref("aspect_id", "Aspect", AspectKind, true, "The aspect of the agenda the clause belongs to; articles are grouped by it."),
			{Name: "article", Type: parley.String, Max: 100, Help: "The article it is in: \"Article 2\"."},
			{Name: "number", Type: parley.String, Max: 20, Help: "Its number in the article: \"2.1\"."},
			{Name: "title", Type: parley.String, Required: true},
			{Name: "text", Type: parley.Text, Help: "The wording every party accepts; the alternatives hold what is still in brackets."},
			{Name: "alternatives", Type: parley.List, Help: "Bracketed alternatives, each attributed to the party that proposed it. A clause with any is bracketed.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					ref("party_id", "Proposed by", PartyKind, true, ""),
					{Name: "text", Type: parley.Text, Required: true},
				}}},
			{Name: "order", Type: parley.Int, Help: "Places the clause in its article; lower first."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "text_id", HeadlineField: "title", IndexFields: []string{"aspect_id"},
		DefaultAudience: parties, AudienceAtLeast: &parties, WriteRoles: mediator, Mutable: true, Versioned: true,
		Wording: func(e parley.Entity) string { return e.(*Clause).Wording() }},
	{Name: KindConfirmation, Collection: "confirmations", Title: "confirmation", New: func() parley.Entity { return new(Confirmation) },
		Fields: []parley.Field{
			ref("clause_id", "Clause", KindClause, true, "The clause, as it reads now, that the head of delegation confirms ad referendum."),
			ref("party_id", "Party", PartyKind, true, ""),
			ref("session_id", "Session", SessionKind, true, "The recorded session in which the head confirmed it."),
			ref("person_id", "Head of delegation", PersonKind, true, "The head of the party's delegation to that session's round."),
			{Name: "note", Type: parley.Text},
		},
		ParentField: "clause_id", OwnerField: "party_id", HeadlineField: "party_id",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleNegotiator}, Signed: true},
	{Name: KindReport, Collection: "reports", Title: "report to capitals", New: func() parley.Entity { return new(Report) },
		Fields: []parley.Field{
			ref("clause_id", "Clause", KindClause, true, "The clause, agreed ad referendum as it reads now, reported to the capitals."),
			ref("round_id", "Round", RoundKind, false, ""),
			{Name: "note", Type: parley.Text},
		},
		ParentField: "clause_id", HeadlineField: "clause_id",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, BindsParent: true},
	{Name: KindApproval, Collection: "clause-approvals", Title: "clause approval", New: func() parley.Entity { return new(Approval) },
		Fields: []parley.Field{
			ref("clause_id", "Clause", KindClause, true, "The clause, as reported, that the capital decides on."),
			ref("party_id", "Capital", PartyKind, true, "The party whose capital decides; an approver signs for its own."),
			{Name: "decision", Type: parley.Enum, Required: true, Enum: parley.Options(Decisions, nil)},
			ref("round_id", "Round", RoundKind, false, ""),
			{Name: "note", Type: parley.Text, Help: "Required for a rejection: the reason, which is kept with the clause."},
		},
		ParentField: "clause_id", OwnerField: "party_id", HeadlineField: "decision", StatusField: "decision",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleApprover}, Signed: true},
	{Name: KindPackageApproval, Collection: "package-approvals", Title: "package approval", New: func() parley.Entity { return new(PackageApproval) },
		Fields: []parley.Field{
			ref("package_id", "Package", KindPackage, true, "The package, every clause of it reported, that the capital decides on at once."),
			ref("party_id", "Capital", PartyKind, true, "The party whose capital decides; an approver signs for its own."),
			{Name: "decision", Type: parley.Enum, Required: true, Enum: parley.Options(Decisions, nil)},
			{Name: "clauses", Type: parley.List, Required: true, Help: "Every clause of the package with the version decided on (its record_id as it reads now): the signature binds each wording.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "clause_id", Type: parley.String, Required: true},
					{Name: "version", Type: parley.String, Required: true},
				}}},
			ref("round_id", "Round", RoundKind, false, ""),
			{Name: "note", Type: parley.Text, Help: "Required for a rejection: the reason, which is kept with each clause."},
		},
		ParentField: "package_id", OwnerField: "party_id", HeadlineField: "decision", StatusField: "decision",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: []access.Role{access.RoleApprover}, Signed: true},
	{Name: KindPackage, Collection: "packages", Title: "package", New: func() parley.Entity { return new(Package) },
		Fields: []parley.Field{
			ref("text_id", "Negotiating text", KindText, true, ""),
			{Name: "title", Type: parley.String, Required: true},
			{Name: "clauses", Type: parley.List, Required: true, Elem: &parley.Field{Type: parley.Ref, Ref: KindClause}},
			{Name: "all_or_nothing", Label: "Nothing agreed until everything agreed", Type: parley.Bool,
				Help: "No clause of the package is final until every clause of it is approved by every approving capital."},
			{Name: "note", Type: parley.Text},
		},
		ParentField: "text_id", HeadlineField: "title",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindRule, Collection: "sequencing-rules", Title: "sequencing rule", New: func() parley.Entity { return new(Rule) },
		Fields: []parley.Field{
			ref("text_id", "Negotiating text", KindText, true, ""),
			{Name: "name", Type: parley.String, Required: true, Help: "What the rule says, in a few words: \"the ceasefire before the settlement\"."},
			ref("first_clause", "First: clause", KindClause, false, "The clause that goes first; or name an aspect."),
			ref("first_aspect", "First: aspect", AspectKind, false, "Every clause of this aspect goes first."),
			ref("then_clause", "Then: clause", KindClause, false, "The clause that follows; or name an aspect."),
			ref("then_aspect", "Then: aspect", AspectKind, false, "Every clause of this aspect follows."),
			stageField,
			{Name: "note", Type: parley.Text},
		},
		ParentField: "text_id", HeadlineField: "name",
		DefaultAudience: parties, AudienceOf: everyParty, WriteRoles: mediator, Mutable: true},
	{Name: KindBrief, Collection: "briefs", Title: "brief", New: func() parley.Entity { return new(Brief) },
		Fields: []parley.Field{
			ref("party_id", "Capital", PartyKind, true, "The party whose capital the brief is for."),
			ref("round_id", "Round", RoundKind, false, ""),
			{Name: "title", Type: parley.String, Required: true},
			{Name: "content", Type: parley.Text, Required: true, Max: MaxBrief,
				Help: "The brief as generated from the records (negotiation.WriteBrief); the page and the PDF are rendered from it."},
			{Name: "clauses", Type: parley.List, Help: "Where each clause stood when the brief was made.",
				Elem: &parley.Field{Type: parley.Object, Fields: []parley.Field{
					{Name: "clause_id", Type: parley.String, Required: true},
					{Name: "version", Type: parley.String, Required: true},
					{Name: "stage", Type: parley.Enum, Required: true, Enum: parley.Options(Stages, StageLabels)},
				}}},
		},
		OwnerField: "party_id", HeadlineField: "title", IndexFields: []string{"round_id"},
		DefaultAudience: record.Audience{Scope: record.PartyOnly}, AudienceOf: func(e parley.Entity, _ string) record.Audience {
			return record.Audience{Scope: record.PartyOnly, Party: e.(*Brief).PartyID}
		},
		WriteRoles: []access.Role{access.RoleNegotiator, access.RoleMediator, access.RoleApprover}},
	{Name: KindReview, Collection: "reviews", Title: "review comment", New: func() parley.Entity { return new(Review) },
		Fields: []parley.Field{
			ref("clause_id", "Clause", KindClause, true, "A clause shared with the reviewer's party."),
			ref("party_id", "Reviewer's party", PartyKind, true, ""),
			{Name: "comment", Type: parley.Text, Required: true},
		},
		ParentField: "clause_id", OwnerField: "party_id", HeadlineField: "comment",
		DefaultAudience: record.Audience{Scope: record.PartyMediator}, AudienceOf: func(e parley.Entity, _ string) record.Audience {
			return ownChannel(e.(*Review).PartyID)
		},
		WriteRoles: []access.Role{access.RoleReviewer}},
}

// MaxBrief bounds a brief's content: a brief covers every aspect of a text
// of hundreds of clauses.
const MaxBrief = 150000
