package rbac

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// docs is a consumer policy the tests vary.
const docs = `{
  "roles": [
    {"role_id": "stytch_user", "description": "everyone", "permissions": [{"resource_id": "documents", "actions": ["read"]}]},
    {"role_id": "editor", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read", "write"]}]},
    {"role_id": "admin", "description": "", "permissions": [{"resource_id": "documents", "actions": ["*"]}, {"resource_id": "images", "actions": ["delete"]}]}
  ],
  "resources": [
    {"resource_id": "documents", "description": "", "actions": ["read", "write", "delete"]},
    {"resource_id": "images", "description": "", "actions": ["view", "delete"]}
  ],
  "scopes": [
    {"scope": "read:docs", "description": "Read your documents", "permissions": [{"resource_id": "documents", "actions": ["read"]}]},
    {"scope": "manage:docs", "description": "Manage your documents", "permissions": [{"resource_id": "documents", "actions": ["*"]}]}
  ]
}`

func mustParse(t *testing.T, doc, vertical string) *Compiled {
	t.Helper()
	p, err := Parse([]byte(doc), vertical)
	if err != nil {
		t.Fatal(err)
	}
	return Compile(p)
}

func TestAuthorize(t *testing.T) {
	c := mustParse(t, docs, Consumer)
	for _, tc := range []struct {
		name             string
		roles            []string
		resource, action string
		granting         []string
		err              error
	}{
		{"default role", []string{"stytch_user"}, "documents", "read", []string{"stytch_user"}, nil},
		{"every granting role, in order", []string{"stytch_user", "editor", "admin"}, "documents", "read", []string{"stytch_user", "editor", "admin"}, nil},
		{"wildcard", []string{"stytch_user", "admin"}, "documents", "delete", []string{"admin"}, nil},
		{"wildcard is per resource", []string{"admin"}, "images", "view", nil, ErrDenied},
		{"denied", []string{"stytch_user", "editor"}, "documents", "delete", nil, ErrDenied},
		{"no roles", nil, "documents", "read", nil, ErrDenied},
		{"undeclared role grants nothing", []string{"ghost"}, "documents", "read", nil, ErrDenied},
		{"unknown resource", []string{"admin"}, "videos", "read", nil, ErrUnknownResource},
		{"unknown action", []string{"admin"}, "documents", "share", nil, ErrUnknownAction},
		{"the wildcard is not an action to ask for", []string{"admin"}, "documents", "*", nil, ErrUnknownAction},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Authorize(tc.roles, tc.resource, tc.action)
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.granting) {
				t.Fatalf("Authorize = %v, %v; want %v, %v", got, err, tc.granting, tc.err)
			}
		})
	}
}

func TestAuthorizeScopes(t *testing.T) {
	c := mustParse(t, docs, Consumer)
	for _, tc := range []struct {
		scopes           []string
		resource, action string
		err              error
	}{
		{[]string{"openid", "read:docs"}, "documents", "read", nil},
		{[]string{"read:docs"}, "documents", "write", ErrDenied},
		{[]string{"manage:docs"}, "documents", "delete", nil},
		{[]string{"openid", "email"}, "documents", "read", ErrDenied},
		{[]string{"manage:docs"}, "images", "delete", ErrDenied},
		{[]string{"manage:docs"}, "nope", "read", ErrUnknownResource},
	} {
		if err := c.AuthorizeScopes(tc.scopes, tc.resource, tc.action); !errors.Is(err, tc.err) {
			t.Errorf("AuthorizeScopes(%v, %s, %s) = %v, want %v", tc.scopes, tc.resource, tc.action, err, tc.err)
		}
	}
}

func TestGrantable(t *testing.T) {
	c := mustParse(t, docs, Consumer)
	for _, tc := range []struct {
		roles []string
		scope string
		want  bool
	}{
		{[]string{"stytch_user"}, "read:docs", true},
		{[]string{"stytch_user"}, "manage:docs", false},
		{[]string{"stytch_user", "editor"}, "manage:docs", false}, // delete is missing
		{[]string{"admin"}, "manage:docs", true},
		{nil, "read:docs", false},
		{nil, "openid", true}, // not the policy's scope
	} {
		if got := c.Grantable(tc.roles, tc.scope); got != tc.want {
			t.Errorf("Grantable(%v, %s) = %v, want %v", tc.roles, tc.scope, got, tc.want)
		}
	}
	if !c.IsScope("read:docs") || c.IsScope("openid") || c.ScopeDescription("read:docs") != "Read your documents" {
		t.Error("IsScope/ScopeDescription disagree with the policy")
	}
}

