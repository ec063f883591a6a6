package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parley-project/parley/energy"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
)

// readingsHeader is the columns of a readings file.
var readingsHeader = []string{"meter", "start", "wh"}

var genReadingsCommand = &command{
	name:    "gen readings",
	args:    "--out-dir DIR [--start DATE] [--days N] [--seed N]",
	summary: "make realistic 15-minute readings of the demo plant's meters, a file per operator",
	doc: `
Make --days of 15-minute readings of the demo plant's nine meters (six units,
station use, a delivery point into each party's grid) from --start: each
unit out some five weeks for refuelling, tripping now and then (the interval
of the trip partial), following load at night and producing more in winter;
losses of about 1.5 %; each party taking more or less than its half on
different days, so that energy is ceded both ways. It writes one file a
party that operates meters, DIR/readings-<party>.csv, in the columns 'parley
readings import' reads (meter,start,wh), for that party's meter operator to
sign and import. The same --seed makes the same readings.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		out := fs.String("out-dir", "", "the `directory` to write the files in")
		start := fs.String("start", "2026-04-01", "the first `day`, YYYY-MM-DD (UTC)")
		days := fs.Int("days", 365, "how many `days`")
		seed := fs.Uint64("seed", 1, "the random `seed`")
		return func(ctx context.Context) error {
			if *out == "" {
				return usagef("--out-dir is required")
			}
			from, err := time.Parse(time.DateOnly, *start)
			if err != nil {
				return usagef("--start %q is not a day YYYY-MM-DD", *start)
			}
			if *days < 1 || *days > 3660 {
				return usagef("--days must be from 1 to 3660, not %d", *days)
			}
			return c.genReadings(*out, from, *days, *seed)
		}
	},
}

func (c *cli) genReadings(dir string, from time.Time, days int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := scenario.GenerateReadings(from, days, seed)
	byParty := map[string][]string{}
	var parties []string
	for _, code := range g.Codes {
		p := scenario.MeterOperator(code)
		if byParty[p] == nil {
			parties = append(parties, p)
		}
		byParty[p] = append(byParty[p], code)
	}
	for _, p := range parties {
		name := filepath.Join(dir, "readings-"+p+".csv")
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		w.WriteString(strings.Join(readingsHeader, ",") + "\n")
		n := 0
		for _, code := range byParty[p] {
			for t, v := range g.Values[code] {
				w.WriteString(code + "," + from.Add(time.Duration(t)*energy.Interval).Format(time.RFC3339) + "," + strconv.FormatInt(v, 10) + "\n")
				n++
			}
		}
		if err := errors.Join(w.Flush(), f.Close()); err != nil {
			return fmt.Errorf("couldn't write %s: %w", name, err)
		}
		fmt.Fprintf(c.stdout, "%s: %d readings of %s\n", name, n, strings.Join(byParty[p], ", "))
	}
	return nil
}

var readingsImportCommand = &command{
	name:     "readings import",
	args:     "FILE.csv --plant ID --key FILE --server URL --token-file FILE",
	operands: 1,
	summary:  "sign and submit a meter operator's 15-minute readings",
	doc: `
Read 15-minute readings from FILE.csv, in the columns meter (the meter's
code on the plant), start (RFC 3339, on a quarter hour) and wh (whole
watt-hours; empty where the meter has none), and submit them, each meter's
consecutive readings of a calendar month as one batch signed with your key
(--key, from parley keys generate, registered as your signing key): the
statement of each batch binds its values, the meter's current version and
your previous batch of that meter. Rows may come in any order and mix meters.

The file is checked whole before anything is sent: a row of an unknown
meter, of a meter your party does not operate, with a malformed time or
value, or giving a meter and interval twice, is listed with its line, and
nothing is submitted. A batch already committed with the same values is
skipped, and so is every reading committed already with the same value:
an import that stopped (a lost connection) resumes where it was when run
again, and a file that grew since it was imported sends only what is new.
A value that differs from the committed one is refused, with its meter and
time: changing it is a correction, which names the readings it replaces.
Progress is written to standard error.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		plant := fs.String("plant", "", "the plant's `id`")
		key := fs.String("key", "", "your private key `file`")
		server := fs.String("server", "", "the parley server's base `URL`")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new)")
		return func(ctx context.Context) error {
			return c.importReadings(ctx, fs.Arg(0), *plant, *key, *server, *token)
		}
	},
}

