package monitor_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/store"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// demo is the demo scenario with helpers to write as its logins.
type demo struct {
	t *testing.T
	d *testkit.Demo
}

// write commits v as login, signed with login's key for a signed kind.
func (d demo) write(login, kind string, v any) (app.Written, error) {
	d.t.Helper()
	p := d.d.Principal(d.t, login)
	b, err := json.Marshal(v)
	if err != nil {
		d.t.Fatal(err)
	}
	if k, _ := d.d.Service.Registry().Kind(kind); k.Signed {
		if _, err := d.d.Service.Statement(d.t.Context(), p, kind, b); err != nil {
			return app.Written{}, err
		}
		b = testkit.Signed(d.t, d.d.Service, p, d.d.Login(d.t, login).SigningKey, kind, b)
	}
	return d.d.Service.Create(d.t.Context(), p, kind, b)
}

func (d demo) must(login, kind string, v any) string {
	d.t.Helper()
	w, err := d.write(login, kind, v)
	if err != nil {
		d.t.Fatalf("%s writing %s: %v", login, kind, err)
	}
	return w.Entity.ID
}

// refused checks that err refuses with code on field, saying want.
func (d demo) refused(what string, err error, code app.Code, field, want string) {
	d.t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		d.t.Errorf("%s: got %v, want %s on %q saying %q", what, err, code, field, want)
	}
}

// incident returns the demo's incident at place.
func (d demo) incident(place string) string {
	d.t.Helper()
	med := d.d.Principal(d.t, "us-mediator")
	es, err := d.d.Service.All(d.t.Context(), &med, monitor.KindIncident, "")
	if err != nil {
		d.t.Fatal(err)
	}
	for _, e := range es {
		var in monitor.Incident
		json.Unmarshal(e.Body, &in)
		if in.PlaceName == place {
			return e.ID
		}
	}
	d.t.Fatalf("the demo has no incident at %s", place)
	return ""
}

// TestVerificationWorkflow takes the demo's Kharkiv incident, opened by
// its allegation, through the workflow: each step in order, every step
// out of order refused, attribution graded on the verified finding alone,
// the team's report kept from the parties while the steps reach them, and
// a finding reopened by a new investigation.
func TestVerificationWorkflow(t *testing.T) {
	d := demo{t, testkit.NewDemo(t, testkit.DemoOptions{})}
	kharkiv := d.incident("Kharkiv")
	step := func(stage monitor.Stage) monitor.Step {
		return monitor.Step{IncidentID: kharkiv, PartyID: "us", Stage: stage}
	}

	_, err := d.write("us-monitor", monitor.KindStep, step(monitor.StageVerified))
	d.refused("verified straight after the allegation", err, app.CodeInvalid, "attribution", "is required for a verified incident")
	v := step(monitor.StageVerified)
	v.Attribution = monitor.NotAttributed
	_, err = d.write("us-monitor", monitor.KindStep, v)
	d.refused("verified straight after the allegation", err, app.CodeConflict, "stage", "latest step is the allegation; a verified does not follow it (what may: preliminary inquiry)")
	_, err = d.write("us-monitor", monitor.KindStep, step(monitor.StageAllegation))
	d.refused("a second allegation", err, app.CodeConflict, "stage", "an allegation does not follow")
	inq := step(monitor.StageInquiry)
	inq.Attribution, inq.AttributedParty = monitor.Attributed, "ru"
	_, err = d.write("us-monitor", monitor.KindStep, inq)
	d.refused("an attribution at the inquiry", err, app.CodeInvalid, "attribution", "a preliminary inquiry attributes nothing")
	_, err = d.write("ua-negotiator", monitor.KindStep, step(monitor.StageInquiry))
	d.refused("a party's negotiator taking a step", err, app.CodeForbidden, "", "may not write verification step records")
	early := monitor.Finding{IncidentID: kharkiv, Stage: monitor.StageInquiry, Team: "Team 1", Text: "Too early."}
	_, err = d.write("us-monitor", monitor.KindFinding, early)
	d.refused("a team's report before the inquiry", err, app.CodeConflict, "stage", "the incident, as it reads now, has had no preliminary inquiry yet")
	d.must("us-monitor", monitor.KindStep, step(monitor.StageInquiry))
	d.must("us-monitor", monitor.KindFinding, early)

	_, err = d.write("us-monitor", monitor.KindStep, step(monitor.StageInvestigate))
	d.refused("an investigation without a team", err, app.CodeInvalid, "team", "is required for an investigation")
	inv := step(monitor.StageInvestigate)
	inv.Team, inv.Summary = "Team 2", "The team's report is with the mediator."
	d.must("us-monitor", monitor.KindStep, inv)
	report := monitor.Finding{IncidentID: kharkiv, Stage: monitor.StageInvestigate, Team: "Team 2",
		Text: "The team visited the site and examined the fragments.", Evidence: []monitor.Evidence{{SHA256: strings.Repeat("ab", 32), Name: "fragment.jpg"}}}
	kept := d.must("us-monitor", monitor.KindFinding, report)
	report.Shared, report.Text = true, "The team's account for the parties."
	shared := d.must("us-monitor", monitor.KindFinding, report)
	report.Stage = monitor.StageVerified
	_, err = d.write("us-monitor", monitor.KindFinding, report)
	d.refused("a team's report on a finding", err, app.CodeInvalid, "stage", "verified")

	for _, c := range []struct {
		attribution monitor.Attribution
		party       string
		field, want string
	}{
		{monitor.Attributed, "", "attributed_party", "is required: the party the incident is attributed to"},
		{monitor.LargelyAttributed, "", "attributed_party", "largely attributed"},
		{monitor.NotAttributed, "ru", "attributed_party", "could not be attributed"},
		{"blamed", "ru", "attribution", "blamed"},
		{monitor.Attributed, "us", "attributed_party", "not a party to the conflict"},
		{monitor.LargelyAttributed, "ae", "attributed_party", "not a party to the conflict"},
	} {
		v := step(monitor.StageVerified)
		v.Attribution, v.AttributedParty = c.attribution, c.party
		_, err := d.write("us-monitor", monitor.KindStep, v)
		d.refused("verified "+string(c.attribution)+" to "+c.party, err, app.CodeInvalid, c.field, c.want)
	}
	v = step(monitor.StageVerified)
	v.Attribution, v.AttributedParty, v.Summary = monitor.LargelyAttributed, "ru", "Largely attributed, on the team's report."
	d.must("us-monitor", monitor.KindStep, v)
	// New evidence reopens it; the history stays.
	reopen := step(monitor.StageInvestigate)
	reopen.Team = "Team 4"
	d.must("us-monitor", monitor.KindStep, reopen)
	d.must("us-monitor", monitor.KindStep, step(monitor.StageNotVerified))

	// Every party reads every step, in order, and the incident's status,
	// and the team's report the monitors shared; neither reads the one
	// they kept, which the mediator does.
	for _, login := range []string{"ua-negotiator", "ru-negotiator", "us-mediator"} {
		p := d.d.Principal(t, login)
		es, err := d.d.Service.All(t.Context(), &p, monitor.KindStep, kharkiv)
		if err != nil {
			t.Fatal(err)
		}
		var stages []string
		for _, e := range es {
			var s monitor.Step
			json.Unmarshal(e.Body, &s)
			stages = append(stages, string(s.Stage))
		}
		if got, want := strings.Join(stages, " "), "allegation preliminary-inquiry investigation verified investigation not-verified"; got != want {
			t.Errorf("%s reads the steps %q; want %q", login, got, want)
		}
		if _, err := d.d.Service.Get(t.Context(), &p, monitor.KindFinding, shared); err != nil {
			t.Errorf("%s reading the shared team's report: %v", login, err)
		}
		_, err = d.d.Service.Get(t.Context(), &p, monitor.KindFinding, kept)
		if seen := err == nil; seen != (login == "us-mediator") {
			t.Errorf("%s reads the team's report: %v (err %v)", login, seen, err)
		} else if !seen && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s reading the team's report: %v, want not found", login, err)
		}
	}
}

