package httpapi

import (
	"net/http"
	"reflect"

	"github.com/parley-project/parley/access"
)

// Endpoint is an operation a domain adds to the API beyond its kinds'
// collections (a settlement computed from the records, a report issued):
// served under Prefix, authenticated, its query checked and its errors
// written as every other operation's, and described in the OpenAPI
// document from this one value.
type Endpoint struct {
	// Method and Path, Path under Prefix in ServeMux syntax:
	// "GET", "/plants/{id}/settlement".
	Method, Path string
	// Op is the OpenAPI operationId; Tag groups it (the domain's name).
	Op, Tag, Summary, Description string
	Query                         []Param
	// Status is the status of a success; Errors the statuses it may
	// answer otherwise.
	Status int
	Errors []int
	// Response is a value of the type Serve answers with, for the
	// document's schema.
	Response any
	// Serve answers for caller (nil: anonymous) with a value to encode as
	// JSON, or an error: an *app.Error for a refusal.
	Serve func(r *http.Request, caller *access.Principal) (any, error)
	// Stream, set instead of Serve, answers with a document of MediaType
	// written as it is read (an export of many records): it sets the
	// headers it needs, and an error it returns before writing anything
	// is answered as Serve's are.
	Stream    func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error
	MediaType string
}

// Param is a query parameter of an Endpoint.
type Param struct {
	Name, Description string
	// Type is the OpenAPI type: "string" or "integer".
	Type string
}

// routes makes the endpoints' routes.
func (a *api) endpointRoutes() []route {
	var rs []route
	for _, e := range a.endpoints {
		var query []param
		for _, p := range e.Query {
			query = append(query, param{p.Name, p.Description, p.Type})
		}
		rs = append(rs, route{method: e.Method, path: Prefix + e.Path, op: e.Op, summary: e.Summary, desc: e.Description, tag: e.Tag,
			query: query, status: e.Status, resp: schemaName(e.Response), errs: e.Errors, mediaType: e.MediaType,
			handle: func(w http.ResponseWriter, r *http.Request, caller *access.Principal) error {
				if e.Stream != nil {
					return e.Stream(w, r, caller)
				}
				v, err := e.Serve(r, caller)
				if err != nil {
					return err
				}
				writeJSON(w, e.Status, v)
				return nil
			}})
	}
	return rs
}

// schemaName is the document's name for the type of v.
func schemaName(v any) string {
	if v == nil {
		return ""
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
