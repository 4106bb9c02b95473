package rbac_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/store"
)

type obj = map[string]any

type client struct {
	t          *testing.T
	base       string
	id, secret string
}

func (c client) call(method, path string, body any) (int, obj) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.id, c.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out obj
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func (c client) must(method, path string, body any) obj {
	c.t.Helper()
	code, out := c.call(method, path, body)
	if code != http.StatusOK {
		c.t.Fatalf("%s %s = %d %v", method, path, code, out)
	}
	return out
}

func (c client) fails(status int, errType, method, path string, body any) {
	c.t.Helper()
	code, out := c.call(method, path, body)
	if code != status || out["error_type"] != errType {
		c.t.Fatalf("%s %s = %d %v (%v), want %d %s", method, path, code, out["error_type"], out["error_message"], status, errType)
	}
}

func start(t *testing.T) (consumer, b2b client) {
	s := servertest.New(t)
	p, secret, err := projects.CreateVertical(t.Context(), s.Store, s.Keys, s.Pepper, "b2b", store.VerticalB2B, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return client{t, s.URL, s.ProjectID, s.Secret}, client{t, s.URL, p.ID, secret}
}

const policy = `{
  "roles": [
    {"role_id": "stytch_user", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read"]}]},
    {"role_id": "editor", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read", "write"]}]},
    {"role_id": "admin", "description": "", "permissions": [{"resource_id": "documents", "actions": ["*"]}]}
  ],
  "resources": [{"resource_id": "documents", "description": "Documents", "actions": ["read", "write", "delete"]}],
  "scopes": [{"scope": "read:docs", "description": "Read documents", "permissions": [{"resource_id": "documents", "actions": ["read"]}]}]
}`

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func roleIDs(policy any) []string {
	var ids []string
	for _, r := range policy.(obj)["roles"].([]any) {
		ids = append(ids, r.(obj)["role_id"].(string))
	}
	return ids
}

func check(resource, action string) obj { return obj{"resource_id": resource, "action": action} }

func TestConsumerPolicyAndChecks(t *testing.T) {
	c, _ := start(t)
	if got := roleIDs(c.must("GET", "/v1/rbac/policy", nil)["policy"]); !slices.Equal(got, []string{"stytch_user"}) {
		t.Fatalf("default roles = %v", got)
	}
	// A refused policy changes nothing.
	c.fails(400, "invalid_rbac_policy", "PUT", "/v1/rbac/policy", obj{"policy": raw(strings.Replace(policy, `"write"]}]},`, `"share"]}]},`, 1))})
	c.fails(400, "invalid_rbac_policy", "PUT", "/v1/rbac/policy", obj{"policy": raw(`{"roles":[],"resources":[],"scopes":[]}`)})
	c.fails(400, "invalid_rbac_policy", "PUT", "/v1/rbac/policy", obj{})
	if got := roleIDs(c.must("GET", "/v1/rbac/policy", nil)["policy"]); !slices.Equal(got, []string{"stytch_user"}) {
		t.Fatalf("after refused sets, roles = %v", got)
	}
	c.must("PUT", "/v1/rbac/policy", obj{"policy": raw(policy)})
	if got := roleIDs(c.must("GET", "/v1/rbac/policy", nil)["policy"]); !slices.Equal(got, []string{"stytch_user", "editor", "admin"}) {
		t.Fatalf("roles = %v", got)
	}
	c.fails(400, "invalid_b2b_endpoint", "GET", "/v1/b2b/rbac/policy", nil)

	signup := c.must("POST", "/v1/passwords", obj{"email": "ada@example.com", "password": "correct horse battery staple 1815"})
	token, userID := signup["session_token"].(string), signup["user_id"].(string)
	auth := func(chk obj) (int, obj) {
		return c.call("POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": chk})
	}
	verdict := func(chk obj) []string {
		t.Helper()
		code, out := auth(chk)
		if code != http.StatusOK {
			t.Fatalf("check %v = %d %v", chk, code, out)
		}
		v := out["verdict"].(obj)
		var roles []string
		for _, r := range v["granting_roles"].([]any) {
			roles = append(roles, r.(string))
		}
		if v["authorized"] != true {
			t.Fatalf("verdict %v", v)
		}
		return roles
	}
	if got := verdict(check("documents", "read")); !slices.Equal(got, []string{"stytch_user"}) {
		t.Fatalf("granting roles = %v", got)
	}
	c.fails(403, "invalid_permissions", "POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": check("documents", "write")})
	c.fails(400, "invalid_resource_id", "POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": check("videos", "read")})
	c.fails(400, "invalid_action", "POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": check("documents", "share")})
	c.fails(400, "invalid_authorization_check", "POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": obj{"resource_id": "documents"}})
	c.fails(400, "invalid_authorization_check", "POST", "/v1/sessions/authenticate",
		obj{"session_token": token, "authorization_check": obj{"resource_id": "documents", "action": "read", "organization_id": "organization-test-x"}})
	// An unknown session is still 404 with a check the policy can answer.
	c.fails(404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": "nope", "authorization_check": check("documents", "read")})
	// Without a check there is no verdict.
	if out := c.must("POST", "/v1/sessions/authenticate", obj{"session_token": token}); out["verdict"] != nil {
		t.Fatalf("verdict without a check: %v", out["verdict"])
	}

	// Roles take effect on the live session at once.
	c.must("PUT", "/v1/users/"+userID, obj{"roles": []string{"editor", "admin"}})
	if got := verdict(check("documents", "write")); !slices.Equal(got, []string{"editor", "admin"}) {
		t.Fatalf("granting roles = %v", got)
	}
	if got := verdict(check("documents", "delete")); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("granting roles = %v", got)
	}
	// And so does a policy change.
	c.must("PUT", "/v1/rbac/policy", obj{"policy": raw(strings.Replace(policy, `"actions": ["*"]`, `"actions": ["read"]`, 1))})
	c.fails(403, "invalid_permissions", "POST", "/v1/sessions/authenticate", obj{"session_token": token, "authorization_check": check("documents", "delete")})
}

