package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/parley-project/parley/internal/testkit"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// demo returns a service on a fresh SQLite store loaded with the scenario,
// and the demo principals by login.
func demo(t *testing.T) (*app.Service, map[string]access.Principal) {
	t.Helper()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	return d.Service, d.Principals(t)
}

func records(t *testing.T, st store.Store) []store.Record {
	t.Helper()
	return testkit.Records(t, st)
}

func code(err error) app.Code { return app.ErrorCode(err) }

func TestScenarioRecordsVerify(t *testing.T) {
	svc, _ := demo(t)
	rs := records(t, svc.Store())
	if len(rs) < 50 {
		t.Fatalf("the demo committed only %d records", len(rs))
	}
	for _, r := range rs {
		var env record.Envelope
		if err := json.Unmarshal(r.Canonical, &env); err != nil {
			t.Fatalf("record %s: %v", r.ID, err)
		}
		again, err := record.Canonical(env)
		if err != nil || string(again) != string(r.Canonical) {
			t.Errorf("record %s: canonical bytes do not re-encode to themselves", r.ID)
		}
		if c, err := record.CommitmentOf(r.Salt, r.Canonical); err != nil || string(c[:]) != string(r.Commitment) {
			t.Errorf("record %s: commitment does not match", r.ID)
		}
		if env.ID != r.ID || env.Kind != r.Kind || env.Subject != r.Subject || !reflect.DeepEqual(env.Audience, r.Audience) {
			t.Errorf("record %s: columns disagree with the canonical bytes", r.ID)
		}
	}
}

func TestRebuildReproducesProjections(t *testing.T) {
	svc, ps := demo(t)
	ctx := context.Background()
	med := ps["us-mediator"]
	rounds, err := svc.All(ctx, &med, talks.KindRound, "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"name": "Abu Dhabi, second trilateral round", "place": "Abu Dhabi", "starts_on": "2026-02-01", "status": "planned"})
	if _, err := svc.Update(ctx, med, talks.KindRound, rounds[len(rounds)-1].ID, body); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string]store.Entity {
		out := map[string]store.Entity{}
		for _, e := range testkit.Entities(t, svc.Store()) {
			out[e.Kind+"/"+e.ID] = e
		}
		return out
	}
	before := snapshot()
	if err := svc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	after := snapshot()
	if len(before) != len(after) {
		t.Fatalf("rebuild made %d entities from %d", len(after), len(before))
	}
	for k, b := range before {
		a := after[k]
		if a.RecordID != b.RecordID || a.Version != b.Version || a.CreatedSeq != b.CreatedSeq || string(a.Body) != string(b.Body) || !a.Created.Equal(b.Created) || !a.Updated.Equal(b.Updated) {
			t.Errorf("%s differs after rebuild:\n before %+v\n after  %+v", k, b, a)
		}
	}
}

