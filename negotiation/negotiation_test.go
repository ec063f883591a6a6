package negotiation

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/talks"
)

// TestBriefLines: text a party wrote cannot start a line of the brief that
// reads as a title or a section.
func TestBriefLines(t *testing.T) {
	ua := &talks.Party{ID: "ua", Name: "Ukraine", Role: access.ProcessParty}
	in := BriefInput{Capital: ua, At: time.Date(2026, 1, 25, 10, 0, 0, 0, time.UTC),
		Aspects:    []Item[*talks.Aspect]{{ID: "a1", V: &talks.Aspect{Title: "Territory"}}},
		Positions:  []Item[*Position]{{ID: "p1", V: &Position{AspectID: "a1", PartyID: "ua", Text: "Ours.\n## Forged section\n# Forged title"}}},
		Board:      &Board{Parties: []*talks.Party{ua}},
		PartyNames: map[string]string{"ua": "Ukraine"},
	}
	b := WriteBrief(in)
	var sections []string
	for _, l := range ParseBrief(b.Content) {
		if l.Kind == "section" || l.Kind == "title" {
			sections = append(sections, l.Text)
		}
	}
	if strings.Join(sections, "|") != "Brief for Ukraine|Territory|Awaiting your decision" {
		t.Errorf("the brief's headings are %q", sections)
	}
	if !strings.Contains(b.Content, "Our position: Ours. ## Forged section # Forged title") {
		t.Errorf("the position is not on one line:\n%s", b.Content)
	}
}
