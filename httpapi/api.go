// Package httpapi is parley's JSON API under /api/v1: one collection per kind
// of every registered domain (listed, read, created and replaced), every record as
// stored and its proof of inclusion in the transparency log (/records/{id}
// and /records/{id}/proof), the caller's own principal, and an OpenAPI 3.0
// document of all of it.
//
// The API is a thin adapter over package app. Every read and write goes
// through app.Service, which applies the caller's visibility, so a handler
// here never decides what a caller may see; it only turns HTTP into service
// calls and service results (and errors) back into JSON. Routes, query
// parameters and the OpenAPI document come from one table generated from
// the registry's kinds and their field schemas, so a kind added to a domain is
// served and documented without a line of code here, and the document cannot drift from what is served.
package httpapi

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/worddiff"
)

// Prefix is the path under which the API is served.
const Prefix = "/api/v1"

// DefaultLimit is the page size of a list that names none; app.MaxPage is the
// largest a caller may ask for (larger limits are lowered to it).
const DefaultLimit = 50

// Error codes of the HTTP layer itself, beside app's. They go through the
// same mapping to statuses as app's codes.
const (
	codeUnsupportedMedia app.Code = "unsupported_media_type"
	codeMethodNotAllowed app.Code = "method_not_allowed"
	codeInternal         app.Code = "internal"
)

// statusOf is the one place an error code becomes an HTTP status, with the
// header that status calls for, if any: a 401 says how to authenticate, a
// 503 when to try again.
func statusOf(code app.Code) (status int, header http.Header) {
	switch code {
	case app.CodeBadRequest:
		return http.StatusBadRequest, nil
	case app.CodeInvalid:
		return http.StatusUnprocessableEntity, nil
	case app.CodeNotFound:
		return http.StatusNotFound, nil
	case app.CodeConflict:
		return http.StatusConflict, nil
	case app.CodeForbidden:
		return http.StatusForbidden, nil
	case app.CodeUnauthenticated:
		return http.StatusUnauthorized, http.Header{"Www-Authenticate": {`Bearer realm="parley"`}}
	case app.CodeTooLarge:
		return http.StatusRequestEntityTooLarge, nil
	case app.CodeUnavailable:
		// What is not available yet (a record's checkpoint) is published
		// within about a second.
		return http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}}
	case codeUnsupportedMedia:
		return http.StatusUnsupportedMediaType, nil
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed, nil
	}
	return http.StatusInternalServerError, nil
}

// errorBody is the body of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    app.Code `json:"code"`
	Message string   `json:"message"`
	// Field names the offending field in JSON path form, when there is one.
	Field string `json:"field,omitempty"`
	// Current is, for an edit based on a stale version (409), the current
	// version.
	Current *item `json:"current,omitempty"`
}

// item is one entity as the API shows it.
type item struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Parent   string          `json:"parent,omitempty"`
	Audience record.Audience `json:"audience"`
	Version  int             `json:"version"`
	RecordID string          `json:"record_id"`
	Created  time.Time       `json:"created"`
	Updated  time.Time       `json:"updated"`
	// On is, for a decision on its parent (a signed one, or one that
	// binds its parent), the record id of the parent's version it was
	// made on: a client compares it with the parent's record_id to tell a
	// decision on the parent as it reads now from one on an earlier
	// version.
	On   string          `json:"on,omitempty"`
	Data json.RawMessage `json:"data"`
}

func itemOf(e store.Entity) item {
	return item{ID: e.ID, Kind: e.Kind, Parent: e.Parent, Audience: e.Audience, Version: e.Version,
		RecordID: e.RecordID, Created: e.Created, Updated: e.Updated, On: e.Field(parley.OnField), Data: e.Body}
}

// page is one page of a list.
type page struct {
	Items []item `json:"items"`
	// Next continues the list; it is omitted on the last page.
	Next string `json:"next,omitempty"`
}

