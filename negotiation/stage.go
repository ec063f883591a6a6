package negotiation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
)

// Stage is where a clause stands on its way to final. It is never written:
// it follows from the records (Board.States), so that nobody can declare a
// clause approved that the capitals did not approve.
type Stage string

// The stages, in order. Draft and bracketed are both open.
const (
	StageDraft        Stage = "draft"
	StageBracketed    Stage = "bracketed"
	StageAdReferendum Stage = "agreed-ad-referendum"
	StageReported     Stage = "reported"
	StageApproved     Stage = "approved"
	StageFinal        Stage = "final"
)

// Stages lists every stage in order; RuleStages those a sequencing rule can
// name.
var (
	Stages     = []Stage{StageDraft, StageBracketed, StageAdReferendum, StageReported, StageApproved, StageFinal}
	RuleStages = []Stage{StageAdReferendum, StageReported, StageApproved, StageFinal}
)

// StageLabels are what people read.
var StageLabels = map[Stage]string{
	StageDraft: "draft", StageBracketed: "bracketed", StageAdReferendum: "agreed ad referendum",
	StageReported: "reported to capitals", StageApproved: "approved by every capital", StageFinal: "final",
}

// Label is what people read for the stage.
func (s Stage) Label() string { return cmp.Or(StageLabels[s], string(s)) }

// Rank orders the stages: draft and bracketed are both 0.
func (s Stage) Rank() int {
	switch s {
	case StageAdReferendum:
		return 1
	case StageReported:
		return 2
	case StageApproved:
		return 3
	case StageFinal:
		return 4
	}
	return 0
}

// Item is an entity with its id and latest record, as the stages read it.
type Item[T any] struct {
	ID       string
	RecordID string
	V        T
}

// Decided is a decision (a confirmation, a report, an approval) with the
// version of the clause it was made on.
type Decided[T any] struct {
	ID string
	// On is the record id of the clause's version it was made on.
	On string
	// Seq orders decisions of different kinds as they were committed.
	Seq int64
	V   T
}

// Board is everything the stages follow from. Decisions are in the order
// they were committed, so the last of a party's is its latest.
type Board struct {
	Parties       []*Party
	Texts         map[string]*Text
	Clauses       []Item[*Clause]
	Confirmations []Decided[*Confirmation]
	Reports       []Decided[*Report]
	Approvals     []Decided[*Approval]
	// PackageApprovals decide on every clause of a package at once, each
	// at the version they list.
	PackageApprovals []Decided[*PackageApproval]
	Packages         []Item[*Package]
	Rules            []Item[*Rule]
}

// Rejection is a capital's rejection of a clause's current version.
type Rejection struct {
	PartyID string
	Reason  string
}

// State is where one clause stands, and why.
type State struct {
	ID     string
	Clause *Clause
	Stage  Stage
	// Brackets are the parties whose alternatives are still open.
	Brackets []string
	// Confirmers are the parties whose heads must confirm; Confirmed
	// those who confirmed the clause as it reads now.
	Confirmers, Confirmed []string
	Reported              bool
	// Approvers are the approving capitals; Approved those whose latest
	// decision on this version approves it.
	Approvers, Approved []string
	Rejected            []Rejection
	// HeldBy are the all-or-nothing packages that keep an approved clause
	// from being final.
	HeldBy []string
	// Blocked are the sequencing rules that stop the clause's next moves.
	Blocked []string
}

