package ceasefire

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley"
)

var (
	start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// energyFirst is a first phase: no strikes on energy infrastructure
	// anywhere, nor by heavy weapons within the buffer zone; the next
	// begins after 7 quiet days and the withdrawal.
	energyFirst = Phase{Number: 1, Title: "Energy infrastructure", Prohibitions: []Prohibition{
		{ID: "energy", Title: "No strikes on energy infrastructure", TargetClasses: []string{"energy"}},
		{ID: "heavy", Title: "No heavy weapons in the buffer", WeaponClasses: []string{"artillery", "missile"}, Zones: []string{"buffer"}},
	}, Obligations: []Obligation{{ID: "withdraw", Title: "Withdraw artillery 15 km", PartyID: "a", Due: "2026-03-15"}},
		Conditions: []Condition{{Kind: QuietDays, Days: 7, Prohibitions: []string{"energy"}}, {Kind: ObligationsDone}}}
	general = Phase{Number: 2, Title: "General ceasefire", Prohibitions: []Prohibition{{ID: "all", Title: "No strikes"}}}
	classes = Classes{Weapons: []string{"attack-drone", "artillery", "missile"}, Targets: []string{"energy", "residential"}, Zones: []string{"buffer", "plant"}}
)

func at(days float64) time.Time { return start.Add(time.Duration(days * float64(day))) }

// TestValidate: a phase naming classes, zones or prohibitions that do not
// exist is refused with the field that names them.
func TestValidate(t *testing.T) {
	p := energyFirst
	if err := p.Check(classes); err != nil {
		t.Fatalf("a valid phase: %v", err)
	}
	for name, c := range map[string]struct {
		edit  func(p *Phase)
		field string
		says  string
	}{
		"unknown weapon": {func(p *Phase) { p.Prohibitions = []Prohibition{{ID: "x", WeaponClasses: []string{"trebuchet"}}} }, "prohibitions[0].weapon_classes[0]", `"trebuchet"`},
		"unknown target": {func(p *Phase) { p.Prohibitions = []Prohibition{{ID: "x", TargetClasses: []string{"energy", "moon"}}} }, "prohibitions[0].target_classes[1]", `"moon"`},
		"unknown zone":   {func(p *Phase) { p.Prohibitions = []Prohibition{{ID: "x", Zones: []string{"atlantis"}}} }, "prohibitions[0].zones[0]", "zones"},
		"repeated id":    {func(p *Phase) { p.Prohibitions = []Prohibition{{ID: "x"}, {ID: "x"}} }, "prohibitions[1].id", "another"},
		"condition on an unknown prohibition": {func(p *Phase) { p.Conditions = []Condition{{Kind: QuietDays, Days: 7, Prohibitions: []string{"nope"}}} },
			"conditions[0].prohibitions[0]", `"nope"`},
		"no days":       {func(p *Phase) { p.Conditions = []Condition{{Kind: QuietDays}} }, "conditions[0].days", "a day or more"},
		"unknown kind":  {func(p *Phase) { p.Conditions = []Condition{{Kind: "vibes"}} }, "conditions[0].kind", `"vibes"`},
		"nothing to do": {func(p *Phase) { p.Obligations = nil }, "conditions[1].kind", "no obligations"},
		"bad due date":  {func(p *Phase) { p.Obligations[0].Due = "soon" }, "obligations[0].due", "soon"},
		"no party":      {func(p *Phase) { p.Obligations[0].PartyID = "" }, "obligations[0].party_id", "required"},
		"no number":     {func(p *Phase) { p.Number = 0 }, "number", "from 1"},
	} {
		p := energyFirst
		p.Prohibitions = append([]Prohibition(nil), energyFirst.Prohibitions...)
		p.Obligations = append([]Obligation(nil), energyFirst.Obligations...)
		c.edit(&p)
		err := p.Check(classes)
		fe, ok := err.(*parley.FieldError)
		if !ok || fe.Field != c.field || !strings.Contains(fe.Message, c.says) {
			t.Errorf("%s: %v, want field %s saying %q", name, err, c.field, c.says)
		}
	}
}