// edit returns docs with fn applied to its decoded form.
func edit(t *testing.T, fn func(p map[string]any)) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(docs), &p); err != nil {
		t.Fatal(err)
	}
	fn(p)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func role(p map[string]any, i int) map[string]any { return p["roles"].([]any)[i].(map[string]any) }

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, doc, field string
	}{
		{"not JSON", `{"roles":`, "policy"},
		{"unknown field", `{"roles":[],"resources":[],"scopes":[],"extra":1}`, "policy"},
		{"trailing data", docs + `{}`, "policy"},
		{"missing lists", `{"roles":[{"role_id":"stytch_user","description":"","permissions":[]}]}`, "policy"},
		{"default role removed", `{"roles":[],"resources":[],"scopes":[]}`, "roles"},
		{"duplicate role", edit(t, func(p map[string]any) { role(p, 1)["role_id"] = "admin" }), "roles[2].role_id"},
		{"unknown resource in a role", edit(t, func(p map[string]any) {
			role(p, 1)["permissions"] = []any{map[string]any{"resource_id": "videos", "actions": []any{"read"}}}
		}), "roles[1].permissions[0].resource_id"},
		{"unknown action in a role", edit(t, func(p map[string]any) {
			role(p, 1)["permissions"] = []any{map[string]any{"resource_id": "documents", "actions": []any{"share"}}}
		}), "roles[1].permissions[0].actions"},
		{"no actions", edit(t, func(p map[string]any) {
			role(p, 1)["permissions"] = []any{map[string]any{"resource_id": "documents", "actions": []any{}}}
		}), "roles[1].permissions[0].actions"},
		{"null permissions", edit(t, func(p map[string]any) { role(p, 1)["permissions"] = nil }), "roles[1].permissions"},
		{"duplicate resource", edit(t, func(p map[string]any) {
			p["resources"] = append(p["resources"].([]any), map[string]any{"resource_id": "images", "description": "", "actions": []any{"x"}})
		}), "resources[2].resource_id"},
		{"wildcard declared by a resource", edit(t, func(p map[string]any) {
			p["resources"].([]any)[1].(map[string]any)["actions"] = []any{"*"}
		}), "resources[1].actions"},
		{"reserved prefix", edit(t, func(p map[string]any) {
			p["resources"].([]any)[1].(map[string]any)["resource_id"] = "stytch.images"
		}), "resources[1].resource_id"},
		{"duplicate scope", edit(t, func(p map[string]any) {
			p["scopes"].([]any)[1].(map[string]any)["scope"] = "read:docs"
		}), "scopes[1].scope"},
		{"scope with a quote", edit(t, func(p map[string]any) {
			p["scopes"].([]any)[1].(map[string]any)["scope"] = `a"b`
		}), "scopes[1].scope"},
		{"space in an ID", edit(t, func(p map[string]any) { role(p, 1)["role_id"] = "an editor" }), "roles[1].role_id"},
		{"too long", edit(t, func(p map[string]any) { role(p, 1)["role_id"] = strings.Repeat("r", MaxID+1) }), "roles[1].role_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), Consumer)
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Field != tc.field {
				t.Fatalf("Parse = %v, want an InvalidError on %s", err, tc.field)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	for _, v := range []string{Consumer, B2B} {
		d := Default(v)
		if err := d.Validate(v); err != nil {
			t.Fatalf("%s default: %v", v, err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(b, v); err != nil {
			t.Fatalf("%s default does not round-trip: %v", v, err)
		}
	}
	// A B2B policy keeps both default roles; a consumer policy may not
	// declare stytch.* resources.
	if err := Default(Consumer).Validate(B2B); err == nil {
		t.Error("a consumer policy passes as B2B without stytch_admin and stytch_member")
	}
	b2b, _ := json.Marshal(Default(B2B))
	if _, err := Parse(b2b, Consumer); err == nil {
		t.Error("a consumer policy may declare stytch.* resources")
	}
	c := Compile(Default(B2B))
	if _, err := c.Authorize([]string{MemberRole}, "stytch.member", "delete"); !errors.Is(err, ErrDenied) {
		t.Errorf("stytch_member deletes members: %v", err)
	}
	if _, err := c.Authorize([]string{MemberRole, AdminRole}, "stytch.member", "delete"); err != nil {
		t.Errorf("stytch_admin cannot delete members: %v", err)
	}
}

// FuzzParse: no document makes Parse panic, and whatever it accepts
// compiles, re-encodes to a document it accepts again, and answers checks
// without panicking.
func FuzzParse(f *testing.F) {
	f.Add([]byte(docs), false)
	b2b, _ := json.Marshal(Default(B2B))
	f.Add(b2b, true)
	f.Add([]byte(`{"roles":[],"resources":[],"scopes":[]}`), false)
	f.Fuzz(func(t *testing.T, doc []byte, isB2B bool) {
		v := Consumer
		if isB2B {
			v = B2B
		}
		p, err := Parse(doc, v)
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Parse error %v is not an InvalidError", err)
			}
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again, v); err != nil {
			t.Fatalf("accepted policy does not re-parse: %v", err)
		}
		c := Compile(p)
		for _, r := range p.Resources {
			for _, a := range r.Actions {
				for _, role := range p.Roles {
					_, _ = c.Authorize([]string{role.RoleID}, r.ResourceID, a)
				}
			}
		}
	})
}
