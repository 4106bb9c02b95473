package authorize_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// scopesPolicy is a consumer policy whose scopes stand for permissions on
// documents: editors hold read:docs and write:docs, nobody admin:docs.
var scopesPolicy = map[string]any{"policy": map[string]any{
	"resources": []any{map[string]any{"resource_id": "documents", "description": "", "actions": []string{"read", "write", "delete"}}},
	"roles": []any{
		map[string]any{"role_id": "stytch_user", "description": "", "permissions": []any{}},
		map[string]any{"role_id": "editor", "description": "", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"read", "write"}}}},
	},
	"scopes": []any{
		map[string]any{"scope": "read:docs", "description": "Read your documents", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"read"}}}},
		map[string]any{"scope": "write:docs", "description": "Edit your documents", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"read", "write"}}}},
		map[string]any{"scope": "admin:docs", "description": "Delete your documents", "permissions": []any{
			map[string]any{"resource_id": "documents", "actions": []string{"*"}}}},
	},
}}

// scopedUser creates a user holding roles.
func (e *env) scopedUser(email string, roles ...string) (userID, sessionToken string) {
	e.t.Helper()
	userID, sessionToken = e.user(email)
	e.mustAPI("PUT", "/v1/users/"+userID, map[string]any{"roles": roles})
	return userID, sessionToken
}

// redeem exchanges a code at the token endpoint and returns the access
// token's scope claim and the token response's scope.
func (e *env) redeem(clientID, secret, code, verifier string) (claim, scope string) {
	e.t.Helper()
	resp, err := http.PostForm(e.url+"/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb}, "client_id": {clientID}, "client_secret": {secret}, "code_verifier": {verifier}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := jsonDecode(resp, &out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("token = %d %v", resp.StatusCode, err)
	}
	parts := strings.Split(out.AccessToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return c.Scope, out.Scope
}

// TestPolicyScopesConsentAPI: a Connected App asks for policy scopes
// through the consent API; start describes them and says which the user
// may be granted, authorize grants only those, and the access token
// carries them.
func TestPolicyScopesConsentAPI(t *testing.T) {
	e := newEnv(t)
	e.mustAPI("PUT", "/v1/rbac/policy", scopesPolicy)
	id, secret := e.client("third_party", cb)
	editor, _ := e.scopedUser("editor@example.com", "editor")
	plain, _ := e.scopedUser("plain@example.com")

	body := func(userID string) map[string]any {
		return map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code",
			"scopes": []string{"openid", "read:docs", "write:docs", "admin:docs", "other:docs"}, "user_id": userID}
	}
	type result struct {
		desc      string
		grantable bool
	}
	tests := []struct {
		name   string
		userID string
		want   map[string]result
		scope  string
	}{
		{"editor", editor, map[string]result{"openid": {"Know who you are when you sign in", true},
			"read:docs": {"Read your documents", true}, "write:docs": {"Edit your documents", true},
			"admin:docs": {"Delete your documents", false}, "other:docs": {"", false}}, "openid read:docs write:docs"},
		{"no role", plain, map[string]result{"openid": {"Know who you are when you sign in", true},
			"read:docs": {"Read your documents", false}, "write:docs": {"Edit your documents", false},
			"admin:docs": {"Delete your documents", false}, "other:docs": {"", false}}, "openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := e.mustAPI("POST", "/v1/idp/oauth/authorize/start", body(tt.userID))
			results := out["scope_results"].([]any)
			if len(results) != len(tt.want) || out["consent_required"] != true {
				t.Fatalf("start = %v", out)
			}
			for _, r := range results {
				m := r.(map[string]any)
				want := tt.want[m["scope"].(string)]
				if m["description"] != want.desc || m["is_grantable"] != want.grantable {
					t.Errorf("scope_results %v, want %+v", m, want)
				}
			}
			verifier, challenge := pkce()
			b := body(tt.userID)
			b["consent_granted"], b["code_challenge"] = true, challenge
			out = e.mustAPI("POST", "/v1/idp/oauth/authorize", b)
			code, _ := out["authorization_code"].(string)
			if code == "" {
				t.Fatalf("authorize = %v", out)
			}
			claim, scope := e.redeem(id, secret, code, verifier)
			if claim != tt.scope || scope != tt.scope {
				t.Errorf("access token scope %q, response scope %q, want %q", claim, scope, tt.scope)
			}
		})
	}

	// Only policy scopes the user may not have: no code, invalid_scope
	// in the redirect; start says nothing is grantable and asks no consent.
	b := map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code", "scopes": []string{"admin:docs"}, "user_id": plain}
	out := e.mustAPI("POST", "/v1/idp/oauth/authorize/start", b)
	if r := out["scope_results"].([]any); len(r) != 1 || r[0].(map[string]any)["is_grantable"] != false || out["consent_required"] != false {
		t.Errorf("start, nothing grantable = %v", out)
	}
	b["consent_granted"] = true
	out = e.mustAPI("POST", "/v1/idp/oauth/authorize", b)
	if to, _ := url.Parse(out["redirect_uri"].(string)); to.Query().Get("error") != "invalid_scope" || out["authorization_code"] != nil {
		t.Errorf("authorize, nothing grantable = %v", out)
	}

	// Giving the role later makes the scope grantable: roles are read at
	// each authorization, not when the user signed in.
	e.mustAPI("PUT", "/v1/users/"+plain, map[string]any{"roles": []string{"editor"}})
	b["scopes"] = []string{"read:docs"}
	out = e.mustAPI("POST", "/v1/idp/oauth/authorize", b)
	if out["authorization_code"] == nil {
		t.Errorf("after the role was given: %v", out)
	}
}

