package ceasefire_test

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/store"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// process is the demo, with its phased ceasefire, and helpers to write as
// its logins.
type process struct {
	t *testing.T
	d *testkit.Demo
}

func (p *process) write(login, kind string, v any) (app.Written, error) {
	p.t.Helper()
	return p.d.Write(p.t, login, kind, v)
}

func (p *process) must(login, kind string, v any) string {
	p.t.Helper()
	return p.d.MustWrite(p.t, login, kind, v)
}

// refused checks that err refuses field with code, saying want.
func (p *process) refused(what string, err error, code app.Code, field, want string) {
	p.t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		p.t.Errorf("%s: got %v, want %s on %q saying %q", what, err, code, field, want)
	}
}

func (p *process) board(login string, at time.Time) *ceasefireweb.Board {
	p.t.Helper()
	pr := p.d.Principal(p.t, login)
	b, err := ceasefireweb.Load(p.t.Context(), p.d.Service, &pr, p.find(ceasefire.KindCeasefire, "title", "Phased ceasefire (illustrative)"), at)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *process) find(kind, field, value string) string {
	p.t.Helper()
	return p.d.Find(p.t, "us-mediator", kind, field, value)
}

// TestCeasefireFlow follows the demo's ceasefire: the first phase in force
// on the consents of both parties and the mediator; a move to the second
// refused while its quiet week has not passed, and again after a strike
// on energy infrastructure is verified, attributed and judged a
// violation; then consented to once the week has passed since.
func TestCeasefireFlow(t *testing.T) {
	// One clock for the records and for the rules, moved by the test.
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	defer ceasefire.SetNow(clk.now)()
	p := &process{t: t, d: testkit.NewDemo(t, testkit.DemoOptions{Now: clk.now})}
	cf := p.find(ceasefire.KindCeasefire, "title", "Phased ceasefire (illustrative)")
	phase1 := p.find(ceasefire.KindPhase, "title", "No strikes on energy infrastructure")
	phase2 := p.find(ceasefire.KindPhase, "title", "General ceasefire")
	start := clk.t

	b := p.board("ru-capital", clk.t)
	if b.InForce == nil || b.InForce.Phase.Number != 1 || !b.InForce.From.Equal(start) || b.Next == nil || b.Next.ID != phase2 || b.Ready {
		t.Fatalf("the demo's first phase is not in force from its consents, its next the general ceasefire, not ready: %+v", b)
	}
	if len(b.Conditions) != 1 || b.Conditions[0].Holds || !b.Conditions[0].From.Equal(start.Add(7*24*time.Hour)) {
		t.Fatalf("the quiet week: %+v, want holding from %s", b.Conditions, start.Add(7*24*time.Hour))
	}
	if got := strings.Join(b.Next.Waiting, ","); got != "ua,ru,us" {
		t.Errorf("the general ceasefire waits for %q, want every party and the mediator", got)
	}

	consent := func(login, party, phase string) error {
		_, err := p.write(login, ceasefire.KindConsent, ceasefire.Consent{PhaseID: phase, CeasefireID: cf, PartyID: party})
		return err
	}
	clk.t = start.Add(2 * time.Hour)
	p.refused("a move before the quiet week", consent("ua-capital", "ua", phase2), app.CodeInvalid, "phase_id", "the conditions of phase 1 do not all hold")
	p.refused("a consent to the phase in force again", consent("ru-capital", "ru", phase1), app.CodeConflict, "phase_id", "phase 1 was agreed by every party and the mediator already")
	var ph ceasefire.Phase
	json.Unmarshal(p.entity(ceasefire.KindPhase, phase1).Body, &ph)
	ph.Title = "No strikes on energy infrastructure, nor on transport"
	_, err := p.d.Service.Update(t.Context(), p.d.Principal(t, "us-mediator"), ceasefire.KindPhase, phase1, body(ph))
	p.refused("a change of the phase in force", err, app.CodeConflict, "", "its terms no longer change")

	// A strike on energy infrastructure an hour into the phase, verified
	// and attributed an hour later.
	lat, lon := 47.84, 35.14
	in := p.must("us-monitor", ceasefire.IncidentKind, map[string]any{"title": "Strike on a substation", "reports": []string{p.report(start.Add(time.Hour))},
		"occurred_at": start.Add(time.Hour).Format(time.RFC3339), "place_name": "Zaporizhzhia", "lat": lat, "lon": lon,
		"weapon_class": "missile", "target_class": "energy"})
	for _, st := range []map[string]any{{"stage": "allegation"}, {"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 1"},
		{"stage": "verified", "attribution": "attributed", "attributed_party": "ru", "summary": "Debris of a missile found on site."}} {
		clk.t = clk.t.Add(10 * time.Minute)
		st["incident_id"], st["party_id"] = in, "us"
		if _, err := p.write("us-monitor", ceasefire.StepKind, st); err != nil {
			t.Fatalf("step %s: %v", st["stage"], err)
		}
	}
	b = p.board("ua-capital", clk.t)
	var j *ceasefire.Judgment
	for i := range b.Judgments {
		if b.Judgments[i].Incident == in {
			j = &b.Judgments[i]
		}
	}
	if j == nil || j.Phase != 1 || !j.Violation || j.Party != "ru" || strings.Join(j.Breaks, ",") != "energy" {
		t.Fatalf("the strike is judged %+v, want a violation of phase 1's energy prohibition by ru", j)
	}
	if h := b.History()[in]; len(h) != 2 || h[0].Violation || !h[1].Violation {
		t.Errorf("the judgment's history: %+v, want a prohibition broken but not verified until the verification, then a violation", h)
	}

	// A party's own monitors take a step of their own on it: the
	// ceasefire reads its mediator's monitors' verification alone.
	ruMonitor, err := p.d.Service.AddPrincipal(t.Context(), app.NewPrincipal{Login: "ru-monitor", Name: "A party's monitor", Party: "ru",
		Roles: []access.Role{access.RoleMonitor}, Password: "ru-monitor-password"})
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "ru-monitor")
	if err := p.d.Service.RegisterKey(t.Context(), "ru-monitor", vkey); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(10 * time.Minute)
	reopen := testkit.Signed(t, p.d.Service, ruMonitor, skey, ceasefire.StepKind,
		body(map[string]any{"incident_id": in, "party_id": "ru", "stage": "investigation", "team": "Ours", "summary": "We look again."}))
	if _, err := p.d.Service.Create(t.Context(), ruMonitor, ceasefire.StepKind, reopen); err != nil {
		t.Fatal(err)
	}
	b = p.board("ua-capital", clk.t)
	for i := range b.Judgments {
		if b.Judgments[i].Incident == in && !b.Judgments[i].Violation {
			t.Errorf("a party's own monitors' step undid the violation: %+v", b.Judgments[i])
		}
	}

	// A week after the phase began, the quiet week counts from the strike.
	clk.t = start.Add(7*24*time.Hour + 30*time.Minute)
	p.refused("a move within a week of a verified violation", consent("ua-capital", "ua", phase2), app.CodeInvalid, "phase_id", "incident "+in)
	clk.t = start.Add(8*24*time.Hour + 2*time.Hour)
	agreed := clk.t
	for _, c := range [][2]string{{"ua-capital", "ua"}, {"ru-capital", "ru"}, {"us-capital", "us"}} {
		if err := consent(c[0], c[1], phase2); err != nil {
			t.Fatalf("%s's consent once the week passed: %v", c[1], err)
		}
	}
	if b = p.board("us-mediator", agreed.Add(49*time.Hour)); b.InForce == nil || b.InForce.Phase.Number != 2 || !b.InForce.From.Equal(agreed.Add(48*time.Hour)) {
		t.Fatalf("48 hours after the last consent, phase %v is in force, want 2 from %s", b.InForce, agreed.Add(48*time.Hour))
	}
	if b = p.board("us-mediator", agreed.Add(47*time.Hour)); b.InForce == nil || b.InForce.Phase.Number != 1 {
		t.Errorf("before the 48 hours passed, phase %v is in force, want still 1", b.InForce)
	}
	// The strike stays a violation of phase 1, judged as it was.
	b = p.board("ru-capital", agreed.Add(72*time.Hour))
	for i := range b.Judgments {
		if b.Judgments[i].Incident == in && (!b.Judgments[i].Violation || b.Judgments[i].Phase != 1) {
			t.Errorf("once phase 2 is in force, the strike is judged %+v", b.Judgments[i])
		}
	}
}

