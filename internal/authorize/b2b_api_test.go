package authorize_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// b2b is a B2B project beside the env's consumer one, with two
// organizations (acme, globex) and a member of acme who holds a session.
type b2b struct {
	e                    *env
	id, secret           string
	acme, globex         string
	member, memberGlobex string
	token, jwt           string
}

func newB2B(e *env) *b2b {
	e.t.Helper()
	p, secret, err := projects.CreateVertical(e.t.Context(), e.st, e.keys, e.pepper, "B2B", store.VerticalB2B, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	b := &b2b{e: e, id: p.ID, secret: secret}
	b.acme = b.org("acme")
	b.globex = b.org("globex")
	// md_5 of "password": passwords.migrate imports it; the first sign-in
	// rehashes it.
	b.member = b.migrate(b.acme, "ada@acme.example")
	b.memberGlobex = b.migrate(b.globex, "ada@acme.example")
	out := b.must("POST", "/v1/b2b/passwords/authenticate", map[string]any{"organization_id": b.acme,
		"email_address": "ada@acme.example", "password": "password"})
	b.token, b.jwt = out["session_token"].(string), out["session_jwt"].(string)
	return b
}

func (b *b2b) org(slug string) string {
	out := b.must("POST", "/v1/b2b/organizations", map[string]any{"organization_name": slug, "organization_slug": slug})
	return out["organization"].(map[string]any)["organization_id"].(string)
}

func (b *b2b) migrate(org, email string) string {
	out := b.must("POST", "/v1/b2b/passwords/migrate", map[string]any{"organization_id": org, "email_address": email,
		"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99", "name": "Ada Lovelace"})
	return out["member_id"].(string)
}

func (b *b2b) call(method, path string, body any) (int, map[string]any) {
	b.e.t.Helper()
	id, secret := b.e.projectID, b.e.secret
	b.e.projectID, b.e.secret = b.id, b.secret
	defer func() { b.e.projectID, b.e.secret = id, secret }()
	return b.e.api(method, path, body)
}

func (b *b2b) must(method, path string, body any) map[string]any {
	b.e.t.Helper()
	code, out := b.call(method, path, body)
	if code != 200 {
		b.e.t.Fatalf("%s %s = %d %v", method, path, code, out)
	}
	return out
}

func (b *b2b) client(clientType string) (id, secret string) {
	b.e.t.Helper()
	c := b.must("POST", "/v1/connected_apps/clients", map[string]any{"client_name": "Acme Notes",
		"client_type": clientType, "redirect_urls": []string{cb}})["connected_app"].(map[string]any)
	secret, _ = c["client_secret"].(string)
	return c["client_id"].(string), secret
}

// claimsOf returns the unverified payload of a JWT.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestB2BConsentAPI drives the B2B consent API through a third-party
// client: start by organization and member, authorize with the member's
// session, the code records the member and its organization, and the
// tokens, UserInfo and introspection carry the organization claim.
func TestB2BConsentAPI(t *testing.T) {
	e := newEnv(t)
	b := newB2B(e)
	id, secret := b.client("third_party")
	verifier, challenge := pkce()
	body := map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code",
		"scopes": []string{"openid", "email", "profile", "offline_access"}, "organization_id": "acme", "member_id": b.member}

	out := b.must("POST", "/v1/b2b/idp/oauth/authorize/start", body)
	if out["member_id"] != b.member || out["consent_required"] != true ||
		out["member"].(map[string]any)["member_id"] != b.member ||
		out["organization"].(map[string]any)["organization_id"] != b.acme ||
		out["client"].(map[string]any)["client_id"] != id || len(out["scope_results"].([]any)) != 4 {
		t.Fatalf("start = %v", out)
	}

	delete(body, "organization_id")
	delete(body, "member_id")
	body["session_jwt"] = b.jwt
	body["consent_granted"] = true
	body["state"], body["nonce"], body["code_challenge"] = "st-1", "nonce-1", challenge
	out = b.must("POST", "/v1/b2b/idp/oauth/authorize", body)
	to, err := url.Parse(out["redirect_uri"].(string))
	if err != nil || to.Query().Get("code") == "" || to.Query().Get("code") != out["authorization_code"] {
		t.Fatalf("authorize = %v", out)
	}
	// Remembered for this member: start no longer asks. The same email's
	// member of globex has its own consent.
	if out := b.must("POST", "/v1/b2b/idp/oauth/authorize/start", body); out["consent_required"] != false {
		t.Errorf("start after consent = %v", out["consent_required"])
	}
	other := map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code", "scopes": []string{"openid"},
		"organization_id": b.globex, "member_id": b.memberGlobex}
	if out := b.must("POST", "/v1/b2b/idp/oauth/authorize/start", other); out["consent_required"] != true {
		t.Errorf("start for the globex member = %v", out["consent_required"])
	}

	// The code is the member's, linked to its session.
	code := to.Query().Get("code")
	resp, err := http.PostForm(e.url+"/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb}, "client_id": {id}, "client_secret": {secret}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	if err := jsonDecode(resp, &tok); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token = %d %v %v", resp.StatusCode, tok, err)
	}
	resp.Body.Close()
	wantOrg := map[string]any{"organization_id": b.acme, "slug": "acme"}
	at := claimsOf(t, tok["access_token"].(string))
	idt := claimsOf(t, tok["id_token"].(string))
	for name, c := range map[string]map[string]any{"access token": at, "ID token": idt} {
		if c["sub"] != b.member || !mapEqual(c["https://stytch.com/organization"], wantOrg) {
			t.Errorf("%s: sub %v, organization %v", name, c["sub"], c["https://stytch.com/organization"])
		}
	}
	if idt["email"] != "ada@acme.example" || idt["name"] != "Ada Lovelace" || idt["email_verified"] != true ||
		idt["nonce"] != "nonce-1" || idt["auth_time"] == nil {
		t.Errorf("ID token claims = %v", idt)
	}

	// UserInfo: the member's claims, as they are now.
	req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := jsonDecode(resp, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("userinfo = %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if info["sub"] != b.member || info["email"] != "ada@acme.example" || !mapEqual(info["https://stytch.com/organization"], wantOrg) {
		t.Errorf("userinfo = %v", info)
	}

	// Introspection of both tokens carries the organization.
	for _, tt := range []struct{ name, token string }{{"access", tok["access_token"].(string)}, {"refresh", tok["refresh_token"].(string)}} {
		resp, err := http.PostForm(e.url+"/v1/public/"+b.id+"/oauth2/introspect", url.Values{"token": {tt.token},
			"client_id": {id}, "client_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		var in map[string]any
		if err := jsonDecode(resp, &in); err != nil || resp.StatusCode != 200 {
			t.Fatalf("introspect %s = %d %v", tt.name, resp.StatusCode, err)
		}
		resp.Body.Close()
		if in["active"] != true || in["sub"] != b.member || !mapEqual(in["https://stytch.com/organization"], wantOrg) {
			t.Errorf("introspect %s = %v", tt.name, in)
		}
	}

	// The member deleted: its grants go with it.
	b.must("DELETE", "/v1/b2b/organizations/"+b.acme+"/members/"+b.member, nil)
	resp, err = http.PostForm(e.url+"/v1/oauth2/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {tok["refresh_token"].(string)}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("refresh after the member's deletion = %d, want 400", resp.StatusCode)
	}
}

func mapEqual(got any, want map[string]any) bool {
	g, ok := got.(map[string]any)
	if !ok || len(g) != len(want) {
		return false
	}
	for k, v := range want {
		if g[k] != v {
			return false
		}
	}
	return true
}

// TestB2BConsentAPIRefusals: every way of naming a member that is wrong
// gets its envelope, and nothing is issued.
func TestB2BConsentAPIRefusals(t *testing.T) {
	e := newEnv(t)
	b := newB2B(e)
	id, _ := b.client("third_party")
	pending := b.must("POST", "/v1/b2b/organizations/"+b.acme+"/members", map[string]any{
		"email_address": "pending@acme.example", "create_member_as_pending": true})["member_id"].(string)
	suspended := b.org("initech")
	suspendedMember := b.migrate(suspended, "bob@initech.example")
	b.must("PUT", "/v1/b2b/organizations/"+suspended, map[string]any{"status": "suspended"})
	restricted := b.org("hooli")
	restrictedMember := b.migrate(restricted, "gavin@hooli.example")
	b.must("PUT", "/v1/b2b/organizations/"+restricted, map[string]any{
		"third_party_connected_apps_allowed_type": "RESTRICTED", "allowed_third_party_connected_apps": []string{"connected-app-test-other"}})

	base := func(kv ...any) map[string]any {
		m := map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code", "scopes": []string{"openid"}}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		name    string
		body    map[string]any
		status  int
		errType string
	}{
		{"nobody", base(), 400, "invalid_member_arguments"},
		{"organization alone", base("organization_id", b.acme), 400, "invalid_member_arguments"},
		{"member alone", base("member_id", b.member), 400, "invalid_member_arguments"},
		{"user_id", base("user_id", "user-test-1"), 400, "invalid_member_arguments"},
		{"token and JWT", base("session_token", b.token, "session_jwt", b.jwt), 400, "invalid_member_arguments"},
		{"member of another organization", base("organization_id", b.globex, "member_id", b.member), 404, "member_not_found"},
		{"unknown organization", base("organization_id", "nowhere", "member_id", b.member), 404, "organization_not_found"},
		{"unknown session", base("session_token", "nope"), 404, "session_not_found"},
		{"session of another organization", base("session_token", b.token, "organization_id", b.globex), 403, "tenancy_mismatch"},
		{"session of another member", base("session_jwt", b.jwt, "member_id", b.memberGlobex), 400, "session_member_mismatch"},
		{"pending member", base("organization_id", b.acme, "member_id", pending), 403, "member_not_active"},
		{"suspended organization", base("organization_id", suspended, "member_id", suspendedMember), 403, "organization_suspended"},
		{"client not allowed", base("organization_id", restricted, "member_id", restrictedMember), 403, "connected_app_restricted_by_organization"},
		{"bad prompt", base("organization_id", b.acme, "member_id", b.member, "prompt", "login"), 400, "invalid_prompt"},
		{"unknown client", base("organization_id", b.acme, "member_id", b.member, "client_id", "connected-app-test-nope"), 400, "invalid_client_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v1/b2b/idp/oauth/authorize/start", "/v1/b2b/idp/oauth/authorize"} {
				body := map[string]any{"consent_granted": true}
				for k, v := range tt.body {
					body[k] = v
				}
				code, out := b.call("POST", path, body)
				if code != tt.status || out["error_type"] != tt.errType {
					t.Errorf("%s = %d %v (%v), want %d %s", path, code, out["error_type"], out["error_message"], tt.status, tt.errType)
				}
			}
		})
	}

	// Each vertical its own API.
	if code, out := e.api("POST", "/v1/b2b/idp/oauth/authorize/start", base("organization_id", b.acme, "member_id", b.member)); code != 400 ||
		out["error_type"] != "invalid_b2b_endpoint" {
		t.Errorf("B2B consent API on a consumer project = %d %v", code, out["error_type"])
	}
	if code, out := b.call("POST", "/v1/idp/oauth/authorize/start", base("user_id", "user-test-1")); code != 400 ||
		out["error_type"] != "invalid_consumer_endpoint" {
		t.Errorf("consumer consent API on a B2B project = %d %v", code, out["error_type"])
	}
}

