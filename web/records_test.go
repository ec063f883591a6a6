package web_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
	"github.com/parley-project/parley/web"
)

// partyOnly returns an entity of the scenario that only party may read.
func partyOnly(t *testing.T, st store.Store, kind, party string) store.Entity {
	t.Helper()
	for _, e := range testkit.Entities(t, st) {
		if e.Kind == kind && e.Audience.Scope == record.PartyOnly && e.Audience.Party == party {
			return e
		}
	}
	t.Fatalf("the scenario has no %s that only %s may read", kind, party)
	return store.Entity{}
}

// poll gets path until ok says the answer is what the test waits for, and
// returns that answer, or fails after timeout.
func (f *fixture) poll(t *testing.T, c *http.Client, path string, timeout time.Duration, ok func(response) bool) response {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res := f.get(t, c, path)
		if ok(res) {
			return res
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still status %d after %v:\n%s", path, res.status, timeout, res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func contains(res response, s ...string) bool {
	text := html.UnescapeString(res.body)
	for _, x := range s {
		if !strings.Contains(text, x) {
			return false
		}
	}
	return true
}

// TestRecordPage reads a confidential record's page and downloads its proof
// as a reader of it, with a real log and witness, and checks the proof; to
// another party the record is a 404 like nothing at all.
func TestRecordPage(t *testing.T) {
	f, tl := newFixtureWithLog(t, web.Options{}, "ua-witness")
	ua := f.signIn(t, f.login(t, "ua", access.RoleNegotiator))
	item := partyOnly(t, f.st, talks.KindAction, "ua")
	rec, err := f.st.RecordByID(t.Context(), item.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.LeafIndex < 0 {
		t.Fatalf("record %s has no log position, though the log was attached before the scenario was loaded", rec.ID)
	}
	path := "/records/" + rec.ID

	// The page, once the checkpoint that covers the record is cosigned.
	res := f.poll(t, ua, path, 15*time.Second, func(r response) bool { return contains(r, "covered by the checkpoint") })
	title := headline(item)
	author, err := f.svc.Principal(t.Context(), rec.Author.Principal)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<dd>" + author.Name + ", ", // the author by name, not by id
		"Record of an action item", "talks.action", title, `href="/actions#action-` + item.ID + `"`, "ua only",
		hex.EncodeToString(rec.Commitment), rec.ID, item.ID, rec.Author.Principal, "Ukraine",
		"Log position", "Committed to the log at position " + strconv.FormatInt(rec.LeafIndex, 10) + "; covered by the checkpoint of size", "cosigned by: ua-witness.",
		"Download proof (JSON)", `href="` + path + `/proof.json"`,
		`"kind": "talks.action"`, `"audience": {`, // the canonical bytes, indented
	} {
		if !contains(res, want) && !strings.Contains(res.body, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
	}
	if strings.Contains(res.body, "supersedes") {
		t.Errorf("GET %s: the latest record of %s says it is superseded", path, item.ID)
	}

	// The proof, downloaded, checks out against the log's and the
	// witness's keys.
	res = f.poll(t, ua, path+"/proof.json", 15*time.Second, func(r response) bool { return r.status == http.StatusOK })
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("proof.json is %q", ct)
	}
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="parley-proof-`+rec.ID+`.json"` {
		t.Errorf("proof.json: Content-Disposition %q", cd)
	}
	if cc := res.header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("proof.json: Cache-Control %q", cc)
	}
	var p proof.Proof
	if err := json.Unmarshal([]byte(res.body), &p); err != nil {
		t.Fatalf("proof.json is not a proof: %v\n%s", err, res.body)
	}
	c := record.Commitment(p.Salt, p.Canonical)
	cp, cosigned, err := ledger.VerifyCheckpoint([]byte(p.Checkpoint), tl.VKey, []string{tl.Witnesses[0].VKey})
	switch {
	case p.RecordID != rec.ID || p.LeafIndex != uint64(rec.LeafIndex):
		t.Errorf("the proof is of %s at %d, want %s at %d", p.RecordID, p.LeafIndex, rec.ID, rec.LeafIndex)
	case hex.EncodeToString(c[:]) != hex.EncodeToString(rec.Commitment) || string(record.Leaf(c[:])) != p.Leaf:
		t.Errorf("the proof's bytes commit to %x (leaf %q), the record to %x", c, p.Leaf, rec.Commitment)
	case err != nil:
		t.Errorf("the proof's checkpoint does not verify: %v", err)
	case len(cosigned) != 1:
		t.Errorf("the proof's checkpoint is cosigned by %v, want the witness", cosigned)
	default:
		if err := ledger.VerifyInclusion([]byte(p.Leaf), p.LeafIndex, p.Inclusion, cp); err != nil {
			t.Errorf("the inclusion proof does not verify: %v", err)
		}
	}

	// To another party, and to the public, the record and its proof are
	// exactly as missing as a record that does not exist.
	missing := "/records/" + record.NewID()
	for name, c := range map[string]*http.Client{
		"ru-negotiator": f.signIn(t, f.login(t, "ru", access.RoleNegotiator)),
		"us-mediator":   f.signIn(t, f.login(t, "us", access.RoleMediator)),
		"anonymous":     client(t),
	} {
		for _, suffix := range []string{"", "/proof.json"} {
			got, want := f.get(t, c, path+suffix), f.get(t, c, missing+suffix)
			norm := func(r response) string {
				return strings.NewReplacer(rec.ID, "ID", strings.TrimPrefix(missing, "/records/"), "ID").Replace(r.body)
			}
			if got.status != http.StatusNotFound || norm(got) != norm(want) {
				t.Errorf("GET %s%s as %s: status %d; want the 404 page of a missing record\n%s", path, suffix, name, got.status, got.body)
			}
			if strings.Contains(got.body, title) {
				t.Errorf("GET %s%s as %s shows %q", path, suffix, name, title)
			}
		}
	}
}

// TestRecordPageWithoutLog: with no log, a record's page says so and offers
// no proof, and the proof's address answers 503.
func TestRecordPageWithoutLog(t *testing.T) {
	f := newFixture(t, web.Options{})
	c := client(t)
	var public store.Entity
	for _, e := range testkit.Entities(t, f.st) {
		if e.Kind == talks.KindRound && e.Audience.Scope == record.Public {
			public = e
			break
		}
	}
	path := "/records/" + public.RecordID
	res := f.get(t, c, path)
	if res.status != http.StatusOK || !contains(res, "no transparency log", "Log position", "pending", `href="/rounds/`+public.ID+`"`, headline(public)) {
		t.Errorf("GET %s: status %d\n%s", path, res.status, res.body)
	}
	if contains(res, "Download proof") {
		t.Errorf("GET %s offers a proof without a log", path)
	}
	res = f.get(t, c, path+"/proof.json")
	if res.status != http.StatusServiceUnavailable || !contains(res, "This installation has no transparency log.", `href="`+path+`"`) || res.header.Get("Retry-After") != "1" {
		t.Errorf("GET %s/proof.json: status %d, Retry-After %q\n%s", path, res.status, res.header.Get("Retry-After"), res.body)
	}
	res = f.get(t, c, "/transparency")
	if res.status != http.StatusOK || !contains(res, "no transparency log") {
		t.Errorf("GET /transparency without a log: status %d\n%s", res.status, res.body)
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("errors were logged:\n%s", f.logs)
	}
}

// TestTransparencyPage shows the log and its witness, then stops the
// witness, writes, and sees the page say that publication waits for it.
func TestTransparencyPage(t *testing.T) {
	f, tl := newFixtureWithLog(t, web.Options{}, "ua-witness")
	c := client(t) // the log is public: no need to sign in
	w := tl.Witnesses[0]

	cosigned := `<tr id="witness-ua-witness">`
	res := f.poll(t, c, "/transparency", 15*time.Second, func(r response) bool { return contains(r, "all published", "cosigned (200 OK)") })
	st := tl.Status(t.Context())
	for _, want := range []string{
		"Transparency log", `aria-current="page">Transparency<`, "parley.test/log", st.VerifierKey, cosigned, "ua-witness",
		"cosigned (200 OK)", "(UTC)", "all published", "a checkpoint is published once 1 of them has cosigned it",
		"parley verify", "holds publication up",
	} {
		if !contains(res, want) && !strings.Contains(res.body, want) {
			t.Errorf("GET /transparency lacks %q", want)
		}
	}
	// A witness's address is for the administrators.
	admin := f.signIn(t, f.login(t, "us", access.RoleAdmin))
	if strings.Contains(res.body, w.URL) || !strings.Contains(f.get(t, admin, "/transparency").body, w.URL) {
		t.Errorf("the witness's address %s: shown to an anonymous reader %t, to an administrator %t", w.URL,
			strings.Contains(res.body, w.URL), strings.Contains(f.get(t, admin, "/transparency").body, w.URL))
	}
	row := res.body[strings.Index(res.body, cosigned):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `<span class="pub pub-yes">yes</span>`) {
		t.Errorf("the witness is not shown as cosigned:\n%s", row)
	}
	if cp := strings.SplitN(st.Checkpoint, "\n", 2)[0]; !contains(res, "<pre class=\"checkpoint\">"+cp) {
		t.Errorf("the page does not show the checkpoint %q", st.Checkpoint)
	}

	// The witness stops; a new record is stored and in the log, but not
	// published.
	w.Stop()
	med, err := f.svc.Login(t.Context(), f.login(t, "us", access.RoleMediator).Login, f.login(t, "us", access.RoleMediator).Password)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Create(t.Context(), med, talks.KindAspect, []byte(`{"title":"Prisoner exchange","summary":"All for all.","status":"open","order":8}`))
	if err != nil {
		t.Fatal(err)
	}
	if out.Receipt.LeafIndex == nil {
		t.Fatal("the write got no log position")
	}
	res = f.poll(t, c, "/transparency", 15*time.Second, func(r response) bool { return contains(r, `class="failed"`) })
	for _, want := range []string{"1 awaiting publication", "ua-witness is behind.", "Publication waits: 1 new entry is stored and in the log"} {
		if !contains(res, want) {
			t.Errorf("with the witness stopped, /transparency lacks %q", want)
		}
	}
	row = res.body[strings.Index(res.body, cosigned):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `<span class="pub pub-waiting">behind</span>`) || !strings.Contains(row, `<td class="failed">the last request failed`) || strings.Contains(row, "connect") {
		t.Errorf("the stopped witness is not shown behind, with a failure but not its error, to an anonymous reader:\n%s", row)
	}
	adminPage := f.get(t, admin, "/transparency").body
	adminRow := adminPage[strings.Index(adminPage, cosigned):]
	if adminRow = adminRow[:strings.Index(adminRow, "</tr>")]; !strings.Contains(adminRow, "connect") {
		t.Errorf("the stopped witness's error is not shown to an administrator:\n%s", adminRow)
	}

	// The new record's page says it awaits publication; its proof is not
	// available yet.
	path := "/records/" + out.Receipt.RecordID
	mc := f.signIn(t, f.login(t, "us", access.RoleMediator))
	res = f.get(t, mc, path)
	if !contains(res, "awaiting publication", "stored, awaiting publication", "Committed to the log at position "+strconv.FormatUint(*out.Receipt.LeafIndex, 10), "Prisoner exchange") {
		t.Errorf("GET %s while unpublished:\n%s", path, res.body)
	}
	res = f.get(t, mc, path+"/proof.json")
	if res.status != http.StatusServiceUnavailable || !contains(res, "Not available yet", "latest published checkpoint covers") {
		t.Errorf("GET %s/proof.json while unpublished: status %d\n%s", path, res.status, res.body)
	}
	if strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("errors were logged:\n%s", f.logs)
	}
}

// TestTransparencyRefusal: the log is restored from a backup older than
// what its witness cosigned since, and grows. The witness refuses it, and
// /transparency raises the alarm in plain words to everyone, with the
// witness's sizes for administrators only, and no longer says that
// nothing is lost.
func TestTransparencyRefusal(t *testing.T) {
	ctx := t.Context()
	signer, vkey := testkit.LogKey(t, "parley.test/log")
	w := testkit.NewWitness(t, "ua-witness", vkey)
	dir := filepath.Join(t.TempDir(), "log")
	cfg := ledger.Config{Dir: dir, Signer: signer, VKey: vkey, Witnesses: []ledger.Witness{w.Config()}, Create: true,
		CheckpointInterval: 100 * time.Millisecond, BatchAge: 5 * time.Millisecond, WitnessTimeout: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)}
	// grow opens the log, adds n entries, waits until they are cosigned and
	// published, and closes it.
	grow := func(n int) {
		t.Helper()
		l, err := ledger.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := l.AppendAll(ctx, testkit.Leaves(n))
		if err == nil {
			_, err = l.Await(ctx, slices.Max(idx))
		}
		if cerr := l.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	grow(3)
	backup := filepath.Join(t.TempDir(), "backup")
	if err := os.CopyFS(backup, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	grow(10)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(backup, dir); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = l.Close(cctx) // it cannot publish: the witness refuses it
	})
	f := openFixture(t, web.Options{Log: l}, nil)
	c := client(t)
	if _, err := l.Append(ctx, testkit.Leaves(1)[0]); err != nil {
		t.Fatal(err)
	}

	const alarm = "Alarm: witness ua-witness refuses this log."
	res := f.poll(t, c, "/transparency", 15*time.Second, func(r response) bool { return contains(r, alarm) })
	for _, want := range []string{`class="alarm" role="alert"`, "Records may have been removed or changed, or the log restored from an old backup",
		"refused the log's checkpoint", "1 awaiting publication"} {
		if !contains(res, want) {
			t.Errorf("the alarm on /transparency lacks %q:\n%s", want, res.body)
		}
	}
	const sizes = "the log was rolled back or rewritten: witness ua-witness cosigned size 13, the log offers 4"
	for _, not := range []string{"Nothing is lost", sizes, "409"} {
		if contains(res, not) {
			t.Errorf("/transparency shows an anonymous reader %q", not)
		}
	}
	admin := f.get(t, f.signIn(t, f.login(t, "us", access.RoleAdmin)), "/transparency")
	if !contains(admin, alarm, sizes, "409 Conflict") || contains(admin, "Nothing is lost") {
		t.Errorf("/transparency does not show an administrator the refusal's sizes and the witness's answer:\n%s", admin.body)
	}
}

// visibleRecords splits the store's records by whether v may read them.
func visibleRecords(all []store.Record, v access.Viewer) (visible, hidden []store.Record) {
	for _, r := range all {
		if access.CanSee(v, r.Audience) {
			visible = append(visible, r)
		} else {
			hidden = append(hidden, r)
		}
	}
	return visible, hidden
}

// TestRecordAuthorName: a record's page names its author to the process's
// participants; anyone else reads the author's party only.
func TestRecordAuthorName(t *testing.T) {
	f := newFixture(t, web.Options{})
	var rec store.Record
	for _, r := range testkit.Records(t, f.st) {
		if r.Audience.Scope == record.Public && r.Author.Principal != "bootstrap" {
			rec = r
			break
		}
	}
	if rec.ID == "" {
		t.Fatal("the scenario has no public record written by a principal")
	}
	author, err := f.svc.Principal(t.Context(), rec.Author.Principal)
	if err != nil {
		t.Fatal(err)
	}
	path := "/records/" + rec.ID
	if res := f.get(t, client(t), path); res.status != http.StatusOK || strings.Contains(html.UnescapeString(res.body), author.Name) {
		t.Errorf("GET %s anonymously: status %d, names the author %q: %t", path, res.status, author.Name, strings.Contains(html.UnescapeString(res.body), author.Name))
	}
	ua := f.signIn(t, f.login(t, "ua", access.RoleNegotiator))
	if res := f.get(t, ua, path); !strings.Contains(html.UnescapeString(res.body), author.Name) {
		t.Errorf("GET %s as a participant does not name the author %q", path, author.Name)
	}
}