// clock is a time the test sets.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func body(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// entity returns an entity as the mediator sees it.
func (p *process) entity(kind, id string) store.Entity {
	p.t.Helper()
	med := p.d.Principal(p.t, "us-mediator")
	e, err := p.d.Service.Get(p.t.Context(), &med, kind, id)
	if err != nil {
		p.t.Fatal(err)
	}
	return e
}

// report commits a monitor patrol's report of a strike at t, for an
// incident to hold.
func (p *process) report(t time.Time) string {
	p.t.Helper()
	return p.must("us-monitor", "monitor.report", map[string]any{"source_type": "monitor-patrol", "source_name": "Patrol 3",
		"occurred_at": t.Format(time.RFC3339), "time_precision": "hour", "place_name": "Zaporizhzhia", "place_precision": "settlement", "lat": 47.84, "lon": 35.14,
		"weapon_class": "missile", "target_class": "energy"})
}

// TestRefusals: what the ceasefire refuses, each with the field at fault,
// and nothing committed by a refused write.
func TestRefusals(t *testing.T) {
	p := &process{t: t, d: testkit.NewDemo(t, testkit.DemoOptions{})}
	cf := p.find(ceasefire.KindCeasefire, "title", "Phased ceasefire (illustrative)")
	phase2 := p.find(ceasefire.KindPhase, "title", "General ceasefire")
	line := p.find(ceasefire.ZoneKind, "name", "Line of contact")
	before, _ := p.d.Service.Store().LastSeq(t.Context())
	phase := func(mod func(*ceasefire.Phase)) error {
		ph := ceasefire.Phase{CeasefireID: cf, Number: 3, Title: "Withdrawal", Prohibitions: []ceasefire.Prohibition{{ID: "all"}}}
		mod(&ph)
		_, err := p.write("us-mediator", ceasefire.KindPhase, ph)
		return err
	}
	p.refused("a second phase 2", phase(func(ph *ceasefire.Phase) { ph.Number = 2 }), app.CodeConflict, "number", "phase 2 of this ceasefire exists already")
	p.refused("a phase 4 without a phase 3", phase(func(ph *ceasefire.Phase) { ph.Number = 4 }), app.CodeInvalid, "number", "has no phase 3")
	p.refused("an unknown weapon", phase(func(ph *ceasefire.Phase) { ph.Prohibitions[0].WeaponClasses = []string{"catapult"} }),
		app.CodeInvalid, "prohibitions[0].weapon_classes[0]", `"catapult" is not one of the monitoring's weapon classes`)
	p.refused("an unknown zone", phase(func(ph *ceasefire.Phase) { ph.Prohibitions[0].Zones = []string{line, "atlantis"} }),
		app.CodeInvalid, "prohibitions[0].zones[1]", "does not exist")
	p.refused("a distance without zones", phase(func(ph *ceasefire.Phase) { ph.Prohibitions[0].WithinKm = 15 }),
		app.CodeInvalid, "prohibitions[0].within_km", "from the zones")
	p.refused("an obligation of a party not bound", phase(func(ph *ceasefire.Phase) {
		ph.Obligations = []ceasefire.Obligation{{ID: "o", Title: "Withdraw", PartyID: "nato", Due: "2027-01-01"}}
	}), app.CodeInvalid, "obligations[0].party_id", "not a party the ceasefire binds")
	p.refused("a condition on an unknown prohibition", phase(func(ph *ceasefire.Phase) {
		ph.Conditions = []ceasefire.Condition{{Kind: ceasefire.QuietDays, Days: 7, Prohibitions: []string{"heavy"}}}
	}), app.CodeInvalid, "conditions[0].prohibitions[0]", "not a prohibition of this phase")

	// Consent from a party the ceasefire does not bind.
	other := p.must("us-mediator", ceasefire.KindCeasefire, ceasefire.Ceasefire{Title: "Local ceasefire", Parties: []string{"ua", "nato"}, MediatorID: "us"})
	first := p.must("us-mediator", ceasefire.KindPhase, ceasefire.Phase{CeasefireID: other, Number: 1, Title: "Quiet", Prohibitions: []ceasefire.Prohibition{{ID: "all"}}})
	after, _ := p.d.Service.Store().LastSeq(t.Context())
	_, err := p.write("ru-capital", ceasefire.KindConsent, ceasefire.Consent{PhaseID: first, CeasefireID: other, PartyID: "ru"})
	p.refused("consent from a party not bound", err, app.CodeInvalid, "party_id", `"ru" is neither a party to the ceasefire`)
	_, err = p.write("ua-capital", ceasefire.KindConsent, ceasefire.Consent{PhaseID: phase2, CeasefireID: other, PartyID: "ua"})
	p.refused("consent naming another ceasefire's phase", err, app.CodeInvalid, "ceasefire_id", "the phase is of ceasefire")

	// What was agreed stays: a phase's number, the ceasefire's parties.
	var ph ceasefire.Phase
	json.Unmarshal(p.entity(ceasefire.KindPhase, phase2).Body, &ph)
	ph.Number = 3
	_, err = p.d.Service.Update(t.Context(), p.d.Principal(t, "us-mediator"), ceasefire.KindPhase, phase2, body(ph))
	p.refused("a phase renumbered", err, app.CodeInvalid, "number", "a phase's number never changes")
	_, err = p.d.Service.Update(t.Context(), p.d.Principal(t, "us-mediator"), ceasefire.KindCeasefire, cf,
		body(ceasefire.Ceasefire{Title: "Phased ceasefire (illustrative)", Parties: []string{"ua", "ae"}, MediatorID: "us"}))
	p.refused("the parties changed after their consents", err, app.CodeInvalid, "parties", "they no longer change")

	// A zone an agreed phase names keeps its place; its name may change.
	plant := p.find(ceasefire.ZoneKind, "name", "Zaporizhzhia Nuclear Power Plant")
	var zone map[string]any
	json.Unmarshal(p.entity(ceasefire.ZoneKind, plant).Body, &zone)
	zone["radius_km"] = 5.0
	_, err = p.d.Service.Update(t.Context(), p.d.Principal(t, "us-monitor"), ceasefire.ZoneKind, plant, body(zone))
	p.refused("the plant's zone shrunk under the phase in force", err, app.CodeConflict, "geometry", "its place no longer changes")
	zone["radius_km"], zone["name"] = 30.0, "Zaporizhzhia NPP"
	if _, err := p.d.Service.Update(t.Context(), p.d.Principal(t, "us-monitor"), ceasefire.ZoneKind, plant, body(zone)); err != nil {
		t.Errorf("the plant's zone renamed: %v", err)
	}

	// Suspensions start now or later, do not overlap, and stay lifted; an
	// obligation done is one of the phase's.
	_, err = p.write("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), Reason: "Backdated."})
	p.refused("a suspension in the past", err, app.CodeInvalid, "from", "in the past")
	susp := p.must("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-01-10T00:00:00Z", Until: "2027-01-12T00:00:00Z", Reason: "Survey of the line."})
	_, err = p.d.Service.Update(t.Context(), p.d.Principal(t, "us-mediator"), ceasefire.KindSuspension, susp,
		body(ceasefire.Suspension{CeasefireID: cf, From: "2027-01-09T00:00:00Z", Until: "2027-01-12T00:00:00Z", Reason: "Survey of the line."}))
	p.refused("a suspension's start moved", err, app.CodeInvalid, "from", "never changes")
	_, err = p.d.Service.Update(t.Context(), p.d.Principal(t, "us-mediator"), ceasefire.KindSuspension, susp,
		body(ceasefire.Suspension{CeasefireID: cf, From: "2027-01-10T00:00:00Z", Until: "2027-01-14T00:00:00Z", Reason: "Survey of the line."}))
	p.refused("a lifted suspension's end moved", err, app.CodeInvalid, "until", "stays lifted")
	_, err = p.write("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-01-11T00:00:00Z", Reason: "Another."})
	p.refused("an overlapping suspension", err, app.CodeConflict, "from", "overlaps suspension")
	_, err = p.write("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-02-11T00:00:00Z", Until: "2027-02-10T00:00:00Z", Reason: "Backwards."})
	p.refused("a suspension lifted before it began", err, app.CodeInvalid, "until", "is not after from")
	_, err = p.write("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, CeasefireID: cf, PartyID: "us", ObligationID: "withdraw-nato", VerifiedAt: "2026-03-30T12:00:00Z"})
	p.refused("an unknown obligation done", err, app.CodeInvalid, "obligation_id", `"withdraw-nato" is not an obligation of phase 2`)
	p.must("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, CeasefireID: cf, PartyID: "us", ObligationID: "withdraw-ua", VerifiedAt: "2026-03-30T12:00:00Z"})
	_, err = p.write("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, CeasefireID: cf, PartyID: "us", ObligationID: "withdraw-ua", VerifiedAt: "2026-03-31T12:00:00Z"})
	p.refused("an obligation done twice", err, app.CodeConflict, "obligation_id", "exists already")

	// Only the writes that were not refused were committed.
	if n, _ := p.d.Service.Store().LastSeq(t.Context()); n != after+3 || after != before+2 {
		t.Errorf("%d records after the refusals, want %d (five writes accepted)", n, before+5)
	}
}
