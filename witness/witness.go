// Package witness is the witness a party runs (`parley witness`) to hold the
// mediator's log to account: it speaks C2SP tlog-witness, cosigning a
// checkpoint of the log only if it is consistent with every checkpoint the
// witness cosigned before, so that a log operator who rewrote history would
// have to show a fork to the parties, and any one honest witness detects it.
//
// It wraps the ecosystem's witness, github.com/transparency-dev/witness,
// with its SQLite persistence (file witness.db in the data directory, pure-Go
// modernc driver, WAL, synchronous=FULL): a checkpoint is stored before it is
// cosigned, so the witness's memory survives restarts. The first checkpoint
// is trusted on first use; the witness follows exactly one log.
package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/parley-project/parley/files"
	f_note "github.com/transparency-dev/formats/note"
	wsql "github.com/transparency-dev/witness/persistence/sqlite"
	twitness "github.com/transparency-dev/witness/witness"
	"golang.org/x/mod/sumdb/note"
)

// DBFile is the name of the witness's database in Config.DataDir.
const DBFile = "witness.db"

// Config configures a Witness.
type Config struct {
	// DataDir holds the witness's state (DBFile). It is created if
	// missing. Back it up: a witness that loses its state can be shown a
	// fork of the log without noticing.
	DataDir string
	// Signer makes the witness's cosignatures (C2SP tlog-cosignature,
	// cosignature/v1): NewSigner of the witness's skey. The log operator
	// configures the matching vkey (ledger.CosignatureVKey of the vkey).
	Signer note.Signer
	// LogOrigin is the origin of the log this witness follows. Empty
	// means the name of LogVKey, which is what a parley log uses.
	LogOrigin string
	// LogVKey is the log's public key; only checkpoints it signed are
	// cosigned.
	LogVKey string
}

// Witness is a running witness for one log.
type Witness struct {
	w       *twitness.Witness
	closeDB func() error
	origin  string
	logV    note.Verifier
	handler *twitness.HTTPHandler
}

// NewSigner returns the cosignature/v1 signer for a witness's skey (an
// Ed25519 key from ledger.GenerateKey).
func NewSigner(skey string) (note.Signer, error) {
	s, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, fmt.Errorf("couldn't make cosignature signer: %w", err)
	}
	return s, nil
}

// New opens (or creates) the witness's database in cfg.DataDir and returns a
// witness ready to serve.
func New(ctx context.Context, cfg Config) (*Witness, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("couldn't start witness: Config.DataDir is empty")
	}
	if cfg.Signer == nil {
		return nil, errors.New("couldn't start witness: Config.Signer is nil")
	}
	logV, err := note.NewVerifier(cfg.LogVKey)
	if err != nil {
		return nil, fmt.Errorf("couldn't start witness: couldn't parse the log key %q: %w", cfg.LogVKey, err)
	}
	origin := cfg.LogOrigin
	if origin == "" {
		origin = logV.Name()
	}
	if origin != logV.Name() {
		return nil, fmt.Errorf("couldn't start witness: the log origin %q differs from its key's name %q, which a parley log uses as origin", origin, logV.Name())
	}
	// The witness's state is what it cosigned: private to its party.
	if err := files.PrivateDir(cfg.DataDir, true); err != nil {
		return nil, err
	}
	if err := files.PrivateFile(filepath.Join(cfg.DataDir, DBFile), true); err != nil {
		return nil, err
	}
	// One connection: requests are rare (one per checkpoint interval) and
	// serialising them keeps SQLite from answering "busy".
	p, closeDB, err := wsql.New(ctx, wsql.Opts{Path: filepath.Join(cfg.DataDir, DBFile), MaxOpenConns: 1})
	if err != nil {
		return nil, fmt.Errorf("couldn't open witness database in %s: %w", cfg.DataDir, err)
	}
	w, err := twitness.New(ctx, twitness.Opts{
		Persistence: p,
		Signers:     []note.Signer{cfg.Signer},
		VerifierForLog: func(_ context.Context, o string) (note.Verifier, bool, error) {
			if o == origin {
				return logV, true, nil
			}
			return nil, false, nil
		},
	})
	if err != nil {
		_ = closeDB()
		return nil, fmt.Errorf("couldn't start witness: %w", err)
	}
	return &Witness{w: w, closeDB: closeDB, origin: origin, logV: logV, handler: twitness.NewHTTPHandler(w)}, nil
}

// Handler serves C2SP tlog-witness: POST /add-checkpoint. Its answers:
//
//	200  the cosignature line(s)
//	400  malformed request, or old size larger than the checkpoint's
//	403  the checkpoint has no valid signature by the log's key
//	404  the checkpoint is of another log
//	409  old size is not the size last cosigned; the body is that size
//	     (Content-Type text/x.tlog.size)
//	422  the consistency proof does not verify, or the checkpoint has the
//	     size last cosigned but another root (a fork; the spec says 409,
//	     the witness library answers 422)
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.addCheckpoint)
	return mux
}

// addCheckpoint answers 403 for a checkpoint of our log without a valid log
// signature, which the library would answer with a 500, and hands every
// other request to the library's handler.
func (w *Witness) addCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, twitness.MaxRequestBodyBytes))
	if err != nil {
		http.Error(rw, "request body too large or unreadable", http.StatusBadRequest)
		return
	}
	// The body is "old N\n", proof lines, an empty line, the checkpoint.
	if _, cp, ok := bytes.Cut(body, []byte("\n\n")); ok {
		if origin, _, _ := strings.Cut(string(cp), "\n"); origin == w.origin {
			if _, err := note.Open(cp, note.VerifierList(w.logV)); err != nil {
				http.Error(rw, "no valid signature by the log's key", http.StatusForbidden)
				return
			}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	w.handler.AddCheckpoint(rw, r)
}

// Latest returns the latest checkpoint this witness cosigned, with its
// cosignature, or nil if it has cosigned none.
func (w *Witness) Latest(ctx context.Context) ([]byte, error) {
	cp, err := w.w.GetCheckpoint(ctx, w.origin)
	if err != nil {
		return nil, fmt.Errorf("couldn't read the latest cosigned checkpoint: %w", err)
	}
	return cp, nil
}

// Close closes the witness's database.
func (w *Witness) Close() error {
	if err := w.closeDB(); err != nil {
		return fmt.Errorf("couldn't close witness database: %w", err)
	}
	return nil
}
