package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	tclient "github.com/transparency-dev/tessera/client"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/proof"
)

// CheckConfig is a check of acknowledged records.
type CheckConfig struct {
	URL *url.URL
	// Tokens must include one of each principal who wrote the records
	// (the files name them by login): a record is read with its
	// writer's token, whose party its audience includes.
	Tokens []string
	// Files are acknowledged-records files that Run wrote.
	Files []string
	// LogKey is the log's verifier key; WitnessKeys, the cosignature keys
	// of the witnesses whose cosignature every proof must carry.
	LogKey      string
	WitnessKeys []string
	// Parallel is how many records are checked at once.
	Parallel int
	// Timeout bounds each request; Wait, how long a record's proof may
	// answer 503 (no published checkpoint covers it yet) or the server
	// be unreachable before the record fails.
	Timeout, Wait time.Duration
	Out           io.Writer
}

// CheckSummary is the outcome of a check.
type CheckSummary struct {
	// Records is the number of distinct records in the files; Failed,
	// of those that failed.
	Records, Failed int
	// Checkpoints is the number of distinct checkpoints the proofs were
	// against, each checked to be consistent with the latest, of
	// LatestSize entries.
	Checkpoints int
	LatestSize  uint64
}

// ErrCheckFailed is returned, wrapped, when a record or a checkpoint fails
// the check; the report says which and why.
var ErrCheckFailed = errors.New("the check failed")

