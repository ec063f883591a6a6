package reconstruction_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/reconstruction"
)

// demoProject is the demo's project, its tender and its contract (signed
// 2026-04-02, USD 84,500,000, of which 25,350,000 paid).
type demoProject struct {
	need, project, tender, contract, disbursement, commitment string
}

func findProject(t *testing.T, d *testkit.Demo) demoProject {
	t.Helper()
	return demoProject{
		need:         d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Zaporizhzhia oblast"),
		project:      d.Find(t, "us-mediator", reconstruction.KindProject, "title", "Restoring high-voltage transmission in Zaporizhzhia oblast"),
		tender:       d.Find(t, "us-mediator", reconstruction.KindTender, "title", "Substation transformers and switchgear"),
		contract:     d.Find(t, "us-mediator", reconstruction.KindContract, "supplier", "Illustrative Grid Equipment Ltd"),
		disbursement: d.Find(t, "us-mediator", reconstruction.KindFlow, "amount", "40000000"),
		commitment:   d.Find(t, "us-mediator", reconstruction.KindFlow, "stage", "commitment"),
	}
}

// Every rule of projects and their transactions, each refused by field
// with nothing written: nothing dated before its project, payments in
// their contract's currency and within its value, references within the
// project, a condition on pledges only; and what a record commits to does
// not change.
func TestProjectRefusals(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	p := findProject(t, d)
	other := d.MustWrite(t, "us-mediator", reconstruction.KindProject, reconstruction.Project{Title: "Another project", NeedID: p.need, OwnerID: "ua",
		Status: "planning", Start: "2026-05-01"})
	otherTender := d.MustWrite(t, "us-mediator", reconstruction.KindTender, reconstruction.Tender{ProjectID: other, Title: "Cables", Method: "open",
		Status: "active", Currency: "USD", Value: "100", Date: "2026-05-02"})
	phase := d.Find(t, "us-mediator", "ceasefire.phase", "number", float64(2))
	otherCommitment := d.MustWrite(t, "us-mediator", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua",
		NeedID: p.need, ProjectID: other, Instrument: "grant", Currency: "USD", Amount: "100", Rate: "1", Date: "2026-05-02", Announced: true})
	otherTranche := d.MustWrite(t, "us-mediator", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Disbursement, DonorID: "us", RecipientID: "ua",
		NeedID: p.need, ProjectID: other, Follows: otherCommitment, Instrument: "grant", Currency: "USD", Amount: "10", Rate: "1", Date: "2026-05-02", Announced: true})

	payment := func(change func(*reconstruction.Payment)) reconstruction.Payment {
		v := reconstruction.Payment{ProjectID: p.project, ContractID: p.contract, FundedBy: p.disbursement, Amount: "1000.00", Currency: "USD", Rate: "1", Date: "2026-05-01"}
		change(&v)
		return v
	}
	before := map[string]int{}
	kinds := []string{reconstruction.KindProject, reconstruction.KindTender, reconstruction.KindContract, reconstruction.KindMilestone, reconstruction.KindPayment, reconstruction.KindFlow}
	for _, k := range kinds {
		es, _ := d.Service.All(t.Context(), nil, k, "")
		before[k] = len(es)
	}
	cases := []struct {
		what        string
		kind        string
		v           any
		code        app.Code
		field, want string
	}{
		{"a tender before its project", reconstruction.KindTender, reconstruction.Tender{ProjectID: p.project, Title: "Early", Method: "open", Status: "planned",
			Currency: "USD", Value: "10", Date: "2026-02-14"}, app.CodeInvalid, "date", "before its project began (2026-02-15)"},
		{"a tender closing before it opens", reconstruction.KindTender, reconstruction.Tender{ProjectID: p.project, Title: "Backwards", Method: "open", Status: "planned",
			Currency: "USD", Value: "10", Date: "2026-03-02", Closes: "2026-03-01"}, app.CodeInvalid, "closes", "before the tender was announced"},
		{"a tender by lottery", reconstruction.KindTender, reconstruction.Tender{ProjectID: p.project, Title: "Lottery", Method: "lottery", Status: "planned",
			Currency: "USD", Value: "10", Date: "2026-03-02"}, app.CodeInvalid, "method", ""},
		{"a contract before its project", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, Title: "Early", Supplier: "S", Status: "active",
			Currency: "USD", Value: "10", Signed: "2026-01-01"}, app.CodeInvalid, "signed", "before its project began"},
		{"a contract before its tender", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, TenderID: p.tender, Title: "Hasty", Supplier: "S",
			Status: "active", Currency: "USD", Value: "10", Signed: "2026-02-16"}, app.CodeInvalid, "signed", "before its tender was announced (2026-02-20)"},
		{"a contract on another project's tender", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, TenderID: otherTender, Title: "Crossed",
			Supplier: "S", Status: "active", Currency: "USD", Value: "10", Signed: "2026-06-01"}, app.CodeInvalid, "tender_id", "not of this one"},
		{"a contract in cents of a yen", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, Title: "Yen", Supplier: "S", Status: "active",
			Currency: "JPY", Value: "10.5", Signed: "2026-06-01"}, app.CodeInvalid, "value", "JPY has 0 decimals"},
		{"a contract completed (no OCDS status)", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, Title: "Done", Supplier: "S", Status: "completed",
			Currency: "USD", Value: "10", Signed: "2026-06-01"}, app.CodeInvalid, "status", ""},
		{"a payment before its project", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Date = "2026-02-01" }), app.CodeInvalid, "date", "before its project began"},
		{"a payment before its contract", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Date = "2026-03-01" }), app.CodeInvalid, "date", "before its contract was signed (2026-04-02)"},
		{"a payment in another currency", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Currency, v.Rate = "EUR", "1.08" }), app.CodeInvalid, "currency", "the contract it pays is in USD"},
		{"a payment under another project's contract", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.ProjectID = other }), app.CodeInvalid, "contract_id", "not of this one"},
		{"a payment funded by a commitment", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.FundedBy = p.commitment }), app.CodeInvalid, "funded_by", "funded by a disbursement"},
		{"a payment of fractions of a cent", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Amount = "1.001" }), app.CodeInvalid, "amount", "USD has 2 decimals"},
		{"a payment of an unknown project", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.ProjectID = "no-such-project" }), app.CodeInvalid, "project_id", "does not exist"},
		{"a payment whose evidence is no file", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Evidence = []parley.Evidence{{SHA256: "abc"}} }),
			app.CodeInvalid, "evidence[0].sha256", "not a file's SHA-256"},
		{"a payment above its contract", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Amount = "59150000.01" }), app.CodeConflict, "amount",
			"above the 84500000 USD contracted (25350000.00 paid before)"},
		{"a milestone met on no day", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p.project, Title: "M", Due: "2026-09-01", Status: "met"},
			app.CodeInvalid, "met", "is required"},
		{"a milestone scheduled but met", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p.project, Title: "M", Due: "2026-09-01", Status: "scheduled", Met: "2026-08-01"},
			app.CodeInvalid, "met", "the milestone is scheduled"},
		{"a milestone met before its project", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p.project, Title: "M", Due: "2026-09-01", Status: "met", Met: "2026-01-01"},
			app.CodeInvalid, "met", "before its project began"},
		{"a project ending before it starts", reconstruction.KindProject, reconstruction.Project{Title: "P", NeedID: p.need, OwnerID: "ua", Status: "planning",
			Start: "2026-05-01", End: "2026-04-01"}, app.CodeInvalid, "end", "before the start"},
		{"a project of an unknown owner", reconstruction.KindProject, reconstruction.Project{Title: "P", NeedID: p.need, OwnerID: "xx", Status: "planning",
			Start: "2026-05-01"}, app.CodeInvalid, "owner_id", "does not exist"},
		{"a flow to a project of another need", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua",
			NeedID: d.Find(t, "us-mediator", reconstruction.KindNeed, "region", "Kharkiv oblast"), ProjectID: p.project, Instrument: "grant", Currency: "USD",
			Amount: "10", Rate: "1", Date: "2026-05-01", Announced: true}, app.CodeInvalid, "project_id", "not this flow's need"},
		{"a flow to a project before it began", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua",
			NeedID: p.need, ProjectID: p.project, Instrument: "grant", Currency: "USD", Amount: "10", Rate: "1", Date: "2026-02-01", Announced: true},
			app.CodeInvalid, "date", "before its project began"},
		{"a conditional commitment", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment, DonorID: "us", RecipientID: "ua",
			NeedID: p.need, ConditionPhase: phase, Instrument: "grant", Currency: "USD", Amount: "10", Rate: "1", Date: "2026-05-01", Announced: true},
			app.CodeInvalid, "condition_phase", "only a pledge may be conditional"},
		{"a milestone due before its project", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p.project, Title: "M", Due: "2026-01-01", Status: "scheduled"},
			app.CodeInvalid, "due", "before its project began"},
		{"a payment funded by another project's disbursement", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.FundedBy = otherTranche }),
			app.CodeInvalid, "funded_by", "not this one"},
		{"a disbursement for another project than its commitment's", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Disbursement, DonorID: "us",
			RecipientID: "ua", NeedID: p.need, Follows: otherCommitment, Instrument: "grant", Currency: "USD", Amount: "1", Rate: "1", Date: "2026-05-03", Announced: true},
			app.CodeInvalid, "project_id", "not the project of the commitment it pays"},
		{"a pledge on a condition that is no phase", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Pledge, DonorID: "us", RecipientID: "ua",
			NeedID: p.need, ConditionPhase: p.project, Instrument: "grant", Currency: "USD", Amount: "10", Rate: "1", Date: "2026-05-01", Announced: true},
			app.CodeInvalid, "condition_phase", "does not exist"},
	}
	for _, tc := range cases {
		_, err := d.Write(t, "us-mediator", tc.kind, tc.v)
		refused(t, tc.what, err, tc.code, tc.field, tc.want)
	}
	// The payment that fills the contract to the cent goes in.
	d.MustWrite(t, "us-mediator", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Amount = "59150000.00" }))
	_, err := d.Write(t, "us-mediator", reconstruction.KindPayment, payment(func(v *reconstruction.Payment) { v.Amount = "0.01" }))
	refused(t, "a cent past a contract paid in full", err, app.CodeConflict, "amount", "above the 84500000 USD contracted")
	for _, k := range kinds {
		es, _ := d.Service.All(t.Context(), nil, k, "")
		want := before[k]
		if k == reconstruction.KindPayment {
			want++
		}
		if len(es) != want {
			t.Errorf("%s: %d after, %d before: something refused was written", k, len(es), before[k])
		}
	}

	// What a record commits to stays; where it stands moves.
	med := d.Principal(t, "us-mediator")
	update := func(kind, id string, edit func(m map[string]any)) error {
		e, err := d.Service.Get(t.Context(), &med, kind, id)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		edit(m)
		body, _ := json.Marshal(m)
		_, err = d.Service.Update(t.Context(), med, kind, id, body)
		return err
	}
	err = update(reconstruction.KindContract, p.contract, func(m map[string]any) { m["value"] = "1" })
	refused(t, "a contract's value lowered below what it paid", err, app.CodeConflict, "", "a contract's terms do not change")
	err = update(reconstruction.KindProject, p.project, func(m map[string]any) { m["start"] = "2026-06-01" })
	refused(t, "a project's start moved after its payments", err, app.CodeConflict, "", "a project's need, owner and start do not change")
	if err := update(reconstruction.KindContract, p.contract, func(m map[string]any) { m["status"] = "terminated" }); err != nil {
		t.Errorf("a contract terminated: %v", err)
	}
	if err := update(reconstruction.KindProject, p.project, func(m map[string]any) { m["status"] = "completed" }); err != nil {
		t.Errorf("a project completed: %v", err)
	}
	_, err = d.Service.Update(t.Context(), med, reconstruction.KindPayment, d.Find(t, "us-mediator", reconstruction.KindPayment, "amount", "25350000"),
		[]byte(`{}`))
	if err == nil {
		t.Error("a payment was changed: payments are immutable")
	}
}

