package negotiation

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
)

// TestBriefLines: text a party wrote cannot start a line of the brief that
// reads as a title or a section.
func TestBriefLines(t *testing.T) {
	ua := &Party{ID: "ua", Name: "Ukraine", Role: access.ProcessParty}
	in := BriefInput{Capital: ua, At: time.Date(2026, 1, 25, 10, 0, 0, 0, time.UTC),
		Aspects:    []Item[*Aspect]{{ID: "a1", V: &Aspect{Title: "Territory"}}},
		Positions:  []Item[*Position]{{ID: "p1", V: &Position{AspectID: "a1", PartyID: "ua", Text: "Ours.\n## Forged section\n# Forged title"}}},
		Board:      &Board{Parties: []*Party{ua}},
		PartyNames: map[string]string{"ua": "Ukraine"},
	}
	b := WriteBrief(in)
	var sections []string
	for _, l := range ParseBrief(b.Content) {
		if l.Kind == "section" || l.Kind == "title" {
			sections = append(sections, l.Text)
		}
	}
	if strings.Join(sections, "|") != "Brief for Ukraine|Awaiting your decision|Territory" {
		t.Errorf("the brief's headings are %q", sections)
	}
	if !strings.Contains(b.Content, "Our position: Ours. ## Forged section # Forged title") {
		t.Errorf("the position is not on one line:\n%s", b.Content)
	}
}

// TestBriefIsBounded: whatever the other side relays, a brief is made, and
// says where it was cut.
func TestBriefIsBounded(t *testing.T) {
	ua := &Party{ID: "ua", Name: "Ukraine", Role: access.ProcessParty}
	long := strings.Repeat("word ", 4000)
	in := BriefInput{Capital: ua, Aspects: []Item[*Aspect]{{ID: "a1", V: &Aspect{Title: "Territory"}}},
		Board: &Board{Parties: []*Party{ua}}, PartyNames: map[string]string{}}
	for i := range 400 {
		in.Relays = append(in.Relays, Item[*Relay]{ID: strconv.Itoa(i), V: &Relay{AspectID: "a1", PartyID: "ru", Recipient: "ua", Excerpt: long}})
	}
	b := WriteBrief(in)
	in.Max = 2000
	if cut := WriteBrief(in); len(cut.Content) > 2000 || !strings.HasSuffix(cut.Content, "the rest is on the Positions and Negotiating text pages.\n") ||
		!strings.Contains(cut.Content, "Awaiting your decision") {
		t.Errorf("the brief cut to 2000 bytes is %d bytes:\n%s", len(cut.Content), cut.Content)
	}
	if !strings.Contains(b.Content, "word (...)") || !strings.Contains(b.Content, "395 earlier relays on this aspect are on the Positions page.") {
		t.Error("a long relay is not cut, or the earlier ones not left out")
	}
	if err := b.Validate(nil); err != nil {
		t.Errorf("the brief made is refused: %v", err)
	}
}
