package negotiation

import (
	"slices"
	"strings"

	"github.com/parley-project/parley"
)

// Invariants implements parley.WithInvariants: every move of a clause
// (a confirmation, a report, an approval) is checked against the clause's
// stage and the sequencing rules, and a confirmation against the
// delegation whose head gives it.
func (Domain) Invariants() []parley.Invariant {
	return []parley.Invariant{
		move(KindConfirmation, "a head of delegation confirms an agreed clause", checkConfirmation),
		move(KindReport, "a clause is reported once every head confirmed it", checkReport),
		move(KindApproval, "an approving capital decides on a reported clause", checkApproval),
		packageMove,
		headConfirms,
		noStageRises(KindText, "a change to a text's approving capitals moves no clause"),
		noStageRises(KindPackage, "a change to a package moves no clause"),
		noStageRises(PartyKind, "a change to a party's part in the process moves no clause"),
		finalStays,
	}
}

// finalStays refuses an edit of a final clause: its wording is what every
// approving capital approved.
var finalStays = parley.Invariant{
	Kind: KindClause, Name: "a final clause is not edited",
	Needs: func(parley.Entity, string) []parley.Need { return boardNeeds },
	Check: func(_ parley.Entity, subject string, facts [][]parley.Fact) error {
		if subject == "" {
			return nil
		}
		b := boardOf(facts)
		if st := b.States()[subject]; st != nil && st.Stage == StageFinal {
			return parley.Conflictf("", "clause %q is final: every approving capital approved it as it reads, and it is not edited", st.Clause.Label())
		}
		return nil
	},
}

// noStageRises refuses a change to what the stages depend on (a text's
// approvers, a package, a party's part in the process) that would move a
// clause forward: only the decisions of the heads of delegation and the
// capitals move a clause, never an edit of the data around it.
func noStageRises(kind, name string) parley.Invariant {
	return parley.Invariant{
		Kind: kind, Name: name,
		Needs: func(parley.Entity, string) []parley.Need { return boardNeeds },
		Check: func(e parley.Entity, subject string, facts [][]parley.Fact) error {
			b := boardOf(facts)
			if len(b.Clauses) == 0 {
				return nil
			}
			before := b.States()
			switch x := e.(type) {
			case *Text:
				if subject == "" {
					return nil // a new text has no clauses yet
				}
				b.Texts[subject] = x
			case *Package:
				i := slices.IndexFunc(b.Packages, func(p Item[*Package]) bool { return p.ID == subject })
				if i < 0 {
					b.Packages = append(b.Packages, Item[*Package]{ID: subject, V: x})
				} else {
					b.Packages[i].V = x
				}
			default:
				// A party of the talks, read by its JSON.
				party, ok := viewOf[Party](e)
				if !ok {
					return nil
				}
				i := slices.IndexFunc(b.Parties, func(p *Party) bool { return p.ID == party.ID })
				if i < 0 {
					b.Parties = append(b.Parties, party)
				} else {
					b.Parties[i] = party
				}
			}
			after := b.States()
			for _, c := range b.Clauses {
				from, to := before[c.ID].Stage, after[c.ID].Stage
				if to.Rank() > from.Rank() {
					return parley.Conflictf("", "this change would make clause %q %s (it is %s) without the decisions that move a clause; only the heads' confirmations, the report and the capitals' decisions do",
						c.V.Label(), to.Label(), from.Label())
				}
				if from == StageFinal && to != StageFinal {
					return parley.Conflictf("", "this change would reopen clause %q, which is final (it would be %s); final is where the procedure ends", c.V.Label(), to.Label())
				}
			}
			return nil
		},
	}
}

// checkRises checks the sequencing rules for every clause a move raises:
// the clause decided on, and the others of an all-or-nothing package that
// its approval makes final.
//
// A rule is judged on the stages after the move: clauses of one package
// that become final together meet a rule between them. A refusal is of
// field.
func checkRises(b *Board, before map[string]*State, field string) error {
	after := b.States()
	for _, c := range b.Clauses {
		if to := after[c.ID].Stage; to.Rank() > before[c.ID].Stage.Rank() {
			if err := b.checkMove(after[c.ID], to, after, field); err != nil {
				return err
			}
		}
	}
	return nil
}

// notFinal refuses a decision on a final clause: final is where the
// procedure ends.
func notFinal(st *State, field string) error {
	if st.Stage == StageFinal {
		return parley.Errorf(field, "clause %q is final: every approving capital approved it as it reads, and no decision reopens it", st.Clause.Label())
	}
	return nil
}

