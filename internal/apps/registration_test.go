package apps

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// dcrEnv is caEnv with the registration endpoint and the initial access
// token routes mounted too.
type dcrEnv struct {
	*caEnv
}

func newDCREnv(t *testing.T) dcrEnv {
	t.Helper()
	e := newCAEnv(t)
	(&Registration{Issuer: "https://id.example", Store: e.st, Cache: forgetBoth{e.clients, e.forgot}, Pepper: e.pepper,
		Scopes: []string{"openid", "email", "profile", "offline_access"}}).Mount(e.mux)
	(&RegistrationTokens{Auth: projects.NewAuth(e.st, e.pepper, time.Minute), Store: e.st, Pepper: e.pepper}).Mount(e.mux)
	return dcrEnv{e}
}

// send makes a request with a Bearer token (none if tok is "") and a JSON
// body (a string is sent as is), and reads the JSON answer, if any.
func (e dcrEnv) send(method, path, tok string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req := api.WithRequestID(httptest.NewRequest(method, path, bytes.NewReader(b)))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			e.t.Fatalf("%s %s: answer is not JSON: %q", method, path, rec.Body)
		}
	}
	return rec.Code, out, rec.Header()
}

// token makes an initial access token of the project through the
// management API.
func (e dcrEnv) token(body map[string]any) string {
	e.t.Helper()
	code, out, _ := e.call("POST", "/v1/connected_apps/registration_tokens", body)
	if code != http.StatusOK {
		e.t.Fatalf("registration token: %d %v", code, out)
	}
	return out["registration_token"].(map[string]any)["token"].(string)
}

func (e dcrEnv) register(tok string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	return e.send("POST", RegistrationPath, tok, body)
}

// web is the metadata of an ordinary confidential web client.
func web() map[string]any {
	return map[string]any{"redirect_uris": []string{"https://app.example/cb"}, "client_name": "App"}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func wantOAuthError(t *testing.T, what string, code int, out map[string]any, h http.Header, status int, errCode string) {
	t.Helper()
	if code != status || out["error"] != errCode {
		t.Fatalf("%s: %d %v, want %d %s", what, code, out, status, errCode)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), `Bearer error="invalid_token"`) {
		t.Errorf("%s: WWW-Authenticate %q, want a Bearer invalid_token challenge", what, h.Get("WWW-Authenticate"))
	}
}