func TestUpdateSupersedes(t *testing.T) {
	svc, ps := demo(t)
	ctx := context.Background()
	med := ps["us-mediator"]
	aspects, _ := svc.All(ctx, &med, talks.KindAspect, "")
	a := aspects[0]
	body, _ := json.Marshal(map[string]any{"title": "Territory", "status": "deadlocked"})
	w, err := svc.Update(ctx, med, talks.KindAspect, a.ID, body)
	if err != nil {
		t.Fatal(err)
	}
	if w.Entity.Version != 2 || w.Entity.ID != a.ID || w.Entity.CreatedSeq != a.CreatedSeq {
		t.Errorf("update made %+v from %+v", w.Entity, a)
	}
	rec, err := svc.Store().RecordByID(ctx, w.Receipt.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	var env record.Envelope
	_ = json.Unmarshal(rec.Canonical, &env)
	if len(env.Refs) != 1 || env.Refs[0] != a.RecordID {
		t.Errorf("the new record refers to %v, want the superseded record %s", env.Refs, a.RecordID)
	}
	if !reflect.DeepEqual(env.Audience, a.Audience) {
		t.Errorf("an update without audience changed it from %v to %v", a.Audience, env.Audience)
	}
	// Statements are what was said: they are never changed.
	sts, _ := svc.All(ctx, &med, talks.KindStatement, "")
	sb, _ := json.Marshal(map[string]any{"speaker_name": "x", "text": "y", "said_at": "2026-01-24T00:00:00Z", "source": map[string]any{"name": "z"}})
	if _, err := svc.Update(ctx, med, talks.KindStatement, sts[0].ID, sb); code(err) != app.CodeConflict {
		t.Errorf("changing a statement: %v, want a conflict", err)
	}
}

func TestWriteRules(t *testing.T) {
	svc, ps := demo(t)
	ctx := context.Background()
	ua, ru, med, obs := ps["ua-negotiator"], ps["ru-negotiator"], ps["us-mediator"], ps["ae-observer"]
	before := len(records(t, svc.Store()))

	rounds, _ := svc.All(ctx, &ua, talks.KindRound, "")
	round := rounds[0].ID
	// An entity only ru may see: ua cannot refer to it any more than to nothing.
	ruOnly := findByAudience(t, svc, record.Audience{Scope: record.PartyOnly, Party: "ru"})
	cases := []struct {
		name  string
		as    access.Principal
		kind  string
		body  any
		code  app.Code
		field string
	}{
		{"observer writes", obs, talks.KindStatement, map[string]any{}, app.CodeForbidden, ""},
		{"negotiator writes a round", ua, talks.KindRound, map[string]any{}, app.CodeForbidden, ""},
		{"ua writes ru's action", ua, talks.KindAction, map[string]any{"title": "t", "owner_party": "ru", "status": "open"}, app.CodeForbidden, ""},
		{"ua writes into ru's channel", ua, talks.KindAction, map[string]any{"title": "t", "owner_party": "ua", "status": "open",
			"audience": map[string]any{"scope": "party+mediator", "party": "ru"}}, app.CodeForbidden, "audience"},
		{"mediator writes into ua's own channel", med, talks.KindAction, map[string]any{"title": "t", "owner_party": "ua", "status": "open",
			"audience": map[string]any{"scope": "party", "party": "ua"}}, app.CodeForbidden, "audience"},
		{"ua refers to ru's confidential item", ua, talks.KindStatement, map[string]any{"speaker_name": "s", "text": "t", "said_at": "2026-01-24T00:00:00Z",
			"source": map[string]any{"name": "n"}, "round_id": ruOnly}, app.CodeInvalid, "round_id"},
		{"unknown field", med, talks.KindRound, map[string]any{"name": "n", "place": "p", "starts_on": "2026-02-01", "status": "planned", "venue": "x"}, app.CodeInvalid, "venue"},
		{"wrong type", med, talks.KindRound, map[string]any{"name": 7}, app.CodeInvalid, "name"},
		{"bad time", med, talks.KindSession, map[string]any{"round_id": round, "title": "t", "format": "plenary", "starts_at": "tomorrow"}, app.CodeInvalid, "starts_at"},
		{"bad audience", med, talks.KindRound, map[string]any{"name": "n", "place": "p", "starts_on": "2026-02-01", "status": "planned", "audience": map[string]any{"scope": "secret"}}, app.CodeInvalid, "audience"},
		{"duplicate party", med, talks.KindParty, map[string]any{"id": "ua", "name": "Ukraine", "role": "party"}, app.CodeConflict, "id"},
		{"second delegation", ru, talks.KindDelegation, map[string]any{"round_id": abuDhabi(t, svc, ru), "party_id": "ru",
			"members": []any{map[string]any{"person_id": person(t, svc, ru, "Adm. Igor Kostyukov"), "role": "head"}}}, app.CodeConflict, "party_id"},
	}
	for _, tc := range cases {
		body, _ := json.Marshal(tc.body)
		_, err := svc.Create(ctx, tc.as, tc.kind, body)
		var e *app.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: error %v (%+v), want code %s on field %q", tc.name, err, e, tc.code, tc.field)
		}
	}
	// A record may not show its readers the id of something hidden from them.
	body, _ := json.Marshal(map[string]any{"name": "Closed round", "place": "p", "starts_on": "2026-03-01", "status": "planned",
		"audience": map[string]any{"scope": "parties"}})
	closed, err := svc.Create(ctx, med, talks.KindRound, body)
	if err != nil {
		t.Fatal(err)
	}
	before++
	body, _ = json.Marshal(map[string]any{"speaker_name": "s", "text": "t", "said_at": "2026-03-01T00:00:00Z",
		"source": map[string]any{"name": "n"}, "round_id": closed.Entity.ID, "audience": map[string]any{"scope": "public"}})
	var e *app.Error
	if _, err := svc.Create(ctx, med, talks.KindStatement, body); !errors.As(err, &e) || e.Code != app.CodeInvalid || e.Field != "round_id" {
		t.Errorf("a public statement about a parties-only round: %v, want invalid round_id", err)
	}
	// Nor may a party take over another's entity by naming itself the owner.
	ruItem := findByAudience(t, svc, record.Audience{Scope: record.PartyMediator, Party: "ru"})
	body, _ = json.Marshal(map[string]any{"title": "t", "owner_party": "ua", "status": "open"})
	if _, err := svc.Update(ctx, ua, talks.KindAction, ruItem, body); code(err) != app.CodeNotFound {
		t.Errorf("ua updating ru's item it cannot see: %v, want not found", err)
	}
	ruReport := ""
	actions, _ := svc.All(ctx, &ua, talks.KindAction, "")
	for _, a := range actions {
		var item talks.ActionItem
		_ = json.Unmarshal(a.Body, &item)
		if item.OwnerParty == "ru" {
			ruReport = a.ID
		}
	}
	if _, err := svc.Update(ctx, ua, talks.KindAction, ruReport, body); code(err) != app.CodeForbidden {
		t.Errorf("ua taking over ru's visible item: %v, want forbidden", err)
	}
	if _, err := svc.Create(ctx, ua, talks.KindAction, []byte(`{"title":"t"} {"x":1}`)); code(err) != app.CodeBadRequest {
		t.Errorf("two JSON values: %v", err)
	}
	if after := len(records(t, svc.Store())); after != before {
		t.Errorf("rejected writes changed the record count from %d to %d", before, after)
	}
	// And an invisible entity cannot be updated: it does not exist for ua.
	body, _ = json.Marshal(map[string]any{"title": "t", "owner_party": "ru", "status": "open"})
	if _, err := svc.Update(ctx, med, talks.KindAction, ruOnly, body); code(err) != app.CodeNotFound {
		t.Errorf("the mediator updating ru's own item: %v, want not found", err)
	}
}

