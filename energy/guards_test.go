package energy_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
)

// What a party, a meter operator or the mediator might try against the
// settlement, each refused or held open, found by a review that attacked
// it.

var jan = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Figures that decode to the statement's in Go but say something else
// to another reader (a key in another case, a key twice) are refused:
// the figures are the records' byte for byte.
func TestGuardFiguresByteForByte(t *testing.T) {
	p := newPlant(t)
	feb := jan.AddDate(0, 1, 0)
	id, _ := p.statement("2026-02-01T00:00:00Z")
	med := p.d.Principal(t, "us-mediator")
	pf, err := energyweb.Facts(t.Context(), p.d.Service, &med, p.id, feb, feb.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	real, _ := pf.Figures(feb, feb.AddDate(0, 1, 0))
	fake := `{"payments":[],"parties":[],` + strings.NewReplacer(`"payments":`, `"payment\u017f":`, `"parties":`, `"partie\u017f":`).Replace(real)[1:]
	_, err = p.d.Write(t, "us-mediator", energy.KindStatement, energy.Statement{PlantID: p.id, From: "2026-02-01T00:00:00Z", Until: "2026-03-01T00:00:00Z", Replaces: id, Figures: fake})
	refused(t, "figures in other keys", err, app.CodeInvalid, "figures", "byte for byte")
}

// A period that overlaps a statement's is not settled again.
func TestGuardOverlappingStatements(t *testing.T) {
	p := newPlant(t)
	med := p.d.Principal(t, "us-mediator")
	_, err := energyweb.Issue(t.Context(), p.d.Service, med, p.id, jan.AddDate(0, 0, 10), jan.AddDate(0, 0, 40), "")
	refused(t, "a period overlapping January's", err, app.CodeConflict, "from", "overlaps that of statement")
}

// Readings in a dispute not yet decided stay out of the settlement even
// once corrected: only a decision ends a dispute.
func TestGuardCorrectionDuringDispute(t *testing.T) {
	p := newPlant(t)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	second := p.find(energy.KindReadings, "start", "2026-03-16T00:00:00Z")
	var old energy.Readings
	json.Unmarshal(second.Body, &old)
	wh := make(energy.Values, len(old.Wh))
	for i, v := range old.Wh {
		wh[i] = v - v/100
	}
	p.d.MustWrite(t, "ua-meters", energy.KindReadings, energy.Readings{MeterID: old.MeterID, PlantID: p.id, PartyID: "ua", Start: old.Start, Replaces: second.ID, Wh: wh})
	med := p.d.Principal(t, "us-mediator")
	st, err := energyweb.Settle(t.Context(), p.d.Service, &med, p.id, march, march.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 15*energy.PerDay {
		t.Errorf("corrected while in dispute: settled %d, want %d", st.Settled, 15*energy.PerDay)
	}
	dispute := p.find(energy.KindDispute, "party_id", "ru").ID
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: dispute, PlantID: p.id, Decision: energy.Dismissed, Note: "The meter is within its class."})
	if st, _ = energyweb.Settle(t.Context(), p.d.Service, &med, p.id, march, march.AddDate(0, 1, 0)); st.Settled != st.Intervals {
		t.Errorf("after the decision: settled %d of %d", st.Settled, st.Intervals)
	}
	// What was replaced is not disputed (a new round on old readings);
	// what stands is, once: a dispute decided is not filed again.
	_, err = p.d.Write(t, "ru-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", ReadingsID: second.ID, Reason: "Again."})
	refused(t, "disputing replaced readings", err, app.CodeConflict, "readings_id", "were replaced by")
	correction := p.find(energy.KindReadings, "replaces", second.ID).ID
	d2 := p.d.MustWrite(t, "ru-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", ReadingsID: correction, Reason: "The correction is too low."})
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: d2, PlantID: p.id, Decision: energy.Dismissed, Note: "Recalibration documented."})
	_, err = p.d.Write(t, "ru-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", ReadingsID: correction, Reason: "Again."})
	refused(t, "disputing a dismissed dispute's readings again", err, app.CodeConflict, "readings_id", "the dispute dismissed")
}