// Needs, assessments, projects and their records are public whoever
// writes them: a payment hidden from some would leave its contract's cap
// unchecked by whoever writes the next one, and a project hidden would
// leave public records naming what the public may not read.
func TestPublicKinds(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	p := findProject(t, d)
	narrow := func(v any) map[string]any {
		body, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(body, &m)
		m["audience"] = map[string]any{"scope": "party+mediator", "party": "ua"}
		return m
	}
	for _, c := range []struct {
		kind string
		v    any
	}{
		{reconstruction.KindPayment, reconstruction.Payment{ProjectID: p.project, ContractID: p.contract, Amount: "1", Currency: "USD", Rate: "1", Date: "2026-05-01"}},
		{reconstruction.KindProject, reconstruction.Project{Title: "Hidden", NeedID: p.need, OwnerID: "ua", Status: "planning", Start: "2026-05-01"}},
		{reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, Title: "Hidden", Supplier: "S", Status: "active", Currency: "USD", Value: "1", Signed: "2026-05-01"}},
		{reconstruction.KindNeed, reconstruction.Need{AssessmentID: d.Find(t, "us-mediator", reconstruction.KindAssessment, "title", "Prosperity plan"),
			Sector: "health", Region: "Kyiv oblast", Amount: "1"}},
	} {
		_, err := d.Write(t, "us-mediator", c.kind, narrow(c.v))
		refused(t, "a "+c.kind+" hidden from the public", err, app.CodeInvalid, "audience", "leave the audience out")
	}
	// Nor is a project narrowed on update.
	med := d.Principal(t, "us-mediator")
	e, err := d.Service.Get(t.Context(), &med, reconstruction.KindProject, p.project)
	if err != nil {
		t.Fatal(err)
	}
	var v reconstruction.Project
	json.Unmarshal(e.Body, &v)
	body, _ := json.Marshal(narrow(v))
	_, err = d.Service.Update(t.Context(), med, reconstruction.KindProject, p.project, body)
	refused(t, "a project narrowed", err, app.CodeInvalid, "audience", "leave the audience out")
	// And nothing is paid under a cancelled contract.
	c := d.MustWrite(t, "us-mediator", reconstruction.KindContract, reconstruction.Contract{ProjectID: p.project, Title: "Cancelled", Supplier: "S",
		Status: "cancelled", Currency: "USD", Value: "100", Signed: "2026-05-01"})
	_, err = d.Write(t, "us-mediator", reconstruction.KindPayment, reconstruction.Payment{ProjectID: p.project, ContractID: c, Amount: "1", Currency: "USD", Rate: "1", Date: "2026-05-02"})
	refused(t, "a payment under a cancelled contract", err, app.CodeInvalid, "contract_id", "is cancelled")
}
