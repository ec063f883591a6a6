package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/talks"
)

// routed reports whether the handler's router, rather than a route's own
// handler, answered r: its 405, or its 404 for an unknown endpoint (an
// unknown id is the app's 404, whose message names the kind).
func routed(r response) bool {
	var e errorBody
	json.Unmarshal(r.body, &e)
	return r.status == http.StatusMethodNotAllowed ||
		(r.status == http.StatusNotFound && strings.HasPrefix(e.Error.Message, "no such endpoint"))
}

// TestOpenAPIMatchesRoutes checks that the document describes exactly what
// the handler serves: every documented operation is served, and every
// method on every path the API could plausibly have is served only if it is
// documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "", "GET", Prefix+"/openapi.json", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET openapi.json: %d %s", r.status, r.header)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi is %q, want 3.0.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			// OpenAPI allows a parameter name once per location.
			var op struct {
				Parameters []struct{ Name, In string } `json:"parameters"`
			}
			json.Unmarshal(raw, &op)
			seen := map[string]bool{}
			for _, p := range op.Parameters {
				if seen[p.In+" "+p.Name] {
					t.Errorf("%s %s lists %s parameter %q twice", method, path, p.In, p.Name)
				}
				seen[p.In+" "+p.Name] = true
			}
		}
	}

	// The paths an API over scenario.Registry().Kinds() could have, derived from the
	// domain rather than from the route table, and a few it should not.
	paths := []string{Prefix + "/me", Prefix + "/files", Prefix + "/openapi.json", Prefix, Prefix + "/", "/api/v2/rounds",
		Prefix + "/records", Prefix + "/records/{id}", Prefix + "/records/{id}/proof", Prefix + "/records/{id}/history"}
	for _, k := range scenario.Registry().Kinds() {
		paths = append(paths, Prefix+"/"+k.Collection, Prefix+"/"+k.Collection+"/{id}", Prefix+"/"+k.Collection+"/{id}/history",
			Prefix+"/"+k.Collection+"/{id}/versions", Prefix+"/"+k.Collection+"/{id}/excerpt-proof",
			Prefix+"/"+k.Collection+"/{id}/diff",
			Prefix+"/to-sign/"+k.Collection, Prefix+"/batch/"+k.Collection, Prefix+"/"+k.Collection+"/{id}/files/{sha256}")
	}
	served := 0
	for _, path := range paths {
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			// Anonymous, so that nothing is written: a write is
			// answered 401 by its handler, which is not the router.
			resp := f.do(t, "", method, strings.NewReplacer("{id}", record.NewID(), "{sha256}", strings.Repeat("ab", 32)).Replace(path), []byte(`{}`))
			isServed := !routed(resp)
			if isServed != documented[method+" "+path] {
				t.Errorf("%s %s: served %t (%d %s), documented %t", method, path, isServed, resp.status, resp.body, documented[method+" "+path])
			}
			if isServed {
				served++
				if resp.status >= 500 {
					t.Errorf("%s %s: %d %s", method, path, resp.status, resp.body)
				}
			}
		}
	}
	if served != len(documented) {
		t.Errorf("%d operations served, %d documented", served, len(documented))
	}
}

