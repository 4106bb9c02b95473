package authorize_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

func signObject(t *testing.T, key *ecdsa.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "rp-sig"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// signObjectJSON is signObject in the JWS JSON serialization (RFC 7515
// §7.2), which a request object, a JWT, never uses (RFC 7519 §1).
func signObjectJSON(t *testing.T, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "rp-sig"}},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	return jws.FullSerialize()
}

func TestRequestObjects(t *testing.T) {
	e := newEnv(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "rp-sig", Use: "sig"}}})
	id, secret := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb},
		"jwks": json.RawMessage(jwks)})
	_, challenge := pkce()
	claims := func(mod func(map[string]any)) map[string]any {
		now := e.clock.Now().Unix()
		c := map[string]any{"iss": id, "aud": e.url, "exp": now + 300, "nbf": now, "iat": now, "jti": uuid.NewString(),
			"client_id": id, "redirect_uri": cb, "response_type": "code", "scope": "openid", "state": "inside",
			"code_challenge": challenge, "code_challenge_method": "S256", "max_age": 600,
			"claims": map[string]any{"id_token": map[string]any{"email": map[string]any{"essential": true}}}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	obj := func(mod func(map[string]any)) string { return signObject(t, key, "oauth-authz-req+jwt", claims(mod)) }
	replayed := obj(nil)

	tests := []struct {
		name   string
		object string
		ok     bool
	}{
		{"valid", obj(nil), true},
		{"valid, replayed jti", replayed, true}, // first use
		{"replayed jti", replayed, false},
		{"no typ", signObject(t, key, "", claims(nil)), true},
		{"claims as a JSON string", obj(func(c map[string]any) { c["claims"] = `{"userinfo":{"email":null}}` }), true},
		{"aud array with issuer", obj(func(c map[string]any) { c["aud"] = []string{"https://other.example", e.url} }), true},
		{"nbf 8 s ahead", obj(func(c map[string]any) { c["nbf"] = e.clock.Now().Unix() + 8 }), true},
		{"tampered", func() string {
			parts := strings.Split(obj(nil), ".")
			p := signObject(t, key, "oauth-authz-req+jwt", claims(func(c map[string]any) { c["scope"] = "openid email" }))
			return parts[0] + "." + strings.Split(p, ".")[1] + "." + parts[2]
		}(), false},
		{"expired", obj(func(c map[string]any) { c["exp"] = e.clock.Now().Unix() - 60 }), false},
		{"no exp", obj(func(c map[string]any) { delete(c, "exp") }), false},
		{"no nbf", obj(func(c map[string]any) { delete(c, "nbf") }), false},
		{"exp 61 min after nbf", obj(func(c map[string]any) { c["exp"] = e.clock.Now().Unix() + 61*60 }), false},
		{"nbf 61 min ago", obj(func(c map[string]any) {
			c["nbf"] = e.clock.Now().Unix() - 61*60
		}), false},
		{"wrong aud", obj(func(c map[string]any) { c["aud"] = "https://other.example" }), false},
		{"wrong iss", obj(func(c map[string]any) { c["iss"] = "someone" }), false},
		{"other client_id inside", obj(func(c map[string]any) { c["client_id"] = "someone" }), false},
		{"request_uri inside", obj(func(c map[string]any) { c["request_uri"] = "urn:ietf:params:oauth:request_uri:x" }), false},
		{"wrong typ", signObject(t, key, "JWT+other", claims(nil)), false},
		{"other key", signObject(t, other, "oauth-authz-req+jwt", claims(nil)), false},
		{"JSON serialization", signObjectJSON(t, key, claims(nil)), false},
		{"alg none", "eyJhbGciOiJub25lIn0." + strings.Split(obj(nil), ".")[1] + ".", false},
	}
	for _, tt := range tests {
		t.Run("PAR "+tt.name, func(t *testing.T) {
			// Parameters outside the object are ignored (RFC 9101 §6.3).
			r := e.push(id, secret, params("client_id", id, "request", tt.object, "state", "outside", "scope", "bogus"))
			if tt.ok != (r.code == http.StatusCreated) || (!tt.ok && (r.code != 400 || r.body["error"] != "invalid_request_object")) {
				t.Fatalf("PAR = %d %v, want ok = %v", r.code, r.body, tt.ok)
			}
		})
	}

	t.Run("pushed object drives the flow", func(t *testing.T) {
		e.user("grace@example.com")
		r := e.push(id, secret, params("request", obj(nil)))
		b := e.browser()
		p := b.login(b.authorize(params("client_id", id, "request_uri", r.reqURI)), "grace@example.com", password)
		q := b.decide(p, "allow").callback(e.url, cb)
		if q.Get("code") == "" || q.Get("state") != "inside" {
			t.Errorf("callback = %v", q)
		}
		if code := e.inspect(q.Get("code")); !strings.Contains(string(code.Claims), `"essential":true`) {
			t.Errorf("claims request lost: %s", code.Claims)
		}
	})
	t.Run("object at the authorization endpoint", func(t *testing.T) {
		p := e.browser().authorize(params("client_id", id, "request", obj(nil), "state", "outside"))
		if !p.isLogin() || !strings.Contains(p.hidden("authorization_request"), "inside") {
			t.Fatalf("want the login page for the object's request: %d %s", p.code, p.body)
		}
		e.browser().authorize(params("client_id", id, "request", obj(func(c map[string]any) { c["aud"] = "x" }))).errorPage(http.StatusBadRequest)
	})
}