// Who may register: an initial access token of the project, live and not
// spent, or nobody-in-particular where the project allows open
// registration at its own endpoint (RFC 7591 §3).
func TestRegistrationAdmission(t *testing.T) {
	e := newDCREnv(t)
	ctx := context.Background()
	open := e.other
	if err := e.st.SetProjectRegistration(ctx, open, store.RegistrationPolicy{Open: true}); err != nil {
		t.Fatal(err)
	}
	single := e.token(nil)
	spent := e.token(nil)
	if code, out, _ := e.register(spent, web()); code != http.StatusCreated {
		t.Fatalf("first use: %d %v", code, out)
	}
	expired, tok, err := NewRegistrationToken(e.pepper, e.project, 1, time.Minute, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateRegistrationToken(ctx, expired); err != nil {
		t.Fatal(err)
	}
	code, out, _ := e.call("POST", "/v1/connected_apps/registration_tokens", map[string]any{"max_uses": 2})
	if code != http.StatusOK {
		t.Fatal(out)
	}
	revokedID := out["registration_token"].(map[string]any)["registration_token_id"].(string)
	revoked := out["registration_token"].(map[string]any)["token"].(string)
	if code, out, _ := e.call("DELETE", "/v1/connected_apps/registration_tokens/"+revokedID, nil); code != http.StatusOK {
		t.Fatal(out)
	}

	tests := []struct {
		name, path, tok string
		auth            string // an Authorization header instead of tok
		status          int
	}{
		{"no token, closed project's endpoint", ProjectRegistrationPath(e.project), "", "", http.StatusUnauthorized},
		{"no token, root endpoint", RegistrationPath, "", "", http.StatusUnauthorized},
		{"no token, open project's endpoint", ProjectRegistrationPath(open), "", "", http.StatusCreated},
		{"no token, unknown project", ProjectRegistrationPath("project-test-missing"), "", "", http.StatusUnauthorized},
		{"unknown token", RegistrationPath, "not-a-token", "", http.StatusUnauthorized},
		{"spent token", RegistrationPath, spent, "", http.StatusUnauthorized},
		{"expired token", RegistrationPath, tok, "", http.StatusUnauthorized},
		{"revoked token", RegistrationPath, revoked, "", http.StatusUnauthorized},
		{"token at another project's endpoint", ProjectRegistrationPath(open), single, "", http.StatusUnauthorized},
		{"Basic credentials", RegistrationPath, "", "Basic " + single, http.StatusUnauthorized},
		{"token at its project's endpoint", ProjectRegistrationPath(e.project), single, "", http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(web())
			req := api.WithRequestID(httptest.NewRequest("POST", tc.path, bytes.NewReader(b)))
			req.Header.Set("Content-Type", "application/json")
			if tc.tok != "" {
				req.Header.Set("Authorization", "Bearer "+tc.tok)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			e.mux.ServeHTTP(rec, req)
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			if tc.status == http.StatusCreated {
				if rec.Code != tc.status {
					t.Fatalf("%d %v, want 201", rec.Code, out)
				}
				return
			}
			wantOAuthError(t, tc.name, rec.Code, out, rec.Header(), tc.status, "invalid_token")
		})
	}
	// The single-use token was used by the last case: a second use fails.
	code, out, h := e.register(single, web())
	wantOAuthError(t, "second use of a single-use token", code, out, h, http.StatusUnauthorized, "invalid_token")
}

// Each rule of registration gets its RFC 7591 §3.2.2 error; a refused
// registration does not use the token up.
func TestRegistrationMetadataRules(t *testing.T) {
	e := newDCREnv(t)
	tok := e.token(map[string]any{"max_uses": 1})
	big := strings.Repeat("a", maxRegistrationBody)
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		says   string // in error_description
	}{
		{"no redirect_uris", with(web(), "redirect_uris", nil), 400, "invalid_redirect_uri", "redirect_uris"},
		{"empty redirect_uris", with(web(), "redirect_uris", []string{}), 400, "invalid_redirect_uri", "redirect_uris"},
		{"http redirect off loopback", with(web(), "redirect_uris", []string{"http://app.example/cb"}), 400, "invalid_redirect_uri", "redirect_uris"},
		{"redirect with a fragment", with(web(), "redirect_uris", []string{"https://app.example/cb#x"}), 400, "invalid_redirect_uri", "fragment"},
		{"private-use scheme, confidential", with(web(), "redirect_uris", []string{"com.example.app:/cb"}), 400, "invalid_redirect_uri", "public"},
		{"too many redirect_uris", with(web(), "redirect_uris", manyURLs(21)), 400, "invalid_redirect_uri", "at most"},
		{"http post-logout URI", with(web(), "post_logout_redirect_uris", []string{"http://app.example/bye"}), 400, "invalid_client_metadata", "post_logout_redirect_uris"},
		{"http logo_uri", with(web(), "logo_uri", "http://app.example/logo.png"), 400, "invalid_client_metadata", "logo_uri"},
		{"implicit grant", with(web(), "grant_types", []string{"implicit"}), 400, "invalid_client_metadata", "grant_types"},
		{"client_credentials grant", with(web(), "grant_types", []string{"client_credentials"}), 400, "invalid_client_metadata", "grant_types"},
		{"refresh_token alone", with(web(), "grant_types", []string{"refresh_token"}), 400, "invalid_client_metadata", "authorization_code"},
		{"token response type", with(web(), "response_types", []string{"code", "token"}), 400, "invalid_client_metadata", "response_types"},
		{"unknown scope", with(web(), "scope", "openid admin"), 400, "invalid_client_metadata", "admin"},
		{"unknown auth method", with(web(), "token_endpoint_auth_method", "client_secret_jwt"), 400, "invalid_client_metadata", "token_endpoint_auth_method"},
		{"private_key_jwt without keys", with(web(), "token_endpoint_auth_method", "private_key_jwt"), 400, "invalid_client_metadata", "private_key_jwt"},
		{"jwks and jwks_uri", with(web(), "jwks", testJWKS(t, false), "jwks_uri", "https://app.example/jwks"), 400, "invalid_client_metadata", "mutually exclusive"},
		{"jwks not a JWK Set", with(web(), "jwks", map[string]any{"keys": "x"}), 400, "invalid_client_metadata", "jwks"},
		{"http jwks_uri", with(web(), "jwks_uri", "http://app.example/jwks"), 400, "invalid_client_metadata", "jwks_uri"},
		{"tls_client_auth without a name", with(web(), "token_endpoint_auth_method", "tls_client_auth"), 400, "invalid_client_metadata", "tls_client_auth"},
		{"two tls_client_auth names", with(web(), "token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_subject_dn", "CN=a",
			"tls_client_auth_san_dns", "a.example"), 400, "invalid_client_metadata", "exactly one"},
		{"RS256 ID tokens", with(web(), "id_token_signed_response_alg", "RS256"), 400, "invalid_client_metadata", "id_token_signed_response_alg"},
		{"request objects without keys", with(web(), "request_object_signing_alg", "PS256"), 400, "invalid_client_metadata", "request_object_signing_alg"},
		{"unknown JARM alg", with(web(), "authorization_signed_response_alg", "HS256"), 400, "invalid_client_metadata", "authorization_signed_response_alg"},
		{"fapi2 with a secret", with(web(), "security_profile", "fapi2"), 400, "invalid_client_metadata", "fapi2"},
		{"unknown profile", with(web(), "security_profile", "fapi3"), 400, "invalid_client_metadata", "security_profile"},
		{"client_name too long", with(web(), "client_name", strings.Repeat("n", 1025)), 400, "invalid_client_metadata", "client_name"},
		{"redirect_uris not a list", with(web(), "redirect_uris", "https://app.example/cb"), 400, "invalid_client_metadata", "redirect_uris"},
		{"dpop flag not a bool", with(web(), "dpop_bound_access_tokens", "yes"), 400, "invalid_client_metadata", "dpop_bound_access_tokens"},
		{"too many contacts", with(web(), "contacts", manyURLs(21)), 400, "invalid_client_metadata", "contacts"},
		{"not an object", `["https://app.example/cb"]`, 400, "invalid_client_metadata", "JSON object"},
		{"not JSON", `{"redirect_uris":`, 400, "invalid_client_metadata", "JSON object"},
		{"a NUL", `{"client_name":"a\u0000b","redirect_uris":["https://app.example/cb"]}`, 400, "invalid_request", "NUL"},
		{"too large", `{"client_name":"` + big + `"}`, 413, "invalid_request", "64 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, h := e.register(tok, tc.body)
			wantOAuthError(t, tc.name, code, out, h, tc.status, tc.code)
			if d, _ := out["error_description"].(string); !strings.Contains(d, tc.says) {
				t.Errorf("error_description %q does not mention %q", d, tc.says)
			}
		})
	}
	// None of that used the single-use token.
	if code, out, _ := e.register(tok, web()); code != http.StatusCreated {
		t.Fatalf("after refusals: %d %v", code, out)
	}
}