// written answers a write.
type written struct {
	Receipt app.Receipt `json:"receipt"`
	Item    item        `json:"item"`
}

// storedRecord is one record as stored, as a reader of it gets it: the
// envelope's facts, its commitment and log position, and its canonical
// bytes, from which (with the salt in its proof) the commitment is
// recomputed.
type storedRecord struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Subject  string          `json:"subject"`
	At       time.Time       `json:"at"`
	Author   record.Author   `json:"author"`
	Audience record.Audience `json:"audience"`
	Seq      int64           `json:"seq"`
	// LeafIndex is the record's position in the transparency log; omitted
	// while the record is not yet in it (or there is no log). For an item
	// of a batch it is the batch's.
	LeafIndex *uint64 `json:"leaf_index,omitempty"`
	// Batch is the batch record whose log entry commits to the record, if
	// it is an item of one; its proof proves it alone.
	Batch string `json:"batch,omitempty"`
	// Commitment is the hex SHA-256 commitment of the record: its own
	// log entry's, or its leaf in its batch's tree.
	Commitment string `json:"commitment"`
	// Canonical is the record's canonical JSON (RFC 8785), as committed.
	Canonical json.RawMessage `json:"canonical"`
}

func storedRecordOf(r store.Record) storedRecord {
	out := storedRecord{ID: r.ID, Kind: r.Kind, Subject: r.Subject, At: r.At, Author: r.Author, Audience: r.Audience,
		Seq: r.Seq, Commitment: hex.EncodeToString(r.Commitment), Canonical: r.Canonical}
	if r.LeafIndex >= 0 {
		li := uint64(r.LeafIndex)
		out.LeafIndex = &li
	}
	out.Batch = r.Batch
	return out
}

// me is the caller's own principal.
type me struct {
	Login     string             `json:"login"`
	Name      string             `json:"name"`
	Party     string             `json:"party"`
	PartyRole access.ProcessRole `json:"party_role"`
	Roles     []access.Role      `json:"roles"`
}

// handlerFunc serves one route for an authenticated (or anonymous: nil)
// caller. It writes the response itself on success and returns the error
// otherwise, so that errors are written in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error

// param is a query parameter of a route.
type param struct {
	name, desc string
	typ        string // OpenAPI type: "string" or "integer"
}

// route is one operation: the mux serves it and the OpenAPI document
// describes it, both from this one value.
type route struct {
	method, path string // path in ServeMux and OpenAPI syntax alike: /api/v1/rounds/{id}
	op, summary  string
	desc         string
	tag          string
	query        []param
	body         string // schema of the request body, or ""
	status       int    // status on success
	resp         string // schema of the success response
	mediaType    string // of a success that is a document, not JSON
	errs         []int  // error statuses it may answer
	handle       handlerFunc
}

type api struct {
	reg       *parley.Registry
	svc       *app.Service
	log       *slog.Logger
	routes    []route
	endpoints []Endpoint
	mux       *http.ServeMux
	doc       []byte
	// cursor seals list cursors; made on first use from the installation's
	// secret, so every replica reads the others' cursors.
	cursor   atomic.Pointer[cipher.AEAD]
	cursorMu sync.Mutex
}

// New returns the API on svc. It serves full paths under /api/v1/ (mount it
// at "/api/" or at the root) and answers anything else with a JSON 404.
// The domains' endpoints are served beside the collections.
func New(svc *app.Service, logger *slog.Logger, endpoints ...Endpoint) http.Handler {
	return newAPI(svc, logger, endpoints...)
}