func TestBootstrapOnlyOnce(t *testing.T) {
	svc, _ := demo(t)
	err := svc.Bootstrap(context.Background(), &talks.Party{ID: "xx", Name: "X", Role: access.ProcessMediator})
	if code(err) != app.CodeConflict {
		t.Errorf("a second bootstrap: %v, want a conflict", err)
	}
}

func TestLogins(t *testing.T) {
	svc, _ := demo(t)
	ctx := context.Background()
	if _, err := svc.Login(ctx, "ua-negotiator", "wrong password"); code(err) != app.CodeUnauthenticated {
		t.Errorf("wrong password: %v", err)
	}
	tok, err := svc.NewToken(ctx, "ua-negotiator", "test")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, tok)
	if err != nil || p.Login != "ua-negotiator" || p.PartyRole != access.ProcessParty {
		t.Errorf("token authenticates as %+v, %v", p, err)
	}
	if _, err := svc.Authenticate(ctx, tok+"x"); code(err) != app.CodeUnauthenticated {
		t.Errorf("a wrong token: %v", err)
	}
	if _, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: "x1", Party: "nowhere", Roles: []access.Role{access.RoleObserver}}); code(err) != app.CodeInvalid {
		t.Errorf("principal of a missing party: %v", err)
	}
	if _, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: "ua-negotiator", Party: "ua", Roles: []access.Role{access.RoleObserver}}); code(err) != app.CodeConflict {
		t.Errorf("a taken login: %v", err)
	}
	a, _ := svc.Secret(ctx, "cookie")
	b, _ := svc.Secret(ctx, "cookie")
	if len(a) != 32 || string(a) != string(b) {
		t.Error("the installation secret is not stable")
	}
}