// TestJudge: each incident is judged against the phase in force at its
// time, by every rule: weapon, target, zone, an empty list meaning any;
// none in force before the first phase or during a suspension; a
// violation only once verified, attributed as verified.
func TestJudge(t *testing.T) {
	periods := []Period{{Phase: general, From: at(20)}, {Phase: energyFirst, From: at(0), Until: at(10)}} // suspended from day 10 to 20
	incidents := []Incident{
		{ID: "before", At: at(-1), Target: "energy", Verified: at(1), Party: "a"},
		{ID: "energy", At: at(1), Weapon: "attack-drone", Target: "energy", Verified: at(2), Party: "b"},
		{ID: "heavy-in-buffer", At: at(2), Weapon: "artillery", Target: "residential", Zones: []string{"buffer", "plant"}, Verified: at(3)},
		{ID: "heavy-elsewhere", At: at(2), Weapon: "artillery", Target: "residential", Zones: []string{"plant"}, Verified: at(3)},
		{ID: "drone-in-buffer", At: at(3), Weapon: "attack-drone", Target: "residential", Zones: []string{"buffer"}, Verified: at(4)},
		{ID: "unverified", At: at(4), Weapon: "missile", Target: "energy", Zones: []string{"buffer"}},
		{ID: "verified-later", At: at(5), Target: "energy", Verified: at(30), Party: "a"},
		{ID: "suspended", At: at(15), Target: "energy", Verified: at(16)},
		{ID: "at-the-move", At: at(20), Weapon: "attack-drone", Target: "residential", Verified: at(21), Party: "a"},
	}
	type want struct {
		phase     int
		breaks    string
		violation bool
		party     string
	}
	check := func(when time.Time, wants map[string]want) {
		for _, j := range Judge(periods, incidents, when) {
			w := wants[j.Incident]
			if j.Phase != w.phase || strings.Join(j.Breaks, ",") != w.breaks || j.Violation != w.violation || j.Party != w.party {
				t.Errorf("at %s, %s judged %+v, want %+v", when.Format(time.DateOnly), j.Incident, j, w)
			}
		}
	}
	check(at(25), map[string]want{
		"before":          {},
		"energy":          {1, "energy", true, "b"},
		"heavy-in-buffer": {1, "heavy", true, ""},
		"heavy-elsewhere": {1, "", false, ""},
		"drone-in-buffer": {1, "", false, ""},
		"unverified":      {1, "energy,heavy", false, ""},
		"verified-later":  {1, "energy", false, ""},
		"suspended":       {},
		"at-the-move":     {2, "all", true, "a"},
	})
	// Judged again once the late verification is in.
	check(at(30), map[string]want{
		"before": {}, "energy": {1, "energy", true, "b"}, "heavy-in-buffer": {1, "heavy", true, ""}, "heavy-elsewhere": {1, "", false, ""},
		"drone-in-buffer": {1, "", false, ""}, "unverified": {1, "energy,heavy", false, ""}, "verified-later": {1, "energy", true, "a"},
		"suspended": {}, "at-the-move": {2, "all", true, "a"},
	})
	if p := InForce(periods, at(10)); p != nil {
		t.Errorf("in force at the suspension: phase %d, want none", p.Phase.Number)
	}
	if p := InForce(periods, at(9.99)); p == nil || p.Phase.Number != 1 {
		t.Errorf("in force just before the suspension: %v, want phase 1", p)
	}
}

