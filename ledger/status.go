package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Status is a snapshot of the log for operators.
type Status struct {
	Origin         string `json:"origin"`
	VerifierKey    string `json:"verifier_key"`
	IntegratedSize uint64 `json:"integrated_size"`
	PublishedSize  uint64 `json:"published_size"`
	// Checkpoint is the latest published checkpoint, a signed note.
	Checkpoint string `json:"checkpoint"`
	// Quorum is how many witnesses must cosign; Witnessed says whether the
	// latest checkpoint has that many cosignatures.
	Quorum    int             `json:"quorum"`
	Witnessed bool            `json:"witnessed"`
	Witnesses []WitnessStatus `json:"witnesses"`
	// Error says what could not be read, if anything.
	Error string `json:"error,omitempty"`
}

// WitnessStatus is what the log knows of one witness.
type WitnessStatus struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	URL  string `json:"url"`
	// Cosigned says whether the latest published checkpoint carries this
	// witness's valid cosignature.
	Cosigned bool `json:"cosigned"`
	// LastContact is when the last add-checkpoint request to this witness
	// ended (zero if none since Open).
	LastContact time.Time `json:"last_contact,omitzero"`
	// LastStatus is that request's HTTP status code, 0 if there was no
	// response.
	LastStatus int `json:"last_status,omitempty"`
	// LastError describes that request's failure: a transport error, or a
	// non-200 status with the start of the body. Empty after a 200.
	LastError string `json:"last_error,omitempty"`
	// Refusal is set when that request was refused because the witness
	// holds a history the log's checkpoint does not extend, or does not
	// accept the log at all: in plain words, what it means. It is an alarm,
	// not an outage: the log was rolled back or rewritten, or the witness
	// follows another log. (A 409 that only corrects the log's guess of
	// the witness's size, which the log then retries, is no refusal.)
	Refusal string `json:"refusal,omitempty"`
}

// Status reports the log's sizes, latest checkpoint and witnesses.
func (l *Log) Status(ctx context.Context) Status {
	s := Status{Origin: l.origin, VerifierKey: l.vkey, Quorum: l.cfg.Quorum}
	if s.Quorum == 0 {
		s.Quorum = len(l.witnesses)
	}
	var errs []error
	n, err := l.IntegratedSize(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	s.IntegratedSize = n
	cp, raw, err := l.published(ctx)
	if err != nil {
		errs = append(errs, err)
	} else {
		s.PublishedSize = cp.Size
		s.Checkpoint = string(raw)
	}
	cosigned := 0
	for _, w := range l.witnesses {
		ws := WitnessStatus{Name: w.cfg.Name, Key: w.cfg.Key, URL: w.cfg.URL}
		if raw != nil {
			ws.Cosigned = w.tw.Satisfied(raw)
		}
		if ws.Cosigned {
			cosigned++
		}
		if c, ok := l.transport.last(w.url); ok {
			ws.LastContact, ws.LastStatus, ws.LastError, ws.Refusal = c.at, c.status, c.err, c.refusal
		}
		s.Witnesses = append(s.Witnesses, ws)
	}
	s.Witnessed = raw != nil && cosigned >= s.Quorum
	if len(errs) > 0 {
		s.Error = errors.Join(errs...).Error()
	}
	return s
}

// contact is the outcome of one request to a witness.
type contact struct {
	at      time.Time
	status  int
	err     string
	refusal string
}

// recordingTransport is the HTTP transport tessera calls witnesses with. It
// records the outcome of the last request to each witness, for Status, and
// logs a witness's refusal of the log's history at ERROR.
type recordingTransport struct {
	base   *http.Transport
	logger *slog.Logger
	// names are the witnesses' names by add-checkpoint URL.
	names map[string]string

	mu       sync.Mutex
	contacts map[string]contact
}

func newRecordingTransport(ws []witnessEntry, logger *slog.Logger) *recordingTransport {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	t := &recordingTransport{
		base:     base.Clone(),
		logger:   logger,
		names:    map[string]string{},
		contacts: map[string]contact{},
	}
	for _, w := range ws {
		t.names[w.url] = w.cfg.Name
	}
	return t
}

// maxErrorBody is how much of a witness's error response Status shows.
const maxErrorBody = 256

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.URL.String()
	name, known := t.names[key]
	if !known {
		return t.base.RoundTrip(req)
	}
	// The checkpoint offered, to tell a refusal from a correction.
	var offered []byte
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			offered, _ = io.ReadAll(io.LimitReader(b, maxWitnessCheckpoint))
			b.Close()
		}
	}
	resp, err := t.base.RoundTrip(req)
	c := contact{at: time.Now()}
	switch {
	case err != nil && errors.Is(err, context.Canceled):
		c.err = "request abandoned: the round ended before this witness answered (quorum already met, or the log closing)"
	case err != nil:
		c.err = err.Error()
	case resp.StatusCode != http.StatusOK:
		c.status = resp.StatusCode
		head := make([]byte, maxErrorBody)
		n, _ := io.ReadFull(resp.Body, head)
		head = head[:n]
		c.err = fmt.Sprintf("%s: %q", resp.Status, bytes.TrimSpace(head))
		c.refusal = refusal(name, resp, head, offered)
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	default:
		c.status = resp.StatusCode
	}
	t.mu.Lock()
	prev := t.contacts[key]
	t.contacts[key] = c
	t.mu.Unlock()
	// Once, not at every round while it lasts (Status shows it
	// meanwhile), and again when what it says changes: the log grew.
	if c.refusal != "" && c.refusal != prev.refusal {
		t.logger.LogAttrs(req.Context(), slog.LevelError, "a witness refused the log's checkpoint: "+c.refusal,
			slog.String("witness", name), slog.Int("status", c.status), slog.String("answer", c.err))
	}
	return resp, err
}

