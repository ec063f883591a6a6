package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
)

// TestFiles uploads a photo, commits a report that names it as evidence,
// and serves it to the report's readers only; a file uploaded twice is
// kept once, and what is not a file's hash is refused.
func TestFiles(t *testing.T) {
	f := newFixture(t)
	photo := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte("pixels"), 1000)...)
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])

	r := f.do(t, "us-monitor", "POST", Prefix+"/files", photo, "image/jpeg")
	got := decode[fileBody](t, r)
	if r.status != 201 || got.SHA256 != sha || got.Size != int64(len(photo)) || got.MediaType != "image/jpeg" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := f.do(t, "us-mediator", "POST", Prefix+"/files", photo, "application/octet-stream"); decode[fileBody](t, r).MediaType != "image/jpeg" {
		t.Errorf("the same file again: %d %s; want it kept once, as first sent", r.status, r.body)
	}
	for _, c := range []struct {
		name, login string
		body        []byte
		status      int
		code        app.Code
	}{
		{"anonymous", "", photo, 401, app.CodeUnauthenticated},
		{"a party's negotiator, who writes nothing files back", "ua-negotiator", photo, 403, app.CodeForbidden},
		{"an empty file", "us-monitor", []byte{}, 422, app.CodeInvalid},
		{"a file over the limit", "us-monitor", make([]byte, app.MaxFile+1), 413, app.CodeTooLarge},
	} {
		r := f.do(t, c.login, "POST", Prefix+"/files", c.body, "image/jpeg")
		if e := decode[errorBody](t, r); r.status != c.status || e.Error.Code != c.code {
			t.Errorf("%s: %d %s; want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}

	report := func(evidence string) string {
		return fmt.Sprintf(`{"source_type":"monitor-patrol","source_name":"Patrol 7","occurred_at":"2026-01-25T14:10:00+02:00","time_precision":"exact",`+
			`"place_name":"Orikhiv","place_precision":"coordinates","lat":47.567,"lon":35.784,"weapon_class":"artillery","target_class":"residential",`+
			`"evidence":[{"sha256":%q,"name":"street.jpg","media_type":"image/jpeg"}]}`, evidence)
	}
	r = f.do(t, "us-monitor", "POST", Prefix+"/incident-reports", []byte(report(sha)))
	if r.status != 201 {
		t.Fatalf("a report naming the photo: %d %s", r.status, r.body)
	}
	id := decode[written](t, r).Item.ID
	path := Prefix + "/incident-reports/" + id + "/files/"
	r = f.do(t, "ru-negotiator", "GET", path+sha, nil)
	if r.status != 200 || !bytes.Equal(r.body, photo) || r.header.Get("Content-Type") != "image/jpeg" ||
		r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("a party reading the photo: %d %v", r.status, r.header)
	}
	if r := f.do(t, "", "GET", path+sha, nil); r.status != 404 {
		t.Errorf("an anonymous reader of the photo: %d, want 404", r.status)
	}
	other := strings.Repeat("0", 64)
	if r := f.do(t, "ru-negotiator", "GET", path+other, nil); r.status != 404 {
		t.Errorf("a file the report does not name: %d, want 404", r.status)
	}
	// A report may name a file before it is uploaded; it is not found
	// until it is.
	r = f.do(t, "us-monitor", "POST", Prefix+"/incident-reports", []byte(report(other)))
	later := decode[written](t, r).Item.ID
	if r := f.do(t, "ru-negotiator", "GET", Prefix+"/incident-reports/"+later+"/files/"+other, nil); r.status != 404 ||
		!strings.Contains(string(r.body), "has not been uploaded yet") {
		t.Errorf("a file named but not uploaded: %d %s", r.status, r.body)
	}
	r = f.do(t, "us-monitor", "POST", Prefix+"/incident-reports", []byte(report(strings.ToUpper(sha))))
	if e := decode[errorBody](t, r); r.status != 422 || e.Error.Field != "evidence[0].sha256" {
		t.Errorf("a hash in upper case: %d %s", r.status, r.body)
	}
}

// TestDecisionOn: a signed decision's item says which version of its
// parent it was made on, so that a client tells a step on an incident as
// it reads now from one on an earlier version.
func TestDecisionOn(t *testing.T) {
	f := newFixture(t)
	ids := f.ids(t)
	steps := decode[page](t, f.do(t, "ua-negotiator", "GET", Prefix+"/verification-steps?incident="+ids.kyivIncident, nil))
	in := decode[item](t, f.do(t, "ua-negotiator", "GET", Prefix+"/incidents/"+ids.kyivIncident, nil))
	if len(steps.Items) == 0 {
		t.Fatal("the Kyiv incident has no steps")
	}
	last := steps.Items[len(steps.Items)-1]
	if last.On == "" || last.On != in.RecordID {
		t.Errorf("the latest step was made on %q; the incident reads as record %q", last.On, in.RecordID)
	}
}
