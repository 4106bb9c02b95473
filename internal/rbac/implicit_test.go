package rbac_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestEmailImplicitRolesInChecks: a role an organization gives its
// members' email domain counts in b2b.sessions.authenticate's
// authorization_check like an assigned one, is reported with its source,
// and a change of the assignments (or of the member's roles) shows in
// the next check and in the session JWT the next authenticate mints.
func TestEmailImplicitRolesInChecks(t *testing.T) {
	_, c := start(t)
	c.must("PUT", "/v1/b2b/rbac/policy", obj{"policy": raw(`{
	  "resources": [{"resource_id": "documents", "description": "", "actions": ["read", "write"]}],
	  "roles": [
	    {"role_id": "stytch_member", "description": "", "permissions": []},
	    {"role_id": "stytch_admin", "description": "", "permissions": [{"resource_id": "documents", "actions": ["*"]}]},
	    {"role_id": "editor", "description": "", "permissions": [{"resource_id": "documents", "actions": ["write", "read"]}]}],
	  "scopes": []
	}`)})
	org := c.must("POST", "/v1/b2b/organizations", obj{"organization_name": "Acme", "organization_slug": "acme",
		"rbac_email_implicit_role_assignments": []obj{{"domain": "acme.example", "role_id": "editor"}}})["organization"].(obj)["organization_id"].(string)
	const pw = "correct horse battery staple 1815"
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	member := c.must("POST", "/v1/b2b/passwords/migrate", obj{"organization_id": org, "email_address": "ada@acme.example",
		"hash": string(hash), "hash_type": "bcrypt"})["member_id"].(string)
	signin := c.must("POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": org, "email_address": "ada@acme.example", "password": pw})
	token := signin["session_token"].(string)
	check := obj{"session_token": token, "authorization_check": obj{"organization_id": org, "resource_id": "documents", "action": "write"}}

	for _, step := range []struct {
		name     string
		change   func()
		granting []string // nil: denied
		roles    []string // of the session and its JWT
	}{
		{"implied by the email domain", func() {}, []string{"editor"}, []string{"stytch_member", "editor"}},
		{"the assignment removed", func() {
			c.must("PUT", "/v1/b2b/organizations/"+org, obj{"rbac_email_implicit_role_assignments": []obj{}})
		}, nil, []string{"stytch_member"}},
		{"assigned explicitly instead", func() {
			c.must("PUT", "/v1/b2b/organizations/"+org+"/members/"+member, obj{"roles": []string{"stytch_admin"}})
		}, []string{"stytch_admin"}, []string{"stytch_member", "stytch_admin"}},
		{"both", func() {
			c.must("PUT", "/v1/b2b/organizations/"+org, obj{"rbac_email_implicit_role_assignments": []obj{{"domain": "ACME.example", "role_id": "editor"}}})
		}, []string{"stytch_admin", "editor"}, []string{"stytch_member", "stytch_admin", "editor"}},
	} {
		t.Run(step.name, func(t *testing.T) {
			c.t = t
			step.change()
			if step.granting == nil {
				c.fails(403, "invalid_permissions", "POST", "/v1/b2b/sessions/authenticate", check)
			} else {
				out := c.must("POST", "/v1/b2b/sessions/authenticate", check)
				if got := stringList(out["verdict"].(obj)["granting_roles"]); !slices.Equal(got, step.granting) {
					t.Errorf("granting_roles = %v, want %v", got, step.granting)
				}
			}
			out := c.must("POST", "/v1/b2b/sessions/authenticate", obj{"session_token": token})
			if got := stringList(out["member_session"].(obj)["roles"]); !slices.Equal(got, step.roles) {
				t.Errorf("member_session.roles = %v, want %v", got, step.roles)
			}
			if got := jwtRoles(t, out["session_jwt"].(string)); !slices.Equal(got, step.roles) {
				t.Errorf("session JWT roles = %v, want %v", got, step.roles)
			}
			list := c.must("GET", "/v1/b2b/sessions?organization_id="+org+"&member_id="+member, nil)["member_sessions"].([]any)
			if got := stringList(list[0].(obj)["roles"]); len(list) != 1 || !slices.Equal(got, step.roles) {
				t.Errorf("sessions.get roles = %v, want %v", got, step.roles)
			}
			var ids []string
			for _, r := range out["member"].(obj)["roles"].([]any) {
				ids = append(ids, r.(obj)["role_id"].(string))
			}
			if !slices.Equal(ids, step.roles) {
				t.Errorf("member.roles = %v, want %v", ids, step.roles)
			}
		})
	}
}

// jwtRoles reads the roles of a member session JWT's session claim (the
// signature is the SDK e2e's to check).
func jwtRoles(t *testing.T, jwt string) []string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	var sess struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(claims["https://stytch.com/session"], &sess); err != nil {
		t.Fatal(err)
	}
	return sess.Roles
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}