// b2bScopesPolicy is scopesPolicy for a B2B project: editors (a project
// role) hold read:docs and write:docs.
func b2bScopesPolicy() map[string]any {
	p := scopesPolicy["policy"].(map[string]any)
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	out["roles"] = []any{
		map[string]any{"role_id": "stytch_member", "description": "", "permissions": []any{}},
		map[string]any{"role_id": "stytch_admin", "description": "", "permissions": []any{}},
		map[string]any{"role_id": "editor", "description": "", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"read", "write"}}}},
	}
	return map[string]any{"policy": out}
}

// TestB2BPolicyScopes: a member's policy scopes are narrowed by its roles
// under its organization's policy: a project role, or a custom role of
// its organization, grants read:docs; nothing grants admin:docs.
func TestB2BPolicyScopes(t *testing.T) {
	e := newEnv(t)
	b := newB2B(e)
	b.must("PUT", "/v1/b2b/rbac/policy", b2bScopesPolicy())
	b.must("PUT", "/v1/b2b/rbac/organizations/"+b.globex, map[string]any{"org_policy": map[string]any{"roles": []any{
		map[string]any{"role_id": "reader", "description": "", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"read"}}}}}}})
	id, _ := b.client("third_party")
	grantable := func(org, member string) []string {
		out := b.must("POST", "/v1/b2b/idp/oauth/authorize/start", map[string]any{"client_id": id, "redirect_uri": cb,
			"response_type": "code", "scopes": []string{"openid", "read:docs", "write:docs", "admin:docs"},
			"organization_id": org, "member_id": member})
		var s []string
		for _, r := range out["scope_results"].([]any) {
			if r.(map[string]any)["is_grantable"] == true {
				s = append(s, r.(map[string]any)["scope"].(string))
			}
		}
		return s
	}
	if got := grantable(b.acme, b.member); !slices.Equal(got, []string{"openid"}) {
		t.Errorf("stytch_member alone: grantable %v", got)
	}
	b.must("PUT", "/v1/b2b/organizations/"+b.acme+"/members/"+b.member, map[string]any{"roles": []string{"editor"}})
	if got := grantable(b.acme, b.member); !slices.Equal(got, []string{"openid", "read:docs", "write:docs"}) {
		t.Errorf("editor: grantable %v", got)
	}
	b.must("PUT", "/v1/b2b/organizations/"+b.globex+"/members/"+b.memberGlobex, map[string]any{"roles": []string{"reader"}})
	if got := grantable(b.globex, b.memberGlobex); !slices.Equal(got, []string{"openid", "read:docs"}) {
		t.Errorf("globex's custom reader: grantable %v", got)
	}
}

// TestHostedRefusesB2B: the hosted pages sign in users; a B2B project's
// client gets an error page, not a sign-in form or a redirect.
func TestHostedRefusesB2B(t *testing.T) {
	e := newEnv(t)
	b := newB2B(e)
	id, _ := b.client("third_party")
	_, challenge := pkce()
	p := e.browser().authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid",
		"state", "s", "code_challenge", challenge, "code_challenge_method", "S256"))
	p.errorPage(http.StatusBadRequest)
	if p.isLogin() || !strings.Contains(p.body, "organizations") {
		t.Errorf("page = %s", p.body)
	}
}
