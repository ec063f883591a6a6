package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/parley-project/parley/internal/load"
	"github.com/parley-project/parley/server"
)

var loadCommand = &command{
	name:    "load",
	args:    "--url URL --token TOKEN [--metrics-token TOKEN] [--writers N] [--rate R] [--readers N] [--duration D] --acked FILE | --check FILE... --log-key KEY",
	summary: "load a server on this machine with writers and readers, then check every acknowledged record",
	doc: `
Drive the parley server at --url, on this machine's loopback address only,
with concurrent writers and readers for --duration, after tessera's hammer,
and report every --interval: writes and reads per second, their p50 and p99
latencies, the time from a write to the first published checkpoint that
covers its record (pub), errors by kind, the writes the target rate called
for that no writer was free to send (behind), the server's memory (rss,
Go heap, goroutines, from /metrics, with --metrics-token) and the machine's
load average. At the end it prints the totals.

The writers POST action items (with --rate, that many a second in total;
without, as fast as the server answers) as the principal of --token, who
must have the mediator or negotiator role; with several --token flags,
writer i writes as token i mod n. The readers GET, in turn, the newest
action items, one item written, and the proof of a record written that a
published checkpoint covers. Every failed request counts as an error: a
status other than the expected one by status and API error code, a request
without an answer by why (connection refused, reset, closed, timeout).
After a request without an answer a worker pauses 100ms: the server may
be restarting.

Each acknowledged write (201 with a receipt) is appended to --acked, a new
file, one JSON line per record; each line is also a receipt that 'parley
verify --log URL' checks. The records stay in the installation for good:
run the load against an installation made for it, never a real one.

With --check FILE (repeatable), it writes nothing: it checks that each
record of the files is there, its proof verifies with --log-key (and every
--witness-key), and it is the record and log position of its receipt; then
that the log's latest checkpoint is consistent with every checkpoint those
proofs were against. Give the token of each principal who wrote records.

The exit status is 1 if any request failed or any record failed the check.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		rawURL := fs.String("url", "http://"+server.DefaultAddr+"/", "the server's base `URL`, on a loopback address")
		var tokens, checks, witnessKeys stringsFlag
		fs.Var(&tokens, "token", "an API `token` to write and read with (repeatable; default: $"+loadTokenEnv+")")
		metricsToken := fs.String("metrics-token", "", "an API `token` of an administrator of the mediating party, to read /metrics (default: $"+loadMetricsTokenEnv+")")
		writers := fs.Int("writers", 8, "concurrent `writers`")
		rate := fs.Float64("rate", 0, "target `writes` a second in total; 0: as fast as the server answers")
		readers := fs.Int("readers", 4, "concurrent `readers`")
		readRate := fs.Float64("read-rate", 0, "target `reads` a second in total; 0: as fast as the server answers")
		duration := fs.Duration("duration", time.Minute, "run for this `duration`")
		writes := fs.Int64("writes", 0, "stop once this many `writes` are acknowledged; 0: run for --duration")
		interval := fs.Duration("interval", 10*time.Second, "report every `interval`")
		timeout := fs.Duration("timeout", 30*time.Second, "bound each request to this `duration`")
		noteBytes := fs.Int("note-bytes", 200, "pad each action item's note to this many `bytes`")
		acked := fs.String("acked", "", "append each acknowledged record to this new `file` (JSON lines)")
		fs.Var(&checks, "check", "check the acknowledged records of this `file` instead of loading (repeatable)")
		logKey := fs.String("log-key", "", "the log's verifier `key`, or a file holding it: with --check, required; while loading, every checkpoint read is verified")
		fs.Var(&witnessKeys, "witness-key", "with --check, a witness's cosignature `key` (or a file) that every proof's checkpoint must carry (repeatable)")
		parallel := fs.Int("parallel", 8, "with --check, check `n` records at once")
		wait := fs.Duration("wait", 30*time.Second, "with --check, wait up to this `duration` for a record's proof while it answers 503 or not at all")
		return func(ctx context.Context) error {
			base, err := load.CheckURL(*rawURL)
			if err != nil {
				return usagef("--url: %v", err)
			}
			if len(tokens) == 0 {
				if t := c.getenv(loadTokenEnv); t != "" {
					tokens = append(tokens, t)
				}
			}
			if len(tokens) == 0 {
				return usagef("--token (or $%s) is required: an API token, from 'parley tokens new' or the demo's output", loadTokenEnv)
			}
			if *metricsToken == "" {
				*metricsToken = c.getenv(loadMetricsTokenEnv)
			}
			var key string
			var wkeys []string
			if *logKey != "" || len(checks) > 0 {
				if key, err = logKeyArg("log-key", *logKey); err != nil {
					return err
				}
			}
			for _, w := range witnessKeys {
				k, err := witnessKeyArg("witness-key", w)
				if err != nil {
					return err
				}
				wkeys = append(wkeys, k)
			}
			if *timeout <= 0 {
				return usagef("--timeout must be positive")
			}
			if len(checks) > 0 {
				if *acked != "" {
					return usagef("--check reads acknowledged records; --acked is for a load run, not both")
				}
				_, err := load.Check(ctx, load.CheckConfig{URL: base, Tokens: tokens, Files: checks, LogKey: key, WitnessKeys: wkeys,
					Parallel: *parallel, Timeout: *timeout, Wait: *wait, Out: c.stdout})
				return err
			}
			switch {
			case *acked == "":
				return usagef("--acked FILE is required: where the acknowledged records go, for --check")
			case *writers < 1:
				return usagef("--writers must be at least 1")
			case *readers < 0 || *rate < 0 || *readRate < 0 || *writes < 0 || *noteBytes < 0:
				return usagef("--readers, --rate, --read-rate, --writes and --note-bytes cannot be negative")
			case *duration <= 0 || *interval <= 0:
				return usagef("--duration and --interval must be positive")
			}
			// A new file, never over an old one: the records of an
			// earlier run are what a later --check needs.
			f, err := os.OpenFile(*acked, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists: it may list the records of an earlier run, which --check needs; name a new file", *acked)
			} else if err != nil {
				return fmt.Errorf("couldn't create the acknowledged-records file: %w", err)
			}
			sum, err := load.Run(ctx, load.Config{URL: base, Tokens: tokens, MetricsToken: *metricsToken,
				Writers: *writers, Readers: *readers, WriteRate: *rate, ReadRate: *readRate,
				Duration: *duration, Writes: *writes, Interval: *interval, Timeout: *timeout,
				NoteBytes: *noteBytes, LogKey: key, Acked: f, Out: c.stdout})
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("couldn't write %s: %w", *acked, cerr)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "the acknowledged records are in %s; check them with: parley load --check %s --url %s --token ... --log-key ...\n", *acked, *acked, base)
			if sum.Errors > 0 {
				return fmt.Errorf("%d requests failed (the errors are listed above)", sum.Errors)
			}
			return nil
		}
	},
}

// The environment variables that hold the load's tokens, to keep them out
// of the process list.
const (
	loadTokenEnv        = "PARLEY_TOKEN"
	loadMetricsTokenEnv = "PARLEY_METRICS_TOKEN"
)
