package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
)

// MaxBatch is the most items one batch request may carry, and
// MaxBatchBody the most bytes: a file of any size is imported as a
// sequence of batches, each answered within seconds.
const (
	MaxBatch     = 1000
	MaxBatchBody = 16 << 20
)

// batchResult is the outcome of one item of a batch.
type batchResult struct {
	// Index is the item's place in the request, from 0.
	Index int `json:"index"`
	// Status is the status a single write of the item would have had:
	// 201 when committed.
	Status   int    `json:"status"`
	ID       string `json:"id,omitempty"`
	RecordID string `json:"record_id,omitempty"`
	// Batch is the batch record whose log entry commits to the item, for
	// a kind committed in batches (its proof proves the item alone).
	Batch string       `json:"batch,omitempty"`
	Error *errorDetail `json:"error,omitempty"`
}

// batchBody answers a batch.
type batchBody struct {
	Created int           `json:"created"`
	Refused int           `json:"refused"`
	Results []batchResult `json:"results"`
}

// batch commits many entities of one kind in one request. Each item is
// checked and committed on its own, as a single write would be: a bad
// item is answered with its error and the others are committed, so that
// nothing good is lost to one bad row and nothing bad is half-written.
func (a *api) batch(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		if caller == nil {
			return errSignIn
		}
		// Refused before the body is read: a caller who may not write the
		// kind at all gets one answer, not a thousand, and costs nothing.
		if err := a.svc.Authorized(*caller, k.Name, caller.Party); err != nil {
			return err
		}
		items, err := readBatch(w, r)
		if err != nil {
			return err
		}
		bodies := make([][]byte, len(items))
		for i, it := range items {
			bodies[i] = it
		}
		written, errs := a.svc.CreateMany(r.Context(), *caller, k.Name, bodies)
		out := batchBody{Results: make([]batchResult, len(items))}
		for i := range items {
			out.Results[i] = a.batchResult(r, k, i, written[i], errs[i])
		}
		for _, res := range out.Results {
			if res.Status == http.StatusCreated {
				out.Created++
			} else {
				out.Refused++
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (a *api) batchResult(r *http.Request, k parley.Kind, i int, out app.Written, err error) batchResult {
	res := batchResult{Index: i}
	if err == nil {
		res.Status, res.ID, res.RecordID, res.Batch = http.StatusCreated, out.Entity.ID, out.Entity.RecordID, out.Receipt.Batch
		return res
	}
	var e *app.Error
	if !errors.As(err, &e) {
		e = &app.Error{Code: codeInternal, Message: "internal error; it has been logged", Err: err}
	}
	res.Status, _ = statusOf(e.Code)
	if res.Status == http.StatusInternalServerError {
		a.log.ErrorContext(r.Context(), "api batch item failed", "kind", k.Name, "index", i, "err", err)
		e = &app.Error{Code: codeInternal, Message: "internal error; it has been logged"}
	}
	res.Error = &errorDetail{Code: e.Code, Message: e.Message, Field: e.Field}
	return res
}

// readBatch reads a batch: a JSON array of objects, or NDJSON (one object
// a line), at most MaxBatch items and MaxBatchBody bytes.
func readBatch(w http.ResponseWriter, r *http.Request) ([]json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" && mt != "application/x-ndjson" {
		return nil, &app.Error{Code: codeUnsupportedMedia, Message: fmt.Sprintf("a batch is application/json (an array) or application/x-ndjson, not %q", ct)}
	}
	body, err := readLimited(w, r, MaxBatchBody, fmt.Sprintf("a batch is at most %d bytes; send the rest in another", MaxBatchBody))
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if mt == "application/json" {
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, &app.Error{Code: app.CodeBadRequest, Message: fmt.Sprintf("a batch is a JSON array of objects: %v", err)}
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, MaxBatchBody)
		for line := 1; sc.Scan(); line++ {
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				if !json.Valid(b) {
					return nil, &app.Error{Code: app.CodeBadRequest, Message: fmt.Sprintf("line %d is not JSON", line)}
				}
				items = append(items, append(json.RawMessage(nil), b...))
			}
		}
	}
	switch {
	case len(items) == 0:
		return nil, &app.Error{Code: app.CodeBadRequest, Message: "the batch is empty"}
	case len(items) > MaxBatch:
		return nil, &app.Error{Code: app.CodeTooLarge, Message: fmt.Sprintf("the batch has %d items; at most %d a request", len(items), MaxBatch)}
	}
	return items, nil
}
