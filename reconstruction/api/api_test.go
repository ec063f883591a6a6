package reconstructionapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
	reconstructionapi "github.com/parley-project/parley/reconstruction/api"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The reconstruction endpoints through the API: the gap's figures to the
// cent, the exports streamed with their media types, and refusals with
// their statuses.
func TestEndpoints(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	ts := httptest.NewServer(httpapi.New(d.Service, nil, reconstructionapi.Endpoints(d.Service)...))
	defer ts.Close()
	get := func(path string) (int, string, string) {
		res, err := http.Get(ts.URL + httpapi.Prefix + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}

	status, _, body := get("/reconstruction/gap?sector=energy")
	var g reconstructionapi.Gap
	if err := json.Unmarshal([]byte(body), &g); status != 200 || err != nil {
		t.Fatalf("the gap: %d %v\n%s", status, err, body)
	}
	if len(g.Rows) != 1 || g.Rows[0].Region != "Zaporizhzhia oblast" || g.Rows[0].Pledged != "2000000000.00" || g.Rows[0].Committed != "750000000.00" ||
		g.Rows[0].Disbursed != "160000000.00" || g.Rows[0].Flows != [3]int64{1, 1, 2} || g.Rows[0].Illustrative != [3]int64{1, 1, 2} {
		t.Errorf("the energy sector's gap: %+v", g.Rows)
	}
	if g.Donors["us"] != [3]string{"2000000000.00", "750000000.00", "160000000.00"} || g.Instruments["grant"] != g.Donors["us"] {
		t.Errorf("the energy sector by donor %v and instrument %v", g.Donors, g.Instruments)
	}
	if status, _, body := get("/reconstruction/gap?sector=bogus"); status != 400 || !strings.Contains(body, "sector") {
		t.Errorf("a sector that is none: %d %s", status, body)
	}
	if status, _, body := get("/reconstruction/gap?basis=no-such-assessment"); status != 404 || !strings.Contains(body, "basis") {
		t.Errorf("a basis that is no assessment: %d %s", status, body)
	}

	for _, c := range []struct{ path, ctype, want string }{
		{"/reconstruction/ocds", "application/json", `"releases":[`},
		{"/reconstruction/iati", "application/xml", `<iati-activities version="2.03"`},
		{"/reconstruction/csv?collection=project-payments", "text/csv", "id,record_id,audience,version,created,updated,project_id"},
	} {
		status, ctype, body := get(c.path)
		if status != 200 || !strings.HasPrefix(ctype, c.ctype) || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s\n%.300s", c.path, status, ctype, body)
		}
	}
	if status, _, body := get("/reconstruction/csv?collection=principals"); status != 400 || !strings.Contains(body, "collection") {
		t.Errorf("a CSV of another collection: %d %s", status, body)
	}
}
