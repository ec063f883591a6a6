package monitorapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/monitor"
	monitorapi "github.com/parley-project/parley/monitor/api"
	"github.com/parley-project/parley/monitor/osint"
	monitorweb "github.com/parley-project/parley/monitor/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The article's road through the API: read without committing, kept with
// its record, its candidates reviewed, one filed as a report and its
// figures kept, and the refusals with their statuses.
func TestEndpoints(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ts := httptest.NewServer(httpapi.New(d.Service, nil, monitorapi.Endpoints(d.Service)...))
	defer ts.Close()
	call := func(login, method, path string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, ts.URL+httpapi.Prefix+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if login != "" {
			tok, err := d.Service.NewToken(t.Context(), login, "test")
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	article := monitorweb.ArticleInput{Outlet: "Example Wire", Published: "2026-01-24",
		Body: "<html><body><nav>Home | World</nav><p>Russian drone attacks killed one person and wounded four in Kyiv overnight, Tymur Tkachenko, the head of the Kyiv City Military Administration, said on Saturday.</p><footer>© Example</footer></body></html>"}

	if status, b := call("", "POST", "/monitoring/extract", article); status != 401 {
		t.Errorf("extract anonymously: %d %s", status, b)
	}
	if status, b := call("ua-negotiator", "POST", "/monitoring/extract", article); status != 403 {
		t.Errorf("extract as a negotiator: %d %s", status, b)
	}
	status, b := call("us-monitor", "POST", "/monitoring/extract", article)
	var res osint.Result
	if err := json.Unmarshal(b, &res); status != 200 || err != nil || len(res.Candidates) != 1 || res.Candidates[0].Killed == nil || *res.Candidates[0].Killed != 1 {
		t.Fatalf("extract: %d %v\n%s", status, err, b)
	}
	if strings.Contains(res.Text, "Home | World") {
		t.Errorf("the page's navigation was read as the article: %q", res.Text)
	}

	if status, b := call("", "POST", "/monitoring/articles", article); status != 401 {
		t.Errorf("an article filed anonymously: %d %s", status, b)
	}
	status, b = call("us-monitor", "POST", "/monitoring/articles", article)
	var filed monitorapi.Filed
	if err := json.Unmarshal(b, &filed); status != 201 || err != nil || filed.ID == "" {
		t.Fatalf("file the article: %d %v %s", status, err, b)
	}
	status, b = call("us-monitor", "GET", "/monitoring/articles/"+filed.ID+"/candidates", nil)
	var rv monitorweb.Review
	if err := json.Unmarshal(b, &rv); status != 200 || err != nil || len(rv.Candidates) != 1 {
		t.Fatalf("review: %d %v %s", status, err, b)
	}
	if status, _ := call("", "GET", "/monitoring/articles/"+filed.ID+"/candidates", nil); status != 404 {
		t.Errorf("the public reads an article the parties read: %d", status)
	}
	rep := rv.Candidates[0].Proposal
	rep.Narrative = "Corrected by the monitor."
	rep.SourceRef = "something else" // not the monitor's to choose
	status, b = call("us-monitor", "POST", "/monitoring/articles/"+filed.ID+"/candidates/0/accept", rep)
	var report monitorapi.Filed
	if err := json.Unmarshal(b, &report); status != 201 || err != nil {
		t.Fatalf("accept: %d %s", status, b)
	}
	e, err := d.Service.Get(t.Context(), nil, monitor.KindReport, report.ID)
	if err == nil {
		t.Errorf("the public reads the report: %+v", e)
	}
	p := d.Principal(t, "us-monitor")
	e, err = d.Service.Get(t.Context(), &p, monitor.KindReport, report.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got monitor.Report
	json.Unmarshal(e.Body, &got)
	if got.Narrative != "Corrected by the monitor." || got.SourceRef != monitor.ArticleSourceRef(filed.ID, 0) || got.Evidence[0].SHA256 != res.Digest {
		t.Errorf("the report filed: %+v", got)
	}
	for _, c := range []struct {
		path   string
		body   any
		status int
	}{
		{"/monitoring/articles/" + filed.ID + "/candidates/0/accept", rep, 409},
		{"/monitoring/articles/" + filed.ID + "/candidates/0/reject", monitorapi.Reason{Reason: "x"}, 409},
		{"/monitoring/articles/" + filed.ID + "/candidates/5/reject", monitorapi.Reason{Reason: "x"}, 404},
		{"/monitoring/articles/" + filed.ID + "/candidates/zero/reject", monitorapi.Reason{Reason: "x"}, 404},
		{"/monitoring/articles/nope/candidates/0/accept", rep, 404},
		{"/monitoring/articles", monitorweb.ArticleInput{Outlet: "X", Published: "2026-13-01", Body: "text"}, 422},
		{"/monitoring/articles", "not an object", 400},
	} {
		if status, b := call("us-monitor", "POST", c.path, c.body); status != c.status {
			t.Errorf("POST %s: %d, want %d: %s", c.path, status, c.status, b)
		}
	}
}
