// Package server is parley's HTTP server: the configuration an operator
// writes (Config), the store and the transparency log it names (OpenStore,
// OpenLog, with the log's key files and its lock), and the server that puts
// the JSON API (httpapi), the web UI (web) and the log's tiles (/log/)
// behind one listener with the operational endpoints a deployment needs:
// /healthz for the load balancer and the process manager, /metrics for
// Prometheus, an access log, panic recovery, timeouts on every phase of a
// request, and a graceful shutdown.
//
// The package does no flag parsing and installs no signal handlers:
// cmd/parley does, and hands Serve a context that ends on SIGTERM.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/web"
)

// IntegrityHeader is set to "failed" on every answer of an installation
// that failed its integrity check (app.Service.Integrity).
const IntegrityHeader = "Parley-Integrity"

// Server serves one parley installation over HTTP.
type Server struct {
	cfg     Config
	svc     *app.Service
	log     *ledger.Log
	logger  *slog.Logger
	metrics *metrics
	http    *http.Server
	// serving is set while Serve accepts requests and cleared when it
	// starts shutting down, so that /healthz tells a load balancer to
	// stop sending traffic during the drain.
	serving atomic.Bool
}

// New returns a server for svc as cfg configures it. Unset fields of cfg
// take their defaults. It builds the API and the UI handlers, the UI with
// the domains' own sections and the API with their own endpoints (the
// binary's wiring names both), and serves
// log (the transparency log svc commits through, or nil for none) read-only
// under /log/; nothing listens until Serve. The server owns svc and log
// from here on: Serve closes them when it stops.
func New(cfg Config, svc *app.Service, log *ledger.Log, sections []web.Section, logger *slog.Logger, endpoints ...httpapi.Endpoint) (*Server, error) {
	if svc == nil {
		return nil, errors.New("server: no service")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("server: bad config: %w", err)
	}
	opts := web.Options{
		SecureCookies: cfg.SecureCookies, Sections: sections,
		SessionIdle: time.Duration(cfg.SessionIdle), SessionMax: time.Duration(cfg.SessionMax),
	}
	if log != nil {
		// Only a non-nil *ledger.Log: web tells "no log" by a nil
		// interface.
		opts.Log = log
	}
	ui, err := web.New(svc, logger, opts)
	if err != nil {
		return nil, fmt.Errorf("couldn't build the web UI: %w", err)
	}
	return newServer(cfg, svc, log, logger, httpapi.New(svc, logger, endpoints...), ui), nil
}

// newServer assembles a server around the given API and UI handlers, so
// that tests can put their own behind the same middleware.
func newServer(cfg Config, svc *app.Service, log *ledger.Log, logger *slog.Logger, api, ui http.Handler) *Server {
	cfg.SetDefaults()
	s := &Server{cfg: cfg, svc: svc, log: log, logger: logger, metrics: newMetrics()}
	s.metrics.reg.MustRegister(followerCollector{svc})

	mux := http.NewServeMux()
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, routed(pattern, h)) }
	handle("GET /healthz", http.HandlerFunc(s.healthz))
	handle("GET /metrics", s.adminOnly(s.metrics.handler()))
	handle("/api/", api)
	if log != nil {
		// C2SP tlog-tiles: /log/checkpoint and /log/tile/..., for
		// anyone to check proofs against, signed in or not.
		handle("/log/", log.Handler())
	}
	handle("/", ui)

	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           s.middleware(mux),
		ReadHeaderTimeout: time.Duration(cfg.ReadHeaderTimeout),
		ReadTimeout:       time.Duration(cfg.ReadTimeout),
		WriteTimeout:      time.Duration(cfg.WriteTimeout),
		IdleTimeout:       time.Duration(cfg.IdleTimeout),
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		// net/http's own complaints (TLS handshakes, accept errors,
		// superfluous WriteHeader calls) go to the same log.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns the server's whole handler, middleware included, for
