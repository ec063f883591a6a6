package web_test

import (
	"strings"
	"testing"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/web"
)

// TestIntegrityBanner: every page of an installation that failed its
// integrity check says so; what was found is shown to administrators only.
func TestIntegrityBanner(t *testing.T) {
	f := newFixture(t, web.Options{})
	const finding = "record r-1: its audience disagrees with its canonical bytes"
	if page := f.get(t, client(t), "/"); strings.Contains(page.body, "failed its integrity check") {
		t.Fatal("a sound installation shows the integrity alarm")
	}
	f.svc.CheckDone(t.Context(), "audit", []string{finding})
	anon := f.get(t, client(t), "/")
	if !strings.Contains(anon.body, "This installation failed its integrity check.") || strings.Contains(anon.body, finding) {
		t.Errorf("the public's page: alarm %t, finding %t", strings.Contains(anon.body, "failed its integrity check"), strings.Contains(anon.body, finding))
	}
	neg := f.get(t, f.signIn(t, f.login(t, "ru", access.RoleNegotiator)), "/transparency")
	if !strings.Contains(neg.body, "failed its integrity check") || strings.Contains(neg.body, finding) {
		t.Error("a negotiator does not see the alarm, or sees the finding")
	}
	admin := f.get(t, f.signIn(t, f.login(t, "us", access.RoleAdmin)), "/")
	if !strings.Contains(admin.body, finding) {
		t.Error("an administrator does not see what was found")
	}
}