// The management API refuses what registration refuses: one validator.
// A registration request and the Stytch create request it stands for get
// the same verdict, and for the same field.
func TestRegistrationSameRulesAsManagementAPI(t *testing.T) {
	e := newDCREnv(t)
	tok := e.token(map[string]any{"max_uses": 100})
	for _, tc := range []struct {
		name string
		dcr  map[string]any
		api  map[string]any
	}{
		{"http redirect", map[string]any{"redirect_uris": []string{"http://a.example/cb"}},
			map[string]any{"redirect_urls": []string{"http://a.example/cb"}}},
		{"logo", map[string]any{"logo_uri": "ftp://a.example/l.png"}, map[string]any{"logo_url": "ftp://a.example/l.png"}},
		{"fapi2 secret", map[string]any{"security_profile": "fapi2"}, map[string]any{"security_profile": "fapi2"}},
		{"enc without key", map[string]any{"id_token_encrypted_response_alg": "RSA-OAEP"}, map[string]any{"id_token_encrypted_response_alg": "RSA-OAEP"}},
		{"ok", map[string]any{"jwks": testJWKS(t, false), "token_endpoint_auth_method": "private_key_jwt", "request_object_signing_alg": "PS256"},
			map[string]any{"jwks": testJWKS(t, false), "token_endpoint_auth_method": "private_key_jwt", "request_object_signing_alg": "PS256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dcr := with(web(), "client_name", "App")
			for k, v := range tc.dcr {
				dcr[k] = v
			}
			apiReq := map[string]any{"client_type": "third_party", "client_name": "App", "redirect_urls": []string{"https://app.example/cb"}}
			for k, v := range tc.api {
				apiReq[k] = v
			}
			dcode, dout, _ := e.register(tok, dcr)
			acode, aout, _ := e.call("POST", "/v1/connected_apps/clients", apiReq)
			if (dcode == http.StatusCreated) != (acode == http.StatusOK) {
				t.Fatalf("registration %d %v, management API %d %v", dcode, dout, acode, aout)
			}
			if acode != http.StatusOK && stytchToRFC.Replace(aout["error_message"].(string)) != dout["error_description"] {
				t.Errorf("registration says %q, management API %q", dout["error_description"], aout["error_message"])
			}
		})
	}
}

