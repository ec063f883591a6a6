package energyapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-project/parley/energy"
	energyapi "github.com/parley-project/parley/energy/api"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The energy endpoints through the API: a period settled with its trace,
// a statement traced, refusals with their statuses.
func TestEndpoints(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ts := httptest.NewServer(httpapi.New(d.Service, nil, energyapi.Endpoints(d.Service)...))
	defer ts.Close()
	token := func(login string) string {
		tok, err := d.Service.NewToken(t.Context(), login, "test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	call := func(login, method, path string) (int, []byte) {
		req, _ := http.NewRequest(method, ts.URL+httpapi.Prefix+path, nil)
		if login != "" {
			req.Header.Set("Authorization", "Bearer "+token(login))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	var plant, january string
	var committed energy.Settlement
	for _, e := range testkit.Entities(t, d.Service.Store()) {
		var s energy.Statement
		switch {
		case e.Kind == energy.KindPlant:
			plant = e.ID
		case e.Kind == energy.KindStatement && json.Unmarshal(e.Body, &s) == nil && s.From == "2026-01-01T00:00:00Z":
			january = e.ID
			json.Unmarshal([]byte(s.Figures), &committed)
		}
	}
	const jan = "?from=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z"

	// Settled now from the records, by a party: the January statement's
	// figures, with a line of trace an interval.
	status, body := call("ru-negotiator", "GET", "/plants/"+plant+"/settlement"+jan)
	var st energy.Settlement
	if err := json.Unmarshal(body, &st); status != 200 || err != nil {
		t.Fatalf("settlement: %d %s", status, body)
	}
	if len(st.Trace) != 31*energy.PerDay || st.Parties[0] != committed.Parties[0] || st.Payments[0] != committed.Payments[0] {
		t.Errorf("settlement: %d lines, parties %+v, want %+v", len(st.Trace), st.Parties, committed.Parties)
	}
	// The committed statement traced: its own figures, every interval's
	// readings named.
	status, body = call("ua-capital", "GET", "/settlement-statements/"+january+"/trace")
	st = energy.Settlement{}
	if err := json.Unmarshal(body, &st); status != 200 || err != nil {
		t.Fatalf("trace: %d %s", status, body)
	}
	if len(st.Trace) != 31*energy.PerDay || len(st.Trace[0].Readings) != 9 || st.Trace[0].Readings[0].Series == "" {
		t.Errorf("trace: %d lines, first %+v", len(st.Trace), st.Trace[0])
	}

	for _, c := range []struct {
		login, method, path string
		status              int
		want                string
	}{
		{"", "GET", "/plants/" + plant + "/settlement" + jan, 401, "sign in"},
		{"ua-negotiator", "GET", "/plants/" + plant + "/settlement?from=yesterday&until=2026-02-01T00:00:00Z", 400, `"field":"from"`},
		{"ua-negotiator", "GET", "/plants/" + plant + "/settlement?from=2026-01-01T00:07:00Z&until=2026-02-01T00:00:00Z", 422, "15-minute interval"},
		{"ua-negotiator", "GET", "/plants/" + plant + "/settlement?from=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z", 422, "at most 31 days"},
		{"ua-negotiator", "GET", "/plants/" + plant + "/settlement" + jan + "&x=1", 400, "not a parameter"},
		{"ae-observer", "GET", "/plants/" + plant + "/settlement" + jan, 404, "no plant"},
		{"ua-negotiator", "POST", "/plants/" + plant + "/statements" + jan, 403, "may not write"},
		{"us-mediator", "POST", "/plants/" + plant + "/statements" + jan, 409, "the period has a statement already"},
		{"us-mediator", "GET", "/settlement-statements/no-such/trace", 404, "no settlement statement"},
	} {
		status, body := call(c.login, c.method, c.path)
		if status != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s %s as %q: %d %s, want %d saying %q", c.method, c.path, c.login, status, body, c.status, c.want)
		}
	}
	// A new period, by the mediator: committed, answered with its figures.
	status, body = call("us-mediator", "POST", "/plants/"+plant+"/statements?from=2026-04-01T00:00:00Z&until=2026-05-01T00:00:00Z")
	var issued energyapi.Issued
	if err := json.Unmarshal(body, &issued); status != 201 || err != nil || issued.ID == "" || issued.Figures.Settled != 0 {
		t.Errorf("issue: %d %s", status, body)
	}
	// And documented.
	_, doc := call("", "GET", "/openapi.json")
	for _, op := range []string{"settlePlant", "issueStatement", "traceStatement", `"Settlement"`} {
		if !strings.Contains(string(doc), op) {
			t.Errorf("the OpenAPI document lacks %s", op)
		}
	}
}