// TestOpenAPIDocument checks the document's own consistency: every $ref
// resolves, the domain's enums and formats are there, and the scenario's
// actual answers fit the schemas' properties and required fields.
func TestOpenAPIDocument(t *testing.T) {
	f := newFixture(t)
	f.everyKind(t)
	var doc map[string]any
	if err := json.Unmarshal(f.do(t, "", "GET", Prefix+"/openapi.json", nil).body, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)

	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if schemas[name] == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)

	prop := func(schema, name string) map[string]any {
		s, _ := schemas[schema].(map[string]any)
		props, _ := s["properties"].(map[string]any)
		p, _ := props[name].(map[string]any)
		if p == nil {
			t.Fatalf("schema %s has no property %s", schema, name)
		}
		return p
	}
	enum := func(schema, name string, want any) {
		t.Helper()
		p := prop(schema, name)
		if it, ok := p["items"].(map[string]any); ok {
			p = it
		}
		if fmt.Sprint(p["enum"]) != fmt.Sprint(want) {
			t.Errorf("%s.%s: enum %v, want %v", schema, name, p["enum"], want)
		}
	}
	enum("Session", "format", talks.Formats)
	enum("Round", "status", talks.RoundStatuses)
	enum("Aspect", "status", talks.AspectStatuses)
	enum("ActionItem", "status", talks.ActionStatuses)
	enum("Party", "role", []string{"mediator", "party", "observer"})
	enum("Me", "roles", []string{"mediator", "negotiator", "capital-approver", "monitor", "reviewer", "observer", "admin"})
	members := prop("Delegation", "members")["items"].(map[string]any)["properties"].(map[string]any)
	if fmt.Sprint(members["role"].(map[string]any)["enum"]) != fmt.Sprint(talks.DelegationRoles) {
		t.Errorf("Delegation.members[].role: %v", members["role"])
	}
	for _, c := range []struct{ schema, name, format string }{
		{"Round", "starts_on", "date"}, {"Session", "starts_at", "date-time"}, {"Session", "ends_at", "date-time"},
		{"ActionItem", "due", "date"}, {"RoundItem", "created", "date-time"},
	} {
		if got := prop(c.schema, c.name)["format"]; got != c.format {
			t.Errorf("%s.%s: format %v, want %s", c.schema, c.name, got, c.format)
		}
	}
	if req := fmt.Sprint(schemas["Session"].(map[string]any)["required"]); strings.Contains(req, "ends_at") || !strings.Contains(req, "starts_at") {
		t.Errorf("Session requires %s; want starts_at and not ends_at, which an open session omits", req)
	}
	if prop("Statement", "source")["type"] != "object" {
		t.Error("Statement.source is not an object")
	}
	if prop("RoundInput", "audience")["$ref"] == nil || schemas["RoundInput"].(map[string]any)["additionalProperties"] != false {
		t.Error("RoundInput does not take an audience, or takes unknown fields")
	}

	// Every answer of the scenario fits its schema's properties.
	fits := func(what string, obj map[string]any, schema string) {
		t.Helper()
		schemaFits(t, schemas, what, obj, schema)
	}
	for _, k := range scenario.Registry().Kinds() {
		name := typeName(k)
		var p struct {
			Items []map[string]any `json:"items"`
		}
		json.Unmarshal(f.do(t, "us-mediator", "GET", Prefix+"/"+k.Collection+"?limit=500", nil).body, &p)
		if len(p.Items) == 0 {
			t.Errorf("no %s to check", k.Collection)
		}
		for _, it := range p.Items {
			fits(k.Collection, it, name+"Item")
			fits(k.Collection+" data", it["data"].(map[string]any), name)
		}
	}
	fits("me", decode[map[string]any](t, f.do(t, "us-mediator", "GET", Prefix+"/me", nil)), "Me")
	for _, rec := range f.allRecords(t) {
		if r := f.do(t, "us-mediator", "GET", Prefix+"/records/"+rec.ID, nil); r.status == 200 {
			fits("record "+rec.ID, decode[map[string]any](t, r), "Record")
		}
	}
	fits("no proof without a log", decode[map[string]any](t, f.do(t, "", "GET", Prefix+"/records/"+f.truth(t)[talks.KindParty][0].RecordID+"/proof", nil)), "Error")
	for _, c := range []struct{ schema, name, typ, format string }{
		{"Record", "canonical", "object", ""}, {"Record", "leaf_index", "integer", "int64"}, {"Record", "at", "string", "date-time"},
		{"Proof", "salt", "string", "byte"}, {"Proof", "canonical", "string", "byte"}, {"Proof", "tree_size", "integer", "int64"},
	} {
		if p := prop(c.schema, c.name); p["type"] != c.typ || (c.format != "" && p["format"] != c.format) {
			t.Errorf("%s.%s: %v, want type %s format %q", c.schema, c.name, p, c.typ, c.format)
		}
	}
	if req := fmt.Sprint(schemas["Record"].(map[string]any)["required"]); strings.Contains(req, "leaf_index") {
		t.Errorf("Record requires leaf_index, which a pending record omits: %s", req)
	}
	fits("error", decode[map[string]any](t, f.do(t, "", "GET", Prefix+"/nothing", nil)), "Error")

	// Every kind's entity schema lists exactly its Go type's JSON fields.
	for _, k := range scenario.Registry().Kinds() {
		var want []string
		for _, fl := range reflect.VisibleFields(reflect.TypeOf(k.New()).Elem()) {
			if n, _ := jsonName(fl); n != "-" && fl.IsExported() {
				want = append(want, n)
			}
		}
		var got []string
		for n := range schemas[typeName(k)].(map[string]any)["properties"].(map[string]any) {
			got = append(got, n)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s: %v, want %v", typeName(k), got, want)
		}
	}
}

// schemaFits checks that obj has only properties of the schema and every
// property the schema requires.
func schemaFits(t *testing.T, schemas map[string]any, what string, obj map[string]any, schema string) {
	t.Helper()
	s := schemas[schema].(map[string]any)
	props := s["properties"].(map[string]any)
	for k := range obj {
		if props[k] == nil {
			t.Errorf("%s: field %q is not in schema %s", what, k, schema)
		}
	}
	req, _ := s["required"].([]any)
	for _, k := range req {
		if _, ok := obj[k.(string)]; !ok {
			t.Errorf("%s: required field %q of schema %s is missing", what, k, schema)
		}
	}
}