func manyURLs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "https://app.example/cb" + strings.Repeat("x", i)
	}
	return out
}

// A registration makes a third-party Connected App, the same record the
// management API reads and changes (RFC 7591 §3.2.1 response).
func TestRegistrationCreatesConnectedApp(t *testing.T) {
	e := newDCREnv(t)
	tok := e.token(map[string]any{"max_uses": 5})
	code, out, h := e.register(tok, with(web(), "post_logout_redirect_uris", []string{"https://app.example/bye"},
		"logo_uri", "https://app.example/logo.png", "grant_types", []string{"authorization_code", "refresh_token"},
		"scope", "openid email", "contacts", []string{"ops@app.example"}, "dpop_bound_access_tokens", true,
		"tls_client_auth_trust_anchors", "-----BEGIN CERTIFICATE-----"))
	if code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, out)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}
	id, _ := out["client_id"].(string)
	secret, _ := out["client_secret"].(string)
	if id == "" || secret == "" || out["client_secret_expires_at"] != float64(0) || out["client_id_issued_at"] == nil ||
		out["registration_access_token"] == "" || out["registration_client_uri"] != "https://id.example"+RegistrationPath+"/"+id ||
		out["token_endpoint_auth_method"] != "client_secret_basic" || out["client_name"] != "App" ||
		out["logo_uri"] != "https://app.example/logo.png" || out["dpop_bound_access_tokens"] != true ||
		out["tls_client_auth_trust_anchors"] != nil {
		t.Fatalf("client information = %v", out)
	}
	// The same record, through the Stytch API.
	code, got, _ := e.call("GET", "/v1/connected_apps/clients/"+id, nil)
	app, _ := got["connected_app"].(map[string]any)
	if code != http.StatusOK || app["client_type"] != TypeThirdParty || app["client_name"] != "App" ||
		app["logo_url"] != "https://app.example/logo.png" || app["client_secret_last_four"] != secret[len(secret)-4:] ||
		app["tls_client_auth_trust_anchors"] != nil {
		t.Fatalf("management API GET = %d %v", code, got)
	}
	c, err := e.clients.Lookup(context.Background(), id)
	if err != nil || !e.clients.Authenticate(c, secret) {
		t.Fatalf("the secret does not authenticate the client: %v", err)
	}
	// A public client: none, no secret, and a native redirect.
	code, out, _ = e.register(tok, map[string]any{"redirect_uris": []string{"com.example.app:/cb", "http://127.0.0.1/cb"},
		"token_endpoint_auth_method": "none"})
	if code != http.StatusCreated || out["client_secret"] != nil || out["client_secret_expires_at"] != nil {
		t.Fatalf("public client: %d %v", code, out)
	}
	code, got, _ = e.call("GET", "/v1/connected_apps/clients/"+out["client_id"].(string), nil)
	if code != http.StatusOK || got["connected_app"].(map[string]any)["client_type"] != TypeThirdPartyPublic {
		t.Fatalf("public client through the management API: %d %v", code, got)
	}
	// The management API may change what it owns; the client's own
	// metadata stays its to manage.
	code, got, _ = e.call("PUT", "/v1/connected_apps/clients/"+id, map[string]any{"client_description": "from the backend"})
	if code != http.StatusOK {
		t.Fatal(got)
	}
	if code, _, _ := e.send("GET", RegistrationPath+"/"+id, "", nil); code != http.StatusUnauthorized {
		t.Fatalf("GET without the registration access token: %d", code)
	}
}

