package rp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/signet-id/signet/rp/rptest"
)

// TestPARWireShape pins what goes over the wire to the PAR endpoint
// (protocol notes §3.3, §3.5): with keys only request (+ client_id and
// client authentication) in the form, and the request object's header and
// claims; without keys the plain parameters; Basic credentials
// form-urlencoded; a private_key_jwt assertion's audience and lifetime.
func TestPARWireShape(t *testing.T) {
	var form url.Values
	var hdr http.Header
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "authorization_endpoint": srv.URL + "/auth?x=1",
				"token_endpoint": srv.URL + "/token", "jwks_uri": srv.URL + "/jwks", "pushed_authorization_request_endpoint": srv.URL + "/par"})
			return
		}
		r.ParseForm()
		form, hdr = r.PostForm, r.Header
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`))
	}))
	defer srv.Close()
	priv, _ := rptest.GenerateJWKS(t)
	keys, err := ParsePrivateJWKS(priv)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	p := NewProofs()
	ctx := context.Background()
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

	// client_secret_basic without keys: plain parameters.
	c, _ := New(Config{ClientID: "id:1", ClientSecret: "a b+c", RedirectURL: "https://app.example/cb", Now: func() time.Time { return now }})
	u, err := c.AuthorizationURL(ctx, srv.URL, "idp-9", p, []string{"openid", "email"}, url.Values{"prompt": {"consent"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/auth?x=1&client_id=id%3A1&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc"; u != want {
		t.Errorf("URL = %s, want %s", u, want)
	}
	if got := hdr.Get("Authorization"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("id%3A1:a+b%2Bc")) {
		t.Errorf("Authorization = %s", got)
	}
	for k, want := range map[string]string{"client_id": "id:1", "response_type": "code", "response_mode": "jwt",
		"scope": "openid email", "state": p.State, "nonce": p.Nonce, "code_challenge": p.CodeChallenge(),
		"code_challenge_method": "S256", "identity_provider_id": "idp-9", "prompt": "consent", "redirect_uri": "https://app.example/cb"} {
		if form.Get(k) != want {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), want)
		}
	}
	if !uuidRE.MatchString(form.Get("x-fapi-interaction-id")) || form.Has("client_secret") || form.Has("request") {
		t.Errorf("form = %v", form)
	}

	// private_key_jwt with keys: a request object and an assertion.
	c, _ = New(Config{ClientID: "cid", RedirectURL: "https://app.example/cb", AuthMethod: PrivateKeyJWT, Keys: keys, Now: func() time.Time { return now }})
	if _, err := c.AuthorizationURL(ctx, srv.URL, "", p, []string{"openid"}, url.Values{"claims": {`{"userinfo":{"email":null}}`}}); err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(form))
	if !slices.Equal(names, []string{"client_assertion", "client_assertion_type", "client_id", "request"}) {
		t.Errorf("form members = %v", names)
	}
	ro, err := jwt.ParseSigned(form.Get("request"), []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	if h := ro.Headers[0]; h.KeyID != keys.sig.KeyID || h.ExtraHeaders["typ"] != "oauth-authz-req+jwt" {
		t.Errorf("request object header = %+v", h)
	}
	var claims map[string]any
	if err := ro.Claims(keys.sig.Public().Key, &claims); err != nil {
		t.Fatal(err)
	}
	n := float64(now.Unix())
	if claims["iss"] != "cid" || claims["aud"] != srv.URL || claims["client_id"] != "cid" || claims["iat"] != n ||
		claims["nbf"] != n || claims["exp"] != n+300 || claims["jti"] == "" || claims["response_mode"] != "jwt" ||
		claims["claims"] != `{"userinfo":{"email":null}}` || claims["state"] != p.State || claims["identity_provider_id"] != nil {
		t.Errorf("request object claims = %v", claims)
	}
	as, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	var ac jwt.Claims
	if err := as.Claims(keys.sig.Public().Key, &ac); err != nil {
		t.Fatal(err)
	}
	if ac.Issuer != "cid" || ac.Subject != "cid" || !slices.Equal([]string(ac.Audience), []string{srv.URL, srv.URL + "/token"}) ||
		ac.Expiry.Time().Sub(ac.IssuedAt.Time()) != time.Minute || ac.ID == "" {
		t.Errorf("client assertion = %+v", ac)
	}
	if strings.Contains(form.Get("request"), p.CodeVerifier) {
		t.Error("the code verifier left the client")
	}
}
