package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

// clock is a test's settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// approvals is a demo with a capital approver who holds a registered key.
type approvals struct {
	svc     *app.Service
	clock   *clock
	ps      map[string]access.Principal
	capital access.Principal
	signer  note.Signer
	aspect  string
}

func newApprovals(t *testing.T) *approvals {
	t.Helper()
	c := &clock{t: time.Now()}
	d := testkit.NewDemo(t, testkit.DemoOptions{Now: c.now})
	a := &approvals{svc: d.Service, clock: c, ps: d.Principals(t)}
	a.capital = a.ps["ua-capital"]
	skey, vkey, _ := note.GenerateKey(rand.Reader, "kyiv-approver")
	a.signer, _ = note.NewSigner(skey)
	if err := a.svc.RegisterKey(t.Context(), "ua-capital", vkey); err != nil {
		t.Fatal(err)
	}
	ua := a.ps["ua-negotiator"]
	aspects, _ := a.svc.All(t.Context(), &ua, talks.KindAspect, "")
	a.aspect = aspects[0].ID
	return a
}

func (a *approvals) body(decision string) []byte {
	b, _ := json.Marshal(map[string]any{"aspect_id": a.aspect, "party_id": "ua", "decision": decision, "note": "  Reported after Abu Dhabi.  "})
	return b
}

// statement asks for the statement to sign for body, as p.
func (a *approvals) statement(t *testing.T, p access.Principal, body []byte) string {
	t.Helper()
	st, err := a.svc.Statement(t.Context(), p, talks.KindApproval, body)
	if err != nil {
		t.Fatalf("statement: %v", err)
	}
	text, err := st.Text()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// signed is body with the statement and a signature over it.
func (a *approvals) signed(t *testing.T, body []byte, statement string) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: statement}, a.signer)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	m["statement"] = statement
	m["signature"] = strings.TrimSpace(string(msg[len(statement)+1:]))
	out, _ := json.Marshal(m)
	return out
}

// refused checks that committing body as p fails with code on field, its
// message holding want.
func (a *approvals) refused(t *testing.T, name string, p access.Principal, body []byte, code app.Code, field, want string) {
	t.Helper()
	_, err := a.svc.Create(t.Context(), p, talks.KindApproval, body)
	var e *app.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, want) {
		t.Errorf("%s: %v, want %s on %q saying %q", name, err, code, field, want)
	}
}

