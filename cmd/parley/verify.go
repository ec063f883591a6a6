package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	kernel "github.com/parley-project/parley"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/client"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
)

var verifyCommand = &command{
	name:     "verify",
	args:     "FILE --log-key KEY [--witness-key KEY]... [--log URL]",
	summary:  "check a record's proof with public keys alone, trusting no parley server",
	operands: 1,
	doc: `
Check the proof of a record in FILE, as a parley server serves it at
/api/v1/records/ID/proof (curl -s URL > FILE), with nothing but public keys.
FILE may also be a write's receipt (the API's answer to a write); a receipt
holds no record bytes, so it is checked against the log (--log, required):
the entry at its position is its commitment, included in the latest signed
and cosigned tree. For a proof, the checks are:

  commitment      the salt and the record's canonical bytes hash to the
                  commitment
  leaf            the log's entry is that commitment, for a record of that
                  kind and id
  checkpoint      the checkpoint is signed by the log's key (--log-key)
  cosigned by W   the checkpoint is cosigned by witness W, one line per
                  --witness-key (a party's witness's cosignature key)
  inclusion       the entry is in the tree the checkpoint commits to

With --log, the server's base URL, it also fetches the log's latest
checkpoint from URL/log/ and checks that it is signed (and cosigned), that
the log has only grown since the proof's checkpoint (consistency: no history
was rewritten), and that the entry is still in the latest tree. Those proofs
are built from the log's tiles by tessera's client, not by the server.

It prints one line per check, "ok" or "FAIL" and why, and exits 0 only if
every check holds, else 1. The keys may be given as the key itself or as a
file holding it.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		logKey := fs.String("log-key", "", "the log's verifier `key`, or a file holding it")
		var witnessKeys stringsFlag
		fs.Var(&witnessKeys, "witness-key", "a witness's cosignature `key` (or a file holding it) whose cosignature is required; repeat for each")
		logURL := fs.String("log", "", "the parley server's base `URL`: also check the proof against the log's latest checkpoint")
		return func(ctx context.Context) error {
			if fs.NArg() == 0 {
				return usagef("the proof FILE is required")
			}
			return c.verify(ctx, fs.Arg(0), *logKey, witnessKeys, *logURL)
		}
	},
}

func (c *cli) verify(ctx context.Context, file, logKeyFlag string, witnessFlags []string, logURL string) error {
	logKey, err := logKeyArg("log-key", logKeyFlag)
	if err != nil {
		return err
	}
	var witnessKeys []string
	for _, w := range witnessFlags {
		k, err := witnessKeyArg("witness-key", w)
		if err != nil {
			return err
		}
		witnessKeys = append(witnessKeys, k)
	}
	var base *url.URL
	if logURL != "" {
		base, err = url.Parse(logURL)
		if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
			return usagef("--log: %q is not an http(s) URL such as https://parley.example/", logURL)
		}
	}
	p, receipt, err := readProof(file)
	if err != nil {
		return err
	}
	if receipt != nil {
		return c.verifyReceipt(ctx, *receipt, base, logKey, witnessKeys)
	}

	checks := proof.Verify(p, logKey, witnessKeys)
	if base != nil {
		checks = append(checks, checkAgainstLatest(ctx, p, base, logKey, witnessKeys)...)
	}
	for _, ch := range checks {
		fmt.Fprintln(c.stdout, ch)
	}
	if failed := proof.Failed(checks); len(failed) > 0 {
		return fmt.Errorf("the proof of record %s does not hold: %s failed", p.RecordID, strings.Join(failed, ", "))
	}
	fmt.Fprintf(c.stdout, "record %s (%s) is entry %d of the log %s\n", p.RecordID, p.Kind, p.LeafIndex, originOf(p.Checkpoint))
	return nil
}

// readProof reads a proof as the API serves it, or else a receipt: a
// write's answer ({"receipt": ...}) or the receipt alone.
func readProof(file string) (proof.Proof, *app.Receipt, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return proof.Proof{}, nil, fmt.Errorf("couldn't read the proof: %w", err)
	}
	var probe struct {
		Canonical []byte          `json:"canonical"`
		Excerpt   json.RawMessage `json:"excerpt"`
		Receipt   *app.Receipt    `json:"receipt"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return proof.Proof{}, nil, fmt.Errorf("%s is neither a proof nor a receipt (JSON as the API serves them): %v", file, err)
	}
	if probe.Canonical == nil && probe.Excerpt == nil {
		r := probe.Receipt
		if r == nil {
			r = new(app.Receipt)
			json.Unmarshal(b, r)
		}
		if r.RecordID == "" || r.Commitment == "" || r.Kind == "" || r.LeafIndex == nil {
			return proof.Proof{}, nil, fmt.Errorf("%s is neither a proof nor a receipt with a record_id, kind, commitment and leaf_index", file)
		}
		return proof.Proof{}, r, nil
	}
	var p proof.Proof
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&p); err != nil {
		return proof.Proof{}, nil, fmt.Errorf("%s is not a proof (JSON as served at /api/v1/records/ID/proof): %v", file, err)
	}
	if p.RecordID == "" || p.Checkpoint == "" {
		return proof.Proof{}, nil, fmt.Errorf("%s is not a proof: it has no record_id or no checkpoint", file)
	}
	return p, nil, nil
}

