package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/parley-project/parley"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ceasefire"
	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/negotiation"
	"github.com/parley-project/parley/reconstruction"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fixture is the demo process on a fresh SQLite store, with an API token for
// every demo login.
type fixture struct {
	svc    *app.Service
	api    *api
	logins []scenario.Login
	tokens map[string]string // by login
	// errLog collects what the API logs at error level: a test fails if
	// anything is logged that it did not expect.
	errLog *bytes.Buffer
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return openFixture(tb, nil)
}

// newFixtureWithLog is newFixture with a real transparency log attached
// before the scenario is loaded, so that every record has a leaf. The log has
// no witnesses: a checkpoint is published as soon as it is signed. It
// returns the log's verifier key.
func newFixtureWithLog(tb testing.TB) (*fixture, string) {
	tb.Helper()
	l := testkit.NewLog(tb)
	return openFixture(tb, l.Log), l.VKey
}

// openFixture loads the scenario through a service with log attached, if
// log is not nil.
func openFixture(tb testing.TB, log app.Log) *fixture {
	tb.Helper()
	ctx := context.Background()
	d := testkit.NewDemo(tb, testkit.DemoOptions{Log: log})
	svc := d.Service
	f := &fixture{svc: svc, logins: d.Logins, tokens: map[string]string{}, errLog: new(bytes.Buffer)}
	var err error
	for _, l := range d.Logins {
		if f.tokens[l.Login], err = svc.NewToken(ctx, l.Login, "httpapi test"); err != nil {
			tb.Fatal(err)
		}
	}
	f.api = newAPI(svc, slog.New(slog.NewTextHandler(f.errLog, &slog.HandlerOptions{Level: slog.LevelError})))
	// The demo's ceasefire has its first phase agreed; a second, with a
	// first phase awaiting consent, takes a consent.
	med := f.principal(tb, "us-mediator")
	cw, err := svc.Create(ctx, med, ceasefire.KindCeasefire, []byte(`{"title":"Quiet around the plant (fixture)","parties":["ua","ru"],"mediator_id":"us"}`))
	if err == nil {
		_, err = svc.Create(ctx, med, ceasefire.KindPhase, []byte(fmt.Sprintf(`{"ceasefire_id":%q,"number":1,"title":"Quiet (fixture)","prohibitions":[{"id":"all"}]}`, cw.Entity.ID)))
	}
	if err == nil {
		_, err = svc.Create(ctx, med, energy.KindPlant, []byte(`{"name":"Bare plant (fixture)","units":[{"id":"1","capacity_kw":1000}]}`))
	}
	if err != nil {
		tb.Fatal(err)
	}
	// The demo commits no approvals (none were given); one signed
	// approval makes the kind's reads part of every test.
	ids := f.ids(tb)
	approval := fmt.Sprintf(`{"aspect_id":%q,"party_id":"ua","decision":"reserved","note":"Subject to the ceasefire sequencing."}`, ids.someAspect)
	p := f.principal(tb, "ua-capital")
	if _, err := svc.Create(ctx, p, talks.KindApproval, f.signed(tb, "ua-capital", talks.KindApproval, approval)); err != nil {
		tb.Fatal(err)
	}
	// Nor does it record a team's report or an access denial (BRIEF.md
	// gives none, and the demo invents none): one of each, here.
	mon := f.principal(tb, "us-monitor")
	inquiry := fmt.Sprintf(`{"incident_id":%q,"party_id":"us","stage":"preliminary-inquiry"}`, ids.kyivIncident)
	if _, err := svc.Create(ctx, mon, monitor.KindStep, f.signed(tb, "us-monitor", monitor.KindStep, inquiry)); err != nil {
		tb.Fatal(err)
	}
	for _, w := range []struct{ kind, body string }{
		{monitor.KindFinding, fmt.Sprintf(`{"incident_id":%q,"stage":"preliminary-inquiry","team":"Team 1","text":"The team compared the reports' times and places."}`, ids.kyivIncident)},
		{monitor.KindDenial, `{"occurred_at":"2026-01-25T10:00:00+02:00","place_name":"Checkpoint 1","denied_by":"ru","patrol":"Patrol 1","prevented":"A visit to a reported impact site."}`},
		// A report no incident holds, for a test's new incident.
		{monitor.KindReport, `{"source_type":"monitor-patrol","source_name":"Patrol 2","occurred_at":"2026-01-25T14:10:00+02:00","time_precision":"exact","place_name":"Orikhiv (spare)","place_precision":"coordinates","lat":47.567,"lon":35.784,"weapon_class":"artillery","target_class":"residential"}`},
	} {
		if _, err := svc.Create(ctx, mon, w.kind, []byte(w.body)); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// signed returns body with the login's signature over it, as `parley sign`
// makes it.
func (f *fixture) signed(tb testing.TB, login, kind, body string) []byte {
	tb.Helper()
	var skey string
	for _, l := range f.logins {
		if l.Login == login {
			skey = l.SigningKey
		}
	}
	if skey == "" {
		tb.Fatalf("%s has no signing key", login)
	}
	return testkit.Signed(tb, f.svc, f.principal(tb, login), skey, kind, []byte(body))
}

// response is a recorded response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request through the handler as the given login ("" for
// anonymous). A body is sent as application/json unless ctype says
// otherwise.
func (f *fixture) do(tb testing.TB, login, method, path string, body []byte, ctype ...string) response {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if login != "" {
		tok, ok := f.tokens[login]
		if !ok {
			tok = login // lets a test send a bad token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if len(ctype) > 0 {
		if ctype[0] != "" {
			req.Header.Set("Content-Type", ctype[0])
		}
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.api.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// decode unmarshals a response body, failing the test if it is not JSON.
func decode[T any](tb testing.TB, r response) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		tb.Fatalf("response %d is not JSON: %v\n%s", r.status, err, r.body)
	}
	return v
}

// wantError checks that r is a well-formed error with the given status,
// code and field.
func wantError(tb testing.TB, r response, status int, code app.Code, field string) errorDetail {
	tb.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		tb.Fatalf("status %d: not an error body (%v): %s", r.status, err, r.body)
	}
	if r.status != status || e.Error.Code != code || e.Error.Field != field {
		tb.Fatalf("got %d %s field %q (%s), want %d %s field %q", r.status, e.Error.Code, e.Error.Field, e.Error.Message, status, code, field)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("error Content-Type is %q", ct)
	}
	return e.Error
}

// principal returns the principal behind a login.
func (f *fixture) principal(tb testing.TB, login string) access.Principal {
	tb.Helper()
	p, err := f.svc.Authenticate(context.Background(), f.tokens[login])
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// truth is every entity of every kind, read from the store directly as
// access.System: what the API's answers are checked against.
func (f *fixture) truth(tb testing.TB) map[string][]store.Entity {
	tb.Helper()
	out := map[string][]store.Entity{}
	for _, e := range testkit.Entities(tb, f.svc.Store()) {
		out[e.Kind] = append(out[e.Kind], e)
	}
	return out
}

// find returns the entity of a kind whose body has field == value.
func (f *fixture) find(tb testing.TB, kind, field, value string) store.Entity {
	tb.Helper()
	e, ok := f.lookup(tb, kind, field, value)
	if !ok {
		tb.Fatalf("no %s with %s %q", kind, field, value)
	}
	return e
}

// lookup is find for an entity that may not be there.
func (f *fixture) lookup(tb testing.TB, kind, field, value string) (store.Entity, bool) {
	tb.Helper()
	for _, e := range f.truth(tb)[kind] {
		var m map[string]any
		json.Unmarshal(e.Body, &m)
		if m[field] == value {
			return e, true
		}
	}
	return store.Entity{}, false
}

// records counts the records in the store.
func (f *fixture) records(tb testing.TB) int {
	tb.Helper()
	return len(testkit.Records(tb, f.svc.Store()))
}

// allRecords returns every record in the store, in order.
func (f *fixture) allRecords(tb testing.TB) []store.Record {
	tb.Helper()
	return testkit.Records(tb, f.svc.Store())
}

// lastSeq returns the Seq of the newest record.
func (f *fixture) lastSeq(tb testing.TB) int64 {
	tb.Helper()
	rs := testkit.Records(tb, f.svc.Store())
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].Seq
}

// ids of the scenario that tests write against.
type scenarioIDs struct {
	energyNeed string // the reconstruction need of the plant's oblast
	// its assessment
	energyNeedAssessment string
	// project and contract are the demo's illustrative project and its
	// contract.
	project, contract string
	round             string // Abu Dhabi, first round: 2026-01-23 to 2026-01-24
	nextRound         string // Abu Dhabi, second round
	usPerson          string // Steve Witkoff
	uaPerson          string // Rustem Umerov
	ruPerson          string // Adm. Igor Kostyukov
	uaOnlyItem        string // an action item of audience "ua only"
	ruOnlyItem        string // an action item of audience "ru only"
	someAspect        string
	someSession       string
	// The negotiation: the text and some of its clauses (by number), a
	// position of Ukraine on the plant and its consent to relay it.
	text, znppAspect, uaZnpp, uaConsent string
	clause                              map[string]string
	// The package of clause 3.2 alone, and 3.2's current version.
	plantPackage, version32 string
	// Two reports of the night of 23 to 24 January.
	kharkivReport, belgorodReport string
	kharkivIncident, kyivIncident string
	spareReport                   string
	// The phased ceasefire and its two phases; a ceasefire whose first
	// phase awaits consent.
	ceasefire, phase1, phase2 string
	quiet, quietPhase         string
	// The plant, its delivery meter into Ukraine's grid and that meter's
	// January readings, the March statement, the demo's dispute; and a
	// plant of the fixture's without meters or terms, whose statements'
	// figures no other write changes.
	plant, meterUA, readingsUA, march, dispute, barePlant string
}

// bareFigures are the figures of the statement of the fixture's bare
// plant for the first hour of 1 June 2027: four intervals, no terms.
func bareFigures() string {
	from := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	st, err := energy.Settle(energy.Input{From: from, Until: from.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(st)
	return string(b)
}

func (f *fixture) ids(tb testing.TB) scenarioIDs {
	tb.Helper()
	var ids scenarioIDs
	ids.round = f.find(tb, talks.KindRound, "name", "Abu Dhabi, first trilateral round").ID
	ids.nextRound = f.find(tb, talks.KindRound, "name", "Abu Dhabi, second trilateral round").ID
	ids.usPerson = f.find(tb, talks.KindPerson, "name", "Steve Witkoff").ID
	ids.uaPerson = f.find(tb, talks.KindPerson, "name", "Rustem Umerov").ID
	ids.ruPerson = f.find(tb, talks.KindPerson, "name", "Adm. Igor Kostyukov").ID
	ids.someAspect = f.find(tb, talks.KindAspect, "title", "Territory").ID
	ids.someSession = f.find(tb, talks.KindSession, "title", "Plenary session").ID
	ids.text = f.find(tb, negotiation.KindText, "title", "Framework for ending the war (mediator's first draft)").ID
	ids.znppAspect = f.find(tb, talks.KindAspect, "title", "Zaporizhzhia Nuclear Power Plant and its electricity").ID
	ids.uaConsent = f.find(tb, negotiation.KindConsent, "excerpt", "The electricity it produces would be shared on an equitable basis.").ID
	ids.uaZnpp = f.find(tb, negotiation.KindPosition, "aspect_id", ids.znppAspect).ID
	ids.clause = map[string]string{}
	for _, n := range []string{"1.1", "3.2", "4.1", "5.1"} {
		ids.clause[n] = f.find(tb, negotiation.KindClause, "number", n).ID
	}
	ids.version32 = f.find(tb, negotiation.KindClause, "number", "3.2").RecordID
	ids.plantPackage = f.find(tb, negotiation.KindPackage, "title", "The plant's electricity").ID
	ids.kharkivReport = f.find(tb, monitor.KindReport, "place_name", "Kharkiv").ID
	ids.belgorodReport = f.find(tb, monitor.KindReport, "place_name", "Belgorod").ID
	ids.kharkivIncident = f.find(tb, monitor.KindIncident, "place_name", "Kharkiv").ID
	ids.kyivIncident = f.find(tb, monitor.KindIncident, "place_name", "Kyiv").ID
	ids.ceasefire = f.find(tb, ceasefire.KindCeasefire, "title", "Phased ceasefire (illustrative)").ID
	ids.phase1 = f.find(tb, ceasefire.KindPhase, "title", "No strikes on energy infrastructure").ID
	ids.phase2 = f.find(tb, ceasefire.KindPhase, "title", "General ceasefire").ID
	ids.quiet = f.find(tb, ceasefire.KindCeasefire, "title", "Quiet around the plant (fixture)").ID
	ids.quietPhase = f.find(tb, ceasefire.KindPhase, "title", "Quiet (fixture)").ID
	ids.plant = f.find(tb, energy.KindPlant, "name", "Zaporizhzhia Nuclear Power Plant").ID
	need := f.find(tb, reconstruction.KindNeed, "region", "Zaporizhzhia oblast")
	ids.energyNeed, ids.energyNeedAssessment = need.ID, need.Parent
	ids.project = f.find(tb, reconstruction.KindProject, "title", "Restoring high-voltage transmission in Zaporizhzhia oblast").ID
	ids.contract = f.find(tb, reconstruction.KindContract, "supplier", "Illustrative Grid Equipment Ltd").ID
	ids.meterUA = f.find(tb, energy.KindMeter, "code", "D-ua").ID
	for _, e := range f.truth(tb)[energy.KindReadings] {
		var r energy.Readings
		json.Unmarshal(e.Body, &r)
		if r.MeterID == ids.meterUA && r.Start == "2026-01-01T00:00:00Z" {
			ids.readingsUA = e.ID
		}
	}
	ids.march = f.find(tb, energy.KindStatement, "from", "2026-03-01T00:00:00Z").ID
	ids.dispute = f.find(tb, energy.KindDispute, "party_id", "ru").ID
	if p, ok := f.lookup(tb, energy.KindPlant, "name", "Bare plant (fixture)"); ok {
		ids.barePlant = p.ID
	}
	if r, ok := f.lookup(tb, monitor.KindReport, "place_name", "Orikhiv (spare)"); ok {
		ids.spareReport = r.ID
	}
	for _, e := range f.truth(tb)[talks.KindAction] {
		if e.Audience.Scope == "party" && e.Audience.Party == "ua" {
			ids.uaOnlyItem = e.ID
		}
		if e.Audience.Scope == "party" && e.Audience.Party == "ru" {
			ids.ruOnlyItem = e.ID
		}
	}
	if ids.uaOnlyItem == "" || ids.ruOnlyItem == "" {
		tb.Fatal("the scenario has no party-only action items of ua and ru")
	}
	return ids
}

// writerOf is the demo login that writes k's validBodies: the mediator,
// but for the kinds the mediator does not write, written by the role that
// does.
func writerOf(k parley.Kind) string {
	if w, ok := map[string]string{"positions": "ua-negotiator", "consents": "ua-negotiator", "confirmations": "ua-negotiator",
		"reviews": "nato-reviewer", "verification-steps": "us-monitor", "meter-readings": "ua-meters", "energy-disputes": "ru-negotiator"}[k.Collection]; ok {
		return w
	}
	if k.Signed {
		return "ua-capital"
	}
	return "us-mediator"
}

// everyKind creates, from validBodies, an entity of each kind the demo
// holds none of (a suspension of the ceasefire: the demo invents none), so
// that a test can go over one of every kind.
func (f *fixture) everyKind(tb testing.TB) {
	tb.Helper()
	truth := f.truth(tb)
	bodies := validBodies(f.ids(tb), "", "")
	for _, k := range scenario.Registry().Kinds() {
		if len(truth[k.Name]) > 0 {
			continue
		}
		login, body := writerOf(k), []byte(bodies[k.Collection])
		if k.Signed {
			body = f.signed(tb, login, k.Name, bodies[k.Collection])
		}
		if r := f.do(tb, login, "POST", Prefix+"/"+k.Collection, body); r.status != 201 {
			tb.Fatalf("POST %s: %d %s", k.Collection, r.status, r.body)
		}
	}
}

// validBodies returns a valid create body for every collection, written by
// the mediator, in the given round (the scenario's first round if ""); day
// is a day of that round.
func validBodies(ids scenarioIDs, round, day string) map[string]string {
	if round == "" {
		round, day = ids.round, "2026-01-23"
	}
	return map[string]string{
		"parties":      `{"id":"tr","name":"Türkiye","role":"observer","note":"Offered to host a round"}`,
		"articles":     `{"outlet":"Example Wire","url":"https://news.example/a","published":"2026-01-24","language":"en","evidence":[{"sha256":"` + strings.Repeat("cd", 32) + `","name":"article.txt","media_type":"text/plain"}]}`,
		"translations": fmt.Sprintf(`{"of_kind":"talks.person","of":%q,"field":"name","language":"uk","original_language":"en","text":"Стів Віткофф","translator":"Language services"}`, ids.usPerson),
		"people":       `{"name":"Marco Rubio","party_id":"us","titles":[{"title":"Secretary of State","source":"News report E"}]}`,
		"rounds":       `{"name":"Istanbul round","place":"Istanbul, Türkiye","starts_on":"2026-03-01","ends_on":"2026-03-02","status":"planned","precision":"day"}`,
		"sessions":     fmt.Sprintf(`{"round_id":%q,"title":"Plenary","format":"plenary","starts_at":"%[2]sT10:00:00+04:00","ends_at":"%[2]sT12:00:00+04:00","mediator_present":true,"parties":["us","ua","ru"],"attendees":[%[3]q,%[4]q]}`, round, day, ids.uaPerson, ids.ruPerson),
		"delegations":  fmt.Sprintf(`{"round_id":%q,"party_id":"us","members":[{"person_id":%q,"role":"head","title":"Special envoy"}]}`, round, ids.usPerson),
		"aspects":      `{"title":"Prisoner exchange","summary":"All for all.","status":"open","order":8}`,
		"action-items": fmt.Sprintf(`{"title":"Circulate the draft agenda","owner_party":"us","status":"open","due":"2026-01-30","round_id":%q,"aspect_id":%q}`,
			round, ids.someAspect),
		"approvals": fmt.Sprintf(`{"aspect_id":%q,"party_id":"ua","decision":"approved","round_id":%q}`, ids.someAspect, round),
		"positions": fmt.Sprintf(`{"aspect_id":%q,"party_id":"ua","round_id":%q,"text":"A position of Ukraine.","value_type":"percentage","value":"50","red_lines":["None yet."]}`, ids.someAspect, round),
		"consents":  fmt.Sprintf(`{"position_id":%q,"party_id":"ua","recipient":"ru","excerpt":"Oversight and operation of the Zaporizhzhia plant must be agreed with Ukraine."}`, ids.uaZnpp),
		"relays": fmt.Sprintf(`{"position_id":%q,"aspect_id":%q,"party_id":"ua","recipient":"ru","consent_id":%q,"excerpt":"The electricity it produces would be shared on an equitable basis."}`,
			ids.uaZnpp, ids.znppAspect, ids.uaConsent),
		"texts":            `{"title":"Protocol on the exchange of prisoners","approvers":["ru","ua"]}`,
		"clauses":          fmt.Sprintf(`{"text_id":%q,"aspect_id":%q,"article":"Article 6","number":"6.1","title":"Exchange","text":"All for all.","alternatives":[{"party_id":"ru","text":"In stages."}]}`, ids.text, ids.someAspect),
		"confirmations":    fmt.Sprintf(`{"clause_id":%q,"party_id":"ua","session_id":%q,"person_id":%q}`, ids.clause["1.1"], ids.someSession, ids.uaPerson),
		"reports":          fmt.Sprintf(`{"clause_id":%q,"round_id":%q,"note":"Reported again."}`, ids.clause["3.2"], ids.round),
		"clause-approvals": fmt.Sprintf(`{"clause_id":%q,"party_id":"ua","decision":"approved","round_id":%q}`, ids.clause["3.2"], ids.round),
		"package-approvals": fmt.Sprintf(`{"package_id":%q,"party_id":"ua","decision":"approved","clauses":[{"clause_id":%q,"version":%q}]}`,
			ids.plantPackage, ids.clause["3.2"], ids.version32),
		"packages":          fmt.Sprintf(`{"text_id":%q,"title":"Monitoring","clauses":[%q],"all_or_nothing":true}`, ids.text, ids.clause["4.1"]),
		"sequencing-rules":  fmt.Sprintf(`{"text_id":%q,"name":"ceasefire before monitoring","first_clause":%q,"then_clause":%q,"stage":"agreed-ad-referendum"}`, ids.text, ids.clause["1.1"], ids.clause["4.1"]),
		"zones":             `{"name":"Buffer zone","zone_type":"buffer","party_id":"ua","geometry":"{\"type\":\"Polygon\",\"coordinates\":[[[35,47],[35.5,47],[35.5,47.5],[35,47.5],[35,47]]]}"}`,
		"incident-reports":  `{"source_type":"monitor-patrol","source_name":"Patrol 7","occurred_at":"2026-01-25T14:10:00+02:00","time_precision":"exact","place_name":"Orikhiv","place_precision":"coordinates","lat":47.567,"lon":35.784,"weapon_class":"artillery","weapon_count":3,"target_class":"residential","casualties":[{"kind":"wounded","group":"civilian","low":2,"high":3}],"evidence":[{"sha256":"` + strings.Repeat("ab", 32) + `","name":"photo.jpg","media_type":"image/jpeg"}]}`,
		"incident-linkages": fmt.Sprintf(`{"action":"apart","reports":[%q,%q],"reason":"Different countries."}`, ids.kharkivReport, ids.belgorodReport),
		"incidents": fmt.Sprintf(`{"title":"Shelling of Orikhiv","reports":[%q],"occurred_at":"2026-01-25T14:10:00+02:00","place_name":"Orikhiv","lat":47.567,"lon":35.784,"weapon_class":"artillery","target_class":"residential"}`,
			ids.spareReport),
		"verification-steps":    fmt.Sprintf(`{"incident_id":%q,"party_id":"us","stage":"preliminary-inquiry","summary":"A team compares the reports."}`, ids.kharkivIncident),
		"ceasefires":            `{"title":"Local ceasefire around the plant","parties":["ua","ru"],"mediator_id":"us"}`,
		"ceasefire-phases":      fmt.Sprintf(`{"ceasefire_id":%q,"number":3,"title":"Withdrawal","prohibitions":[{"id":"all"}]}`, ids.ceasefire),
		"ceasefire-consents":    fmt.Sprintf(`{"phase_id":%q,"ceasefire_id":%q,"party_id":"ua","note":"Confirmed."}`, ids.quietPhase, ids.quiet),
		"ceasefire-suspensions": fmt.Sprintf(`{"ceasefire_id":%q,"from":"2027-01-10T00:00:00Z","until":"2027-01-12T00:00:00Z","reason":"Suspended by the mediator while the line is surveyed."}`, ids.ceasefire),
		"ceasefire-reports": fmt.Sprintf(`{"ceasefire_id":%q,"report_type":"daily","title":"Daily report, 1 March 2027","from":"2027-03-01T00:00:00Z","until":"2027-03-02T00:00:00Z","figures":%q}`,
			ids.ceasefire, `{"type":"daily","from":"2027-03-01T00:00:00Z","until":"2027-03-02T00:00:00Z","judged_at":"2027-03-02T00:00:00Z","phase":1,"phase_title":"No strikes on energy infrastructure","violations":0,"previous":0,"unverified":0,"regions":null,"parties":[{"party":"ua","violations":0,"previous":0,"denials":0},{"party":"ru","violations":0,"previous":0,"denials":0}]}`),
		"obligation-fulfilments":   fmt.Sprintf(`{"phase_id":%q,"ceasefire_id":%q,"obligation_id":"withdraw-ua","party_id":"us","verified_at":"2026-03-30T12:00:00Z"}`, ids.phase2, ids.ceasefire),
		"findings":                 fmt.Sprintf(`{"incident_id":%q,"stage":"preliminary-inquiry","team":"Team 2","text":"The team visited the site.","evidence":[{"sha256":"`+strings.Repeat("cd", 32)+`"}]}`, ids.kharkivIncident),
		"access-denials":           `{"occurred_at":"2026-01-26T09:00:00+02:00","place_name":"Checkpoint 4","denied_by":"ua","patrol":"Patrol 3","prevented":"The patrol's route to the site of a reported strike."}`,
		"briefs":                   `{"party_id":"us","title":"Brief for Washington","content":"# Brief for Washington\nNothing new."}`,
		"reviews":                  fmt.Sprintf(`{"clause_id":%q,"party_id":"nato","comment":"Name the consultation mechanism."}`, ids.clause["5.1"]),
		"plants":                   `{"name":"Another plant","units":[{"id":"1","name":"Unit 1","capacity_kw":1000}]}`,
		"meters":                   fmt.Sprintf(`{"plant_id":%q,"code":"D-ua-2","role":"delivery","party_id":"ua","operator_id":"ua","capacity_kw":100000,"from":"2027-01-01"}`, ids.plant),
		"sharing-terms":            fmt.Sprintf(`{"plant_id":%q,"from":"2027-01-01","shares":[{"party_id":"ua","share":"0.5"},{"party_id":"ru","share":"0.5"}],"losses":"shares","tolerance":"0.03","price":"41.50","currency":"USD"}`, ids.plant),
		"meter-readings":           fmt.Sprintf(`{"meter_id":%q,"plant_id":%q,"party_id":"ua","start":"2026-04-01T00:00:00Z","wh":[1000,null,3000]}`, ids.meterUA, ids.plant),
		"settlement-statements":    fmt.Sprintf(`{"plant_id":%q,"from":"2027-06-01T00:00:00Z","until":"2027-06-01T01:00:00Z","figures":%q}`, ids.barePlant, bareFigures()),
		"statement-approvals":      fmt.Sprintf(`{"statement_id":%q,"party_id":"ua","decision":"approve"}`, ids.march),
		"energy-disputes":          fmt.Sprintf(`{"plant_id":%q,"party_id":"ru","readings_id":%q,"flag":"meters-disagree","reason":"The meter's clock is in question."}`, ids.plant, ids.readingsUA),
		"energy-dispute-decisions": fmt.Sprintf(`{"dispute_id":%q,"plant_id":%q,"decision":"dismissed","note":"The calibration record was produced."}`, ids.dispute, ids.plant),
		"needs-assessments":        `{"title":"Damage assessment of the plant's region","source":"Regional administration","published":"2026-02-20","currency":"UAH","total":"1250000000.50"}`,
		"needs":                    fmt.Sprintf(`{"assessment_id":%q,"sector":"water-sanitation","region":"Zaporizhzhia oblast","amount":"450000000"}`, ids.energyNeedAssessment),
		"reconstruction-projects":  fmt.Sprintf(`{"title":"Rebuilding a pumping station","need_id":%q,"owner_id":"ua","status":"planning","start":"2026-05-01"}`, ids.energyNeed),
		"project-tenders":          fmt.Sprintf(`{"project_id":%q,"title":"Pumps","method":"open","status":"active","currency":"EUR","value":"1200000.00","date":"2026-05-02"}`, ids.project),
		"project-contracts":        fmt.Sprintf(`{"project_id":%q,"title":"Cabling","supplier":"A supplier","status":"pending","currency":"USD","value":"300000","signed":"2026-05-03"}`, ids.project),
		"project-milestones":       fmt.Sprintf(`{"project_id":%q,"title":"Cabling laid","due":"2026-09-01","status":"scheduled"}`, ids.project),
		"project-payments":         fmt.Sprintf(`{"project_id":%q,"contract_id":%q,"amount":"1000000","currency":"USD","rate":"1","date":"2026-05-04"}`, ids.project, ids.contract),
		"finance-flows":            fmt.Sprintf(`{"stage":"pledge","donor_id":"us","recipient_id":"ua","need_id":%q,"instrument":"guarantee","currency":"EUR","amount":"25000000.00","rate":"1.0842","date":"2026-02-01","announced":true}`, ids.energyNeed),
		"statements":               fmt.Sprintf(`{"speaker_name":"Mediator's spokesperson","party_id":"us","text":"Talks were constructive.","said_at":"2026-01-24T18:00:00+04:00","precision":"minute","source":{"name":"Press release","url":"https://example.org/pr","published":"2026-01-24"},"round_id":%q,"audience":{"scope":"parties"}}`, round),
	}
}