func findByAudience(t *testing.T, svc *app.Service, aud record.Audience) string {
	t.Helper()
	for _, e := range testkit.Entities(t, svc.Store()) {
		if reflect.DeepEqual(e.Audience, aud) {
			return e.ID
		}
	}
	t.Fatalf("no entity with audience %+v", aud)
	return ""
}

func abuDhabi(t *testing.T, svc *app.Service, p access.Principal) string {
	rounds, _ := svc.All(context.Background(), &p, talks.KindRound, "")
	for _, r := range rounds {
		var round talks.Round
		_ = json.Unmarshal(r.Body, &round)
		if round.StartsOn == "2026-01-23" {
			return r.ID
		}
	}
	t.Fatal("no Abu Dhabi round")
	return ""
}

func person(t *testing.T, svc *app.Service, p access.Principal, name string) string {
	people, _ := svc.All(context.Background(), &p, talks.KindPerson, "")
	for _, e := range people {
		var person talks.Person
		_ = json.Unmarshal(e.Body, &person)
		if person.Name == name {
			return e.ID
		}
	}
	t.Fatalf("no person %s", name)
	return ""
}

func TestGroupCommitKeepsWritesApart(t *testing.T) {
	svc, ps := demo(t)
	ctx := context.Background()
	med := ps["us-mediator"]
	before := len(records(t, svc.Store()))
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			body := map[string]any{"title": fmt.Sprintf("Concurrent aspect %d", i), "status": "open"}
			if i%10 == 0 {
				body["status"] = "bogus" // refused, and must not take the others down
			}
			b, _ := json.Marshal(body)
			_, err := svc.Create(ctx, med, talks.KindAspect, b)
			errs <- err
		}()
	}
	refused := 0
	for range n {
		if err := <-errs; err != nil {
			if code(err) != app.CodeInvalid {
				t.Errorf("unexpected error: %v", err)
			}
			refused++
		}
	}
	if refused != n/10 {
		t.Errorf("%d writes refused, want %d", refused, n/10)
	}
	if got := len(records(t, svc.Store())) - before; got != n-n/10 {
		t.Errorf("%d records committed, want %d", got, n-n/10)
	}
}

// TestChanges: a follower of the records reads, in order, the records it
// may read and no other, and moves past the others as if they did not
// exist; paged, it reads the same.
func TestChanges(t *testing.T) {
	svc, ps := demo(t)
	all := records(t, svc.Store())
	for _, login := range []string{"ru-negotiator", "ua-negotiator", "ae-observer"} {
		p := ps[login]
		var got []app.Change
		after := int64(0)
		for {
			cs, last, err := svc.Changes(t.Context(), &p, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, cs...)
			if last == after {
				break
			}
			after = last
		}
		var want []app.Change
		for _, r := range all {
			if access.CanSee(access.ViewerOf(p), r.Audience) {
				want = append(want, app.Change{Seq: r.Seq, Kind: r.Kind, Subject: r.Subject})
			}
		}
		if !reflect.DeepEqual(got, want) || len(want) == len(all) || len(want) == 0 {
			t.Errorf("%s: %d changes, want %d of %d records", login, len(got), len(want), len(all))
		}
		if last, _ := svc.LastSeq(t.Context()); after != last {
			t.Errorf("%s: the follower stopped at %d, the last record is %d", login, after, last)
		}
	}
}
