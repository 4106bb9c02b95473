package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// wireCaller calls the management API and checks each answer against the
// description of its operation.
type wireCaller struct {
	t      *testing.T
	ts     testServer
	v      *schemaValidator
	seen   map[string]bool // operations called
	id, pw string          // the project's credentials
}

// call sends body (nil for none) to op (the described "METHOD /template")
// at path, wants status, checks the answer (and a successful call's
// body) against the description and returns the answer decoded.
func (c *wireCaller) call(op, path string, body any, status int) map[string]any {
	c.t.Helper()
	method, _, _ := strings.Cut(op, " ")
	var r io.Reader
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
		r = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, c.ts.URL+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.id != "" {
		req.SetBasicAuth(c.id, c.pw)
	}
	resp, err := c.ts.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	c.v.response(c.t, op, strconv.Itoa(status), b)
	if body != nil && status == http.StatusOK {
		c.v.request(c.t, op, sent)
	}
	c.seen[op] = true
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// str reads a string at a path of a decoded body.
func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	s, _ := v.(string)
	return s
}

// TestOpenAPIWire calls the management operations on a real server, the
// way the Stytch SDKs do, and checks every answer against docs/openapi.json
// (see schemaValidator): the description matches the wire, field by field.
func TestOpenAPIWire(t *testing.T) {
	var km *keys.Manager
	var pepper secrets.Pepper
	ts := newTestServer(t, func(c *Config) { km, pepper = c.Keys, c.Pepper })
	c := &wireCaller{t: t, ts: ts, v: newSchemaValidator(t, readOpenAPI(t)), seen: map[string]bool{}, id: ts.projectID, pw: ts.secret}
	const strong = "v8#Lq2!mZr@9wTe4"

	// Users, passwords, sessions.
	u := c.call("POST /v1/users", "/v1/users", map[string]any{
		"email": "ada@example.com", "phone_number": "+12025550123", "name": map[string]any{"first_name": "Ada"},
		"trusted_metadata": map[string]any{"plan": "pro"}, "external_id": "crm-1", "roles": []string{"stytch_user"},
		"address": map[string]any{"locality": "London"}, "birthdate": "1815-12-10",
	}, 200)
	userID := str(u, "user_id")
	c.call("GET /v1/users/{user_id}", "/v1/users/"+userID, nil, 200)
	c.call("GET /v1/users/{user_id}", "/v1/users/user-test-nope", nil, 404)
	c.call("PUT /v1/users/{user_id}", "/v1/users/crm-1", map[string]any{"untrusted_metadata": map[string]any{"theme": "dark"}}, 200)
	c.call("POST /v1/users/search", "/v1/users/search", map[string]any{"limit": 1, "query": map[string]any{
		"operator": "AND", "operands": []any{map[string]any{"filter_name": "email_address", "filter_value": []string{"ada@example.com"}}}}}, 200)
	c.call("POST /v1/users/search", "/v1/users/search", map[string]any{"query": map[string]any{"operator": "XOR"}}, 400)
	pw := c.call("POST /v1/passwords", "/v1/passwords", map[string]any{"email": "grace@example.com", "password": strong}, 200)
	c.call("POST /v1/passwords/authenticate", "/v1/passwords/authenticate", map[string]any{
		"email": "grace@example.com", "password": strong, "session_token": str(pw, "session_token")}, 200)
	c.call("POST /v1/passwords/authenticate", "/v1/passwords/authenticate", map[string]any{"email": "grace@example.com", "password": "wrong"}, 401)
	c.call("POST /v1/passwords/strength_check", "/v1/passwords/strength_check", map[string]any{"password": "password1"}, 200)
	c.call("POST /v1/sessions/authenticate", "/v1/sessions/authenticate", map[string]any{"session_jwt": str(pw, "session_jwt")}, 200)
	c.call("GET /v1/sessions", "/v1/sessions?user_id="+str(pw, "user_id"), nil, 200)
	c.call("POST /v1/sessions/revoke", "/v1/sessions/revoke", map[string]any{"session_token": str(pw, "session_token")}, 200)
	c.call("POST /v1/sessions/revoke", "/v1/sessions/revoke", map[string]any{"session_token": str(pw, "session_token")}, 404)
	c.call("GET /v1/sessions/jwks/{project_id}", "/v1/sessions/jwks/"+ts.projectID, nil, 200)

	// M2M clients.
	m := c.call("POST /v1/m2m/clients", "/v1/m2m/clients", map[string]any{"client_name": "Batch", "scopes": []string{"read:users"},
		"trusted_metadata": map[string]any{"team": "ops"}}, 200)
	m2m := "/v1/m2m/clients/" + str(m, "m2m_client", "client_id")
	c.call("GET /v1/m2m/clients/{client_id}", m2m, nil, 200)
	c.call("PUT /v1/m2m/clients/{client_id}", m2m, map[string]any{"status": "inactive"}, 200)
	c.call("POST /v1/m2m/clients/search", "/v1/m2m/clients/search", map[string]any{"query": map[string]any{
		"operands": []any{map[string]any{"filter_name": "status", "filter_value": []string{"inactive"}}}}}, 200)
	c.call("POST /v1/m2m/clients/{client_id}/secrets/rotate/start", m2m+"/secrets/rotate/start", nil, 200)
	c.call("POST /v1/m2m/clients/{client_id}/secrets/rotate/cancel", m2m+"/secrets/rotate/cancel", nil, 200)
	c.call("POST /v1/m2m/clients/{client_id}/secrets/rotate", m2m+"/secrets/rotate", nil, 400)
	c.call("POST /v1/m2m/clients/{client_id}/secrets/rotate/start", m2m+"/secrets/rotate/start", nil, 200)
	c.call("POST /v1/m2m/clients/{client_id}/secrets/rotate", m2m+"/secrets/rotate", nil, 200)
	c.call("DELETE /v1/m2m/clients/{client_id}", m2m, nil, 200)

	// Connected Apps, and the consent API with one.
	const cb = "https://app.example/callback"
	a := c.call("POST /v1/connected_apps/clients", "/v1/connected_apps/clients", map[string]any{"client_type": "first_party",
		"client_name": "App", "redirect_urls": []string{cb}, "origin_urls": []string{"https://app.example"}}, 200)
	appID := str(a, "connected_app", "client_id")
	app := "/v1/connected_apps/clients/" + appID
	c.call("GET /v1/connected_apps/clients/{client_id}", app, nil, 200)
	c.call("PUT /v1/connected_apps/clients/{client_id}", app, map[string]any{"token_endpoint_auth_method": "client_secret_post",
		"require_pushed_authorization_requests": true}, 200)
	c.call("POST /v1/connected_apps/clients/search", "/v1/connected_apps/clients/search", map[string]any{"limit": 10}, 200)
	c.call("POST /v1/connected_apps/clients/{client_id}/secrets/rotate/start", app+"/secrets/rotate/start", nil, 200)
	c.call("POST /v1/connected_apps/clients/{client_id}/secrets/rotate/cancel", app+"/secrets/rotate/cancel", nil, 200)
	c.call("POST /v1/connected_apps/clients/{client_id}/secrets/rotate/start", app+"/secrets/rotate/start", nil, 200)
	c.call("POST /v1/connected_apps/clients/{client_id}/secrets/rotate", app+"/secrets/rotate", nil, 200)
	authz := map[string]any{"client_id": appID, "redirect_uri": cb, "response_type": "code", "scopes": []string{"openid", "email"},
		"user_id": userID, "state": "s", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}
	c.call("POST /v1/idp/oauth/authorize/start", "/v1/idp/oauth/authorize/start", authz, 200)
	authz["consent_granted"] = true
	c.call("POST /v1/idp/oauth/authorize", "/v1/idp/oauth/authorize", authz, 200)
	authz["prompt"] = "none"
	c.call("POST /v1/idp/oauth/authorize", "/v1/idp/oauth/authorize", authz, 400)
	c.call("GET /v1/users/{user_id}/connected_apps", "/v1/users/"+userID+"/connected_apps", nil, 200)
	c.call("POST /v1/users/{user_id}/connected_apps/{connected_app_id}/revoke", "/v1/users/"+userID+"/connected_apps/"+appID+"/revoke", nil, 200)
	c.call("DELETE /v1/connected_apps/clients/{client_id}", app, nil, 200)

	// Banks and bank verifications.
	b := c.call("POST /v1/banks", "/v1/banks", map[string]any{"issuer": "https://bank.example", "display_name": "Example Bank", "skip_checks": true,
		"client_id": "signet", "auth_method": "client_secret_basic", "client_secret": "s3cret", "primary_color": "#123456"}, 200)
	bank := "/v1/banks/" + str(b, "bank", "bank_id")
	c.call("GET /v1/banks", "/v1/banks", nil, 200)
	c.call("GET /v1/banks/{bank_id}", bank, nil, 200)
	c.call("PUT /v1/banks/{bank_id}", bank, map[string]any{"display_name": "Example Bank plc"}, 200)
	v := c.call("POST /v1/bank_verifications/start", "/v1/bank_verifications/start", map[string]any{
		"redirect_url": "https://app.example/verified", "bank_id": str(b, "bank", "bank_id"), "user_id": userID}, 200)
	c.call("GET /v1/bank_verifications/{bank_verification_id}", "/v1/bank_verifications/"+str(v, "bank_verification_id"), nil, 200)
	c.call("POST /v1/bank_verifications/authenticate", "/v1/bank_verifications/authenticate", map[string]any{"token": "x.y"}, 401)
	c.call("DELETE /v1/banks/{bank_id}", bank, nil, 200)
	c.call("DELETE /v1/users/{user_id}", "/v1/users/"+userID, nil, 200)

	// The audit log of all the above.
	c.call("GET /v1/audit_events", "/v1/audit_events?limit=2&type=sign_in&type=m2m_client_create", nil, 200)
	c.call("GET /v1/audit_events", "/v1/audit_events?since=yesterday", nil, 400)

	// B2B, in a B2B project.
	p, secret, err := projects.CreateVertical(t.Context(), ts.st, km, pepper, "B2B", store.VerticalB2B, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c.id, c.pw = p.ID, secret
	c.call("POST /v1/users", "/v1/users", map[string]any{"email": "x@example.com"}, 400) // invalid_consumer_endpoint
	o := c.call("POST /v1/b2b/organizations", "/v1/b2b/organizations", map[string]any{"organization_name": "Acme",
		"organization_slug": "acme", "organization_external_id": "crm-42", "email_allowed_domains": []string{"acme.example"},
		"email_jit_provisioning": "RESTRICTED", "trusted_metadata": map[string]any{"plan": "enterprise"}}, 200)
	org := "/v1/b2b/organizations/" + str(o, "organization", "organization_id")
	c.call("GET /v1/b2b/organizations/{organization_id}", "/v1/b2b/organizations/acme", nil, 200)
	c.call("PUT /v1/b2b/organizations/{organization_id}", org, map[string]any{"mfa_policy": "REQUIRED_FOR_ALL"}, 200)
	c.call("POST /v1/b2b/organizations/search", "/v1/b2b/organizations/search", map[string]any{"query": map[string]any{
		"operands": []any{map[string]any{"filter_name": "organization_slugs", "filter_value": []string{"acme"}}}}}, 200)
	c.call("GET /v1/b2b/organizations/{organization_id}/metrics", org+"/metrics", nil, 200)
	mem := c.call("POST /v1/b2b/organizations/{organization_id}/members", org+"/members", map[string]any{
		"email_address": "ada@acme.example", "name": "Ada", "external_id": "emp-1", "roles": []string{"stytch_admin"},
		"mfa_phone_number": "+12025550123"}, 200)
	memberID := str(mem, "member_id")
	c.call("GET /v1/b2b/organizations/{organization_id}/member", org+"/member?member_id="+memberID, nil, 200)
	c.call("PUT /v1/b2b/organizations/{organization_id}/members/{member_id}", org+"/members/emp-1", map[string]any{"is_breakglass": true}, 200)
	c.call("GET /v1/b2b/organizations/members/dangerously_get/{member_id}", "/v1/b2b/organizations/members/dangerously_get/"+memberID, nil, 200)
	c.call("POST /v1/b2b/organizations/members/search", "/v1/b2b/organizations/members/search", map[string]any{
		"organization_ids": []string{str(o, "organization", "organization_id")}}, 200)
	c.call("DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}/external_id", org+"/members/"+memberID+"/external_id", nil, 200)
	c.call("DELETE /v1/b2b/organizations/{organization_id}/members/passwords/{member_password_id}", org+"/members/passwords/member-password-test-nope", nil, 404)
	c.call("DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}", org+"/members/"+memberID, nil, 200)
	c.call("PUT /v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate", org+"/members/"+memberID+"/reactivate", nil, 400)
	c.call("DELETE /v1/b2b/organizations/{organization_id}/external_id", org+"/external_id", nil, 200)
	c.call("GET /v1/b2b/sessions/jwks/{project_id}", "/v1/b2b/sessions/jwks/"+p.ID, nil, 200)
	c.call("DELETE /v1/b2b/organizations/{organization_id}", org, nil, 200)

	// What this test does not call yet is only logged: the route test
	// (TestOpenAPIRoutes) already requires every route to be described.
	var missing []string
	for op := range c.v.ops {
		if !c.seen[op] {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Logf("operations not called here (their description is checked by no answer): %v", missing)
	}
}