// RFC 7592: read, replace and delete with the registration access token.
func TestRegistrationManagement(t *testing.T) {
	e := newDCREnv(t)
	tok := e.token(map[string]any{"max_uses": 5})
	code, reg, _ := e.register(tok, with(web(), "post_logout_redirect_uris", []string{"https://app.example/bye"}))
	if code != http.StatusCreated {
		t.Fatal(reg)
	}
	id, rat, secret := reg["client_id"].(string), reg["registration_access_token"].(string), reg["client_secret"].(string)
	uri := RegistrationPath + "/" + id
	_, other, _ := e.register(tok, web())
	plain := e.create(map[string]any{"client_type": "third_party", "redirect_urls": []string{"https://x.example/cb"}})

	// Refused reads: 401 invalid_token with a Bearer challenge.
	for _, tc := range []struct{ name, path, tok string }{
		{"no token", uri, ""},
		{"wrong token", uri, "nope"},
		{"another client's token", uri, other["registration_access_token"].(string)},
		{"the initial access token", uri, tok},
		{"a client the management API made", RegistrationPath + "/" + plain["client_id"].(string), rat},
		{"no such client", RegistrationPath + "/connected-app-test-missing", rat},
	} {
		code, out, h := e.send("GET", tc.path, tc.tok, nil)
		wantOAuthError(t, tc.name, code, out, h, http.StatusUnauthorized, "invalid_token")
		code, out, h = e.send("PUT", tc.path, tc.tok, with(web(), "client_id", id))
		wantOAuthError(t, tc.name+" (PUT)", code, out, h, http.StatusUnauthorized, "invalid_token")
		code, out, h = e.send("DELETE", tc.path, tc.tok, nil)
		wantOAuthError(t, tc.name+" (DELETE)", code, out, h, http.StatusUnauthorized, "invalid_token")
	}

	code, got, h := e.send("GET", uri, rat, nil)
	if code != http.StatusOK || got["client_id"] != id || got["registration_access_token"] != rat || got["client_secret"] != nil ||
		got["registration_client_uri"] != "https://id.example"+uri || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET = %d %v", code, got)
	}

	// PUT: the rules of §2.2, then the same validation as registration.
	for _, tc := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"no client_id", web(), "invalid_client_metadata"},
		{"another client_id", with(web(), "client_id", other["client_id"]), "invalid_client_metadata"},
		{"wrong client_secret", with(web(), "client_id", id, "client_secret", "guess"), "invalid_client_metadata"},
		{"to a public client", with(web(), "client_id", id, "token_endpoint_auth_method", "none"), "invalid_client_metadata"},
		{"bad redirect", with(web(), "client_id", id, "redirect_uris", []string{"http://app.example/cb"}), "invalid_redirect_uri"},
		{"no redirect", with(web(), "client_id", id, "redirect_uris", nil), "invalid_redirect_uri"},
		{"bad profile", with(web(), "client_id", id, "security_profile", "fapi2"), "invalid_client_metadata"},
	} {
		code, out, h := e.send("PUT", uri, rat, tc.body)
		wantOAuthError(t, "PUT "+tc.name, code, out, h, http.StatusBadRequest, tc.code)
	}
	_, unchanged, _ := e.send("GET", uri, rat, nil)
	if unchanged["client_name"] != "App" || len(unchanged["post_logout_redirect_uris"].([]any)) != 1 {
		t.Fatalf("a refused PUT changed the client: %v", unchanged)
	}
	*e.forgot = nil
	code, got, _ = e.send("PUT", uri, rat, map[string]any{"client_id": id, "client_secret": secret, "client_name": "App 2",
		"redirect_uris": []string{"https://app.example/cb2"}, "registration_access_token": "ignored"})
	if code != http.StatusOK || got["client_name"] != "App 2" || got["post_logout_redirect_uris"] != nil ||
		got["registration_access_token"] != rat {
		t.Fatalf("PUT = %d %v", code, got)
	}
	if len(*e.forgot) != 1 || (*e.forgot)[0] != id {
		t.Errorf("cache told %v, want %s", *e.forgot, id)
	}
	_, app, _ := e.call("GET", "/v1/connected_apps/clients/"+id, nil)
	if a := app["connected_app"].(map[string]any); a["client_name"] != "App 2" || len(a["redirect_urls"].([]any)) != 1 ||
		len(a["post_logout_redirect_urls"].([]any)) != 0 {
		t.Fatalf("after PUT the management API reads %v", a)
	}

	// DELETE: 204, then the client is gone for both APIs.
	code, _, _ = e.send("DELETE", uri, rat, nil)
	if code != http.StatusNoContent {
		t.Fatalf("DELETE = %d", code)
	}
	code, out, h := e.send("GET", uri, rat, nil)
	wantOAuthError(t, "GET after DELETE", code, out, h, http.StatusUnauthorized, "invalid_token")
	if code, _, _ := e.call("GET", "/v1/connected_apps/clients/"+id, nil); code != http.StatusNotFound {
		t.Fatalf("management API after DELETE: %d", code)
	}
}