// refusal says in plain words what a witness's answer to add-checkpoint
// means when it refuses the log's history (C2SP tlog-witness), or "" when
// it does not: a 409 whose size is no larger than the offered checkpoint's
// only corrects the log's guess of what the witness holds, and tessera
// retries at once.
func refusal(name string, resp *http.Response, body, offered []byte) string {
	size := uint64(0)
	if _, cp, ok := bytes.Cut(offered, []byte("\n\n")); ok {
		size, _ = checkpointSize(cp)
	}
	switch resp.StatusCode {
	case http.StatusConflict:
		if resp.Header.Get("Content-Type") != "text/x.tlog.size" {
			return fmt.Sprintf("witness %s cosigned another checkpoint of the same size as the log's (size %d): the log was rewritten", name, size)
		}
		held, err := strconv.ParseUint(string(bytes.TrimSpace(body)), 10, 64)
		if err != nil || held <= size {
			return ""
		}
		return fmt.Sprintf("the log was rolled back or rewritten: witness %s cosigned size %d, the log offers %d", name, held, size)
	case http.StatusUnprocessableEntity:
		return fmt.Sprintf("witness %s found the log's checkpoint (size %d) inconsistent with the last one it cosigned: the log was rewritten", name, size)
	case http.StatusForbidden:
		return fmt.Sprintf("witness %s does not accept the log's key: it follows another log, or the log's key was replaced", name)
	case http.StatusNotFound:
		return fmt.Sprintf("witness %s does not follow this log (it knows no log of this origin): check its URL and the log key it was started with", name)
	}
	return ""
}

// checkpointSize reads the size line of a checkpoint.
func checkpointSize(cp []byte) (uint64, error) {
	lines := bytes.SplitN(cp, []byte("\n"), 3)
	if len(lines) < 3 {
		return 0, errors.New("malformed checkpoint")
	}
	return strconv.ParseUint(string(lines[1]), 10, 64)
}

func (t *recordingTransport) last(url string) (contact, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.contacts[url]
	return c, ok
}

func (t *recordingTransport) closeIdle() { t.base.CloseIdleConnections() }
