package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-project/parley/internal/inflight"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/intake"
)

var reportsImportCommand = &command{
	name:     "reports import",
	args:     "FILE --server URL --token-file FILE [--format csv|ndjson|geojson|acled]",
	operands: 1,
	summary:  "import incident reports from a CSV, NDJSON, GeoJSON or ACLED file",
	doc: `
Import incident reports from a file, through the API as the token's
principal (a monitor or the mediator), in batches of ` + strconv.Itoa(importBatch) + `, ` + strconv.Itoa(importInFlight) + ` of them in
flight, so that the server checks the next while it commits one. The
format follows the file's name (.csv, .ndjson or .jsonl, .geojson or .json)
unless --format names it; a CSV file with ACLED's header is read as ACLED's export.

parley's CSV: the first line names the columns, in any order:

  source_type      required: party, monitor-patrol, sensor, open-source, unknown
  source_name      required
  source_party     for a party's report: the party's id
  source_ref       the source's own reference for the report, if it has one
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

NDJSON: one report a line, as the API takes it (POST /api/v1/incident-reports).
GeoJSON: a FeatureCollection, each feature's properties a report's fields and
its geometry a Point (or null, for a report placed by region only).
ACLED: ACLED's CSV export; a row is an open-source report under ACLED's event
id (event_id_cnty), from its source, at its location and coordinates, its
notes the narrative (with the sub-event type), its fatalities killed of
unknown group; time_precision 1 is a day, 2 and 3 the month; geo_precision 1
and 2 a settlement, 3 a region; "Shelling/artillery/missile attack" is
artillery, "Remote explosive/landmine/IED" a mine, "Armed clash" small arms,
any other weapon unknown.

Every row is checked; a bad row is reported with its line (or feature) and
field, and the good rows are committed. Each report keeps a key (the source's
reference, or a hash of the report as read), so importing the same file
again, under any name, or after an interrupted import, adds only what is not
there yet: an import resumes by being run again. A progress bar goes to
standard error; the exit status is 1 if any row was refused.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		server := fs.String("server", "", "the parley server's base `URL`")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new)")
		format := fs.String("format", "", "the file's `format`: csv, ndjson, geojson or acled (default: from its name)")
		return func(ctx context.Context) error { return c.importReports(ctx, fs.Arg(0), *format, *server, *token) }
	},
}

// importBatch is how many reports one request carries.
const importBatch = 500

// importInFlight is how many batches an import keeps sent and unanswered:
// the server commits one while it checks the next, which it could not do
// if the import waited for each answer before sending more.
const importInFlight = 3

// importRun is an import under way: what it has sent, and what came of it.
// The answers are taken in the order of the batches (inflight.Ordered),
// one at a time; mu guards what they change, which the reader of the
// file also reads.
type importRun struct {
	c       *cli
	api     apiClient
	file    string
	format  string
	size    int64
	read    *countingReader
	pending []intake.Row // read, not yet sent
	sent    *inflight.Ordered[batchAnswer]

	mu       sync.Mutex
	added    int
	there    int
	refused  []lineRefusal // in the order found; listed by line
	answered int           // the last line every row up to which was answered
	failed   *batchError   // the first batch not answered
	start    time.Time
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *cli) importReports(ctx context.Context, file, format, server, tokenFile string) error {
	api, err := newAPIClient(server, tokenFile)
	if err != nil {
		return err
	}
	if format == "" {
		if format, err = intake.FormatOf(file); err != nil {
			return usagef("%v", err)
		}
	} else if !slices.Contains(intake.Formats, format) {
		return usagef("--format %q is not one of %s", format, strings.Join(intake.Formats, ", "))
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("couldn't read the reports: %w", err)
	}
	defer f.Close()
	run := &importRun{c: c, api: api, file: file, format: format, read: &countingReader{r: f}, start: time.Now()}
	if fi, err := f.Stat(); err == nil {
		run.size = fi.Size()
	}
	run.sent = inflight.New(importInFlight, run.take)
	err = intake.Read(format, run.read, func(row intake.Row) error {
		if row.Err != nil {
			run.mu.Lock()
			run.refused = append(run.refused, lineRefusal{row.Line, fmt.Sprintf("%s: %v", row.Where(format), row.Err)})
			run.mu.Unlock()
			return nil
		}
		run.pending = append(run.pending, row)
		if len(run.pending) == importBatch {
			run.send(ctx)
		}
		if failed := run.firstFailure(); failed != nil {
			return failed // no more is sent once a batch went unanswered
		}
		return nil
	})
	// The rows read before a problem with the file as a whole are sent
	// all the same: what was good is committed.
	if run.firstFailure() == nil {
		run.send(ctx)
	}
	run.sent.Wait()
	fmt.Fprintln(c.stderr)
	if sendErr := run.firstFailure(); sendErr != nil {
		return fmt.Errorf("%s: %w\nevery row up to line %d was answered (%d reports committed, %d there already); the batches from line %d on may be committed in part. "+
			"Run the same command again to resume: what is there already is skipped", file, sendErr, run.answered, run.added, run.there, sendErr.first)
	}
	if err != nil {
		run.listRefused()
		return fmt.Errorf("%s: %w; the %d reports read before it were committed (%d there already, %d rows refused, listed above)",
			file, err, run.added, run.there, len(run.refused))
	}
	fmt.Fprintf(c.stdout, "imported %d reports; %d were there already; %d rows refused\n", run.added, run.there, len(run.refused))
	run.listRefused()
	if len(run.refused) > 0 {
		return errRowsRefused
	}
	return nil
}

// lineRefusal is a refused row: the file reader's refusals are found as
// the file is read, the server's as batches are answered, up to
// importInFlight batches later.
type lineRefusal struct {
	line int
	msg  string
}

// listRefused writes the refused rows in the order of their lines.
func (r *importRun) listRefused() {
	slices.SortStableFunc(r.refused, func(a, b lineRefusal) int { return a.line - b.line })
	for _, p := range r.refused {
		fmt.Fprintf(r.c.stderr, "%s %s\n", r.file, p.msg)
	}
}

// batchError is a batch that could not be sent, or was not answered.
type batchError struct {
	first int
	err   error
}

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }

// batchAnswer is what the server answered to one batch.
type batchAnswer struct {
	rows    []intake.Row
	results []batchResult
	err     error
}

type batchResult struct {
	Index  int `json:"index"`
	Status int `json:"status"`
	Error  *struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"error"`
}