// Check checks every record of the files: it is there (its proof is
// served to its writer), its proof holds with the log's key and the
// witnesses' (proof.Verify), and it is the record the receipt named, at
// the receipt's place in the log. Then it checks that the log's latest
// checkpoint, signed and cosigned, is consistent with every checkpoint
// those proofs were against: the log grew, and nothing the proofs rely on
// was rewritten since, a restart after a crash included.
func Check(ctx context.Context, cfg CheckConfig) (CheckSummary, error) {
	if cfg.LogKey == "" {
		return CheckSummary{}, errors.New("the log's verifier key is needed to check proofs")
	}
	recs, err := readAcked(cfg.Files)
	if err != nil {
		return CheckSummary{}, err
	}
	if len(recs) == 0 {
		return CheckSummary{}, fmt.Errorf("%s holds no acknowledged records", strings.Join(cfg.Files, ", "))
	}
	parallel := max(cfg.Parallel, 1)
	c := newClient(cfg.URL, parallel+1, cfg.Timeout)
	defer c.close()
	ps, err := c.whoami(ctx, cfg.Tokens)
	if err != nil {
		return CheckSummary{}, err
	}
	tokens := map[string]string{}
	for _, p := range ps {
		tokens[p.Login] = p.token
	}
	fmt.Fprintf(cfg.Out, "checking %d acknowledged records from %s against %s\n", len(recs), strings.Join(cfg.Files, ", "), cfg.URL)

	type outcome struct {
		id         string
		checkpoint string
		err        error
	}
	jobs := make(chan Acked)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for a := range jobs {
				cp, err := checkOne(ctx, c, cfg, tokens[a.Login], a)
				results <- outcome{a.Receipt.RecordID, cp, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, a := range recs {
			select {
			case jobs <- a:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var failures []string
	checkpoints := map[string]bool{}
	done := 0
	progress := time.NewTicker(10 * time.Second)
	defer progress.Stop()
	for {
		var o outcome
		var ok bool
		select {
		case o, ok = <-results:
		case <-progress.C:
			fmt.Fprintf(cfg.Out, "  %d of %d checked, %d failed\n", done, len(recs), len(failures))
			continue
		}
		if !ok {
			break
		}
		done++
		if o.err != nil {
			failures = append(failures, fmt.Sprintf("record %s: %v", o.id, o.err))
		} else {
			checkpoints[o.checkpoint] = true
		}
	}
	if err := ctx.Err(); err != nil {
		return CheckSummary{}, fmt.Errorf("the check was interrupted after %d of %d records: %w", done, len(recs), err)
	}
	sum := CheckSummary{Records: len(recs), Failed: len(failures), Checkpoints: len(checkpoints)}

	latest, cfailures := checkConsistent(ctx, c, cfg, checkpoints)
	if latest != nil {
		sum.LatestSize = latest.Size
	}
	witnesses := ""
	if n := len(cfg.WitnessKeys); n > 0 {
		witnesses = fmt.Sprintf(" and cosigned by the %d witnesses", n)
	}
	if len(failures) == 0 {
		fmt.Fprintf(cfg.Out, "ok   all %d records are there, each proof holds (commitment, leaf, checkpoint signed by the log's key%s, inclusion) and is of the record and log position its receipt names\n",
			len(recs), witnesses)
	} else {
		fmt.Fprintf(cfg.Out, "FAIL %d of %d records:\n", len(failures), len(recs))
		slices.Sort(failures)
		for i, f := range failures {
			if i == 20 {
				fmt.Fprintf(cfg.Out, "       ... and %d more\n", len(failures)-20)
				break
			}
			fmt.Fprintf(cfg.Out, "       %s\n", f)
		}
	}
	if len(cfailures) == 0 {
		fmt.Fprintf(cfg.Out, "ok   the latest checkpoint, of %d entries, is signed%s, and consistent with each of the %d checkpoints of the proofs\n",
			sum.LatestSize, witnesses, len(checkpoints))
	} else {
		fmt.Fprintf(cfg.Out, "FAIL the log's checkpoints:\n")
		for _, f := range cfailures {
			fmt.Fprintf(cfg.Out, "       %s\n", f)
		}
	}
	if len(failures) > 0 || len(cfailures) > 0 {
		return sum, fmt.Errorf("%w: %d of %d records, %d checkpoint problems", ErrCheckFailed, len(failures), len(recs), len(cfailures))
	}
	return sum, nil
}

// readAcked reads acknowledged-records files, one record a line, each
// record once: the same record in two files (or twice in one) must have
// the same receipt.
func readAcked(files []string) ([]Acked, error) {
	if len(files) == 0 {
		return nil, errors.New("no acknowledged-records file to check")
	}
	var recs []Acked
	seen := map[string]Acked{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("couldn't read the acknowledged records: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		line := 0
		for sc.Scan() {
			line++
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var a Acked
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Receipt.RecordID == "" || a.Receipt.Commitment == "" ||
				a.Receipt.LeafIndex == nil || a.Login == "" {
				f.Close()
				return nil, fmt.Errorf("%s:%d is not an acknowledged record with a record_id, commitment, leaf_index and login (%v)", name, line, err)
			}
			if prev, ok := seen[a.Receipt.RecordID]; ok {
				if prev.Receipt.Commitment != a.Receipt.Commitment || *prev.Receipt.LeafIndex != *a.Receipt.LeafIndex {
					f.Close()
					return nil, fmt.Errorf("%s:%d: record %s is listed twice with different receipts", name, line, a.Receipt.RecordID)
				}
				continue
			}
			seen[a.Receipt.RecordID] = a
			recs = append(recs, a)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("couldn't read %s: %w", name, err)
		}
	}
	return recs, nil
}

// checkOne checks one record and returns the checkpoint its proof is
// against.
func checkOne(ctx context.Context, c *client, cfg CheckConfig, token string, a Acked) (string, error) {
	if token == "" {
		return "", fmt.Errorf("no token of %s, who wrote it, among the --token flags", a.Login)
	}
	id := a.Receipt.RecordID
	deadline := time.Now().Add(cfg.Wait)
	var resp response
	for {
		var err error
		resp, err = c.do(ctx, http.MethodGet, "api/v1/records/"+url.PathEscape(id)+"/proof", token, nil)
		retry := err != nil || resp.status == http.StatusServiceUnavailable
		if !retry || time.Now().After(deadline) {
			if err != nil {
				return "", fmt.Errorf("no answer for its proof: %w", err)
			}
			break
		}
		// Not published yet, or the server restarting: the check waits
		// as a reader would, as the 503's Retry-After says.
		pause := 200 * time.Millisecond
		if s, err := strconv.Atoi(resp.header.Get("Retry-After")); err == nil && s > 0 {
			pause = time.Duration(s) * time.Second
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		}
	}
	if resp.status != http.StatusOK {
		_, msg := refusal("", resp)
		if resp.status == http.StatusNotFound {
			return "", fmt.Errorf("not found: the server answers 404 for it (%s)", msg)
		}
		return "", fmt.Errorf("GET its proof answered %d: %s", resp.status, msg)
	}
	var p proof.Proof
	if err := json.Unmarshal(resp.body, &p); err != nil {
		return "", fmt.Errorf("its proof is not JSON: %v", err)
	}
	checks := proof.Verify(p, cfg.LogKey, cfg.WitnessKeys)
	if failed := proof.Failed(checks); len(failed) > 0 {
		var why []string
		for _, ch := range checks {
			if !ch.OK {
				why = append(why, ch.String())
			}
		}
		return "", fmt.Errorf("its proof does not hold: %s", strings.Join(why, "; "))
	}
	r := a.Receipt
	switch {
	case p.RecordID != r.RecordID:
		return "", fmt.Errorf("the proof is of record %s", p.RecordID)
	case p.Kind != r.Kind:
		return "", fmt.Errorf("the proof is of a %s record, the receipt of a %s", p.Kind, r.Kind)
	case p.Commitment != r.Commitment:
		return "", fmt.Errorf("the proof's commitment %s is not the receipt's %s: the record is not the one acknowledged", p.Commitment, r.Commitment)
	case p.LeafIndex != *r.LeafIndex:
		return "", fmt.Errorf("the proof puts it at entry %d of the log, the receipt at %d", p.LeafIndex, *r.LeafIndex)
	}
	return p.Checkpoint, nil
}

// checkConsistent fetches the log's latest checkpoint, verifies it, and
// checks that each of checkpoints (already verified, by the proofs) is a
// prefix of it, with consistency proofs that tessera's client builds from
// the served tiles.
func checkConsistent(ctx context.Context, c *client, cfg CheckConfig, checkpoints map[string]bool) (*log.Checkpoint, []string) {
	f, err := tclient.NewHTTPFetcher(cfg.URL.JoinPath("log"), c.hc)
	if err != nil {
		return nil, []string{err.Error()}
	}
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return nil, []string{fmt.Sprintf("couldn't fetch the latest checkpoint: %v", err)}
	}
	latest, cosigned, err := ledger.VerifyCheckpoint(raw, cfg.LogKey, cfg.WitnessKeys)
	if err != nil {
		return nil, []string{fmt.Sprintf("the latest checkpoint: %v", err)}
	}
	var problems []string
	if missing := len(cfg.WitnessKeys) - len(cosigned); missing > 0 {
		problems = append(problems, fmt.Sprintf("the latest checkpoint lacks the cosignature of %d of the %d witnesses", missing, len(cfg.WitnessKeys)))
	}
	pb, err := tclient.NewProofBuilder(ctx, latest.Size, f.ReadTile)
	if err != nil {
		return latest, append(problems, fmt.Sprintf("couldn't read the latest tree's tiles: %v", err))
	}
	for text := range checkpoints {
		var old log.Checkpoint
		if _, err := old.Unmarshal([]byte(text)); err != nil {
			problems = append(problems, fmt.Sprintf("a proof's checkpoint cannot be read: %v", err))
			continue
		}
		switch {
		case old.Size > latest.Size:
			problems = append(problems, fmt.Sprintf("a proof's checkpoint has %d entries, the latest only %d: the log was rolled back", old.Size, latest.Size))
		case old.Size == latest.Size:
			if !bytes.Equal(old.Hash, latest.Hash) {
				problems = append(problems, fmt.Sprintf("two checkpoints of %d entries with different roots: the log forked", old.Size))
			}
		default:
			cons, err := pb.ConsistencyProof(ctx, old.Size, latest.Size)
			if err != nil {
				problems = append(problems, fmt.Sprintf("couldn't build the consistency proof from %d to %d entries: %v", old.Size, latest.Size, err))
				continue
			}
			if err := ledger.VerifyConsistency(&old, latest, cons); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	return latest, problems
}
