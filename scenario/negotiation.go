package scenario

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/record"
)

// illustrative marks what the demo adds to the reports to show the
// procedure: the reports announced no agreement on any clause.
const illustrative = "Illustrative item of the demo scenario, not from the reports."

// signed commits v of a signed kind as login, signing the statement the
// service gives with login's demo key, as parley sign would.
func (l *loader) signed(login, key, kind string, v any) string {
	if l.errs != nil {
		return ""
	}
	body, err := json.Marshal(v)
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: %w", key, err)
		return ""
	}
	signer, err := note.NewSigner(l.keys[login])
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: %s has no signing key: %w", key, login, err)
		return ""
	}
	st, err := l.svc.Statement(l.ctx, l.as[login], kind, body)
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: no statement to sign: %w", key, err)
		return ""
	}
	text, err := st.Text()
	if err == nil {
		var msg []byte
		if msg, err = note.Sign(&note.Note{Text: text}, signer); err == nil {
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			m["statement"] = text
			m["signature"] = strings.TrimSpace(string(msg[len(text)+1:]))
			body, err = json.Marshal(m)
		}
	}
	if err != nil {
		l.errs = fmt.Errorf("scenario %s: couldn't sign: %w", key, err)
		return ""
	}
	return l.commit(login, key, kind, body)
}

