package negotiationweb

import (
	"slices"
	"strings"
	"time"

	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/negotiation"
)

// The domain says where a clause stands in English (State.Missing,
// State.Blocked), as its refusals do. The pages say it in the reader's
// language: the functions below write the same sentences through a
// printer, from the same state, and write in English exactly what the
// domain writes (words_test.go holds them to it).

// stageLabel is what people read for a stage, in p's language.
func stageLabel(p *i18n.Printer, s negotiation.Stage) string { return p.Word(s.Label()) }

// awaits is State.Missing in p's language: what the clause waits for
// before its next stage.
func awaits(p *i18n.Printer, s *negotiation.State) []string {
	if s == nil {
		return nil
	}
	switch s.Stage {
	case negotiation.StageDraft, negotiation.StageBracketed:
		var out []string
		if len(s.Brackets) > 0 {
			out = append(out, p.T("open brackets proposed by %s", strings.Join(s.Brackets, ", ")))
		}
		for _, r := range s.Rejected {
			out = append(out, p.T("rejected by %s: %s", r.PartyID, r.Reason))
		}
		if miss := without(s.Confirmers, s.Confirmed); len(s.Brackets) == 0 && len(miss) > 0 {
			out = append(out, p.T("confirmation ad referendum by the head of delegation of %s", strings.Join(miss, ", ")))
		}
		return out
	case negotiation.StageAdReferendum:
		return []string{p.T("the report to the capitals")}
	case negotiation.StageReported:
		return []string{p.T("approval by %s", strings.Join(s.Awaiting(), ", "))}
	case negotiation.StageApproved:
		// HeldBy names each package as "package <title>".
		held := make([]string, len(s.HeldBy))
		for i, h := range s.HeldBy {
			held[i] = h
			if title, ok := strings.CutPrefix(h, "package "); ok {
				held[i] = p.T("package %s", title)
			}
		}
		return []string{p.T("the rest of %s", strings.Join(held, ", "))}
	}
	return nil
}

func without(all, some []string) []string {
	var out []string
	for _, a := range all {
		if !slices.Contains(some, a) {
			out = append(out, a)
		}
	}
	return out
}

// blocked is State.Blocked in p's language: the sequencing rules that stop
// the clause's moves still ahead of it, each with why.
func blocked(p *i18n.Printer, b *negotiation.Board, st *negotiation.State, states map[string]*negotiation.State) []string {
	if st == nil || st.Clause == nil {
		return nil
	}
	var out []string
	for _, r := range b.Rules {
		rule := r.V
		if rule.TextID != st.Clause.TextID {
			continue
		}
		if rule.ThenClause != st.ID && (rule.ThenAspect == "" || rule.ThenAspect != st.Clause.AspectID) {
			continue
		}
		if st.Stage.Rank() >= rule.Stage.Rank() {
			continue
		}
		if why := unmet(p, b, rule, states); why != "" {
			out = append(out, why)
		}
	}
	return out
}

// unmet says, in p's language, why the first part of rule has not
// reached its stage, or "".
func unmet(p *i18n.Printer, b *negotiation.Board, rule *negotiation.Rule, states map[string]*negotiation.State) string {
	if rule.FirstClause != "" {
		st, ok := states[rule.FirstClause]
		if !ok {
			return p.T("rule %q: the clause that goes first is not in the text", rule.Name)
		}
		if st.Stage.Rank() < rule.Stage.Rank() {
			return p.T("rule %q: clause %q must be %s first; it is %s", rule.Name, st.Clause.Label(), stageLabel(p, rule.Stage), stageLabel(p, st.Stage))
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
			behind = append(behind, p.T("%q is %s", c.V.Label(), stageLabel(p, st.Stage)))
		}
	}
	if n == 0 {
		return p.T("rule %q: the aspect that goes first has no clause yet", rule.Name)
	}
	if len(behind) > 0 {
		return p.T("rule %q: every clause of the aspect that goes first must be %s first; %s", rule.Name, stageLabel(p, rule.Stage), strings.Join(behind, ", "))
	}
	return ""
}

// utc dates a moment to the minute in UTC: "2 January 2026 15:04 UTC",
// "2 січня 2026 р., 15:04 UTC".
func utc(p *i18n.Printer, t time.Time) string {
	if p == nil || p.Lang == i18n.English {
		return t.UTC().Format("2 January 2006 15:04 UTC")
	}
	return p.Time(t.UTC(), "2 January 2006, 15:04") + " UTC"
}

// pdfLink is a link to a document in one language.
type pdfLink struct {
	Lang, Name, Href string
}

// pdfLinks links the PDF at path in each language.
func pdfLinks(path string) []pdfLink {
	out := make([]pdfLink, len(i18n.Languages))
	for i, l := range i18n.Languages {
		out[i] = pdfLink{Lang: l, Name: i18n.Names[l], Href: path + "?in=" + l}
	}
	return out
}
