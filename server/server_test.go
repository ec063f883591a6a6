package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	"github.com/parley-project/parley/talks"

	"github.com/parley-project/parley/store"
)

type testServer struct {
	*Server
	url   string
	st    store.Store
	logs  *testkit.Buffer
	stop  context.CancelFunc
	errc  chan error
	ended bool
	// token is an API token of the operator, whom /metrics serves.
	token string
}

// shutdown cancels Serve's context and returns what Serve returned.
func (ts *testServer) shutdown(t *testing.T) error {
	t.Helper()
	ts.stop()
	select {
	case err := <-ts.errc:
		ts.ended = true
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10s of the cancel")
		return nil
	}
}

// start serves a server with the given API and UI handlers on a fresh
// SQLite store and a loopback port.
func start(t *testing.T, cfg Config, api, ui http.Handler) *testServer {
	t.Helper()
	cfg.Store = StoreSQLite
	cfg.DataDir = t.TempDir()
	cfg.SetDefaults()
	st, err := OpenStore(t.Context(), cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &testkit.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := testkit.NewService(st, time.Now, logger)
	token := operatorToken(t, svc)
	if api == nil {
		api = http.NotFoundHandler()
	}
	if ui == nil {
		ui = http.NotFoundHandler()
	}
	s := newServer(cfg, svc, nil, logger, api, ui)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, url: "http://" + ln.Addr().String(), st: st, logs: logs, stop: cancel, errc: make(chan error, 1), token: token}
	go func() { ts.errc <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if !ts.ended {
			if err := ts.shutdown(t); err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
	})
	return ts
}

// operatorToken bootstraps the mediating party and returns an API token of
// its administrator, the operator whom /metrics serves.
func operatorToken(t *testing.T, svc *app.Service) string {
	t.Helper()
	ctx := t.Context()
	if err := svc.Bootstrap(ctx, &talks.Party{ID: "us", Name: "United States", Role: access.ProcessMediator}); err != nil && app.ErrorCode(err) != app.CodeConflict {
		t.Fatal(err)
	}
	if _, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: "operator", Party: "us", Roles: []access.Role{access.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	token, err := svc.NewToken(ctx, "operator", "metrics")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return testkit.Fetch(t, http.MethodGet, url, "", nil)
}

func TestHealthz(t *testing.T) {
	ts := start(t, Config{}, nil, nil)
	if code, body := get(t, ts.url+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", code, body)
	}
	// A POST is not a health check; it goes to the UI like any other path.
	resp, err := http.Post(ts.url+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /healthz = %d, want the UI's 404", resp.StatusCode)
	}
}

func TestHealthzStoreDown(t *testing.T) {
	ts := start(t, Config{}, nil, nil)
	ts.st.Close()
	if code, body := get(t, ts.url+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz with the store closed = %d %q, want 503", code, body)
	}
	if !strings.Contains(ts.logs.String(), "store read failed") {
		t.Errorf("no log of the failed health check in:\n%s", ts.logs)
	}
}

func TestMetrics(t *testing.T) {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/rounds/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	ts := start(t, Config{}, api, nil)
	get(t, ts.url+"/api/v1/rounds/r1")
	get(t, ts.url+"/api/v1/rounds/r2")
	get(t, ts.url+"/api/v1/nothing")
	get(t, ts.url+"/healthz")
	if code, _ := get(t, ts.url+"/metrics"); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a token = %d, want 401", code)
	}
	// Not for a principal who is not an administrator.
	if _, err := ts.svc.AddPrincipal(t.Context(), app.NewPrincipal{Login: "staff", Party: "us", Roles: []access.Role{access.RoleMediator}}); err != nil {
		t.Fatal(err)
	}
	staff, err := ts.svc.NewToken(t.Context(), "staff", "test")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := testkit.Fetch(t, http.MethodGet, ts.url+"/metrics", staff, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics with a mediator's token = %d, want 401", code)
	}
	code, body := testkit.Fetch(t, http.MethodGet, ts.url+"/metrics", ts.token, nil)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		// The inner mux's pattern, not the two paths.
		`http_requests_total{code="418",method="GET",route="GET /api/v1/rounds/{id}"} 2`,
		// The inner mux matched nothing: the outer pattern stands.
		`http_requests_total{code="404",method="GET",route="/api/"} 1`,
		`http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`http_request_duration_seconds_count{route="GET /api/v1/rounds/{id}"} 2`,
		`http_request_duration_seconds_bucket{route="GET /healthz",le="0.001"}`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
	logs := ts.logs.String()
	for _, want := range []string{`method=GET route="GET /api/v1/rounds/{id}" path=/api/v1/rounds/r1 status=418 duration=`, `level=DEBUG msg=request method=GET route="GET /healthz"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("access log lacks %s in:\n%s", want, logs)
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	ts := start(t, Config{}, nil, ui)
	if code, _ := get(t, ts.url+"/page"); code != http.StatusInternalServerError {
		t.Errorf("GET /page that panics = %d, want 500", code)
	}
	// The server survives it.
	if code, _ := get(t, ts.url+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz after a panic = %d, want 200", code)
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, `level=ERROR msg="panic serving request" method=GET path=/page panic=boom`) {
		t.Errorf("no error log of the panic in:\n%s", logs)
	}
	if !strings.Contains(logs, `route=/ path=/page status=500`) {
		t.Errorf("no access log of the 500 in:\n%s", logs)
	}
}

