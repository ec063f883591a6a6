package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// tessera's POSIX driver keeps its private state here; it is never served.
const (
	stateDir      = ".state"
	treeStateFile = "treeState"
)

func (c Config) validate() error {
	switch {
	case c.Dir == "":
		return errors.New("Config.Dir is empty")
	case c.Signer == nil:
		return errors.New("Config.Signer is nil")
	case c.VKey == "":
		return errors.New("Config.VKey is empty")
	case c.Quorum < 0 || c.Quorum > len(c.Witnesses):
		return fmt.Errorf("Config.Quorum is %d, want 0 (all) to %d", c.Quorum, len(c.Witnesses))
	case len(c.Witnesses) > 255:
		return fmt.Errorf("%d witnesses; at most 255 are supported", len(c.Witnesses))
	case c.CheckpointInterval < minCheckpointInterval:
		return fmt.Errorf("Config.CheckpointInterval is %v, below the minimum %v", c.CheckpointInterval, minCheckpointInterval)
	case c.WitnessTimeout < 0:
		return fmt.Errorf("Config.WitnessTimeout is negative (%v)", c.WitnessTimeout)
	case c.BatchAge < 0:
		return fmt.Errorf("Config.BatchAge is negative (%v)", c.BatchAge)
	}
	names := map[string]bool{}
	urls := map[string]bool{}
	for i, w := range c.Witnesses {
		if w.Name == "" {
			return fmt.Errorf("witness %d has no name", i)
		}
		if names[w.Name] {
			return fmt.Errorf("witness name %q appears twice", w.Name)
		}
		names[w.Name] = true
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("witness %q: URL %q is not an absolute http(s) URL", w.Name, w.URL)
		}
		// The policy text handed to tessera treats '#' as a comment and
		// splits on spaces.
		if strings.ContainsAny(w.URL+w.Key, "# \t\r\n") {
			return fmt.Errorf("witness %q: URL or key holds '#' or a space", w.Name)
		}
		if urls[w.URL] {
			return fmt.Errorf("witness URL %q appears twice (one request per URL)", w.URL)
		}
		urls[w.URL] = true
	}
	return nil
}

// checkKeyPair returns the verifier for vkey once it has checked that signer
// signs what vkey verifies.
func checkKeyPair(signer note.Signer, vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse the log's VKey: %w", err)
	}
	if v.Name() != signer.Name() || v.KeyHash() != signer.KeyHash() {
		return nil, fmt.Errorf("%w: VKey %s is not the key of Signer %s (%08x)", ErrMismatch, vkey, signer.Name(), signer.KeyHash())
	}
	probe, err := note.Sign(&note.Note{Text: "parley ledger key check\n"}, signer)
	if err != nil {
		return nil, fmt.Errorf("couldn't sign with the log key: %w", err)
	}
	if _, err := note.Open(probe, note.VerifierList(v)); err != nil {
		return nil, fmt.Errorf("%w: VKey does not verify Signer's signatures: %v", ErrMismatch, err)
	}
	return v, nil
}

// prepareDir makes sure dir holds a log with a published checkpoint,
// creating it if allowed.
func prepareDir(ctx context.Context, cfg Config, dir string) error {
	statePath := filepath.Join(dir, stateDir, treeStateFile)
	cpPath := filepath.Join(dir, layout.CheckpointPath)
	_, tsErr := os.Stat(statePath)
	_, cpErr := os.Stat(cpPath)
	switch {
	case errors.Is(tsErr, fs.ErrNotExist):
		if cpErr == nil {
			return fmt.Errorf("couldn't open log in %s: %w: it has a checkpoint but no %s/%s", dir, ErrMismatch, stateDir, treeStateFile)
		}
		if !cfg.Create {
			return fmt.Errorf("couldn't open log in %s: %w (%s/%s is missing); create it with parley init", dir, ErrNoLog, stateDir, treeStateFile)
		}
		cfg.Logger.InfoContext(ctx, "creating a new log", "dir", dir, "origin", cfg.Signer.Name())
		return bootstrap(ctx, cfg, dir)
	case tsErr != nil:
		return fmt.Errorf("couldn't open log in %s: %w", dir, tsErr)
	case errors.Is(cpErr, fs.ErrNotExist):
		size, err := readTreeStateSize(statePath)
		if err != nil {
			return fmt.Errorf("couldn't open log in %s: %w", dir, err)
		}
		if size > 0 {
			return fmt.Errorf("couldn't open log in %s: %w: %d entries are integrated but no checkpoint is published; restore the checkpoint file from a backup rather than signing a new one", dir, ErrMismatch, size)
		}
		// An empty tree and no checkpoint: a creation was interrupted before
		// its first checkpoint was published (for instance by a
		// witness policy that could not be met). Nothing can be lost or
		// forked, so create it afresh.
		cfg.Logger.WarnContext(ctx, "finishing the creation of an empty log that has no checkpoint", "dir", dir)
		if err := os.Remove(statePath); err != nil {
			return fmt.Errorf("couldn't reset empty log in %s: %w", dir, err)
		}
		return bootstrap(ctx, cfg, dir)
	case cpErr != nil:
		return fmt.Errorf("couldn't open log in %s: %w", dir, cpErr)
	}
	return nil
}

