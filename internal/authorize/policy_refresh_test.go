package authorize_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// tokenCall posts form to the token endpoint and returns the response's
// scope, its access token's scope claim and its refresh token.
func (e *env) tokenCall(form url.Values) (scope, claim, refresh string) {
	e.t.Helper()
	resp, err := http.PostForm(e.url+"/v1/oauth2/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Scope        string `json:"scope"`
	}
	if err := jsonDecode(resp, &out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("token = %d %v %+v", resp.StatusCode, err, out)
	}
	parts := strings.Split(out.AccessToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return out.Scope, c.Scope, out.RefreshToken
}

// TestPolicyScopesRefreshRecheck: each refresh issues, of the grant's
// scopes, only the policy scopes the user's roles allow now (RFC 6749 §6
// lets a refresh narrow the scope): a role withdrawn takes its scopes out
// of the next access token, a role given back restores them (the consent
// stands), and Signet's own scopes are never touched.
func TestPolicyScopesRefreshRecheck(t *testing.T) {
	e := newEnv(t)
	e.mustAPI("PUT", "/v1/rbac/policy", scopesPolicy)
	id, secret := e.client("third_party", cb)
	user, _ := e.scopedUser("refresh@example.com", "editor")
	all := []string{"openid", "offline_access", "read:docs", "write:docs"}
	verifier, challenge := pkce()
	out := e.mustAPI("POST", "/v1/idp/oauth/authorize", map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code",
		"scopes": all, "user_id": user, "consent_granted": true, "code_challenge": challenge})
	code, _ := out["authorization_code"].(string)
	if code == "" {
		t.Fatalf("authorize = %v", out)
	}
	scope, claim, refresh := e.tokenCall(url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb}, "client_id": {id}, "client_secret": {secret}, "code_verifier": {verifier}})
	if want := strings.Join(all, " "); scope != want || claim != want || refresh == "" {
		t.Fatalf("code exchange: scope %q claim %q refresh %q, want %q and a refresh token", scope, claim, refresh, want)
	}
	for _, step := range []struct {
		name  string
		roles []string // the user's roles before the refresh
		ask   string   // the refresh's scope parameter ("": all granted)
		want  string
	}{
		{"roles unchanged", []string{"editor"}, "", "openid offline_access read:docs write:docs"},
		{"role withdrawn: its scopes dropped", []string{}, "", "openid offline_access"},
		{"narrower request, role still withdrawn", []string{}, "openid read:docs", "openid"},
		{"role given back: the consent stands", []string{"editor"}, "", "openid offline_access read:docs write:docs"},
		{"narrower request with the role", []string{"editor"}, "openid read:docs", "openid read:docs"},
	} {
		t.Run(step.name, func(t *testing.T) {
			e.t = t
			e.mustAPI("PUT", "/v1/users/"+user, map[string]any{"roles": step.roles})
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {id}, "client_secret": {secret}}
			if step.ask != "" {
				form.Set("scope", step.ask)
			}
			scope, claim, refresh = e.tokenCall(form)
			if scope != step.want || claim != step.want {
				t.Errorf("refresh: response scope %q, access token scope %q, want %q", scope, claim, step.want)
			}
		})
	}
}
