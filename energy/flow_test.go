package energy_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/store"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// plant is the demo with its plant, and helpers to write as its logins.
type plant struct {
	t  *testing.T
	d  *testkit.Demo
	id string
}

func newPlant(t *testing.T) *plant {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	p := &plant{t: t, d: d}
	p.id = p.find(energy.KindPlant, "name", "Zaporizhzhia Nuclear Power Plant").ID
	return p
}

func (p *plant) find(kind, field, value string) store.Entity {
	p.t.Helper()
	for _, e := range testkit.Entities(p.t, p.d.Service.Store()) {
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		if e.Kind == kind && m[field] == value {
			return e
		}
	}
	p.t.Fatalf("no %s with %s %q", kind, field, value)
	return store.Entity{}
}

// statement returns the standing statement of the month starting from.
func (p *plant) statement(from string) (string, energy.Settlement) {
	p.t.Helper()
	var id string
	var st energy.Settlement
	replaced := map[string]bool{}
	es := testkit.Entities(p.t, p.d.Service.Store())
	for _, e := range es {
		var s energy.Statement
		if e.Kind == energy.KindStatement && json.Unmarshal(e.Body, &s) == nil && s.Replaces != "" {
			replaced[s.Replaces] = true
		}
	}
	for _, e := range es {
		var s energy.Statement
		if e.Kind == energy.KindStatement && json.Unmarshal(e.Body, &s) == nil && s.From == from && !replaced[e.ID] {
			id = e.ID
			json.Unmarshal([]byte(s.Figures), &st)
		}
	}
	if id == "" {
		p.t.Fatalf("no standing statement from %s", from)
	}
	return id, st
}

func (p *plant) issue(from time.Time, replaces string) (app.Written, error) {
	return energyweb.Issue(p.t.Context(), p.d.Service, p.d.Principal(p.t, "us-mediator"), p.id, from, from.AddDate(0, 1, 0), replaces)
}

// refused checks that err refuses field with code, saying want.
func refused(t *testing.T, what string, err error, code app.Code, field, want string) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		t.Errorf("%s: got %v, want %s on %q saying %q", what, err, code, field, want)
	}
}

