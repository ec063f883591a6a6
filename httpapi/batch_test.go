package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parley-project/parley/app"
)

// TestBatch commits reports in batches, as JSON and as NDJSON: each item
// on its own, a bad one answered with its index, status and field while
// the good ones are committed; and refuses whole what is not a batch.
func TestBatch(t *testing.T) {
	f := newFixture(t)
	report := func(place string, lat float64) string {
		return fmt.Sprintf(`{"source_type":"monitor-patrol","source_name":"Patrol 7","occurred_at":"2026-01-25T14:10:00+02:00","time_precision":"exact",`+
			`"place_name":%q,"place_precision":"coordinates","lat":%g,"lon":35.784,"weapon_class":"artillery","target_class":"residential"}`, place, lat)
	}
	path := Prefix + "/batch/incident-reports"
	before := f.records(t)
	r := f.do(t, "us-monitor", "POST", path, []byte("["+report("Orikhiv", 47.567)+","+report("Nowhere", 95)+","+report("Huliaipole", 47.66)+"]"))
	got := decode[batchBody](t, r)
	if r.status != 200 || got.Created != 2 || got.Refused != 1 || len(got.Results) != 3 {
		t.Fatalf("a batch of three, one bad: %d %s", r.status, r.body)
	}
	if bad := got.Results[1]; bad.Index != 1 || bad.Status != 422 || bad.Error == nil || bad.Error.Field != "lat" || bad.ID != "" {
		t.Errorf("the bad item is answered %+v", bad)
	}
	for _, i := range []int{0, 2} {
		res := got.Results[i]
		if res.Index != i || res.Status != 201 || res.ID == "" || res.RecordID == "" || res.Batch == "" || res.Batch != got.Results[0].Batch {
			t.Errorf("item %d is answered %+v", i, res)
		}
		if g := f.do(t, "ua-negotiator", "GET", Prefix+"/incident-reports/"+res.ID, nil); g.status != 200 {
			t.Errorf("item %d, committed, reads %d", i, g.status)
		}
		if g := f.do(t, "ua-negotiator", "GET", Prefix+"/records/"+res.RecordID, nil); g.status != 200 || decode[storedRecord](t, g).Batch != res.Batch {
			t.Errorf("item %d's record names no batch: %d %s", i, g.status, g.body)
		}
	}
	// The two reports, and the batch record whose log entry commits to
	// both.
	if n := f.records(t); n != before+3 {
		t.Errorf("%d records committed; want 3", n-before)
	}

	nd := report("Stepnohirsk", 47.6) + "\n\n" + report("Mala Tokmachka", 47.5) + "\n"
	r = f.do(t, "us-monitor", "POST", path, []byte(nd), "application/x-ndjson")
	if got := decode[batchBody](t, r); r.status != 200 || got.Created != 2 || got.Refused != 0 {
		t.Errorf("an NDJSON batch of two: %d %s", r.status, r.body)
	}

	before = f.records(t)
	many := "[" + strings.Repeat(report("Orikhiv", 47.567)+",", MaxBatch) + report("Orikhiv", 47.567) + "]"
	for _, c := range []struct {
		name, login, body, ctype string
		status                   int
		code                     app.Code
		want                     string
	}{
		{"anonymous", "", "[" + report("Orikhiv", 47.5) + "]", "application/json", 401, app.CodeUnauthenticated, "sign in"},
		{"a party's negotiator", "ua-negotiator", "[" + report("Orikhiv", 47.5) + "]", "application/json", 403, app.CodeForbidden, "monitor"},
		{"an object, not an array", "us-monitor", report("Orikhiv", 47.5), "application/json", 400, app.CodeBadRequest, "a JSON array"},
		{"an empty array", "us-monitor", "[]", "application/json", 400, app.CodeBadRequest, "empty"},
		{"a line that is not JSON", "us-monitor", report("Orikhiv", 47.5) + "\n{oops\n", "application/x-ndjson", 400, app.CodeBadRequest, "line 2 is not JSON"},
		{"too many items", "us-monitor", many, "application/json", 413, app.CodeTooLarge, "at most 1000"},
		{"plain text", "us-monitor", "x", "text/plain", 415, codeUnsupportedMedia, "application/x-ndjson"},
	} {
		r := f.do(t, c.login, "POST", path, []byte(c.body), c.ctype)
		e := decode[errorBody](t, r)
		if r.status != c.status || e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s: %d %s; want %d %s saying %q", c.name, r.status, r.body, c.status, c.code, c.want)
		}
	}
	if n := f.records(t); n != before {
		t.Errorf("refused batches committed %d records", n-before)
	}
}
