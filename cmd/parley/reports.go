package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-project/parley/monitor"
)

var reportsImportCommand = &command{
	name:     "reports import",
	args:     "FILE.csv --server URL --token-file FILE",
	operands: 1,
	summary:  "import incident reports from a CSV file",
	doc: `
Import incident reports from a CSV file, through the API as the token's
principal (a monitor or the mediator). The first line names the columns, in
any order:

  source_type      required: party, monitor-patrol, sensor, open-source, unknown
  source_name      required
  source_party     for a party's report: the party's id
  occurred_at      required: RFC 3339 with its offset, or YYYY-MM-DD
  time_precision   required: exact, hour, day, night-of, month
  place_name       required
  place_precision  required: coordinates, settlement, region
  lat, lon         decimal degrees; both, unless only the region is known
  weapon_class     required: ` + strings.Join(monitor.WeaponClasses, ", ") + `
  weapon_count     a whole number
  target_class     required: ` + strings.Join(monitor.TargetClasses, ", ") + `
  killed_civilian, killed_military, killed_unknown,
  wounded_civilian, wounded_military, wounded_unknown
                   a count, or a range "25-27"
  narrative
  evidence_sha256  the SHA-256 of a file backing the report, in hex

Every row is checked; a bad row is reported with its line and field, and the
good rows are committed. Each report keeps its key (a hash of the report as
read), so importing the same file again, under any name, or after an
interrupted import, adds only what is not there yet; two identical rows are
one report. Progress goes to
standard error; the exit status is 1 if any row was refused.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		server := fs.String("server", "", "the parley server's base `URL`")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new)")
		return func(ctx context.Context) error { return c.importReports(ctx, fs.Arg(0), *server, *token) }
	},
}

// reportColumns are the columns a reports file may have; required ones
// first.
var (
	requiredColumns = []string{"source_type", "source_name", "occurred_at", "time_precision", "place_name", "place_precision", "weapon_class", "target_class"}
	reportColumns   = append(slices.Clone(requiredColumns), "source_party", "lat", "lon", "weapon_count", "narrative", "evidence_sha256",
		"killed_civilian", "killed_military", "killed_unknown", "wounded_civilian", "wounded_military", "wounded_unknown")
)

// importRow is one good row of a reports file.
type importRow struct {
	line   int
	report monitor.Report
}

// readReports reads a reports file: its good rows, and a problem for each
// bad one, naming its line and field. key names the file in each row's key.
func readReports(r io.Reader, key string) ([]importRow, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: no header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(reportColumns, h) {
			return nil, nil, fmt.Errorf("line 1: column %q is not one of %s", h, strings.Join(reportColumns, ", "))
		}
		col[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("line 1: the required column %q is missing", c)
		}
	}
	var rows []importRow
	var problems []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, problems, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rep, err := reportOf(get)
		if err == nil {
			rep.Normalize()
			err = rep.Validate(nil)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		// The key is the report as read, so that the same report, from
		// this file under any name or from a copy, is imported once.
		canon, _ := json.Marshal(rep)
		sum := sha256.Sum256(canon)
		rep.SourceRef = "import:" + hex.EncodeToString(sum[:16])
		rows = append(rows, importRow{line: line, report: rep})
	}
}

// reportOf reads a row's columns into a report; a number that is not one
// is an error naming its column.
func reportOf(get func(string) string) (monitor.Report, error) {
	r := monitor.Report{SourceType: monitor.SourceType(get("source_type")), SourceName: get("source_name"), SourceParty: get("source_party"),
		OccurredAt: get("occurred_at"), TimePrecision: get("time_precision"), PlaceName: get("place_name"), PlacePrecision: get("place_precision"),
		WeaponClass: get("weapon_class"), TargetClass: get("target_class"), Narrative: get("narrative")}
	for _, c := range []struct {
		name string
		to   **float64
	}{{"lat", &r.Lat}, {"lon", &r.Lon}} {
		if v := get(c.name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return r, fmt.Errorf("%s: %q is not a number", c.name, v)
			}
			*c.to = &f
		}
	}
	if v := get("weapon_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return r, fmt.Errorf("weapon_count: %q is not a whole number", v)
		}
		r.WeaponCount = n
	}
	for _, kind := range monitor.CasualtyKinds {
		for _, group := range monitor.CasualtyGroups {
			name := kind + "_" + group
			v := get(name)
			if v == "" {
				continue
			}
			lo, hi, isRange := strings.Cut(v, "-")
			low, err := strconv.Atoi(strings.TrimSpace(lo))
			high := low
			if err == nil && isRange {
				high, err = strconv.Atoi(strings.TrimSpace(hi))
			}
			if err != nil {
				return r, fmt.Errorf("%s: %q is not a count or a range such as 25-27", name, v)
			}
			r.Casualties = append(r.Casualties, monitor.Casualty{Kind: kind, Group: group, Low: low, High: high})
		}
	}
	if v := get("evidence_sha256"); v != "" {
		r.Evidence = []monitor.Evidence{{SHA256: strings.ToLower(v)}}
	}
	return r, nil
}

func (c *cli) importReports(ctx context.Context, file, server, tokenFile string) error {
	api, err := newAPIClient(server, tokenFile)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("couldn't read the reports: %w", err)
	}
	defer f.Close()
	rows, problems, err := readReports(f, file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	added, there := 0, 0
	for i, row := range rows {
		fmt.Fprintf(c.stderr, "\rreport %d of %d", i+1, len(rows))
		var found struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := api.do(ctx, http.MethodGet, "incident-reports?limit=1&source_ref="+url.QueryEscape(row.report.SourceRef), nil, &found); err != nil {
			fmt.Fprintln(c.stderr)
			return fmt.Errorf("%s line %d: %w; %d reports before it were imported, and importing the file again adds only the rest", file, row.line, err, added)
		}
		if len(found.Items) > 0 {
			there++
			continue
		}
		body, _ := json.Marshal(row.report)
		if err := api.do(ctx, http.MethodPost, "incident-reports", body, nil); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", row.line, err))
			continue
		}
		added++
	}
	if len(rows) > 0 {
		fmt.Fprintln(c.stderr)
	}
	fmt.Fprintf(c.stdout, "imported %d reports; %d were there already; %d rows refused\n", added, there, len(problems))
	for _, p := range problems {
		fmt.Fprintf(c.stderr, "%s %s\n", file, p)
	}
	if len(problems) > 0 {
		return errRowsRefused
	}
	return nil
}

// errRowsRefused makes the exit status 1 once the refused rows are listed.
var errRowsRefused = errors.New("some rows were refused; see above")