// TestAccessDenials records a refusal of access, read by every party and
// refused when it does not say by whom, when, or what it prevented.
func TestAccessDenials(t *testing.T) {
	d := demo{t, testkit.NewDemo(t, testkit.DemoOptions{})}
	denial := monitor.AccessDenial{OccurredAt: "2026-01-25T10:00:00+02:00", PlaceName: "Checkpoint near Orikhiv", Lat: ptr(47.56), Lon: ptr(35.78),
		DeniedBy: "ua", Patrol: "Patrol 4", Prevented: "The patrol's visit to a reported impact site.", IncidentID: d.incident("Kharkiv")}
	for _, c := range []struct {
		change      func(*monitor.AccessDenial)
		field, want string
	}{
		{func(a *monitor.AccessDenial) { a.DeniedBy = "" }, "denied_by", "is required"},
		{func(a *monitor.AccessDenial) { a.DeniedBy = "xx" }, "denied_by", "xx"},
		{func(a *monitor.AccessDenial) { a.OccurredAt = "yesterday" }, "occurred_at", "yesterday"},
		{func(a *monitor.AccessDenial) { a.Prevented = " " }, "prevented", "is required"},
		{func(a *monitor.AccessDenial) { a.Lon = nil }, "lon", "goes with lat"},
		{func(a *monitor.AccessDenial) { a.Lat = ptr(95) }, "lat", "latitude"},
	} {
		a := denial
		c.change(&a)
		_, err := d.write("us-monitor", monitor.KindDenial, a)
		d.refused("denial with "+c.field+" changed", err, app.CodeInvalid, c.field, c.want)
	}
	id := d.must("us-monitor", monitor.KindDenial, denial)
	for _, login := range []string{"ua-negotiator", "ru-negotiator"} {
		p := d.d.Principal(t, login)
		if _, err := d.d.Service.Get(t.Context(), &p, monitor.KindDenial, id); err != nil {
			t.Errorf("%s reading the access denial: %v", login, err)
		}
	}
	p := d.d.Principal(t, "ua-negotiator")
	if access.ViewerOf(p).Party != "ua" {
		t.Fatal("the demo's Ukrainian negotiator is not of party ua")
	}
	_, err := d.write("ua-negotiator", monitor.KindDenial, denial)
	d.refused("a party recording a denial", err, app.CodeForbidden, "", "may not write access denial records")
}

