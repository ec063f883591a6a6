package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/server"
)

var auditCommand = &command{
	name:    "audit",
	args:    "--config FILE [--json]",
	summary: "audit the database against the records' own bytes and the transparency log",
	doc: `
Check the installation against itself and against its transparency log:
the database's guards of the records (the triggers that refuse to change
or remove one, the unique index of log positions), every record's columns
and commitment against its canonical bytes, every record's entry in the
log against its commitment, every entry of the log against exactly one
record and no record past the log's end, the log against the latest
checkpoint each configured witness cosigned (which it asks for: a
checkpoint the log does not extend means the log was rolled back or
rewritten) and the log's latest checkpoint against the witness quorum,
every file that backs a record (evidence) against its hash, and every
projection (the current state of rounds, sessions..., and each
domain's own tables, row by row, its followers caught up first) against a
replay of the records, which is rolled back. It finds a row of the
database changed, added or removed behind parley's back, which the log
makes detectable: its entries are cosigned by the parties' witnesses and
cannot be rewritten unseen. A witness that cannot be reached is reported
too: the log was not checked against it.

Run it with serve stopped: it refuses to run while another parley process
holds the log. It does not recover first: a record without a position in
the log is reported, since it is either left by a crash (serve logs it at
its next start) or a row added behind parley's back, which only the
operator can tell apart.

It prints how much it checked and each problem found, or with --json the
report as JSON, and exits 0 if it found none, else 1. A projection that
differs from its records is restored by 'parley rebuild'; a record that
differs from the log is evidence to keep: restore the database from a
backup and compare.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		asJSON := fs.Bool("json", false, "print the report as JSON")
		return func(ctx context.Context) error { return c.audit(ctx, *config, *asJSON) }
	},
}

func (c *cli) audit(ctx context.Context, configPath string, asJSON bool) error {
	// No recovery first: a pending record is either a crash's leftover,
	// which serve will log, or a row added behind parley's back, which
	// recovery would adopt into the log. The audit reports it either way.
	in, err := c.openInstallation(ctx, configPath, false)
	if err != nil {
		return err
	}
	defer in.close()
	cfg, svc, log := in.cfg, in.svc, in.log

	start := time.Now()
	rep, err := audit.Run(ctx, svc)
	if err != nil {
		return fmt.Errorf("couldn't audit: %w", err)
	}
	if asJSON {
		if rep.Findings == nil {
			rep.Findings = []audit.Finding{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.stdout, "audited %s and the log %s in %v:\n  %d records (%d in batches), %d log entries, %d entities, %d domain tables, %s, %s checked against\n",
			server.StoreLocation(cfg), log.Origin(), time.Since(start).Round(time.Millisecond), rep.Records, rep.Items, rep.Leaves, rep.Entities, rep.Tables,
			kernel.Plural(rep.Files, "file"), kernel.Plural(rep.Witnesses, "witness"))
		if len(rep.Findings) == 0 {
			fmt.Fprintln(c.stdout, "no problems found")
		} else {
			fmt.Fprintf(c.stdout, "%d problems found:\n", len(rep.Findings))
			for _, f := range rep.Findings {
				fmt.Fprintf(c.stdout, "  %s\n", f)
			}
		}
	}
	if n := len(rep.Findings); n > 0 {
		return fmt.Errorf("the audit found %d problems", n)
	}
	return nil
}