func newAPI(svc *app.Service, logger *slog.Logger, endpoints ...Endpoint) *api {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &api{svc: svc, reg: svc.Registry(), log: logger, mux: http.NewServeMux(), endpoints: endpoints}
	a.routes = append(a.table(), a.endpointRoutes()...)
	doc, err := json.MarshalIndent(a.openAPI(), "", "  ")
	if err != nil {
		panic("httpapi: couldn't encode the OpenAPI document: " + err.Error())
	}
	a.doc = doc

	allowed := map[string][]string{}
	var paths []string
	for _, rt := range a.routes {
		a.mux.Handle(rt.method+" "+rt.path, a.serve(rt))
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// ServeMux's own 404 and 405 answers are plain text. A method-less
	// pattern per path is less specific than the routes on that path, so it
	// catches exactly the methods they do not serve; "/" catches the rest.
	for _, p := range paths {
		methods := allowed[p]
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		a.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			a.writeError(w, r, &app.Error{Code: codeMethodNotAllowed,
				Message: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
		})
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, &app.Error{Code: app.CodeNotFound,
			Message: fmt.Sprintf("no such endpoint: %s %s; see %s/openapi.json", r.Method, r.URL.Path, Prefix)})
	})
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// table generates the routes: four per kind, the two of records (as stored,
// and their proofs), and the two of the API itself.
func (a *api) table() []route {
	var rs []route
	for _, k := range a.reg.Kinds() {
		coll := Prefix + "/" + k.Collection
		one := coll + "/{id}"
		name := typeName(k)
		query := []param{
			{"limit", fmt.Sprintf("Page size: default %d, at most %d (a larger one is refused).", DefaultLimit, app.MaxPage), "integer"},
			{"after", "Cursor: the `next` of the previous page.", "string"},
		}
		if pf := a.parentOf(k); pf.field != "" {
			query = append(query,
				param{"parent", fmt.Sprintf("Only %s whose %s is this id.", k.Collection, pf.field), "string"},
				param{pf.alias, "The same as parent.", "string"})
		}
		for _, f := range app.ListFilters(k) {
			query = append(query, param{f.Name, f.Desc, f.Type})
		}
		immutable := ""
		if !k.Mutable {
			immutable = fmt.Sprintf(" %s is never changed once committed: this answers 409; commit a new one that refers to it.", capital(parley.Article(k.Title)))
		}
		rs = append(rs,
			route{method: "GET", path: coll, op: "list" + name, tag: k.Collection,
				summary: "List " + k.Collection,
				desc:    fmt.Sprintf("The %s the caller may see, filtered as the parameters say, in the order they were created unless order says otherwise.", k.Collection),
				query:   query, status: 200, resp: name + "Page", errs: []int{400, 401},
				handle: a.list(k)},
			route{method: "GET", path: one, op: "get" + name, tag: k.Collection,
				summary: "Get " + parley.Article(k.Title),
				desc:    fmt.Sprintf("%s the caller may not see is answered exactly as one that does not exist.", capital(parley.Article(k.Title))),
				status:  200, resp: name + "Item", errs: []int{401, 404},
				handle: a.get(k)},
			route{method: "GET", path: one + "/versions", op: "versions" + name, tag: k.Collection,
				summary: "List the versions of " + parley.Article(k.Title),
				desc:    "Every version of it the caller may see, oldest first: the record that made each, its author and time, and its body.",
				status:  200, resp: "Versions", errs: []int{401, 404},
				handle: a.versions(k)},
			route{method: "POST", path: coll, op: "create" + name, tag: k.Collection,
				summary: "Create " + parley.Article(k.Title),
				desc:    fmt.Sprintf("Commits a new %s. Its audience defaults to %s.", k.Title, access.Describe(k.DefaultAudience)),
				body:    name + "Input", status: 201, resp: name + "Written", errs: []int{400, 401, 403, 409, 413, 415, 422},
				handle: a.write(k, false)},
			route{method: "PUT", path: one, op: "replace" + name, tag: k.Collection,
				summary: "Replace " + parley.Article(k.Title),
				desc:    fmt.Sprintf("Commits the full new state of %s, superseding the current one; its audience stays unless the body names one.%s", parley.Article(k.Title), immutable),
				body:    name + "Input", status: 200, resp: name + "Written", errs: []int{400, 401, 403, 404, 409, 413, 415, 422},
				handle: a.write(k, true)},
		)
		if !k.Signed {
			rs = append(rs, route{method: "POST", path: Prefix + "/batch/" + k.Collection, op: "createBatch" + name, tag: k.Collection,
				summary: fmt.Sprintf("Create many %s at once", k.Collection),
				desc: fmt.Sprintf("Commits up to %d new %s in one request: a JSON array of what POST %s takes, or NDJSON (application/x-ndjson, one a line), at most %d bytes. "+
					"Each item is checked and committed on its own, as a single POST would be, and answered in results with the status that POST would have had "+
					"(201 with its id and record_id, or the error naming the field): a bad item refuses nothing else. Items are committed concurrently, so their order "+
					"in the log need not be the request's.", MaxBatch, k.Collection, coll, MaxBatchBody),
				body: name + "Batch", status: 200, resp: "BatchResults", errs: []int{400, 401, 403, 413, 415},
				handle: a.batch(k)})
		}
		if k.Wording != nil {
			rs = append(rs, route{method: "GET", path: one + "/diff", op: "diff" + name, tag: k.Collection,
				summary: "Compare two versions of " + parley.Article(k.Title),
				desc:    "The word-level difference between two versions the caller may see: the words both keep, those the later deletes and those it inserts, in reading order. Without parameters, the last change.",
				query: []param{{"from", "The earlier version's number (1 is the first); default the one before to.", "integer"},
					{"to", "The later version's number; default the latest.", "integer"}},
				status: 200, resp: "Comparison", errs: []int{400, 401, 404, 422}, handle: a.compare(k)})
		}
		if x := k.ExcerptOf; x != nil {
			rs = append(rs, route{method: "GET", path: one + "/excerpt-proof", op: "excerptProof" + name, tag: k.Collection,
				summary: "Prove the words " + parley.Article(k.Title) + " carries",
				desc: fmt.Sprintf("The proof that the words in %q were taken from the entity %q names, as it was committed when this %s was: "+
					"the words, the hashes that stand for the rest of that record (which stays hidden), its leaf, an inclusion proof and the cosigned checkpoint. "+
					"`parley verify` checks one. Answers 503 with Retry-After while no published checkpoint covers the record yet.", x.Words, x.Origin, k.Title),
				status: 200, resp: "Proof", errs: []int{401, 404, 503}, handle: a.excerptProof(k)})
		}
		if parley.HasFiles(k.Fields) {
			rs = append(rs, route{method: "GET", path: one + "/files/{sha256}", op: "getFile" + name, tag: k.Collection,
				summary: "Get a file " + parley.Article(k.Title) + " names",
				desc: "The file whose SHA-256 the entity names in a file field, as uploaded (POST " + Prefix + "/files): the bytes whose hash the committed record holds. " +
					"A file the entity does not name, or not uploaded yet, is not found, as is an entity the caller may not see.",
				status: 200, resp: "", errs: []int{401, 404}, handle: a.getFile(k)})
		}
		if k.Signed {
			rs = append(rs, route{method: "POST", path: Prefix + "/to-sign/" + k.Collection, op: "statement" + name, tag: k.Collection,
				summary: "Get the statement to sign for " + parley.Article(k.Title),
				desc: fmt.Sprintf("%s is committed with its author's signature over a statement that binds the body to the current version of what it decides, "+
					"to the latest decision it supersedes and to the time it is signed. Send the body you mean to commit; the answer is the statement text to sign "+
					"(parley sign does it), then POST the body with \"statement\" and \"signature\" to %s within %s. Nothing is committed here.",
					capital(parley.Article(k.Title)), coll, app.StatementLifetime),
				body: name + "Input", status: 200, resp: "Statement", errs: []int{400, 401, 403, 413, 415, 422},
				handle: a.statement(k)})
		}
	}
	const unseen = "A record the caller may not see is answered exactly as one that does not exist."
	return append(rs,
		route{method: "GET", path: Prefix + "/records/{id}", op: "getRecord", tag: "records",
			summary: "Get a record",
			desc: "A record as stored: its envelope, its commitment, its position in the transparency log " +
				"(leaf_index, omitted while the record is not yet in the log) and its canonical bytes. " + unseen,
			status: 200, resp: "Record", errs: []int{401, 404}, handle: a.record},
		route{method: "GET", path: Prefix + "/records/{id}/proof", op: "getRecordProof", tag: "records",
			summary: "Prove a record",
			desc: "Everything needed to check a record without trusting this server: its canonical bytes and salt " +
				"(to recompute the commitment), its leaf, an inclusion proof, and the signed, cosigned checkpoint " +
				"the proof is against; `parley verify` checks one. Answers 503 with Retry-After while no published " +
				"checkpoint covers the record yet (usually under a second), and on an installation without a log. " + unseen,
			status: 200, resp: "Proof", errs: []int{401, 404, 503}, handle: a.proof},
		route{method: "POST", path: Prefix + "/files", op: "putFile", tag: "records",
			summary: "Upload a file",
			desc: fmt.Sprintf("Keeps the request's body (any media type, at most %d bytes) as a file under its SHA-256, and answers the hash: name it in a record's file field "+
				"(a report's evidence), before or after the record is committed; the record's readers then get the file, and the committed record proves it unaltered. "+
				"A file sent again is kept once. Whoever may write a kind with a file field may upload.", app.MaxFile),
			status: 201, resp: "File", errs: []int{401, 403, 413, 422}, handle: a.putFile},
		route{method: "GET", path: Prefix + "/me", op: "getMe", tag: "api", summary: "The caller's principal",
			status: 200, resp: "Me", errs: []int{401}, handle: a.me},
		route{method: "GET", path: Prefix + "/openapi.json", op: "getOpenAPI", tag: "api", summary: "This document",
			status: 200, resp: "", errs: nil, handle: a.openAPIDoc},
	)
}

