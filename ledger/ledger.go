// Package ledger is parley's transparency log: an append-only Merkle tree of
// record commitments, stored in a directory by tessera's POSIX driver and
// served as C2SP tlog-tiles, whose checkpoints are signed by the mediator's
// log key and cosigned by the parties' witnesses before they are published.
//
// A leaf (see record.Leaf) carries a record's salted commitment and
// nothing else: not its plaintext, not its kind, not its audience. Append returns once the leaf is durable
// and integrated into the tree; Await returns once a published checkpoint
// covers it, which is when InclusionProof can prove it. Anyone holding the log's
// vkey and the witnesses' keys can then check a checkpoint, an inclusion proof
// and a consistency proof with VerifyCheckpoint, VerifyInclusion and
// VerifyConsistency, which are thin wrappers around the ecosystem's own
// verifiers (x/mod/sumdb/note, transparency-dev/formats and merkle).
//
// The design, and what happens after a crash, is described in README.md.
package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/parley-project/parley/record"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"
)

// Errors that Open and the proof methods wrap, for errors.Is.
var (
	// ErrNoLog means the directory holds no log and Config.Create is false.
	ErrNoLog = errors.New("no log in the directory")
	// ErrMismatch means the directory holds a log, but not the configured
	// one (another origin or key), or its files contradict each other.
	ErrMismatch = errors.New("the log in the directory does not match")
	// ErrAlreadyOpen means this process already has the directory open.
	ErrAlreadyOpen = errors.New("the log directory is already open in this process")
	// ErrNotPublished means a size or index that no published checkpoint
	// covers yet.
	ErrNotPublished = errors.New("not covered by a published checkpoint")
)

// Log is an open transparency log. Its methods are safe for concurrent use.
type Log struct {
	cfg      Config
	dir      string
	origin   string
	vkey     string
	verifier note.Verifier
	logger   *slog.Logger

	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	awaiter  *tessera.PublicationAwaiter
	cancel   context.CancelFunc
	root     *os.Root
	release  func()

	witnesses []witnessEntry
	transport *recordingTransport

	// The latest published checkpoint seen, verified once per version.
	cpMu  sync.Mutex
	cpRaw []byte
	cp    *log.Checkpoint

	closeOnce sync.Once
	closeErr  error
}

// RouteKlog sends the messages of tessera and of the witness library, which
// log through k8s.io/klog, to logger. It changes process-wide state, so the
// program's main calls it once.
func RouteKlog(logger *slog.Logger) {
	klog.SetSlogLogger(logger)
}

// Open opens the log in cfg.Dir, or creates an empty one if cfg.Create is set
// and the directory holds none. It refuses, before touching anything:
//
//   - a missing log without cfg.Create (ErrNoLog), rather than silently
//     starting a new tree that witnesses would see as a fork;
//   - a published checkpoint with another origin than cfg.Signer's name,
//     or one that does not verify with cfg.VKey (ErrMismatch);
//   - tiles that do not hash to the published checkpoint's root, or a
//     checkpoint larger than the integrated tree (ErrMismatch);
//   - a non-empty tree with no published checkpoint (ErrMismatch);
//   - a tree whose first leaf is not one record.Leaf makes: a log of an
//     older leaf format, which this version cannot prove or audit
//     (ErrMismatch).
//
// An empty tree with no checkpoint is what an interrupted creation leaves
// behind; Open finishes creating it.
//
// A new log is created and its size-0 checkpoint published without the
// witnesses, so that a log can be initialised before the parties' witnesses
// run; the log is then reopened with the witness policy, and every later
// checkpoint needs the quorum. ctx bounds opening only; the log runs until
// Close.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("couldn't open log: %w", err)
	}
	verifier, err := checkKeyPair(cfg.Signer, cfg.VKey)
	if err != nil {
		return nil, fmt.Errorf("couldn't open log: %w", err)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't open log: %w", err)
	}
	release, err := claimDir(dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't open log in %s: %w", dir, err)
	}
	l, err := open(ctx, cfg, dir, verifier)
	if err != nil {
		release()
		return nil, err
	}
	l.release = release
	return l, nil
}