// A statement whose dispute was upheld is co-signed by no one: it is to
// be replaced. A thing in dispute is not disputed twice.
func TestGuardDisputesOfStatements(t *testing.T) {
	p := newPlant(t)
	feb, _ := p.statement("2026-02-01T00:00:00Z")
	d := p.d.MustWrite(t, "ru-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", StatementID: feb, Reason: "The losses are too high."})
	_, err := p.d.Write(t, "ru-negotiator", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", StatementID: feb, Reason: "Again."})
	refused(t, "a second dispute", err, app.CodeConflict, "statement_id", "is in dispute already")
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: d, PlantID: p.id, Decision: energy.Upheld, Note: "Upheld."})
	_, err = p.d.Write(t, "ru-capital", energy.KindApproval, energy.Approval{StatementID: feb, PartyID: "ru", Decision: energy.Approve})
	refused(t, "co-signing a statement whose dispute was upheld", err, app.CodeConflict, "statement_id", "was upheld")
}

// What is settled stays settled under its terms: new terms start after
// it, and in the plant's currency.
func TestGuardTerms(t *testing.T) {
	p := newPlant(t)
	terms := func(from, currency string) energy.SharingTerms {
		return energy.SharingTerms{PlantID: p.id, From: from, Losses: energy.LossesByShare, Tolerance: "0.03", Price: "400", Currency: currency,
			Shares: []energy.ShareEntry{{PartyID: "ua", Share: "0.9"}, {PartyID: "ru", Share: "0.1"}}}
	}
	_, err := p.d.Write(t, "us-mediator", energy.KindTerms, terms("2026-01-02", "USD"))
	refused(t, "terms dated in a settled period", err, app.CodeConflict, "from", "is before the end of statement")
	// A statement found wrong binds no terms: March's dispute upheld (the
	// last month settled), terms from within March may follow, for its
	// recomputation.
	mar, _ := p.statement("2026-03-01T00:00:00Z")
	dm := p.d.MustWrite(t, "ru-capital", energy.KindDispute, energy.Dispute{PlantID: p.id, PartyID: "ru", StatementID: mar, Reason: "The price is not the one agreed."})
	p.d.MustWrite(t, "us-mediator", energy.KindResolution, energy.Resolution{DisputeID: dm, PlantID: p.id, Decision: energy.Upheld, Note: "The clause says otherwise."})
	p.d.MustWrite(t, "us-mediator", energy.KindTerms, terms("2026-03-02", "USD"))
	_, err = p.d.Write(t, "us-mediator", energy.KindTerms, terms("2026-06-01", "EUR"))
	refused(t, "terms in another currency", err, app.CodeInvalid, "currency", "in \"USD\"")
	p.d.MustWrite(t, "us-mediator", energy.KindTerms, terms("2026-06-01", "USD"))
}

