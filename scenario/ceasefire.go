package scenario

import (
	"time"

	"github.com/parley-project/parley/ceasefire"
)

// ceasefire commits the phased ceasefire of the framework's sequencing
// (BRIEF.md: "a ceasefire possibly preceding a comprehensive settlement;
// phased steps"), both phases linked to the draft's clause 1.1: strikes on
// energy infrastructure stop first, then a general ceasefire follows once
// a week passes without a verified violation. The reports announced no
// ceasefire: the phases, their terms and the consents to the first are
// illustrative, to show the procedure.
func (l *loader) ceasefire() {
	// The phases are the demo's, agreed when it is loaded: the withdrawal
	// is due three months after.
	due := time.Now().AddDate(0, 3, 0).Format(time.DateOnly)
	cf := l.create("us-mediator", "ceasefire", ceasefire.KindCeasefire, ceasefire.Ceasefire{Title: "Phased ceasefire (illustrative)",
		Parties: []string{"ua", "ru"}, MediatorID: "us", Note: illustrative}, nil)
	l.create("us-mediator", "phase-energy", ceasefire.KindPhase, ceasefire.Phase{CeasefireID: cf, Number: 1, ClauseID: l.id("c-ceasefire"),
		Title: "No strikes on energy infrastructure",
		Prohibitions: []ceasefire.Prohibition{
			{ID: "energy", Title: "No strikes on energy infrastructure, anywhere", TargetClasses: []string{"energy"}},
			{ID: "plant", Title: "No strikes in the nuclear plant's exclusion zone", Zones: []string{l.id("z-znpp")}},
		},
		Conditions: []ceasefire.Condition{{Kind: ceasefire.QuietDays, Days: 7}},
		Note:       illustrative}, nil)
	l.create("us-mediator", "phase-general", ceasefire.KindPhase, ceasefire.Phase{CeasefireID: cf, Number: 2, ClauseID: l.id("c-ceasefire"),
		Title: "General ceasefire",
		Prohibitions: []ceasefire.Prohibition{
			{ID: "all", Title: "No strikes of any kind"},
			{ID: "heavy", Title: "No heavy weapons within 15 km of the line of contact", WeaponClasses: []string{"artillery", "rocket-artillery", "mortar"},
				Zones: []string{l.id("z-line")}, WithinKm: 15},
		},
		Obligations: []ceasefire.Obligation{
			{ID: "withdraw-ua", Title: "Heavy weapons withdrawn 15 km from the line", PartyID: "ua", Due: due},
			{ID: "withdraw-ru", Title: "Heavy weapons withdrawn 15 km from the line", PartyID: "ru", Due: due},
		},
		Conditions:       []ceasefire.Condition{{Kind: ceasefire.QuietDays, Days: 30}, {Kind: ceasefire.ObligationsDone}},
		EntersAfterHours: 48, Note: illustrative}, nil)
	for _, c := range []struct{ login, party string }{{"ua-capital", "ua"}, {"ru-capital", "ru"}, {"us-capital", "us"}} {
		l.signed(c.login, "", ceasefire.KindConsent, ceasefire.Consent{PhaseID: l.id("phase-energy"), CeasefireID: cf, PartyID: c.party,
			Note: illustrative})
	}
}