// boardNeeds are the facts a clause's stage follows from, in the order
// boardOf reads them.
var boardNeeds = []parley.Need{{Kind: PartyKind}, {Kind: KindText}, {Kind: KindClause}, {Kind: KindConfirmation},
	{Kind: KindReport}, {Kind: KindApproval}, {Kind: KindPackage}, {Kind: KindRule}, {Kind: KindPackageApproval}}

func boardOf(facts [][]parley.Fact) *Board {
	b := &Board{Texts: map[string]*Text{}}
	for _, f := range facts[0] {
		if p, ok := viewOf[Party](f.Entity); ok {
			b.Parties = append(b.Parties, p)
		}
	}
	for _, f := range facts[1] {
		b.Texts[f.ID] = f.Entity.(*Text)
	}
	for _, f := range facts[2] {
		b.Clauses = append(b.Clauses, Item[*Clause]{ID: f.ID, RecordID: f.RecordID, V: f.Entity.(*Clause)})
	}
	for _, f := range facts[3] {
		b.Confirmations = append(b.Confirmations, Decided[*Confirmation]{ID: f.ID, On: f.On, V: f.Entity.(*Confirmation)})
	}
	for _, f := range facts[4] {
		b.Reports = append(b.Reports, Decided[*Report]{ID: f.ID, On: f.On, V: f.Entity.(*Report)})
	}
	for _, f := range facts[5] {
		b.Approvals = append(b.Approvals, Decided[*Approval]{ID: f.ID, On: f.On, Seq: f.Seq, V: f.Entity.(*Approval)})
	}
	for _, f := range facts[6] {
		b.Packages = append(b.Packages, Item[*Package]{ID: f.ID, RecordID: f.RecordID, V: f.Entity.(*Package)})
	}
	for _, f := range facts[7] {
		b.Rules = append(b.Rules, Item[*Rule]{ID: f.ID, RecordID: f.RecordID, V: f.Entity.(*Rule)})
	}
	for _, f := range facts[8] {
		b.PackageApprovals = append(b.PackageApprovals, Decided[*PackageApproval]{ID: f.ID, Seq: f.Seq, V: f.Entity.(*PackageApproval)})
	}
	return b
}

// move is the invariant of one kind of move: check decides on the clause's
// state before the move (refusing what the stage does not allow), and
// adds the move to the board; the rules are then checked on the stage the
// clause would reach.
func move(kind, name string, check func(e parley.Entity, b *Board, before *State, version string) error) parley.Invariant {
	return parley.Invariant{
		Kind: kind, Name: name,
		Needs: func(parley.Entity, string) []parley.Need { return boardNeeds },
		Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
			b := boardOf(facts)
			clauseID := clauseOf(e)
			i := slices.IndexFunc(b.Clauses, func(c Item[*Clause]) bool { return c.ID == clauseID })
			if i < 0 {
				return parley.Errorf("clause_id", "refers to clause %q, which does not exist", clauseID)
			}
			version := b.Clauses[i].RecordID
			states := b.States()
			before := states[clauseID]
			if err := check(e, b, before, version); err != nil {
				return err
			}
			if err := checkRises(b, states, "clause_id"); err != nil {
				return err
			}
			return nil
		},
	}
}

func clauseOf(e parley.Entity) string {
	switch x := e.(type) {
	case *Confirmation:
		return x.ClauseID
	case *Report:
		return x.ClauseID
	case *Approval:
		return x.ClauseID
	}
	return ""
}

func checkConfirmation(e parley.Entity, b *Board, st *State, version string) error {
	c := e.(*Confirmation)
	if len(st.Brackets) > 0 {
		return parley.Errorf("clause_id", "clause %q still holds bracketed alternatives (proposed by %s); the text must be agreed before a head of delegation confirms it",
			st.Clause.Label(), strings.Join(st.Brackets, ", "))
	}
	if !slices.Contains(st.Confirmers, c.PartyID) {
		return parley.Errorf("party_id", "%q is not a party to the negotiation; the heads of the parties' delegations confirm", c.PartyID)
	}
	b.Confirmations = append(b.Confirmations, Decided[*Confirmation]{On: version, V: c})
	return nil
}

func checkReport(e parley.Entity, b *Board, st *State, version string) error {
	if st.Stage.Rank() < StageAdReferendum.Rank() {
		return parley.Errorf("clause_id", "clause %q is %s, not agreed ad referendum: it awaits %s",
			st.Clause.Label(), st.Stage.Label(), strings.Join(st.Missing(), "; "))
	}
	b.Reports = append(b.Reports, Decided[*Report]{On: version, V: e.(*Report)})
	return nil
}

