package httpapi

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/talks"
)

// TestRecordProof writes a record through the API with a real transparency
// log attached, reads it back as stored, waits for its proof, and checks the
// proof as `parley verify` would: the commitment from the canonical bytes and
// salt, the leaf from the commitment, the checkpoint's signature, and the
// leaf's inclusion in the checkpoint's tree.
func TestRecordProof(t *testing.T) {
	f, vkey := newFixtureWithLog(t)
	ids := f.ids(t)
	const mediator = "us-mediator"

	r := f.do(t, mediator, "POST", Prefix+"/aspects", []byte(validBodies(ids, "", "")["aspects"]))
	if r.status != 201 {
		t.Fatalf("POST aspect: %d %s", r.status, r.body)
	}
	w := decode[written](t, r)
	checkWritten(t, w, talks.KindAspect, 1)
	rc := w.Receipt
	if rc.LeafIndex == nil {
		t.Fatalf("with a log attached, the receipt has no leaf_index: %s", r.body)
	}

	// The record as stored.
	path := Prefix + "/records/" + rc.RecordID
	r = f.do(t, mediator, "GET", path, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	got := decode[storedRecord](t, r)
	if got.ID != rc.RecordID || got.Kind != rc.Kind || got.Subject != rc.Subject || got.Seq != rc.Seq ||
		got.Commitment != rc.Commitment || got.LeafIndex == nil || *got.LeafIndex != *rc.LeafIndex || got.Author.Party != "us" {
		t.Errorf("GET %s: %+v; the receipt was %+v", path, got, rc)
	}

	// Its proof, once a checkpoint covers it: until then 503, Retry-After 1.
	var p proof.Proof
	deadline := time.Now().Add(15 * time.Second)
	for waited := 0; ; waited++ {
		r = f.do(t, mediator, "GET", path+"/proof", nil)
		if r.status == 200 {
			p = decode[proof.Proof](t, r)
			t.Logf("proof after %d retries", waited)
			break
		}
		wantError(t, r, 503, app.CodeUnavailable, "")
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("503 with Retry-After %q, want 1", r.header.Get("Retry-After"))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no proof of record %s after 15s: %s", rc.RecordID, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p.RecordID != rc.RecordID || p.Kind != rc.Kind || p.LeafIndex != *rc.LeafIndex || p.Commitment != rc.Commitment {
		t.Errorf("proof of %+v is of %s %s at %d, commitment %s", rc, p.Kind, p.RecordID, p.LeafIndex, p.Commitment)
	}
	if !jsonEqual(p.Canonical, got.Canonical) {
		t.Errorf("the proof's canonical bytes are not the record's:\n%s\n%s", p.Canonical, got.Canonical)
	}
	c := record.Commitment(p.Salt, p.Canonical)
	if hex.EncodeToString(c[:]) != rc.Commitment {
		t.Errorf("the canonical bytes and salt commit to %x, the receipt says %s", c, rc.Commitment)
	}
	if leaf := string(record.Leaf(c[:])); leaf != p.Leaf {
		t.Errorf("the proof's leaf is %q, the commitment makes %q", p.Leaf, leaf)
	}
	cp, cosigners, err := ledger.VerifyCheckpoint([]byte(p.Checkpoint), vkey, nil)
	if err != nil {
		t.Fatalf("the proof's checkpoint does not verify: %v\n%s", err, p.Checkpoint)
	}
	if cp.Size != p.TreeSize || p.LeafIndex >= cp.Size || len(cosigners) != 0 {
		t.Errorf("checkpoint of size %d (cosigned by %v), proof at tree size %d of leaf %d", cp.Size, cosigners, p.TreeSize, p.LeafIndex)
	}
	if err := ledger.VerifyInclusion([]byte(p.Leaf), p.LeafIndex, p.Inclusion, cp); err != nil {
		t.Errorf("the inclusion proof does not verify: %v", err)
	}
	// ...and is not vacuous: another leaf, or the leaf elsewhere, fails.
	other := record.Leaf(make([]byte, 32))
	if ledger.VerifyInclusion(other, p.LeafIndex, p.Inclusion, cp) == nil {
		t.Error("the inclusion proof verifies another leaf too")
	}
	if p.LeafIndex > 0 && ledger.VerifyInclusion([]byte(p.Leaf), p.LeafIndex-1, p.Inclusion, cp) == nil {
		t.Error("the inclusion proof verifies the leaf at another index too")
	}

	// Both answers fit the document's schemas.
	var doc map[string]any
	if err := json.Unmarshal(f.do(t, "", "GET", Prefix+"/openapi.json", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schemaFits(t, schemas, "proof", decode[map[string]any](t, r), "Proof")
	schemaFits(t, schemas, "record", decode[map[string]any](t, f.do(t, mediator, "GET", path, nil)), "Record")

	// The scenario, loaded with the log attached, is in the log too; a
	// record of one party's is proved to that party and is missing to
	// another, log or not.
	uaOnly, err := f.svc.Store().Entity(t.Context(), access.System, talks.KindAction, ids.uaOnlyItem)
	if err != nil {
		t.Fatal(err)
	}
	path = Prefix + "/records/" + uaOnly.RecordID
	if got := decode[storedRecord](t, f.do(t, "ua-negotiator", "GET", path, nil)); got.LeafIndex == nil {
		t.Errorf("scenario record %s has no leaf_index: %+v", uaOnly.RecordID, got)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		r = f.do(t, "ua-negotiator", "GET", path+"/proof", nil)
		if r.status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p := decode[proof.Proof](t, r); r.status != 200 || p.RecordID != uaOnly.RecordID {
		t.Errorf("GET %s/proof as ua-negotiator: %d %s", path, r.status, r.body)
	}
	missing := record.NewID()
	for _, login := range []string{"ru-negotiator", mediator, ""} {
		for _, suffix := range []string{"", "/proof"} {
			absent := f.do(t, login, "GET", Prefix+"/records/"+missing+suffix, nil)
			sameAsMissing(t, "GET as "+login+" of ua-only record"+suffix, f.do(t, login, "GET", path+suffix, nil), uaOnly.RecordID, absent, missing)
		}
	}
	if strings.TrimSpace(f.errLog.String()) != "" {
		t.Errorf("the API logged errors:\n%s", f.errLog)
	}
}

// TestVersionsAndDiff: a clause's versions and the word diff between any two
// of them; a stale edit is refused with the current version.
func TestVersionsAndDiff(t *testing.T) {
	f := newFixture(t)
	ids := f.ids(t)
	const mediator = "us-mediator"
	path := Prefix + "/clauses/" + ids.clause["1.1"]
	cur := decode[item](t, f.do(t, mediator, "GET", path, nil))
	var body map[string]any
	json.Unmarshal(cur.Data, &body)
	body["text"] = "A ceasefire takes effect on the date of signature, followed by phased steps."
	body["based_on"] = cur.RecordID
	b, _ := json.Marshal(body)
	if r := f.do(t, mediator, "PUT", path, b); r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	r := f.do(t, mediator, "PUT", path, b)
	e := wantError(t, r, 409, app.CodeConflict, "based_on")
	var withCurrent struct {
		Error struct {
			Current *item `json:"current"`
		} `json:"error"`
	}
	json.Unmarshal(r.body, &withCurrent)
	if c := withCurrent.Error.Current; c == nil || c.Version != 2 {
		t.Errorf("the stale edit's refusal (%s) carries %+v, want version 2", e.Message, c)
	}
	vs := decode[versionsBody](t, f.do(t, mediator, "GET", path+"/versions", nil))
	if len(vs.Versions) != 2 || vs.Versions[0].RecordID != cur.RecordID {
		t.Fatalf("versions: %+v", vs.Versions)
	}
	d := decode[comparison](t, f.do(t, "ru-negotiator", "GET", path+"/diff", nil))
	var ins, del []string
	for _, c := range d.Chunks {
		switch c.Op {
		case 1:
			del = append(del, c.Text)
		case 2:
			ins = append(ins, c.Text)
		}
	}
	if d.From != 1 || d.To != 2 || strings.Join(del, "|") != "a date |parties agree, |steps toward a comprehensive settlement." || strings.Join(ins, "|") != "date of signature, |steps." {
		t.Errorf("diff: %+v (deleted %q, inserted %q)", d, del, ins)
	}
	wantError(t, f.do(t, mediator, "GET", path+"/diff?from=x", nil), 400, app.CodeBadRequest, "from")
	wantError(t, f.do(t, mediator, "GET", path+"/diff?from=7", nil), 422, app.CodeInvalid, "from")
	wantError(t, f.do(t, "ae-observer", "GET", path+"/diff", nil), 404, app.CodeNotFound, "")
}
