package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/talks"
)

func TestSignedApprovals(t *testing.T) {
	svc, ps := demo(t)
	ctx := context.Background()
	ua, uaCapital := ps["ua-negotiator"], ps["ua-capital"]
	aspects, _ := svc.All(ctx, &ua, talks.KindAspect, "")
	body := map[string]any{"aspect_id": aspects[0].ID, "party_id": "ua", "decision": "approved", "note": "  Reported after Abu Dhabi.  "}
	raw, _ := json.Marshal(body)

	skey, vkey, _ := note.GenerateKey(rand.Reader, "kyiv-approver")
	signer, _ := note.NewSigner(skey)
	sign := func(b []byte) string {
		signable, err := app.SignableBody(scenario.Registry(), talks.KindApproval, b)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := record.Sign(signer, vkey, talks.KindApproval, signable)
		if err != nil {
			t.Fatal(err)
		}
		return "— kyiv-approver " + sig.Value
	}
	with := func(extra map[string]any) []byte {
		m := map[string]any{}
		for k, v := range body {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	check := func(name string, as string, b []byte, code app.Code, field string) {
		t.Helper()
		_, err := svc.Create(ctx, ps[as], talks.KindApproval, b)
		var e *app.Error
		if !errors.As(err, &e) || e.Code != code || e.Field != field {
			t.Errorf("%s: %v, want %s on %q", name, err, code, field)
		}
	}
	check("unsigned", "ua-capital", raw, app.CodeInvalid, "signature")
	check("no registered key", "ua-capital", with(map[string]any{"signature": sign(raw)}), app.CodeInvalid, "signature")
	if err := svc.RegisterKey(ctx, "ua-capital", vkey); err != nil {
		t.Fatal(err)
	}
	check("negotiator approves", "ua-negotiator", with(map[string]any{"signature": sign(raw)}), app.CodeForbidden, "")
	check("signature over another decision", "ua-capital", with(map[string]any{"decision": "rejected", "signature": sign(raw)}), app.CodeInvalid, "signature")
	check("ru's capital for ua", "ru-capital", with(map[string]any{"signature": sign(raw)}), app.CodeForbidden, "party_id")

	w, err := svc.Create(ctx, uaCapital, talks.KindApproval, with(map[string]any{"signature": sign(raw)}))
	if err != nil {
		t.Fatalf("a signed approval: %v", err)
	}
	rec, err := svc.Store().RecordByID(ctx, w.Receipt.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	var env record.Envelope
	_ = json.Unmarshal(rec.Canonical, &env)
	if env.Sig == nil || env.Sig.Key != vkey {
		t.Fatalf("the committed record carries signature %+v", env.Sig)
	}
	// Anyone with the approver's public key can check it, from the record alone.
	if err := record.VerifySignature(*env.Sig, env.Kind, env.Body); err != nil {
		t.Errorf("the committed signature does not verify: %v", err)
	}
	if _, err := svc.Update(ctx, uaCapital, talks.KindApproval, w.Entity.ID, with(map[string]any{"signature": sign(raw)})); app.ErrorCode(err) != app.CodeConflict {
		t.Errorf("changing an approval: %v, want a conflict", err)
	}
	rep, err := audit.Run(ctx, svc)
	if err != nil || len(rep.Findings) > 0 {
		t.Errorf("audit after a signed approval: %v %v", err, rep.Findings)
	}
}