// Missing returns what the clause waits for before its next stage, in
// words: the readiness page and refusals say it.
func (s *State) Missing() []string {
	switch s.Stage {
	case StageDraft, StageBracketed:
		var out []string
		if len(s.Brackets) > 0 {
			out = append(out, "open brackets proposed by "+strings.Join(s.Brackets, ", "))
		}
		for _, r := range s.Rejected {
			out = append(out, fmt.Sprintf("rejected by %s: %s", r.PartyID, r.Reason))
		}
		if miss := without(s.Confirmers, s.Confirmed); len(s.Brackets) == 0 && len(miss) > 0 {
			out = append(out, "confirmation ad referendum by the head of delegation of "+strings.Join(miss, ", "))
		}
		return out
	case StageAdReferendum:
		return []string{"the report to the capitals"}
	case StageReported:
		return []string{"approval by " + strings.Join(without(s.Approvers, s.Approved), ", ")}
	case StageApproved:
		return []string{"the rest of " + strings.Join(s.HeldBy, ", ")}
	}
	return nil
}

// Awaiting returns the approving capitals whose approval of the clause as
// it reads now is missing.
func (s *State) Awaiting() []string { return without(s.Approvers, s.Approved) }

func without(all, some []string) []string {
	var out []string
	for _, a := range all {
		if !slices.Contains(some, a) {
			out = append(out, a)
		}
	}
	return out
}