// readingsBatch is one series of a meter to submit: one record.
type readingsBatch struct {
	meter, code string
	start       time.Time
	wh          energy.Values
}

func (c *cli) importReadings(ctx context.Context, file, plant, keyFile, server, tokenFile string) error {
	if plant == "" || keyFile == "" {
		return usagef("--plant and --key are required")
	}
	api, err := newAPIClient(server, tokenFile)
	if err != nil {
		return err
	}
	signer, err := readSigner(keyFile)
	if err != nil {
		return err
	}
	var me struct{ Party string }
	if err := api.do(ctx, "GET", "me", nil, &me); err != nil {
		return err
	}
	meters, err := listAll(ctx, api, "meters?parent="+url.QueryEscape(plant))
	if err != nil {
		return fmt.Errorf("couldn't read the plant's meters: %w", err)
	}
	type meterInfo struct{ id, operator string }
	byCode := map[string]meterInfo{}
	for _, m := range meters {
		var b energy.Meter
		json.Unmarshal(m.Data, &b)
		byCode[b.Code] = meterInfo{m.ID, b.OperatorID}
	}
	if len(byCode) == 0 {
		return fmt.Errorf("plant %q has no meters that you may read", plant)
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("couldn't read the readings: %w", err)
	}
	defer f.Close()
	series, problems, err := readReadings(f, func(code string) (string, string) {
		m, ok := byCode[code]
		switch {
		case !ok:
			codes := slices.Sorted(maps.Keys(byCode))
			return "", fmt.Sprintf("meter %q is not a meter of the plant (its meters: %s)", code, strings.Join(codes, ", "))
		case m.operator != me.Party:
			return "", fmt.Sprintf("meter %s is operated by %q; you submit for %q", code, m.operator, me.Party)
		}
		return m.id, ""
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(c.stderr, "%s:%s\n", file, p)
		}
		return fmt.Errorf("%s: %d problems (listed above, with their lines); nothing was submitted", file, len(problems))
	}
	// One goroutine a meter: a meter's batches are a chain (each binds the
	// one before), and meters are independent.
	var (
		done, skipped, values atomic.Int64
		total                 int
		mu                    sync.Mutex
		firstErr              error
		wg                    sync.WaitGroup
	)
	for _, bs := range series {
		total += len(bs)
	}
	progress := func() {
		fmt.Fprintf(c.stderr, "\rreadings: %d of %d batches committed, %d there already (%d readings)", done.Load(), total, skipped.Load(), values.Load())
	}
	sem := make(chan struct{}, 8)
	for _, bs := range series {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			there, err := committedValues(ctx, api, bs[0].meter)
			var chain *record.Statement // the meter's last batch's, once one is committed
			for _, b := range bs {
				if err != nil {
					break
				}
				// What is committed already is not sent again: a file that
				// grew since it was imported sends only what is new.
				var parts []readingsBatch
				if parts, err = newIntervals(b, there); err != nil {
					break
				}
				if len(parts) == 0 {
					skipped.Add(1)
					continue
				}
				for _, part := range parts {
					r := energy.Readings{MeterID: part.meter, PlantID: plant, PartyID: me.Party, Start: part.start.UTC().Format(time.RFC3339), Wh: part.wh}
					body, _ := json.Marshal(r)
					if chain, err = c.submitSigned(ctx, api, signer, body, chain); err != nil {
						err = fmt.Errorf("meter %s, readings from %s: %w", b.code, r.Start, err)
						break
					}
					values.Add(int64(len(part.wh)))
				}
				if err != nil {
					break
				}
				done.Add(1)
				mu.Lock()
				progress()
				mu.Unlock()
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	progress()
	fmt.Fprintln(c.stderr)
	if firstErr != nil {
		return fmt.Errorf("%w\n%d batches were committed before it; run the same command again to resume: what is there already is skipped", firstErr, done.Load())
	}
	fmt.Fprintf(c.stdout, "imported %d batches (%d readings); %d were there already\n", done.Load(), values.Load(), skipped.Load())
	return nil
}

// submitSigned signs body's statement and commits it, and returns the
// statement with the record it committed as the head of its chain. The
// statement of a meter's first batch comes from the server; each next
// one is the one before it, superseded by its record, for the new body
// and time (the meter, never edited, is the same version): one request a
// batch, not two. If the server refuses it (someone else's batch of the
// meter came between), the server's statement is asked for and signed.
func (c *cli) submitSigned(ctx context.Context, api apiClient, signer note.Signer, body []byte, last *record.Statement) (*record.Statement, error) {
	k, _ := registry().Kind(energy.KindReadings)
	// The importer writes the body from the kind's own Go type, as parley
	// commits it: it is what the statement binds.
	commit := func(text string) (*record.Statement, error) {
		signed, st, err := signBody(k, body, body, text, signer)
		if err != nil {
			return nil, err
		}
		var out struct {
			Item struct {
				RecordID string `json:"record_id"`
			} `json:"item"`
		}
		if err := api.do(ctx, "POST", k.Collection, signed, &out); err != nil {
			return nil, err
		}
		st.Supersedes = out.Item.RecordID // what the next in the chain supersedes
		return &st, nil
	}
	if last != nil {
		next := *last
		next.Body, next.At = body, time.Now().UTC().Truncate(time.Microsecond)
		if text, err := next.Text(); err == nil {
			if st, err := commit(text); err == nil {
				return st, nil
			}
		}
	}
	var st struct{ Statement string }
	if err := api.do(ctx, "POST", "to-sign/"+k.Collection, body, &st); err != nil {
		return nil, err
	}
	return commit(st.Statement)
}

// listedItem is an item of an API list.
type listedItem struct {
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// listAll reads every page of the list at path.
func listAll(ctx context.Context, api apiClient, path string) ([]listedItem, error) {
	var all []listedItem
	next := ""
	for {
		p := path
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		p += sep + "limit=500"
		if next != "" {
			p += "&after=" + url.QueryEscape(next)
		}
		var page struct {
			Items []listedItem `json:"items"`
			Next  string       `json:"next"`
		}
		if err := api.do(ctx, "GET", p, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all, nil
		}
		next = page.Next
	}
}

// committed is a meter's standing value of each interval committed
// already, and the readings record that gives it.
type committed map[time.Time]struct {
	wh     int64
	series string
}

// committedValues reads the meter's standing readings.
func committedValues(ctx context.Context, api apiClient, meter string) (committed, error) {
	items, err := listAll(ctx, api, "meter-readings?parent="+url.QueryEscape(meter))
	if err != nil {
		return nil, err
	}
	replaced := map[string]bool{}
	rs := make([]energy.Readings, len(items))
	for i, it := range items {
		if json.Unmarshal(it.Data, &rs[i]) == nil && rs[i].Replaces != "" {
			replaced[rs[i].Replaces] = true
		}
	}
	out := committed{}
	for i, it := range items {
		if replaced[it.ID] {
			continue
		}
		s := rs[i].Series(it.ID, time.Time{})
		for k, v := range s.Wh {
			out[s.Start.Add(time.Duration(k)*energy.Interval)] = struct {
				wh     int64
				series string
			}{v, it.ID}
		}
	}
	return out, nil
}

// newIntervals returns the runs of b's intervals that are not committed
// yet; a committed interval whose value differs is an error: that is a
// correction to make, naming the readings it replaces.
func newIntervals(b readingsBatch, there committed) ([]readingsBatch, error) {
	var out []readingsBatch
	for k, v := range b.wh {
		at := b.start.Add(time.Duration(k) * energy.Interval)
		if c, ok := there[at]; ok {
			if c.wh != v {
				return nil, fmt.Errorf("meter %s, %s: the file gives %s, the committed readings %s give %s; to change a committed value, submit a correction that replaces those readings",
					b.code, at.Format(time.RFC3339), whText(v), c.series, whText(c.wh))
			}
			continue
		}
		last := len(out) - 1
		if last < 0 || !out[last].start.Add(time.Duration(len(out[last].wh))*energy.Interval).Equal(at) {
			out = append(out, readingsBatch{meter: b.meter, code: b.code, start: at})
			last++
		}
		out[last].wh = append(out[last].wh, v)
	}
	return out, nil
}

func whText(v int64) string {
	if v == energy.NoValue {
		return "no value"
	}
	return strconv.FormatInt(v, 10) + " Wh"
}

// readReadings reads a readings file into each meter's batches (a meter's
// consecutive readings within one calendar month, UTC), in order; meterOf
// gives a code's meter id, or why it is refused. Problems name their line.
func readReadings(r io.Reader, meterOf func(code string) (id, problem string)) ([][]readingsBatch, []string, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("no header row: %w", err)
	}
	if len(header) > 0 {
		// A spreadsheet may save the file with a byte-order mark.
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if !slices.Equal(header, readingsHeader) {
		return nil, nil, fmt.Errorf("line 1: the header is %q; a readings file's columns are %s", strings.Join(header, ","), strings.Join(readingsHeader, ","))
	}
	type reading struct {
		at   time.Time
		wh   int64
		line int
	}
	byMeter := map[string][]reading{}
	codes := map[string]string{}
	var order []string
	var problems []string
	refusedCodes := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%d: %v", line, err))
			continue
		}
		code, at, v := rec[0], rec[1], rec[2]
		id, problem := meterOf(code)
		if problem != "" {
			if !refusedCodes[code] {
				problems = append(problems, fmt.Sprintf("%d: meter: %s (and every other row of it)", line, problem))
				refusedCodes[code] = true
			}
			continue
		}
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%d: start: %q is not an RFC 3339 time (2026-04-01T00:15:00Z)", line, at))
			continue
		}
		if err := energy.CheckStart(t); err != nil {
			problems = append(problems, fmt.Sprintf("%d: start: %v", line, err))
			continue
		}
		wh := int64(energy.NoValue)
		if v != "" {
			if wh, err = strconv.ParseInt(v, 10, 64); err != nil || wh > energy.MaxReading || wh < -energy.MaxReading {
				problems = append(problems, fmt.Sprintf("%d: wh: %q is not a whole number of watt-hours", line, v))
				continue
			}
		}
		if byMeter[id] == nil {
			order = append(order, id)
			codes[id] = code
		}
		byMeter[id] = append(byMeter[id], reading{t.UTC(), wh, line})
	}
	var out [][]readingsBatch
	for _, id := range order {
		rs := byMeter[id]
		slices.SortStableFunc(rs, func(a, b reading) int { return a.at.Compare(b.at) })
		var bs []readingsBatch
		for i, r := range rs {
			if i > 0 && rs[i-1].at.Equal(r.at) {
				problems = append(problems, fmt.Sprintf("%d: start: meter %s's reading of %s is given on line %d too", r.line, codes[id], r.at.Format(time.RFC3339), rs[i-1].line))
				continue
			}
			last := len(bs) - 1
			if last < 0 || !bs[last].start.Add(time.Duration(len(bs[last].wh))*energy.Interval).Equal(r.at) ||
				r.at.Month() != bs[last].start.Month() || len(bs[last].wh) == energy.MaxIntervals {
				bs = append(bs, readingsBatch{meter: id, code: codes[id], start: r.at})
				last++
			}
			bs[last].wh = append(bs[last].wh, r.wh)
		}
		out = append(out, bs)
	}
	return out, problems, nil
}