// tests and for embedding parley in another server.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: it stops accepting, lets the requests in flight finish within
// Config.ShutdownTimeout, and closes whatever is left after that. Then it
// closes the service (no more commits) and the log, which waits, within
// what is left of the timeout, for a published checkpoint to cover the
// last records. It returns nil after a clean shutdown. A Server serves
// once.
//
// Requests do not inherit ctx: the end of ctx means "stop taking work",
// not "abandon the work in hand".
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	s.serving.Store(true)
	go func() { errc <- s.http.Serve(ln) }()

	var served error
	select {
	case err := <-errc:
		served = fmt.Errorf("couldn't serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.serving.Store(false)
	timeout := time.Duration(s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if served != nil {
		s.close(sctx)
		return served
	}
	s.logger.Info("shutting down", slog.Duration("timeout", timeout))
	err := s.http.Shutdown(sctx)
	<-errc // http.ErrServerClosed, at once after Shutdown began.
	if err != nil {
		// Cut the connections of the requests that outlived the
		// timeout: a process manager would kill us soon anyway.
		s.http.Close()
		err = fmt.Errorf("couldn't finish the requests in flight within shutdown_timeout %v: %w", timeout, err)
	}
	// Only once no request can commit any more: the service, then the
	// log its commits go through.
	if cerr := s.close(sctx); err == nil && cerr != nil {
		err = fmt.Errorf("couldn't publish the last records within shutdown_timeout %v (they are safe, and published after the next start): %w", timeout, cerr)
	}
	if err != nil {
		return err
	}
	s.logger.Info("stopped")
	return nil
}

// close stops the service's committer, then the log.
func (s *Server) close(ctx context.Context) error {
	s.svc.Close()
	if s.log == nil {
		return nil
	}
	return s.log.Close(ctx)
}

// healthz answers 200 "ok" while the server accepts requests and its store
// answers a read, and 503 otherwise: a server that cannot reach its
// database, or that is draining, should get no traffic.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !s.serving.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	// Anonymous, so that the check reads exactly as a request would,
	// through the visibility filter, and reveals nothing.
	if _, _, err := s.svc.Store().Entities(ctx, access.Anonymous, store.Query{Kind: s.svc.Registry().PartyKind().Name, Limit: 1}); err != nil {
		s.logger.LogAttrs(r.Context(), slog.LevelError, "health check: store read failed", slog.Any("error", err))
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// middleware wraps the mux: it recovers from panics, and counts, times and
// logs every request under the mux pattern that served it.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if s.svc.IntegrityFailed() {
			// Every answer, the API's and the log's too, carries the
			// warning, so that no client takes it at face value.
			w.Header().Set(IntegrityHeader, "failed")
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					// net/http's own way to abort a response:
					// let it through, quietly.
					s.observe(r, sw, start)
					panic(v)
				}
				s.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					http.Error(sw, "internal server error", http.StatusInternalServerError)
				} else {
					// Too late for a 500: the status went out. Log
					// it as the failure it is.
					sw.status = http.StatusInternalServerError
				}
			}
			s.observe(r, sw, start)
		}()
		mux.ServeHTTP(sw, r)
	})
}

// adminOnly serves h only to an API token of an administrator of the
// mediating party, the installation's operator: the metrics say which
// routes are used how often, and by the route patterns, what is there.
// Point Prometheus at /metrics with that token (bearer authorization).
func (s *Server) adminOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok {
			if p, err := s.svc.Authenticate(r.Context(), strings.TrimSpace(token)); err == nil &&
				p.Has(access.RoleAdmin) && p.PartyRole == access.ProcessMediator {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="parley metrics"`)
		http.Error(w, "the metrics are for the operator: send an administrator's API token (Authorization: Bearer TOKEN)", http.StatusUnauthorized)
	})
}

// observe records one finished request in the metrics and the access log.
func (s *Server) observe(r *http.Request, sw *statusWriter, start time.Time) {
	d := time.Since(start)
	status := sw.status
	if status == 0 {
		// The handler wrote nothing: net/http sends 200.
		status = http.StatusOK
	}
	// The route is a mux pattern, never the path, so that ids in paths
	// cannot make a time series each. ServeMux sets the pattern it matched
	// on the request it was handed; when an inner mux (httpapi's, say) is
	// handed this same request, its finer pattern ends up here. When it is
	// not, or it matched nothing, the outer pattern that routed() noted
	// stands.
	route := r.Pattern
	if route == "" {
		route = sw.route
	}
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(route, r.Method, status, d)

	level := slog.LevelInfo
	if route == "GET /healthz" || route == "GET /metrics" {
		// Probes arrive every few seconds; at info they would bury
		// the requests of people.
		level = slog.LevelDebug
	}
	s.logger.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int64("bytes", sw.bytes))
}

// routed notes on the response writer which pattern of the server's own
// mux h is registered under.
func routed(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sw, ok := w.(*statusWriter); ok {
			sw.route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of a response, and the route
// that served it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	route  string
}

func (w *statusWriter) WriteHeader(code int) {
	// 1xx responses (103 Early Hints) precede the real one.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets handlers that stream (server-sent events) flush through the
// wrapper with a plain type assertion.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's own writer
// (deadlines, hijacking).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