func ptr(v float64) *float64 { return &v }

// TestSourceRefOnce: a report whose source reference another has is the
// same report, refused as a conflict; reports without one are many.
func TestSourceRefOnce(t *testing.T) {
	d := demo{t, testkit.NewDemo(t, testkit.DemoOptions{})}
	r := monitor.Report{SourceType: monitor.SourcePatrol, SourceName: "Patrol 1", OccurredAt: "2026-01-25T10:00:00+02:00", TimePrecision: "exact",
		PlaceName: "Orikhiv", PlacePrecision: "coordinates", Lat: ptr(47.56), Lon: ptr(35.78), WeaponClass: "artillery", TargetClass: "residential"}
	d.must("us-monitor", monitor.KindReport, r)
	d.must("us-monitor", monitor.KindReport, r)
	r.SourceRef = "patrol-1/0042"
	first := d.must("us-monitor", monitor.KindReport, r)
	_, err := d.write("us-mediator", monitor.KindReport, r)
	d.refused("the same report again", err, app.CodeConflict, "source_ref", "report "+first+" has the source reference \"patrol-1/0042\" already")
	r.WeaponClass = "mortar"
	_, err = d.write("us-mediator", monitor.KindReport, r)
	d.refused("another report under the same reference", err, app.CodeInvalid, "source_ref", "\"patrol-1/0042\" is the source reference of report "+first+", which says something else")
}

// TestReportOfOneIncident: a report an incident holds is refused to
// another, naming the one that holds it.
func TestReportOfOneIncident(t *testing.T) {
	d := demo{t, testkit.NewDemo(t, testkit.DemoOptions{})}
	med := d.d.Principal(t, "us-mediator")
	es, err := d.d.Service.All(t.Context(), &med, monitor.KindIncident, "")
	if err != nil {
		t.Fatal(err)
	}
	var in monitor.Incident
	json.Unmarshal(es[0].Body, &in)
	in.Title = "The same reports again"
	_, err = d.write("us-monitor", monitor.KindIncident, in)
	d.refused("an incident of reports another holds", err, app.CodeConflict, "reports", "is of incident "+es[0].ID)
	// The index keeps an incident under each of its reports.
	for _, r := range in.Reports {
		got, _, err := d.d.Service.List(t.Context(), &med, store.Query{Kind: monitor.KindIncident, Fields: map[string]string{"reports": r}})
		if err != nil || len(got) != 1 || got[0].ID != es[0].ID {
			t.Errorf("incidents holding report %s: %v, %v; want %s alone", r, got, err, es[0].ID)
		}
	}
}

// TestChangedIncidentStartsAgain: an incident changed after its
// allegation goes on from it; one changed after its inquiry is verified
// only after its verification starts again, from a new allegation, and a
// team's report of the earlier inquiry counts for nothing.
func TestChangedIncidentStartsAgain(t *testing.T) {
	d := demo{t, testkit.NewDemo(t, testkit.DemoOptions{})}
	id := d.incident("Kharkiv")
	med := d.d.Principal(t, "us-mediator")
	change := func(note string) {
		t.Helper()
		e, err := d.d.Service.Get(t.Context(), &med, monitor.KindIncident, id)
		if err != nil {
			t.Fatal(err)
		}
		var in monitor.Incident
		json.Unmarshal(e.Body, &in)
		in.Note = note
		b, _ := json.Marshal(in)
		if _, err := d.d.Service.Update(t.Context(), med, monitor.KindIncident, id, b); err != nil {
			t.Fatal(err)
		}
	}
	step := func(stage monitor.Stage) monitor.Step {
		return monitor.Step{IncidentID: id, PartyID: "us", Stage: stage}
	}
	verified := step(monitor.StageVerified)
	verified.Attribution = monitor.NotAttributed
	change("A report added to it, say.")
	d.must("us-monitor", monitor.KindStep, step(monitor.StageInquiry))
	team := monitor.Finding{IncidentID: id, Stage: monitor.StageInquiry, Team: "Team 1", Text: "On the first version."}
	d.must("us-monitor", monitor.KindFinding, team)
	change("Rewritten into another event.")
	_, err := d.write("us-monitor", monitor.KindStep, verified)
	d.refused("verified after a change since the inquiry", err, app.CodeConflict, "stage", "it changed since its last step")
	_, err = d.write("us-monitor", monitor.KindFinding, team)
	d.refused("a team's report after a change since the inquiry", err, app.CodeConflict, "stage", "as it reads now, has had no preliminary inquiry")
	d.must("us-monitor", monitor.KindStep, step(monitor.StageAllegation))
	d.must("us-monitor", monitor.KindStep, step(monitor.StageInquiry))
	d.must("us-monitor", monitor.KindStep, verified)
}