// TestPolicyScopesHostedPage: the hosted consent page lists the policy
// scopes the user may be granted, with the policy's descriptions, and
// never one the user's roles do not hold; remembered consent covers only
// what was granted.
func TestPolicyScopesHostedPage(t *testing.T) {
	e := newEnv(t)
	e.mustAPI("PUT", "/v1/rbac/policy", scopesPolicy)
	id, secret := e.client("third_party", cb)
	e.scopedUser("editor@example.com", "editor")
	e.scopedUser("plain@example.com")

	tests := []struct {
		email   string
		shown   []string
		hidden  []string
		granted string
	}{
		{"editor@example.com", []string{"Read your documents", "Edit your documents"}, []string{"Delete your documents"}, "openid read:docs write:docs"},
		{"plain@example.com", nil, []string{"Read your documents", "Edit your documents", "Delete your documents"}, "openid"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			b := e.browser()
			verifier, challenge := pkce()
			req := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid read:docs write:docs admin:docs",
				"state", "s", "code_challenge", challenge, "code_challenge_method", "S256")
			p := b.login(b.authorize(req), tt.email, password)
			if !p.isConsent() {
				t.Fatalf("want the consent page, got %d\n%s", p.code, p.body)
			}
			for _, d := range tt.shown {
				if !strings.Contains(p.body, d) {
					t.Errorf("consent page lacks %q", d)
				}
			}
			for _, d := range tt.hidden {
				if strings.Contains(p.body, d) {
					t.Errorf("consent page offers %q", d)
				}
			}
			if n := strings.Count(p.body, "<li>"); n != 1+len(tt.shown) {
				t.Errorf("consent page lists %d scopes, want %d", n, 1+len(tt.shown))
			}
			q := b.decide(p, "allow").callback(e.url, cb)
			claim, _ := e.redeem(id, secret, q.Get("code"), verifier)
			if claim != tt.granted {
				t.Errorf("access token scope = %q, want %q", claim, tt.granted)
			}
			// The remembered consent is what was granted: asking again goes
			// straight back with a code, the same scopes withheld.
			req.Set("state", "s2")
			if q := b.authorize(req).callback(e.url, cb); q.Get("code") == "" {
				t.Errorf("second request = %v", q)
			} else if c := e.inspect(q.Get("code")); strings.Join(c.Scopes, " ") != tt.granted {
				t.Errorf("second code's scopes = %v", c.Scopes)
			}
		})
	}

	// A user who may be granted none of the requested scopes is sent back
	// with invalid_scope, without a consent page.
	b := e.browser()
	req := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "admin:docs", "state", "s")
	_, challenge := pkce()
	req.Set("code_challenge", challenge)
	req.Set("code_challenge_method", "S256")
	if q := b.login(b.authorize(req), "plain@example.com", password).callback(e.url, cb); q.Get("error") != "invalid_scope" || q.Has("code") {
		t.Errorf("nothing grantable = %v", q)
	}
}
