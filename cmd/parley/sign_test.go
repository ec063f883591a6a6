package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-project/parley/internal/testkit"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/talks"
)

// TestSign checks that what parley sign makes is what the server accepts,
// and that a body changed after signing is refused.
func TestSign(t *testing.T) {
	ctx := context.Background()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	svc := d.Service
	key := filepath.Join(t.TempDir(), "ua-capital.key")
	if err := os.WriteFile(key, []byte(d.Login(t, "ua-capital").SigningKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	capital := d.Principal(t, "ua-capital")
	aspects, _ := svc.All(ctx, &capital, talks.KindAspect, "")
	body := filepath.Join(t.TempDir(), "approval.json")
	// Untidy on purpose: the signature covers the body as committed.
	os.WriteFile(body, []byte(`{"aspect_id":"`+aspects[0].ID+`","party_id":"ua","decision":"reserved","note":"  Pending the sequencing.  "}`), 0o600)

	code, stdout, stderr := parley(t, "sign", body, "--key", key)
	if code != exitOK {
		t.Fatalf("sign = %d %s", code, stderr)
	}
	if _, err := svc.Create(ctx, capital, talks.KindApproval, []byte(stdout)); err != nil {
		t.Fatalf("the server refuses what parley sign made: %v\n%s", err, stdout)
	}
	var m map[string]any
	json.Unmarshal([]byte(stdout), &m)
	m["decision"] = "approved"
	changed, _ := json.Marshal(m)
	if _, err := svc.Create(ctx, capital, talks.KindApproval, changed); app.ErrorCode(err) != app.CodeInvalid || !strings.Contains(err.Error(), "signature") {
		t.Errorf("a body changed after signing: %v", err)
	}

	if code, _, stderr := parley(t, "sign", body, "--key", body); code != exitError || !strings.Contains(stderr, "no private note key") {
		t.Errorf("sign with a non-key = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "sign", "--key", key); code != exitUsage || !strings.Contains(stderr, "name the body") {
		t.Errorf("sign without a body = %d %q", code, stderr)
	}
}

func TestKeysRegister(t *testing.T) {
	dir := t.TempDir()
	config, _ := install(t, dir)
	key := filepath.Join(dir, "admin.key")
	if code, _, stderr := parley(t, "keys", "generate", "--name", "admin-signing", "--out", key); code != exitOK {
		t.Fatalf("keys generate = %d %s", code, stderr)
	}
	if code, _, stderr := parley(t, "keys", "register", "--config", config, "--login", "admin", "--key", key+".pub"); code != exitOK {
		t.Fatalf("keys register = %d %s", code, stderr)
	}
	cfg, err := server.LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(context.Background(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.PrincipalByLogin(context.Background(), "admin")
	pub, _ := os.ReadFile(key + ".pub")
	if err != nil || p.SigningKey != strings.TrimSpace(string(pub)) {
		t.Errorf("admin's signing key is %q, want %q (%v)", p.SigningKey, pub, err)
	}
	if code, _, stderr := parley(t, "keys", "register", "--config", config, "--login", "nobody", "--key", key+".pub"); code != exitError || !strings.Contains(stderr, "no principal") {
		t.Errorf("keys register for nobody = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "keys", "register", "--config", config, "--login", "admin", "--key", "garbage"); code != exitUsage {
		t.Errorf("keys register with garbage = %d %q", code, stderr)
	}
}
