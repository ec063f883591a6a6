package reconstruction_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
)

func refused(t *testing.T, what string, err error, code app.Code, field, want string) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		t.Errorf("%s: got %v, want %s on %q saying %q", what, err, code, field, want)
	}
}

// Amounts in a currency's own decimals, rates to ten, the reporting
// currency at 1; totals rounded once, half to even, to the cent.
func TestMoney(t *testing.T) {
	for _, c := range []struct{ currency, amount, wantErr string }{
		{"USD", "1250000.50", ""},
		{"USD", "0.001", "has 3 decimals; USD has 2 decimals"},
		{"JPY", "1000", ""},
		{"JPY", "1000.5", "has 1 decimal; JPY has 0 decimals"},
		{"KWD", "1.125", ""},
		{"XYZ", "1", "not a currency parley knows"},
		{"USD", "0", "must be more than 0"},
		{"USD", "-5", "is not a decimal number"},
		{"USD", "1e6", "is not a decimal number"},
		{"USD", "1,000", "is not a decimal number"},
	} {
		_, err := reconstruction.Amount("amount", c.currency, c.amount)
		if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s %s: %v, want %q", c.amount, c.currency, err, c.wantErr)
		}
	}
	if _, err := reconstruction.Rate("rate", "USD", "1.1"); err == nil || !strings.Contains(err.Error(), "converts at 1") {
		t.Errorf("a dollar at 1.1: %v", err)
	}
	if _, err := reconstruction.Rate("rate", "EUR", "1.12345678901"); err == nil || !strings.Contains(err.Error(), "11 decimals") {
		t.Errorf("a rate of 11 decimals: %v", err)
	}
	for in, want := range map[string]string{"0.005": "0.00", "0.015": "0.02", "0.025": "0.02", "2.675": "2.68", "1234.5": "1234.50", "0.0049": "0.00"} {
		r, _ := new(big.Rat).SetString(in)
		if got := reconstruction.Cents(r); got != want {
			t.Errorf("Cents(%s) = %s, want %s", in, got, want)
		}
	}
	// 1,836,250,000.00 AED at 0.2723 is exactly USD 500,010,875.
	a, _ := reconstruction.Amount("amount", "AED", "1836250000.00")
	r, _ := reconstruction.Rate("rate", "AED", "0.2723")
	if got := reconstruction.Cents(reconstruction.Reported(a, r)); got != "500010875.00" {
		t.Errorf("AED 1,836,250,000 at 0.2723 = USD %s", got)
	}
}

// flow is a valid commitment of the demo's donor "us" to "ua" against need.
func flow(need string) reconstruction.Flow {
	return reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua", NeedID: need, Instrument: "grant",
		Currency: "EUR", Amount: "1000000.00", Rate: "1.0842", Date: "2026-04-01", Announced: true}
}

