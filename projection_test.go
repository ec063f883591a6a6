package parley_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/talks"
)

// projecting is a domain with one kind and the projections the test gives it.
type projecting struct {
	name string
	ps   []parley.Projection
}

type note struct {
	Text string `json:"text"`
}

func (*note) Normalize()                              {}
func (*note) References() []parley.Reference          { return nil }
func (*note) Validate(parley.Resolved) error          { return nil }
func (d projecting) Name() string                     { return d.name }
func (d projecting) Roles() []access.Role             { return nil }
func (d projecting) Projections() []parley.Projection { return d.ps }
func (d projecting) Kinds() []parley.Kind {
	return []parley.Kind{{Name: d.name + ".note", Collection: d.name + "-notes", Title: "note",
		New: func() parley.Entity { return new(note) }, Fields: []parley.Field{{Name: "text", Type: parley.String}},
		WriteRoles: []access.Role{access.RoleMediator}}}
}

func apply(context.Context, parley.ProjectionTx, parley.Record) error { return nil }

// good returns a projection of domain d that the registry accepts.
func good(d string) parley.Projection {
	return parley.Projection{Name: d, Tables: []string{d + "_rows"}, Kinds: []string{d + ".note"}, Apply: apply,
		Migrations: map[string][]string{"sqlite": {"CREATE TABLE x"}, "postgres": {"CREATE TABLE x"}}}
}

func TestProjectionDeclarations(t *testing.T) {
	with := func(fn func(p *parley.Projection)) []parley.Projection {
		p := good("tally")
		fn(&p)
		return []parley.Projection{p}
	}
	for _, c := range []struct {
		name string
		ps   []parley.Projection
		want string // "" accepts
	}{
		{"good", with(func(p *parley.Projection) {}), ""},
		{"name of the domain, then more", with(func(p *parley.Projection) { p.Name, p.Tables = "tally_log", []string{"tally_log_rows"} }), ""},
		{"another domain's name", with(func(p *parley.Projection) { p.Name, p.Tables = "talks", []string{"talks_rows"} }), "starts with it"},
		{"a name that only starts like the domain's", with(func(p *parley.Projection) { p.Name, p.Tables = "tallyx", []string{"tallyx_rows"} }), "starts with it"},
		{"upper case", with(func(p *parley.Projection) { p.Name, p.Tables = "Tally", []string{"Tally_rows"} }), "lower-case"},
		{"a table of another name", with(func(p *parley.Projection) { p.Tables = []string{"entities"} }), `table "entities"`},
		{"a table named by the name alone", with(func(p *parley.Projection) { p.Tables = []string{"tally"} }), `table "tally"`},
		{"a table name to quote", with(func(p *parley.Projection) { p.Tables = []string{`tally_x"; DROP TABLE records; --`} }), "table"},
		{"a table name too long", with(func(p *parley.Projection) { p.Tables = []string{"tally_" + strings.Repeat("x", 58)} }), "63 bytes"},
		{"a table twice", with(func(p *parley.Projection) { p.Tables = []string{"tally_a", "tally_a"} }), "twice"},
		{"no tables", with(func(p *parley.Projection) { p.Tables = nil }), "no tables"},
		{"no Apply", with(func(p *parley.Projection) { p.Apply = nil }), "Apply"},
		{"no kinds", with(func(p *parley.Projection) { p.Kinds = nil }), "no kinds"},
		{"an unknown kind", with(func(p *parley.Projection) { p.Kinds = []string{"tally.ghost"} }), `"tally.ghost"`},
		{"no migrations", with(func(p *parley.Projection) { p.Migrations = nil }), "no migrations"},
		{"empty migrations", with(func(p *parley.Projection) { p.Migrations = map[string][]string{"sqlite": nil} }), "no migrations"},
		{"dialects out of step", with(func(p *parley.Projection) { p.Migrations["sqlite"] = append(p.Migrations["sqlite"], "ALTER") }), "different numbers"},
		{"two of one name", []parley.Projection{good("tally"), good("tally")}, "declared twice"},
		{"one table for two", func() []parley.Projection {
			a, b := good("tally"), good("tally")
			b.Name = "tally_b"
			b.Tables = []string{"tally_b_rows"}
			a.Tables = []string{"tally_b_rows"}
			return []parley.Projection{a, b}
		}(), "declared by projections"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := parley.NewRegistry(talks.Domain{}, projecting{name: "tally", ps: c.ps})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want == "":
				if got := r.Projections(); len(got) != len(c.ps) || got[0].Name != c.ps[0].Name {
					t.Errorf("Projections() = %v", got)
				}
				if got := r.ProjectionsOf("tally"); len(got) != len(c.ps) {
					t.Errorf("ProjectionsOf(tally) = %v", got)
				}
				if got := r.ProjectionsOf("talks"); len(got) != 0 {
					t.Errorf("ProjectionsOf(talks) = %v, want none", got)
				}
			case err == nil:
				t.Fatalf("accepted, want an error mentioning %q", c.want)
			case !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestProjectionVersion(t *testing.T) {
	p := good("tally")
	if v := p.Version(); v != 1 {
		t.Errorf("Version() = %d, want 1", v)
	}
	p.Migrations = map[string][]string{"sqlite": {"a", "b", "c"}, "postgres": {"a", "b", "c"}}
	if v := p.Version(); v != 3 {
		t.Errorf("Version() = %d, want 3", v)
	}
}