func open(ctx context.Context, cfg Config, dir string, verifier note.Verifier) (*Log, error) {
	if err := prepareDir(ctx, cfg, dir); err != nil {
		return nil, err
	}
	cp, raw, err := checkDir(ctx, dir, cfg.Signer.Name(), verifier)
	if err != nil {
		return nil, err
	}

	witnesses, group, err := witnessPolicy(cfg.Witnesses, cfg.Quorum)
	if err != nil {
		return nil, fmt.Errorf("couldn't open log: %w", err)
	}
	transport := newRecordingTransport(witnesses, cfg.Logger.With(slog.String("log", cfg.Signer.Name())))

	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(cfg.Signer).
		WithBatching(cfg.BatchSize, cfg.BatchAge).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithCheckpointRepublishInterval(max(republishInterval, cfg.CheckpointInterval))
	if len(witnesses) > 0 {
		opts = opts.WithWitnesses(group, &tessera.WitnessOptions{
			Timeout:  cfg.WitnessTimeout,
			FailOpen: cfg.FailOpen,
		})
	}

	// The appender outlives ctx: its background tasks (batching,
	// publishing, garbage collection) stop in Close.
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	drv, err := posix.New(actx, posix.Config{Path: dir, HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("couldn't open log storage in %s: %w", dir, err)
	}
	app, shutdown, reader, err := tessera.NewAppender(actx, drv, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("couldn't start log appender in %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		_ = shutdown(ctx)
		cancel()
		return nil, fmt.Errorf("couldn't open log directory %s: %w", dir, err)
	}
	l := &Log{
		cfg:       cfg,
		dir:       dir,
		origin:    cfg.Signer.Name(),
		vkey:      cfg.VKey,
		verifier:  verifier,
		logger:    cfg.Logger.With(slog.String("log", cfg.Signer.Name())),
		appender:  app,
		shutdown:  shutdown,
		reader:    reader,
		awaiter:   tessera.NewPublicationAwaiter(actx, reader.ReadCheckpoint, awaitPollPeriod),
		cancel:    cancel,
		root:      root,
		witnesses: witnesses,
		transport: transport,
		cpRaw:     raw,
		cp:        cp,
	}
	if err := l.checkLeafFormat(ctx); err != nil {
		_ = shutdown(ctx)
		cancel()
		root.Close()
		return nil, err
	}
	l.logger.InfoContext(ctx, "log open", slog.String("dir", dir), slog.Uint64("published_size", cp.Size),
		slog.Int("witnesses", len(witnesses)), slog.Int("quorum", group.N), slog.Duration("checkpoint_interval", cfg.CheckpointInterval))
	return l, nil
}

// checkLeafFormat refuses a log whose first leaf is not a leaf of this
// version's format: every later leaf went through Append, which refuses
// any other, so the first one tells the format of the whole log.
func (l *Log) checkLeafFormat(ctx context.Context) error {
	size, err := l.IntegratedSize(ctx)
	if err != nil || size == 0 {
		return err
	}
	return l.ReadLeaves(ctx, 0, 1, func(_ uint64, leaf []byte) error {
		if _, err := record.ParseLeaf(leaf); err != nil {
			return fmt.Errorf("couldn't open log in %s: %w: its first entry is not a %s leaf (%.40q), so it is of an older leaf format, which this version cannot prove or audit; start a new log", l.dir, ErrMismatch, record.LeafPrefix, leaf)
		}
		return nil
	})
}

// Origin returns the log's origin, the first line of its checkpoints.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the log's public key (vkey), with which anyone can
// check its checkpoints.
func (l *Log) VerifierKey() string { return l.vkey }

// Append adds leaf, which must be a leaf made by Leaf, and returns its index
// once the leaf is durable (fsync'ed) and integrated into the tree. It is
// provable only once a published checkpoint covers it: see Await.
//
// Append calls from many goroutines share batches; one goroutine appending
// in a loop waits for BatchAge at every call, so use AppendAll for a group of
// leaves. Once submitted, a leaf may be appended even if ctx ends or an error
// is returned; parley's store, not the log, makes appends idempotent.
func (l *Log) Append(ctx context.Context, leaf []byte) (uint64, error) {
	if _, err := record.ParseLeaf(leaf); err != nil {
		return 0, fmt.Errorf("couldn't append: %w", err)
	}
	idx, err := l.appender.Add(ctx, tessera.NewEntry(leaf))()
	if err != nil {
		return 0, fmt.Errorf("couldn't append leaf: %w", err)
	}
	return idx.Index, nil
}

// AppendAll submits every leaf, then waits for all of them, and returns their
// indexes in the order of leaves. Within a call, indexes are not necessarily
// ascending: keep the index returned for each leaf, never compute it.
//
// On error it returns no indexes and the first error. Some of the leaves may
// nevertheless have been appended (those that were sequenced in a batch that
// did not fail); the caller's recovery finds them by reading the log past the
// last index it recorded, with ReadLeaves.
func (l *Log) AppendAll(ctx context.Context, leaves [][]byte) ([]uint64, error) {
	for i, leaf := range leaves {
		if _, err := record.ParseLeaf(leaf); err != nil {
			return nil, fmt.Errorf("couldn't append leaf %d of %d: %w", i, len(leaves), err)
		}
	}
	futures := make([]tessera.IndexFuture, len(leaves))
	for i, leaf := range leaves {
		futures[i] = l.appender.Add(ctx, tessera.NewEntry(leaf))
	}
	indexes := make([]uint64, len(leaves))
	var firstErr error
	for i, f := range futures {
		idx, err := f()
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("couldn't append leaf %d of %d: %w", i, len(leaves), err)
			}
			continue
		}
		indexes[i] = idx.Index
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return indexes, nil
}

// Await waits until a published checkpoint covers index, and returns that
// checkpoint (a signed note, with the witnesses' cosignatures). While the
// witness policy is unmet nothing is published, so Await waits until the
// quorum is back or ctx ends. All callers share one poller, which reads the
// checkpoint every 50ms.
func (l *Log) Await(ctx context.Context, index uint64) ([]byte, error) {
	_, cp, err := l.awaiter.Await(ctx, func() (tessera.Index, error) { return tessera.Index{Index: index}, nil })
	if err != nil {
		return nil, fmt.Errorf("couldn't await publication of entry %d: %w", index, err)
	}
	return bytes.Clone(cp), nil
}

// Checkpoint returns the latest published checkpoint: the signed note as
// served at /log/checkpoint.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	_, raw, err := l.published(ctx)
	return raw, err
}

