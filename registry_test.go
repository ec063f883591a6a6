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

// kinded is a domain of the kinds a test gives it.
type kinded []parley.Kind

func (kinded) Name() string           { return "k" }
func (kinded) Roles() []access.Role   { return nil }
func (d kinded) Kinds() []parley.Kind { return d }

// domainNamed is kinded under another domain name.
type domainNamed struct {
	kinded
	name string
}

func (d domainNamed) Name() string { return d.name }

// TestKindDeclarations: the kernel refuses, when the binary starts, a kind
// whose declarations cannot hold together, naming the kind and the rule.
func TestKindDeclarations(t *testing.T) {
	base := func() parley.Kind {
		return parley.Kind{Name: "k.thing", Collection: "things", Title: "thing", New: func() parley.Entity { return new(note) },
			Fields: []parley.Field{{Name: "text", Type: parley.Text}, {Name: "n", Type: parley.Int},
				{Name: "parent", Type: parley.Ref, Ref: "k.thing"}, {Name: "party", Type: parley.Ref, Ref: talks.KindParty}},
			DefaultAudience: record.Audience{Scope: record.Parties}, WriteRoles: []access.Role{access.RoleMediator}}
	}
	for name, c := range map[string]struct {
		change func(k *parley.Kind)
		want   string
	}{
		"an excerpt of a number": {func(k *parley.Kind) { k.Excerpt = "n" }, "is not one of its text fields"},
		"a mutable kind that binds its parent": {func(k *parley.Kind) { k.BindsParent, k.ParentField, k.Mutable = true, "parent", true },
			"binds its parent's version is immutable"},
		"an excerpt of a kind without one": {func(k *parley.Kind) { k.ExcerptOf = &parley.ExcerptOf{Origin: "parent", Words: "text"} },
			"ExcerptOf needs a Ref field to a kind with an Excerpt field"},
		"the owner's channel without an owner": {func(k *parley.Kind) { k.DefaultAudience = record.Audience{Scope: record.PartyMediator} },
			"is of the owner's party, but it has no OwnerField"},
		"a field named based_on": {func(k *parley.Kind) { k.Fields[1].Name = "based_on" }, `field name "based_on" is reserved`},
		"a field named on":       {func(k *parley.Kind) { k.Fields[1].Name = "on" }, `field name "on" is reserved`},
		"a mutable batched kind": {func(k *parley.Kind) { k.Batched, k.Mutable = true, true }, "a batched kind is immutable"},
		"a batched kind that binds its parent": {func(k *parley.Kind) { k.Batched, k.BindsParent, k.ParentField = true, true, "parent" },
			"a batched kind is immutable, unsigned, has no IDField, binds no parent"},
	} {
		k := base()
		c.change(&k)
		_, err := parley.NewRegistry(talks.Domain{}, kinded{k})
		if err == nil || !strings.Contains(err.Error(), `kind "k.thing"`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal saying %q", name, err, c.want)
		}
	}
	k := base()
	k.Excerpt, k.BindsParent, k.ParentField = "text", true, "parent"
	k.DefaultAudience, k.OwnerField = record.Audience{Scope: record.PartyMediator}, "party"
	if _, err := parley.NewRegistry(talks.Domain{}, kinded{k}); err != nil {
		t.Errorf("a kind with an excerpt, a bound parent and the owner's channel: %v", err)
	}
	// The kernel's own records are of the "parley" domain's kinds.
	kernel := base()
	kernel.Name = "parley.thing"
	if _, err := parley.NewRegistry(talks.Domain{}, domainNamed{kinded{kernel}, "parley"}); err == nil || !strings.Contains(err.Error(), `domain name "parley" is the kernel's`) {
		t.Errorf("a domain named parley: %v", err)
	}
}

// TestListIndexField: a list among a kind's IndexFields is indexed by each
// of its values, once each, sorted; a list of anything but strings is
// refused when the domain registers.
func TestListIndexField(t *testing.T) {
	k := parley.Kind{Name: "x.incident", Title: "incident", IndexFields: []string{"reports", "title"}, Fields: []parley.Field{
		{Name: "title", Type: parley.String},
		{Name: "reports", Type: parley.List, Elem: &parley.Field{Type: parley.Ref, Ref: "x.report"}},
	}}
	ix, err := k.IndexOf([]byte(`{"title":"Strike","reports":["r2","r1","r2",""]}`))
	if err != nil || strings.Join(ix.Fields["reports"], ",") != "r1,r2" || strings.Join(ix.Fields["title"], ",") != "Strike" {
		t.Errorf("IndexOf = %v, %v; want reports r1,r2 and the title", ix.Fields, err)
	}
	if ix, err := k.IndexOf([]byte(`{"title":"Strike","reports":[]}`)); err != nil || ix.Fields["reports"] != nil {
		t.Errorf("IndexOf with no reports = %v, %v; want none", ix.Fields, err)
	}
	if _, err := k.IndexOf([]byte(`{"reports":[1,2]}`)); err == nil || !strings.Contains(err.Error(), `"reports"`) {
		t.Errorf("IndexOf of a list of numbers: %v, want an error naming the field", err)
	}
	_, err = parley.NewRegistry(listed{})
	if err == nil || !strings.Contains(err.Error(), `"counts"`) {
		t.Errorf("a list of numbers as an index field: %v, want a refusal naming it", err)
	}
}

// listed is a domain whose kind indexes a list of numbers.
type listed struct{}

func (listed) Name() string         { return "listed" }
func (listed) Roles() []access.Role { return nil }
func (listed) Kinds() []parley.Kind {
	return []parley.Kind{{Name: "listed.tally", Collection: "tallies", Title: "tally", New: func() parley.Entity { return new(note) },
		Fields:      []parley.Field{{Name: "counts", Type: parley.List, Elem: &parley.Field{Type: parley.Number}}},
		IndexFields: []string{"counts"}, WriteRoles: []access.Role{access.RoleMediator}}}
}