// Initial access tokens: bounds of the management route.
func TestRegistrationTokensAPI(t *testing.T) {
	e := newDCREnv(t)
	for _, tc := range []struct {
		body   map[string]any
		status int
	}{
		{nil, 200},
		{map[string]any{"max_uses": 1000, "expires_in_minutes": 43200}, 200},
		{map[string]any{"max_uses": 0}, 400},
		{map[string]any{"max_uses": 1001}, 400},
		{map[string]any{"expires_in_minutes": 0}, 400},
		{map[string]any{"expires_in_minutes": 43201}, 400},
		{map[string]any{"expires_in_minutes": 1 << 62}, 400},
	} {
		code, out, h := e.call("POST", "/v1/connected_apps/registration_tokens", tc.body)
		if code != tc.status {
			t.Errorf("%v: %d %v, want %d", tc.body, code, out, tc.status)
			continue
		}
		if code == 200 {
			rt := out["registration_token"].(map[string]any)
			if rt["token"] == "" || rt["registration_token_id"] == "" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("%v: %v", tc.body, out)
			}
		}
	}
	if code, out, _ := e.call("DELETE", "/v1/connected_apps/registration_tokens/registration-token-test-missing", nil); code != 404 ||
		out["error_type"] != "registration_token_not_found" {
		t.Errorf("revoke unknown: %d %v", code, out)
	}
	// Another project's token is not this project's to revoke.
	code, out, _ := e.callAs(e.other, e.otherSec, "POST", "/v1/connected_apps/registration_tokens", nil)
	if code != 200 {
		t.Fatal(out)
	}
	id := out["registration_token"].(map[string]any)["registration_token_id"].(string)
	if code, _, _ := e.call("DELETE", "/v1/connected_apps/registration_tokens/"+id, nil); code != 404 {
		t.Errorf("revoke another project's token: %d", code)
	}
}

// countLimiter allows n writes, then refuses, and records the keys.
type countLimiter struct {
	n    int
	keys []string
}

func (l *countLimiter) Allow(_ context.Context, key string) bool {
	l.keys = append(l.keys, key)
	l.n--
	return l.n >= 0
}

// Open registration, which writes for anyone, is bounded per client
// address; registrations with an initial access token are not counted.
func TestOpenRegistrationLimit(t *testing.T) {
	e := newCAEnv(t)
	limit := &countLimiter{n: 2}
	(&Registration{Issuer: "https://id.example", Store: e.st, Cache: e.forgot, Pepper: e.pepper, Scopes: []string{"openid"},
		OpenLimit: limit}).Mount(e.mux)
	(&RegistrationTokens{Auth: projects.NewAuth(e.st, e.pepper, time.Minute), Store: e.st, Pepper: e.pepper}).Mount(e.mux)
	d := dcrEnv{e}
	if err := e.st.SetProjectRegistration(context.Background(), e.project, store.RegistrationPolicy{Open: true}); err != nil {
		t.Fatal(err)
	}
	tok := d.token(map[string]any{"max_uses": 5})
	for i := range 3 {
		code, out, _ := d.send("POST", ProjectRegistrationPath(e.project), "", web())
		if want := []int{201, 201, 429}[i]; code != want {
			t.Fatalf("open registration %d: %d %v, want %d", i, code, out, want)
		}
		if i == 2 && out["error"] != "invalid_request" {
			t.Errorf("refusal %v", out)
		}
	}
	if code, out, _ := d.send("POST", ProjectRegistrationPath(e.project), tok, web()); code != http.StatusCreated {
		t.Fatalf("with a token past the open limit: %d %v", code, out)
	}
	if len(limit.keys) != 3 || limit.keys[0] != "192.0.2.1" {
		t.Errorf("limiter asked about %v, want the peer address three times", limit.keys)
	}
}
