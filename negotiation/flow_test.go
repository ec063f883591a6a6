package negotiation_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/negotiation"
	negotiationweb "github.com/parley-project/parley/negotiation/web"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// process is the demo with helpers to write as its logins and to check
// refusals.
type process struct {
	t *testing.T
	d *testkit.Demo
}

func newProcess(t *testing.T, o testkit.DemoOptions) *process {
	return &process{t: t, d: testkit.NewDemo(t, o)}
}

func (p *process) svc() *app.Service { return p.d.Service }

// find returns the id of the entity of kind whose field is value, as the
// mediator sees it.
func (p *process) find(kind, field, value string) string {
	p.t.Helper()
	return p.d.Find(p.t, "us-mediator", kind, field, value)
}

func body(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// write commits v as login (signed with login's key for a signed kind).
func (p *process) write(login, kind string, v any) (app.Written, error) {
	p.t.Helper()
	return p.d.Write(p.t, login, kind, v)
}

func (p *process) must(login, kind string, v any) string {
	p.t.Helper()
	w, err := p.write(login, kind, v)
	if err != nil {
		p.t.Fatalf("%s writing %s: %v", login, kind, err)
	}
	return w.Entity.ID
}

func (p *process) records() int {
	p.t.Helper()
	n, err := p.svc().Store().LastSeq(p.t.Context())
	if err != nil {
		p.t.Fatal(err)
	}
	return int(n)
}

// refused checks that err is a refusal of code about field whose message
// says want, and that nothing was committed.
func (p *process) refused(what string, before int, err error, code app.Code, field, want string) {
	p.t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		p.t.Errorf("%s: got %v, want %s on %q saying %q", what, err, code, field, want)
	}
	if n := p.records(); n != before {
		p.t.Errorf("%s: %d records were committed by a refused write", what, n-before)
	}
}

// stage returns the stage of a clause as login sees it.
func (p *process) stage(login, clause string) *negotiation.State {
	p.t.Helper()
	pr := p.d.Principal(p.t, login)
	b, err := negotiationweb.LoadBoard(p.t.Context(), p.svc(), &pr)
	if err != nil {
		p.t.Fatal(err)
	}
	st := b.States()[clause]
	if st == nil {
		p.t.Fatalf("%s sees no clause %s", login, clause)
	}
	return st
}

func (p *process) wantStage(clause string, want negotiation.Stage) {
	p.t.Helper()
	for _, login := range []string{"us-mediator", "ua-negotiator", "ru-capital"} {
		if st := p.stage(login, clause); st.Stage != want {
			p.t.Fatalf("clause %s as %s sees it: %s, want %s (awaits %v)", clause, login, st.Stage, want, st.Missing())
		}
	}
}

// The demo's ids the tests name.
type ids struct {
	plenary, umerov, budanov, kostyukov, economy, territory, round string
}

func (p *process) ids() ids {
	return ids{
		plenary:   p.find(talks.KindSession, "title", "Plenary session"),
		umerov:    p.find(talks.KindPerson, "name", "Rustem Umerov"),
		budanov:   p.find(talks.KindPerson, "name", "Kyrylo Budanov"),
		kostyukov: p.find(talks.KindPerson, "name", "Adm. Igor Kostyukov"),
		economy:   p.find(talks.KindAspect, "title", "Economy and reconstruction"),
		territory: p.find(talks.KindAspect, "title", "Territory"),
		round:     p.find(talks.KindRound, "name", "Abu Dhabi, first trilateral round"),
	}
}

