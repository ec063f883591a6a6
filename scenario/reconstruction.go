package scenario

import (
	"github.com/parley-project/parley"
	"github.com/parley-project/parley/reconstruction"
)

// reconstruction commits the need the demo's brief gives (the prosperity
// plan's USD 800 billion) and, marked illustrative, a second assessment
// (the figure the reconstruction issue cites for the RDNA3), a split of
// needs by sector and region, and a few pledges, a commitment and a
// disbursement: the brief gives none of them. One pledge is not
// announced, so that only its donor, the recipient and the mediator read
// it.
func (l *loader) reconstruction() {
	const illustrative = "Illustrative: no source in the demo's brief gives this figure."
	plan := l.create("us-mediator", "assessment-plan", reconstruction.KindAssessment, reconstruction.Assessment{
		Title: "Prosperity plan", Source: "Ukraine's Ministry of Economy", Published: "2026-01-03", Currency: "USD", Total: "800000000000",
		Note: "Published on 3 January 2026 to attract public and private investment from the United States, the European Union and the G7 to cover an estimated USD 800 billion of post-war reconstruction and economic recovery."}, nil)
	rdna := l.create("us-mediator", "assessment-rdna3", reconstruction.KindAssessment, reconstruction.Assessment{
		Title: "Third Rapid Damage and Needs Assessment (RDNA3)", Source: "World Bank, Government of Ukraine, European Union, United Nations",
		Published: "2024-02-15", Currency: "USD", Total: "486000000000", Illustrative: true,
		Note: "Illustrative: the figure is the one parley's reconstruction issue cites (needs of about USD 486 billion); the demo's brief gives no second assessment, and its date and split here are not from a source."}, nil)
	l.create("us-mediator", "need-plan", reconstruction.KindNeed, reconstruction.Need{AssessmentID: plan, Sector: "other", Region: "nationwide",
		Amount: "800000000000", Note: "The plan's total; the brief gives no split by sector or region."}, nil)
	energyNeed := l.create("us-mediator", "need-energy", reconstruction.KindNeed, reconstruction.Need{AssessmentID: rdna, Sector: "energy",
		Region: "Zaporizhzhia oblast", Amount: "12000000000", Illustrative: true, Note: illustrative}, nil)
	l.create("us-mediator", "need-housing", reconstruction.KindNeed, reconstruction.Need{AssessmentID: rdna, Sector: "housing",
		Region: "Kharkiv oblast", Amount: "9500000000", Illustrative: true, Note: illustrative}, nil)
	pledge := l.create("us-mediator", "pledge-us", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Pledge, DonorID: "us",
		RecipientID: "ua", NeedID: energyNeed, Instrument: "grant", Currency: "USD", Amount: "2000000000", Rate: "1", Date: "2026-01-20",
		Announced: true, Illustrative: true, Note: illustrative}, nil)
	commitment := l.create("us-mediator", "commitment-us", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Commitment,
		DonorID: "us", RecipientID: "ua", NeedID: energyNeed, Follows: pledge, Instrument: "grant", Currency: "USD", Amount: "750000000",
		Rate: "1", Date: "2026-02-10", Announced: true, Illustrative: true, Note: illustrative}, nil)
	l.create("us-mediator", "disbursement-us", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Disbursement,
		DonorID: "us", RecipientID: "ua", NeedID: energyNeed, Follows: commitment, Instrument: "grant", Currency: "USD", Amount: "120000000",
		Rate: "1", Date: "2026-03-02", Announced: true, Illustrative: true, Note: illustrative}, nil)
	l.create("us-mediator", "pledge-ae", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Pledge, DonorID: "ae",
		RecipientID: "ua", NeedID: energyNeed, Instrument: "loan", Currency: "AED", Amount: "1836250000.00", Rate: "0.2723", Date: "2026-02-01",
		Illustrative: true, Note: illustrative + " Not announced: read by its donor, the recipient and the mediator only."}, nil)
	l.create("us-mediator", "pledge-us-conditional", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Pledge, DonorID: "us",
		RecipientID: "ua", NeedID: l.id("need-housing"), ConditionPhase: l.id("phase-general"), Instrument: "guarantee", Currency: "USD",
		Amount: "500000000", Rate: "1", Date: "2026-01-25", Announced: true, Illustrative: true,
		Note: illustrative + " Conditional: it holds once the general ceasefire (phase 2) is in force."}, nil)
	l.project(energyNeed, commitment, illustrative)
}

// project commits an illustrative project from the energy need to its
// first payment: a tender, the contract awarded on it, two milestones (one
// met), the commitment's second tranche named as funding it, and a payment
// backed by an invoice uploaded as a file.
func (l *loader) project(need, commitment, illustrative string) {
	p := l.create("us-mediator", "project-grid", reconstruction.KindProject, reconstruction.Project{
		Title: "Restoring high-voltage transmission in Zaporizhzhia oblast", NeedID: need, OwnerID: "ua", Status: "implementation",
		Start: "2026-02-15", End: "2027-06-30", Published: true, Illustrative: true, Note: illustrative}, nil)
	tender := l.create("us-mediator", "tender-grid", reconstruction.KindTender, reconstruction.Tender{ProjectID: p,
		Title: "Substation transformers and switchgear", Method: "open", Status: "complete", Currency: "USD", Value: "90000000",
		Date: "2026-02-20", Closes: "2026-03-20", Note: illustrative}, nil)
	contract := l.create("us-mediator", "contract-grid", reconstruction.KindContract, reconstruction.Contract{ProjectID: p, TenderID: tender,
		Title: "Supply and installation of two 330 kV autotransformers", Supplier: "Illustrative Grid Equipment Ltd", Status: "active",
		Currency: "USD", Value: "84500000", Signed: "2026-04-02", Note: illustrative}, nil)
	l.create("us-mediator", "milestone-delivery", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p,
		Title: "First autotransformer delivered", Due: "2026-06-30", Status: "met", Met: "2026-06-24", Note: illustrative}, nil)
	l.create("us-mediator", "milestone-energised", reconstruction.KindMilestone, reconstruction.Milestone{ProjectID: p,
		Title: "Substation energised", Due: "2026-12-15", Status: "scheduled", Note: illustrative}, nil)
	tranche := l.create("us-mediator", "disbursement-us-project", reconstruction.KindFlow, reconstruction.Flow{Stage: reconstruction.Disbursement,
		DonorID: "us", RecipientID: "ua", NeedID: need, Follows: commitment, ProjectID: p, Instrument: "grant", Currency: "USD",
		Amount: "40000000", Rate: "1", Date: "2026-04-10", Announced: true, Illustrative: true, Note: illustrative}, nil)
	if l.errs != nil {
		return
	}
	invoice := []byte("Illustrative invoice (parley demo)\nSupplier: Illustrative Grid Equipment Ltd\nContract: supply and installation of two 330 kV autotransformers\n" +
		"Advance payment, 30% of the contract value: USD 25,350,000.00\nDate: 2026-04-15\n")
	b, err := l.svc.PutFile(l.ctx, l.as["us-mediator"], "text/plain", invoice)
	if err != nil {
		l.errs = err
		return
	}
	l.create("us-mediator", "payment-grid", reconstruction.KindPayment, reconstruction.Payment{ProjectID: p, ContractID: contract, FundedBy: tranche,
		Amount: "25350000", Currency: "USD", Rate: "1", Date: "2026-04-15",
		Evidence: []parley.Evidence{{SHA256: b.SHA256, Name: "invoice-advance.txt", MediaType: "text/plain"}}, Note: illustrative}, nil)
}
