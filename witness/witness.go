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
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
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
	// Logger receives the witness's refusals of checkpoints that conflict
	// with what it cosigned, at ERROR. Default slog.Default().
	Logger *slog.Logger
}

// Witness is a running witness for one log.
type Witness struct {
	w       *twitness.Witness
	closeDB func() error
	origin  string
	logV    note.Verifier
	handler *twitness.HTTPHandler
	logger  *slog.Logger
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
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Witness{w: w, closeDB: closeDB, origin: origin, logV: logV, handler: twitness.NewHTTPHandler(w), logger: logger}, nil
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
//
// A 409 whose size is larger than the offered checkpoint's (the log shows
// less than the witness cosigned: rolled back or rewritten) and a 422 are
// refusals of the log's history, logged at ERROR; a 409 whose size is
// smaller is the log's stale guess of what the witness holds, which it
// corrects at once.
//
// It also serves GET /checkpoint, which is parley's, not the
// specification's: the latest checkpoint the witness cosigned, with its
// cosignature (text/plain), or 404 before the first. `parley audit` (see
// ledger.Log.CheckWitnesses) reads it to check that the log still holds
// everything the witness cosigned. It reveals nothing the log did not
// publish or show the witness.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.addCheckpoint)
	mux.HandleFunc("GET /checkpoint", w.latest)
	return mux
}

// CheckpointPath is where Handler serves the latest cosigned checkpoint,
// under the witness's URL.
const CheckpointPath = "/checkpoint"

func (w *Witness) latest(rw http.ResponseWriter, r *http.Request) {
	cp, err := w.Latest(r.Context())
	if err != nil {
		w.logger.ErrorContext(r.Context(), "couldn't read the latest cosigned checkpoint", "err", err)
		http.Error(rw, "the latest cosigned checkpoint could not be read", http.StatusInternalServerError)
		return
	}
	if cp == nil {
		http.Error(rw, "this witness has cosigned no checkpoint yet", http.StatusNotFound)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = rw.Write(cp)
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
	rec := &answer{ResponseWriter: rw}
	w.handler.AddCheckpoint(rec, r)
	w.logRefusal(r, body, rec)
}

// answer keeps the status and the start of the body of a response.
type answer struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (a *answer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if len(a.body) < 64 {
		a.body = append(a.body, b[:min(len(b), 64-len(a.body))]...)
	}
	return a.ResponseWriter.Write(b)
}

// logRefusal logs at ERROR an answer that refuses the log's history: the
// witness holds a checkpoint that the offered one does not extend.
func (w *Witness) logRefusal(r *http.Request, body []byte, a *answer) {
	var offered uint64
	if _, cp, ok := bytes.Cut(body, []byte("\n\n")); ok {
		lines := strings.SplitN(string(cp), "\n", 3)
		if len(lines) == 3 {
			offered, _ = strconv.ParseUint(lines[1], 10, 64)
		}
	}
	switch a.status {
	case http.StatusConflict:
		held, err := strconv.ParseUint(strings.TrimSpace(string(a.body)), 10, 64)
		if err != nil || held <= offered {
			return // the log's stale guess of our size, which it corrects
		}
		w.logger.ErrorContext(r.Context(), "refused the log's checkpoint: this witness cosigned a larger log than the one offered, so the log was rolled back or rewritten",
			slog.Uint64("cosigned_size", held), slog.Uint64("offered_size", offered), slog.String("remote", r.RemoteAddr))
	case http.StatusUnprocessableEntity:
		w.logger.ErrorContext(r.Context(), "refused the log's checkpoint: it does not extend the one this witness cosigned last (a fork: the log was rewritten)",
			slog.Uint64("offered_size", offered), slog.String("body", strings.TrimSpace(string(a.body))), slog.String("remote", r.RemoteAddr))
	}
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