// TestQuietDays: "no verified violation of energy strikes for 7
// consecutive days", at its edges.
func TestQuietDays(t *testing.T) {
	p := Period{Phase: energyFirst, From: start}
	quiet := func(incidents []Incident, now time.Time) State { return Evaluate(p, incidents, nil, now)[0] }

	// A phase begun 7 days ago, exactly, without violations: it holds;
	// a nanosecond earlier it does not.
	if s := quiet(nil, at(7)); !s.Holds || !s.From.Equal(at(7)) {
		t.Errorf("exactly 7 days: %+v, want it to hold from day 7", s)
	}
	if s := quiet(nil, at(7).Add(-time.Nanosecond)); s.Holds {
		t.Errorf("7 days less a nanosecond: %+v, want it not to hold", s)
	}
	// A verified energy strike on day 3 starts the count again: it holds
	// from day 10, and the strike decides it.
	strike := Incident{ID: "s1", At: at(3), Target: "energy", Verified: at(4)}
	if s := quiet([]Incident{strike}, at(9)); s.Holds || !s.From.Equal(at(10)) || strings.Join(s.Deciding, ",") != "s1" {
		t.Errorf("day 9 after a strike on day 3: %+v, want it to hold from day 10, decided by s1", s)
	}
	if s := quiet([]Incident{strike}, at(10)); !s.Holds {
		t.Errorf("day 10 after a strike on day 3: %+v, want it to hold", s)
	}
	// A strike of another prohibition, or unverified, does not count.
	other := Incident{ID: "s2", At: at(5), Weapon: "artillery", Zones: []string{"buffer"}, Verified: at(5)}
	unverified := Incident{ID: "s3", At: at(6), Target: "energy"}
	if s := quiet([]Incident{other, unverified}, at(7)); !s.Holds || len(s.Deciding) != 0 {
		t.Errorf("a violation of another prohibition and an unverified one: %+v, want it to hold", s)
	}
	// An incident verified after the window closed: on day 8 the strike of
	// day 5 is not yet verified, and the condition holds; verified on day
	// 9, it no longer does, until day 12.
	late := Incident{ID: "s4", At: at(5), Target: "energy", Verified: at(9)}
	if s := quiet([]Incident{late}, at(8)); !s.Holds {
		t.Errorf("day 8, the strike of day 5 verified only on day 9: %+v, want it to hold", s)
	}
	if s := quiet([]Incident{late}, at(9)); s.Holds || !s.From.Equal(at(12)) || strings.Join(s.Deciding, ",") != "s4" {
		t.Errorf("day 9, once verified: %+v, want it to hold only from day 12, decided by s4", s)
	}
	// An incident from before the phase, or after now, does not count.
	if s := quiet([]Incident{{ID: "old", At: at(-1), Target: "energy", Verified: at(0)}, {ID: "future", At: at(8), Target: "energy", Verified: at(8)}}, at(7)); !s.Holds {
		t.Errorf("incidents before the phase and after now: %+v, want it to hold", s)
	}
}

// TestObligationsAndReady: the next phase is proposed when every
// condition holds, and only then.
func TestObligationsAndReady(t *testing.T) {
	p := Period{Phase: energyFirst, From: start}
	states := Evaluate(p, nil, nil, at(8))
	if Ready(states) || states[1].Holds || strings.Join(states[1].Deciding, ",") != "withdraw" {
		t.Errorf("before the withdrawal is verified: %+v, want not ready, the withdrawal deciding", states)
	}
	done := map[string]time.Time{"withdraw": at(9)}
	if Ready(Evaluate(p, nil, done, at(8))) {
		t.Errorf("the withdrawal verified on day 9, judged on day 8: ready, want not")
	}
	if states := Evaluate(p, nil, done, at(9)); !Ready(states) {
		t.Errorf("on day 9: %+v, want ready", states)
	}
	if Ready(Evaluate(Period{Phase: general, From: start}, nil, nil, at(100))) {
		t.Errorf("a phase without conditions: ready, want it never proposed on evidence")
	}
}

// TestVerify: an incident verified, reopened and verified again stood
// verified twice, attributed as each verification said; one changed after
// its verification stood verified until the change; judged at any time as
// it then stood.
func TestVerify(t *testing.T) {
	step := func(day float64, stage, attribution, party, on string) Record {
		b, _ := json.Marshal(map[string]string{"incident_id": "i", "stage": stage, "attribution": attribution, "attributed_party": party})
		return Record{ID: fmt.Sprint(day), At: at(day), Seq: int64(day * 10), On: on, Body: b}
	}
	steps := []Record{step(1, "allegation", "", "", "v1"), step(1.5, "preliminary-inquiry", "", "", "v1"), step(2, "investigation", "", "", "v1"),
		step(3, "verified", "attributed", "a", "v1"), step(5, "investigation", "", "", "v1"), step(7, "verified", "largely-attributed", "b", "v1")}
	in := Incident{ID: "i", At: at(0.5), Target: "energy"}
	Verify(&in, steps, "v1", time.Time{})
	periods := []Period{{Phase: energyFirst, From: at(0)}}
	for _, c := range []struct {
		day       float64
		violation bool
		party     string
	}{{2.5, false, ""}, {3, true, "a"}, {4.9, true, "a"}, {5, false, ""}, {6, false, ""}, {7, true, "b"}, {30, true, "b"}} {
		j := Judge(periods, []Incident{in}, at(c.day))[0]
		if j.Violation != c.violation || j.Party != c.party {
			t.Errorf("day %g: judged %+v, want violation %v by %q", c.day, j, c.violation, c.party)
		}
	}
	// Changed on day 9 after its last verification: verified until then.
	Verify(&in, steps, "v2", at(9))
	if !in.VerifiedBy(at(8.9)) || in.VerifiedBy(at(9)) || in.PartyAt(at(8)) != "b" {
		t.Errorf("changed on day 9: spans %+v", in.Spans)
	}
	// An allegation on the changed incident is not a verification gone
	// stale: nothing was verified.
	Verify(&in, steps[:1], "v2", at(9))
	if len(in.Spans) != 0 || in.VerifiedBy(at(20)) {
		t.Errorf("an allegation alone: %+v", in.Spans)
	}
}

