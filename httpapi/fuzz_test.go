package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

// The fuzz tests send fuzzed bodies through the real handler to a real
// SQLite store with the demo process in it, as the mediator or as a
// negotiator. Whatever the body, the API must answer below 500, an error
// must be a well-formed JSON error with a code, and a refused write must
// leave no record behind.

func FuzzCreateParty(f *testing.F)      { fuzzCreate(f, "parties") }
func FuzzCreatePerson(f *testing.F)     { fuzzCreate(f, "people") }
func FuzzCreateRound(f *testing.F)      { fuzzCreate(f, "rounds") }
func FuzzCreateSession(f *testing.F)    { fuzzCreate(f, "sessions") }
func FuzzCreateDelegation(f *testing.F) { fuzzCreate(f, "delegations") }
func FuzzCreateAspect(f *testing.F)     { fuzzCreate(f, "aspects") }
func FuzzCreateActionItem(f *testing.F) { fuzzCreate(f, "action-items") }
func FuzzCreateStatement(f *testing.F)  { fuzzCreate(f, "statements") }
func FuzzCreatePosition(f *testing.F)   { fuzzCreate(f, "positions") }
func FuzzCreateRelay(f *testing.F)      { fuzzCreate(f, "relays") }
func FuzzCreateClause(f *testing.F)     { fuzzCreate(f, "clauses") }
func FuzzCreateRule(f *testing.F)       { fuzzCreate(f, "sequencing-rules") }

// FuzzCreateApproval fuzzes the signed kind as the capital approver who may
// write it, from a correctly signed seed, so that decoding, the signature
// check and validation all see fuzzed input.
func FuzzCreateApproval(f *testing.F) {
	fx := newFixture(f)
	ids := fx.ids(f)
	valid := fx.signed(f, "ua-capital", talks.KindApproval, validBodies(ids, ids.nextRound, "2026-02-01")["approvals"])
	for _, seed := range seeds(string(valid)) {
		f.Add([]byte(seed))
	}
	w := &fuzzWatch{fx: fx, seq: fx.lastSeq(f)}
	f.Fuzz(func(t *testing.T, body []byte) {
		w.check(t, fx.do(t, "ua-capital", "POST", Prefix+"/approvals", body))
	})
}

// writers are the logins a fuzzed write is sent as.
var writers = []string{"us-mediator", "ua-negotiator"}

func fuzzCreate(f *testing.F, coll string) {
	fx := newFixture(f)
	ids := fx.ids(f)
	// The second round, where the mediator has no delegation yet, so that
	// the valid delegation seed is valid.
	valid := validBodies(ids, ids.nextRound, "2026-02-01")[coll]
	for _, seed := range seeds(valid) {
		f.Add([]byte(seed), false)
	}
	f.Add([]byte(strings.ReplaceAll(strings.ReplaceAll(valid, `"us"`, `"ua"`), ids.usPerson, ids.uaPerson)), true)
	w := &fuzzWatch{fx: fx, seq: fx.lastSeq(f)}
	f.Fuzz(func(t *testing.T, body []byte, asNegotiator bool) {
		login := writers[0]
		if asNegotiator {
			login = writers[1]
		}
		w.check(t, fx.do(t, login, "POST", Prefix+"/"+coll, body))
	})
}

// FuzzReplace sends fuzzed bodies as the full new state of an existing
// entity of any kind.
func FuzzReplace(f *testing.F) {
	fx := newFixture(f)
	fx.everyKind(f)
	truth := fx.truth(f)
	// One entity of each kind that both writers may see, or the mediator
	// where no party sees one (a reviewer's comment).
	ua := access.ViewerOf(fx.principal(f, writers[1]))
	med := access.ViewerOf(fx.principal(f, writers[0]))
	pick := func(es []store.Entity) (store.Entity, bool) {
		for _, v := range []access.Viewer{ua, med} {
			for _, e := range es {
				if access.CanSee(v, e.Audience) && access.CanSee(med, e.Audience) {
					return e, true
				}
			}
		}
		return store.Entity{}, false
	}
	var targets []string
	for i, k := range scenario.Registry().Kinds() {
		if e, ok := pick(truth[k.Name]); ok {
			targets = append(targets, Prefix+"/"+k.Collection+"/"+e.ID)
			for _, s := range seeds(string(e.Body)) {
				f.Add(uint8(i), []byte(s), false)
			}
			f.Add(uint8(i), []byte(e.Body), true)
		}
	}
	if len(targets) != len(scenario.Registry().Kinds()) {
		f.Fatalf("found %d targets for %d kinds", len(targets), len(scenario.Registry().Kinds()))
	}
	w := &fuzzWatch{fx: fx, seq: fx.lastSeq(f)}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte, asNegotiator bool) {
		login := writers[0]
		if asNegotiator {
			login = writers[1]
		}
		w.check(t, fx.do(t, login, "PUT", targets[int(kind)%len(targets)], body))
	})
}

// seeds derives bodies from a valid one: itself, and for each of its fields
// the body without it and with a value of each wrong JSON type; then bodies
// that are not what the endpoint takes at all.
func seeds(valid string) []string {
	out := []string{valid, valid[:len(valid)/2], valid + "{}", valid + " ",
		``, `{}`, `null`, `[]`, `"x"`, `0`, `{"audience":null}`, `{"audience":{"scope":"party","party":"ru"}}`,
		`{"audience":{"scope":"list","parties":[]}}`, strings.Repeat(`[`, 10000), "{\"name\":\"\xff\xfe\"}", `{"a":1,"a":2}`}
	var m map[string]any
	if json.Unmarshal([]byte(valid), &m) != nil {
		return out
	}
	for k := range m {
		for _, v := range []any{nil, 12345, -1.5, "", "2026-13-45", true, []any{}, map[string]any{"x": 1}, strings.Repeat("x", 30000)} {
			c := map[string]any{}
			for kk, vv := range m {
				c[kk] = vv
			}
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
			b, _ := json.Marshal(c)
			out = append(out, string(b))
		}
	}
	return out
}

// fuzzWatch checks each answer, and knows the newest record so that it can
// tell cheaply whether a refused write left one behind.
type fuzzWatch struct {
	fx  *fixture
	seq int64
}

func (w *fuzzWatch) check(t *testing.T, r response) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("status %d: %s\nlogged: %s", r.status, r.body, w.fx.errLog)
	}
	if r.status < 200 || r.status >= 300 && r.status < 400 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var e errorBody
	if r.status >= 400 {
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("status %d: not a well-formed error (%v): %s", r.status, err, r.body)
		}
	}
	recs, err := w.fx.svc.Store().Records(context.Background(), w.seq, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r.status >= 400 && len(recs) > 0 {
		t.Fatalf("refused with %d (%s), yet record %d (%s) was committed", r.status, e.Error.Message, recs[0].Seq, recs[0].Kind)
	}
	if r.status < 300 && len(recs) != 1 {
		t.Fatalf("a write committed %d records, want 1", len(recs))
	}
	for _, rec := range recs {
		w.seq = rec.Seq
	}
}