func checkApproval(e parley.Entity, b *Board, st *State, version string) error {
	a := e.(*Approval)
	if !slices.Contains(st.Approvers, a.PartyID) {
		return parley.Errorf("party_id", "%q is not an approving capital of this negotiating text (its approvers: %s)", a.PartyID, strings.Join(st.Approvers, ", "))
	}
	if st.Stage.Rank() < StageReported.Rank() {
		return parley.Errorf("clause_id", "clause %q is %s: a capital decides on a clause agreed ad referendum and reported to it; it awaits %s",
			st.Clause.Label(), st.Stage.Label(), strings.Join(st.Missing(), "; "))
	}
	if err := notFinal(st, "clause_id"); err != nil {
		return err
	}
	b.Approvals = append(b.Approvals, Decided[*Approval]{On: version, Seq: nextSeq, V: a})
	return nil
}

// nextSeq places a decision being written after every committed one.
const nextSeq = int64(1) << 62

// packageMove checks a capital's decision on a whole package: it lists
// every clause of the package at its current version, each reported and
// decided by an approving capital of its text, and no clause moves
// against a sequencing rule.
var packageMove = parley.Invariant{
	Kind: KindPackageApproval, Name: "an approving capital decides on a package whose every clause is reported",
	Needs: func(parley.Entity, string) []parley.Need { return boardNeeds },
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		a := e.(*PackageApproval)
		b := boardOf(facts)
		i := slices.IndexFunc(b.Packages, func(p Item[*Package]) bool { return p.ID == a.PackageID })
		if i < 0 {
			return parley.Errorf("package_id", "refers to package %q, which does not exist", a.PackageID)
		}
		pkg := b.Packages[i].V
		states := b.States()
		var want []ClauseVersion
		for _, id := range pkg.Clauses {
			j := slices.IndexFunc(b.Clauses, func(c Item[*Clause]) bool { return c.ID == id })
			if j < 0 {
				return parley.Errorf("package_id", "holds clause %q, which does not exist", id)
			}
			want = append(want, ClauseVersion{ClauseID: id, Version: b.Clauses[j].RecordID})
		}
		if !slices.Equal(a.Clauses, want) {
			var parts []string
			for _, cv := range want {
				parts = append(parts, cv.ClauseID+" at version "+cv.Version)
			}
			return parley.Conflictf("clauses", "must list every clause of the package, in its order, at its current version: %s", strings.Join(parts, ", "))
		}
		for _, cv := range want {
			st := states[cv.ClauseID]
			if !slices.Contains(st.Approvers, a.PartyID) {
				return parley.Errorf("party_id", "%q is not an approving capital of clause %q (its approvers: %s)", a.PartyID, st.Clause.Label(), strings.Join(st.Approvers, ", "))
			}
			if st.Stage.Rank() < StageReported.Rank() {
				return parley.Errorf("clauses", "clause %q is %s: a capital decides on clauses agreed ad referendum and reported to it; it awaits %s",
					st.Clause.Label(), st.Stage.Label(), strings.Join(st.Missing(), "; "))
			}
			if err := notFinal(st, "clauses"); err != nil {
				return err
			}
		}
		b.PackageApprovals = append(b.PackageApprovals, Decided[*PackageApproval]{Seq: nextSeq, V: a})
		if err := checkRises(b, states, "clauses"); err != nil {
			return err
		}
		return nil
	},
}

// headConfirms checks that the person confirming is the head of the party's
// delegation to the round of the session named.
var headConfirms = parley.Invariant{
	Kind: KindConfirmation,
	Name: "the head of the party's delegation to the session's round confirms",
	Needs: func(e parley.Entity, _ string) []parley.Need {
		c := e.(*Confirmation)
		return []parley.Need{{Kind: SessionKind}, {Kind: DelegationKind, Fields: map[string]string{"party_id": c.PartyID}}}
	},
	Check: func(e parley.Entity, _ string, facts [][]parley.Fact) error {
		c := e.(*Confirmation)
		var round string
		for _, f := range facts[0] {
			if f.ID == c.SessionID {
				if s, ok := viewOf[Session](f.Entity); ok {
					round = s.RoundID
				}
			}
		}
		for _, f := range facts[1] {
			d, ok := viewOf[Delegation](f.Entity)
			if !ok || d.RoundID != round {
				continue
			}
			for _, m := range d.Members {
				if m.PersonID == c.PersonID && m.Role == headRole {
					return nil
				}
			}
			return parley.Errorf("person_id", "is not the head of %q's delegation to the session's round; the head confirms", c.PartyID)
		}
		return parley.Errorf("session_id", "no delegation of %q to the session's round is recorded; record it, with its head, first", c.PartyID)
	},
}