func TestSignedApprovals(t *testing.T) {
	a := newApprovals(t)
	ctx := t.Context()
	approved := a.body("approved")
	good := a.signed(t, approved, a.statement(t, a.capital, approved))

	var m map[string]any
	json.Unmarshal(good, &m)
	without := func(field string) []byte {
		c := map[string]any{}
		for k, v := range m {
			if k != field {
				c[k] = v
			}
		}
		b, _ := json.Marshal(c)
		return b
	}
	a.refused(t, "no statement", a.capital, without("statement"), app.CodeInvalid, "statement", "is required")
	a.refused(t, "no signature", a.capital, without("signature"), app.CodeInvalid, "signature", "is required")
	a.refused(t, "the negotiator", a.ps["ua-negotiator"], good, app.CodeForbidden, "", "")
	a.refused(t, "ru's capital for ua", a.ps["ru-capital"], good, app.CodeForbidden, "party_id", "")
	if _, err := a.svc.Statement(ctx, a.ps["ua-negotiator"], talks.KindApproval, approved); app.ErrorCode(err) != app.CodeForbidden {
		t.Errorf("a statement for the negotiator: %v", err)
	}
	rejected := a.body("rejected")
	a.refused(t, "the statement of another decision", a.capital, a.signed(t, rejected, a.statement(t, a.capital, approved)),
		app.CodeInvalid, "statement", "signs the body")
	other := a.signed(t, approved, a.statement(t, a.capital, approved))
	var om map[string]any
	json.Unmarshal(other, &om)
	m2 := map[string]any{}
	for k, v := range m {
		m2[k] = v
	}
	m2["signature"] = om["signature"]
	mixed, _ := json.Marshal(m2)
	if om["statement"] != m["statement"] {
		a.refused(t, "another statement's signature", a.capital, mixed, app.CodeInvalid, "signature", "does not verify")
	}

	w, err := a.svc.Create(ctx, a.capital, talks.KindApproval, good)
	if err != nil {
		t.Fatalf("a signed approval: %v", err)
	}
	env := envelope(t, a.svc, w.Receipt.RecordID)
	if env.Sig == nil || env.Sig.On == nil || env.Sig.On.ID != a.aspect || env.Sig.Supersedes != "" || len(env.Refs) != 0 {
		t.Fatalf("the first approval binds %+v", env.Sig)
	}
	// The signature binds the exact version of the aspect it was given on.
	aspect, err := a.svc.Store().Entity(ctx, access.System, talks.KindAspect, a.aspect)
	if err != nil {
		t.Fatal(err)
	}
	aspectRec, _ := a.svc.Store().RecordByID(ctx, aspect.RecordID)
	if env.Sig.On.Record != aspect.RecordID || string(env.Sig.On.Commitment) != string(aspectRec.Commitment) {
		t.Errorf("the approval binds version %s of the aspect, which is at %s", env.Sig.On.Record, aspect.RecordID)
	}
	// Anyone with the approver's public key can check it, from the record alone.
	if err := record.VerifyEnvelope(env); err != nil {
		t.Errorf("the committed signature does not verify: %v", err)
	}

	// Replay: the same signed approval again is refused, by name.
	a.refused(t, "the same statement again", a.capital, good, app.CodeConflict, "statement", "used already")

	// A rejection supersedes the approval...
	rej, err := a.svc.Create(ctx, a.capital, talks.KindApproval, a.signed(t, rejected, a.statement(t, a.capital, rejected)))
	if err != nil {
		t.Fatalf("a rejection: %v", err)
	}
	if env := envelope(t, a.svc, rej.Receipt.RecordID); env.Sig.Supersedes != w.Receipt.RecordID || len(env.Refs) != 1 || env.Refs[0] != w.Receipt.RecordID {
		t.Errorf("the rejection supersedes %q, refs %v; want the approval %s", env.Sig.Supersedes, env.Refs, w.Receipt.RecordID)
	}
	// ...and the old "approved", posted again, does not become the latest.
	a.refused(t, "the old approval after the rejection", a.capital, good, app.CodeConflict, "statement", "not the latest decision")
	if head := latest(t, a, "ua"); head != rej.Receipt.RecordID {
		t.Errorf("the latest decision is %s, want the rejection %s", head, rej.Receipt.RecordID)
	}

	// Two statements given for the same latest decision: the first
	// committed wins, the second is refused.
	s1 := a.signed(t, approved, a.statement(t, a.capital, approved))
	a.clock.add(time.Microsecond)
	s2 := a.signed(t, a.body("reserved"), a.statement(t, a.capital, a.body("reserved")))
	if _, err := a.svc.Create(ctx, a.capital, talks.KindApproval, s1); err != nil {
		t.Fatal(err)
	}
	a.refused(t, "a statement overtaken by another decision", a.capital, s2, app.CodeConflict, "statement", "not the latest decision")

	// A statement signed on an aspect that changed since is refused.
	stale := a.signed(t, rejected, a.statement(t, a.capital, rejected))
	var ab map[string]any
	json.Unmarshal(aspect.Body, &ab)
	ab["summary"] = "Changed after the capital read it."
	changed, _ := json.Marshal(ab)
	if _, err := a.svc.Update(ctx, a.ps["us-mediator"], talks.KindAspect, a.aspect, changed); err != nil {
		t.Fatal(err)
	}
	a.refused(t, "a statement on an older version of the aspect", a.capital, stale, app.CodeConflict, "statement", "has changed since")

	// A statement is accepted only shortly after it was signed.
	old := a.signed(t, rejected, a.statement(t, a.capital, rejected))
	a.clock.add(app.StatementLifetime + time.Second)
	a.refused(t, "a statement signed too long ago", a.capital, old, app.CodeConflict, "statement", "ask for a new one")
	future := a.statement(t, a.capital, rejected)
	a.clock.add(-2 * time.Minute)
	a.refused(t, "a statement from the future", a.capital, a.signed(t, rejected, future), app.CodeInvalid, "statement", "in the future")

	// Approvals are never changed.
	if _, err := a.svc.Update(ctx, a.capital, talks.KindApproval, w.Entity.ID, good); app.ErrorCode(err) != app.CodeConflict {
		t.Errorf("changing an approval: %v, want a conflict", err)
	}
	rep, err := audit.Run(ctx, a.svc)
	if err != nil || len(rep.Findings) > 0 {
		t.Errorf("audit after signed approvals: %v %v", err, rep.Findings)
	}
}

// TestStoreRefusesAReplayedDecision: the database itself refuses a second
// record superseding the same decision, whatever code writes it.
func TestStoreRefusesAReplayedDecision(t *testing.T) {
	a := newApprovals(t)
	ctx := t.Context()
	approved := a.body("approved")
	w, err := a.svc.Create(ctx, a.capital, talks.KindApproval, a.signed(t, approved, a.statement(t, a.capital, approved)))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := a.svc.Store().RecordByID(ctx, w.Receipt.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	env := envelope(t, a.svc, rec.ID)
	env.ID = record.NewID()
	env.Subject = env.ID
	err = a.svc.Store().Write(ctx, func(tx store.Tx) error {
		_, err := app.Append(ctx, tx, env)
		return err
	})
	if app.ErrorCode(err) != app.CodeConflict || !strings.Contains(err.Error(), "superseded already") {
		t.Errorf("the same statement appended behind the checks: %v, want a conflict", err)
	}
}

func envelope(t *testing.T, svc *app.Service, id string) record.Envelope {
	t.Helper()
	rec, err := svc.Store().RecordByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var env record.Envelope
	if err := json.Unmarshal(rec.Canonical, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// latest is party's latest decision on the approvals' aspect, by the chain.
func latest(t *testing.T, a *approvals, party string) string {
	t.Helper()
	st := record.Statement{Kind: talks.KindApproval, Party: party, On: &record.EntityVersion{Kind: talks.KindAspect, ID: a.aspect}}
	head, err := a.svc.Store().ChainHead(t.Context(), st.Chain())
	if err != nil {
		t.Fatal(err)
	}
	return head
}
