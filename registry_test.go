package parley_test

import (
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/talks"
)

// named is a domain with one kind whose ids are chosen, with the audience
// the test gives it.
type named struct{ aud record.Audience }

func (named) Name() string         { return "named" }
func (named) Roles() []access.Role { return nil }
func (d named) Kinds() []parley.Kind {
	return []parley.Kind{{Name: "named.place", Collection: "places", Title: "place",
		New: func() parley.Entity { return new(note) }, Fields: []parley.Field{{Name: "text", Type: parley.String}},
		IDField: "text", DefaultAudience: d.aud, WriteRoles: []access.Role{access.RoleMediator}}}
}

// TestChosenIDsArePublic: a kind whose ids people choose is public, since
// "that id is taken" must tell nobody of something hidden from them.
func TestChosenIDsArePublic(t *testing.T) {
	if _, err := parley.NewRegistry(talks.Domain{}, named{record.Audience{Scope: record.Public}}); err != nil {
		t.Errorf("a public kind with chosen ids: %v", err)
	}
	_, err := parley.NewRegistry(talks.Domain{}, named{record.Audience{Scope: record.Parties}})
	if err == nil || !strings.Contains(err.Error(), `kind "named.place"`) || !strings.Contains(err.Error(), "public") {
		t.Errorf("a kind with chosen ids seen by the parties only: %v, want a refusal naming the kind", err)
	}
}

func TestArticleAndPlural(t *testing.T) {
	for got, want := range map[string]string{
		parley.Article("approval"): "an approval", parley.Article("round"): "a round", parley.Article("action item"): "an action item",
		parley.Plural(1, "witness"): "1 witness", parley.Plural(2, "witness"): "2 witnesses", parley.Plural(0, "entry"): "0 entries",
		parley.Plural(3, "round"): "3 rounds", parley.Plural(2, "key"): "2 keys",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