func (r *importRun) firstFailure() *batchError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// send sends the pending rows as one batch, without waiting for the
// answer unless importInFlight batches are unanswered.
func (r *importRun) send(ctx context.Context) {
	if len(r.pending) == 0 {
		return
	}
	rows := r.pending
	r.pending = nil
	r.sent.Go(func() batchAnswer {
		var body bytes.Buffer
		for _, row := range rows {
			b, _ := json.Marshal(row.Report)
			body.Write(b)
			body.WriteByte('\n')
		}
		var out struct {
			Results []batchResult `json:"results"`
		}
		err := r.api.send(ctx, http.MethodPost, "batch/incident-reports", "application/x-ndjson", body.Bytes(), &out)
		return batchAnswer{rows: rows, results: out.Results, err: err}
	})
}

// take sorts one batch's answers: added, there already (a conflict on the
// source reference), refused. A batch answered after one that was not
// still counts what it committed, but the import resumes from the first.
func (r *importRun) take(a batchAnswer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.err != nil {
		if r.failed == nil {
			r.failed = &batchError{first: a.rows[0].Line, err: a.err}
		}
		return
	}
	for _, res := range a.results {
		if res.Index < 0 || res.Index >= len(a.rows) {
			continue
		}
		row := a.rows[res.Index]
		switch {
		case res.Status == http.StatusCreated:
			r.added++
		case res.Status == http.StatusConflict && res.Error != nil && res.Error.Field == "source_ref":
			r.there++
		case res.Error != nil:
			r.refused = append(r.refused, lineRefusal{row.Line, fmt.Sprintf("%s: %s: %s", row.Where(r.format), res.Error.Field, res.Error.Message)})
		default:
			r.refused = append(r.refused, lineRefusal{row.Line, fmt.Sprintf("%s: refused with status %d", row.Where(r.format), res.Status)})
		}
	}
	if r.failed == nil {
		r.answered = a.rows[len(a.rows)-1].Line
	}
	r.progress()
}

// progress draws the progress bar: the share of the file read, the rows
// so far and the rate. The caller holds r.mu.
func (r *importRun) progress() {
	const width = 30
	share := 1.0
	if r.size > 0 {
		share = min(1, float64(r.read.n.Load())/float64(r.size))
	}
	done := int(share * width)
	rows := r.added + r.there + len(r.refused)
	rate := float64(rows) / max(time.Since(r.start).Seconds(), 1e-3)
	fmt.Fprintf(r.c.stderr, "\r[%s%s] %3.0f%%  %d rows: %d added, %d there already, %d refused  (%.0f rows/s)",
		strings.Repeat("=", done), strings.Repeat(" ", width-done), share*100, rows, r.added, r.there, len(r.refused), rate)
}

// errRowsRefused makes the exit status 1 once the refused rows are listed.
var errRowsRefused = errors.New("some rows were refused; see above")