// bootstrap creates an empty log and publishes its size-0 checkpoint,
// without witnesses, then stops the appender it used.
func bootstrap(ctx context.Context, cfg Config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("couldn't create log directory: %w", err)
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	drv, err := posix.New(bctx, posix.Config{Path: dir})
	if err != nil {
		return fmt.Errorf("couldn't create log storage in %s: %w", dir, err)
	}
	// tessera publishes the first checkpoint synchronously in NewAppender.
	// The long interval, no republishing and no garbage collection keep
	// this appender's background tasks idle until cancel.
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(cfg.Signer).
		WithCheckpointInterval(time.Hour).
		WithCheckpointRepublishInterval(0).
		WithGarbageCollectionInterval(0)
	_, shutdown, reader, err := tessera.NewAppender(bctx, drv, opts)
	if err != nil {
		return fmt.Errorf("couldn't create log in %s: %w", dir, err)
	}
	if _, err := reader.ReadCheckpoint(bctx); err != nil {
		return fmt.Errorf("couldn't create log in %s: no checkpoint after creation: %w", dir, err)
	}
	if err := shutdown(bctx); err != nil {
		return fmt.Errorf("couldn't create log in %s: %w", dir, err)
	}
	return nil
}

func readTreeStateSize(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("couldn't read tree state: %w", err)
	}
	var ts struct {
		Size uint64 `json:"size"`
	}
	if err := json.Unmarshal(b, &ts); err != nil {
		return 0, fmt.Errorf("couldn't parse tree state %s: %w", path, err)
	}
	return ts.Size, nil
}

// checkDir verifies the directory's published checkpoint: origin, log
// signature, size against the integrated tree, and root against the tiles.
func checkDir(ctx context.Context, dir, origin string, v note.Verifier) (*log.Checkpoint, []byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, layout.CheckpointPath))
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't read the log's checkpoint: %w", err)
	}
	// Compare the origin first, so that a log of another origin gets the
	// clearer of the two errors.
	var unsigned log.Checkpoint
	if _, err := unsigned.Unmarshal(raw); err != nil {
		return nil, nil, fmt.Errorf("couldn't parse the checkpoint in %s: %w: %v", dir, ErrMismatch, err)
	}
	if unsigned.Origin != origin {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w: its origin is %q, the configured key is %q", dir, ErrMismatch, unsigned.Origin, origin)
	}
	cp, _, _, err := log.ParseCheckpoint(raw, origin, v)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w: its checkpoint does not verify with log key %s+%08x: %v", dir, ErrMismatch, v.Name(), v.KeyHash(), err)
	}
	size, err := readTreeStateSize(filepath.Join(dir, stateDir, treeStateFile))
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w", dir, err)
	}
	if cp.Size > size {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w: the checkpoint has size %d but only %d entries are integrated", dir, ErrMismatch, cp.Size, size)
	}
	root, err := treeRoot(ctx, client.FileFetcher{Root: dir}.ReadTile, cp.Size)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w: %v", dir, ErrMismatch, err)
	}
	if !bytes.Equal(root, cp.Hash) {
		return nil, nil, fmt.Errorf("couldn't open log in %s: %w: the tiles hash to %x at size %d, the checkpoint says %x", dir, ErrMismatch, root, cp.Size, cp.Hash)
	}
	return cp, raw, nil
}

// treeRoot computes the root of the first size entries from the tiles.
func treeRoot(ctx context.Context, readTile client.TileFetcherFunc, size uint64) ([]byte, error) {
	if size == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	hashes, err := client.FetchRangeNodes(ctx, size, readTile)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the tree's tiles at size %d: %w", size, err)
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r, err := rf.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("couldn't rebuild the tree at size %d: %w", size, err)
	}
	return r.GetRootHash(nil)
}

// witnessEntry is one configured witness as the log uses it.
type witnessEntry struct {
	cfg Witness
	tw  tessera.Witness // its verifier and add-checkpoint URL
	url string          // add-checkpoint URL, as requests carry it
}

// witnessPolicy builds tessera's witness group: one group holding every
// witness, satisfied by quorum of them (all if quorum is 0). It goes through
// tessera's policy parser because NewWitnessGroup cannot take a list built
// outside tessera.
func witnessPolicy(ws []Witness, quorum int) ([]witnessEntry, tessera.WitnessGroup, error) {
	if len(ws) == 0 {
		return nil, tessera.WitnessGroup{}, nil
	}
	entries := make([]witnessEntry, len(ws))
	var policy strings.Builder
	for i, w := range ws {
		u, err := url.Parse(w.URL)
		if err != nil {
			return nil, tessera.WitnessGroup{}, fmt.Errorf("couldn't parse witness %q URL: %w", w.Name, err)
		}
		tw, err := tessera.NewWitness(w.Key, u)
		if err != nil {
			return nil, tessera.WitnessGroup{}, fmt.Errorf("couldn't use witness %q key %q: %w", w.Name, w.Key, err)
		}
		req, err := url.Parse(tw.URL)
		if err != nil {
			return nil, tessera.WitnessGroup{}, fmt.Errorf("couldn't parse witness %q URL: %w", w.Name, err)
		}
		entries[i] = witnessEntry{cfg: w, tw: tw, url: req.String()}
		fmt.Fprintf(&policy, "witness w%d %s %s\n", i, w.Key, w.URL)
	}
	n := "all"
	if quorum > 0 {
		n = fmt.Sprint(quorum)
	}
	fmt.Fprintf(&policy, "group parties %s", n)
	for i := range ws {
		fmt.Fprintf(&policy, " w%d", i)
	}
	policy.WriteString("\nquorum parties\n")
	group, err := tessera.NewWitnessGroupFromPolicy([]byte(policy.String()))
	if err != nil {
		return nil, tessera.WitnessGroup{}, fmt.Errorf("couldn't build witness policy: %w", err)
	}
	return entries, group, nil
}
