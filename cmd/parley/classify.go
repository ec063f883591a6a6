package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/intake"
)

var classifyClusterCommand = &command{
	name:     "monitor classify-cluster",
	args:     "--zones FILE.geojson --reports FILE.csv --out DIR",
	operands: 0,
	summary:  "classify and corroborate reports from files, without a server",
	doc: `
Run the monitoring's classification and corroboration on files, without a
server, so that analysts and benchmarks run the same code on any data:
--zones is a GeoJSON FeatureCollection as 'parley zones load' reads it,
--reports a file as 'parley reports import' reads it (CSV, NDJSON, GeoJSON
or ACLED's CSV, by its name; parley help reports import lists the columns). A bad row is reported with its line and
left out; a bad zone file is refused whole.

It writes DIR/classified.csv, one row per report:

  line        the report's line in the reports file
  zones       the names of the zones that contain it, separated by "; "
  region      the name of its region
  side        the party holding the side of the line of contact it is on
  line_km     its distance to the line of contact
  protected   the name of the nearest protected object
  protected_km  the distance to it (0 within its area or radius)
  incident    the number of the incident it was corroborated into

and prints how many reports, incidents and refused rows there were.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		zones := fs.String("zones", "", "the zones, a GeoJSON `file`")
		reports := fs.String("reports", "", "the reports, a CSV `file`")
		out := fs.String("out", "", "the `directory` to write classified.csv to")
		return func(ctx context.Context) error { return c.classifyCluster(*zones, *reports, *out) }
	},
}

func (c *cli) classifyCluster(zoneFile, reportFile, out string) error {
	if zoneFile == "" || reportFile == "" || out == "" {
		return usagef("--zones, --reports and --out are required")
	}
	zb, err := os.ReadFile(zoneFile)
	if err != nil {
		return fmt.Errorf("couldn't read the zones: %w", err)
	}
	zones, err := readZones(zb)
	if err != nil {
		return fmt.Errorf("%s: %w", zoneFile, err)
	}
	ids := make([]string, len(zones))
	ptrs := make([]*monitor.Zone, len(zones))
	for i := range zones {
		ids[i], ptrs[i] = zones[i].Name, &zones[i]
	}
	placed, err := monitor.Place(ids, ptrs)
	if err != nil {
		return err
	}
	f, err := os.Open(reportFile)
	if err != nil {
		return fmt.Errorf("couldn't read the reports: %w", err)
	}
	defer f.Close()
	format, err := intake.FormatOf(reportFile)
	if err != nil {
		return usagef("%v", err)
	}
	rows, problems, err := intake.ReadAll(format, f)
	if err != nil {
		return fmt.Errorf("%s: %w", reportFile, err)
	}
	reports := make([]*monitor.Report, len(rows))
	for i := range rows {
		reports[i] = rows[i].Report
	}
	// The same corroboration as the Monitoring page's: a report without
	// coordinates or a time stands alone.
	incidents := monitor.Corroborate(reports, monitor.DefaultClusterConfig, monitor.Links{})
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	of, err := os.Create(filepath.Join(out, "classified.csv"))
	if err != nil {
		return err
	}
	defer of.Close()
	w := csv.NewWriter(of)
	w.Write([]string{"line", "zones", "region", "side", "line_km", "protected", "protected_km", "incident"})
	seen := map[int]bool{}
	for i, r := range rows {
		cl := monitor.Classify(placed, r.Report)
		km := func(v float64) string {
			if !cl.Located {
				return ""
			}
			return strconv.FormatFloat(v, 'f', 2, 64)
		}
		w.Write([]string{strconv.Itoa(r.Line), strings.Join(cl.Zones, "; "), cl.Region, cl.Side, km(cl.LineKm), cl.Protected, km(cl.ProtectedKm),
			strconv.Itoa(incidents[i])})
		seen[incidents[i]] = true
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(c.stderr, "%s %s: %v\n", reportFile, p.Where(format), p.Err)
	}
	fmt.Fprintf(c.stdout, "%d reports in %d incidents; %d rows refused; wrote %s\n", len(rows), len(seen), len(problems), filepath.Join(out, "classified.csv"))
	return nil
}
