package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/internal/testkit"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/talks"
)

// TestSign checks that what parley sign makes is what the server accepts,
// with the statement asked of the server or given in a file; that it
// refuses to sign a statement of another body; and that a body changed
// after signing is refused.
func TestSign(t *testing.T) {
	ctx := context.Background()
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	svc := d.Service
	dir := t.TempDir()
	key := filepath.Join(dir, "ua-capital.key")
	if err := os.WriteFile(key, []byte(d.Login(t, "ua-capital").SigningKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	capital := d.Principal(t, "ua-capital")
	aspects, _ := svc.All(ctx, &capital, talks.KindAspect, "")
	body := filepath.Join(dir, "approval.json")
	// Untidy on purpose: the signature covers the body as committed.
	raw := []byte(`{"aspect_id":"` + aspects[0].ID + `","party_id":"ua","decision":"reserved","note":"  Pending the sequencing.  "}`)
	os.WriteFile(body, raw, 0o600)

	// With --server, parley sign asks the API for the statement.
	ts := httptest.NewServer(httpapi.New(svc, nil))
	defer ts.Close()
	tok, err := svc.NewToken(ctx, "ua-capital", "sign test")
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte(tok+"\n"), 0o600)
	code, stdout, stderr := parley(t, "sign", body, "--key", key, "--server", ts.URL, "--token-file", tokFile)
	if code != exitOK {
		t.Fatalf("sign --server = %d %s", code, stderr)
	}
	if !strings.Contains(stderr, "the first decision of your party here") || !strings.Contains(stderr, "on talks.aspect "+aspects[0].ID) {
		t.Errorf("parley sign does not say what it binds:\n%s", stderr)
	}
	first, err := svc.Create(ctx, capital, talks.KindApproval, []byte(stdout))
	if err != nil {
		t.Fatalf("the server refuses what parley sign made: %v\n%s", err, stdout)
	}
	var m map[string]any
	json.Unmarshal([]byte(stdout), &m)
	m["decision"] = "approved"
	changed, _ := json.Marshal(m)
	if _, err := svc.Create(ctx, capital, talks.KindApproval, changed); app.ErrorCode(err) != app.CodeInvalid || !strings.Contains(err.Error(), "signs the body") {
		t.Errorf("a body changed after signing: %v", err)
	}

	// With --statement, it signs a statement fetched beforehand, which
	// binds the decision it supersedes.
	st, err := svc.Statement(ctx, capital, talks.KindApproval, raw)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := st.Text()
	stFile := filepath.Join(dir, "statement.txt")
	os.WriteFile(stFile, []byte(text), 0o600)
	code, stdout, stderr = parley(t, "sign", body, "--key", key, "--statement", stFile)
	if code != exitOK {
		t.Fatalf("sign --statement = %d %s", code, stderr)
	}
	if !strings.Contains(stderr, "superseding decision "+first.Receipt.RecordID) {
		t.Errorf("parley sign does not say what it supersedes:\n%s", stderr)
	}
	if _, err := svc.Create(ctx, capital, talks.KindApproval, []byte(stdout)); err != nil {
		t.Fatalf("the server refuses what parley sign --statement made: %v", err)
	}

	// Nor one a hostile server bound to another time, aspect or party
	// than the body says.
	for name, change := range map[string]func(st *record.Statement){
		"dated ahead":    func(st *record.Statement) { st.At = st.At.Add(30 * 24 * time.Hour) },
		"another aspect": func(st *record.Statement) { st.On.ID = aspects[1].ID },
		"another party":  func(st *record.Statement) { st.Party = "ru" },
	} {
		bad := st
		on := *st.On
		bad.On = &on
		change(&bad)
		text, _ := bad.Text()
		f := filepath.Join(dir, "hostile.txt")
		os.WriteFile(f, []byte(text), 0o600)
		if code, _, stderr := parley(t, "sign", body, "--key", key, "--statement", f); code != exitError || !strings.Contains(stderr, "refusing to sign") {
			t.Errorf("sign a statement %s = %d %q", name, code, stderr)
		}
	}

	// A statement of another body is not signed.
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"aspect_id":"`+aspects[0].ID+`","party_id":"ua","decision":"approved"}`), 0o600)
	if code, _, stderr := parley(t, "sign", other, "--key", key, "--statement", stFile); code != exitError || !strings.Contains(stderr, "refusing to sign") {
		t.Errorf("sign another body's statement = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "sign", body, "--key", body, "--statement", stFile); code != exitError || !strings.Contains(stderr, "no private note key") {
		t.Errorf("sign with a non-key = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "sign", "--key", key); code != exitUsage || !strings.Contains(stderr, "name the body") {
		t.Errorf("sign without a body = %d %q", code, stderr)
	}
	if code, _, stderr := parley(t, "sign", body, "--key", key); code != exitUsage || !strings.Contains(stderr, "--statement") {
		t.Errorf("sign without a statement = %d %q", code, stderr)
	}
	// The server's refusal reaches the signer by name.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"aspect_id":"no-such-aspect","party_id":"ua","decision":"approved"}`), 0o600)
	if code, _, stderr := parley(t, "sign", bad, "--key", key, "--server", ts.URL, "--token-file", tokFile); code != exitError || !strings.Contains(stderr, "aspect_id") {
		t.Errorf("sign for an unknown aspect = %d %q", code, stderr)
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
