package token_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/clientauth"
)

// newProfileClient registers a private_key_jwt client with certificate-bound
// tokens under a security profile.
func (e *env) newProfileClient(profile string) (client, *ecdsa.PrivateKey) {
	e.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Use: "sig"}}})
	c := e.newClient("third_party", "token_endpoint_auth_method", "private_key_jwt", "jwks", json.RawMessage(jwks),
		"tls_client_certificate_bound_access_tokens", true, "security_profile", profile)
	c.secret = ""
	return c, key
}

// FAPI 2.0 SP §5.3.2.1-8: a fapi2 client's assertion names the issuer, as
// a string, and nothing else; the bank network's clients keep sending
// [issuer, token_endpoint], which their profile accepts.
func TestFAPI2AssertionAudience(t *testing.T) {
	e, ts := newTLSEnv(t)
	cert := clientCert(t, "rp")
	hc := withCert(ts, &cert)
	u := e.newUser(e.projectID)
	tokenURL := e.url + "/v1/oauth2/token"
	for _, tt := range []struct {
		name    string
		profile string
		aud     any
		want    int
	}{
		{"fapi2, issuer", "fapi2", e.url, 200},
		{"fapi2, issuer and token endpoint", "fapi2", []string{e.url, tokenURL}, 401},
		{"fapi2, issuer in an array", "fapi2", []string{e.url}, 401},
		{"fapi2, token endpoint", "fapi2", tokenURL, 401},
		{"fapi2, PAR endpoint", "fapi2", e.url + "/oauth2/par", 401},
		{"bank network, issuer and token endpoint", "bank_network", []string{e.url, tokenURL}, 200},
		{"bank network, token endpoint", "bank_network", tokenURL, 200},
		{"ordinary, issuer and token endpoint", "", []string{e.url, tokenURL}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, key := e.newProfileClient(tt.profile)
			now := time.Now().Unix()
			assertion := signAssertion(t, key, map[string]any{"iss": c.id, "sub": c.id, "aud": tt.aud, "jti": uuid.NewString(), "iat": now, "exp": now + 60})
			verifier, challenge := pkce()
			code := e.code(c, u, codeSpec{scopes: []string{"openid"}, challenge: challenge})
			r := e.postWith(hc, "/v1/oauth2/token", url.Values{"client_assertion_type": {clientauth.AssertionType}, "client_assertion": {assertion},
				"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirectURI}, "code_verifier": {verifier}})
			if r.code != tt.want || (tt.want == 401 && r.str("error") != "invalid_client") {
				t.Fatalf("token = %d %v, want %d", r.code, r.body, tt.want)
			}
		})
	}
}

// FAPI 2.0 SP §5.3.2.1-9, RFC 9700 §4.14.2: a sender-constrained
// confidential fapi2 client's refresh token is not rotated, so the same
// token keeps working, 30 s later too (where an ordinary client's spent
// token revokes the grant).
func TestFAPI2RefreshTokenNotRotated(t *testing.T) {
	e, ts := newTLSEnv(t)
	cert := clientCert(t, "rp")
	hc := withCert(ts, &cert)
	u := e.newUser(e.projectID)
	c, key := e.newProfileClient("fapi2")
	post := func(kv ...string) reply {
		now := e.clock.Now().Unix()
		v := url.Values{"client_assertion_type": {clientauth.AssertionType}, "client_assertion": {signAssertion(t, key,
			map[string]any{"iss": c.id, "sub": c.id, "aud": e.url, "jti": uuid.NewString(), "iat": now, "exp": now + 60})}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return e.postWith(hc, "/v1/oauth2/token", v)
	}
	verifier, challenge := pkce()
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, challenge: challenge})
	r := post("grant_type", "authorization_code", "code", code, "redirect_uri", c.redirectURI, "code_verifier", verifier)
	rt := r.str("refresh_token")
	if r.code != 200 || rt == "" {
		t.Fatalf("exchange = %d %v", r.code, r.body)
	}
	for i := range 3 {
		e.clock.Advance(30 * time.Second)
		r := post("grant_type", "refresh_token", "refresh_token", rt)
		if r.code != 200 || r.str("access_token") == "" || r.str("refresh_token") != rt {
			t.Fatalf("refresh %d = %d %v, want 200 with the same refresh token", i+1, r.code, r.body)
		}
	}
	// Still bound: another certificate gets nothing.
	other := clientCert(t, "rp")
	now := e.clock.Now().Unix()
	r = e.postWith(withCert(ts, &other), "/v1/oauth2/token", url.Values{"client_assertion_type": {clientauth.AssertionType},
		"client_assertion": {signAssertion(t, key, map[string]any{"iss": c.id, "sub": c.id, "aud": e.url, "jti": uuid.NewString(), "iat": now, "exp": now + 60})},
		"grant_type":       {"refresh_token"}, "refresh_token": {rt}})
	if r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh with another certificate = %d %v", r.code, r.body)
	}
	// Revoking the token ends it.
	now = e.clock.Now().Unix()
	r = e.postWith(hc, "/v1/oauth2/revoke", url.Values{"client_assertion_type": {clientauth.AssertionType},
		"client_assertion": {signAssertion(t, key, map[string]any{"iss": c.id, "sub": c.id, "aud": e.url, "jti": uuid.NewString(), "iat": now, "exp": now + 60})},
		"token":            {rt}})
	if r.code != 200 {
		t.Fatalf("revoke = %d %v", r.code, r.body)
	}
	if r := post("grant_type", "refresh_token", "refresh_token", rt); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh after revocation = %d %v", r.code, r.body)
	}
}

// The acr the authorization proved is in the ID token, and in those of
// its refreshes (OIDC Core §2, §12.2); without one there is no acr claim.
func TestIDTokenACR(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party")
	u := e.newUser(e.projectID)
	for _, acr := range []string{"urn:signet:acr:password", ""} {
		r := e.mustExchange(c, e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, acr: acr}))
		if got, ok := e.idTokenClaims(r.str("id_token"))["acr"]; (acr == "" && ok) || (acr != "" && got != acr) {
			t.Errorf("acr %q: ID token acr = %v", acr, got)
		}
		rr := e.refresh(c, r.str("refresh_token"))
		if got, ok := e.idTokenClaims(rr.str("id_token"))["acr"]; (acr == "" && ok) || (acr != "" && got != acr) {
			t.Errorf("acr %q: refreshed ID token acr = %v", acr, got)
		}
	}
}
