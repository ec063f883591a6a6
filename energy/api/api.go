// Package energyapi is the energy sharing's own API operations: a period
// settled from the records with its trace, a statement committed, and a
// committed statement traced down to its readings.
package energyapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/energy"
	energyweb "github.com/parley-project/parley/energy/web"
	"github.com/parley-project/parley/httpapi"
)

// Issued is what issuing a statement answers: the statement committed,
// and its figures.
type Issued struct {
	ID       string            `json:"id"`
	RecordID string            `json:"record_id"`
	Figures  energy.Settlement `json:"figures"`
}

// Endpoints are the energy sharing's own API operations on svc.
func Endpoints(svc *app.Service) []httpapi.Endpoint {
	period := []httpapi.Param{
		{Name: "from", Description: "The start of the period, RFC 3339, on a quarter hour.", Type: "string"},
		{Name: "until", Description: "Its end, not included; at most 31 days after from.", Type: "string"},
	}
	return []httpapi.Endpoint{
		{Method: "GET", Path: "/plants/{id}/settlement", Op: "settlePlant", Tag: "energy",
			Summary: "Settle a period from the records, with its trace",
			Description: "Computes, from the plant's records as the caller may read them now, what a statement of [from, until) would say: " +
				"each party's entitlement, delivery, cession, receipt and balance, the compensation owed, the flags and the intervals left open, " +
				"and the trace of every settled interval down to the readings (the series and value of each meter). Commits nothing.",
			Query: period, Status: http.StatusOK, Errors: []int{400, 401, 404, 422}, Response: energy.Settlement{},
			Serve: withPeriod(func(r *http.Request, caller *access.Principal, from, until time.Time) (any, error) {
				return energyweb.Settle(r.Context(), svc, caller, r.PathValue("id"), from, until)
			})},
		{Method: "POST", Path: "/plants/{id}/statements", Op: "issueStatement", Tag: "energy",
			Summary: "Commit the statement of a period",
			Description: "Computes the statement of [from, until) from the records and commits it (a mediator): the record every party " +
				"then co-signs (POST /statement-approvals, signed). A period that has a statement already takes a new one only as its " +
				"replacement (replaces: the standing statement's id), after a correction or a dispute's decision, and never while the " +
				"standing one is in dispute.",
			Query:  append(period, httpapi.Param{Name: "replaces", Description: "The standing statement of the period this one replaces.", Type: "string"}),
			Status: http.StatusCreated, Errors: []int{400, 401, 403, 404, 409, 422}, Response: Issued{},
			Serve: withPeriod(func(r *http.Request, caller *access.Principal, from, until time.Time) (any, error) {
				w, err := energyweb.Issue(r.Context(), svc, *caller, r.PathValue("id"), from, until, r.URL.Query().Get("replaces"))
				if err != nil {
					return nil, err
				}
				var s energy.Statement
				json.Unmarshal(w.Entity.Body, &s)
				out := Issued{ID: w.Entity.ID, RecordID: w.Entity.RecordID}
				json.Unmarshal([]byte(s.Figures), &out.Figures)
				return out, nil
			})},
		{Method: "GET", Path: "/settlement-statements/{id}/trace", Op: "traceStatement", Tag: "energy",
			Summary: "A committed statement's figures, traced down to the readings",
			Description: "Settles the statement's period again from the records committed before it, and answers the settlement with the " +
				"trace of every interval: the same figures as the statement's (or 409, saying which records changed since).",
			Status: http.StatusOK, Errors: []int{401, 404, 409}, Response: energy.Settlement{},
			Serve: func(r *http.Request, caller *access.Principal) (any, error) {
				if caller == nil {
					return nil, errSignIn
				}
				return energyweb.Trace(r.Context(), svc, caller, r.PathValue("id"))
			}},
	}
}

var errSignIn = &app.Error{Code: app.CodeUnauthenticated, Message: `sign in: send "Authorization: Bearer TOKEN"`}

// withPeriod serves f for a signed-in caller, with the request's period.
func withPeriod(f func(r *http.Request, caller *access.Principal, from, until time.Time) (any, error)) func(*http.Request, *access.Principal) (any, error) {
	return func(r *http.Request, caller *access.Principal) (any, error) {
		if caller == nil {
			return nil, errSignIn
		}
		from, until, err := periodOf(r)
		if err != nil {
			return nil, err
		}
		return f(r, caller, from, until)
	}
}

// periodOf reads the from and until parameters.
func periodOf(r *http.Request) (from, until time.Time, err error) {
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &from}, {"until", &until}} {
		v := r.URL.Query().Get(p.name)
		if v == "" {
			return from, until, &app.Error{Code: app.CodeBadRequest, Field: p.name, Message: "is required: an RFC 3339 time on a quarter hour"}
		}
		if *p.to, err = time.Parse(time.RFC3339, v); err != nil {
			return from, until, &app.Error{Code: app.CodeBadRequest, Field: p.name, Message: fmt.Sprintf("%q is not an RFC 3339 time", v)}
		}
	}
	s := energy.Statement{From: from.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339)}
	if _, _, err := s.Period(); err != nil {
		if fe := (*parley.FieldError)(nil); errors.As(err, &fe) {
			return from, until, &app.Error{Code: app.CodeInvalid, Field: fe.Field, Message: fe.Message}
		}
		return from, until, err
	}
	return from, until, nil
}
