package token_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/oidc"
)

// These tests run the real server (internal/server wiring) on a real
// store over loopback HTTP, and seed users, clients and codes the way
// the authorization endpoint would: codes go straight into the store,
// hashed with the server's pepper.

type env struct {
	t      *testing.T
	st     store.Store
	keys   *keys.Manager
	pepper secrets.Pepper
	clock  *testclock.Clock
	url    string
	// The main project and its credentials.
	projectID, secret string
	// introspector is a confidential client of the main project, made
	// on first use.
	introspector client
	// hc sends requests (default http.DefaultClient); a TLS env sets it.
	hc *http.Client
	// dsn and mk are the database and master key, for more nodes (node).
	dsn string
	mk  keys.MasterKey
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: testclock.New(time.Now().UTC().Truncate(time.Second))}
	e.start(servertest.Options{Now: e.clock.Now})
	return e
}

// start fills e in from a server started with o.
func (e *env) start(o servertest.Options) *servertest.Signet {
	s := servertest.Start(e.t, o)
	e.st, e.dsn, e.mk, e.keys, e.pepper = s.Store, s.DSN, s.MasterKey, s.Keys, s.Pepper
	e.projectID, e.secret, e.url = s.ProjectID, s.Secret, s.URL
	return s
}

// serve starts a Signet server on st and returns its base URL. issuer ""
// is that URL. Every node of an env shares the pepper and the clock.
func (e *env) serve(st store.Store, km *keys.Manager, issuer string) string {
	ts := servertest.Serve(e.t, nil, func(c *server.Config) {
		c.Store, c.Keys, c.Pepper, c.Now = st, km, e.pepper, e.clock.Now
		if issuer != "" {
			c.Issuer = issuer
		}
	})
	return ts.URL
}