// Approvers returns the parties whose capitals approve the clauses of text:
// those it names, or every party of the process and the mediator.
func (b *Board) Approvers(text *Text) []string {
	if text != nil && len(text.Approvers) > 0 {
		return text.Approvers
	}
	var out []string
	for _, p := range b.Parties {
		if p.Role == access.ProcessParty || p.Role == access.ProcessMediator {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// confirmers are the parties whose delegations' heads confirm ad
// referendum: every party to the negotiation.
func (b *Board) confirmers() []string {
	var out []string
	for _, p := range b.Parties {
		if p.Role == access.ProcessParty {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// States returns the state of every clause of the board, by clause id.
func (b *Board) States() map[string]*State {
	states := make(map[string]*State, len(b.Clauses))
	for _, c := range b.Clauses {
		states[c.ID] = b.state(c)
	}
	b.finals(states)
	for _, st := range states {
		st.Blocked = b.blocking(st, states)
	}
	return states
}

func (b *Board) state(c Item[*Clause]) *State {
	st := &State{ID: c.ID, Clause: c.V, Confirmers: b.confirmers(), Approvers: b.Approvers(b.Texts[c.V.TextID])}
	for _, a := range c.V.Alternatives {
		if !slices.Contains(st.Brackets, a.PartyID) {
			st.Brackets = append(st.Brackets, a.PartyID)
		}
	}
	for _, x := range b.Confirmations {
		if x.V.ClauseID == c.ID && x.On == c.RecordID && !slices.Contains(st.Confirmed, x.V.PartyID) {
			st.Confirmed = append(st.Confirmed, x.V.PartyID)
		}
	}
	slices.Sort(st.Confirmed)
	for _, x := range b.Reports {
		if x.V.ClauseID == c.ID && x.On == c.RecordID {
			st.Reported = true
		}
	}
	// Each capital's latest decision on this wording, on the clause alone
	// or on a package that lists it at this version.
	type decision struct {
		seq      int64
		decision Decision
		reason   string
	}
	latest := map[string]decision{}
	decide := func(party string, seq int64, d Decision, reason string) {
		if cur, ok := latest[party]; !ok || seq >= cur.seq {
			latest[party] = decision{seq, d, reason}
		}
	}
	for _, x := range b.Approvals {
		if x.V.ClauseID == c.ID && x.On == c.RecordID {
			decide(x.V.PartyID, x.Seq, x.V.Decision, x.V.Note)
		}
	}
	for _, x := range b.PackageApprovals {
		if slices.Contains(x.V.Clauses, ClauseVersion{ClauseID: c.ID, Version: c.RecordID}) {
			decide(x.V.PartyID, x.Seq, x.V.Decision, x.V.Note)
		}
	}
	for _, p := range st.Approvers {
		switch a, ok := latest[p]; {
		case !ok:
		case a.decision == DecisionApproved:
			st.Approved = append(st.Approved, p)
		case a.decision == DecisionRejected:
			st.Rejected = append(st.Rejected, Rejection{PartyID: p, Reason: a.reason})
		}
	}
	switch {
	case len(st.Brackets) > 0 || len(st.Rejected) > 0:
		st.Stage = StageBracketed
	case len(st.Confirmers) == 0 || len(without(st.Confirmers, st.Confirmed)) > 0:
		st.Stage = StageDraft
	case !st.Reported:
		st.Stage = StageAdReferendum
	case len(without(st.Approvers, st.Approved)) > 0:
		st.Stage = StageReported
	default:
		st.Stage = StageApproved
	}
	return st
}

// finals moves approved clauses to final unless an all-or-nothing package
// holds them: a package's clauses become final together.
func (b *Board) finals(states map[string]*State) {
	for _, st := range states {
		if st.Stage != StageApproved {
			continue
		}
		for _, p := range b.Packages {
			if !p.V.AllOrNothing || !slices.Contains(p.V.Clauses, st.ID) {
				continue
			}
			for _, id := range p.V.Clauses {
				if o, ok := states[id]; !ok || o.Stage.Rank() < StageApproved.Rank() {
					st.HeldBy = append(st.HeldBy, "package "+p.V.Title)
					break
				}
			}
		}
		if len(st.HeldBy) == 0 {
			st.Stage = StageFinal
		}
	}
}

// rulesFor returns the rules whose second part names the clause.
func (b *Board) rulesFor(c *State) []*Rule {
	var out []*Rule
	for _, r := range b.Rules {
		if r.V.TextID != c.Clause.TextID {
			continue
		}
		if r.V.ThenClause == c.ID || r.V.ThenAspect != "" && r.V.ThenAspect == c.Clause.AspectID {
			out = append(out, r.V)
		}
	}
	return out
}

// unmet says why the first part of rule has not reached its stage, or "".
func (b *Board) unmet(rule *Rule, states map[string]*State) string {
	if rule.FirstClause != "" {
		st, ok := states[rule.FirstClause]
		if !ok {
			return fmt.Sprintf("rule %q: the clause that goes first is not in the text", rule.Name)
		}
		if st.Stage.Rank() < rule.Stage.Rank() {
			return fmt.Sprintf("rule %q: clause %q must be %s first; it is %s", rule.Name, st.Clause.Label(), rule.Stage.Label(), st.Stage.Label())
		}
		return ""
	}
	var behind []string
	n := 0
	for _, c := range b.Clauses {
		if c.V.AspectID != rule.FirstAspect || c.V.TextID != rule.TextID {
			continue
		}
		n++
		if st := states[c.ID]; st.Stage.Rank() < rule.Stage.Rank() {
			behind = append(behind, fmt.Sprintf("%q is %s", c.V.Label(), st.Stage.Label()))
		}
	}
	if n == 0 {
		return fmt.Sprintf("rule %q: the aspect that goes first has no clause yet", rule.Name)
	}
	if len(behind) > 0 {
		return fmt.Sprintf("rule %q: every clause of the aspect that goes first must be %s first; %s", rule.Name, rule.Stage.Label(), strings.Join(behind, ", "))
	}
	return ""
}

// blocking lists the rules that stop the clause's moves still ahead of it.
func (b *Board) blocking(st *State, states map[string]*State) []string {
	var out []string
	for _, r := range b.rulesFor(st) {
		if st.Stage.Rank() >= r.Stage.Rank() {
			continue
		}
		if why := b.unmet(r, states); why != "" {
			out = append(out, why)
		}
	}
	return out
}

// checkMove refuses a clause reaching stage to while a rule holds it back,
// as a refusal of field.
func (b *Board) checkMove(st *State, to Stage, states map[string]*State, field string) error {
	for _, r := range b.rulesFor(st) {
		if to.Rank() < r.Stage.Rank() {
			continue
		}
		if why := b.unmet(r, states); why != "" {
			return parley.Errorf(field, "%s, so clause %q may not become %s yet", why, st.Clause.Label(), to.Label())
		}
	}
	return nil
}