// A meter is never edited (a settled period would change under it), and
// a meter's interval has one standing value: an overlap is refused, and a
// correction replaces once.
func TestGuardMetersAndReadings(t *testing.T) {
	p := newPlant(t)
	m := p.find(energy.KindMeter, "code", "D-ru")
	med := p.d.Principal(t, "us-mediator")
	body := strings.Replace(string(m.Body), `"capacity_kw":4000000`, `"capacity_kw":1`, 1)
	_, err := p.d.Service.Update(t.Context(), med, energy.KindMeter, m.ID, []byte(body))
	refused(t, "a meter's capacity changed", err, app.CodeConflict, "", "nothing of a meter changes but the day it goes out of service")
	// Out of service within a settled month: refused; after it, taken.
	body = strings.Replace(string(m.Body), `"from":"2026-01-01"`, `"from":"2026-01-01","until":"2026-03-15"`, 1)
	_, err = p.d.Service.Update(t.Context(), med, energy.KindMeter, m.ID, []byte(body))
	refused(t, "out of service within a settled month", err, app.CodeConflict, "until", "is before the end of statement")
	body = strings.Replace(string(m.Body), `"from":"2026-01-01"`, `"from":"2026-01-01","until":"2026-04-01"`, 1)
	if _, err := p.d.Service.Update(t.Context(), med, energy.KindMeter, m.ID, []byte(body)); err != nil {
		t.Errorf("out of service after the settled months: %v", err)
	}
	// A new meter joins after what is settled, and settled months stay
	// as they were.
	_, err = p.d.Write(t, "us-mediator", energy.KindMeter, energy.Meter{PlantID: p.id, Code: "D-ua-2", Role: energy.Delivery, PartyID: "ua", OperatorID: "ua", From: "2026-02-01"})
	refused(t, "a meter joining within settled months", err, app.CodeConflict, "from", "is before the end of statement")
	p.d.MustWrite(t, "us-mediator", energy.KindMeter, energy.Meter{PlantID: p.id, Code: "D-ua-2", Role: energy.Delivery, PartyID: "ua", OperatorID: "ua", From: "2026-04-01"})
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if st, _ := energyweb.Settle(t.Context(), p.d.Service, &med, p.id, feb, feb.AddDate(0, 1, 0)); st.Settled != st.Intervals {
		t.Errorf("February after a meter joined in April: settled %d of %d", st.Settled, st.Intervals)
	}
	ua := p.find(energy.KindMeter, "code", "D-ua").ID
	_, err = p.d.Write(t, "ua-meters", energy.KindReadings, energy.Readings{MeterID: ua, PlantID: p.id, PartyID: "ua", Start: "2026-02-10T00:00:00Z", Wh: energy.Values{1, 2}})
	refused(t, "readings over readings", err, app.CodeConflict, "start", "overlap readings")
	first := p.find(energy.KindReadings, "start", "2026-03-16T00:00:00Z")
	var old energy.Readings
	json.Unmarshal(first.Body, &old)
	c := func(delta int64) energy.Readings {
		wh := make(energy.Values, len(old.Wh))
		for i, v := range old.Wh {
			wh[i] = v - delta
		}
		return energy.Readings{MeterID: ua, PlantID: p.id, PartyID: "ua", Start: old.Start, Replaces: first.ID, Wh: wh}
	}
	p.d.MustWrite(t, "ua-meters", energy.KindReadings, c(1))
	_, err = p.d.Write(t, "ua-meters", energy.KindReadings, c(2))
	refused(t, "a second correction of the same readings", err, app.CodeConflict, "replaces", "were replaced already")
}

// An idle plant (station use, nothing delivered) has nothing to share:
// settled at zero, not flagged.
func TestGuardIdle(t *testing.T) {
	half, _ := energy.ParseDecimal("0.5")
	tol, _ := energy.ParseDecimal("0.03")
	price, _ := energy.ParseDecimal("40")
	in := energy.Input{From: jan, Until: jan.Add(2 * energy.Interval),
		Meters: []energy.MeterSpec{{ID: "G", Role: energy.Generation}, {ID: "S", Role: energy.StationUse}, {ID: "DA", Role: energy.Delivery, Party: "a"}, {ID: "DB", Role: energy.Delivery, Party: "b"}},
		Terms:  []energy.Terms{{ID: "t", From: jan, Shares: []energy.Share{{Party: "a", Share: half}, {Party: "b", Share: half}}, Losses: energy.LossesByShare, Tolerance: tol, Price: price}},
		Series: []energy.Series{{ID: "g", Meter: "G", Start: jan, Wh: energy.Values{0, 0}}, {ID: "s", Meter: "S", Start: jan, Wh: energy.Values{5000, 5000}},
			{ID: "a", Meter: "DA", Start: jan, Wh: energy.Values{0, 0}}, {ID: "b", Meter: "DB", Start: jan, Wh: energy.Values{0, 0}}},
	}
	st, err := energy.Settle(in)
	if err != nil || st.Settled != 2 || len(st.Flags) != 0 || st.Parties[0].EntitledKWh != "0.000" {
		t.Errorf("idle: settled %d, flags %+v, parties %+v, %v", st.Settled, st.Flags, st.Parties, err)
	}
}
