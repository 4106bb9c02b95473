package authorize

import (
	"errors"
	"slices"
	"testing"

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// testPolicy has documents with three actions, roles holding some of
// them, and scopes standing for them; "email" is also declared as a
// policy scope, so that a scope of Signet's is held to the policy too.
func testPolicy() *rbac.Compiled {
	docs := func(actions ...string) []rbac.Permission {
		return []rbac.Permission{{ResourceID: "documents", Actions: actions}}
	}
	return rbac.Compile(rbac.Policy{
		Resources: []rbac.Resource{{ResourceID: "documents", Actions: []string{"read", "write", "delete"}}},
		Roles: []rbac.Role{
			{RoleID: rbac.UserRole, Permissions: []rbac.Permission{}},
			{RoleID: "reader", Permissions: docs("read")},
			{RoleID: "writer", Permissions: docs("read", "write")},
			{RoleID: "owner", Permissions: docs("*")},
		},
		Scopes: []rbac.Scope{
			{Scope: "read:docs", Description: "Read your documents", Permissions: docs("read")},
			{Scope: "write:docs", Description: "Edit your documents", Permissions: docs("read", "write")},
			{Scope: "admin:docs", Description: "Do anything with your documents", Permissions: docs("*")},
			{Scope: "email", Description: "ignored", Permissions: docs("read")},
		},
	})
}

func TestOfferedScopes(t *testing.T) {
	policy := testPolicy()
	tests := []struct {
		name      string
		requested []string
		policy    *rbac.Compiled
		want      []string
	}{
		{"Signet's first, in their order, then the policy's as asked", []string{"write:docs", "email", "openid", "read:docs"}, policy,
			[]string{"openid", "email", "write:docs", "read:docs"}},
		{"undeclared scopes dropped", []string{"openid", "delete:docs", "admin"}, policy, []string{"openid"}},
		{"no policy: only Signet's", []string{"openid", "read:docs"}, nil, []string{"openid"}},
		{"only policy scopes", []string{"admin:docs"}, policy, []string{"admin:docs"}},
		{"nothing known", []string{"x"}, policy, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := offeredScopes(tt.requested, tt.policy); !slices.Equal(got, tt.want) {
				t.Errorf("offeredScopes(%v) = %v, want %v", tt.requested, got, tt.want)
			}
		})
	}
}

func TestNarrow(t *testing.T) {
	policy := testPolicy()
	all := []string{"openid", "email", "read:docs", "write:docs", "admin:docs"}
	tests := []struct {
		name   string
		roles  []string
		scopes []string
		policy *rbac.Compiled
		want   []string
		err    bool
	}{
		{"no role: every policy scope dropped, email too (declared)", nil, all, policy, []string{"openid"}, false},
		{"reader: read only", []string{"reader"}, all, policy, []string{"openid", "email", "read:docs"}, false},
		{"writer: read and write, not the wildcard", []string{"writer"}, all, policy, []string{"openid", "email", "read:docs", "write:docs"}, false},
		{"owner: all", []string{"owner"}, all, policy, all, false},
		{"reader and writer together: still no admin", []string{"reader", "writer"}, all, policy, []string{"openid", "email", "read:docs", "write:docs"}, false},
		{"a role the policy does not declare grants nothing", []string{"ghost"}, []string{"read:docs", "openid"}, policy, []string{"openid"}, false},
		{"nothing left: invalid_scope", nil, []string{"admin:docs"}, policy, nil, true},
		{"no policy: untouched", nil, []string{"openid", "read:docs"}, nil, []string{"openid", "read:docs"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &authzRequest{Scopes: slices.Clone(tt.scopes), policy: tt.policy}
			err := req.narrow(store.User{Roles: tt.roles})
			var oe *oidc.Error
			if tt.err != (err != nil) || (err != nil && (!errors.As(err, &oe) || oe.Code != oidc.InvalidScope)) {
				t.Fatalf("narrow = %v, want error %v (invalid_scope)", err, tt.err)
			}
			if !tt.err && !slices.Equal(req.Scopes, tt.want) {
				t.Errorf("scopes = %v, want %v", req.Scopes, tt.want)
			}
			// Narrowing again changes nothing.
			before := slices.Clone(req.Scopes)
			if err == nil {
				if req.narrow(store.User{Roles: tt.roles}) != nil || !slices.Equal(req.Scopes, before) {
					t.Errorf("second narrow changed %v to %v", before, req.Scopes)
				}
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	req := &authzRequest{policy: testPolicy()}
	for scope, want := range map[string]string{
		"read:docs": "Read your documents",
		"email":     scopeDescriptions["email"], // Signet's words win
		"unknown":   "",
	} {
		if got := req.describe(scope); got != want {
			t.Errorf("describe(%q) = %q, want %q", scope, got, want)
		}
	}
	if got := (&authzRequest{}).describe("read:docs"); got != "" {
		t.Errorf("no policy: describe = %q", got)
	}
}
