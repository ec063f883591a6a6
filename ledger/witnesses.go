package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
)

// ErrRolledBack is wrapped by WitnessReport.Err: a witness cosigned a
// checkpoint that the log does not extend, so the log was rolled back (an
// old backup restored, entries truncated) or rewritten.
var ErrRolledBack = errors.New("the log does not hold what a witness cosigned")

// WitnessCheckpointPath is where a parley witness serves the latest
// checkpoint it cosigned, under its URL (witness.CheckpointPath). It is
// parley's own: C2SP tlog-witness defines no way to read it back.
const WitnessCheckpointPath = "/checkpoint"

// maxWitnessCheckpoint bounds a witness's answer: a checkpoint with a few
// hundred cosignatures.
const maxWitnessCheckpoint = 64 << 10

// WitnessCheck is what one witness's latest cosigned checkpoint says of
// the log.
type WitnessCheck struct {
	Name string `json:"name"`
	// Size is the size of the latest checkpoint the witness cosigned: 0
	// if it has cosigned none, or if it could not be read.
	Size uint64 `json:"size"`
	// Unchecked says why the log could not be checked against this
	// witness: it could not be reached, or it answered with something
	// other than a checkpoint of this log that it cosigned. That is no
	// sign of tampering by itself, but nothing was proved either.
	Unchecked string `json:"unchecked,omitempty"`
	// Conflict says how the witness's checkpoint shows that the log was
	// rolled back or rewritten: the log is shorter than what the witness
	// cosigned, or its first Size entries do not hash to the checkpoint's
	// root. Empty when the log extends the checkpoint.
	Conflict string `json:"conflict,omitempty"`
}

// WitnessReport is the outcome of CheckWitnesses.
type WitnessReport struct {
	// LogSize is the number of entries the log holds (integrated), against
	// which every witness's checkpoint was checked.
	LogSize uint64 `json:"log_size"`
	// PublishedSize is the size of the log's latest published checkpoint.
	PublishedSize uint64 `json:"published_size"`
	// Quorum is how many witnesses must cosign a published checkpoint.
	Quorum int `json:"quorum"`
	// Cosigners names the witnesses whose valid cosignature the latest
	// published checkpoint carries.
	Cosigners []string `json:"cosigners"`
	// Unwitnessed says how the latest published checkpoint falls short of
	// the quorum; empty when it has it. A checkpoint of size 0 commits to
	// nothing, and the log publishes its first before any witness runs,
	// so it needs none.
	Unwitnessed string `json:"unwitnessed,omitempty"`
	// Witnesses is one check per configured witness, in the order of the
	// configuration.
	Witnesses []WitnessCheck `json:"witnesses"`
}

// Err returns an error wrapping ErrRolledBack that names every witness
// whose cosigned checkpoint the log does not extend, or nil if there is
// none. A witness that could not be checked is not an error here: a
// witness that is down must not stop the log.
func (r WitnessReport) Err() error {
	var conflicts []string
	for _, w := range r.Witnesses {
		if w.Conflict != "" {
			conflicts = append(conflicts, w.Conflict)
		}
	}
	if len(conflicts) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrRolledBack, strings.Join(conflicts, "; "))
}

// CheckWitnesses asks each configured witness for the latest checkpoint it
// cosigned (GET URL/checkpoint, see WitnessCheckpointPath), checks the log
// signature and that witness's cosignature on it, and proves from the
// log's own tiles that the log extends it: it is no larger than the log,
// and the log's first entries hash to its root (a consistency proof from
// its size to the log's). It also checks that the log's latest published
// checkpoint carries valid cosignatures of the quorum.
//
// The witnesses are asked at once, each within Config.WitnessTimeout. The
// error is for what could not be read locally (the checkpoint, the
// tiles); what a witness's checkpoint shows is in the report, and
// WitnessReport.Err says whether the log was rolled back or rewritten.
// Run it on an open log, at start or in an audit; it reads and changes
// nothing but what a proof needs.
func (l *Log) CheckWitnesses(ctx context.Context) (WitnessReport, error) {
	rep := WitnessReport{Quorum: l.cfg.Quorum, Witnesses: make([]WitnessCheck, len(l.witnesses))}
	if rep.Quorum == 0 {
		rep.Quorum = len(l.witnesses)
	}
	// The witnesses' checkpoints first, then the log's size: the log
	// integrates an entry before any witness can cosign it, so a log that
	// is running cannot seem shorter than what its witnesses hold.
	raws := make([][]byte, len(l.witnesses))
	var wg sync.WaitGroup
	for i, w := range l.witnesses {
		rep.Witnesses[i].Name = w.cfg.Name
		wg.Go(func() {
			raw, err := l.fetchWitnessCheckpoint(ctx, w.cfg)
			if err != nil {
				rep.Witnesses[i].Unchecked = fmt.Sprintf("witness %s could not be asked for its latest cosigned checkpoint, so the log was not checked against it: %v", w.cfg.Name, err)
			}
			raws[i] = raw
		})
	}
	wg.Wait()

	size, err := l.IntegratedSize(ctx)
	if err != nil {
		return rep, err
	}
	rep.LogSize = size
	root, err := treeRoot(ctx, l.reader.ReadTile, size)
	if err != nil {
		return rep, fmt.Errorf("couldn't check the log against its witnesses: %w", err)
	}
	for i, w := range l.witnesses {
		if raws[i] != nil {
			if err := l.checkAgainst(ctx, &rep.Witnesses[i], w.cfg, raws[i], size, root); err != nil {
				return rep, err
			}
		}
	}

	cp, raw, err := l.published(ctx)
	if err != nil {
		return rep, err
	}
	rep.PublishedSize = cp.Size
	if len(l.witnesses) > 0 {
		keys := make([]string, len(l.witnesses))
		for i, w := range l.witnesses {
			keys[i] = w.cfg.Key
		}
		_, cosigned, err := VerifyCheckpoint(raw, l.vkey, keys)
		if err != nil {
			return rep, fmt.Errorf("couldn't check the log's latest checkpoint: %w", err)
		}
		var missing []string
		for _, w := range l.witnesses {
			if slices.Contains(cosigned, w.cfg.Key) {
				rep.Cosigners = append(rep.Cosigners, w.cfg.Name)
			} else {
				missing = append(missing, w.cfg.Name)
			}
		}
		if cp.Size > 0 && len(rep.Cosigners) < rep.Quorum {
			rep.Unwitnessed = fmt.Sprintf("the log's latest published checkpoint (size %d) carries valid cosignatures of %d of the %d witnesses it needs (none from %s): it was published without the witnesses' consent",
				cp.Size, len(rep.Cosigners), rep.Quorum, strings.Join(missing, ", "))
		}
	}
	return rep, nil
}