// negotiation commits each party's confidential positions on the aspects
// the reports name, the consented relays between them, and the mediator's
// first draft of the negotiating text. Positions hold what the reports say
// of each side; their wording is the demo's.
func (l *loader) negotiation() {
	r1 := l.id("abudhabi-1")
	pos := func(login, key, party, aspect string, p negotiation.Position) {
		p.PartyID, p.AspectID, p.RoundID = party, l.id(aspect), r1
		l.create(login, key, negotiation.KindPosition, p, nil)
	}
	pos("ua-negotiator", "ua-territory", "ua", "territory", negotiation.Position{
		Text:      "Ukraine rejects any withdrawal from the parts of Donetsk region it holds. A line can only be drawn where the forces stand, once a ceasefire holds.",
		ValueType: negotiation.ValueLine, Value: "the line of contact as it stands",
		RedLines: []string{"No withdrawal from the parts of Donetsk region Ukraine holds."}})
	pos("ru-negotiator", "ru-territory", "ru", "territory", negotiation.Position{
		Text:      "Russia demands that Ukraine withdraw from the parts of Donetsk region it still holds (Donbas). Territory remains the condition for a lasting deal.",
		ValueType: negotiation.ValueLine, Value: "the administrative border of Donetsk region",
		RedLines: []string{"Ukraine's withdrawal from Donbas."}})
	pos("ua-negotiator", "ua-znpp", "ua", "znpp", negotiation.Position{
		Text: "Oversight and operation of the Zaporizhzhia plant must be agreed with Ukraine. The electricity it produces would be shared on an equitable basis."})
	pos("ru-negotiator", "ru-znpp", "ru", "znpp", negotiation.Position{
		Text: "The Zaporizhzhia plant stays under its present operation. The electricity it produces would be shared on an equitable basis."})
	pos("ua-negotiator", "ua-sequencing", "ua", "sequencing", negotiation.Position{
		Text: "A ceasefire comes first, in phased steps, and precedes a comprehensive settlement."})
	pos("ru-negotiator", "ru-sequencing", "ru", "sequencing", negotiation.Position{
		Text: "Territory is settled as the condition for a lasting deal; a ceasefire follows from it."})
	pos("ua-negotiator", "ua-monitoring", "ua", "monitoring", negotiation.Position{
		Text: "American monitoring and control of the process of ending the war and ensuring real security."})
	pos("ua-negotiator", "ua-guarantees", "ua", "guarantees", negotiation.Position{
		Text:     "Security guarantees from Western partners, in protocols reviewed by NATO and by US military and national-security leadership. Ukraine does not abandon NATO membership.",
		RedLines: []string{"No renunciation of NATO membership."}})
	pos("ru-negotiator", "ru-guarantees", "ru", "guarantees", negotiation.Position{
		Text: "Ukraine abandons NATO membership.", RedLines: []string{"Ukraine outside NATO."}})

	// Relays: each side consents to some words reaching the other, and in
	// the direct meeting one side relays its own position itself.
	relay := func(consenter, by, party, recipient, posKey, aspect, excerpt string) {
		c := l.create(consenter, "", negotiation.KindConsent, negotiation.Consent{PositionID: l.id(posKey), PartyID: party, Recipient: recipient, Excerpt: excerpt}, nil)
		l.create(by, "", negotiation.KindRelay, negotiation.Relay{PositionID: l.id(posKey), AspectID: l.id(aspect), PartyID: party,
			Recipient: recipient, ConsentID: c, Excerpt: excerpt}, nil)
	}
	relay("ru-negotiator", "us-mediator", "ru", "ua", "ru-territory", "territory",
		"Russia demands that Ukraine withdraw from the parts of Donetsk region it still holds (Donbas).")
	relay("ua-negotiator", "us-mediator", "ua", "ru", "ua-znpp", "znpp",
		"The electricity it produces would be shared on an equitable basis.")
	relay("ua-negotiator", "ua-negotiator", "ua", "ru", "ua-monitoring", "monitoring",
		"American monitoring and control of the process of ending the war and ensuring real security.")

	// The mediator's first draft of the text.
	text := l.create("us-mediator", "text", negotiation.KindText, negotiation.Text{Title: "Framework for ending the war (mediator's first draft)",
		Note: "Approving capitals: every party and the mediator."}, nil)
	clause := func(key, aspect, article, number, title, body string, alts []negotiation.Alternative, aud *record.Audience, note string) {
		l.create("us-mediator", key, negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: l.id(aspect), Article: article, Number: number,
			Title: title, Text: body, Alternatives: alts, Note: note}, aud)
	}
	alt := func(party, text string) negotiation.Alternative {
		return negotiation.Alternative{PartyID: party, Text: text}
	}
	clause("c-ceasefire", "sequencing", "Article 1", "1.1", "Ceasefire",
		"A ceasefire takes effect on a date the parties agree, followed by phased steps toward a comprehensive settlement.", nil, nil, "")
	clause("c-line", "territory", "Article 2", "2.1", "Line of separation", "", []negotiation.Alternative{
		alt("ua", "The parties' forces remain on the line of contact as it stands when the ceasefire takes effect."),
		alt("ru", "Ukraine's forces withdraw from the parts of Donetsk region they hold.")}, nil, "")
	clause("c-oversight", "znpp", "Article 3", "3.1", "Oversight and operation of the plant", "", []negotiation.Alternative{
		alt("ua", "The plant is operated under Ukrainian authority with international oversight."),
		alt("ru", "The plant remains under its present operation with international oversight.")}, nil, "")
	clause("c-electricity", "znpp", "Article 3", "3.2", "The plant's electricity",
		"The electricity the plant produces is shared between the parties on an equitable basis, metered and settled each month.", nil, nil,
		illustrative+" The demo walks this clause to agreement ad referendum and to Kyiv's and Washington's approvals to show the procedure.")
	clause("c-monitoring", "monitoring", "Article 4", "4.1", "Monitoring",
		"The mediator monitors and verifies the ceasefire and reports to both parties at the same time.", nil, nil, "")
	clause("c-protocols", "guarantees", "Article 5", "5.1", "Security protocols",
		"Security guarantees for Ukraine are set out in protocols with its Western partners.", nil,
		&record.Audience{Scope: record.List, Parties: []string{"us", "ua", "ru", "nato"}}, "Shared with NATO for review.")
	clause("c-nato", "guarantees", "Article 5", "5.2", "Alliance membership", "", []negotiation.Alternative{
		alt("ua", "Nothing in this framework limits Ukraine's choice of alliances."),
		alt("ru", "Ukraine does not join NATO.")}, nil, "")
	l.create("us-mediator", "", negotiation.KindRule, negotiation.Rule{TextID: text, Name: "the ceasefire before the settlement",
		FirstClause: l.id("c-ceasefire"), ThenAspect: l.id("territory"), Stage: negotiation.StageApproved}, nil)
	l.create("us-mediator", "", negotiation.KindRule, negotiation.Rule{TextID: text, Name: "the plant's electricity after its oversight",
		FirstClause: l.id("c-oversight"), ThenClause: l.id("c-electricity"), Stage: negotiation.StageFinal}, nil)
	l.create("us-mediator", "", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "Framework", AllOrNothing: true,
		Clauses: l.idList("c-ceasefire", "c-line", "c-oversight", "c-electricity", "c-monitoring", "c-protocols", "c-nato"),
		Note:    "Nothing is agreed until everything is agreed."}, nil)
	l.create("nato-reviewer", "", negotiation.KindReview, negotiation.Review{ClauseID: l.id("c-protocols"), PartyID: "nato",
		Comment: "The protocols should name the consultation mechanism and its timelines."}, nil)

	// The illustrative walk: both heads confirm clause 3.2 in the plenary,
	// the mediator reports it, and Kyiv approves it.
	electricity := l.id("c-electricity")
	l.signed("ua-negotiator", "", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: electricity, PartyID: "ua",
		SessionID: l.id("ad-plenary"), PersonID: l.id("umerov"), Note: illustrative})
	l.signed("ru-negotiator", "", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: electricity, PartyID: "ru",
		SessionID: l.id("ad-plenary"), PersonID: l.id("kostyukov"), Note: illustrative})
	l.create("us-mediator", "", negotiation.KindReport, negotiation.Report{ClauseID: electricity, RoundID: r1, Note: illustrative}, nil)
	l.signed("ua-capital", "", negotiation.KindApproval, negotiation.Approval{ClauseID: electricity, PartyID: "ua",
		Decision: negotiation.DecisionApproved, RoundID: r1, Note: illustrative})
	// Washington decides on the plant's clauses as a package: its
	// signature binds each clause's wording.
	pkg := l.create("us-mediator", "", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "The plant's electricity",
		Clauses: []string{electricity}, Note: illustrative}, nil)
	if l.errs == nil {
		med := l.as["us-mediator"]
		c, err := l.svc.Get(l.ctx, &med, negotiation.KindClause, electricity)
		if err != nil {
			l.errs = fmt.Errorf("scenario: %w", err)
			return
		}
		l.signed("us-capital", "", negotiation.KindPackageApproval, negotiation.PackageApproval{PackageID: pkg, PartyID: "us",
			Decision: negotiation.DecisionApproved, RoundID: r1, Note: illustrative,
			Clauses: []negotiation.ClauseVersion{{ClauseID: electricity, Version: c.RecordID}}})
	}

	// Each delegation reports to its capital: a brief per capital.
	for _, login := range []string{"us-mediator", "ua-negotiator", "ru-negotiator"} {
		if l.errs != nil {
			return
		}
		if _, err := negotiationweb.MakeBrief(l.ctx, l.svc, l.as[login], r1); err != nil {
			l.errs = fmt.Errorf("scenario: couldn't make the brief of %s: %w", login, err)
		}
	}
}
