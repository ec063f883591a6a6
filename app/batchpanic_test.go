package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

// ticks is a domain of this test only: one batched kind whose Normalize
// panics on the note "panic", and its Validate on "panic later", as bugs
// in a domain's code would (Normalize runs as the item is sealed,
// Validate in the committer).
type ticks struct{}

type tick struct {
	Note string `json:"note"`
}

func (t *tick) Normalize() {
	if t.Note == "panic" {
		panic("a bug in the domain")
	}
}
func (*tick) References() []parley.Reference { return nil }
func (t *tick) Validate(parley.Resolved) error {
	if t.Note == "panic later" {
		panic("a bug in the domain's Validate")
	}
	return parley.Required("note", t.Note)
}

func (ticks) Name() string         { return "ticks" }
func (ticks) Roles() []access.Role { return nil }
func (ticks) Kinds() []parley.Kind {
	return []parley.Kind{{Name: "ticks.tick", Collection: "ticks", Title: "tick", New: func() parley.Entity { return new(tick) },
		Fields: []parley.Field{{Name: "note", Type: parley.String, Required: true}}, HeadlineField: "note",
		WriteRoles: []access.Role{access.RoleMediator}, Batched: true, DefaultAudience: record.Audience{Scope: record.Public}}}
}

// TestBatchedItemPanics: a panic in a domain's code while an item of a
// batch is checked refuses that item alone; the process goes on and the
// other items commit.
func TestBatchedItemPanics(t *testing.T) {
	reg, err := parley.NewRegistry(talks.Domain{}, negotiation.Domain{}, monitor.Domain{}, ceasefire.Domain{}, energy.Domain{}, reconstruction.Domain{}, translation.Domain{}, ticks{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, med := demoWith(t, st, reg)
	ws, errs := svc.CreateMany(t.Context(), med, "ticks.tick", [][]byte{[]byte(`{"note":"one"}`), []byte(`{"note":"panic"}`),
		[]byte(`{"note":"three"}`), []byte(`{"note":"panic later"}`), []byte(`{"note":"five"}`)})
	for _, i := range []int{0, 2, 4} {
		if errs[i] != nil || ws[i].Receipt.Batch == "" || ws[i].Receipt.Batch != ws[0].Receipt.Batch {
			t.Errorf("item %d, beside those that panicked: %v, receipt %+v", i, errs[i], ws[i].Receipt)
		}
	}
	for _, i := range []int{1, 3} {
		if errs[i] == nil || !strings.Contains(errs[i].Error(), "panic") {
			t.Errorf("item %d, which panicked: %v", i, errs[i])
		}
	}
}