// fetchWitnessCheckpoint reads the latest checkpoint a witness cosigned;
// nil, without error, if it has cosigned none.
func (l *Log) fetchWitnessCheckpoint(ctx context.Context, w Witness) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.WitnessTimeout)
	defer cancel()
	u := strings.TrimSuffix(w.URL, "/") + WitnessCheckpointPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Transport: l.transport}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWitnessCheckpoint+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.Contains(string(body), "cosigned no checkpoint"):
		// What a parley witness answers before its first cosignature.
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s %q (a parley witness serves its latest cosigned checkpoint there)", u, resp.Status, bytes.TrimSpace(body[:min(len(body), maxErrorBody)]))
	case len(body) > maxWitnessCheckpoint:
		return nil, fmt.Errorf("GET %s: the answer is larger than %d bytes", u, maxWitnessCheckpoint)
	}
	return body, nil
}

// checkAgainst checks one witness's checkpoint against the log's first
// size entries, whose root is root. Its error is one of reading the
// log's own tiles.
func (l *Log) checkAgainst(ctx context.Context, c *WitnessCheck, w Witness, raw []byte, size uint64, root []byte) error {
	cp, cosigned, err := VerifyCheckpoint(raw, l.vkey, []string{w.Key})
	if err != nil {
		c.Unchecked = fmt.Sprintf("witness %s answered with a checkpoint that is not this log's: %v", w.Name, err)
		return nil
	}
	if len(cosigned) == 0 {
		c.Unchecked = fmt.Sprintf("witness %s answered with a checkpoint that carries no valid cosignature by its key %s: is the key in the configuration its own?", w.Name, w.Key)
		return nil
	}
	c.Size = cp.Size
	switch {
	case cp.Size > size:
		c.Conflict = fmt.Sprintf("the log was rolled back or rewritten: witness %s cosigned size %d, the log has %d", w.Name, cp.Size, size)
		return nil
	case cp.Size == 0:
		// Every tree extends the empty one.
		if !bytes.Equal(cp.Hash, rfc6962.DefaultHasher.EmptyRoot()) {
			c.Unchecked = fmt.Sprintf("witness %s cosigned a checkpoint of size 0 whose root is not the empty tree's", w.Name)
		}
		return nil
	case cp.Size == size:
		if !bytes.Equal(cp.Hash, root) {
			c.Conflict = fmt.Sprintf("the log was rewritten: witness %s cosigned size %d with root %x, the log's %d entries hash to %x", w.Name, cp.Size, cp.Hash, size, root)
		}
		return nil
	}
	pb, err := client.NewProofBuilder(ctx, size, l.reader.ReadTile)
	if err != nil {
		return fmt.Errorf("couldn't check the log against witness %s: %w", w.Name, err)
	}
	p, err := pb.ConsistencyProof(ctx, cp.Size, size)
	if err != nil {
		return fmt.Errorf("couldn't check the log against witness %s: couldn't build a consistency proof from %d to %d: %w", w.Name, cp.Size, size, err)
	}
	if err := VerifyConsistency(cp, &log.Checkpoint{Origin: cp.Origin, Size: size, Hash: root}, p); err != nil {
		c.Conflict = fmt.Sprintf("the log was rewritten: witness %s cosigned size %d with root %x, which the log's first %d entries do not hash to: %v", w.Name, cp.Size, cp.Hash, cp.Size, err)
	}
	return nil
}
