package main

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-project/parley/server"
)

// TestServeRefusesATamperedInstallation: serve started on a database whose
// record was widened to the public behind parley's back says so on every
// answer, and commits nothing; an untouched one serves as ever.
func TestServeRefusesATamperedInstallation(t *testing.T) {
	dir := t.TempDir()
	config, _ := install(t, dir)
	token := newToken(t, config, "admin")
	srv := start(t, "serve", "--config", config)
	base := srv.url(t)
	code, body := post(t, base+"api/v1/rounds", token,
		`{"name": "Back channel", "place": "Muscat", "starts_on": "2026-03-02", "status": "planned", "audience": {"scope": "party", "party": "us"}}`)
	if code != http.StatusCreated {
		t.Fatalf("POST a confidential round = %d %s", code, body)
	}
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)[1]
	srv.await(t, regexp.MustCompile(`background audit passed`), srv.err.String)
	if code, _ := fetch(t, base+"api/v1/rounds/"+id, ""); code != http.StatusNotFound {
		t.Fatalf("the public reads the confidential round: %d", code)
	}
	if code := srv.stop(t); code != exitOK {
		t.Fatalf("serve exited %d\n%s", code, srv.err)
	}

	// Someone with the file widens the round's audience to everyone, in
	// the record and in its projection, as parley would have made it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "data", server.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER records_no_update`,
		`UPDATE records SET aud_scope = 'public', aud_party = '' WHERE subject = '` + id + `'`,
		`UPDATE entities SET aud_scope = 'public', aud_party = '' WHERE id = '` + id + `'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	srv = start(t, "serve", "--config", config)
	base = srv.url(t)
	srv.await(t, regexp.MustCompile(`integrity check failed`), srv.err.String)
	if !strings.Contains(srv.err.String(), "disagree with its canonical bytes") {
		t.Errorf("serve does not log what it found:\n%s", srv.err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"api/v1/rounds/"+id, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get(server.IntegrityHeader) != "failed" {
		t.Errorf("a read of a tampered installation lacks %s: failed (status %d)", server.IntegrityHeader, resp.StatusCode)
	}
	if code, page := fetch(t, base, ""); !strings.Contains(page, "This installation failed its integrity check.") {
		t.Errorf("the home page (%d) does not say the installation failed its check", code)
	}
	if code, body := post(t, base+"api/v1/rounds", token,
		`{"name": "Geneva round", "place": "Geneva", "starts_on": "2026-03-09", "status": "planned"}`); code != http.StatusServiceUnavailable ||
		!strings.Contains(body, "failed its integrity check") {
		t.Errorf("a write on a tampered installation = %d %s", code, body)
	}
}
