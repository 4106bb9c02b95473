package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

type m2mClient struct {
	ClientID         string   `json:"client_id"`
	ClientSecret     string   `json:"client_secret"`
	NextClientSecret string   `json:"next_client_secret"`
	Status           string   `json:"status"`
	Scopes           []string `json:"scopes"`
}

func (s *Server) createM2M(t *testing.T, body map[string]any) m2mClient {
	t.Helper()
	var out struct {
		M2MClient m2mClient `json:"m2m_client"`
	}
	if code := s.call(t, "POST", "/v1/m2m/clients", body, &out); code != 200 {
		t.Fatalf("create M2M client = %d", code)
	}
	return out.M2MClient
}

// tokenResponse is the token endpoint's answer, success or error.
type tokenResponse struct {
	status      int
	cacheCtl    string
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

// token posts to the token endpoint. contentType picks the body encoding;
// basic, if given, is (id, secret) sent with HTTP Basic, URL-encoded as
// RFC 6749 §2.3.1 says.
func (s *Server) token(t *testing.T, path, contentType string, params map[string]string, basic ...string) tokenResponse {
	t.Helper()
	var body string
	if contentType == "application/json" {
		b, _ := json.Marshal(params)
		body = string(b)
	} else {
		v := url.Values{}
		for k, p := range params {
			v.Set(k, p)
		}
		body = v.Encode()
	}
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tr := tokenResponse{status: resp.StatusCode, cacheCtl: resp.Header.Get("Cache-Control")}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return tr
}

const form = "application/x-www-form-urlencoded"

// verifyAccessToken checks a token against the JWKS at jwksURL with
// go-jose, as a resource server would.
func verifyAccessToken(t *testing.T, s *Server, jwksURL, tok, alg string) (jose.Header, map[string]any) {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, jwksURL, http.StatusOK, &set)
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	var std jwt.Claims
	var all map[string]any
	if err := parsed.Claims(set, &std, &all); err != nil {
		t.Fatalf("verify token against %s: %v", jwksURL, err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: s.URL, AnyAudience: jwt.Audience{s.ProjectID}, Time: time.Now()}, time.Minute); err != nil {
		t.Errorf("claims: %v", err)
	}
	return parsed.Headers[0], all
}

// A developer makes an M2M client and gets tokens every way a client may
// ask; resource servers verify them against the published keys.
func TestM2MClientCredentials(t *testing.T) {
	s := startServer(t)
	c := s.createM2M(t, map[string]any{"scopes": []string{"read:users", "write:users"}, "client_name": "e2e"})
	if c.ClientSecret == "" || c.Status != "active" {
		t.Fatalf("created %+v", c)
	}
	stytchPath := "/v1/public/" + s.ProjectID + "/oauth2/token"
	creds := map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}

	var md map[string]any
	getJSON(t, s.URL+"/.well-known/openid-configuration", http.StatusOK, &md)
	if md["token_endpoint"] != s.URL+"/v1/oauth2/token" {
		t.Errorf("discovery token_endpoint = %v", md["token_endpoint"])
	}

	for _, tt := range []struct {
		name, path, contentType string
		params                  map[string]string
		basic                   []string
		jwks                    string
	}{
		{"form, client_secret_post", stytchPath, form, creds, nil, "/v1/sessions/jwks/" + s.ProjectID},
		{"JSON", stytchPath, "application/json", creds, nil, "/.well-known/jwks.json"},
		{"form, client_secret_basic, root path", "/v1/oauth2/token", form, map[string]string{"grant_type": "client_credentials"},
			[]string{c.ClientID, c.ClientSecret}, "/.well-known/jwks.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := s.token(t, tt.path, tt.contentType, tt.params, tt.basic...)
			if tr.status != 200 || tr.TokenType != "bearer" || tr.ExpiresIn != 3600 || tr.Scope != "read:users write:users" || tr.cacheCtl != "no-store" {
				t.Fatalf("token = %+v", tr)
			}
			hdr, claims := verifyAccessToken(t, s, s.URL+tt.jwks, tr.AccessToken, "RS256")
			if hdr.ExtraHeaders["typ"] != "JWT" {
				t.Errorf("typ = %v, want JWT (Stytch SDKs refuse others)", hdr.ExtraHeaders["typ"])
			}
			if claims["sub"] != c.ClientID || claims["client_id"] != c.ClientID || claims["scope"] != "read:users write:users" || claims["jti"] == nil {
				t.Errorf("claims = %v", claims)
			}
		})
	}

	t.Run("requested scope narrows the token", func(t *testing.T) {
		tr := s.token(t, stytchPath, form, with(creds, "scope", "write:users"))
		if tr.status != 200 || tr.Scope != "write:users" {
			t.Fatalf("token = %+v", tr)
		}
	})

	other := s.createM2M(t, map[string]any{"scopes": []string{"read:users"}})
	s.call(t, "PUT", "/v1/m2m/clients/"+other.ClientID, map[string]any{"status": "inactive"}, nil)
	for _, tt := range []struct {
		name       string
		params     map[string]string
		basic      []string
		wantStatus int
		wantError  string
	}{
		{"bad secret", with(creds, "client_secret", c.ClientSecret+"x"), nil, 401, "invalid_client"},
		{"inactive client", with(creds, "client_id", other.ClientID, "client_secret", other.ClientSecret), nil, 401, "invalid_client"},
		{"unknown scope", with(creds, "scope", "admin"), nil, 400, "invalid_scope"},
		{"wrong grant", with(creds, "grant_type", "password"), nil, 400, "unsupported_grant_type"},
		{"secret in body and header", creds, []string{c.ClientID, c.ClientSecret}, 400, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := s.token(t, stytchPath, form, tt.params, tt.basic...)
			if tr.status != tt.wantStatus || tr.Error != tt.wantError || tr.AccessToken != "" {
				t.Errorf("got %d %q, want %d %q", tr.status, tr.Error, tt.wantStatus, tt.wantError)
			}
		})
	}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Two-phase rotation: both secrets work between start and rotate; after