// Every refusal the issue names, by field, with nothing written; and the
// money that fits goes in to the cent.
func TestRefusals(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	need := d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Zaporizhzhia oblast")
	before, _ := d.Service.All(t.Context(), nil, reconstruction.KindFlow, "")
	c := d.MustWrite(t, "us-mediator", reconstruction.KindFlow, flow(need))
	pay := func(amount, date string) reconstruction.Flow {
		f := flow(need)
		f.Stage, f.Follows, f.Amount, f.Date = reconstruction.Disbursement, c, amount, date
		return f
	}
	d.MustWrite(t, "us-mediator", reconstruction.KindFlow, pay("600000.00", "2026-04-10"))
	_, err := d.Write(t, "us-mediator", reconstruction.KindFlow, pay("400000.01", "2026-04-11"))
	refused(t, "a disbursement above its commitment", err, app.CodeConflict, "amount", "above the 1000000.00 EUR committed (600000.00 disbursed before)")
	d.MustWrite(t, "us-mediator", reconstruction.KindFlow, pay("400000.00", "2026-04-11"))
	_, err = d.Write(t, "us-mediator", reconstruction.KindFlow, pay("0.01", "2026-04-12"))
	refused(t, "a cent past a commitment paid in full", err, app.CodeConflict, "amount", "above the 1000000.00 EUR committed")

	cases := []struct {
		what   string
		change func(f *reconstruction.Flow)
		code   app.Code
		field  string
		want   string
	}{
		{"cents of a yen", func(f *reconstruction.Flow) { f.Currency, f.Amount, f.Rate = "JPY", "1000.50", "0.0067" }, app.CodeInvalid, "amount", "JPY has 0 decimals"},
		{"an unknown currency", func(f *reconstruction.Flow) { f.Currency = "EUX" }, app.CodeInvalid, "currency", "not a currency parley knows"},
		{"leading zeros", func(f *reconstruction.Flow) { f.Amount = "0001000000.00" }, app.CodeInvalid, "amount", "not a decimal number"},
		{"a commitment not announced", func(f *reconstruction.Flow) { f.Announced = false }, app.CodeInvalid, "announced", "only a pledge may wait"},
		{"a pledge not announced without a donor", func(f *reconstruction.Flow) { f.Stage, f.Announced, f.DonorID = reconstruction.Pledge, false, "" },
			app.CodeInvalid, "donor_id", "required"},
		{"a disbursement against another need", func(f *reconstruction.Flow) {
			f.Stage, f.Follows, f.NeedID = reconstruction.Disbursement, c, d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Kharkiv oblast")
		}, app.CodeInvalid, "need_id", "is not the need of the commitment it pays"},
		{"a disbursement by another instrument", func(f *reconstruction.Flow) {
			f.Stage, f.Follows, f.Instrument = reconstruction.Disbursement, c, "equity"
		},
			app.CodeInvalid, "instrument", "the commitment it pays is a grant"},
		{"a dollar not at 1", func(f *reconstruction.Flow) { f.Currency, f.Rate = "USD", "0.98" }, app.CodeInvalid, "rate", "converts at 1"},
		{"an unknown donor", func(f *reconstruction.Flow) { f.DonorID = "xx" }, app.CodeInvalid, "donor_id", ""},
		{"an unknown need", func(f *reconstruction.Flow) { f.NeedID = "no-such-need" }, app.CodeInvalid, "need_id", ""},
		{"a disbursement of nothing committed", func(f *reconstruction.Flow) { f.Stage = reconstruction.Disbursement }, app.CodeInvalid, "follows", "is required"},
		{"a disbursement dated before its commitment", func(f *reconstruction.Flow) {
			f.Stage, f.Follows, f.Date = reconstruction.Disbursement, c, "2026-03-31"
		},
			app.CodeInvalid, "date", "before the commitment it follows"},
		{"a disbursement in another currency", func(f *reconstruction.Flow) {
			f.Stage, f.Follows, f.Currency, f.Rate = reconstruction.Disbursement, c, "USD", "1"
		}, app.CodeInvalid, "currency", "the commitment it pays is in EUR"},
		{"a disbursement of another donor", func(f *reconstruction.Flow) { f.Stage, f.Follows, f.DonorID = reconstruction.Disbursement, c, "ae" },
			app.CodeInvalid, "follows", "is from us to ua"},
		{"a pledge that follows", func(f *reconstruction.Flow) { f.Stage, f.Follows = reconstruction.Pledge, c }, app.CodeInvalid, "follows", "a pledge follows nothing"},
		{"a commitment following a commitment", func(f *reconstruction.Flow) { f.Follows = c }, app.CodeInvalid, "follows", "a commitment follows a pledge"},
		{"a donor giving to itself", func(f *reconstruction.Flow) { f.RecipientID = "us" }, app.CodeInvalid, "recipient_id", "is the donor"},
		{"a day that is no day", func(f *reconstruction.Flow) { f.Date = "2026-02-30" }, app.CodeInvalid, "date", "not a date"},
	}
	for _, tc := range cases {
		f := flow(need)
		tc.change(&f)
		_, err := d.Write(t, "us-mediator", reconstruction.KindFlow, f)
		refused(t, tc.what, err, tc.code, tc.field, tc.want)
	}
	_, err = d.Write(t, "us-mediator", reconstruction.KindNeed, reconstruction.Need{AssessmentID: d.Find(t, "us-mediator", reconstruction.KindAssessment, "title", "Prosperity plan"),
		Sector: "energy", Region: "Kyiv oblast", Amount: "1.005"})
	refused(t, "a need in fractions of a cent", err, app.CodeInvalid, "amount", "USD has 2 decimals")
	_, err = d.Write(t, "ua-negotiator", reconstruction.KindFlow, flow(need))
	if err == nil {
		t.Error("a party's negotiator recorded a commitment")
	}
	after, _ := d.Service.All(t.Context(), nil, reconstruction.KindFlow, "")
	if len(after) != len(before)+3 {
		t.Errorf("%d flows after, %d before: want the three accepted only", len(after), len(before))
	}
}