var march = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// A month from the demo's readings to a co-signed statement, through a
// dispute of the statement, which freezes it, and of readings, which
// holds their intervals open until a correction replaces them.
func TestStatementFlow(t *testing.T) {
	p := newPlant(t)
	// The demo's March: the second half of the deliveries into one grid
	// is in dispute, so it is open, with the energy it leaves unsettled.
	id, st := p.statement("2026-03-01T00:00:00Z")
	if st.Settled != 15*energy.PerDay || len(st.Open) != 1 || st.Open[0].Reasons[0] != energy.FlagDisputed || st.OpenKWh == "0.000" {
		t.Fatalf("March: settled %d, open %+v, %s kWh open", st.Settled, st.Open, st.OpenKWh)
	}
	// A statement whose figures are not the records' is refused.
	var s energy.Statement
	json.Unmarshal(p.find(energy.KindStatement, "from", "2026-03-01T00:00:00Z").Body, &s)
	s.Replaces = id
	s.Figures = strings.Replace(s.Figures, `"balance":"`, `"balance":"1`, 1)
	_, err := p.d.Write(t, "us-mediator", energy.KindStatement, s)
	refused(t, "invented figures", err, app.CodeInvalid, "figures", "are not what the records of the period give")
	// Nor is a second statement of the period that does not replace the
	// first.
	_, err = p.issue(march, "")
	refused(t, "a second statement", err, app.CodeConflict, "replaces", "the period has a statement already")

	// One party disputes the statement: no one co-signs it, and it is
	// not recomputed, until the dispute is decided.
	dispute := p.d.MustWrite(t, "ua-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ua", StatementID: id, Reason: "The losses look high."})
	_, err = p.d.Write(t, "ru-capital", energy.KindApproval, energy.Approval{StatementID: id, PartyID: "ru", Decision: energy.Approve})
	refused(t, "co-signing a statement in dispute", err, app.CodeConflict, "statement_id", "is in dispute")
	_, err = p.issue(march, id)
	refused(t, "recomputing a statement in dispute", err, app.CodeConflict, "replaces", "frozen until the dispute is decided")
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: dispute, PlantID: p.id, Decision: energy.Dismissed, Note: "The losses are within the tolerance."})

	// The readings in dispute: upheld, they stay out until corrected.
	rd := p.find(energy.KindDispute, "party_id", "ru")
	var d energy.Dispute
	json.Unmarshal(rd.Body, &d)
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: rd.ID, PlantID: p.id, Decision: energy.Upheld, Note: "The meter was out of calibration."})
	w, err := p.issue(march, id)
	if err != nil {
		t.Fatal(err)
	}
	_, st2 := p.statement("2026-03-01T00:00:00Z")
	if st2.Settled != st.Settled {
		t.Errorf("upheld but not corrected: settled %d, want %d", st2.Settled, st.Settled)
	}
	// The old statement is replaced: co-signing it is refused.
	_, err = p.d.Write(t, "ru-capital", energy.KindApproval, energy.Approval{StatementID: id, PartyID: "ru", Decision: energy.Approve})
	refused(t, "co-signing a replaced statement", err, app.CodeConflict, "statement_id", "was replaced by")

	// The operator's correction replaces the readings in dispute,
	// interval for interval; recomputed, the month settles whole.
	second := p.find(energy.KindReadings, "start", "2026-03-16T00:00:00Z")
	if second.ID != d.ReadingsID {
		t.Fatal("the demo's dispute is not of the second half of March")
	}
	var old energy.Readings
	json.Unmarshal(second.Body, &old)
	recalibrated := make(energy.Values, len(old.Wh))
	for i, v := range old.Wh {
		recalibrated[i] = v - v/100
	}
	// The same values are no correction.
	_, err = p.d.Write(t, "ua-meters", energy.KindReadings, energy.Readings{MeterID: old.MeterID, PlantID: p.id, PartyID: old.PartyID, Start: old.Start,
		Replaces: d.ReadingsID, Wh: old.Wh})
	refused(t, "a correction that changes nothing", err, app.CodeInvalid, "wh", "a correction changes something")
	fixed := energy.Readings{MeterID: old.MeterID, PlantID: p.id, PartyID: old.PartyID, Start: old.Start, Replaces: d.ReadingsID,
		Wh: recalibrated, Note: "Recalibrated meter; values re-read, 1 % lower."}
	_, err = p.d.Write(t, "ua-meters", energy.KindReadings, energy.Readings{MeterID: old.MeterID, PlantID: p.id, PartyID: old.PartyID,
		Start: "2026-03-17T00:00:00Z", Replaces: d.ReadingsID, Wh: old.Wh[:10]})
	refused(t, "a correction of other intervals", err, app.CodeInvalid, "replaces", "a correction covers the same intervals")
	p.d.MustWrite(t, "ua-meters", energy.KindReadings, fixed)
	w, err = p.issue(march, w.Entity.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, st3 := p.statement("2026-03-01T00:00:00Z")
	if st3.Settled != st3.Intervals || len(st3.Open) != 0 {
		t.Errorf("after the correction: settled %d of %d, open %+v", st3.Settled, st3.Intervals, st3.Open)
	}
	// Both parties co-sign it.
	for _, party := range []string{"ua", "ru"} {
		if _, err := p.d.Write(t, party+"-capital", energy.KindApproval, energy.Approval{StatementID: w.Entity.ID, PartyID: party, Decision: energy.Approve}); err != nil {
			t.Errorf("%s co-signing: %v", party, err)
		}
	}
}