// rotate only the new one does.
func TestM2MSecretRotation(t *testing.T) {
	s := startServer(t)
	c := s.createM2M(t, map[string]any{"scopes": []string{"jobs"}})
	path := "/v1/public/" + s.ProjectID + "/oauth2/token"
	status := func(secret string) int {
		return s.token(t, path, form, map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": secret}).status
	}
	if status(c.ClientSecret) != 200 {
		t.Fatal("first secret refused")
	}
	var started struct {
		M2MClient m2mClient `json:"m2m_client"`
	}
	if code := s.call(t, "POST", "/v1/m2m/clients/"+c.ClientID+"/secrets/rotate/start", nil, &started); code != 200 || started.M2MClient.NextClientSecret == "" {
		t.Fatalf("rotate/start = %d %+v", code, started)
	}
	next := started.M2MClient.NextClientSecret
	if status(c.ClientSecret) != 200 || status(next) != 200 {
		t.Fatal("during rotation both secrets must work")
	}
	if code := s.call(t, "POST", "/v1/m2m/clients/"+c.ClientID+"/secrets/rotate", nil, nil); code != 200 {
		t.Fatalf("rotate = %d", code)
	}
	if got := status(c.ClientSecret); got != 401 {
		t.Errorf("old secret after rotate = %d, want 401", got)
	}
	if status(next) != 200 {
		t.Error("new secret refused after rotate")
	}
	if code := s.call(t, "DELETE", "/v1/m2m/clients/"+c.ClientID, nil, nil); code != 200 || status(next) != 401 {
		t.Errorf("deleted client still gets tokens")
	}
}

// `signet project set --token-alg ES256` switches a project's access
// tokens to ES256; the key it needs is made and published.
func TestM2MProjectTokenAlg(t *testing.T) {
	s := startServer(t)
	// Before the first token, so the server has not cached the project's
	// algorithm yet (a server that has switches within 30 s).
	out := s.run(t, "project", "set", "--db", s.DB, "--project", s.ProjectID, "--token-alg", "ES256")
	if !strings.Contains(string(out), "ES256") {
		t.Fatalf("project set said %q", out)
	}
	c := s.createM2M(t, map[string]any{"scopes": []string{"a"}})
	tr := s.token(t, "/v1/oauth2/token", form, map[string]string{"grant_type": "client_credentials"}, c.ClientID, c.ClientSecret)
	if tr.status != 200 {
		t.Fatalf("token = %+v", tr)
	}
	hdr, _ := verifyAccessToken(t, s, s.URL+"/v1/sessions/jwks/"+s.ProjectID, tr.AccessToken, "ES256")
	if hdr.Algorithm != "ES256" {
		t.Errorf("alg = %s", hdr.Algorithm)
	}
}

// The official Stytch Node SDK manages M2M clients, gets a token and
// verifies it locally (e2e/node/stytch_m2m.mjs).
func TestStytchNodeSDKM2M(t *testing.T) {
	cmd := nodeScript(t, "stytch_m2m.mjs")
	s := startServer(t)
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_PROJECT_ID="+s.ProjectID, "SIGNET_SECRET="+s.Secret)
	out, err := cmd.CombinedOutput()
	t.Logf("node:\n%s", out)
	if err != nil {
		t.Fatalf("stytch_m2m.mjs: %v", err)
	}
}
