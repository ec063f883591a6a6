package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/scenario"
)

// operatorFiles are the token and key files of a demo login.
func operatorFiles(t testing.TB, d *testkit.Demo, login string) (token, key string) {
	t.Helper()
	dir := t.TempDir()
	tok, err := d.Service.NewToken(t.Context(), login, "readings test")
	if err != nil {
		t.Fatal(err)
	}
	token, key = filepath.Join(dir, "token"), filepath.Join(dir, "key")
	os.WriteFile(token, []byte(tok+"\n"), 0o600)
	os.WriteFile(key, []byte(d.Login(t, login).SigningKey+"\n"), 0o600)
	return token, key
}

// Generated readings, imported by each meter's operator, signed, settle
// whole; an import run again adds nothing; another party's meters and
// bad rows are refused with their lines, and nothing of such a file is
// submitted.
func TestReadingsImport(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	api := httpapi.New(d.Service, nil)
	var statements atomic.Int64 // statements the server was asked for
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/to-sign/") {
			statements.Add(1)
		}
		api.ServeHTTP(w, r)
	}))
	defer ts.Close()
	var plant string
	for _, e := range testkit.Entities(t, d.Service.Store()) {
		if e.Kind == energy.KindPlant {
			plant = e.ID
		}
	}
	dir := t.TempDir()
	// Across the end of a month: two batches a meter, the second signed
	// by the importer on the chain the first began.
	code, stdout, stderr := parley(t, "gen", "readings", "--out-dir", dir, "--start", "2026-04-29", "--days", "3")
	if code != exitOK || !strings.Contains(stdout, "readings-ua.csv: 288 readings of D-ua") || !strings.Contains(stdout, "readings-us.csv: 2016 readings of G1, G2, G3, G4, G5, G6, S") {
		t.Fatalf("gen readings = %d %s %s", code, stdout, stderr)
	}
	imp := func(file, login string) (int, string, string) {
		tok, key := operatorFiles(t, d, login)
		return parley(t, "readings", "import", filepath.Join(dir, file), "--plant", plant, "--key", key, "--server", ts.URL, "--token-file", tok)
	}
	before, _ := d.Service.Store().LastSeq(t.Context())
	// Another party's meter: refused whole.
	if code, _, stderr := imp("readings-ru.csv", "ua-meters"); code == exitOK || !strings.Contains(stderr, `readings-ru.csv:2: meter: meter D-ru is operated by "ru"; you submit for "ua"`) ||
		!strings.Contains(stderr, "nothing was submitted") {
		t.Errorf("another party's meters = %d %s", code, stderr)
	}
	// Bad rows, each with its line.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("meter,start,wh\nD-ua,2026-04-01T00:00:00Z,1000\nD-ua,2026-04-01 00:15,1000\nD-ua,2026-04-01T00:20:00Z,5\nD-ua,2026-04-01T00:00:00Z,7\nD-ua,2026-04-01T00:30:00Z,1.5\nD-xx,2026-04-01T00:30:00Z,1\n"), 0o600)
	code, _, stderr = imp("bad.csv", "ua-meters")
	for _, want := range []string{"bad.csv:3: start: \"2026-04-01 00:15\" is not an RFC 3339 time", "bad.csv:4: start: 2026-04-01T00:20:00Z does not start a 15-minute interval",
		"bad.csv:5: start: meter D-ua's reading of 2026-04-01T00:00:00Z is given on line 2 too", "bad.csv:6: wh: \"1.5\" is not a whole number",
		"bad.csv:7: meter: meter \"D-xx\" is not a meter of the plant", "5 problems (listed above, with their lines); nothing was submitted"} {
		if code == exitOK || !strings.Contains(stderr, want) {
			t.Errorf("bad rows: %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	if after, _ := d.Service.Store().LastSeq(t.Context()); after != before {
		t.Fatalf("%d records committed by refused imports", after-before)
	}
	// Each operator its own file: one statement asked of the server a
	// meter, the next batches chained on it by the importer.
	statements.Store(0)
	for _, c := range []struct{ file, login, want string }{
		{"readings-us.csv", "us-meters", "imported 14 batches (2016 readings); 0 were there already"},
		{"readings-ua.csv", "ua-meters", "imported 2 batches (288 readings); 0 were there already"},
		{"readings-ru.csv", "ru-meters", "imported 2 batches (288 readings); 0 were there already"},
	} {
		if code, stdout, stderr := imp(c.file, c.login); code != exitOK || !strings.Contains(stdout, c.want) {
			t.Fatalf("import %s = %d %s %s", c.file, code, stdout, stderr)
		}
	}
	if n := statements.Load(); n != 9 {
		t.Errorf("the server was asked for %d statements for 9 meters' 18 batches, want 9", n)
	}
	// Run again: nothing new.
	if code, stdout, stderr := imp("readings-ua.csv", "ua-meters"); code != exitOK || !strings.Contains(stdout, "imported 0 batches (0 readings); 2 were there already") {
		t.Errorf("import again = %d %s %s", code, stdout, stderr)
	}
	// The file grew by a day: only the day is sent.
	grown := filepath.Join(t.TempDir(), "grown")
	if code, _, stderr := parley(t, "gen", "readings", "--out-dir", grown, "--start", "2026-04-29", "--days", "4"); code != exitOK {
		t.Fatal(stderr)
	}
	tok, key := operatorFiles(t, d, "ua-meters")
	code, stdout, stderr = parley(t, "readings", "import", filepath.Join(grown, "readings-ua.csv"), "--plant", plant, "--key", key, "--server", ts.URL, "--token-file", tok)
	if code != exitOK || !strings.Contains(stdout, "imported 1 batches (96 readings); 1 were there already") {
		t.Errorf("import of the grown file = %d %s %s", code, stdout, stderr)
	}
	// A committed value that the file gives otherwise is refused, with
	// its meter and time.
	b, _ := os.ReadFile(filepath.Join(grown, "readings-ua.csv"))
	changed := filepath.Join(grown, "changed.csv")
	lines := strings.Split(string(b), "\n")
	lines[5] = strings.Join(strings.Split(lines[5], ",")[:2], ",") + ",1"
	os.WriteFile(changed, []byte(strings.Join(lines, "\n")), 0o600)
	code, _, stderr = parley(t, "readings", "import", changed, "--plant", plant, "--key", key, "--server", ts.URL, "--token-file", tok)
	if code == exitOK || !strings.Contains(stderr, "meter D-ua, 2026-04-29T01:00:00Z: the file gives 1 Wh, the committed readings") {
		t.Errorf("import of a changed value = %d %s", code, stderr)
	}
	p := d.Principal(t, "ru-capital")
	from := time.Date(2026, 4, 29, 0, 0, 0, 0, time.UTC)
	st, err := energyweb.Settle(t.Context(), d.Service, &p, plant, from, from.AddDate(0, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if st.Settled != 3*energy.PerDay || len(st.Flags) != 0 {
		t.Errorf("settled %d of %d, flags %+v", st.Settled, st.Intervals, st.Flags[:min(3, len(st.Flags))])
	}
}

// BenchmarkReadingsYear imports a year of the demo plant's 15-minute
// readings (nine meters, 315,360 readings) through the API as their
// three operators do, at once, each month of a meter a batch signed with
// its operator's key; then commits the year's twelve monthly statements,
// each settled from the records and settled again by the invariant that
// checks its figures. SQLite, no log:
//
//	go test ./cmd/parley -run '^$' -bench ReadingsYear -benchtime 1x
func BenchmarkReadingsYear(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		d := testkit.NewDemo(b, testkit.DemoOptions{})
		ts := httptest.NewServer(httpapi.New(d.Service, nil))
		// A plant like the demo's, its meters of the same codes, under
		// terms from 2025: a year that has ended.
		var units []energy.Unit
		for i := 1; i <= 6; i++ {
			units = append(units, energy.Unit{ID: strconv.Itoa(i), CapacityKW: 950_000})
		}
		plant := d.MustWrite(b, "us-mediator", energy.KindPlant, energy.Plant{Name: "Benchmark plant", Units: units})
		for i := 1; i <= 6; i++ {
			code := "G" + strconv.Itoa(i)
			d.MustWrite(b, "us-mediator", energy.KindMeter, energy.Meter{PlantID: plant, Code: code, Role: energy.Generation, UnitID: strconv.Itoa(i), OperatorID: scenario.MeterOperator(code), From: "2025-01-01"})
		}
		d.MustWrite(b, "us-mediator", energy.KindMeter, energy.Meter{PlantID: plant, Code: "S", Role: energy.StationUse, OperatorID: scenario.MeterOperator("S"), From: "2025-01-01"})
		for _, p := range []string{"ua", "ru"} {
			d.MustWrite(b, "us-mediator", energy.KindMeter, energy.Meter{PlantID: plant, Code: "D-" + p, Role: energy.Delivery, PartyID: p, OperatorID: p, From: "2025-01-01"})
		}
		d.MustWrite(b, "us-mediator", energy.KindTerms, energy.SharingTerms{PlantID: plant, From: "2025-01-01", Losses: energy.LossesByShare,
			Tolerance: "0.03", Price: "40.00", Currency: "USD", Shares: []energy.ShareEntry{{PartyID: "ua", Share: "0.5"}, {PartyID: "ru", Share: "0.5"}}})
		dir := b.TempDir()
		if code, _, stderr := parley(b, "gen", "readings", "--out-dir", dir, "--start", "2025-01-01", "--days", "365"); code != exitOK {
			b.Fatal(stderr)
		}
		type op struct{ file, tok, key string }
		var ops []op
		for _, login := range []string{"us", "ua", "ru"} {
			tok, key := operatorFiles(b, d, login+"-meters")
			ops = append(ops, op{filepath.Join(dir, "readings-"+login+".csv"), tok, key})
		}
		b.StartTimer()
		start := time.Now()
		errs := make(chan string, len(ops))
		for _, o := range ops {
			go func() {
				code, _, stderr := parley(b, "readings", "import", o.file, "--plant", plant, "--key", o.key, "--server", ts.URL, "--token-file", o.tok)
				if code != exitOK {
					errs <- stderr
					return
				}
				errs <- ""
			}()
		}
		for range ops {
			if e := <-errs; e != "" {
				b.Fatal(e)
			}
		}
		imported := time.Since(start)
		med := d.Principal(b, "us-mediator")
		settled := 0
		for m := range 12 {
			from := time.Date(2025, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
			w, err := energyweb.Issue(b.Context(), d.Service, med, plant, from, from.AddDate(0, 1, 0), "")
			if err != nil {
				b.Fatal(err)
			}
			var s energy.Statement
			var st energy.Settlement
			json.Unmarshal(w.Entity.Body, &s)
			json.Unmarshal([]byte(s.Figures), &st)
			settled += st.Settled
		}
		took := time.Since(start)
		b.StopTimer()
		if settled != 365*energy.PerDay {
			b.Fatalf("settled %d intervals of %d", settled, 365*energy.PerDay)
		}
		b.ReportMetric(imported.Seconds(), "import-s")
		b.ReportMetric((took - imported).Seconds(), "statements-s")
		b.ReportMetric(took.Seconds(), "total-s")
		ts.Close()
		b.StartTimer()
	}
}

// A file saved with a byte-order mark reads as any other.
func TestReadReadingsBOM(t *testing.T) {
	bs, problems, err := readReadings(strings.NewReader("\ufeffmeter,start,wh\nG1,2026-04-01T00:00:00Z,5\nG1,2026-04-01T00:15:00Z,\n"),
		func(string) (string, string) { return "m1", "" })
	if err != nil || len(problems) > 0 || len(bs) != 1 || len(bs[0][0].wh) != 2 || bs[0][0].wh[1] != energy.NoValue {
		t.Errorf("%+v %v %v", bs, problems, err)
	}
}
