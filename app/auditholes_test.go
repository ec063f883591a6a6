package app_test

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/store/sqlite"
	"github.com/parley-project/parley/talks"
)

// The holes a hostile review of the audit found, each closed: rows the
// audit did not read, a chain of decisions forked behind a defeated index,
// and a record changed with its position cleared during a live audit.

// rv is a demo with a log, and the database file open beside it.
type rv struct {
	svc  *app.Service
	db   *sql.DB
	ps   map[string]access.Principal
	skey map[string]string
	asp  string
}

func newRV(t *testing.T) *rv {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")
	l := testkit.NewLog(t)
	st, err := sqlite.Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := testkit.NewService(st, nil, nil)
	t.Cleanup(svc.Close)
	if err := svc.AttachLog(ctx, l.Log); err != nil {
		t.Fatal(err)
	}
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	r := &rv{svc: svc, ps: map[string]access.Principal{}, skey: map[string]string{}}
	for _, lg := range logins {
		p, err := svc.Login(ctx, lg.Login, lg.Password)
		if err != nil {
			t.Fatal(err)
		}
		r.ps[lg.Login] = p
		r.skey[lg.Login] = lg.SigningKey
	}
	ua := r.ps["ua-negotiator"]
	aspects, _ := svc.All(ctx, &ua, talks.KindAspect, "")
	r.asp = aspects[len(aspects)-1].ID
	r.db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.db.Close() })
	return r
}

func (r *rv) approve(t *testing.T, login, decision string) (app.Written, error) {
	p := r.ps[login]
	body, _ := json.Marshal(map[string]any{"aspect_id": r.asp, "party_id": p.Party, "decision": decision})
	st, err := r.svc.Statement(t.Context(), p, talks.KindApproval, body)
	if err != nil {
		return app.Written{}, err
	}
	text, _ := st.Text()
	signer, err := note.NewSigner(r.skey[login])
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := note.Sign(&note.Note{Text: text}, signer)
	var m map[string]any
	json.Unmarshal(body, &m)
	m["statement"] = text
	m["signature"] = strings.TrimSpace(string(msg[len(text)+1:]))
	b, _ := json.Marshal(m)
	return r.svc.Create(t.Context(), p, talks.KindApproval, b)
}