// confirm has both heads of delegation confirm a clause as it reads now.
func (p *process) confirm(id ids, clause string) {
	p.t.Helper()
	p.must("ua-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: clause, PartyID: "ua", SessionID: id.plenary, PersonID: id.umerov})
	p.must("ru-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: clause, PartyID: "ru", SessionID: id.plenary, PersonID: id.kostyukov})
}

func (p *process) approve(clause string, capitals ...string) {
	p.t.Helper()
	for _, c := range capitals {
		p.must(c+"-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: clause, PartyID: c, Decision: negotiation.DecisionApproved})
	}
}

// TestClauseFromDraftToFinal walks a clause through every stage and tries
// every move out of turn: each is refused with a message that names the
// rule, and commits nothing.
func TestClauseFromDraftToFinal(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Protocol on trade"})
	clause := negotiation.Clause{TextID: text, AspectID: id.economy, Number: "1", Title: "Trade",
		Text: "The parties resume trade.", Alternatives: []negotiation.Alternative{{PartyID: "ru", Text: "Sanctions are lifted first."}}}
	w, err := p.write("us-mediator", negotiation.KindClause, clause)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Entity.ID
	p.wantStage(c, negotiation.StageBracketed)

	before := p.records()
	_, err = p.write("ua-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: c, PartyID: "ua", SessionID: id.plenary, PersonID: id.umerov})
	p.refused("a confirmation of a bracketed clause", before, err, app.CodeInvalid, "clause_id", "still holds bracketed alternatives (proposed by ru)")

	// An edit names the version it read: a stale one is refused with the
	// current version, never overwrites.
	med := p.d.Principal(t, "us-mediator")
	edit := func(based string, cl negotiation.Clause) (app.Written, error) {
		m := map[string]any{}
		json.Unmarshal(body(cl), &m)
		if based != "" {
			m["based_on"] = based
		}
		return p.svc().Update(t.Context(), med, negotiation.KindClause, c, body(m))
	}
	first := w.Entity.RecordID
	clause.Alternatives = nil
	w2, err := edit(first, clause)
	if err != nil {
		t.Fatal(err)
	}
	before = p.records()
	clause.Text = "The parties resume trade at once."
	_, err = edit(first, clause)
	p.refused("an edit on a stale version", before, err, app.CodeConflict, "based_on", "merge your edit into that version")
	var e *app.Error
	if errors.As(err, &e) {
		if cur, ok := e.Current.(store.Entity); !ok || cur.RecordID != w2.Entity.RecordID {
			t.Errorf("the refusal of a stale edit carries %v, want the current version %s", e.Current, w2.Entity.RecordID)
		}
	}
	_, err = edit("", clause)
	p.refused("an edit that names no version", before, err, app.CodeInvalid, "based_on", "is required")
	p.wantStage(c, negotiation.StageDraft)

	before = p.records()
	_, err = p.write("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: c})
	p.refused("a report of a draft", before, err, app.CodeInvalid, "clause_id", "not agreed ad referendum: it awaits confirmation ad referendum by the head of delegation of ru, ua")
	_, err = p.write("ua-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: c, PartyID: "ua", Decision: negotiation.DecisionApproved})
	p.refused("approving what is not agreed ad referendum", before, err, app.CodeInvalid, "clause_id", "a capital decides on a clause agreed ad referendum and reported to it")
	_, err = p.write("ua-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: c, PartyID: "ua", SessionID: id.plenary, PersonID: id.budanov})
	p.refused("a confirmation by one who is not the head", before, err, app.CodeInvalid, "person_id", "is not the head of \"ua\"'s delegation")
	_, err = p.write("ru-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: c, PartyID: "ua", SessionID: id.plenary, PersonID: id.umerov})
	p.refused("a confirmation for another party", before, err, app.CodeForbidden, "party_id", "signed for the signer's own party")

	p.confirm(id, c)
	p.wantStage(c, negotiation.StageAdReferendum)
	p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: c, RoundID: id.round})
	p.wantStage(c, negotiation.StageReported)

	before = p.records()
	_, err = p.write("ua-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: c, PartyID: "ru", Decision: negotiation.DecisionApproved})
	p.refused("a capital approving for another", before, err, app.CodeForbidden, "party_id", "signed for the signer's own party")
	_, err = p.write("ru-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: c, PartyID: "ru", Decision: negotiation.DecisionRejected})
	p.refused("a rejection without its reason", before, err, app.CodeInvalid, "note", "must give the reason")

	// A rejection sends the clause back to bracketed, its reason kept.
	p.approve(c, "us", "ua")
	p.must("ru-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: c, PartyID: "ru", Decision: negotiation.DecisionRejected, Note: "Sanctions first."})
	p.wantStage(c, negotiation.StageBracketed)
	if st := p.stage("ua-negotiator", c); len(st.Rejected) != 1 || st.Rejected[0].Reason != "Sanctions first." {
		t.Errorf("the rejection is kept as %+v", st.Rejected)
	}
	before = p.records()
	_, err = p.write("us-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: c, PartyID: "us", Decision: negotiation.DecisionApproved})
	p.refused("approving a rejected clause", before, err, app.CodeInvalid, "clause_id", "is bracketed")

	// The mediator rewords it: every decision on the old wording is
	// stale, and the clause starts again from the confirmations.
	cur, _ := p.svc().Get(t.Context(), &med, negotiation.KindClause, c)
	clause.Text = "The parties resume trade; sanctions are eased in step."
	if _, err := edit(cur.RecordID, clause); err != nil {
		t.Fatal(err)
	}
	p.wantStage(c, negotiation.StageDraft)
	p.confirm(id, c)
	p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: c})
	p.approve(c, "ru", "ua")
	p.wantStage(c, negotiation.StageReported)
	p.approve(c, "us")
	p.wantStage(c, negotiation.StageFinal)
}

// TestNothingAgreedUntilEverythingAgreed: a clause of an all-or-nothing
// package is approved but not final until every clause of it is.
func TestNothingAgreedUntilEverythingAgreed(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Protocol", Approvers: []string{"ru", "ua"}})
	a := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "A", Text: "First."})
	b := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "B", Text: "Second."})
	p.must("us-mediator", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "All", Clauses: []string{a, b}, AllOrNothing: true})
	for _, c := range []string{a, b} {
		p.confirm(id, c)
		p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: c})
	}
	// The text names its approvers: the mediator's capital does not
	// decide on it.
	before := p.records()
	_, err := p.write("us-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: a, PartyID: "us", Decision: negotiation.DecisionApproved})
	p.refused("a capital the text does not name", before, err, app.CodeInvalid, "party_id", "is not an approving capital of this negotiating text (its approvers: ru, ua)")
	p.approve(a, "ru", "ua")
	p.wantStage(a, negotiation.StageApproved)
	if st := p.stage("ua-negotiator", a); len(st.HeldBy) != 1 || st.HeldBy[0] != "package All" {
		t.Errorf("clause A is held by %v, want package All", st.HeldBy)
	}
	p.approve(b, "ru", "ua")
	p.wantStage(a, negotiation.StageFinal)
	p.wantStage(b, negotiation.StageFinal)
}

// TestSequencingRules: a move that a rule forbids is refused, naming the
// rule and what is missing; once the first clause is there, it is allowed.
func TestSequencingRules(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Sequenced"})
	ceasefire := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "Ceasefire", Text: "Guns fall silent."})
	line := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.territory, Title: "Line", Text: "The line is where it is."})
	p.must("us-mediator", negotiation.KindRule, negotiation.Rule{TextID: text, Name: "the ceasefire before the settlement",
		FirstClause: ceasefire, ThenAspect: id.territory, Stage: negotiation.StageAdReferendum})
	if st := p.stage("ua-negotiator", line); len(st.Blocked) != 1 || !strings.Contains(st.Blocked[0], "the ceasefire before the settlement") {
		t.Errorf("the readiness of the line shows %v, want the rule", st.Blocked)
	}
	p.must("ua-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: line, PartyID: "ua", SessionID: id.plenary, PersonID: id.umerov})
	before := p.records()
	_, err := p.write("ru-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: line, PartyID: "ru", SessionID: id.plenary, PersonID: id.kostyukov})
	p.refused("a move the rule forbids", before, err, app.CodeInvalid, "clause_id",
		`rule "the ceasefire before the settlement": clause "Ceasefire" must be agreed ad referendum first; it is draft, so clause "Line" may not become agreed ad referendum yet`)
	p.confirm(id, ceasefire)
	p.must("ru-negotiator", negotiation.KindConfirmation, negotiation.Confirmation{ClauseID: line, PartyID: "ru", SessionID: id.plenary, PersonID: id.kostyukov})
	p.wantStage(line, negotiation.StageAdReferendum)
}

// TestRelaysNeedConsent: a position reaches the other party only as the
// words its party consented to, for the recipient it named; the recipient
// sees the relay and never the position, and proves the words against the
// committed position without seeing the rest of it.
func TestRelaysNeedConsent(t *testing.T) {
	l := testkit.NewLog(t, "ua-witness")
	p := newProcess(t, testkit.DemoOptions{Log: l.Log})
	id := p.ids()
	pos := p.must("ua-negotiator", negotiation.KindPosition, negotiation.Position{AspectID: id.economy, PartyID: "ua",
		Text: "Trade resumes once the ceasefire holds. Sanctions are a matter for those who imposed them.", RedLines: []string{"No trade before a ceasefire."}})
	words := "Trade resumes once the ceasefire holds."
	relay := negotiation.Relay{PositionID: pos, AspectID: id.economy, PartyID: "ua", Recipient: "ru", Excerpt: words}

	before := p.records()
	_, err := p.write("us-mediator", negotiation.KindRelay, relay)
	p.refused("a relay without consent", before, err, app.CodeInvalid, "consent_id", "only under its party's recorded consent")
	_, err = p.write("ua-negotiator", negotiation.KindConsent, negotiation.Consent{PositionID: pos, PartyID: "ua", Recipient: "ru", Excerpt: "Trade resumes once the"})
	if err != nil {
		t.Fatalf("a consent to some words: %v", err)
	}
	_, err = p.write("ua-negotiator", negotiation.KindConsent, negotiation.Consent{PositionID: pos, PartyID: "ua", Recipient: "ru", Excerpt: "Trade resumes on Monday."})
	p.refused("a consent to words the position does not have", before+1, err, app.CodeInvalid, "excerpt", "is not a run of whole words of the position")
	_, err = p.write("ru-negotiator", negotiation.KindConsent, negotiation.Consent{PositionID: pos, PartyID: "ua", Recipient: "ru", Excerpt: words})
	if app.ErrorCode(err) == "" {
		t.Errorf("ru consents for ua's position: %v, want a refusal", err)
	}
	consent := p.must("ua-negotiator", negotiation.KindConsent, negotiation.Consent{PositionID: pos, PartyID: "ua", Recipient: "ru", Excerpt: words})
	relay.ConsentID = consent

	before = p.records()
	other := relay
	other.Recipient = "us"
	_, err = p.write("us-mediator", negotiation.KindRelay, other)
	p.refused("a relay to a party the consent does not name", before, err, app.CodeInvalid, "recipient", `the consent names "ru" only`)
	other = relay
	other.Excerpt = "Trade resumes once the ceasefire holds. Sanctions are a matter for those who imposed them."
	_, err = p.write("us-mediator", negotiation.KindRelay, other)
	p.refused("a relay of more than was consented", before, err, app.CodeInvalid, "excerpt", "not the words the consent covers")
	_, err = p.write("ru-negotiator", negotiation.KindRelay, relay)
	p.refused("the other party relaying the position", before, err, app.CodeForbidden, "", "may write only its own party's relay records")
	withAudience := body(relay)
	withAudience = append(withAudience[:len(withAudience)-1], []byte(`,"audience":{"scope":"list","parties":["ru","ua","us","ae"]}}`)...)
	_, err = p.svc().Create(t.Context(), p.d.Principal(t, "us-mediator"), negotiation.KindRelay, withAudience)
	p.refused("a relay to more readers than it names", before, err, app.CodeInvalid, "audience", "leave the audience out")

	w, err := p.write("us-mediator", negotiation.KindRelay, relay)
	if err != nil {
		t.Fatal(err)
	}
	ru := p.d.Principal(t, "ru-negotiator")
	if _, err := p.svc().Get(t.Context(), &ru, negotiation.KindRelay, w.Entity.ID); err != nil {
		t.Errorf("the recipient cannot read the relay: %v", err)
	}
	if _, err := p.svc().Get(t.Context(), &ru, negotiation.KindPosition, pos); app.ErrorCode(err) != app.CodeNotFound {
		t.Errorf("the recipient reads the position itself: %v", err)
	}
	ae := p.d.Principal(t, "ae-observer")
	if _, err := p.svc().ExcerptProof(t.Context(), &ae, negotiation.KindRelay, w.Entity.ID); app.ErrorCode(err) != app.CodeNotFound {
		t.Errorf("a party the relay is not for has its proof: %v", err)
	}

	// The proof: once the log has published the position, the recipient
	// checks the words against it with public keys alone.
	var pr proof.Proof
	for i := 0; ; i++ {
		pr, err = p.svc().ExcerptProof(t.Context(), &ru, negotiation.KindRelay, w.Entity.ID)
		if app.ErrorCode(err) != app.CodeUnavailable || i > 100 {
			break
		}
		waitABit()
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(pr)
	for _, hidden := range []string{"Sanctions", "No trade before"} {
		if strings.Contains(string(raw), hidden) {
			t.Errorf("the proof shows %q, which was not relayed", hidden)
		}
	}
	checks := proof.Verify(pr, l.VKey, l.WitnessKeys())
	if failed := proof.Failed(checks); len(failed) > 0 {
		t.Fatalf("the excerpt proof fails %v: %v", failed, checks)
	}
	if !strings.Contains(checks[0].Detail, `"`+words+`" is words 1 to 6 of 15`) {
		t.Errorf("the proof says %q", checks[0].Detail)
	}
	// Words changed in the proof no longer check.
	pr.Excerpt.Segments[0] = "Nothing "
	if failed := proof.Failed(proof.Verify(pr, l.VKey, l.WitnessKeys())); len(failed) == 0 {
		t.Error("an excerpt proof with a changed word still verifies")
	}

	// The party changes its position: the consent no longer covers words
	// the position has, and a relay under it is refused.
	if _, err := p.svc().Update(t.Context(), p.d.Principal(t, "ua-negotiator"), negotiation.KindPosition, pos,
		body(negotiation.Position{AspectID: id.economy, PartyID: "ua", Text: "Trade waits."})); err != nil {
		t.Fatal(err)
	}
	before = p.records()
	_, err = p.write("us-mediator", negotiation.KindRelay, relay)
	p.refused("a relay of words the position no longer has", before, err, app.CodeInvalid, "excerpt", "the party must consent again")
}

func waitABit() { time.Sleep(50 * time.Millisecond) }

// TestHiddenReferences: a write naming an aspect its writer may not see is
// refused as if the aspect did not exist.
func TestHiddenReferences(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	aspect := p.must("us-mediator", talks.KindAspect, map[string]any{"title": "Russia's channel", "status": "open",
		"audience": map[string]any{"scope": "party+mediator", "party": "ru"}})
	before := p.records()
	_, err := p.write("ua-negotiator", negotiation.KindPosition, negotiation.Position{AspectID: aspect, PartyID: "ua", Text: "Ours."})
	p.refused("a position on an aspect the writer cannot see", before, err, app.CodeInvalid, "aspect_id", "which does not exist")
	_, err = p.write("ua-negotiator", negotiation.KindPosition, map[string]any{"aspect_id": p.ids().economy, "party_id": "ua", "text": "Ours.",
		"audience": map[string]any{"scope": "parties"}})
	p.refused("a position shown to every party", before, err, app.CodeInvalid, "audience", "leave the audience out")
	_, err = p.write("ua-negotiator", negotiation.KindPosition, negotiation.Position{AspectID: p.ids().economy, PartyID: "ru", Text: "Theirs."})
	p.refused("a position for another party", before, err, app.CodeForbidden, "", "may write only its own party's position records")
	_, err = p.write("ua-negotiator", negotiation.KindPosition, negotiation.Position{AspectID: p.ids().economy, PartyID: "ua", Text: "Half.", ValueType: negotiation.ValuePercentage, Value: "150"})
	p.refused("a percentage above 100", before, err, app.CodeInvalid, "value", "is not a percentage from 0 to 100")
}

// TestPackageApproval: a capital decides on a package at once, its
// signature binding each clause's wording; a stale or partial list is
// refused, and an edit of one clause leaves the others approved.
func TestPackageApproval(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Protocol", Approvers: []string{"ru", "ua"}})
	a := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "A", Text: "First."})
	b := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "B", Text: "Second."})
	pkg := p.must("us-mediator", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "Both", Clauses: []string{a, b}})
	med := p.d.Principal(t, "us-mediator")
	version := func(c string) string {
		e, err := p.svc().Get(t.Context(), &med, negotiation.KindClause, c)
		if err != nil {
			t.Fatal(err)
		}
		return e.RecordID
	}
	decision := func(party string, d negotiation.Decision, cs ...negotiation.ClauseVersion) negotiation.PackageApproval {
		return negotiation.PackageApproval{PackageID: pkg, PartyID: party, Decision: d, Clauses: cs, Note: "Reason."}
	}
	p.confirm(id, a)
	p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: a})
	before := p.records()
	_, err := p.write("ua-capital", negotiation.KindPackageApproval, decision("ua", negotiation.DecisionApproved,
		negotiation.ClauseVersion{ClauseID: a, Version: version(a)}, negotiation.ClauseVersion{ClauseID: b, Version: version(b)}))
	p.refused("a package one of whose clauses is not reported", before, err, app.CodeInvalid, "clauses", `clause "B" is draft`)
	p.confirm(id, b)
	p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: b})
	before = p.records()
	_, err = p.write("ua-capital", negotiation.KindPackageApproval, decision("ua", negotiation.DecisionApproved,
		negotiation.ClauseVersion{ClauseID: a, Version: version(a)}))
	p.refused("a package approval that leaves a clause out", before, err, app.CodeConflict, "clauses", "must list every clause of the package")
	both := []negotiation.ClauseVersion{{ClauseID: a, Version: version(a)}, {ClauseID: b, Version: version(b)}}
	p.must("ua-capital", negotiation.KindPackageApproval, decision("ua", negotiation.DecisionApproved, both...))
	p.wantStage(a, negotiation.StageReported)
	// Moscow approves A alone: its decision on A and Kyiv's on the
	// package make A final; B awaits Moscow still.
	p.approve(a, "ru")
	p.wantStage(a, negotiation.StageFinal)
	p.wantStage(b, negotiation.StageReported)
	// Final is final: a package decision that would reopen A is refused.
	before = p.records()
	_, err = p.write("ru-capital", negotiation.KindPackageApproval, decision("ru", negotiation.DecisionRejected, both...))
	p.refused("a decision on a final clause", before, err, app.CodeInvalid, "clauses", `clause "A" is final`)
	// Decisions count in the order they were made: Moscow's rejection of
	// B alone stands against Kyiv's earlier package approval.
	p.must("ru-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: b, PartyID: "ru", Decision: negotiation.DecisionRejected, Note: "Not yet."})
	p.wantStage(b, negotiation.StageBracketed)

	// A final clause is not edited; B, rejected, is, and the package's
	// approval no longer binds its wording.
	before = p.records()
	_, err = p.svc().Update(t.Context(), med, negotiation.KindClause, a, body(map[string]any{"text_id": text, "aspect_id": id.economy,
		"title": "A", "text": "First, amended.", "based_on": version(a)}))
	p.refused("an edit of a final clause", before, err, app.CodeConflict, "", `clause "A" is final`)
	if _, err := p.svc().Update(t.Context(), med, negotiation.KindClause, b, body(map[string]any{"text_id": text, "aspect_id": id.economy,
		"title": "B", "text": "Second, amended.", "based_on": version(b)})); err != nil {
		t.Fatal(err)
	}
	p.wantStage(b, negotiation.StageDraft)
}