// verifyReceipt checks a write's receipt against the log as served: a
// receipt holds no record bytes, so what it can show is that the log's
// entry at its position is its record's commitment, in a tree the log
// signed and the witnesses cosigned.
func (c *cli) verifyReceipt(ctx context.Context, r app.Receipt, base *url.URL, logKey string, witnessKeys []string) error {
	if base == nil {
		return usagef("a receipt holds no record bytes and no proof: check it against the log with --log URL, or fetch the record's proof")
	}
	if r.Batch != "" {
		// The log's entry is the batch's, which commits to the item only
		// through the hashes beside it in the batch: the proof has them.
		return fmt.Errorf("record %s is an item of batch %s, whose log entry %d commits to it with the others of its batch: a receipt cannot show that alone; fetch the record's proof (GET /api/v1/records/%s/proof) and verify it", r.RecordID, r.Batch, derefOr(r.LeafIndex), r.RecordID)
	}
	commitment, err := hex.DecodeString(r.Commitment)
	if err != nil {
		return fmt.Errorf("the receipt's commitment %q is not hex: %v", r.Commitment, err)
	}
	leaf := record.Leaf(commitment)
	// The checks against the latest checkpoint, with the receipt's entry
	// in place of a proof's; a receipt has no checkpoint of its own to be
	// consistent with.
	p := proof.Proof{RecordID: r.RecordID, Kind: r.Kind, Leaf: string(leaf), LeafIndex: *r.LeafIndex}
	checks := checkAgainstLatest(ctx, p, base, logKey, witnessKeys)
	// Consistency with an empty tree says nothing: leave it out.
	out := checks[:0]
	for _, ch := range checks {
		if ch.Name != checkConsistency {
			out = append(out, ch)
		}
	}
	for _, ch := range out {
		fmt.Fprintln(c.stdout, ch)
	}
	if failed := proof.Failed(out); len(failed) > 0 {
		return fmt.Errorf("the receipt of record %s does not hold: %s failed", r.RecordID, strings.Join(failed, ", "))
	}
	fmt.Fprintf(c.stdout, "record %s (%s) is entry %d of the log, with the receipt's commitment\n", r.RecordID, r.Kind, *r.LeafIndex)
	return nil
}

// derefOr is *p, or -1 for nil.
func derefOr(p *uint64) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

func originOf(checkpoint string) string {
	origin, _, _ := strings.Cut(checkpoint, "\n")
	return origin
}

// Names of the checks against the log's latest checkpoint.
const (
	checkLatest          = "latest checkpoint"
	checkConsistency     = "consistency"
	checkLatestInclusion = "inclusion in latest"
)

// verifyTimeout bounds the requests to the log's server.
const verifyTimeout = 30 * time.Second