func TestB2BPolicyAndChecks(t *testing.T) {
	consumer, c := start(t)
	consumer.fails(400, "invalid_b2b_endpoint", "PUT", "/v1/b2b/rbac/policy", obj{"policy": raw(policy)})
	if got := roleIDs(c.must("GET", "/v1/b2b/rbac/policy", nil)["policy"]); !slices.Equal(got, []string{"stytch_admin", "stytch_member"}) {
		t.Fatalf("default roles = %v", got)
	}
	c.fails(400, "invalid_consumer_endpoint", "GET", "/v1/rbac/policy", nil)
	// A consumer policy lacks the B2B default roles.
	c.fails(400, "invalid_rbac_policy", "PUT", "/v1/b2b/rbac/policy", obj{"policy": raw(policy)})
	b2bPolicy := `{
	  "roles": [
	    {"role_id": "stytch_admin", "description": "", "permissions": [{"resource_id": "stytch.member", "actions": ["*"]}, {"resource_id": "documents", "actions": ["*"]}]},
	    {"role_id": "stytch_member", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read"]}]},
	    {"role_id": "editor", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read", "write"]}]}
	  ],
	  "resources": [
	    {"resource_id": "stytch.member", "description": "", "actions": ["create", "delete"]},
	    {"resource_id": "documents", "description": "", "actions": ["read", "write", "delete"]}
	  ],
	  "scopes": []
	}`
	c.must("PUT", "/v1/b2b/rbac/policy", obj{"policy": raw(b2bPolicy)})

	org := c.must("POST", "/v1/b2b/organizations", obj{"organization_name": "Acme", "organization_slug": "acme"})["organization"].(obj)["organization_id"].(string)
	other := c.must("POST", "/v1/b2b/organizations", obj{"organization_name": "Other", "organization_slug": "other"})["organization"].(obj)["organization_id"].(string)
	const pw = "correct horse battery staple 1815"
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	member := c.must("POST", "/v1/b2b/passwords/migrate", obj{"organization_id": org, "email_address": "ada@example.com",
		"hash": string(hash), "hash_type": "bcrypt"})["member_id"].(string)
	token := c.must("POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": org, "email_address": "ada@example.com", "password": pw})["session_token"].(string)
	b2bCheck := func(orgID, resource, action string) obj {
		return obj{"session_token": token, "authorization_check": obj{"organization_id": orgID, "resource_id": resource, "action": action}}
	}
	out := c.must("POST", "/v1/b2b/sessions/authenticate", b2bCheck(org, "documents", "read"))
	if v := out["verdict"].(obj); v["authorized"] != true || fmt.Sprint(v["granting_roles"]) != "[stytch_member]" {
		t.Fatalf("verdict %v", v)
	}
	c.fails(403, "invalid_permissions", "POST", "/v1/b2b/sessions/authenticate", b2bCheck(org, "documents", "write"))
	c.fails(403, "tenancy_mismatch", "POST", "/v1/b2b/sessions/authenticate", b2bCheck(other, "documents", "read"))
	c.fails(400, "invalid_resource_id", "POST", "/v1/b2b/sessions/authenticate", b2bCheck(org, "videos", "read"))
	c.fails(400, "invalid_authorization_check", "POST", "/v1/b2b/sessions/authenticate", b2bCheck("", "documents", "read"))

	c.must("PUT", "/v1/b2b/organizations/"+org+"/members/"+member, obj{"roles": []string{"editor", "stytch_admin"}})
	out = c.must("POST", "/v1/b2b/sessions/authenticate", b2bCheck(org, "documents", "write"))
	if got := fmt.Sprint(out["verdict"].(obj)["granting_roles"]); got != "[editor stytch_admin]" {
		t.Fatalf("granting roles = %s", got)
	}
	c.must("POST", "/v1/b2b/sessions/authenticate", b2bCheck(org, "stytch.member", "delete"))
}