func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	ts := start(t, Config{ShutdownTimeout: Duration(5 * time.Second)}, nil, ui)

	type result struct {
		code int
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.Get(ts.url + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	ts.stop()
	// The server stops listening as the shutdown begins; Serve must then
	// wait for the request in flight, held until release.
	addr := strings.TrimPrefix(ts.url, "http://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still listens 10s after the cancel")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-ts.errc:
		ts.ended = true
		t.Fatalf("Serve returned (%v) before the request in flight was answered", err)
	default:
	}
	close(release)
	if err := ts.shutdown(t); err != nil {
		t.Fatalf("Serve after cancel = %v, want nil", err)
	}
	res := <-resc
	if res.err != nil || res.code != http.StatusOK || res.body != "done" {
		t.Errorf("the request in flight got %d %q %v, want 200 \"done\"", res.code, res.body, res.err)
	}
	// Nothing listens any more.
	if _, err := http.Get(ts.url + "/healthz"); err == nil {
		t.Error("GET after shutdown succeeded")
	}
}

func TestShutdownTimeout(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ts := start(t, Config{ShutdownTimeout: Duration(100 * time.Millisecond)}, nil, ui)
	go http.Get(ts.url + "/stuck")
	<-started
	err := ts.shutdown(t)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "shutdown_timeout 100ms") {
		t.Errorf("Serve with a request stuck past the timeout = %v, want a shutdown_timeout error", err)
	}
}

func TestOpenStoreRefusesUnmigrated(t *testing.T) {
	cfg := Config{DataDir: filepath.Join(t.TempDir(), "data")}
	cfg.SetDefaults()
	_, err := OpenStore(t.Context(), cfg, false)
	if !errors.Is(err, store.ErrSchema) {
		t.Fatalf("OpenStore without migrate on an empty data dir = %v, want store.ErrSchema", err)
	}
	st, err := OpenStore(t.Context(), cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenStore(t.Context(), cfg, false)
	if err != nil {
		t.Fatalf("OpenStore without migrate after migrating: %v", err)
	}
	st.Close()
}

// TestSessionConfig: session_idle and session_max reach the UI's cookies.
func TestSessionConfig(t *testing.T) {
	cfg := Config{Store: StoreSQLite, DataDir: t.TempDir(), SessionIdle: Duration(5 * time.Minute), SessionMax: Duration(time.Hour)}
	cfg.SetDefaults()
	st, err := OpenStore(t.Context(), cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := testkit.NewService(st, time.Now, nil)
	t.Cleanup(svc.Close)
	operatorToken(t, svc)
	if _, err := svc.AddPrincipal(t.Context(), app.NewPrincipal{Login: "ana", Party: "us", Roles: []access.Role{access.RoleMediator}, Password: "ana's password"}); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, svc, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(t.Context(), "POST", "/login", strings.NewReader("login=ana&password=ana%27s+password"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	i := slices.IndexFunc(res.Cookies(), func(c *http.Cookie) bool { return c.Name == "parley_session" })
	if res.StatusCode != http.StatusSeeOther || i < 0 || res.Cookies()[i].MaxAge != 5*60 {
		t.Errorf("sign-in with session_idle 5m: status %d, cookies %v; want 303 and a session cookie kept for 5 minutes", res.StatusCode, res.Cookies())
	}
}