// checkAgainstLatest checks the proof against the log as served now: the
// latest checkpoint's signatures, its consistency with the proof's
// checkpoint, and the entry's inclusion in it. The proofs are built from
// the served tiles by tessera's client; a server that lied would have to
// serve tiles that hash to the signed roots.
func checkAgainstLatest(ctx context.Context, p proof.Proof, base *url.URL, logKey string, witnessKeys []string) []proof.Check {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	latest := proof.Check{Name: checkLatest}
	consistent := proof.Check{Name: checkConsistency}
	included := proof.Check{Name: checkLatestInclusion}
	fail := func(c *proof.Check, format string, args ...any) []proof.Check {
		c.Detail = fmt.Sprintf(format, args...)
		for _, other := range []*proof.Check{&consistent, &included} {
			if other != c && !other.OK && other.Detail == "" {
				other.Detail = "not checked: " + c.Name + " failed"
			}
		}
		return []proof.Check{latest, consistent, included}
	}

	root := base.JoinPath("log") // the fetcher adds the trailing slash
	f, err := client.NewHTTPFetcher(root, &http.Client{Transport: userAgent{http.DefaultTransport}})
	if err != nil {
		return fail(&latest, "%v", err)
	}
	raw, err := f.ReadCheckpoint(ctx)
	if err != nil {
		return fail(&latest, "couldn't fetch %s/checkpoint: %v", root, err)
	}
	cp, cosigned, err := ledger.VerifyCheckpoint(raw, logKey, witnessKeys)
	if err != nil {
		return fail(&latest, "%v", err)
	}
	if missing := len(witnessKeys) - len(cosigned); missing > 0 {
		return fail(&latest, "%s, but %d of the %s did not cosign it", kernel.Plural(int(cp.Size), "entry"), missing, kernel.Plural(len(witnessKeys), "witness"))
	}
	latest.OK = true
	latest.Detail = fmt.Sprintf("%d entries, signed by the log's key", cp.Size)
	if len(witnessKeys) > 0 {
		latest.Detail += " and cosigned by the " + kernel.Plural(len(witnessKeys), "witness")
	}

	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		return fail(&consistent, "couldn't read the latest tree's tiles: %v", err)
	}
	if p.Checkpoint == "" {
		consistent.OK = true
		consistent.Detail = "no checkpoint of its own to compare"
	} else {
		// The proof's own checkpoint, read without trusting it: a bad
		// signature on it is the checkpoint check's failure, not this one's.
		var old log.Checkpoint
		if _, err := old.Unmarshal([]byte(p.Checkpoint)); err != nil {
			return fail(&consistent, "the proof's checkpoint cannot be read: %v", err)
		}
		if cp.Size < old.Size {
			return fail(&consistent, "the log's latest checkpoint has %d entries, fewer than the %d of the proof's: the log was rolled back, or this is another log", cp.Size, old.Size)
		}
		cons, err := pb.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return fail(&consistent, "couldn't build the consistency proof from the tiles: %v", err)
		}
		if err := ledger.VerifyConsistency(&old, cp, cons); err != nil {
			return fail(&consistent, "%v: the log's history was rewritten since the proof's checkpoint", err)
		}
		consistent.OK = true
		consistent.Detail = fmt.Sprintf("the tree of %d entries extends the proof's of %d", cp.Size, old.Size)
	}

	if p.LeafIndex >= cp.Size {
		return fail(&included, "entry %d is beyond the latest tree of %d", p.LeafIndex, cp.Size)
	}
	incl, err := pb.InclusionProof(ctx, p.LeafIndex)
	if err != nil {
		return fail(&included, "couldn't build the inclusion proof from the tiles: %v", err)
	}
	if err := ledger.VerifyInclusion([]byte(p.Leaf), p.LeafIndex, incl, cp); err != nil {
		return fail(&included, "%v", err)
	}
	included.OK = true
	included.Detail = fmt.Sprintf("entry %d of %d", p.LeafIndex, cp.Size)
	return []proof.Check{latest, consistent, included}
}

// userAgent names parley verify in its requests, for the server's logs.
type userAgent struct{ next http.RoundTripper }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", "parley-verify")
	return u.next.RoundTrip(r)
}
