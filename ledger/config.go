package ledger

import (
	"log/slog"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Witness is one party's witness, as the log operator configures it.
type Witness struct {
	// Name identifies the witness in status output and logs, for example
	// the party id ("ua").
	Name string
	// Key is the witness's verifier key: the cosignature/v1 form (type
	// 0x04, from CosignatureVKey) or the plain Ed25519 vkey it was made
	// from (type 0x01), which is read as the same key.
	Key string
	// URL is the witness's submission prefix: the log POSTs checkpoints to
	// URL + "/add-checkpoint" (C2SP tlog-witness).
	URL string
}

// Config configures a Log. Zero values take the documented defaults.
type Config struct {
	// Dir is the log's directory: the C2SP tlog-tiles files (checkpoint,
	// tile/...) that Handler serves, plus tessera's private .state/
	// directory. One process must open a directory at most once at a time
	// (tessera v1.0.4 locks with fcntl, which does not exclude the same
	// process). Use a local POSIX filesystem (ext4, XFS, ZFS) or CephFS;
	// not NFS.
	Dir string

	// Signer is the log's private key (note.NewSigner of the skey from
	// GenerateKey). Its name is the log's origin, the first line of every
	// checkpoint.
	Signer note.Signer

	// VKey is the log's public verifier key, the vkey from GenerateKey.
	// Open checks that it matches Signer and that the directory's
	// published checkpoint verifies with it; VerifierKey returns it.
	VKey string

	// Witnesses are the parties' witnesses. A checkpoint is published only
	// once Quorum of them have cosigned it (unless FailOpen). With no
	// witnesses every checkpoint is published as soon as it is signed.
	Witnesses []Witness

	// Quorum is how many witnesses must cosign a checkpoint before it is
	// published. 0 means all of them: the trust model of a peace process,
	// where every party must be able to detect a fork. A lower quorum keeps
	// the log live while a party's witness is down, at the price of that
	// party not vouching for the checkpoints it missed.
	Quorum int

	// WitnessTimeout bounds one round of cosigning. Default 5s. Within it
	// the log waits for the quorum; past it, the checkpoint is dropped (or,
	// with FailOpen, published with the cosignatures it has) and the next
	// round starts at the next CheckpointInterval.
	WitnessTimeout time.Duration

	// FailOpen publishes checkpoints that did not reach the quorum. Leave
	// it false: with it, a checkpoint may reach readers that some party's
	// witness never checked. (tessera marks the option as temporary.)
	FailOpen bool

	// CheckpointInterval is how often a new checkpoint is signed, cosigned
	// and published when the log has grown. Default 500ms, minimum 100ms.
	// An entry is provable only once a published checkpoint covers it, so
	// this interval dominates write-to-proof latency: with witnesses
	// in-process, measured p99 was 0.60s at 500ms and 1.27-1.43s at 1s,
	// against a target p99 below 1.5s that must also absorb real witness
	// round trips. Each interval costs one add-checkpoint request per
	// witness, so witnesses see about two requests a second under load.
	CheckpointInterval time.Duration

	// BatchSize is the most entries sequenced (fsync'ed and integrated)
	// together. Default 1024. Larger batches raise throughput when many
	// writers are concurrent; a batch larger than the number of concurrent
	// writers only waits for BatchAge.
	BatchSize uint

	// BatchAge is the longest an entry waits for its batch to fill before
	// the batch is sequenced anyway. Default 2ms: parley's committer
	// already gathers concurrent writes into one AppendAll, so waiting for
	// more here would only add its whole length to every batch (at 20ms,
	// store-and-log throughput measured a fifth of what it is at 2ms).
	// Keep it at or below 100ms: it adds directly to Append latency.
	BatchAge time.Duration

	// Create allows Open to create a new, empty log when Dir holds none.
	// Without it Open refuses a missing log (ErrNoLog) instead of silently
	// starting a new one, which would look to every witness like a fork.
	// Set it only in `parley init`.
	Create bool

	// Logger receives the log's own messages. Default slog.Default(). See
	// RouteKlog for tessera's and the witness library's messages.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultWitnessTimeout     = 5 * time.Second
	DefaultCheckpointInterval = 500 * time.Millisecond
	DefaultBatchSize          = 1024
	DefaultBatchAge           = 2 * time.Millisecond
)

// minCheckpointInterval is tessera's POSIX driver's minimum.
const minCheckpointInterval = 100 * time.Millisecond

// awaitPollPeriod is how often the shared PublicationAwaiter reads the
// checkpoint file. It adds at most this much to write-to-proof latency.
const awaitPollPeriod = 50 * time.Millisecond

// republishInterval is how often an unchanged checkpoint is re-signed and
// re-cosigned, so that readers and witnesses see the log is alive.
const republishInterval = 10 * time.Minute

func (c Config) withDefaults() Config {
	if c.WitnessTimeout == 0 {
		c.WitnessTimeout = DefaultWitnessTimeout
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = DefaultCheckpointInterval
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchAge == 0 {
		c.BatchAge = DefaultBatchAge
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
