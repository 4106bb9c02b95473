package server

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/golden"
)

// TestWireGolden pins the wire shapes clients are written against: the
// discovery document, token responses, both error envelopes and the Stytch
// user and session objects. A change shows as a diff of
// testdata/golden/*.json; rewrite them with -update when it is meant.
func TestWireGolden(t *testing.T) {
	ts := newTestServer(t)
	opts := golden.Options{Issuer: ts.URL, Keys: []string{
		"project_id", "request_id", "session_token", "session_jwt", "access_token", "refresh_token", "id_token",
		"client_secret", "client_secret_last_four", "client_id", "user_id", "session_id", "email_id", "password_id",
		"authorization_code", "redirect_uri", "kid", "jti",
	}}
	call := func(name, method, path, contentType, body string, auth bool, basic ...string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth {
			req.SetBasicAuth(ts.projectID, ts.secret)
		}
		if len(basic) == 2 {
			req.SetBasicAuth(basic[0], basic[1])
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if name != "" {
			golden.JSON(t, name, b, opts)
		}
		return b
	}
	field := func(b []byte, path ...string) string {
		t.Helper()
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no %v in %s", path, b)
			}
			v = m[p]
		}
		s, _ := v.(string)
		if s == "" {
			t.Fatalf("no %v in %s", path, b)
		}
		return s
	}
	const js = "application/json"
	const form = "application/x-www-form-urlencoded"

	call("discovery", "GET", "/.well-known/openid-configuration", "", "", false)
	call("error_stytch_not_found", "GET", "/v1/nope", "", "", false)
	call("error_stytch_unauthorized", "POST", "/v1/users", js, `{}`, false)
	call("error_oauth_invalid_client", "POST", "/v1/oauth2/token", form, "grant_type=client_credentials&client_id=nope&client_secret=nope", false)

	user := call("user_create", "POST", "/v1/users", js, `{"email":"ada@example.com","name":{"first_name":"Ada","last_name":"Lovelace"},"trusted_metadata":{"tier":"gold"}}`, true)
	call("user_get", "GET", "/v1/users/"+field(user, "user_id"), "", "", true)
	pw := call("password_create", "POST", "/v1/passwords", js, `{"email":"grace@example.com","password":"correct horse battery staple 1906","session_duration_minutes":60}`, true)
	sessionToken := field(pw, "session_token")
	call("session_authenticate", "POST", "/v1/sessions/authenticate", js, `{"session_token":"`+sessionToken+`"}`, true)

	m2m := call("", "POST", "/v1/m2m/clients", js, `{"client_name":"Worker","scopes":["read:users"]}`, true)
	call("token_client_credentials", "POST", "/v1/oauth2/token", form, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {field(m2m, "m2m_client", "client_id")},
		"client_secret": {field(m2m, "m2m_client", "client_secret")}, "scope": {"read:users"},
	}.Encode(), false)

	const cb = "https://app.example/cb"
	app := call("", "POST", "/v1/connected_apps/clients", js, `{"client_type":"first_party","client_name":"Notes","redirect_urls":["`+cb+`"]}`, true)
	clientID, secret := field(app, "connected_app", "client_id"), field(app, "connected_app", "client_secret")
	verifier := "golden-verifier-0123456789-0123456789-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	authz, _ := json.Marshal(map[string]any{"client_id": clientID, "redirect_uri": cb, "response_type": "code",
		"scopes": []string{"openid", "email", "offline_access"}, "session_token": sessionToken, "consent_granted": true,
		"code_challenge": base64.RawURLEncoding.EncodeToString(sum[:]), "state": "st"})
	code := field(call("", "POST", "/v1/idp/oauth/authorize", js, string(authz), true), "authorization_code")
	call("token_authorization_code", "POST", "/v1/oauth2/token", form, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb}, "code_verifier": {verifier},
	}.Encode(), false, clientID, secret)
}