// Bad input is refused with the field that is wrong, and nothing of it
// is committed.
func TestBadInput(t *testing.T) {
	p := newPlant(t)
	meter := p.find(energy.KindMeter, "code", "D-ua").ID
	before, _ := p.d.Service.Store().LastSeq(t.Context())
	r := func(mut func(*energy.Readings)) energy.Readings {
		x := energy.Readings{MeterID: meter, PlantID: p.id, PartyID: "ua", Start: "2026-04-01T00:00:00Z", Wh: energy.Values{1000, 2000}}
		mut(&x)
		return x
	}
	for _, c := range []struct {
		what, login string
		v           any
		code        app.Code
		field, want string
	}{
		{"an unknown meter", "ua-meters", r(func(x *energy.Readings) { x.MeterID = "no-such-meter" }), app.CodeInvalid, "meter_id", "no-such-meter"},
		{"a malformed time", "ua-meters", r(func(x *energy.Readings) { x.Start = "2026-04-01 00:00" }), app.CodeInvalid, "start", "not an RFC 3339 time"},
		{"a time off the quarter hour", "ua-meters", r(func(x *energy.Readings) { x.Start = "2026-04-01T00:07:00Z" }), app.CodeInvalid, "start", "does not start a 15-minute interval"},
		{"another party's meter", "ru-meters", r(func(x *energy.Readings) { x.PartyID = "ru" }), app.CodeInvalid, "party_id", "operated by \"ua\""},
		{"no values", "ua-meters", r(func(x *energy.Readings) { x.Wh = energy.Values{} }), app.CodeInvalid, "wh", "holds 0 values"},
		{"too many values", "ua-meters", r(func(x *energy.Readings) { x.Wh = make(energy.Values, energy.MaxIntervals+1) }), app.CodeInvalid, "wh", "holds 2977 values"},
		{"shares that do not add up", "us-mediator", energy.SharingTerms{PlantID: p.id, From: "2027-01-01", Losses: energy.LossesByShare, Tolerance: "0.03", Price: "40", Currency: "USD",
			Shares: []energy.ShareEntry{{PartyID: "ua", Share: "0.5"}, {PartyID: "ru", Share: "0.4"}}}, app.CodeInvalid, "shares", "add up to 0.900000, not 1"},
		{"a share that is not a decimal", "us-mediator", energy.SharingTerms{PlantID: p.id, From: "2027-01-01", Losses: energy.LossesByShare, Tolerance: "0.03", Price: "40", Currency: "USD",
			Shares: []energy.ShareEntry{{PartyID: "ua", Share: "1/2"}, {PartyID: "ru", Share: "0.5"}}}, app.CodeInvalid, "shares[0].share", "is not a decimal number"},
		{"a price in another form", "us-mediator", energy.SharingTerms{PlantID: p.id, From: "2027-01-01", Losses: energy.LossesByShare, Tolerance: "0.03", Price: "4e1", Currency: "USD",
			Shares: []energy.ShareEntry{{PartyID: "ua", Share: "0.5"}, {PartyID: "ru", Share: "0.5"}}}, app.CodeInvalid, "price", "is not a decimal number"},
		{"a co-signature by a party not party to the terms", "us-capital", energy.Approval{StatementID: p.find(energy.KindStatement, "from", "2026-02-01T00:00:00Z").ID,
			PartyID: "us", Decision: energy.Approve}, app.CodeInvalid, "party_id", "is not a party to the terms"},
		{"a generation meter of no unit", "us-mediator", energy.Meter{PlantID: p.id, Code: "G7", Role: energy.Generation, UnitID: "7", OperatorID: "us", From: "2027-01-01"}, app.CodeInvalid, "unit_id", "is not a unit of plant"},
	} {
		t.Run(c.what, func(t *testing.T) {
			kind := map[string]string{"energy.Readings": energy.KindReadings, "energy.SharingTerms": energy.KindTerms, "energy.Approval": energy.KindApproval, "energy.Meter": energy.KindMeter}[typeName(c.v)]
			_, err := p.d.Write(t, c.login, kind, c.v)
			refused(t, c.what, err, c.code, c.field, c.want)
		})
	}
	// A value that is not whole watt-hours, named by its index.
	body := []byte(`{"meter_id":"` + meter + `","plant_id":"` + p.id + `","party_id":"ua","start":"2026-04-01T00:00:00Z","wh":[1000,2.5]}`)
	_, err := p.d.Service.Statement(t.Context(), p.d.Principal(t, "ua-meters"), energy.KindReadings, body)
	refused(t, "a fraction of a watt-hour", err, app.CodeInvalid, "wh", "[1]: 2.5 is not a whole number")
	// Signed with a key that is not the meter operator's.
	good, _ := json.Marshal(r(func(*energy.Readings) {}))
	forged := testkit.Signed(t, p.d.Service, p.d.Principal(t, "ua-meters"), p.d.Login(t, "ru-meters").SigningKey, energy.KindReadings, good)
	_, err = p.d.Service.Create(t.Context(), p.d.Principal(t, "ua-meters"), energy.KindReadings, forged)
	refused(t, "another operator's key", err, app.CodeInvalid, "signature", "")
	if after, _ := p.d.Service.Store().LastSeq(t.Context()); after != before {
		t.Errorf("%d records committed by refused writes", after-before)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case energy.Readings:
		return "energy.Readings"
	case energy.SharingTerms:
		return "energy.SharingTerms"
	case energy.Approval:
		return "energy.Approval"
	case energy.Meter:
		return "energy.Meter"
	}
	return ""
}
