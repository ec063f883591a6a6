package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
)

// OpenAPIVersion is the OpenAPI version of the document the API serves.
const OpenAPIVersion = "3.0.3"

// obj is a JSON object of the document under construction.
type obj = map[string]any

// openAPI builds the document from the route table, with the schemas of the
// bodies reflected from the very types the API encodes and decodes.
func (a *api) openAPI() obj {
	schemas := obj{
		"Error":        schemaOf(reflect.TypeFor[errorBody](), true),
		"Audience":     schemaOf(reflect.TypeFor[record.Audience](), true),
		"Receipt":      schemaOf(reflect.TypeFor[app.Receipt](), true),
		"Me":           schemaOf(reflect.TypeFor[me](), true),
		"Proof":        schemaOf(reflect.TypeFor[proof.Proof](), true),
		"Statement":    schemaOf(reflect.TypeFor[statementBody](), true),
		"Versions":     schemaOf(reflect.TypeFor[versionsBody](), true),
		"Comparison":   schemaOf(reflect.TypeFor[comparison](), true),
		"BatchResults": schemaOf(reflect.TypeFor[batchBody](), true),
		"File":         schemaOf(reflect.TypeFor[fileBody](), true),
	}
	for _, e := range a.endpoints {
		if e.Response != nil {
			schemas[schemaName(e.Response)] = schemaOf(reflect.TypeOf(e.Response), true)
		}
	}
	rec := schemaOf(reflect.TypeFor[storedRecord](), true)
	rec["properties"].(obj)["audience"] = ref("Audience")
	rec["properties"].(obj)["canonical"] = obj{"type": "object",
		"description": "The record's canonical JSON (RFC 8785) as committed: the envelope (v, id, kind, subject, at, author, audience, refs) and the entity's body."}
	rec["properties"].(obj)["leaf_index"].(obj)["description"] = "Position in the transparency log; omitted while the record is not yet in the log."
	schemas["Record"] = rec
	for _, k := range a.reg.Kinds() {
		name := typeName(k)
		schemas[name] = kindSchema(a.reg, k.Fields, true)

		// A write takes the entity's fields and an optional audience. No
		// field is marked required: what is required depends on other
		// fields, and the server answers 422 naming the field.
		in := kindSchema(a.reg, k.Fields, false)
		in["properties"].(obj)["audience"] = ref("Audience")
		in["additionalProperties"] = false
		in["description"] = fmt.Sprintf("A %s to commit, with an optional audience (default: %s).", k.Title, access.Describe(k.DefaultAudience))
		if k.Signed {
			in["properties"].(obj)["statement"] = obj{"type": "string",
				"description": "The statement its author signed, as POST " + Prefix + "/to-sign/" + k.Collection + " gave it. Required."}
			in["properties"].(obj)["signature"] = obj{"type": "string",
				"description": "The author's note signature line over the statement: \"— <key name> <base64>\". Required."}
			in["description"] = fmt.Sprintf("A %s to commit, signed by its author: its fields, the statement and the signature (parley sign writes all three), with an optional audience (default: %s).", k.Title, access.Describe(k.DefaultAudience))
		}
		schemas[name+"Input"] = in
		schemas[name+"Batch"] = obj{"type": "array", "items": ref(name + "Input"), "minItems": 1, "maxItems": MaxBatch}

		it := schemaOf(reflect.TypeFor[item](), true)
		it["properties"].(obj)["audience"] = ref("Audience")
		it["properties"].(obj)["data"] = ref(name)
		schemas[name+"Item"] = it
		schemas[name+"Page"] = obj{"type": "object", "required": []string{"items"}, "properties": obj{
			"items": obj{"type": "array", "items": ref(name + "Item")},
			"next":  obj{"type": "string", "description": "Cursor of the next page; omitted on the last page."},
		}}
		schemas[name+"Written"] = obj{"type": "object", "required": []string{"receipt", "item"}, "properties": obj{
			"receipt": ref("Receipt"), "item": ref(name + "Item"),
		}}
	}

	// Tags in the domain's order, which a bare map of paths would lose.
	var tags []obj
	for _, k := range a.reg.Kinds() {
		tags = append(tags, obj{"name": k.Collection, "description": fmt.Sprintf("%s records (%s)", capital(k.Title), k.Name)})
	}
	tags = append(tags,
		obj{"name": "records", "description": "Committed records as stored, and their proofs of inclusion in the transparency log"},
		obj{"name": "api", "description": "The API itself"})

	paths := obj{}
	for _, rt := range a.routes {
		op := obj{"operationId": rt.op, "summary": rt.summary, "tags": []string{rt.tag}}
		if rt.desc != "" {
			op["description"] = rt.desc
		}
		var params []obj
		for _, name := range []string{"id", "sha256"} {
			if strings.Contains(rt.path, "{"+name+"}") {
				params = append(params, obj{"name": name, "in": "path", "required": true, "schema": obj{"type": "string"}})
			}
		}
		for _, p := range rt.query {
			s := obj{"type": p.typ}
			if p.name == "limit" {
				s["minimum"], s["maximum"], s["default"] = 1, app.MaxPage, DefaultLimit
			}
			params = append(params, obj{"name": p.name, "in": "query", "description": p.desc, "schema": s})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.body != "" {
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(rt.body)}}}
		}
		ok := obj{"description": http.StatusText(rt.status)}
		if rt.mediaType != "" {
			ok["content"] = obj{rt.mediaType: obj{"schema": obj{"type": "string"}}}
		} else if rt.resp != "" {
			ok["content"] = obj{"application/json": obj{"schema": ref(rt.resp)}}
		} else {
			ok["content"] = obj{"application/json": obj{"schema": obj{"type": "object"}}}
		}
		responses := obj{fmt.Sprint(rt.status): ok}
		for _, s := range rt.errs {
			responses[fmt.Sprint(s)] = obj{"description": http.StatusText(s),
				"content": obj{"application/json": obj{"schema": ref("Error")}}}
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = obj{}
		}
		paths[rt.path].(obj)[strings.ToLower(rt.method)] = op
	}

	return obj{
		"openapi": OpenAPIVersion,
		"info": obj{
			"title":   "parley API",
			"version": "1",
			"description": "The JSON API of parley, software for a mediated peace process. " +
				"Without an Authorization header the caller is anonymous and sees public records only. " +
				"A record the caller may not see is answered exactly as one that does not exist.",
		},
		"tags":       tags,
		"paths":      paths,
		"components": obj{"schemas": schemas, "securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}}},
		// Anonymous access is allowed, hence the empty requirement.
		"security": []obj{{}, {"bearer": []string{}}},
	}
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// typeName is the schema name of a kind: its title in camel case
// ("ActionItem").
func typeName(k parley.Kind) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(k.Title, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// kindSchema derives a JSON Schema (OpenAPI 3.0 dialect) from a kind's
// declared fields. In output schemas the required fields are required;
// input schemas require nothing.
func kindSchema(reg *parley.Registry, fields []parley.Field, output bool) obj {
	props, required := obj{}, []string{}
	for _, f := range fields {
		props[f.Name] = fieldSchema(reg, f, output)
		if output && f.Required {
			required = append(required, f.Name)
		}
	}
	s := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func fieldSchema(reg *parley.Registry, f parley.Field, output bool) obj {
	var s obj
	switch f.Type {
	case parley.String, parley.Text:
		s = obj{"type": "string", "maxLength": cmp.Or(f.Max, parley.MaxText)}
	case parley.Int:
		s = obj{"type": "integer"}
	case parley.File:
		s = obj{"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "The SHA-256 of a file uploaded with POST " + Prefix + "/files."}
	case parley.Number:
		s = obj{"type": "number"}
	case parley.Bool:
		s = obj{"type": "boolean"}
	case parley.Date:
		s = obj{"type": "string", "format": "date"}
	case parley.Time:
		s = obj{"type": "string", "format": "date-time"}
	case parley.Enum:
		vs := make([]string, len(f.Enum))
		for i, o := range f.Enum {
			vs[i] = o.Value
		}
		s = obj{"type": "string", "enum": vs}
	case parley.Ref:
		target, _ := reg.Kind(f.Ref)
		s = obj{"type": "string", "description": fmt.Sprintf("The id of %s.", parley.Article(target.Title))}
	case parley.List:
		s = obj{"type": "array", "items": fieldSchema(reg, *f.Elem, output)}
		if !f.Required {
			s["nullable"] = true
		}
	case parley.Object:
		s = kindSchema(reg, f.Fields, output)
	default:
		s = obj{}
	}
	if f.Help != "" && s["description"] == nil {
		s["description"] = f.Help
	}
	return s
}

// enums lists the values of the kernel's enumerated types.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[access.ProcessRole](): strs([]access.ProcessRole{access.ProcessMediator, access.ProcessParty, access.ProcessObserver}),
	reflect.TypeFor[access.Role]():        strs(access.Roles),
	reflect.TypeFor[record.Scope]():       strs([]record.Scope{record.Public, record.Parties, record.PartyMediator, record.PartyOnly, record.List}),
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// schemaOf derives a JSON Schema (OpenAPI 3.0 dialect) from a Go type as
// encoding/json encodes it. In output schemas, the fields encoding/json
// always writes (no omitempty) are required; input schemas require nothing.
func schemaOf(t reflect.Type, output bool) obj {
	if vs, ok := enums[t]; ok {
		return obj{"type": "string", "enum": vs}
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return obj{"type": "string", "format": "date-time"}
	case reflect.TypeFor[json.RawMessage]():
		return obj{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem(), output)
		s["nullable"] = true
		return s
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return obj{"type": "integer"}
	case reflect.Int64, reflect.Uint64:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return obj{"type": "string", "format": "byte"}
		}
		return obj{"type": "array", "items": schemaOf(t.Elem(), output)}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": schemaOf(t.Elem(), output)}
	case reflect.Struct:
		props, required := obj{}, []string{}
		addFields(t, output, props, &required)
		s := obj{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return obj{}
}

// addFields adds a struct's JSON fields, flattening embedded structs as
// encoding/json does.
func addFields(t reflect.Type, output bool, props obj, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, omitempty := jsonName(f)
		if name == "-" {
			continue
		}
		if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, output, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		s := schemaOf(f.Type, output)
		// A nil slice or map that is not omitted is written as null.
		if k := f.Type.Kind(); !omitempty && (k == reflect.Slice || k == reflect.Map) && s["format"] == nil {
			s["nullable"] = true
		}
		props[name] = s
		if output && !omitempty {
			*required = append(*required, name)
		}
	}
}

// jsonName returns a field's JSON name ("-" to skip) and whether it is
// omitted when empty.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "-", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(","+opts+",", ",omitempty,")
}
