package server

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
)

// schemaValidator checks JSON against the schemas of docs/openapi.json,
// for the tests: the JSON Schema subset the description uses ($ref,
// allOf, oneOf, type, enum, required, properties, additionalProperties,
// items, maxItems), and stricter than JSON Schema in one way: an object
// schema that lists its properties (and allows no others) must list every
// property the wire has, so a field added to the wire and not to the
// description fails. Formats and string lengths are not checked.
type schemaValidator struct {
	doc openAPIDoc
	ops map[string]openAPIOperation
}

func newSchemaValidator(t *testing.T, doc openAPIDoc) *schemaValidator {
	t.Helper()
	return &schemaValidator{doc: doc, ops: doc.operations()}
}

// response checks body against the schema the description gives op's
// response with status.
func (v *schemaValidator) response(t *testing.T, op, status string, body []byte) {
	t.Helper()
	o, ok := v.ops[op]
	if !ok {
		t.Fatalf("docs/openapi.json has no %s", op)
	}
	r, ok := o.Responses[status]
	if !ok {
		r, ok = o.Responses["default"]
	}
	if !ok {
		t.Fatalf("%s has no response %s", op, status)
	}
	schema := r.Content["application/json"].Schema
	if ref := r.Ref; ref != "" {
		schema = v.doc.Components.Responses[strings.TrimPrefix(ref, "#/components/responses/")].Content["application/json"].Schema
	}
	if schema == nil {
		t.Fatalf("%s %s: no application/json schema", op, status)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", op, status, err)
	}
	for _, e := range v.check(schema, value, "$", true) {
		t.Errorf("%s %s: %s", op, status, e)
	}
}

// request checks a request body that succeeded against op's request
// schema: the description names every field the call sent.
func (v *schemaValidator) request(t *testing.T, op string, body []byte) {
	t.Helper()
	schema := v.ops[op].RequestBody.Content["application/json"].Schema
	if schema == nil {
		t.Errorf("%s: the call sent a body, and the description has none", op)
		return
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		t.Fatal(err)
	}
	for _, e := range v.check(schema, value, "$", true) {
		t.Errorf("%s request: %s", op, e)
	}
}

func (v *schemaValidator) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, found := strings.CutPrefix(ref, "#/components/schemas/")
		r := v.doc.Components.Schemas[name]
		if !found || r == nil {
			panic("unresolved $ref " + ref)
		}
		s = r
	}
}

// check returns what is wrong with value at path. strict asks for the
// undeclared-property check at this level (off for allOf's branches,
// which see only part of the object).
func (v *schemaValidator) check(schema map[string]any, value any, path string, strict bool) []string {
	s := v.resolve(schema)
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, b := range all {
			errs = append(errs, v.check(b.(map[string]any), value, path, false)...)
		}
		if obj, ok := value.(map[string]any); ok && strict {
			errs = append(errs, v.undeclared(s, obj, path)...)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		var firstErrs []string
		matched := false
		for i, b := range one {
			e := v.check(b.(map[string]any), value, path, strict)
			if len(e) == 0 {
				matched = true
				break
			}
			if i == 0 {
				firstErrs = e
			}
		}
		if !matched {
			errs = append(errs, fmt.Sprintf("%s matches no oneOf branch (first: %v)", path, firstErrs))
		}
	}
	if t, ok := s["type"]; ok && !typeMatches(t, value) {
		return append(errs, fmt.Sprintf("%s is %s, want type %v", path, jsonType(value), t))
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, value) {
		errs = append(errs, fmt.Sprintf("%s = %v is not one of %v", path, value, enum))
	}
	switch val := value.(type) {
	case map[string]any:
		for _, r := range anyStrings(s["required"]) {
			if _, ok := val[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s lacks required %s", path, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		for _, k := range sortedKeys(val) {
			if p, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.check(p, val[k], path+"."+k, true)...)
			} else if extra != nil {
				errs = append(errs, v.check(extra, val[k], path+"."+k, true)...)
			}
		}
		if strict && s["allOf"] == nil {
			errs = append(errs, v.undeclared(s, val, path)...)
		}
	case []any:
		if max, ok := s["maxItems"].(float64); ok && float64(len(val)) > max {
			errs = append(errs, fmt.Sprintf("%s has %d items, at most %v allowed", path, len(val), max))
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range val {
				errs = append(errs, v.check(items, item, fmt.Sprintf("%s[%d]", path, i), true)...)
			}
		}
	}
	return errs
}

// undeclared reports the properties of obj that s does not declare, when
// s declares its properties and allows no others.
func (v *schemaValidator) undeclared(s map[string]any, obj map[string]any, path string) []string {
	declared, open := v.declared(s)
	if open {
		return nil
	}
	var errs []string
	for _, k := range sortedKeys(obj) {
		if !declared[k] {
			errs = append(errs, fmt.Sprintf("%s.%s is on the wire but not in the description", path, k))
		}
	}
	return errs
}

// declared is the set of properties s names (through allOf), and whether
// it allows others: additionalProperties, or an object schema that names
// none (a free-form object).
func (v *schemaValidator) declared(schema map[string]any) (map[string]bool, bool) {
	s := v.resolve(schema)
	set := map[string]bool{}
	if ap, ok := s["additionalProperties"]; ok && ap != false {
		return set, true
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, b := range all {
			bs := v.resolve(b.(map[string]any))
			if ap, ok := bs["additionalProperties"]; ok && ap != false {
				return set, true
			}
			sub, _ := v.declared(bs)
			for k := range sub {
				set[k] = true
			}
		}
		return set, false
	}
	props, ok := s["properties"].(map[string]any)
	if !ok {
		return set, true
	}
	for k := range props {
		set[k] = true
	}
	return set, false
}

func typeMatches(t any, value any) bool {
	switch t := t.(type) {
	case string:
		return typeIs(t, value)
	case []any:
		for _, one := range t {
			if s, ok := one.(string); ok && typeIs(s, value) {
				return true
			}
		}
	}
	return false
}

func typeIs(t string, value any) bool {
	switch t {
	case "integer":
		f, ok := value.(float64)
		return ok && f == math.Trunc(f)
	case "number":
		_, ok := value.(float64)
		return ok
	}
	return jsonType(value) == t
}

func jsonType(value any) string {
	switch value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", value)
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, s := range l {
		out = append(out, s.(string))
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
