package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
)

// MeterOperator is the party that operates the demo plant's meter of
// that code (energy.Generate's codes): each party reads the delivery
// point into its own grid, the mediator the units and the station use.
func MeterOperator(code string) string {
	if party, ok := strings.CutPrefix(code, "D-"); ok {
		return party
	}
	return "us"
}

// plantParties are the parties the plant's electricity is shared between,
// each with a delivery point into its grid.
var plantParties = []string{"ua", "ru"}

// energyStart is the first day of the demo's quarter of readings.
var energyStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// energy commits the plant of the agenda's clause 3.2 with six units of
// about 950 MW, its meters, illustrative 50/50 terms, a generated quarter
// of readings, the statements of its three months (January co-signed by
// both parties; February by one so far; March with readings in dispute,
// which it leaves open).
func (l *loader) energy() {
	const note = "Illustrative: the reports say only that the plant's electricity would be shared on an equitable basis. Its readings here are generated (parley gen readings)."
	plant := energy.Plant{Name: "Zaporizhzhia Nuclear Power Plant", Note: note}
	for i := 1; i <= 6; i++ {
		plant.Units = append(plant.Units, energy.Unit{ID: strconv.Itoa(i), Name: "Unit " + strconv.Itoa(i), CapacityKW: 950_000})
	}
	pid := l.create("us-mediator", "plant", energy.KindPlant, plant, nil)
	// The mediator's meter operators read the units and the station use;
	// each party reads the delivery point into its own grid.
	meters := map[string]string{} // code -> id
	for i := 1; i <= 6; i++ {
		code := "G" + strconv.Itoa(i)
		meters[code] = l.create("us-mediator", "meter-"+code, energy.KindMeter, energy.Meter{PlantID: pid, Code: code, Role: energy.Generation,
			UnitID: strconv.Itoa(i), OperatorID: MeterOperator(code), From: energyStart.Format(time.DateOnly)}, nil)
	}
	meters["S"] = l.create("us-mediator", "meter-S", energy.KindMeter, energy.Meter{PlantID: pid, Code: "S", Role: energy.StationUse, OperatorID: MeterOperator("S"), From: energyStart.Format(time.DateOnly)}, nil)
	for _, p := range plantParties {
		code := "D-" + p
		meters[code] = l.create("us-mediator", "meter-"+code, energy.KindMeter, energy.Meter{PlantID: pid, Code: code, Role: energy.Delivery,
			PartyID: p, OperatorID: MeterOperator(code), CapacityKW: 4_000_000, From: energyStart.Format(time.DateOnly)}, nil)
	}
	l.create("us-mediator", "terms", energy.KindTerms, energy.SharingTerms{PlantID: pid, From: energyStart.Format(time.DateOnly),
		Shares: []energy.ShareEntry{{PartyID: "ua", Share: "0.5"}, {PartyID: "ru", Share: "0.5"}}, Losses: energy.LossesByShare,
		Tolerance: "0.03", Price: "40.00", Currency: "USD", ClauseID: l.id("c-electricity"), Note: note}, nil)
	if l.errs != nil {
		return
	}

	g := GenerateReadings(energyStart, 90, 2026)
	var disputed string
	for _, code := range g.Codes {
		vs := g.Values[code]
		month := energyStart
		for k := 0; k < 3; k++ {
			next := month.AddDate(0, 1, 0)
			a, b := int(month.Sub(energyStart)/energy.Interval), int(next.Sub(energyStart)/energy.Interval)
			parts := [][2]int{{a, b}}
			if code == "D-ua" && k == 2 {
				// March's deliveries into one grid come in two halves; the
				// other party disputes the second.
				mid := a + 15*energy.PerDay
				parts = [][2]int{{a, mid}, {mid, b}}
			}
			for i, p := range parts {
				r := energy.Readings{MeterID: meters[code], PlantID: pid, PartyID: MeterOperator(code),
					Start: energyStart.Add(time.Duration(p[0]) * energy.Interval).Format(time.RFC3339)}
				r.Wh = vs[p[0]:p[1]]
				id := l.signed(MeterOperator(code)+"-meters", "", energy.KindReadings, r)
				if len(parts) == 2 && i == 1 {
					disputed = id
				}
			}
			month = next
		}
	}
	if l.errs != nil {
		return
	}
	l.create("ru-capital", "energy-dispute", energy.KindDispute, energy.Dispute{PlantID: pid, PartyID: "ru", ReadingsID: disputed,
		Reason: "Deliveries into the other grid in the second half of March read above what the plant's net output allows for; the calibration record of the meter is requested. " + note}, nil)
	for k, signers := range [][]string{{"ua", "ru"}, {"ua"}, nil} {
		from := energyStart.AddDate(0, k, 0)
		w, err := energyweb.Issue(l.ctx, l.svc, l.as["us-mediator"], pid, from, from.AddDate(0, 1, 0), "")
		if err != nil {
			l.errs = fmt.Errorf("scenario: couldn't settle %s: %w", from.Format("January 2006"), err)
			return
		}
		for _, p := range signers {
			l.signed(p+"-capital", "", energy.KindApproval, energy.Approval{StatementID: w.Entity.ID, PartyID: p, Decision: energy.Approve, Note: note})
		}
	}
}

// GenerateReadings makes days of readings of the demo plant's meters from
// start: what the demo holds for its first quarter, and what parley gen
// readings writes.
func GenerateReadings(start time.Time, days int, seed uint64) energy.Generated {
	return energy.Generate(energy.GenConfig{Units: []int64{950_000, 950_000, 950_000, 950_000, 950_000, 950_000}, Start: start, Days: days,
		Parties: plantParties, Shares: []float64{1, 1}, Seed: seed})
}
