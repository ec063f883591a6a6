package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/scenario"
)

var genReportsCommand = &command{
	name:     "gen reports",
	args:     "N [--out FILE.csv] [--truth FILE.csv] [--seed N] [--per-day N] [--coarse SHARE]",
	operands: 1,
	summary:  "make N realistic synthetic incident reports, with their truth",
	doc: `
Make about N synthetic incident reports, in the columns 'parley reports
import' reads: events near a line of contact about 1,000 km long (most
within 20 km of it), --per-day of them a day from 1 February 2026, each seen
by 1 to 5 sources (patrols, sensors, the demo's parties, outlets; never one twice)
that place it up to a few km and tens of minutes off, and may not know its
weapon; --coarse of them (a share from 0 to 1) give only the day, or a
nearby settlement's coordinates, as their precision says. --truth writes, for each report (by its line in the reports file),
the event it truly reports, to measure corroboration against. The same
--seed makes the same reports.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		out := fs.String("out", "", "write the reports to this `file` instead of standard output")
		truth := fs.String("truth", "", "write each report's true event to this `file`")
		seed := fs.Uint64("seed", 1, "the random `seed`")
		perDay := fs.Int("per-day", 900, "`events` a day")
		coarse := fs.Float64("coarse", 0, "the `share` of reports that give only their day or a settlement")
		return func(ctx context.Context) error {
			n, err := strconv.Atoi(fs.Arg(0))
			if err != nil || n < 1 {
				return usagef("N must be a positive whole number, not %q", fs.Arg(0))
			}
			if *perDay < 1 {
				return usagef("--per-day must be 1 at least")
			}
			if !(*coarse >= 0 && *coarse <= 1) {
				return usagef("--coarse is a share from 0 to 1, not %g", *coarse)
			}
			return c.genReports(n, *out, *truth, monitor.GenConfig{Seed: *seed, EventsPerDay: *perDay, Coarse: *coarse})
		}
	},
}

func (c *cli) genReports(n int, out, truthFile string, cfg monitor.GenConfig) error {
	// The demo's line and parties, so that the reports import into the
	// demo as they are.
	cfg.Reports, cfg.Line, cfg.Parties, cfg.Start = n, scenario.ContactLine, scenario.LineParties, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	g := monitor.Generate(cfg)
	w := c.stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	cw.Write([]string{"source_type", "source_name", "source_party", "occurred_at", "time_precision", "place_name", "place_precision",
		"lat", "lon", "weapon_class", "weapon_count", "target_class"})
	for _, x := range g {
		r := x.Report
		cw.Write([]string{string(r.SourceType), r.SourceName, r.SourceParty, r.OccurredAt, r.TimePrecision, r.PlaceName, r.PlacePrecision,
			strconv.FormatFloat(*r.Lat, 'f', 5, 64), strconv.FormatFloat(*r.Lon, 'f', 5, 64), r.WeaponClass, strconv.Itoa(r.WeaponCount), r.TargetClass})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if truthFile != "" {
		f, err := os.Create(truthFile)
		if err != nil {
			return err
		}
		defer f.Close()
		tw := csv.NewWriter(f)
		tw.Write([]string{"line", "event"})
		for i, x := range g {
			tw.Write([]string{strconv.Itoa(i + 2), strconv.Itoa(x.Event)})
		}
		tw.Flush()
		if err := tw.Error(); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stderr, "made %d reports of %d events\n", len(g), g[len(g)-1].Event+1)
	return nil
}
