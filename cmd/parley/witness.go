package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/witness"
)

// defaultWitnessAddr is where 'parley witness' listens by default: next to
// parley's own default port, for a witness tried out on one machine.
const defaultWitnessAddr = "127.0.0.1:8081"

var witnessCommand = &command{
	name:    "witness",
	args:    "--key FILE --log-key VKEY [--log-origin ORIGIN] [--addr HOST:PORT] --data DIR",
	summary: "run a party's witness, which cosigns the log's checkpoints only if consistent",
	doc: `
Run one party's witness of a parley log (C2SP tlog-witness), until SIGTERM or
SIGINT. The log sends it each new checkpoint with a proof that it extends the
last one the witness cosigned; the witness cosigns only then. Since the log
publishes a checkpoint only once the parties' witnesses have cosigned it, a
log operator who rewrote history would have to show a party's witness a
fork, and the witness refuses it.

--key is the witness's private key, from 'parley keys generate'. --log-key is
the log's verifier key (as 'parley init' printed it, or its .pub file). The
witness keeps what it cosigned in --data (witness.db): back it up, since a
witness that forgets can be shown a fork unawares. The first checkpoint it
sees is trusted. A checkpoint it refuses because the log no longer holds
what it cosigned (rolled back or rewritten) is logged at ERROR. It also
serves GET /checkpoint, the latest checkpoint it cosigned, with which
'parley audit' checks that the log still holds everything it cosigned.

It prints the entry for the log operator's config ("witnesses"): the
witness's name, its cosignature key and its URL. Behind a proxy or on
another address, give the operator the URL the log's server reaches.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		var o witnessOptions
		fs.StringVar(&o.key, "key", "", "the witness's private key `file`, from 'parley keys generate'")
		fs.StringVar(&o.logKey, "log-key", "", "the log's verifier `key`, or a file holding it")
		fs.StringVar(&o.logOrigin, "log-origin", "", "the log's `origin` (default: the log key's name, as parley logs use)")
		fs.StringVar(&o.addr, "addr", defaultWitnessAddr, "listen on this `host:port` (port 0: any free port)")
		fs.StringVar(&o.data, "data", "", "the witness's state `dir` (created if need be)")
		return func(ctx context.Context) error { return c.witness(ctx, o) }
	},
}

type witnessOptions struct {
	key, logKey, logOrigin, addr, data string
}

func (c *cli) witness(ctx context.Context, o witnessOptions) error {
	if o.key == "" {
		return usagef("--key is required")
	}
	if o.data == "" {
		return usagef("--data is required")
	}
	logKey, err := logKeyArg("log-key", o.logKey)
	if err != nil {
		return err
	}
	skey, vkey, err := readSigningKey(o.key)
	if err != nil {
		return err
	}
	cosig, err := ledger.CosignatureVKey(vkey)
	if err != nil {
		return err
	}
	signer, err := witness.NewSigner(skey)
	if err != nil {
		return err
	}
	logger := newLogger(c.stderr, "text", "info")
	defer routeKlog(logger)()

	w, err := witness.New(ctx, witness.Config{DataDir: o.data, Signer: signer, LogOrigin: o.logOrigin, LogVKey: logKey, Logger: logger})
	if err != nil {
		return err
	}
	defer w.Close()
	ln, err := listen(ctx, o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: witnessLog(logger, w.Handler()),
		// The same defences as parley's own server: requests are small
		// (a checkpoint and a proof) and answered at once.
		ReadHeaderTimeout: server.DefaultReadHeaderTimeout,
		ReadTimeout:       server.DefaultReadTimeout,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       server.DefaultIdleTimeout,
		MaxHeaderBytes:    server.DefaultMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	entry, err := json.Marshal(server.Witness{Name: signer.Name(), Key: cosig, URL: url})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, `parley witness: %s serving on %s
following log: %s
cosignature key: %s

For the log operator's config, in "witnesses":
  %s
`, signer.Name(), url, logKey, cosig, entry)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("couldn't serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-errc
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		srv.Close()
		return fmt.Errorf("couldn't finish the requests in flight: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// witnessLog logs each request the witness answers: at debug when it
// cosigned, at info otherwise (a 409 when the log and the witness disagree
// on the last size, which the log then corrects). A refusal of the log's
// history (a 409 naming a larger size than the log offers: a rollback; a
// 422: a fork) the witness itself logs at error, with what it holds.
func witnessLog(logger *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		level := slog.LevelDebug
		if sw.status != http.StatusOK {
			level = slog.LevelInfo
		}
		logger.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("remote", r.RemoteAddr), slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