// An organization's custom roles (Stytch's org policy): validated against
// the project's resources, granting in that organization only.
func TestOrganizationPolicy(t *testing.T) {
	consumer, c := start(t)
	c.must("PUT", "/v1/b2b/rbac/policy", obj{"policy": raw(`{
	  "roles": [
	    {"role_id": "stytch_admin", "description": "", "permissions": []},
	    {"role_id": "stytch_member", "description": "", "permissions": [{"resource_id": "documents", "actions": ["read"]}]}
	  ],
	  "resources": [{"resource_id": "documents", "description": "", "actions": ["read", "write", "delete"]}],
	  "scopes": []
	}`)})
	org := c.must("POST", "/v1/b2b/organizations", obj{"organization_name": "Acme", "organization_slug": "acme"})["organization"].(obj)["organization_id"].(string)
	other := c.must("POST", "/v1/b2b/organizations", obj{"organization_name": "Other", "organization_slug": "other"})["organization"].(obj)["organization_id"].(string)
	path := "/v1/b2b/rbac/organizations/" + org

	if got := c.must("GET", path, nil)["org_policy"].(obj)["roles"].([]any); len(got) != 0 {
		t.Fatalf("default org policy roles = %v", got)
	}
	role := func(id, resource string, actions ...string) obj {
		return obj{"role_id": id, "description": "", "permissions": []obj{{"resource_id": resource, "actions": actions}}}
	}
	for name, roles := range map[string][]obj{
		"unknown resource":   {role("reviewer", "videos", "read")},
		"unknown action":     {role("reviewer", "documents", "share")},
		"project role":       {role("stytch_member", "documents", "write")},
		"reserved prefix":    {role("stytch_reviewer", "documents", "write")},
		"duplicate role":     {role("reviewer", "documents", "write"), role("reviewer", "documents", "read")},
		"empty role ID":      {role("", "documents", "write")},
		"no actions":         {role("reviewer", "documents")},
		"resource wildcards": {role("reviewer", "*", "read")},
	} {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.fails(400, "invalid_rbac_policy", "PUT", path, obj{"org_policy": obj{"roles": roles}})
		})
	}
	c.t = t
	c.fails(400, "invalid_rbac_policy", "PUT", path, obj{"org_policy": obj{}})
	c.fails(400, "invalid_rbac_policy", "PUT", path, obj{})
	c.fails(404, "organization_not_found", "GET", "/v1/b2b/rbac/organizations/organization-test-nope", nil)
	consumer.fails(400, "invalid_b2b_endpoint", "GET", path, nil)
	if got := c.must("GET", path, nil)["org_policy"].(obj)["roles"].([]any); len(got) != 0 {
		t.Fatalf("after refused sets, org policy roles = %v", got)
	}
	// By slug too, as Stytch allows.
	set := c.must("PUT", "/v1/b2b/rbac/organizations/acme", obj{"org_policy": obj{"roles": []obj{role("reviewer", "documents", "write", "read")}}})
	if got := roleIDs(set["org_policy"]); !slices.Equal(got, []string{"reviewer"}) {
		t.Fatalf("set org policy = %v", set)
	}
	if got := roleIDs(c.must("GET", path, nil)["org_policy"]); !slices.Equal(got, []string{"reviewer"}) {
		t.Fatalf("org policy roles = %v", got)
	}

	const pw = "correct horse battery staple 1815"
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	session := func(orgID, email string, roles []string) (token, member string) {
		member = c.must("POST", "/v1/b2b/passwords/migrate", obj{"organization_id": orgID, "email_address": email,
			"hash": string(hash), "hash_type": "bcrypt"})["member_id"].(string)
		c.must("PUT", "/v1/b2b/organizations/"+orgID+"/members/"+member, obj{"roles": roles})
		return c.must("POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": orgID, "email_address": email, "password": pw})["session_token"].(string), member
	}
	inOrg, _ := session(org, "ada@example.com", []string{"reviewer"})
	inOther, bob := session(other, "bob@example.com", []string{})
	// A role Other does not have cannot be assigned in it.
	c.fails(400, "role_not_found", "PUT", "/v1/b2b/organizations/"+other+"/members/"+bob, obj{"roles": []string{"reviewer"}})
	chk := func(token, orgID, action string) obj {
		return obj{"session_token": token, "authorization_check": obj{"organization_id": orgID, "resource_id": "documents", "action": action}}
	}
	out := c.must("POST", "/v1/b2b/sessions/authenticate", chk(inOrg, org, "write"))
	if got := fmt.Sprint(out["verdict"].(obj)["granting_roles"]); got != "[reviewer]" {
		t.Fatalf("granting roles = %s", got)
	}
	out = c.must("POST", "/v1/b2b/sessions/authenticate", chk(inOrg, org, "read"))
	if got := fmt.Sprint(out["verdict"].(obj)["granting_roles"]); got != "[stytch_member reviewer]" {
		t.Fatalf("granting roles = %s", got)
	}
	c.fails(403, "invalid_permissions", "POST", "/v1/b2b/sessions/authenticate", chk(inOrg, org, "delete"))
	c.fails(403, "invalid_permissions", "POST", "/v1/b2b/sessions/authenticate", chk(inOther, other, "write"))
	c.fails(403, "tenancy_mismatch", "POST", "/v1/b2b/sessions/authenticate", chk(inOther, org, "write"))

	// Replacing the org policy takes effect at once.
	c.must("PUT", path, obj{"org_policy": obj{"roles": []obj{}}})
	c.fails(403, "invalid_permissions", "POST", "/v1/b2b/sessions/authenticate", chk(inOrg, org, "write"))
}
