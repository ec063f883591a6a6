package worddiff

import (
	"strings"
	"testing"
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
