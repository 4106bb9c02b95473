package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/clientauth"
)

// signAssertion makes a private_key_jwt client assertion (RFC 7523 §3).
func signAssertion(t *testing.T, key crypto.Signer, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newKeyClient registers a confidential Connected App that authenticates
// with private_key_jwt and returns it with its key.
func (e *env) newKeyClient() (client, *ecdsa.PrivateKey) {
	e.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Use: "sig"}}})
	c := e.newClientIn(e.projectID, e.secret, "first_party", "token_endpoint_auth_method", "private_key_jwt",
		"jwks", json.RawMessage(jwks))
	c.secret = ""
	return c, key
}

// postAssertion sends a form with a client assertion, no other credentials.
func (e *env) postAssertion(path, assertion string, kv ...string) reply {
	e.t.Helper()
	v := url.Values{"client_assertion_type": {clientauth.AssertionType}, "client_assertion": {assertion}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(req)
}

// private_key_jwt at the token endpoint, introspection and revocation
// (RFC 7523 §2.2, §3): the assertion's aud must name this server, and a
// jti works once.
func TestPrivateKeyJWT(t *testing.T) {
	e := newEnv(t)
	c, key := e.newKeyClient()
	_, otherKey := e.newKeyClient()
	u := e.newUser(e.projectID)
	claims := func(aud any, jti string) map[string]any {
		now := time.Now().Unix()
		return map[string]any{"iss": c.id, "sub": c.id, "aud": aud, "jti": jti, "iat": now, "exp": now + 60}
	}
	replayed := signAssertion(t, key, claims(e.url, uuid.NewString()))
	for _, tt := range []struct {
		name      string
		path      string
		assertion string
		want      int
		wantErr   string
	}{
		{"aud issuer", "/v1/oauth2/token", signAssertion(t, key, claims(e.url, uuid.NewString())), 200, ""},
		{"aud token endpoint", "/v1/oauth2/token", signAssertion(t, key, claims(e.url+"/v1/oauth2/token", uuid.NewString())), 200, ""},
		{"aud project path", "/v1/public/" + e.projectID + "/oauth2/token",
			signAssertion(t, key, claims(e.url+"/v1/public/"+e.projectID+"/oauth2/token", uuid.NewString())), 200, ""},
		{"first use", "/v1/oauth2/token", replayed, 200, ""},
		{"replayed jti", "/v1/oauth2/token", replayed, 401, "invalid_client"},
		{"wrong aud", "/v1/oauth2/token", signAssertion(t, key, claims("https://elsewhere.example", uuid.NewString())), 401, "invalid_client"},
		{"aud of another endpoint", "/v1/oauth2/token", signAssertion(t, key, claims(e.url+"/v1/oauth2/introspect", uuid.NewString())), 401, "invalid_client"},
		{"another client's key", "/v1/oauth2/token", signAssertion(t, otherKey, claims(e.url, uuid.NewString())), 401, "invalid_client"},
		{"expired", "/v1/oauth2/token", signAssertion(t, key, map[string]any{"iss": c.id, "sub": c.id, "aud": e.url,
			"jti": uuid.NewString(), "iat": time.Now().Add(-time.Hour).Unix(), "exp": time.Now().Add(-50 * time.Minute).Unix()}), 401, "invalid_client"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code := e.code(c, u, codeSpec{scopes: []string{"openid"}})
			r := e.postAssertion(tt.path, tt.assertion, "grant_type", "authorization_code", "code", code, "redirect_uri", c.redirectURI)
			if r.code != tt.want || tt.wantErr != "" && r.str("error") != tt.wantErr {
				t.Fatalf("token = %d %v, want %d %s", r.code, r.body, tt.want, tt.wantErr)
			}
			if tt.want == 200 && (r.str("access_token") == "" || r.str("id_token") == "") {
				t.Fatalf("token response lacks tokens: %v", r.body)
			}
		})
	}

	// Introspection and revocation take the same method, with their own URL as aud.
	code := e.code(c, u, codeSpec{scopes: []string{"openid"}})
	tok := e.postAssertion("/v1/oauth2/token", signAssertion(t, key, claims(e.url, uuid.NewString())),
		"grant_type", "authorization_code", "code", code, "redirect_uri", c.redirectURI).str("access_token")
	r := e.postAssertion("/v1/oauth2/introspect", signAssertion(t, key, claims(e.url+"/v1/oauth2/introspect", uuid.NewString())), "token", tok)
	if r.code != 200 || r.body["active"] != true {
		t.Fatalf("introspect = %d %v", r.code, r.body)
	}
	r = e.postAssertion("/v1/oauth2/revoke", signAssertion(t, key, claims(e.url+"/v1/oauth2/revoke", uuid.NewString())), "token", tok)
	if r.code != 200 {
		t.Fatalf("revoke = %d %v", r.code, r.body)
	}
	r = e.postAssertion("/v1/oauth2/introspect", signAssertion(t, key, claims(e.url, uuid.NewString())), "token", tok)
	if r.code != 200 || r.body["active"] != false {
		t.Fatalf("introspect after revoke = %d %v", r.code, r.body)
	}
	// A secret is no longer enough for this client: it registered private_key_jwt.
	r = e.form("/v1/oauth2/introspect", &client{id: c.id, secret: "anything"}, "token", tok)
	if r.code != 401 {
		t.Fatalf("introspect with a secret = %d %v", r.code, r.body)
	}
}