func capital(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// serve adapts a handlerFunc: it authenticates, checks the query parameters
// against the route's, and writes any error.
func (a *api) serve(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Authorization")
		caller, err := a.authenticate(r)
		if err == nil {
			err = checkQuery(r.URL.Query(), rt.query)
		}
		if err == nil {
			err = rt.handle(w, r, caller)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
	})
}

// authenticate returns the caller: nil without an Authorization header
// (anonymous, who sees public records only), an error for a bad one.
func (a *api) authenticate(r *http.Request) (*access.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, &app.Error{Code: app.CodeUnauthenticated, Message: `the Authorization header must be "Bearer TOKEN"`}
	}
	p, err := a.svc.Authenticate(r.Context(), token)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// checkQuery refuses parameters a route does not take: a misspelt filter
// silently ignored would return the whole collection instead of a part.
func checkQuery(q url.Values, allowed []param) error {
	for name := range q {
		if !slices.ContainsFunc(allowed, func(p param) bool { return p.name == name }) {
			return &app.Error{Code: app.CodeBadRequest, Field: name, Message: "is not a parameter of this endpoint"}
		}
	}
	return nil
}

// writeError writes err as JSON. An error without a code is internal: it is
// logged in full and the caller gets a generic message, because its text may
// name things the caller may not know.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *app.Error
	status, header := http.StatusInternalServerError, http.Header(nil)
	if errors.As(err, &e) {
		status, header = statusOf(e.Code)
	}
	if status == http.StatusInternalServerError {
		a.log.LogAttrs(r.Context(), slog.LevelError, "api request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
		e = &app.Error{Code: codeInternal, Message: "internal error; it has been logged"}
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	detail := errorDetail{Code: e.Code, Message: e.Message, Field: e.Field}
	if cur, ok := e.Current.(store.Entity); ok {
		it := itemOf(cur)
		detail.Current = &it
	}
	writeJSON(w, status, errorBody{detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a bug makes one of the API's own types unencodable.
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error; it has been logged"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

var errSignIn = &app.Error{Code: app.CodeUnauthenticated, Message: `sign in: send "Authorization: Bearer TOKEN"`}

func (a *api) list(k parley.Kind) handlerFunc {
	pf := a.parentOf(k)
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		q := r.URL.Query()
		query := store.Query{Kind: k.Name, Limit: DefaultLimit, Parent: q.Get("parent")}
		if pf.alias != "" {
			if v := q.Get(pf.alias); v != "" {
				if query.Parent != "" && query.Parent != v {
					return &app.Error{Code: app.CodeBadRequest, Field: pf.alias, Message: "differs from parent; give one of them"}
				}
				query.Parent = v
			}
		}
		if err := app.ParseListFilters(k, q, &query); err != nil {
			return err
		}
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > app.MaxPage {
				// A larger page is refused, not silently cut: a client that
				// asked for everything must not take one page for all.
				return &app.Error{Code: app.CodeBadRequest, Field: "limit", Message: fmt.Sprintf("%q is not a page size (1 to %d)", s, app.MaxPage)}
			}
			query.Limit = n
		}
		if s := q.Get("after"); s != "" {
			aead, err := a.cursorAEAD(r.Context())
			if err != nil {
				return err
			}
			if err := app.OpenCursor(aead, s, &query); err != nil {
				return err
			}
		}
		es, more, err := a.svc.List(r.Context(), caller, query)
		if err != nil {
			return err
		}
		out := page{Items: make([]item, len(es))}
		for i, e := range es {
			out.Items[i] = itemOf(e)
		}
		if more && len(es) > 0 {
			aead, err := a.cursorAEAD(r.Context())
			if err != nil {
				return err
			}
			out.Next = app.SealCursor(aead, es[len(es)-1], query)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (a *api) get(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		e, err := a.svc.Get(r.Context(), caller, k.Name, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, itemOf(e))
		return nil
	}
}

// comparison is the answer of a diff.
type comparison struct {
	From       int              `json:"from"`
	To         int              `json:"to"`
	FromRecord string           `json:"from_record"`
	ToRecord   string           `json:"to_record"`
	Chunks     []worddiff.Chunk `json:"chunks"`
}

func (a *api) compare(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		var n [2]int
		for i, name := range []string{"from", "to"} {
			if s := r.URL.Query().Get(name); s != "" {
				v, err := strconv.Atoi(s)
				if err != nil || v < 1 {
					return &app.Error{Code: app.CodeBadRequest, Field: name, Message: fmt.Sprintf("%q is not a version number (1, 2, ...)", s)}
				}
				n[i] = v
			}
		}
		c, err := a.svc.Compare(r.Context(), caller, k.Name, r.PathValue("id"), n[0], n[1])
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, comparison{From: c.From, To: c.To, FromRecord: c.FromRecord, ToRecord: c.ToRecord, Chunks: c.Chunks})
		return nil
	}
}

func (a *api) excerptProof(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		p, err := a.svc.ExcerptProof(r.Context(), caller, k.Name, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

// versionsBody is the answer of the versions of an entity.
type versionsBody struct {
	Versions []app.Version `json:"versions"`
}

func (a *api) versions(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		vs, err := a.svc.History(r.Context(), caller, k.Name, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, versionsBody{Versions: vs})
		return nil
	}
}

func (a *api) write(k parley.Kind, replace bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		if caller == nil {
			return errSignIn
		}
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		var out app.Written
		if replace {
			out, err = a.svc.Update(r.Context(), *caller, k.Name, r.PathValue("id"), body)
		} else {
			out, err = a.svc.Create(r.Context(), *caller, k.Name, body)
		}
		if err != nil {
			return err
		}
		status := http.StatusOK
		if !replace {
			status = http.StatusCreated
			w.Header().Set("Location", Prefix+"/"+k.Collection+"/"+url.PathEscape(out.Entity.ID))
		}
		writeJSON(w, status, written{Receipt: out.Receipt, Item: itemOf(out.Entity)})
		return nil
	}
}

// statementBody is the statement an author of a signed kind signs.
type statementBody struct {
	// Statement is the text to sign (a C2SP signed note's text).
	Statement string `json:"statement"`
}

func (a *api) statement(k parley.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
		if caller == nil {
			return errSignIn
		}
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		st, err := a.svc.Statement(r.Context(), *caller, k.Name, body)
		if err != nil {
			return err
		}
		text, err := st.Text()
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, statementBody{Statement: text})
		return nil
	}
}