// TestOnlyDecisionsMoveAClause: the mediator cannot move a clause by
// editing what its stage depends on (the text's approvers, a package, a
// party's part), and an all-or-nothing package that makes clauses final
// together still keeps the sequencing rules for each of them.
func TestOnlyDecisionsMoveAClause(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	med := p.d.Principal(t, "us-mediator")
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Protocol"})
	a := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "A", Text: "First."})
	b := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "B", Text: "Second."})
	c := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "C", Text: "Third."})
	pkg := p.must("us-mediator", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "A and B", Clauses: []string{a, b}, AllOrNothing: true})
	p.must("us-mediator", negotiation.KindRule, negotiation.Rule{TextID: text, Name: "C before B", FirstClause: c, ThenClause: b, Stage: negotiation.StageFinal})
	for _, x := range []string{a, b} {
		p.confirm(id, x)
		p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: x})
	}
	p.approve(a, "ua")

	before := p.records()
	_, err := p.svc().Update(t.Context(), med, negotiation.KindText, text, body(negotiation.Text{Title: "Protocol", Approvers: []string{"ua"}}))
	p.refused("narrowing the approvers of a reported clause", before, err, app.CodeConflict, "", `would make clause "A" approved by every capital (it is reported to capitals)`)
	_, err = p.svc().Update(t.Context(), med, talks.KindParty, "ru", body(map[string]any{"id": "ru", "name": "Russia", "role": "observer"}))
	p.refused("making a party an observer to drop its approval", before, err, app.CodeConflict, "", "without the decisions that move a clause")

	p.approve(b, "ua", "ru", "us")
	p.wantStage(b, negotiation.StageApproved) // held by the package
	_, err = p.svc().Update(t.Context(), med, negotiation.KindPackage, pkg, body(negotiation.Package{TextID: text, Title: "A and B", Clauses: []string{a, b}}))
	p.refused("lifting all-or-nothing to make B final", before+3, err, app.CodeConflict, "", `would make clause "B" final`)

	// A's last approval would make A, and with it B, final; B may not be
	// final before C.
	p.approve(a, "ru")
	before = p.records()
	_, err = p.write("us-capital", negotiation.KindApproval, negotiation.Approval{ClauseID: a, PartyID: "us", Decision: negotiation.DecisionApproved})
	p.refused("a package made final against a rule for one of its clauses", before, err, app.CodeInvalid, "clause_id", `rule "C before B"`)
}

