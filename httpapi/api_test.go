package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/talks"
)

// TestBadInput sends requests that must be refused, and checks the status,
// the error code, the field named, and that no record was committed.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	ids := f.ids(t)
	body := validBodies(ids, "", "")
	const mediator, ua, ru = "us-mediator", "ua-negotiator", "ru-negotiator"

	// A person only Russia may see, to refer to from Ukraine's side.
	r := f.do(t, ru, "POST", Prefix+"/people", []byte(`{"name":"Unnamed envoy","party_id":"ru","audience":{"scope":"party","party":"ru"}}`))
	if r.status != 201 {
		t.Fatalf("couldn't create a ru-only person: %d %s", r.status, r.body)
	}
	ruOnlyPerson := decode[written](t, r).Item.ID
	missing := record.NewID()

	// with replaces fields of a valid body.
	with := func(coll string, kv ...any) []byte {
		var m map[string]any
		if err := json.Unmarshal([]byte(body[coll]), &m); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	statementBy := func(field, id string) []byte {
		return []byte(fmt.Sprintf(`{"speaker_name":"Ukrainian delegation","party_id":"ua","text":"On record.","said_at":"2026-01-24T12:00:00+04:00","source":{"name":"Briefing"},%q:%q}`, field, id))
	}
	huge := []byte(`{"name":"` + strings.Repeat("x", app.MaxBody) + `"}`)

	cases := []struct {
		name         string
		login        string
		authz        string // a raw Authorization header instead of login's token
		method, path string
		body         []byte
		ctype        []string
		status       int
		code         app.Code
		field        string
		// sameAs is a request whose answer must be the same but for ids.
		sameAs func() response
	}{
		{name: "malformed JSON", login: mediator, method: "POST", path: "/rounds", body: []byte(`{"name":"x",`), status: 400, code: app.CodeBadRequest},
		{name: "a list audience naming no party", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A","status":"open","audience":{"scope":"list","parties":["us","zz"]}}`), status: 422, code: app.CodeInvalid, field: "audience.parties[1]"},
		{name: "a party channel of no party", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A","status":"open","audience":{"scope":"party+mediator","party":"zz"}}`), status: 422, code: app.CodeInvalid, field: "audience.party"},
		{name: "a round moved away from its sessions", login: mediator, method: "PUT", path: "/rounds/" + ids.round, body: []byte(`{"name":"Abu Dhabi, first trilateral round","place":"Abu Dhabi","starts_on":"2026-02-10","ends_on":"2026-02-11","status":"concluded"}`), status: 422, code: app.CodeInvalid, field: "starts_on"},
		{name: "a round cut short of its sessions", login: mediator, method: "PUT", path: "/rounds/" + ids.round, body: []byte(`{"name":"Abu Dhabi, first trilateral round","place":"Abu Dhabi","starts_on":"2026-01-23","ends_on":"2026-01-23","status":"concluded"}`), status: 422, code: app.CodeInvalid, field: "ends_on"},
		{name: "a key twice", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A","title":"B","status":"open"}`), status: 400, code: app.CodeBadRequest, field: "title"},
		{name: "a key twice in a member", login: ua, method: "POST", path: "/people", body: []byte(`{"name":"A","party_id":"ua","titles":[{"title":"x","title":"y"}]}`), status: 400, code: app.CodeBadRequest, field: "title"},
		{name: "a key twice among many", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A","status":"open","k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"status":"closed"}`), status: 400, code: app.CodeBadRequest, field: "status"},
		{name: "a key in another case", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A","Title":"B","status":"open"}`), status: 422, code: app.CodeInvalid, field: "Title"},
		{name: "a nested key in another case", login: ua, method: "POST", path: "/people", body: []byte(`{"name":"A","party_id":"ua","titles":[{"TITLE":"` + strings.Repeat("t", parley.MaxText+1) + `"}]}`), status: 422, code: app.CodeInvalid, field: "titles[0].TITLE"},
		{name: "the character U+0000", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"A\u0000B","status":"open"}`), status: 422, code: app.CodeInvalid, field: "title"},
		{name: "a filter value outside its options", login: mediator, method: "GET", path: "/incident-reports?target_class=no-such-class", status: 400, code: app.CodeBadRequest, field: "target_class"},
		{name: "a filter value holding U+0000", login: mediator, method: "GET", path: "/incident-reports?source_ref=a%00b", status: 400, code: app.CodeBadRequest, field: "source_ref"},
		{name: "a filter value that is not UTF-8", login: mediator, method: "GET", path: "/incident-reports?source_ref=a%FFb", status: 400, code: app.CodeBadRequest, field: "source_ref"},
		{name: "invalid UTF-8", login: mediator, method: "POST", path: "/aspects", body: []byte("{\"title\":\"A\xff\",\"status\":\"open\"}"), status: 400, code: app.CodeBadRequest},
		{name: "a title over its maximum", login: mediator, method: "POST", path: "/aspects", body: []byte(`{"title":"` + strings.Repeat("t", parley.MaxText+1) + `","status":"open"}`), status: 422, code: app.CodeInvalid, field: "title"},
		{name: "a nested string over its maximum", login: ua, method: "POST", path: "/people", body: []byte(`{"name":"A","party_id":"ua","titles":[{"title":"` + strings.Repeat("t", parley.MaxText+1) + `"}]}`), status: 422, code: app.CodeInvalid, field: "titles[0].title"},
		{name: "syntax error", login: mediator, method: "POST", path: "/rounds", body: []byte(`{"name" "x"}`), status: 400, code: app.CodeBadRequest},
		{name: "empty body", login: mediator, method: "POST", path: "/rounds", body: []byte(``), status: 400, code: app.CodeBadRequest},
		{name: "null body", login: mediator, method: "POST", path: "/rounds", body: []byte(`null`), status: 400, code: app.CodeBadRequest},
		{name: "array body", login: mediator, method: "POST", path: "/rounds", body: []byte(`[]`), status: 400, code: app.CodeBadRequest},
		{name: "trailing data", login: mediator, method: "POST", path: "/aspects", body: []byte(body["aspects"] + `{}`), status: 400, code: app.CodeBadRequest},
		{name: "unknown field", login: mediator, method: "POST", path: "/rounds", body: with("rounds", "venue", "Istanbul"), status: 422, code: app.CodeInvalid, field: "venue"},
		{name: "missing required field", login: mediator, method: "POST", path: "/rounds", body: with("rounds", "name", nil), status: 422, code: app.CodeInvalid, field: "name"},
		{name: "wrong type", login: mediator, method: "POST", path: "/rounds", body: with("rounds", "name", 5), status: 422, code: app.CodeInvalid, field: "name"},
		{name: "wrong type in a list", login: mediator, method: "POST", path: "/sessions", body: with("sessions", "parties", "us"), status: 422, code: app.CodeInvalid, field: "parties"},
		{name: "bad enum", login: mediator, method: "POST", path: "/sessions", body: with("sessions", "format", "banquet"), status: 422, code: app.CodeInvalid, field: "format"},
		{name: "bad audience", login: mediator, method: "POST", path: "/aspects", body: with("aspects", "audience", map[string]any{"scope": "everyone"}), status: 422, code: app.CodeInvalid, field: "audience"},
		{name: "oversized body", login: mediator, method: "POST", path: "/rounds", body: huge, status: 413, code: app.CodeTooLarge},
		{name: "invalid date", login: mediator, method: "POST", path: "/rounds", body: with("rounds", "starts_on", "2026-02-30"), status: 422, code: app.CodeInvalid, field: "starts_on"},
		{name: "invalid time", login: mediator, method: "POST", path: "/sessions", body: with("sessions", "starts_at", "tomorrow morning"), status: 422, code: app.CodeInvalid, field: "starts_at"},
		{name: "session outside its round", login: mediator, method: "POST", path: "/sessions", body: with("sessions", "starts_at", "2026-03-01T10:00:00+04:00", "ends_at", nil), status: 422, code: app.CodeInvalid, field: "starts_at"},
		{name: "no such round", login: mediator, method: "POST", path: "/sessions", body: with("sessions", "round_id", missing), status: 422, code: app.CodeInvalid, field: "round_id"},
		{name: "another party's confidential person", login: ua, method: "POST", path: "/statements", body: statementBy("speaker_id", ruOnlyPerson), status: 422, code: app.CodeInvalid, field: "speaker_id",
			sameAs: func() response { return f.do(t, ua, "POST", Prefix+"/statements", statementBy("speaker_id", missing)) }},
		{name: "anonymous write", login: "", method: "POST", path: "/aspects", body: []byte(body["aspects"]), status: 401, code: app.CodeUnauthenticated},
		{name: "bad token", login: "parley_not-a-token", method: "GET", path: "/rounds", status: 401, code: app.CodeUnauthenticated},
		{name: "not a bearer token", authz: "Basic dXM6cHc=", method: "GET", path: "/rounds", status: 401, code: app.CodeUnauthenticated},
		{name: "empty bearer token", authz: "Bearer ", method: "GET", path: "/rounds", status: 401, code: app.CodeUnauthenticated},
		{name: "writing without a role", login: "ae-observer", method: "POST", path: "/statements", body: []byte(body["statements"]), status: 403, code: app.CodeForbidden},
		{name: "approver writing a round", login: "ua-capital", method: "POST", path: "/rounds", body: []byte(body["rounds"]), status: 403, code: app.CodeForbidden},
		{name: "negotiator writing another party's delegation", login: ua, method: "POST", path: "/delegations",
			body:   []byte(fmt.Sprintf(`{"round_id":%q,"party_id":"ru","members":[{"person_id":%q,"role":"head"}]}`, ids.nextRound, ids.ruPerson)),
			status: 403, code: app.CodeForbidden},
		{name: "negotiator writing into another party's channel", login: ua, method: "POST", path: "/statements",
			body: []byte(`{"speaker_name":"x","text":"y","said_at":"2026-01-24T12:00:00Z","source":{"name":"z"},"audience":{"scope":"party","party":"ru"}}`), status: 403, code: app.CodeForbidden, field: "audience"},
		{name: "PUT to an invisible id", login: ua, method: "PUT", path: "/action-items/" + ids.ruOnlyItem,
			body: []byte(`{"title":"Mine now","owner_party":"ua","status":"open"}`), status: 404, code: app.CodeNotFound,
			sameAs: func() response {
				return f.do(t, ua, "PUT", Prefix+"/action-items/"+missing, []byte(`{"title":"Mine now","owner_party":"ua","status":"open"}`))
			}},
		{name: "mediator PUT to a party-only id", login: mediator, method: "PUT", path: "/action-items/" + ids.uaOnlyItem,
			body: []byte(`{"title":"x","owner_party":"ua","status":"open"}`), status: 404, code: app.CodeNotFound,
			sameAs: func() response {
				return f.do(t, mediator, "PUT", Prefix+"/action-items/"+missing, []byte(`{"title":"x","owner_party":"ua","status":"open"}`))
			}},
		{name: "changing a statement", login: mediator, method: "PUT", path: "/statements/" + f.truth(t)[talks.KindStatement][0].ID, body: []byte(body["statements"]), status: 409, code: app.CodeConflict},
		{name: "a second delegation of a party", login: mediator, method: "POST", path: "/delegations", body: []byte(body["delegations"]), status: 409, code: app.CodeConflict, field: "party_id"},
		{name: "wrong content type", login: mediator, method: "POST", path: "/aspects", body: []byte(body["aspects"]), ctype: []string{"text/plain"}, status: 415, code: codeUnsupportedMedia},
		{name: "no content type", login: mediator, method: "PUT", path: "/rounds/" + ids.round, body: []byte(body["rounds"]), ctype: []string{""}, status: 415, code: codeUnsupportedMedia},
		{name: "form post", login: mediator, method: "POST", path: "/aspects", body: []byte(`title=x`), ctype: []string{"application/x-www-form-urlencoded"}, status: 415, code: codeUnsupportedMedia},
		{name: "limit zero", login: mediator, method: "GET", path: "/rounds?limit=0", status: 400, code: app.CodeBadRequest, field: "limit"},
		{name: "limit not a number", login: mediator, method: "GET", path: "/rounds?limit=ten", status: 400, code: app.CodeBadRequest, field: "limit"},
		{name: "forged cursor", login: mediator, method: "GET", path: "/rounds?after=MTIz", status: 400, code: app.CodeBadRequest, field: "after"},
		{name: "unknown parameter", login: mediator, method: "GET", path: "/sessions?rund=" + ids.round, status: 400, code: app.CodeBadRequest, field: "rund"},
		{name: "parent on a kind without one", login: mediator, method: "GET", path: "/rounds?parent=x", status: 400, code: app.CodeBadRequest, field: "parent"},
		{name: "parent and alias disagree", login: mediator, method: "GET", path: "/sessions?parent=a&round=b", status: 400, code: app.CodeBadRequest, field: "round"},
		{name: "unknown route", login: mediator, method: "GET", path: "/treaties", status: 404, code: app.CodeNotFound},
		{name: "unknown nested route", login: mediator, method: "GET", path: "/rounds/" + ids.round + "/sessions", status: 404, code: app.CodeNotFound},
		{name: "wrong method", login: mediator, method: "DELETE", path: "/rounds/" + ids.round, status: 405, code: codeMethodNotAllowed},
		{name: "wrong method on a list", login: mediator, method: "PATCH", path: "/rounds", status: 405, code: codeMethodNotAllowed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.records(t)
			var r response
			if c.authz != "" {
				r = f.doRaw(t, c.method, Prefix+c.path, c.authz)
			} else {
				r = f.do(t, c.login, c.method, Prefix+c.path, c.body, c.ctype...)
			}
			e := wantError(t, r, c.status, c.code, c.field)
			if after := f.records(t); after != before {
				t.Errorf("%d records before, %d after", before, after)
			}
			switch c.status {
			case 413:
				if !strings.Contains(e.Message, strconv.Itoa(app.MaxBody)) {
					t.Errorf("413 does not name the limit: %q", e.Message)
				}
			case 401:
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			case 405:
				if r.header.Get("Allow") == "" {
					t.Error("405 without Allow")
				}
			}
			if c.sameAs != nil {
				other := c.sameAs()
				norm := func(r response) string {
					s := string(r.body)
					for _, id := range []string{missing, ruOnlyPerson, ids.ruOnlyItem, ids.uaOnlyItem} {
						s = strings.ReplaceAll(s, id, "ID")
					}
					return fmt.Sprint(r.status, " ", s)
				}
				if norm(r) != norm(other) {
					t.Errorf("the answer differs from that for a missing id:\n%s\n%s", norm(r), norm(other))
				}
			}
		})
	}
	if f.errLog.Len() > 0 {
		t.Errorf("the API logged errors:\n%s", f.errLog)
	}
}

// doRaw sends a GET with an arbitrary Authorization header.
func (f *fixture) doRaw(tb testing.TB, method, path, authorization string) response {
	tb.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", authorization)
	rec := httptest.NewRecorder()
	f.api.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// TestHappyPaths writes one entity of every kind as the mediator, replaces
// a round, and pages through a list.
func TestHappyPaths(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := f.ids(t)
	const mediator = "us-mediator"

	// A round of its own, so that the delegation is the round's first.
	before := f.records(t)
	rb := validBodies(ids, "", "")["rounds"]
	r := f.do(t, mediator, "POST", Prefix+"/rounds", []byte(rb))
	if r.status != 201 {
		t.Fatalf("POST round: %d %s", r.status, r.body)
	}
	round := decode[written](t, r)
	if loc := r.header.Get("Location"); loc != Prefix+"/rounds/"+round.Item.ID {
		t.Errorf("Location is %q", loc)
	}
	checkWritten(t, round, talks.KindRound, 1)
	bodies := validBodies(ids, round.Item.ID, "2026-03-01")

	for _, k := range scenario.Registry().Kinds() {
		if k.Name == talks.KindRound {
			continue
		}
		t.Run(k.Collection, func(t *testing.T) {
			login, body := writerOf(k), []byte(bodies[k.Collection])
			if k.Signed {
				body = f.signed(t, login, k.Name, bodies[k.Collection])
			}
			r := f.do(t, login, "POST", Prefix+"/"+k.Collection, body)
			if r.status != 201 {
				t.Fatalf("POST %s: %d %s", k.Collection, r.status, r.body)
			}
			w := decode[written](t, r)
			checkWritten(t, w, k.Name, 1)
			if loc := r.header.Get("Location"); loc != Prefix+"/"+k.Collection+"/"+url.PathEscape(w.Item.ID) {
				t.Errorf("Location is %q", loc)
			}
			// Read back, as written.
			got := decode[item](t, f.do(t, mediator, "GET", r.header.Get("Location"), nil))
			if got.RecordID != w.Item.RecordID || string(got.Data) != string(w.Item.Data) {
				t.Errorf("GET after POST: %+v, want %+v", got, w.Item)
			}
			var sent, stored map[string]any
			json.Unmarshal([]byte(bodies[k.Collection]), &sent)
			json.Unmarshal(got.Data, &stored)
			delete(sent, "audience")
			for field, v := range sent {
				if fmt.Sprint(stored[field]) != fmt.Sprint(v) {
					t.Errorf("%s: sent %v, stored %v", field, v, stored[field])
				}
			}
		})
	}
	if got, want := f.records(t), before+len(scenario.Registry().Kinds()); got != want {
		t.Errorf("%d records, want %d", got, want)
	}

	// Replace the round: a second version, a new record, the same entity.
	var m map[string]any
	json.Unmarshal([]byte(rb), &m)
	m["status"] = "ongoing"
	m["outcome"] = "Talks continue."
	nb, _ := json.Marshal(m)
	r = f.do(t, mediator, "PUT", Prefix+"/rounds/"+round.Item.ID, nb)
	if r.status != 200 {
		t.Fatalf("PUT round: %d %s", r.status, r.body)
	}
	v2 := decode[written](t, r)
	checkWritten(t, v2, talks.KindRound, 2)
	if v2.Item.ID != round.Item.ID || v2.Item.RecordID == round.Item.RecordID || !v2.Item.Created.Equal(round.Item.Created) {
		t.Errorf("PUT: %+v, was %+v", v2.Item, round.Item)
	}
	got := decode[item](t, f.do(t, "ua-negotiator", "GET", Prefix+"/rounds/"+round.Item.ID, nil))
	if got.Version != 2 || !strings.Contains(string(got.Data), `"ongoing"`) {
		t.Errorf("GET after PUT: %+v", got)
	}
	rec, err := f.svc.Store().RecordByID(ctx, v2.Receipt.RecordID)
	if err != nil || rec.Subject != round.Item.ID || !strings.Contains(string(rec.Canonical), round.Item.RecordID) {
		t.Errorf("the new record does not refer to the old one: %v %s", err, rec.Canonical)
	}

	// Pages of two, as a negotiator, against the service's own list.
	caller := f.principal(t, "ua-negotiator")
	for _, k := range scenario.Registry().Kinds() {
		all, err := f.svc.All(ctx, &caller, k.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		path, pages := Prefix+"/"+k.Collection+"?limit=2", 0
		for {
			p := decode[page](t, f.do(t, "ua-negotiator", "GET", path, nil))
			pages++
			if len(p.Items) > 2 || (p.Next != "" && len(p.Items) != 2) {
				t.Errorf("%s: page %d has %d items, next %q", k.Collection, pages, len(p.Items), p.Next)
			}
			for _, it := range p.Items {
				seen = append(seen, it.ID)
			}
			if p.Next == "" {
				break
			}
			path = Prefix + "/" + k.Collection + "?limit=2&after=" + url.QueryEscape(p.Next)
		}
		var want []string
		for _, e := range all {
			want = append(want, e.ID)
		}
		if !slices.Equal(seen, want) {
			t.Errorf("%s in pages of 2: %v, want %v", k.Collection, seen, want)
		}
		if len(all) > 2 && pages < 2 {
			t.Errorf("%s: %d entities in %d page", k.Collection, len(all), pages)
		}
	}
	// A cursor is bound to its list.
	p := decode[page](t, f.do(t, "ua-negotiator", "GET", Prefix+"/people?limit=1", nil))
	wantError(t, f.do(t, "ua-negotiator", "GET", Prefix+"/aspects?after="+url.QueryEscape(p.Next), nil), 400, app.CodeBadRequest, "after")
	// A limit over the maximum is refused, naming the maximum: a client
	// must not take one page for the whole list.
	e := wantError(t, f.do(t, "ua-negotiator", "GET", Prefix+"/people?limit=100000", nil), 400, app.CodeBadRequest, "limit")
	if !strings.Contains(e.Message, strconv.Itoa(app.MaxPage)) {
		t.Errorf("limit=100000: %q does not name the maximum %d", e.Message, app.MaxPage)
	}
	if r := f.do(t, "ua-negotiator", "GET", Prefix+fmt.Sprintf("/people?limit=%d", app.MaxPage), nil); r.status != 200 {
		t.Errorf("limit=%d: %d %s", app.MaxPage, r.status, r.body)
	}

	if f.errLog.Len() > 0 {
		t.Errorf("the API logged errors:\n%s", f.errLog)
	}
}

func checkWritten(t *testing.T, w written, kind string, version int) {
	t.Helper()
	rc := w.Receipt
	if rc.RecordID == "" || rc.RecordID != w.Item.RecordID || rc.Kind != kind || w.Item.Kind != kind ||
		rc.Subject != w.Item.ID || len(rc.Commitment) != 64 || rc.Seq <= 0 || w.Item.Version != version {
		t.Errorf("write answered %+v", w)
	}
}

// TestNoTakeover: a negotiator must not be able to make another party's
// entity its own by replacing it, nor hide it from its owner by narrowing
// the audience. app.Service.Update checks only the owner named in the new
// body, not that of the entity it replaces; until it does, this test is
// skipped (the fix belongs in package app, not in this adapter).
func TestNoTakeover(t *testing.T) {
	f := newFixture(t)
	putin := f.find(t, talks.KindPerson, "name", "Vladimir Putin")
	wantError(t, f.do(t, "ua-negotiator", "PUT", Prefix+"/people/"+putin.ID, []byte(`{"name":"Vladimir Putin","party_id":"ua"}`)),
		403, app.CodeForbidden, "")
	item := f.find(t, talks.KindAction, "owner_party", "ru")
	wantError(t, f.do(t, "ua-negotiator", "PUT", Prefix+"/action-items/"+item.ID,
		[]byte(`{"title":"Withdrawn","owner_party":"ua","status":"cancelled","audience":{"scope":"party","party":"ua"}}`)),
		403, app.CodeForbidden, "")
}