func (r *rv) exec(t *testing.T, qs ...string) {
	for _, q := range qs {
		if _, err := r.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func (r *rv) chain(party string) string {
	return record.Statement{Kind: talks.KindApproval, Party: party, On: &record.EntityVersion{Kind: talks.KindAspect, ID: r.asp}}.Chain()
}

// has reports whether the findings hold one about id whose problem holds
// want.
func has(fs []audit.Finding, id, want string) bool {
	for _, f := range fs {
		if f.ID == id && strings.Contains(f.Problem, want) {
			return true
		}
	}
	return false
}

// TestAuditReadsEveryRow: a row added at seq 0 or below, where no record
// is ever made, is read by the audit, full and live, and its chain checked.
func TestAuditReadsEveryRow(t *testing.T) {
	ctx := t.Context()
	r := newRV(t)
	w, err := r.approve(t, "ua-capital", "approved")
	if err != nil {
		t.Fatal(err)
	}
	r.exec(t, `INSERT INTO records (seq, id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment, leaf_index, chain, supersedes)
		VALUES (-1, 'ghost', 'talks.approval', 'ghost', 0, 'x', 'ua', 'parties', x'7b7d', x'00', x'00', NULL, '`+r.chain("ua")+`', '`+w.Receipt.RecordID+`')`)
	for name, o := range map[string]audit.Options{"full": {}, "live": {Live: true, NoWitnesses: true, PlaceWait: time.Second}} {
		rep, err := audit.RunWith(ctx, r.svc, o)
		if err != nil {
			t.Fatal(err)
		}
		if !has(rep.Findings, "ghost", "no position in the log") || !has(rep.Findings, "ghost", "commitment does not match") {
			t.Errorf("the %s audit misses a row added at seq -1: %v", name, rep.Findings)
		}
	}
}

// TestAuditFindsAForkedChain: two decisions superseding the same one,
// which the database's index would refuse, are found by the audit from
// the records themselves once the index is defeated; so is the index.
func TestAuditFindsAForkedChain(t *testing.T) {
	ctx := t.Context()
	r := newRV(t)
	w, err := r.approve(t, "ua-capital", "approved")
	if err != nil {
		t.Fatal(err)
	}
	r.exec(t, "DROP INDEX records_chain",
		"CREATE UNIQUE INDEX records_chain ON records (chain, supersedes) WHERE chain IS NOT NULL AND length(chain) < 0",
		`INSERT INTO records (id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment, chain, supersedes)
			SELECT 'fork', kind, 'fork', at, author_principal, author_party, aud_scope, canonical, salt, commitment, chain, supersedes
			FROM records WHERE id = '`+w.Receipt.RecordID+`'`)
	rep, err := audit.Run(ctx, r.svc)
	if err != nil {
		t.Fatal(err)
	}
	if !has(rep.Findings, "fork", "its chain") || !has(rep.Findings, "fork", "forks") {
		t.Errorf("the audit misses a forked chain: %v", rep.Findings)
	}
	if !has(rep.Findings, "records_chain", "applies where") {
		t.Errorf("the audit misses the defeated index: %v", rep.Findings)
	}
}

// TestLiveAuditFindsAClearedPosition: a record changed while serve runs,
// its position cleared so that it looks like a write under way, is found
// by the live audit: it had its position when the audit began.
func TestLiveAuditFindsAClearedPosition(t *testing.T) {
	ctx := t.Context()
	r := newRV(t)
	victim := testkit.Records(t, r.svc.Store())[3]
	changed := strings.Replace(string(victim.Canonical), `"name":"`, `"name":"X`, 1)
	if changed == string(victim.Canonical) {
		t.Fatalf("nothing to change in %s", victim.Canonical)
	}
	r.exec(t, "DROP TRIGGER records_no_update")
	if _, err := r.db.Exec("UPDATE records SET canonical = ?, leaf_index = NULL WHERE id = ?", []byte(changed), victim.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.RunWith(ctx, r.svc, audit.Options{Live: true, NoWitnesses: true, PlaceWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !has(rep.Findings, victim.ID, "commitment does not match") || !has(rep.Findings, victim.ID, "no position in the log") {
		t.Errorf("the live audit misses a record changed with its position cleared: %v", rep.Findings)
	}
}

// TestAlteredFileNotServed: a file changed in the database behind
// parley's back is not served as the one its record names, and fails the
// installation's integrity, so that it commits nothing more.
func TestAlteredFileNotServed(t *testing.T) {
	r := newRV(t)
	ctx := t.Context()
	mon := r.ps["us-monitor"]
	b, err := r.svc.PutFile(ctx, mon, "image/jpeg", []byte("a photo of the street"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.svc.Create(ctx, mon, "monitor.report", []byte(`{"source_type":"monitor-patrol","source_name":"Patrol 7","occurred_at":"2026-01-25T14:10:00+02:00",`+
		`"time_precision":"exact","place_name":"Orikhiv","place_precision":"coordinates","lat":47.567,"lon":35.784,"weapon_class":"artillery",`+
		`"target_class":"residential","evidence":[{"sha256":"`+b.SHA256+`"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ua := r.ps["ua-negotiator"]
	if _, err := r.svc.File(ctx, &ua, "monitor.report", w.Entity.ID, b.SHA256); err != nil {
		t.Fatalf("the file as uploaded: %v", err)
	}
	if _, err := r.db.Exec("UPDATE blobs SET data = ? WHERE sha256 = ?", []byte("another photo, same size"[:21]), b.SHA256); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.File(ctx, &ua, "monitor.report", w.Entity.ID, b.SHA256)
	if app.ErrorCode(err) != app.CodeUnavailable || !strings.Contains(err.Error(), "changed in the store") {
		t.Errorf("the altered file: %v", err)
	}
	if !r.svc.IntegrityFailed() {
		t.Error("an altered file leaves the installation's integrity intact")
	}
	var before int
	if err := r.db.QueryRow("SELECT count(*) FROM blobs").Scan(&before); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(ctx, r.svc)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.What == "file" && f.ID == b.SHA256 && strings.Contains(f.Problem, "changed in the store")
	}
	if !found || rep.Files != before || len(rep.Findings) != 1 {
		t.Errorf("the audit of %d files finds %v; want the altered file", rep.Files, rep.Findings)
	}
}