// TestFinalStays: a final clause is not edited, and no package or party
// change reopens it; clauses of one all-or-nothing package become final
// together even where a rule orders them; and a clause is read by every
// party, a reviewer's party besides.
func TestFinalStays(t *testing.T) {
	p := newProcess(t, testkit.DemoOptions{})
	id := p.ids()
	med := p.d.Principal(t, "us-mediator")
	text := p.must("us-mediator", negotiation.KindText, negotiation.Text{Title: "Protocol", Approvers: []string{"ru", "ua"}})
	a := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "A", Text: "First."})
	b := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "B", Text: "Second."})
	p.must("us-mediator", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "A and B", Clauses: []string{a, b}, AllOrNothing: true})
	p.must("us-mediator", negotiation.KindRule, negotiation.Rule{TextID: text, Name: "A before B", FirstClause: a, ThenClause: b, Stage: negotiation.StageFinal})
	for _, c := range []string{a, b} {
		p.confirm(id, c)
		p.must("us-mediator", negotiation.KindReport, negotiation.Report{ClauseID: c})
	}
	p.approve(b, "ru", "ua")
	p.approve(a, "ru", "ua")
	p.wantStage(a, negotiation.StageFinal)
	p.wantStage(b, negotiation.StageFinal)

	draft := p.must("us-mediator", negotiation.KindClause, negotiation.Clause{TextID: text, AspectID: id.economy, Title: "C", Text: "Third."})
	before := p.records()
	_, err := p.write("us-mediator", negotiation.KindPackage, negotiation.Package{TextID: text, Title: "A and C", Clauses: []string{a, draft}, AllOrNothing: true})
	p.refused("a package that would reopen a final clause", before, err, app.CodeConflict, "", `would reopen clause "A", which is final`)
	_, err = p.write("us-mediator", talks.KindParty, map[string]any{"id": "eu", "name": "European Union", "role": "party"})
	p.refused("a new party that would reopen final clauses", before, err, app.CodeConflict, "", "which is final")
	_, err = p.svc().Update(t.Context(), med, negotiation.KindClause, a, body(map[string]any{"text_id": text, "aspect_id": id.economy, "title": "A", "text": "Changed."}))
	if app.ErrorCode(err) == "" {
		t.Errorf("an edit of a final clause: %v, want a refusal", err)
	}
	_, err = p.write("us-mediator", negotiation.KindClause, map[string]any{"text_id": text, "aspect_id": id.economy, "title": "D", "text": "Hidden.",
		"audience": map[string]any{"scope": "list", "parties": []string{"ua", "us", "nato"}}})
	p.refused("a clause some party may not read", before, err, app.CodeInvalid, "audience", "is read by parties at least")
	if _, err := p.write("us-mediator", negotiation.KindClause, map[string]any{"text_id": text, "aspect_id": id.economy, "title": "E", "text": "Shared.",
		"audience": map[string]any{"scope": "list", "parties": []string{"ru", "ua", "us", "nato"}}}); err != nil {
		t.Errorf("a clause shared with a reviewer besides every party: %v", err)
	}
}
