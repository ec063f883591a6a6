package app_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/translation"
)

// TestAuthorityFollowsTheParty: the right to write for another party comes
// from being the mediating party's mediator, never from a role alone, and
// never from being an administrator. An administrator of a party administers its own party; the
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
		{"the mediator's admin writes a person of ru", usAdmin, talks.KindPerson, "", `{"name":"X","party_id":"ru"}`, app.CodeForbidden, ""},
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

// TestAuthorityMatrix sets out who may write which kind for which party,
// for every kind of the demo's domains, every role and a principal of the
// mediating party, of a party and of an observer, writing for its own
// party and for another: the matrix docs/trust.md states, here as data.
func TestAuthorityMatrix(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	svc := d.Service
	// matrix lists, per kind, who may write it: own, the roles that write
	// for their own party; anyByMediating, the roles with which the
	// mediating party's principals write for any party (a role alone gives
	// no right over another party). The mediator role counts only within
	// the mediating party.
	type rule struct{ own, anyByMediating []access.Role }
	roles := func(rs ...access.Role) []access.Role { return rs }
	med, adm, neg, apr, mon, rev := access.RoleMediator, access.RoleAdmin, access.RoleNegotiator, access.RoleApprover, access.RoleMonitor, access.RoleReviewer
	mop := energy.RoleMeterOperator
	matrix := map[string]rule{
		// The parties: the mediating party's administrators and mediators.
		talks.KindParty: {own: nil, anyByMediating: roles(adm, med)},
		// A party's people: its own administrators, mediators and
		// negotiators; any party's by the mediating party's mediators (an
		// administrator never writes another party's people).
		talks.KindPerson:     {own: roles(adm, med, neg), anyByMediating: roles(med)},
		talks.KindRound:      {anyByMediating: roles(med)},
		talks.KindSession:    {anyByMediating: roles(med)},
		talks.KindDelegation: {own: roles(med, neg), anyByMediating: roles(med)},
		talks.KindAspect:     {anyByMediating: roles(med)},
		talks.KindAction:     {own: roles(med, neg), anyByMediating: roles(med)},
		talks.KindStatement:  {anyByMediating: roles(med, neg, mon)},
		// A capital's signed decision: its own party's approvers only.
		talks.KindApproval: {own: roles(apr)},
		// A party's positions and consents are its own, written by its
		// negotiators alone; relays of them by its negotiators, and by the
		// mediating party's mediators for any party.
		negotiation.KindPosition: {own: roles(neg)},
		negotiation.KindConsent:  {own: roles(neg)},
		negotiation.KindRelay:    {own: roles(med, neg), anyByMediating: roles(med)},
		// The text and what moves it: the mediator keeps it.
		negotiation.KindText:    {anyByMediating: roles(med)},
		negotiation.KindClause:  {anyByMediating: roles(med)},
		negotiation.KindReport:  {anyByMediating: roles(med)},
		negotiation.KindPackage: {anyByMediating: roles(med)},
		negotiation.KindRule:    {anyByMediating: roles(med)},
		// Signed: a head of delegation's confirmation, by its party's
		// negotiators; a capital's decision on a clause, by its approvers.
		negotiation.KindConfirmation:    {own: roles(neg)},
		negotiation.KindApproval:        {own: roles(apr)},
		negotiation.KindPackageApproval: {own: roles(apr)},
		// A capital's brief: its own party's negotiators, mediators and
		// approvers; a reviewer's comment: its own party's reviewers.
		negotiation.KindBrief:  {own: roles(neg, med, apr), anyByMediating: roles(med)},
		negotiation.KindReview: {own: roles(rev)},
		// Zones and reports of strikes: no owner; the monitors (and the
		// mediating party's mediators) record them, whatever their source.
		monitor.KindZone:    {anyByMediating: roles(med, mon)},
		monitor.KindReport:  {anyByMediating: roles(med, mon)},
		monitor.KindLinkage: {anyByMediating: roles(med, mon)},
		// Incidents, the teams' reports and access denials likewise; a
		// verification step is signed by a monitor, for its own party.
		monitor.KindIncident: {anyByMediating: roles(med, mon)},
		monitor.KindFinding:  {anyByMediating: roles(med, mon)},
		monitor.KindDenial:   {anyByMediating: roles(med, mon)},
		monitor.KindStep:     {own: roles(mon)},
		// An article read for incidents: the monitors, as the reports.
		monitor.KindArticle: {anyByMediating: roles(med, mon)},
		// The ceasefire, its phases and suspensions: the mediator keeps
		// them; a capital's signed consent to a phase: its approvers; an
		// obligation verified done: the monitors.
		ceasefire.KindCeasefire:  {anyByMediating: roles(med)},
		ceasefire.KindPhase:      {anyByMediating: roles(med)},
		ceasefire.KindSuspension: {anyByMediating: roles(med)},
		ceasefire.KindConsent:    {own: roles(apr)},
		ceasefire.KindFulfilment: {own: roles(med, mon), anyByMediating: roles(med)},
		ceasefire.KindReport:     {anyByMediating: roles(med, mon)},
		// The plant, its meters and terms, the statements and the
		// decisions of disputes: the mediator keeps them. A meter's
		// readings: its operating party's meter operators, signed; a
		// co-signature: a capital's approvers; a dispute: the party's
		// approvers, negotiators and meter operators.
		energy.KindPlant:      {anyByMediating: roles(med)},
		energy.KindMeter:      {anyByMediating: roles(med)},
		energy.KindTerms:      {anyByMediating: roles(med)},
		energy.KindReadings:   {own: roles(mop)},
		energy.KindStatement:  {anyByMediating: roles(med)},
		energy.KindApproval:   {own: roles(apr)},
		energy.KindDispute:    {own: roles(apr, neg, mop)},
		energy.KindResolution: {anyByMediating: roles(med)},
		// Needs assessed, and the money pledged, committed and disbursed:
		// the mediator records them.
		reconstruction.KindAssessment: {anyByMediating: roles(med)},
		reconstruction.KindNeed:       {anyByMediating: roles(med)},
		reconstruction.KindFlow:       {anyByMediating: roles(med)},
		// Projects, their tenders, contracts, milestones and payments:
		// the mediator records them, a project for its owner.
		reconstruction.KindProject:   {anyByMediating: roles(med)},
		reconstruction.KindTender:    {anyByMediating: roles(med)},
		reconstruction.KindContract:  {anyByMediating: roles(med)},
		reconstruction.KindMilestone: {anyByMediating: roles(med)},
		reconstruction.KindPayment:   {anyByMediating: roles(med)},
		// A translation: its translators, and those who write the texts
		// translated; read only by the original's readers.
		translation.Kind: {anyByMediating: roles(med, neg, mon, translation.RoleTranslator)},
	}
	unowned := map[string]bool{talks.KindRound: true, talks.KindSession: true, talks.KindAspect: true, talks.KindStatement: true,
		negotiation.KindText: true, negotiation.KindClause: true, negotiation.KindReport: true, negotiation.KindPackage: true, negotiation.KindRule: true,
		monitor.KindZone: true, monitor.KindReport: true, monitor.KindLinkage: true, monitor.KindIncident: true, monitor.KindFinding: true,
		monitor.KindDenial: true, ceasefire.KindCeasefire: true, ceasefire.KindPhase: true, ceasefire.KindSuspension: true, ceasefire.KindReport: true,
		energy.KindPlant: true, energy.KindMeter: true, energy.KindTerms: true, energy.KindStatement: true, energy.KindResolution: true,
		reconstruction.KindAssessment: true, reconstruction.KindNeed: true, reconstruction.KindFlow: true, reconstruction.KindTender: true,
		reconstruction.KindContract: true, reconstruction.KindMilestone: true, reconstruction.KindPayment: true,
		monitor.KindArticle: true, translation.Kind: true}
	for _, k := range scenario.Registry().Kinds() {
		r, ok := matrix[k.Name]
		if !ok {
			t.Errorf("the matrix has no row for kind %s", k.Name)
			continue
		}
		// Every role: the kernel's and the domains' own.
		for _, role := range scenario.Registry().Roles() {
			for _, party := range []struct {
				id   string
				role access.ProcessRole
			}{{"us", access.ProcessMediator}, {"ua", access.ProcessParty}, {"ae", access.ProcessObserver}} {
				p := access.Principal{ID: "p", Login: "p", Party: party.id, PartyRole: party.role, Roles: []access.Role{role}}
				for _, forOwn := range []bool{true, false} {
					owner := "ru"
					if forOwn {
						owner = party.id
					}
					var want bool
					switch {
					case k.Name == talks.KindParty:
						want = party.role == access.ProcessMediator && slices.Contains(r.anyByMediating, role)
					case unowned[k.Name]:
						// No owner: the roles decide, and only the
						// mediating party holds the mediator role.
						want = slices.Contains(r.anyByMediating, role) && (role != med || party.role == access.ProcessMediator)
						owner = ""
					case forOwn:
						want = slices.Contains(r.own, role) && (role != med || party.role == access.ProcessMediator) ||
							party.role == access.ProcessMediator && slices.Contains(r.anyByMediating, role)
					default:
						want = party.role == access.ProcessMediator && slices.Contains(r.anyByMediating, role)
					}
					err := svc.Authorized(p, k.Name, owner)
					if got := err == nil; got != want {
						t.Errorf("%s of %s (%s) writing %s for %q: allowed %t, want %t (%v)", role, party.id, party.role, k.Name, owner, got, want, err)
					}
					// Held with the mediator role, a role gives no more
					// over another party than the two give apart.
					if party.role == access.ProcessMediator && !forOwn && !unowned[k.Name] && k.Name != talks.KindParty {
						p.Roles = []access.Role{role, med}
						both := party.role == access.ProcessMediator && (slices.Contains(r.anyByMediating, role) || slices.Contains(r.anyByMediating, med))
						if got := svc.Authorized(p, k.Name, owner) == nil; got != both {
							t.Errorf("%s and mediator of %s writing %s for %q: allowed %t, want %t", role, party.id, k.Name, owner, got, both)
						}
					}
				}
			}
		}
	}
}