// readBody reads a write's JSON body, at most app.MaxBody bytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, &app.Error{Code: codeUnsupportedMedia, Message: fmt.Sprintf("the body must be application/json, not %q", ct)}
	}
	return readLimited(w, r, app.MaxBody, fmt.Sprintf("the request body is over the limit of %d bytes", app.MaxBody))
}

// readLimited reads a request's body of at most max bytes, refusing a
// longer one with tooLarge (413).
func readLimited(w http.ResponseWriter, r *http.Request, max int64, tooLarge string) ([]byte, error) {
	if r.ContentLength > max {
		// Answered before a byte of the body is read: a client that asked
		// to continue (Expect: 100-continue) gets 413, not a reset
		// connection halfway through sending.
		return nil, &app.Error{Code: app.CodeTooLarge, Message: tooLarge}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return nil, &app.Error{Code: app.CodeTooLarge, Message: tooLarge}
	} else if err != nil {
		return nil, &app.Error{Code: app.CodeBadRequest, Message: "couldn't read the request body", Err: err}
	}
	return body, nil
}

func (a *api) record(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	rec, err := a.svc.Record(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, storedRecordOf(rec))
	return nil
}

func (a *api) proof(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	p, err := a.svc.Proof(r.Context(), caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *api) me(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
	if caller == nil {
		return errSignIn
	}
	writeJSON(w, http.StatusOK, me{Login: caller.Login, Name: caller.Name, Party: caller.Party,
		PartyRole: caller.PartyRole, Roles: caller.Roles})
	return nil
}

func (a *api) openAPIDoc(w http.ResponseWriter, r *http.Request, _ *access.Principal) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(a.doc)
	return nil
}

