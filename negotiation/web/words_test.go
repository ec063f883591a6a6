package negotiationweb

import (
	"slices"
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
)

// TestWordsAsTheDomainSaysThem: in English, what the pages say a clause
// awaits and which rules hold it back is word for word what the domain
// says (State.Missing, State.Blocked), at every stage and for every way a
// rule can be unmet; and the pages say it in Ukrainian and Russian.
func TestWordsAsTheDomainSaysThem(t *testing.T) {
	b, err := i18n.NewBundle((&Section{}).Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	b.Strict()
	board := testBoard()
	states := board.States()
	stages := map[negotiation.Stage]bool{}
	ruled := 0
	for _, c := range board.Clauses {
		st := states[c.ID]
		stages[st.Stage] = true
		en := b.Printer(i18n.English)
		if got, want := awaits(en, st), st.Missing(); !slices.Equal(got, want) {
			t.Errorf("clause %s (%s): the pages say it awaits %q; the domain says %q", c.ID, st.Stage, got, want)
		}
		if got, want := blocked(en, board, st, states), st.Blocked; !slices.Equal(got, want) {
			t.Errorf("clause %s (%s): the pages say it is blocked by %q; the domain says %q", c.ID, st.Stage, got, want)
		}
		ruled += len(st.Blocked)
		for _, lang := range []string{i18n.Ukrainian, i18n.Russian} {
			p := b.Printer(lang)
			for _, s := range append(awaits(p, st), blocked(p, board, st, states)...) {
				if !strings.ContainsAny(s, "абвгдеєжзиіїйклмнопрстуфхцчшщьюяыэё") {
					t.Errorf("clause %s in %s: %q is not in %s", c.ID, lang, s, i18n.Names[lang])
				}
			}
		}
	}
	for _, s := range negotiation.Stages {
		if !stages[s] {
			t.Errorf("the test's board has no clause %s", s)
		}
	}
	if ruled < 4 {
		t.Errorf("the test's board has %d rules holding clauses back; want the 4 ways a rule is unmet", ruled)
	}
	for lang, keys := range b.Missed() {
		t.Errorf("%s.json lacks %q", lang, keys)
	}
}

// testBoard is a text with a clause at every stage, and rules unmet in
// every way: a clause behind, an aspect behind, an aspect with no clause,
// a clause not in the text.
func testBoard() *negotiation.Board {
	b := &negotiation.Board{
		Parties: []*negotiation.Party{{ID: "ua", Name: "Ukraine", Role: access.ProcessParty},
			{ID: "ru", Name: "Russia", Role: access.ProcessParty}, {ID: "us", Name: "United States", Role: access.ProcessMediator}},
		Texts: map[string]*negotiation.Text{"t": {Title: "Framework"}},
	}
	clause := func(id, aspect, number string, alts ...string) {
		c := &negotiation.Clause{TextID: "t", AspectID: aspect, Number: number, Title: "Clause " + id, Text: "Words of " + id}
		for _, p := range alts {
			c.Alternatives = append(c.Alternatives, negotiation.Alternative{PartyID: p, Text: "Other words"})
		}
		b.Clauses = append(b.Clauses, negotiation.Item[*negotiation.Clause]{ID: id, RecordID: id + "-v1", V: c})
	}
	seq := int64(0)
	confirm := func(id string) {
		for _, p := range []string{"ua", "ru"} {
			b.Confirmations = append(b.Confirmations, negotiation.Decided[*negotiation.Confirmation]{On: id + "-v1",
				V: &negotiation.Confirmation{ClauseID: id, PartyID: p}})
		}
	}
	report := func(id string) {
		b.Reports = append(b.Reports, negotiation.Decided[*negotiation.Report]{On: id + "-v1", V: &negotiation.Report{ClauseID: id}})
	}
	decide := func(id, party string, d negotiation.Decision, note string) {
		seq++
		b.Approvals = append(b.Approvals, negotiation.Decided[*negotiation.Approval]{On: id + "-v1", Seq: seq,
			V: &negotiation.Approval{ClauseID: id, PartyID: party, Decision: d, Note: note}})
	}
	clause("draft", "security", "1.1")
	clause("bracketed", "security", "1.2", "ua", "ru")
	clause("rejected", "security", "1.3")
	confirm("rejected")
	report("rejected")
	decide("rejected", "ru", negotiation.DecisionRejected, "the line is not agreed")
	clause("adref", "territory", "2.1")
	confirm("adref")
	clause("reported", "territory", "2.2")
	confirm("reported")
	report("reported")
	decide("reported", "ua", negotiation.DecisionApproved, "")
	clause("held", "energy", "3.1")
	confirm("held")
	report("held")
	clause("final", "energy", "3.2")
	confirm("final")
	report("final")
	for _, p := range []string{"ru", "ua", "us"} {
		decide("held", p, negotiation.DecisionApproved, "")
		decide("final", p, negotiation.DecisionApproved, "")
	}
	b.Packages = []negotiation.Item[*negotiation.Package]{{ID: "pkg", V: &negotiation.Package{TextID: "t", Title: "Energy and security",
		Clauses: []string{"held", "draft"}, AllOrNothing: true}}}
	rule := func(name string, r negotiation.Rule) {
		r.TextID, r.Name = "t", name
		b.Rules = append(b.Rules, negotiation.Item[*negotiation.Rule]{ID: name, V: &r})
	}
	rule("security before territory", negotiation.Rule{FirstAspect: "security", ThenAspect: "territory", Stage: negotiation.StageReported})
	rule("draft before adref", negotiation.Rule{FirstClause: "draft", ThenClause: "adref", Stage: negotiation.StageReported})
	rule("monitoring first", negotiation.Rule{FirstAspect: "monitoring", ThenClause: "bracketed", Stage: negotiation.StageFinal})
	rule("a clause gone", negotiation.Rule{FirstClause: "gone", ThenClause: "draft", Stage: negotiation.StageReported})
	return b
}
