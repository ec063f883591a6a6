package app_test

import (
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/talks"
)

// TestFailedIntegrityRefusesWrites: once a check finds the installation
// tampered with, nothing more is committed on top of it, and the refusal
// says so without the findings, which may name records hidden from the
// writer; reads go on.
func TestFailedIntegrityRefusesWrites(t *testing.T) {
	svc, ps := demo(t)
	ctx := t.Context()
	med := ps["us-mediator"]
	body := []byte(`{"name":"Geneva round","place":"Geneva","starts_on":"2026-03-01","status":"planned"}`)
	if _, err := svc.Create(ctx, med, talks.KindRound, body); err != nil {
		t.Fatal(err)
	}
	if in := svc.Integrity(); in.Failed {
		t.Fatalf("a new installation is failed: %+v", in)
	}
	svc.CheckStarted()
	if !svc.Integrity().Running {
		t.Error("a check under way is not shown as running")
	}
	svc.CheckDone(ctx, "start", nil)
	if in := svc.Integrity(); in.Failed || in.Running || in.Checked.IsZero() {
		t.Errorf("after a clean check: %+v", in)
	}
	before := len(records(t, svc.Store()))
	svc.CheckDone(ctx, "audit", []string{"record r-1: its bytes are not in canonical form"})
	_, err := svc.Create(ctx, med, talks.KindRound, body)
	if code(err) != app.CodeUnavailable || !strings.Contains(err.Error(), "failed its integrity check") || strings.Contains(err.Error(), "r-1") {
		t.Errorf("a write on a failed installation: %v", err)
	}
	if n := len(records(t, svc.Store())); n != before {
		t.Errorf("%d records committed on a failed installation", n-before)
	}
	// A later clean check does not clear it: only a restart does.
	svc.CheckDone(ctx, "audit", nil)
	if in := svc.Integrity(); !in.Failed || len(in.Findings) != 1 {
		t.Errorf("after a clean check that followed a failed one: %+v", in)
	}
	if _, err := svc.All(ctx, &med, talks.KindRound, ""); err != nil {
		t.Errorf("reads on a failed installation: %v", err)
	}
}
