package app_test

import (
	"fmt"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"
)

// TestAuthorityFollowsTheParty: the right to write for another party comes
// from being the mediating party's mediator or administrator, never from a
// role alone. An administrator of a party administers its own party; the
// parties themselves are the mediating party's to write, and always public;
// a signed decision is for the signer's own party, whatever its roles.
func TestAuthorityFollowsTheParty(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ctx, svc := t.Context(), d.Service
	add := func(login, party string, roles ...access.Role) access.Principal {
		t.Helper()
		p, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: login, Party: party, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	uaAdmin := add("ua-it", "ua", access.RoleNegotiator, access.RoleAdmin, access.RoleApprover)
	if _, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: "ua-med", Party: "ua", Roles: []access.Role{access.RoleMediator}}); app.ErrorCode(err) != app.CodeInvalid {
		t.Errorf("a mediator role for a principal of ua: %v, want invalid", err)
	}
	usAdmin := add("us-it", "us", access.RoleAdmin)
	truth := testkit.Entities(t, d.Store)
	var roundID, ruDelegation string
	for _, e := range truth {
		switch {
		case e.Kind == talks.KindRound && roundID == "":
			roundID = e.ID
		case e.Kind == talks.KindDelegation && e.Party == "ru" && ruDelegation == "":
			ruDelegation = e.ID
		}
	}
	if roundID == "" || ruDelegation == "" {
		t.Fatal("the scenario has no round or no ru delegation")
	}
	for _, c := range []struct {
		name  string
		p     access.Principal
		kind  string
		id    string // "" creates
		body  string
		want  app.Code
		field string
	}{
		{"ua's admin makes ua the mediator", uaAdmin, talks.KindParty, "ua", `{"id":"ua","name":"Ukraine","role":"mediator"}`, app.CodeForbidden, ""},
		{"ua's admin adds a party", uaAdmin, talks.KindParty, "", `{"id":"zz","name":"Z","role":"party"}`, app.CodeForbidden, ""},
		{"ua's admin writes a person of ru", uaAdmin, talks.KindPerson, "", `{"name":"X","party_id":"ru"}`, app.CodeForbidden, ""},
		{"ua's admin rewrites ru's delegation", uaAdmin, talks.KindDelegation, ruDelegation, `{"round_id":"` + roundID + `","party_id":"ru","members":[]}`, app.CodeForbidden, ""},
		{"ua's admin writes a person of ua", uaAdmin, talks.KindPerson, "", `{"name":"Y","party_id":"ua"}`, "", ""},
		{"the mediator's admin hides a party", usAdmin, talks.KindParty, "ru", `{"id":"ru","name":"Russia","role":"party","audience":{"scope":"party","party":"us"}}`, app.CodeInvalid, "audience"},
		{"the mediator's admin adds a party", usAdmin, talks.KindParty, "", `{"id":"zz","name":"Z","role":"observer"}`, "", ""},
		{"the mediator's admin writes a person of ru", usAdmin, talks.KindPerson, "", `{"name":"X","party_id":"ru"}`, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.id == "" {
				_, err = svc.Create(ctx, c.p, c.kind, []byte(c.body))
			} else {
				_, err = svc.Update(ctx, c.p, c.kind, c.id, []byte(c.body))
			}
			if got := app.ErrorCode(err); got != c.want {
				t.Fatalf("err %v (code %q), want code %q", err, got, c.want)
			}
			if c.want != "" {
				if e, _ := err.(*app.Error); e == nil || e.Field != c.field {
					t.Errorf("err %v, want it on field %q", err, c.field)
				}
			}
		})
	}
	// A signed approval for another party is refused before its signature
	// is even read, whatever the signer's roles.
	var aspect string
	for _, e := range truth {
		if e.Kind == talks.KindAspect {
			aspect = e.ID
			break
		}
	}
	_, err := svc.Create(ctx, uaAdmin, talks.KindApproval, []byte(fmt.Sprintf(`{"aspect_id":%q,"party_id":"ru","decision":"approved","signature":"— x AAAA"}`, aspect)))
	if app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("ua's admin and approver approves for ru: %v, want forbidden", err)
	}
}
