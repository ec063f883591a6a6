// Package monitorapi is the monitoring's own API operations: an article
// read into candidate incident reports, and each candidate filed as a
// report or rejected.
package monitorapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/monitor/osint"
	monitorweb "github.com/parley-project/parley/monitor/web"
)

// Filed is what a write of these operations answers: the record it
// committed.
type Filed struct {
	ID       string `json:"id"`
	RecordID string `json:"record_id"`
}

// Reason is a candidate's rejection.
type Reason struct {
	Reason string `json:"reason"`
}

// Endpoints are the monitoring's own API operations on svc.
func Endpoints(svc *app.Service) []httpapi.Endpoint {
	return []httpapi.Endpoint{
		{Method: "POST", Path: "/monitoring/extract", Op: "extractArticle", Tag: "monitor",
			Summary: "Read an article into candidate incident reports, committing nothing (a monitor)",
			Description: "The body is an article: {outlet, url, published (YYYY-MM-DD), body (plain text or HTML), html}. The answer holds " +
				"the text as read, its SHA-256, the candidate incidents (weapon classes and stated counts, places resolved against the " +
				"gazetteer with ambiguous names flagged, when, killed and wounded as stated, the official who said so, each with its " +
				"sentences) and the statements of officials. A figure the article does not state is absent.",
			Status: http.StatusOK, Errors: []int{400, 401, 403, 413, 422}, Response: osint.Result{},
			// Reading an article costs time: only those who may file one
			// ask for it.
			Serve: signedIn(func(r *http.Request, caller *access.Principal) (any, error) {
				if err := svc.Authorized(*caller, monitor.KindArticle, ""); err != nil {
					return nil, err
				}
				in, err := readArticle(r)
				if err != nil {
					return nil, err
				}
				return monitorweb.Extract(in)
			})},
		{Method: "POST", Path: "/monitoring/articles", Op: "fileArticle", Tag: "monitor",
			Summary: "Keep an article as evidence and commit its record",
			Description: "The body is as extractArticle's. The article is kept as a file, by its SHA-256, and its record " +
				"(monitor.article) commits that hash: every report filed from its candidates cites it as evidence.",
			Status: http.StatusCreated, Errors: []int{400, 401, 403, 413, 422}, Response: Filed{},
			Serve: signedIn(func(r *http.Request, caller *access.Principal) (any, error) {
				in, err := readArticle(r)
				if err != nil {
					return nil, err
				}
				w, err := monitorweb.FileArticle(r.Context(), svc, *caller, in)
				if err != nil {
					return nil, err
				}
				return Filed{ID: w.Entity.ID, RecordID: w.Entity.RecordID}, nil
			})},
		{Method: "GET", Path: "/monitoring/articles/{id}/candidates", Op: "reviewArticle", Tag: "monitor",
			Summary: "An article's candidates, and what became of each",
			Description: "Reads the article's file again and answers its candidates, each with the report it proposes, and the id of " +
				"the report filed from it or the reason it was rejected.",
			Status: http.StatusOK, Errors: []int{404}, Response: monitorweb.Review{},
			Serve: func(r *http.Request, caller *access.Principal) (any, error) {
				return monitorweb.ReviewOf(r.Context(), svc, caller, r.PathValue("id"))
			}},
		{Method: "POST", Path: "/monitoring/articles/{id}/candidates/{n}/accept", Op: "acceptCandidate", Tag: "monitor",
			Summary: "File a candidate as an incident report",
			Description: "The body is the report as the monitor corrected the proposal (monitor.report's fields). Its source type, " +
				"source reference and evidence are the article's, whatever the body says: a candidate is filed once.",
			Status: http.StatusCreated, Errors: []int{400, 401, 403, 404, 409, 422}, Response: Filed{},
			Serve: signedIn(func(r *http.Request, caller *access.Principal) (any, error) {
				n, err := strconv.Atoi(r.PathValue("n"))
				if err != nil {
					return nil, &app.Error{Code: app.CodeNotFound, Message: "no such candidate"}
				}
				var rep monitor.Report
				if err := readJSON(r, &rep); err != nil {
					return nil, err
				}
				w, err := monitorweb.Accept(r.Context(), svc, *caller, r.PathValue("id"), n, rep)
				if err != nil {
					return nil, err
				}
				return Filed{ID: w.Entity.ID, RecordID: w.Entity.RecordID}, nil
			})},
		{Method: "POST", Path: "/monitoring/articles/{id}/candidates/{n}/reject", Op: "rejectCandidate", Tag: "monitor",
			Summary:     "Reject a candidate, with the reason",
			Description: "Records on the article that the candidate is not filed, and why.",
			Status:      http.StatusOK, Errors: []int{400, 401, 403, 404, 409, 422}, Response: Filed{},
			Serve: signedIn(func(r *http.Request, caller *access.Principal) (any, error) {
				n, err := strconv.Atoi(r.PathValue("n"))
				if err != nil {
					return nil, &app.Error{Code: app.CodeNotFound, Message: "no such candidate"}
				}
				var why Reason
				if err := readJSON(r, &why); err != nil {
					return nil, err
				}
				w, err := monitorweb.Reject(r.Context(), svc, *caller, r.PathValue("id"), n, why.Reason)
				if err != nil {
					return nil, err
				}
				return Filed{ID: w.Entity.ID, RecordID: w.Entity.RecordID}, nil
			})},
	}
}

func signedIn(f func(*http.Request, *access.Principal) (any, error)) func(*http.Request, *access.Principal) (any, error) {
	return func(r *http.Request, caller *access.Principal) (any, error) {
		if caller == nil {
			return nil, &app.Error{Code: app.CodeUnauthenticated, Message: `sign in: send "Authorization: Bearer TOKEN"`}
		}
		return f(r, caller)
	}
}

func readArticle(r *http.Request) (monitorweb.ArticleInput, error) {
	var in monitorweb.ArticleInput
	err := readJSON(r, &in)
	return in, err
}

// readJSON reads a body of at most an article's size and some.
func readJSON(r *http.Request, v any) error {
	const max = monitorweb.MaxArticle + 64<<10
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return &app.Error{Code: app.CodeBadRequest, Message: "the request body could not be read"}
	}
	if len(b) > max {
		return &app.Error{Code: app.CodeTooLarge, Message: fmt.Sprintf("the request body is over the limit of %d bytes", max)}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &app.Error{Code: app.CodeBadRequest, Message: "the body is not the JSON expected: " + err.Error()}
	}
	return nil
}
