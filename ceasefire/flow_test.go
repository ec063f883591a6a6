package ceasefire_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
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
	med := p.d.Principal(p.t, "us-mediator")
	es, err := p.d.Service.All(p.t.Context(), &med, kind, "")
	if err != nil {
		p.t.Fatal(err)
	}
	for _, e := range es {
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		if m[field] == value {
			return e.ID
		}
	}
	p.t.Fatalf("no %s with %s %q", kind, field, value)
	return ""
}

// TestCeasefireFlow follows the demo's ceasefire: the first phase in force
// on the consents of both parties and the mediator; a move to the second
// refused while its quiet week has not passed, and again after a strike
// on energy infrastructure is verified, attributed and judged a
// violation; then consented to once the week has passed since.
func TestCeasefireFlow(t *testing.T) {
	p := &process{t: t, d: testkit.NewDemo(t, testkit.DemoOptions{})}
	cf := p.find(ceasefire.KindCeasefire, "title", "Phased ceasefire (illustrative)")
	phase2 := p.find(ceasefire.KindPhase, "title", "General ceasefire")

	b := p.board("ru-capital", time.Now())
	if b.InForce == nil || b.InForce.Phase.Number != 1 || b.Next == nil || b.Next.ID != phase2 || b.Ready {
		t.Fatalf("the demo's first phase is not in force, its next the general ceasefire, not ready: %+v", b)
	}
	start := b.InForce.From
	if len(b.Conditions) != 1 || b.Conditions[0].Holds || !b.Conditions[0].From.Equal(start.Add(7*24*time.Hour)) {
		t.Fatalf("the quiet week: %+v, want holding from %s", b.Conditions, start.Add(7*24*time.Hour))
	}
	if got := strings.Join(b.Next.Waiting, ","); got != "ua,ru,us" {
		t.Errorf("the general ceasefire waits for %q, want every party and the mediator", got)
	}

	consent := func(login, party string) error {
		_, err := p.write(login, ceasefire.KindConsent, ceasefire.Consent{PhaseID: phase2, CeasefireID: cf, PartyID: party})
		return err
	}
	p.refused("a move before the quiet week", consent("ua-capital", "ua"), app.CodeInvalid, "phase_id", "the conditions of phase 1 do not all hold")

	// A strike on energy infrastructure an hour into the phase, verified
	// and attributed.
	lat, lon := 47.84, 35.14
	in := p.must("us-monitor", ceasefire.IncidentKind, map[string]any{"title": "Strike on a substation", "reports": []string{p.report(start.Add(time.Hour))},
		"occurred_at": start.Add(time.Hour).Format(time.RFC3339), "place_name": "Zaporizhzhia", "lat": lat, "lon": lon,
		"weapon_class": "missile", "target_class": "energy"})
	for _, st := range []map[string]any{{"stage": "allegation"}, {"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 1"},
		{"stage": "verified", "attribution": "attributed", "attributed_party": "ru", "summary": "Debris of a missile found on site."}} {
		st["incident_id"], st["party_id"] = in, "us"
		if _, err := p.write("us-monitor", ceasefire.StepKind, st); err != nil {
			t.Fatalf("step %s: %v", st["stage"], err)
		}
	}
	b = p.board("ua-capital", time.Now())
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

	// A week after the phase began, the quiet week counts from the strike.
	defer ceasefire.SetNow(func() time.Time { return start.Add(7*24*time.Hour + 30*time.Minute) })()
	p.refused("a move within a week of a verified violation", consent("ua-capital", "ua"), app.CodeInvalid, "phase_id", "incident "+in)
	ceasefire.SetNow(func() time.Time { return start.Add(8*24*time.Hour + 2*time.Hour) })
	for _, c := range [][2]string{{"ua-capital", "ua"}, {"ru-capital", "ru"}, {"us-capital", "us"}} {
		if err := consent(c[0], c[1]); err != nil {
			t.Fatalf("%s's consent once the week passed: %v", c[1], err)
		}
	}
	b = p.board("us-mediator", time.Now().Add(49*time.Hour))
	if b.InForce == nil || b.InForce.Phase.Number != 2 {
		t.Fatalf("48 hours after the last consent, phase %v is in force, want 2", b.InForce)
	}
	if b = p.board("us-mediator", time.Now().Add(47*time.Hour)); b.InForce == nil || b.InForce.Phase.Number != 1 {
		t.Errorf("before the 48 hours passed, phase %v is in force, want still 1", b.InForce)
	}
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

	// Suspensions do not overlap; an obligation done is one of the phase's.
	p.must("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-01-10T00:00:00Z", Until: "2027-01-12T00:00:00Z", Reason: "Survey of the line."})
	_, err = p.write("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-01-11T00:00:00Z", Reason: "Another."})
	p.refused("an overlapping suspension", err, app.CodeConflict, "from", "overlaps suspension")
	_, err = p.write("us-mediator", ceasefire.KindSuspension, ceasefire.Suspension{CeasefireID: cf, From: "2027-02-11T00:00:00Z", Until: "2027-02-10T00:00:00Z", Reason: "Backwards."})
	p.refused("a suspension lifted before it began", err, app.CodeInvalid, "until", "is not after from")
	_, err = p.write("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, ObligationID: "withdraw-nato", VerifiedAt: "2026-03-30T12:00:00Z"})
	p.refused("an unknown obligation done", err, app.CodeInvalid, "obligation_id", `"withdraw-nato" is not an obligation of phase 2`)
	p.must("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, ObligationID: "withdraw-ua", VerifiedAt: "2026-03-30T12:00:00Z"})
	_, err = p.write("us-monitor", ceasefire.KindFulfilment, ceasefire.Fulfilment{PhaseID: phase2, ObligationID: "withdraw-ua", VerifiedAt: "2026-03-31T12:00:00Z"})
	p.refused("an obligation done twice", err, app.CodeConflict, "obligation_id", "exists already")

	// Only the writes that were not refused were committed.
	if n, _ := p.d.Service.Store().LastSeq(t.Context()); n != after+2 || after != before+2 {
		t.Errorf("%d records after the refusals, want %d (two writes accepted)", n, before+4)
	}
}
