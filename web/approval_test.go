package web_test

import (
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// TestAgendaShowsApprovals: a capital's signed decision appears under its
// aspect, to those who may read it, and not to the public.
func TestAgendaShowsApprovals(t *testing.T) {
	f := newFixture(t, web.Options{})
	ctx := t.Context()
	capital := f.login(t, "ua", access.RoleApprover)
	p, err := f.svc.Login(ctx, capital.Login, capital.Password)
	if err != nil {
		t.Fatal(err)
	}
	aspects, _ := f.svc.All(ctx, &p, talks.KindAspect, "")
	var territory string
	for _, a := range aspects {
		if strings.Contains(string(a.Body), `"Territory"`) {
			territory = a.ID
		}
	}
	body := []byte(`{"aspect_id":"` + territory + `","party_id":"ua","decision":"rejected","note":"Withdrawal from Donbas refused."}`)
	signed := testkit.Signed(t, f.svc, p, capital.SigningKey, talks.KindApproval, body)
	if _, err := f.svc.Create(ctx, p, talks.KindApproval, signed); err != nil {
		t.Fatal(err)
	}

	page := f.get(t, f.signIn(t, f.login(t, "ru", access.RoleNegotiator)), "/agenda")
	if !strings.Contains(page.body, "capital: <span class=\"status status-rejected\">") || !strings.Contains(page.body, "Withdrawal from Donbas refused.") {
		t.Errorf("the agenda does not show Ukraine's signed decision to a party:\n%s", page.body)
	}
	if !strings.Contains(page.body, "No capital has approved this aspect yet.") {
		t.Error("aspects without approvals do not say so")
	}
	// Approvals go to the parties by default: the public sees none.
	if anon := f.get(t, client(t), "/agenda"); strings.Contains(anon.body, "Withdrawal from Donbas refused.") {
		t.Error("the public sees an approval addressed to the parties")
	}

	// A later decision supersedes the first: the agenda shows it as the
	// capital's decision, and the first as superseded, by the chain.
	later := []byte(`{"aspect_id":"` + territory + `","party_id":"ua","decision":"reserved","note":"Open to a referendum."}`)
	if _, err := f.svc.Create(ctx, p, talks.KindApproval, testkit.Signed(t, f.svc, p, capital.SigningKey, talks.KindApproval, later)); err != nil {
		t.Fatal(err)
	}
	page = f.get(t, f.signIn(t, f.login(t, "ru", access.RoleNegotiator)), "/agenda")
	latest := strings.Index(page.body, "Open to a referendum.")
	first := strings.Index(page.body, "Withdrawal from Donbas refused.")
	if latest < 0 || first < latest {
		t.Errorf("the latest decision is not shown first (at %d, the first at %d)", latest, first)
	}
	if n := strings.Count(page.body, "(superseded by a later decision)"); n != 1 ||
		!strings.Contains(page.body[first:], "(superseded by a later decision)") {
		t.Errorf("%d decisions marked superseded; want the first one alone:\n%s", n, page.body)
	}
}