func (e *env) newProject() (id, secret string) {
	e.t.Helper()
	p, secret, err := projects.Create(e.t.Context(), e.st, e.keys, e.pepper, "test", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID, secret
}

// apiAs sends a management request with a project's credentials.
func (e *env) apiAs(projectID, secret, method, path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	req.SetBasicAuth(projectID, secret)
	req.Header.Set("Content-Type", "application/json")
	hc := e.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s %s = %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

// client is a registered Connected App.
type client struct {
	id, secret  string // secret "" for public clients
	projectID   string
	redirectURI string
}

// newClient registers a Connected App in the main project.
func (e *env) newClient(clientType string, extra ...any) client {
	return e.newClientIn(e.projectID, e.secret, clientType, extra...)
}

func (e *env) newClientIn(projectID, secret, clientType string, extra ...any) client {
	e.t.Helper()
	redirect := "https://app.example/cb"
	body := map[string]any{"client_type": clientType, "client_name": "Acme", "redirect_urls": []string{redirect}}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	c := e.apiAs(projectID, secret, "POST", "/v1/connected_apps/clients", body)["connected_app"].(map[string]any)
	s, _ := c["client_secret"].(string)
	return client{id: c["client_id"].(string), secret: s, projectID: projectID, redirectURI: redirect}
}

// newM2M registers an M2M client in the main project.
func (e *env) newM2M() client {
	e.t.Helper()
	c := e.apiAs(e.projectID, e.secret, "POST", "/v1/m2m/clients", map[string]any{"scopes": []string{"read:things"}})["m2m_client"].(map[string]any)
	return client{id: c["client_id"].(string), secret: c["client_secret"].(string), projectID: e.projectID}
}

// newUser stores a user of projectID with a name, a verified email and an
// unverified phone number.
func (e *env) newUser(projectID string) store.User {
	e.t.Helper()
	n := uuid.NewString()
	now := e.clock.Now()
	u := store.User{
		ID: "user-test-" + n, ProjectID: projectID, Status: "active",
		Name:      store.Name{First: "Ada", Middle: "King", Last: "Lovelace"},
		Email:     &store.Email{ID: "email-test-" + n, Address: "ada-" + n[:8] + "@example.com", Verified: true},
		Phone:     &store.Phone{ID: "phone-number-test-" + n, Number: fmt.Sprintf("+1555%07d", mrand.IntN(10_000_000))},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := e.st.CreateUser(e.t.Context(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// codeSpec is what a seeded code carries.
type codeSpec struct {
	scopes    []string
	nonce     string
	challenge string
	redirect  string        // default: the client's
	authTime  time.Time     // default: a minute ago
	ttl       time.Duration // default: 60s
	claims    string        // the claims request parameter (OIDC Core §5.5), or ""
	acr       string        // the acr the authentication proved, or ""
	dpopJKT   string        // the DPoP key the code is bound to, or ""
	session   string        // the Signet session it was authorized in, or ""
}

// code stores an authorization code for u and c, as internal/authorize
// does, and returns it.
func (e *env) code(c client, u store.User, s codeSpec) string {
	e.t.Helper()
	code := secrets.New("")
	now := store.Now(e.clock.Now)
	if s.redirect == "" {
		s.redirect = c.redirectURI
	}
	if s.authTime.IsZero() {
		s.authTime = now.Add(-time.Minute)
	}
	if s.ttl == 0 {
		s.ttl = 60 * time.Second
	}
	if err := e.st.CreateAuthCode(e.t.Context(), store.AuthCode{
		Hash: e.pepper.Hash(code), ProjectID: c.projectID, ClientID: c.id, UserID: u.ID,
		RedirectURI: s.redirect, Scopes: s.scopes, Nonce: s.nonce, CodeChallenge: s.challenge,
		AuthTime: store.Time(s.authTime), CreatedAt: now, ExpiresAt: now.Add(s.ttl),
		Claims: rawClaims(s.claims), ACR: s.acr, DPoPJKT: s.dpopJKT, SessionID: s.session,
	}, nil); err != nil {
		e.t.Fatal(err)
	}
	return code
}

func rawClaims(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	var b [32]byte
	rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	return verifier, oidc.S256Challenge(verifier)
}

// reply is an HTTP answer with its JSON body.
type reply struct {
	code   int
	header http.Header
	body   map[string]any
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

// send sends a request and decodes the JSON answer.
func (e *env) send(req *http.Request) reply {
	e.t.Helper()
	hc := e.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	out := reply{code: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(buf.Bytes(), &out.body); err != nil {
		e.t.Fatalf("%s %s: body is not JSON: %q", req.Method, req.URL.Path, buf.String())
	}
	return out
}

// form posts form-encoded kv pairs to path; auth, if set, is a client
// whose credentials go in HTTP Basic (confidential) or client_id (public).
func (e *env) form(path string, auth *client, kv ...string) reply {
	e.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if auth != nil && auth.secret == "" {
		v.Set("client_id", auth.id)
	}
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != nil && auth.secret != "" {
		req.SetBasicAuth(url.QueryEscape(auth.id), url.QueryEscape(auth.secret))
	}
	return e.send(req)
}

// exchange redeems a code at the token endpoint.
func (e *env) exchange(c client, code string, kv ...string) reply {
	e.t.Helper()
	return e.form("/v1/oauth2/token", &c, append([]string{"grant_type", "authorization_code", "code", code, "redirect_uri", c.redirectURI}, kv...)...)
}

// mustExchange redeems a code and fails the test unless it works.
func (e *env) mustExchange(c client, code string, kv ...string) reply {
	e.t.Helper()
	r := e.exchange(c, code, kv...)
	if r.code != 200 {
		e.t.Fatalf("exchange = %d %v", r.code, r.body)
	}
	return r
}

func (e *env) refresh(c client, rt string, kv ...string) reply {
	e.t.Helper()
	return e.form("/v1/oauth2/token", &c, append([]string{"grant_type", "refresh_token", "refresh_token", rt}, kv...)...)
}

func (e *env) introspect(c client, tok string) reply {
	e.t.Helper()
	return e.form("/v1/oauth2/introspect", &c, "token", tok)
}

func (e *env) revoke(c client, tok string) reply {
	e.t.Helper()
	return e.form("/v1/oauth2/revoke", &c, "token", tok)
}

// userinfo calls GET /v1/oauth2/userinfo with the given Authorization
// header.
func (e *env) userinfo(authorization string) reply {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/userinfo", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return e.send(req)
}

// active reports what introspection by c says of tok.
func (e *env) active(c client, tok string) bool {
	e.t.Helper()
	r := e.introspect(c, tok)
	if r.code != 200 {
		e.t.Fatalf("introspect = %d %v", r.code, r.body)
	}
	if r.body["active"] == false && len(r.body) != 3 {
		e.t.Errorf("inactive answer has more than active, request_id, status_code: %v", r.body)
	}
	return r.body["active"] == true
}

// verified checks a JWT with go-jose against the project's published keys
// and returns its header and claims.
func (e *env) verified(projectID, tok string) (jose.Header, map[string]any) {
	e.t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256, jose.EdDSA})
	if err != nil {
		e.t.Fatalf("parse %q: %v", tok, err)
	}
	set, err := e.keys.PublicKeys(context.Background(), projectID)
	if err != nil {
		e.t.Fatal(err)
	}
	var claims map[string]any
	if err := parsed.Claims(set, &claims); err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	return parsed.Headers[0], claims
}
