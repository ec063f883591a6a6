package negotiation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// BriefInput is what a capital's brief is made of: the records as its party
// sees them, so that the other side's positions appear only as relayed.
type BriefInput struct {
	Capital *Party
	// Round and RoundID name the round the brief is for; nil for none.
	Round   *Round
	RoundID string
	At      time.Time
	Aspects []Item[*Aspect]
	// Positions are the party's own, latest version each.
	Positions []Item[*Position]
	// Relays are those the party received.
	Relays []Item[*Relay]
	Board  *Board
	// Last is the capital's previous brief, if any, and when it was made.
	Last   *Brief
	LastAt time.Time
	// Updated says when each position and relay was last changed, by id.
	Updated map[string]time.Time
	// PartyNames names the parties, by id.
	PartyNames map[string]string
	// Max bounds the content's length; 0 is MaxBrief.
	Max int
}

// Brief formatting: the content of a brief is plain text in lines, which
// the page and the PDF render alike. A line that starts with "# " is the
// title, "## " a section, "- " an item; the rest are paragraphs.
const (
	briefTitle   = "# "
	briefSection = "## "
	briefItem    = "- "
)

// WriteBrief makes a capital's brief: per aspect, the party's position, what
// was relayed to it, and each clause's stage, marking what moved since the
// last brief and what awaits the capital's decision.
//
// What awaits the capital comes first, the aspects after it, each aspect
// quoting the latest few relays: a brief too long for its record is cut at
// its end, never before what awaits the capital.
func WriteBrief(in BriefInput) Brief {
	var head, b strings.Builder
	w := &head
	// Every value is put on one line, so that no text a party wrote can
	// start a line that reads as a section of the brief.
	line := func(format string, args ...any) {
		for i, a := range args {
			if s, ok := a.(string); ok {
				one := strings.Join(strings.Fields(s), " ")
				if one != "" && strings.HasSuffix(s, " ") {
					one += " " // a mark before the text ("NEW ")
				}
				args[i] = one
			}
		}
		fmt.Fprintf(w, format+"\n", args...)
	}
	name := func(id string) string { return cmp.Or(in.PartyNames[id], id) }
	title := "Brief for " + in.Capital.Name
	if in.Round != nil {
		title += ": " + in.Round.Name
	}
	line(briefTitle+"%s", title)
	line("Made %s from the records as %s sees them. The other side's positions appear only as relayed with consent.",
		in.At.UTC().Format("2 January 2006 15:04 UTC"), in.Capital.Name)
	if in.Last != nil {
		line("Marked NEW: what moved since the previous brief of %s.", in.LastAt.UTC().Format("2 January 2006 15:04 UTC"))
	}
	states := in.Board.States()
	before := map[string]BriefClause{}
	if in.Last != nil {
		for _, c := range in.Last.Clauses {
			before[c.ClauseID] = c
		}
	}
	moved := func(id string) string {
		if in.Last != nil && in.Updated[id].After(in.LastAt) {
			return "NEW "
		}
		return ""
	}
	var awaiting []string
	out := Brief{PartyID: in.Capital.ID, Title: title}
	out.RoundID = in.RoundID
	aspects := slices.Clone(in.Aspects)
	slices.SortStableFunc(aspects, func(a, b Item[*Aspect]) int { return cmp.Compare(a.V.Order, b.V.Order) })
	w = &b
	for _, a := range aspects {
		line("")
		line(briefSection+"%s", a.V.Title)
		for _, p := range in.Positions {
			if p.V.AspectID != a.ID {
				continue
			}
			line(briefItem+"%sOur position: %s", moved(p.ID), p.V.Text)
			if p.V.Value != "" {
				line(briefItem+"Value (%s): %s", p.V.ValueType, p.V.Value)
			}
			for _, r := range p.V.RedLines {
				line(briefItem+"Red line: %s", r)
			}
		}
		var relays []Item[*Relay]
		for _, r := range in.Relays {
			if r.V.AspectID == a.ID {
				relays = append(relays, r)
			}
		}
		if n := len(relays) - relaysShown; n > 0 {
			line(briefItem+"%d earlier relays on this aspect are on the Positions page.", n)
			relays = relays[n:]
		}
		for _, r := range relays {
			line(briefItem+"%sRelayed from %s: \"%s\"", moved(r.ID), name(r.V.PartyID), quote(r.V.Excerpt, relayShown))
		}
		for _, c := range in.Board.Clauses {
			if c.V.AspectID != a.ID {
				continue
			}
			st := states[c.ID]
			mark := ""
			if prev, ok := before[c.ID]; in.Last != nil && (!ok || prev.Version != c.RecordID || prev.Stage != st.Stage) {
				mark = "NEW "
				if ok && prev.Stage != st.Stage {
					mark = fmt.Sprintf("NEW (was %s) ", prev.Stage.Label())
				}
			}
			line(briefItem+"%sClause %s: %s", mark, c.V.Label(), st.Stage.Label())
			if c.V.Text != "" {
				line("  %s", c.V.Text)
			}
			for _, alt := range c.V.Alternatives {
				line("  [%s: %s]", name(alt.PartyID), alt.Text)
			}
			if st.Stage == StageReported && slices.Contains(st.Approvers, in.Capital.ID) && !slices.Contains(st.Approved, in.Capital.ID) {
				awaiting = append(awaiting, c.V.Label())
			}
			out.Clauses = append(out.Clauses, BriefClause{ClauseID: c.ID, Version: c.RecordID, Stage: st.Stage})
		}
	}
	w = &head
	line("")
	line(briefSection + "Awaiting your decision")
	if len(awaiting) == 0 {
		line("Nothing awaits the decision of %s.", in.Capital.Name)
	}
	for _, l := range awaiting {
		line(briefItem+"Clause %s, agreed ad referendum and reported", l)
	}
	out.Content = cut(head.String()+b.String(), cmp.Or(in.Max, MaxBrief))
	return out
}

// relayShown and relaysShown bound what a brief quotes of the relays: a
// party relaying its whole position again and again cannot fill the
// other's brief.
const (
	relayShown  = 600
	relaysShown = 5
)

// cut shortens a brief's content to at most max bytes, at the end of a
// line, and says so at its end: a brief is made whatever the records hold,
// and the Positions page has the rest.
func cut(content string, max int) string {
	if len(content) <= max {
		return content
	}
	const note = "\n" + briefSection + "The brief was cut here\nIt is longer than a brief may be; the rest is on the Positions and Negotiating text pages.\n"
	keep := content[:max-len(note)]
	if i := strings.LastIndexByte(keep, '\n'); i > 0 {
		keep = keep[:i]
	}
	return keep + note
}

// quote shortens a quoted text to n bytes, at a word, marking the cut.
func quote(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "") + " (...)"
}

// BriefLine is one line of a brief's content, as the page and the PDF
// render it.
type BriefLine struct {
	// Kind is "title", "section", "item" or "text".
	Kind string
	Text string
}

// ParseBrief reads a brief's content into lines.
func ParseBrief(content string) []BriefLine {
	var out []BriefLine
	for _, l := range strings.Split(content, "\n") {
		switch {
		case strings.HasPrefix(l, briefTitle):
			out = append(out, BriefLine{"title", l[len(briefTitle):]})
		case strings.HasPrefix(l, briefSection):
			out = append(out, BriefLine{"section", l[len(briefSection):]})
		case strings.HasPrefix(l, briefItem):
			out = append(out, BriefLine{"item", l[len(briefItem):]})
		case strings.TrimSpace(l) != "":
			out = append(out, BriefLine{"text", l})
		}
	}
	return out
}
