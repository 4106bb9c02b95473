package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

const issuer = "https://signet.test"

// env is a token endpoint over a real SQLite store and key manager, with
// one project per access-token algorithm.
type env struct {
	t      testing.TB
	st     *sqlite.DB
	mk     keys.MasterKey
	km     *keys.Manager
	cache  *apps.Cache
	pepper secrets.Pepper
	mux    *http.ServeMux
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.OpenAndMigrate(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := keys.GenerateMasterKey()
	e := &env{
		t:      t,
		st:     st,
		mk:     mk,
		km:     keys.NewManager(st, mk, keys.Options{}),
		pepper: secrets.NewPepper(bytes.Repeat([]byte{3}, 32)),
		mux:    http.NewServeMux(),
	}
	e.cache = apps.NewCache(st, 5*time.Second, nil)
	(&Handler{Issuer: issuer, Clients: e.cache, Projects: st, Keys: e.km, Pepper: e.pepper}).Mount(e.mux)
	return e
}

// project makes a project whose access tokens use alg.
func (e *env) project(id, alg string) {
	ctx := context.Background()
	if err := e.st.CreateProject(ctx, store.Project{ID: id, Name: id, SecretHash: make([]byte, 32), TokenAlg: alg, CreatedAt: time.Now()}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.km.EnsureKey(ctx, id, alg); err != nil {
		e.t.Fatal(err)
	}
}

// client stores an M2M client with the given secret.
func (e *env) client(projectID, id, secret string, scopes ...string) {
	if err := e.st.CreateM2MClient(context.Background(), store.M2MClient{
		ClientID: id, ProjectID: projectID, Status: "active", Scopes: scopes,
		SecretHash: e.pepper.Hash(secret), SecretLastFour: secrets.LastFour(secret),
		CreatedAt: time.Now(), UpdatedAt: time.Now(),
	}); err != nil {
		e.t.Fatal(err)
	}
}

// post sends a token request: body is a url.Values (form) or a string
// (sent as JSON); basic, if set, is "id:secret" before URL-encoding.
func (e *env) post(path string, body any, basic ...string) *httptest.ResponseRecorder {
	var req *http.Request
	switch b := body.(type) {
	case url.Values:
		req = httptest.NewRequest("POST", path, strings.NewReader(b.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case string:
		req = httptest.NewRequest("POST", path, strings.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, api.WithRequestID(req))
	return rec
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

type claims struct {
	jwt.Claims
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
}

// verify checks a token against the project's published keys with
// go-jose, and returns its header and claims.
func (e *env) verify(projectID, alg, tok string) (jose.Header, claims) {
	e.t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		e.t.Fatalf("parse %s token: %v", alg, err)
	}
	set, err := e.km.PublicKeys(context.Background(), projectID)
	if err != nil {
		e.t.Fatal(err)
	}
	var c claims
	if err := parsed.Claims(set, &c); err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{projectID}, Time: time.Now()}, 0); err != nil {
		e.t.Errorf("claims: %v", err)
	}
	return parsed.Headers[0], c
}

func TestClientCredentialsAlgorithms(t *testing.T) {
	e := newEnv(t)
	for _, alg := range []string{keys.RS256, keys.ES256, keys.EdDSA, keys.PS256} {
		t.Run(alg, func(t *testing.T) {
			pid := "project-test-" + alg
			e.project(pid, alg)
			e.client(pid, "client-"+alg, "secret-0123456789abcdef", "read:users", "write:users")
			rec := e.post("/v1/public/"+pid+"/oauth2/token", form("grant_type", "client_credentials",
				"client_id", "client-"+alg, "client_secret", "secret-0123456789abcdef"))
			if rec.Code != 200 {
				t.Fatalf("token = %d %s", rec.Code, rec.Body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Pragma") != "no-cache" {
				t.Errorf("headers = %v, want no-store and no-cache (RFC 6749 §5.1)", rec.Header())
			}
			var resp map[string]any
			json.Unmarshal(rec.Body.Bytes(), &resp)
			if resp["expires_in"] != float64(3600) || resp["token_type"] != "bearer" || resp["scope"] != "read:users write:users" ||
				resp["status_code"] != float64(200) || resp["request_id"] == "" || len(resp) != 6 {
				t.Errorf("response = %v", resp)
			}
			hdr, c := e.verify(pid, alg, resp["access_token"].(string))
			if hdr.ExtraHeaders["typ"] != "JWT" || !strings.HasPrefix(hdr.KeyID, "jwk-test-") {
				t.Errorf("header = %+v, want typ JWT (what Stytch SDKs accept) and a kid", hdr)
			}
			if c.Subject != "client-"+alg || c.ClientID != "client-"+alg || c.Scope != "read:users write:users" ||
				c.ID == "" || *c.Expiry != *c.IssuedAt+3600 || *c.NotBefore != *c.IssuedAt {
				t.Errorf("claims = %+v", c)
			}
		})
	}
}

func TestTokenRequests(t *testing.T) {
	e := newEnv(t)
	const pid, other = "project-test-main", "project-test-other"
	e.project(pid, keys.ES256)
	e.project(other, keys.ES256)
	// The secret has characters that HTTP Basic must carry URL-encoded.
	const secret = "s3cret:with%and+plus"
	e.client(pid, "client-1", secret, "read", "write", "admin")
	e.client(other, "client-other", secret, "read")
	e.client(pid, "client-off", secret, "read")
	e.st.UpdateM2MClient(context.Background(), pid, "client-off", func(c *store.M2MClient) error { c.Status = "inactive"; return nil })

	path := "/v1/public/" + pid + "/oauth2/token"
	cc := func(kv ...string) url.Values {
		return form(append([]string{"grant_type", "client_credentials"}, kv...)...)
	}
	tests := []struct {
		name      string
		path      string
		body      any
		basic     []string
		header    string // raw Authorization header, instead of basic
		wantCode  int
		wantError string
		wantScope string
	}{
		{name: "post", body: cc("client_id", "client-1", "client_secret", secret), wantCode: 200, wantScope: "read write admin"},
		{name: "basic, URL-encoded halves", body: cc(), basic: []string{"client-1", secret}, wantCode: 200, wantScope: "read write admin"},
		{name: "basic with matching client_id in body", body: cc("client_id", "client-1"), basic: []string{"client-1", secret}, wantCode: 200, wantScope: "read write admin"},
		{name: "JSON", body: `{"grant_type":"client_credentials","client_id":"client-1","client_secret":"` + secret + `","scope":"read"}`, wantCode: 200, wantScope: "read"},
		{name: "root path finds the project", path: "/v1/oauth2/token", body: cc("client_id", "client-other", "client_secret", secret), wantCode: 200, wantScope: "read"},
		{name: "scope subset", body: cc("client_id", "client-1", "client_secret", secret, "scope", "write  read write"), wantCode: 200, wantScope: "write read"},
		{name: "scope not granted", body: cc("client_id", "client-1", "client_secret", secret, "scope", "read delete"), wantCode: 400, wantError: "invalid_scope"},
		{name: "wrong secret", body: cc("client_id", "client-1", "client_secret", secret+"x"), wantCode: 401, wantError: "invalid_client"},
		{name: "basic not URL-decoded by client", body: cc(), header: "Basic " + base64.StdEncoding.EncodeToString([]byte("client-1:"+secret)), wantCode: 401, wantError: "invalid_client"},
		{name: "unknown client", body: cc("client_id", "nobody", "client_secret", secret), wantCode: 401, wantError: "invalid_client"},
		{name: "no secret", body: cc("client_id", "client-1"), wantCode: 401, wantError: "invalid_client"},
		{name: "no credentials", body: cc(), wantCode: 401, wantError: "invalid_client"},
		{name: "inactive client", body: cc("client_id", "client-off", "client_secret", secret), wantCode: 401, wantError: "invalid_client"},
		{name: "client of another project", body: cc("client_id", "client-other", "client_secret", secret), wantCode: 401, wantError: "invalid_client"},
		{name: "both methods", body: cc("client_secret", secret), basic: []string{"client-1", secret}, wantCode: 400, wantError: "invalid_request"},
		{name: "body client_id differs from basic", body: cc("client_id", "client-other"), basic: []string{"client-1", secret}, wantCode: 400, wantError: "invalid_request"},
		{name: "bearer header", body: cc(), header: "Bearer abc", wantCode: 401, wantError: "invalid_client"},
		{name: "broken basic", body: cc(), header: "Basic !!!", wantCode: 401, wantError: "invalid_client"},
		{name: "unknown grant", body: form("grant_type", "password", "client_id", "client-1", "client_secret", secret), wantCode: 400, wantError: "unsupported_grant_type"},
		{name: "grant not for M2M clients", body: form("grant_type", "authorization_code", "client_id", "client-1", "client_secret", secret), wantCode: 400, wantError: "unauthorized_client"},
		{name: "missing grant", body: form("client_id", "client-1", "client_secret", secret), wantCode: 400, wantError: "invalid_request"},
		{name: "repeated parameter", body: cc("client_id", "client-1", "client_secret", secret, "scope", "read", "scope", "write"), wantCode: 400, wantError: "invalid_request"},
		{name: "JSON non-string", body: `{"grant_type":"client_credentials","client_id":"client-1","client_secret":"` + secret + `","scope":["read"]}`, wantCode: 400, wantError: "invalid_request"},
		{name: "JSON not an object", body: `[1]`, wantCode: 400, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := path
			if tt.path != "" {
				p = tt.path
			}
			var rec *httptest.ResponseRecorder
			if tt.header != "" {
				req := httptest.NewRequest("POST", p, strings.NewReader(tt.body.(url.Values).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", tt.header)
				rec = httptest.NewRecorder()
				e.mux.ServeHTTP(rec, api.WithRequestID(req))
			} else {
				rec = e.post(p, tt.body, tt.basic...)
			}
			var resp map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.wantCode || (tt.wantError != "" && resp["error"] != tt.wantError) {
				t.Fatalf("got %d %v, want %d %s", rec.Code, resp, tt.wantCode, tt.wantError)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
			}
			if tt.wantCode == 200 && resp["scope"] != tt.wantScope {
				t.Errorf("scope = %v, want %q", resp["scope"], tt.wantScope)
			}
			if d, _ := resp["error_description"].(string); strings.ContainsAny(d, "\"\\") {
				t.Errorf("error_description %q has characters RFC 6749 §5.2 forbids", d)
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	e.project("project-test-p", keys.ES256)
	e.client("project-test-p", "c", "secret-0123456789abcdef")
	body := "grant_type=client_credentials&client_id=c&client_secret=secret-0123456789abcdef"
	for _, tt := range []struct {
		ct       string
		wantCode int
	}{
		{"application/x-www-form-urlencoded", 200},
		{"application/x-www-form-urlencoded; charset=UTF-8", 200},
		{"text/plain", 400},
		{"", 400},
	} {
		req := httptest.NewRequest("POST", "/v1/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", tt.ct)
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, api.WithRequestID(req))
		if rec.Code != tt.wantCode {
			t.Errorf("Content-Type %q: %d %s", tt.ct, rec.Code, rec.Body)
		}
	}
}

// Rotation: both secrets work between start and rotate; after rotate the
// old one stops at once on this node, because the management API forgets
// the cached client.
func TestRotationThroughCache(t *testing.T) {
	e := newEnv(t)
	const pid = "project-test-r"
	e.project(pid, keys.ES256)
	e.client(pid, "c", "old-secret-0123456789")
	ok := func(secret string) int {
		return e.post("/v1/oauth2/token", form("grant_type", "client_credentials", "client_id", "c", "client_secret", secret)).Code
	}
	update := func(fn func(c *store.M2MClient)) {
		if _, err := e.st.UpdateM2MClient(context.Background(), pid, "c", func(c *store.M2MClient) error { fn(c); return nil }); err != nil {
			t.Fatal(err)
		}
		e.cache.Forget("c")
	}
	if ok("old-secret-0123456789") != 200 {
		t.Fatal("old secret refused before rotation")
	}
	update(func(c *store.M2MClient) { c.NextSecretHash = e.pepper.Hash("new-secret-0123456789") })
	if ok("old-secret-0123456789") != 200 || ok("new-secret-0123456789") != 200 {
		t.Fatal("during rotation both secrets must work")
	}
	update(func(c *store.M2MClient) { c.SecretHash, c.NextSecretHash = c.NextSecretHash, nil })
	if ok("old-secret-0123456789") != 401 || ok("new-secret-0123456789") != 200 {
		t.Fatal("after rotation only the new secret may work")
	}
	update(func(c *store.M2MClient) { c.Status = "inactive" })
	if ok("new-secret-0123456789") != 401 {
		t.Fatal("inactive client accepted")
	}
}

func TestGrantScopes(t *testing.T) {
	allowed := []string{"a", "b", "c"}
	for _, tt := range []struct {
		requested string
		want      string
		wantErr   bool
	}{
		{"", "a b c", false},
		{"  ", "a b c", false},
		{"b", "b", false},
		{"c a c", "c a", false},
		{"a d", "", true},
		{"A", "", true}, // scopes are case-sensitive (RFC 6749 §3.3)
	} {
		got, err := grantScopes(tt.requested, allowed)
		if (err != nil) != tt.wantErr || strings.Join(got, " ") != tt.want {
			t.Errorf("grantScopes(%q) = %v, %v; want %q, error %v", tt.requested, got, err, tt.want, tt.wantErr)
		}
	}
}

// `signet project set` runs in another process: it makes the new key,
// waits until every node's JWKS serves it, then switches the algorithm.
// Once this process re-reads the project (at once when it hears of the
// change, ForgetProject; here at the end of ProjectTTL), the next token
// uses the new algorithm.
func TestProjectSwitchesAlg(t *testing.T) {
	e := newEnv(t)
	const pid = "project-test-switch"
	e.project(pid, keys.RS256)
	e.client(pid, "c", "secret-0123456789abcdef")
	now := time.Now()
	clock := func() time.Time { return now }
	km := keys.NewManager(e.st, e.mk, keys.Options{Now: clock})
	mux := http.NewServeMux()
	h := &Handler{Issuer: issuer, Clients: e.cache, Projects: e.st, Keys: km, Pepper: e.pepper, Now: clock}
	h.Mount(mux)
	e.mux = mux
	alg := func() string {
		rec := e.post("/v1/oauth2/token", form("grant_type", "client_credentials", "client_id", "c", "client_secret", "secret-0123456789abcdef"))
		if rec.Code != 200 {
			t.Fatalf("token = %d %s", rec.Code, rec.Body)
		}
		var resp struct {
			AccessToken string `json:"access_token"`
		}
		json.Unmarshal(rec.Body.Bytes(), &resp)
		h, _, _ := strings.Cut(resp.AccessToken, ".")
		b, _ := base64.RawURLEncoding.DecodeString(h)
		var hdr struct{ Alg string }
		json.Unmarshal(b, &hdr)
		return hdr.Alg
	}
	if got := alg(); got != keys.RS256 {
		t.Fatalf("alg = %s", got)
	}
	// The CLI has its own manager (and so its own key cache).
	cli := keys.NewManager(e.st, e.mk, keys.Options{Now: clock})
	if err := cli.EnsureKey(context.Background(), pid, keys.ES256); err != nil {
		t.Fatal(err)
	}
	from, err := cli.SignsFrom(context.Background(), pid, keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	now = from.Add(keys.MaxClockSkew)
	if got := alg(); got != keys.RS256 {
		t.Fatalf("alg = %s before the switch", got)
	}
	if err := e.st.SetProjectTokenAlg(context.Background(), pid, keys.ES256); err != nil {
		t.Fatal(err)
	}
	if got := alg(); got != keys.RS256 {
		t.Errorf("within ProjectTTL: alg = %s, want the cached RS256", got)
	}
	h.ForgetProject(pid)
	if got := alg(); got != keys.ES256 {
		t.Errorf("after ForgetProject: alg = %s, want ES256", got)
	}
	now = now.Add(DefaultProjectTTL)
	if got := alg(); got != keys.ES256 {
		t.Errorf("after ProjectTTL: alg = %s, want ES256", got)
	}
}
