package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
			ws.LastContact, ws.LastStatus, ws.LastError = c.at, c.status, c.err
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
	at     time.Time
	status int
	err    string
}

// recordingTransport is the HTTP transport tessera calls witnesses with. It
// records the outcome of the last request to each witness, for Status.
type recordingTransport struct {
	base  *http.Transport
	known map[string]bool

	mu       sync.Mutex
	contacts map[string]contact
}

func newRecordingTransport(ws []witnessEntry) *recordingTransport {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		base = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	t := &recordingTransport{
		base:     base.Clone(),
		known:    map[string]bool{},
		contacts: map[string]contact{},
	}
	for _, w := range ws {
		t.known[w.url] = true
	}
	return t
}

// maxErrorBody is how much of a witness's error response Status shows.
const maxErrorBody = 256

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	key := req.URL.String()
	if !t.known[key] {
		return resp, err
	}
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
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	default:
		c.status = resp.StatusCode
	}
	t.mu.Lock()
	t.contacts[key] = c
	t.mu.Unlock()
	return resp, err
}

func (t *recordingTransport) last(url string) (contact, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.contacts[url]
	return c, ok
}

func (t *recordingTransport) closeIdle() { t.base.CloseIdleConnections() }