// TestPartyRoleFollowsTheParty: a party's part in the process, changed
// later, reaches its existing principals at their next request: a party
// made an observer sees as an observer.
func TestPartyRoleFollowsTheParty(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ctx, svc := t.Context(), d.Service
	neg := d.Login(t, "ua-negotiator")
	token, err := svc.NewToken(ctx, neg.Login, "test")
	if err != nil {
		t.Fatal(err)
	}
	before, err := svc.Authenticate(ctx, token)
	if err != nil || before.PartyRole != access.ProcessParty {
		t.Fatalf("ua's negotiator before: %+v, %v", before, err)
	}
	med := d.Principal(t, "us-mediator")
	if _, err := svc.Update(ctx, med, talks.KindParty, "ua", []byte(`{"id":"ua","name":"Ukraine","role":"observer"}`)); err != nil {
		t.Fatal(err)
	}
	for what, get := range map[string]func() (access.Principal, error){
		"by token":    func() (access.Principal, error) { return svc.Authenticate(ctx, token) },
		"by password": func() (access.Principal, error) { return svc.Login(ctx, neg.Login, neg.Password) },
		"by id":       func() (access.Principal, error) { return svc.Principal(ctx, before.ID) },
	} {
		p, err := get()
		if err != nil || p.PartyRole != access.ProcessObserver {
			t.Errorf("ua's negotiator %s after ua became an observer: role %q, %v; want observer", what, p.PartyRole, err)
		}
	}
}
