package rp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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

	"github.com/signet-id/signet/oidc"
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
	c, _ := New(Config{ClientID: "id:1", ClientSecret: "a b+c", RedirectURL: "https://app.example/cb", Now: func() time.Time { return now },
		Scopes: []string{"openid", "email"}})
	u, err := c.Bank(srv.URL).PushAuthorization(ctx, p, WithIdentityProvider("idp-9"), WithParam("prompt", "consent"))
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
	if _, err := c.Bank(srv.URL).PushAuthorization(ctx, p, WithScopes("openid"), WithParam("claims", `{"userinfo":{"email":null}}`)); err != nil {
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

// The options of PushAuthorization: Config.Scopes unless WithScopes, the
// last WithParam of a name wins, WithIdentityProvider names the bank, and
// what the client sets itself cannot be replaced.
func TestAuthOptions(t *testing.T) {
	var form url.Values
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			json.NewEncoder(w).Encode(oidc.Metadata{Issuer: srv.URL, AuthorizationEndpoint: srv.URL + "/auth",
				TokenEndpoint: srv.URL + "/token", JWKSURI: srv.URL + "/jwks", PushedAuthorizationRequestEndpoint: srv.URL + "/par"})
			return
		}
		r.ParseForm()
		form = r.PostForm
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`))
	}))
	defer srv.Close()
	c, _ := New(Config{ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb", Scopes: []string{"openid", "email"}})
	bank, p, ctx := c.Bank(srv.URL), NewProofs(), context.Background()
	for _, tt := range []struct {
		name string
		opts []AuthOption
		want map[string]string // form members; "" for absent
	}{
		{"defaults", nil, map[string]string{"scope": "openid email", "identity_provider_id": "", "prompt": ""}},
		{"WithScopes", []AuthOption{WithScopes("openid", "payment_details")}, map[string]string{"scope": "openid payment_details"}},
		{"WithIdentityProvider", []AuthOption{WithIdentityProvider("idp-7")}, map[string]string{"identity_provider_id": "idp-7"}},
		{"last WithParam wins", []AuthOption{WithParam("prompt", "login"), WithParam("prompt", "consent"), WithParam("ui_locales", "fr")},
			map[string]string{"prompt": "consent", "ui_locales": "fr", "scope": "openid email"}},
	} {
		form = nil
		if _, err := bank.PushAuthorization(ctx, p, tt.opts...); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for k, want := range tt.want {
			if got := form.Get(k); got != want || (want == "" && form.Has(k)) {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got, want)
			}
		}
	}
	for name, opts := range map[string][]AuthOption{
		"no scope":             {WithScopes()},
		"state by WithParam":   {WithParam("state", "mine")},
		"scope by WithParam":   {WithParam("scope", "openid")},
		"idp by WithParam":     {WithParam("identity_provider_id", "x")},
		"JARM off":             {WithParam("response_mode", "query")},
		"PKCE by WithParam":    {WithParam("code_challenge_method", "plain")},
		"request by WithParam": {WithParam("request", "eyJ")},
	} {
		form = nil
		if _, err := bank.PushAuthorization(ctx, p, opts...); !errors.Is(err, ErrInvalidArgument) || form != nil {
			t.Errorf("%s: err = %v, pushed = %v", name, err, form != nil)
		}
	}
	if _, err := bank.PushAuthorization(ctx, Proofs{State: "s"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("incomplete proofs: err = %v", err)
	}
}
