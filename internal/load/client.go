package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CheckURL parses the base URL of the server to load and refuses any but
// a loopback address: every record the load writes stays in the
// installation's append-only store and log for good, so the tool is only
// for a server on this machine, one set up to be measured.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:8080/", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return nil, fmt.Errorf("%s is not a loopback address: the load's records can never be removed from an installation "+
			"(its store and log are append-only), so it drives only a server on this machine at 127.0.0.1, ::1 or localhost", host)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// client sends the load's requests to one server.
type client struct {
	base *url.URL
	hc   *http.Client
	// timeout bounds each request, the answer's body included.
	timeout time.Duration
}

func newClient(base *url.URL, conns int, timeout time.Duration) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// One kept-alive connection per worker: with the default of two idle
	// connections per host, most requests of a busy run would open a new
	// connection, and the load would measure TCP handshakes and run the
	// machine out of ephemeral ports.
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	return &client{base: base, hc: &http.Client{Transport: tr}, timeout: timeout}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// response is one answer: its status and whole body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request to path (relative to the base URL, with its query
// if any) with token as
// bearer (none if empty) and body as JSON (none if nil). It is not
// cancelled with ctx's cancellation, only bounded by the client's timeout:
// a write cut off halfway may still commit, and its answer, which says
// whether it did, is what the load is there to count.
func (c *client) do(ctx context.Context, method, path, token string, body []byte) (response, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	ref, err := url.Parse(path)
	if err != nil {
		return response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.ResolveReference(ref).String(), rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("User-Agent", "parley-load")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// apiError is the body of the API's error answers.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// refusal returns the error kind and message of an answer with an
// unexpected status: "write 403 forbidden", and the API's message.
func refusal(op string, r response) (kind, sample string) {
	kind = fmt.Sprintf("%s %d", op, r.status)
	var e apiError
	if json.Unmarshal(r.body, &e) == nil && e.Error.Code != "" {
		kind += " " + e.Error.Code
		sample = e.Error.Message
		if e.Error.Field != "" {
			sample = e.Error.Field + ": " + sample
		}
		return kind, sample
	}
	sample = strings.TrimSpace(string(r.body))
	if len(sample) > 200 {
		sample = sample[:200] + "..."
	}
	return kind, sample
}

// failure returns the error kind of a request that got no answer, by
// what an operator would look for: the server down (refused), killed
// mid-answer (reset, EOF) or too slow (timeout).
func failure(op string, err error) (kind, sample string) {
	var ne net.Error
	class := "transport error"
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		class = "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		class = "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		class = "connection closed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		class = "timeout"
	}
	return op + " " + class, err.Error()
}

// principal is what /api/v1/me says of a token's principal.
type principal struct {
	Login     string   `json:"login"`
	Party     string   `json:"party"`
	PartyRole string   `json:"party_role"`
	Roles     []string `json:"roles"`
	token     string
}

// whoami asks the server whose token each is, so that a writer knows
// its party (an action item's owner) and check knows whose token reads
// the records a login wrote. A bad token stops the run before it starts.
func (c *client) whoami(ctx context.Context, tokens []string) ([]principal, error) {
	var ps []principal
	for i, tok := range tokens {
		r, err := c.do(ctx, http.MethodGet, "api/v1/me", tok, nil)
		if err != nil {
			return nil, fmt.Errorf("couldn't reach the server at %s: %w", c.base, err)
		}
		if r.status != http.StatusOK {
			_, msg := refusal("", r)
			return nil, fmt.Errorf("the server refused token %d of %d (GET /api/v1/me answered %d: %s)", i+1, len(tokens), r.status, msg)
		}
		var p principal
		if err := json.Unmarshal(r.body, &p); err != nil || p.Login == "" {
			return nil, fmt.Errorf("GET /api/v1/me answered %s, which names no principal", r.body)
		}
		p.token = tok
		ps = append(ps, p)
	}
	return ps, nil
}

// memory is what the server's /metrics says of its process: what the
// load watches for growth.
type memory struct {
	at time.Time
	// rss is the process's resident set; heap is the Go heap in use.
	rss, heap  float64
	goroutines float64
	fds        float64
}

// metricNames are the series scraped, from the Go and process collectors
// that parley's server registers.
var metricNames = map[string]func(m *memory, v float64){
	"process_resident_memory_bytes": func(m *memory, v float64) { m.rss = v },
	"go_memstats_heap_inuse_bytes":  func(m *memory, v float64) { m.heap = v },
	"go_goroutines":                 func(m *memory, v float64) { m.goroutines = v },
	"process_open_fds":              func(m *memory, v float64) { m.fds = v },
}

// scrape reads the server's memory from /metrics.
func (c *client) scrape(ctx context.Context, token string) (memory, error) {
	r, err := c.do(ctx, http.MethodGet, "metrics", token, nil)
	if err != nil {
		return memory{}, err
	}
	if r.status != http.StatusOK {
		return memory{}, &badAnswer{fmt.Sprint(r.status), fmt.Sprintf("GET /metrics answered %d: %s", r.status, strings.TrimSpace(string(r.body)))}
	}
	m, err := parseMetrics(r.body)
	if err != nil {
		return m, &badAnswer{"unreadable", err.Error()}
	}
	m.at = time.Now()
	return m, nil
}

// parseMetrics reads the unlabelled series of metricNames from the
// Prometheus text format: "name value" lines, comments skipped.
func parseMetrics(b []byte) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		set := metricNames[name]
		if !ok || set == nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return m, fmt.Errorf("the metric %s has the value %q, not a number", name, value)
		}
		set(&m, v)
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found == 0 {
		return m, errors.New("/metrics has none of process_resident_memory_bytes, go_memstats_heap_inuse_bytes, go_goroutines")
	}
	return m, nil
}

// loadAverage is the machine's one-minute load average, "-" where
// /proc/loadavg is not: the server shares the machine with the load, and
// whatever else runs there, which the figures depend on.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "-"
	}
	return f[0]
}

// mib formats bytes in MiB.
func mib(b float64) string {
	return strconv.FormatFloat(b/(1<<20), 'f', 1, 64) + "MiB"
}