// parentField is the JSON field of a kind that holds its parent's id, and
// the query alias of the parent filter, named after the parent's kind
// ("round", "party").
type parentField struct{ field, alias string }

// parentOf is a kind's declared parent field, and the query alias of the
// parent filter, named after the parent's kind ("round", "party").
func (a *api) parentOf(k parley.Kind) parentField {
	if k.ParentField == "" {
		return parentField{}
	}
	f, _ := k.Field(k.ParentField)
	if pk, ok := a.reg.Kind(f.Ref); ok && f.Type == parley.Ref {
		return parentField{field: k.ParentField, alias: strings.ReplaceAll(pk.Title, " ", "-")}
	}
	return parentField{field: k.ParentField, alias: "parent-id"}
}

// Cursors are sealed (AES-GCM, with the list's kind and parent as associated
// data) rather than plain sequence numbers: a record's position in the store
// says how many records, of any audience, were committed before it, which a
// caller who may not see them should not learn by subtracting two cursors.
// Sealing also makes a cursor of one list useless for another.

const cursorSecret = "api-cursor"

func (a *api) cursorAEAD(ctx context.Context) (cipher.AEAD, error) {
	if p := a.cursor.Load(); p != nil {
		return *p, nil
	}
	a.cursorMu.Lock()
	defer a.cursorMu.Unlock()
	if p := a.cursor.Load(); p != nil {
		return *p, nil
	}
	key, err := a.svc.Secret(ctx, cursorSecret)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("couldn't make the cursor cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("couldn't make the cursor cipher: %w", err)
	}
	a.cursor.Store(&aead)
	return aead, nil
}