// A pledge not announced is read by its donor, its recipient and the
// mediator, and by nobody else; an announced one by everyone.
func TestUnannouncedPledge(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	id := d.Find(t, "us-mediator", reconstruction.KindFlow, "currency", "AED")
	for login, sees := range map[string]bool{"us-mediator": true, "ae-observer": true, "ua-negotiator": true, "ru-negotiator": false, "nato-reviewer": false} {
		p := d.Principal(t, login)
		_, err := d.Service.Get(t.Context(), &p, reconstruction.KindFlow, id)
		if (err == nil) != sees {
			t.Errorf("%s reading the unannounced pledge: %v, want seen %v", login, err, sees)
		}
	}
	if _, err := d.Service.Get(t.Context(), nil, reconstruction.KindFlow, id); err == nil {
		t.Error("an anonymous reader read the unannounced pledge")
	}
	announced := d.Find(t, "us-mediator", reconstruction.KindFlow, "stage", "disbursement")
	if _, err := d.Service.Get(t.Context(), nil, reconstruction.KindFlow, announced); err != nil {
		t.Errorf("an anonymous reader could not read an announced disbursement: %v", err)
	}
}

// A pledge is announced by the one change a flow takes, and is public from
// then on; nothing else of a flow changes, nor does an announcement go
// back. A commitment can make good a pledge once it is announced.
func TestAnnouncement(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	id := d.Find(t, "us-mediator", reconstruction.KindFlow, "currency", "AED")
	med := d.Principal(t, "us-mediator")
	e, err := d.Service.Get(t.Context(), &med, reconstruction.KindFlow, id)
	if err != nil {
		t.Fatal(err)
	}
	var f reconstruction.Flow
	json.Unmarshal(e.Body, &f)
	commit := reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "ae", RecipientID: "ua", NeedID: f.NeedID, Follows: id, Instrument: "loan",
		Currency: "AED", Amount: "1000000.00", Rate: "0.2723", Date: "2026-03-01", Announced: true}
	_, err = d.Write(t, "us-mediator", reconstruction.KindFlow, commit)
	if err == nil || !strings.Contains(err.Error(), "visible to") {
		t.Errorf("a public commitment of a pledge not announced: %v", err)
	}
	change := func(edit func(g *reconstruction.Flow)) error {
		g := f
		edit(&g)
		body, _ := json.Marshal(g)
		_, err := d.Service.Update(t.Context(), med, reconstruction.KindFlow, id, body)
		return err
	}
	err = change(func(g *reconstruction.Flow) { g.Amount = "1836250001.00" })
	refused(t, "a pledge's amount changed", err, app.CodeConflict, "", "a flow's figures (all but a pledge's announcement and the note) do not change")
	if err := change(func(g *reconstruction.Flow) { g.Announced = true }); err != nil {
		t.Fatalf("announcing the pledge: %v", err)
	}
	if _, err := d.Service.Get(t.Context(), nil, reconstruction.KindFlow, id); err != nil {
		t.Errorf("an anonymous reader could not read the pledge once announced: %v", err)
	}
	err = change(func(g *reconstruction.Flow) { g.Announced = false })
	refused(t, "an announcement taken back", err, app.CodeConflict, "announced", "stays public")
	d.MustWrite(t, "us-mediator", reconstruction.KindFlow, commit)
}
