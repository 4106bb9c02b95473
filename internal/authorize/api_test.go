package authorize_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// TestConsentAPI drives the consent API (stytch-api.md §5.3) through a
// third-party client: start says consent is needed, authorize with consent
// gives a code, the consent is remembered.
func TestConsentAPI(t *testing.T) {
	e := newEnv(t)
	id, _ := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb},
		"client_description": "Notes", "logo_url": "https://app.example/logo.png"})
	userID, token := e.user("api@example.com")
	_, challenge := pkce()
	body := map[string]any{"client_id": id, "redirect_uri": cb, "response_type": "code",
		"scopes": []string{"openid", "email", "admin"}, "user_id": userID}

	out := e.mustAPI("POST", "/v1/idp/oauth/authorize/start", body)
	if out["user_id"] != userID || out["consent_required"] != true || out["user"].(map[string]any)["user_id"] != userID {
		t.Errorf("start = %v", out)
	}
	wantClient := map[string]any{"client_id": id, "client_name": "Acme Notes", "client_description": "Notes",
		"client_type": "third_party", "logo_url": "https://app.example/logo.png"}
	if fmt.Sprint(out["client"]) != fmt.Sprint(wantClient) {
		t.Errorf("client = %v, want %v", out["client"], wantClient)
	}
	results := out["scope_results"].([]any)
	if len(results) != 3 || results[0].(map[string]any)["is_grantable"] != true || results[1].(map[string]any)["description"] == "" ||
		results[2].(map[string]any)["scope"] != "admin" || results[2].(map[string]any)["is_grantable"] != false {
		t.Errorf("scope_results = %v", results)
	}

	// authorize, with a session token this time: the code is linked to it.
	delete(body, "user_id")
	body["session_token"] = token
	body["consent_granted"] = true
	body["state"], body["nonce"], body["code_challenge"] = "st-1", "nonce-1", challenge
	out = e.mustAPI("POST", "/v1/idp/oauth/authorize", body)
	to, err := url.Parse(out["redirect_uri"].(string))
	if err != nil || !strings.HasPrefix(out["redirect_uri"].(string), cb+"?") {
		t.Fatalf("redirect_uri = %v", out["redirect_uri"])
	}
	q := to.Query()
	if q.Get("code") == "" || q.Get("code") != out["authorization_code"] || q.Get("state") != "st-1" || q.Get("iss") != e.url {
		t.Errorf("authorize = %v", out)
	}
	c := e.inspect(q.Get("code"))
	if c.UserID != userID || c.SessionID == "" || c.AuthTime.IsZero() || c.Nonce != "nonce-1" || c.CodeChallenge != challenge ||
		!slices.Equal(c.Scopes, []string{"openid", "email"}) || c.RedirectURI != cb {
		t.Errorf("stored code = %+v", c)
	}

	// Remembered: start no longer asks.
	if out := e.mustAPI("POST", "/v1/idp/oauth/authorize/start", body); out["consent_required"] != false {
		t.Errorf("start after consent = %v", out["consent_required"])
	}
	// prompt=consent asks anyway.
	body["prompt"] = "consent"
	if out := e.mustAPI("POST", "/v1/idp/oauth/authorize/start", body); out["consent_required"] != true {
		t.Errorf("start with prompt=consent = %v", out["consent_required"])
	}
	delete(body, "prompt")

	// A user_id alone has no session: no session, no auth_time in the code.
	delete(body, "session_token")
	body["user_id"] = userID
	out = e.mustAPI("POST", "/v1/idp/oauth/authorize", body)
	if c := e.inspect(out["authorization_code"].(string)); c.SessionID != "" || !c.AuthTime.IsZero() {
		t.Errorf("user_id code = %+v", c)
	}

	// Denied: the error comes back inside redirect_uri.
	body["consent_granted"] = false
	out = e.mustAPI("POST", "/v1/idp/oauth/authorize", body)
	to, _ = url.Parse(out["redirect_uri"].(string))
	if to.Query().Get("error") != "access_denied" || to.Query().Get("state") != "st-1" || out["authorization_code"] != nil {
		t.Errorf("denied = %v", out)
	}
}

func TestConsentAPIErrors(t *testing.T) {
	e := newEnv(t)
	conf, _ := e.client("third_party", cb)
	pub, _ := e.client("third_party_public", loopback)
	userID, token := e.user("err@example.com")
	valid := func(kv ...any) map[string]any {
		b := map[string]any{"client_id": conf, "redirect_uri": cb, "response_type": "code", "scopes": []string{"openid"},
			"user_id": userID, "consent_granted": true}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(b, kv[i].(string))
			} else {
				b[kv[i].(string)] = kv[i+1]
			}
		}
		return b
	}
	tests := []struct {
		name     string
		body     map[string]any
		code     int
		errType  string
		redirect string // for authorize: the error inside redirect_uri instead
	}{
		{"unknown client", valid("client_id", "connected-app-test-nope"), 400, "invalid_client_id", ""},
		{"unregistered redirect_uri", valid("redirect_uri", "https://evil.example/cb"), 400, "invalid_redirect_uri", ""},
		{"no redirect_uri", valid("redirect_uri", nil), 400, "invalid_redirect_uri", ""},
		{"no subject", valid("user_id", nil), 400, "invalid_user_arguments", ""},
		{"two subjects", valid("session_token", token), 400, "invalid_user_arguments", ""},
		{"unknown user", valid("user_id", "user-test-nope"), 404, "user_not_found", ""},
		{"unknown session", valid("user_id", nil, "session_token", "nope"), 404, "session_not_found", ""},
		{"bad session JWT", valid("user_id", nil, "session_jwt", "a.b.c"), 404, "session_not_found", ""},
		{"prompt none", valid("prompt", "none"), 400, "invalid_prompt", ""},
		{"response_type token", valid("response_type", "token"), 400, "unsupported_response_type", "unsupported_response_type"},
		{"no known scope", valid("scopes", []string{"admin"}), 400, "invalid_scope", "invalid_scope"},
		{"public client without challenge", valid("client_id", pub, "redirect_uri", loopback), 400, "invalid_request", "invalid_request"},
	}
	for _, path := range []string{"/v1/idp/oauth/authorize/start", "/v1/idp/oauth/authorize"} {
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				code, out := e.api("POST", path, tt.body)
				if strings.HasSuffix(path, "/authorize") && tt.redirect != "" {
					to, _ := url.Parse(fmt.Sprint(out["redirect_uri"]))
					if code != 200 || to.Query().Get("error") != tt.redirect || out["authorization_code"] != nil {
						t.Errorf("got %d %v, want 200 with error %s in redirect_uri", code, out, tt.redirect)
					}
					return
				}
				if code != tt.code || out["error_type"] != tt.errType {
					t.Errorf("got %d %v, want %d %s", code, out, tt.code, tt.errType)
				}
			})
		}
	}
	// A client of another project is unknown here.
	p2, _, err := projects.Create(t.Context(), e.st, e.keys, e.pepper, "other", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign := "connected-app-test-foreign"
	now := store.Time(e.clock.Now())
	if err := e.st.CreateConnectedApp(t.Context(), store.ConnectedApp{ClientID: foreign, ProjectID: p2.ID, Type: "third_party",
		Status: "active", RedirectURLs: []string{cb}, AccessTokenExpiryMinutes: 60, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if code, out := e.api("POST", "/v1/idp/oauth/authorize/start", valid("client_id", foreign)); code != 400 || out["error_type"] != "invalid_client_id" {
		t.Errorf("foreign client = %d %v", code, out)
	}
}
