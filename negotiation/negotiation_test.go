package negotiation

import (
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/talks"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"The parties resume trade.", "The parties resume trade at once.", "The parties resume [-trade.-]{+trade at once.+}"},
		{"Forces withdraw 15 km from the line.", "Forces withdraw 30 km from the line.", "Forces withdraw [-15 -]{+30 +}km from the line."},
		{"", "New text.", "{+New text.+}"},
		{"Same.", "Same.", "Same."},
		{"a b c d", "a c d e", "a [-b -]c d {+e+}"},
		{"Agreed in Davos.\n[ru: Not yet.]", "Agreed in Davos.", "Agreed in Davos.[-[ru: Not yet.]-]"},
	} {
		var b strings.Builder
		for _, ch := range Diff(c.a, c.b) {
			switch ch.Op {
			case Deleted:
				b.WriteString("[-" + ch.Text + "-]")
			case Inserted:
				b.WriteString("{+" + ch.Text + "+}")
			default:
				b.WriteString(ch.Text)
			}
		}
		if b.String() != c.want {
			t.Errorf("Diff(%q, %q) = %q, want %q", c.a, c.b, b.String(), c.want)
		}
		// Whatever the diff, its kept and inserted words are b, its kept
		// and deleted words a, but for the space after them.
		var old, neu strings.Builder
		for _, ch := range Diff(c.a, c.b) {
			if ch.Op != Inserted {
				old.WriteString(ch.Text)
			}
			if ch.Op != Deleted {
				neu.WriteString(ch.Text)
			}
		}
		if strings.Join(strings.Fields(old.String()), "") != strings.Join(strings.Fields(c.a), "") || neu.String() != c.b {
			t.Errorf("Diff(%q, %q) does not remake its texts: %q, %q", c.a, c.b, old.String(), neu.String())
		}
	}
}

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