// PublishedSize returns the size of the latest published checkpoint: the
// entries anyone can now verify.
func (l *Log) PublishedSize(ctx context.Context) (uint64, error) {
	cp, _, err := l.published(ctx)
	if err != nil {
		return 0, err
	}
	return cp.Size, nil
}

// IntegratedSize returns the number of durable, integrated entries. It may
// be ahead of PublishedSize; entries in between are not yet provable.
func (l *Log) IntegratedSize(ctx context.Context) (uint64, error) {
	n, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("couldn't read integrated size: %w", err)
	}
	return n, nil
}

// published reads the published checkpoint and verifies it with the log's
// key (once per distinct checkpoint).
func (l *Log) published(ctx context.Context) (*log.Checkpoint, []byte, error) {
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't read published checkpoint: %w", err)
	}
	l.cpMu.Lock()
	defer l.cpMu.Unlock()
	if bytes.Equal(raw, l.cpRaw) {
		return l.cp, raw, nil
	}
	cp, _, _, err := log.ParseCheckpoint(raw, l.origin, l.verifier)
	if err != nil {
		return nil, nil, fmt.Errorf("couldn't verify published checkpoint: %w", err)
	}
	l.cp, l.cpRaw = cp, raw
	return cp, raw, nil
}

// Close stops the log. It first lets tessera finish: every entry this
// process appended gets integrated and covered by a published checkpoint,
// bounded by ctx (and tessera's 60s limit); with the witness quorum unmet this
// cannot happen and Close returns the timeout error. Then it stops the
// background tasks. Entries that were durable are never lost: the next Open
// publishes them.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		err := l.shutdown(ctx)
		if err != nil {
			err = fmt.Errorf("couldn't publish every appended entry before closing: %w", err)
		}
		l.cancel()
		l.transport.closeIdle()
		if cerr := l.root.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("couldn't close log directory: %w", cerr)
		}
		l.release()
		l.closeErr = err
	})
	return l.closeErr
}

// openDirs holds the directories this process has open, because tessera's
// fcntl locks do not exclude two appenders of one process.
var openDirs = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

func claimDir(dir string) (func(), error) {
	openDirs.Lock()
	defer openDirs.Unlock()
	if openDirs.m[dir] {
		return nil, ErrAlreadyOpen
	}
	openDirs.m[dir] = true
	return func() {
		openDirs.Lock()
		defer openDirs.Unlock()
		delete(openDirs.m, dir)
	}, nil
}