// TestReportRecord: a report's record is refused unless its title and
// figures are what parley makes of its period: the sums agree, a daily
// report lists each violation within its period, placed on the globe.
func TestReportRecord(t *testing.T) {
	from, until := at(0), at(1)
	lat, lon := 48.0, 37.0
	good := Report{Type: Daily, From: from, Until: until, Violations: 1,
		Regions: []Region{{Region: "r", Violations: 1}}, Parties: []Party{{Party: "a", Violations: 1}},
		Lines: []Line{{Incident: "i", At: at(0.5), Lat: &lat, Lon: &lon}}}
	record := func(r Report, title string) *ReportRecord {
		b, _ := json.Marshal(r)
		return &ReportRecord{CeasefireID: "c", ReportType: r.Type, Title: title, From: from.Format(time.RFC3339), Until: until.Format(time.RFC3339), Figures: string(b)}
	}
	title := ReportTitle(Daily, from, until)
	if title != "Daily report, 1 March 2026" {
		t.Errorf("the title is %q", title)
	}
	good.JudgedAt = until
	if err := record(good, title).Validate(nil); err != nil {
		t.Fatalf("parley's own report: %v", err)
	}
	bad := func(what string, mod func(*Report), title, field, want string) {
		t.Helper()
		r := good
		r.Regions, r.Parties, r.Lines = slices.Clone(good.Regions), slices.Clone(good.Parties), slices.Clone(good.Lines)
		mod(&r)
		err := record(r, title).Validate(nil)
		var fe *parley.FieldError
		if !errors.As(err, &fe) || fe.Field != field || !strings.Contains(fe.Message, want) {
			t.Errorf("%s: %v, want %s saying %q", what, err, field, want)
		}
	}
	bad("a title of its own", func(*Report) {}, "Daily report, as we saw it", "title", "is titled")
	bad("more violations than regions hold", func(r *Report) { r.Violations = 412 }, title, "figures", "by region")
	bad("a line off the globe", func(r *Report) { big := 1e308; r.Lines[0].Lat = &big }, title, "figures", "off the globe")
	bad("a line outside the period", func(r *Report) { r.Lines[0].At = at(3) }, title, "figures", "outside the report's period")
	bad("lines not the violations", func(r *Report) { r.Lines = nil }, title, "figures", "list 0 violations")
	bad("a negative count", func(r *Report) { r.Regions[0].Killed = -1 }, title, "figures", "negative")
	bad("a weapon counted below one", func(r *Report) { r.Regions[0].Weapons = []Count{{"missile", -3}} }, title, "figures", "a region's weapons counts -3")
	bad("judged before the period", func(r *Report) { r.JudgedAt = at(-1) }, title, "figures", "before the period began")
	bad("an obligation due no day", func(r *Report) { r.Obligations = []ObligationDue{{Phase: -4, Obligation: Obligation{Due: "notadate"}}} }, title, "figures", "no phase or no day")
	cf := parley.Resolved{parley.Key(KindCeasefire, "c"): &Ceasefire{Parties: []string{"a", "b"}}}
	nato := good
	nato.Parties = []Party{{Party: "nato", Violations: 1}}
	if err := record(nato, title).Validate(cf); err == nil || !strings.Contains(err.Error(), "does not bind") {
		t.Errorf("violations of a party not bound: %v", err)
	}
}

// TestIncidentOf: an incident whose time is a day alone is read, at the
// day's start.
func TestIncidentOf(t *testing.T) {
	in, ok := IncidentOf(Record{ID: "i", Body: json.RawMessage(`{"occurred_at":"2026-12-04","weapon_class":"missile","target_class":"energy"}`)})
	if !ok || !in.At.Equal(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)) || in.Where != nil {
		t.Errorf("read %+v (%v)", in, ok)
	}
}
