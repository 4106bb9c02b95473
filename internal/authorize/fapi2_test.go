package authorize_test

import (
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

	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/clientauth"
)

// pushWithAssertion sends a pushed authorization request authenticated
// with private_key_jwt, the assertion's aud being aud.
func (e *env) pushWithAssertion(key *ecdsa.PrivateKey, clientID string, aud any, form url.Values) parResult {
	e.t.Helper()
	now := e.clock.Now().Unix()
	form.Set("client_assertion_type", clientauth.AssertionType)
	form.Set("client_assertion", signObject(e.t, key, "", map[string]any{"iss": clientID, "sub": clientID, "aud": aud,
		"jti": uuid.NewString(), "iat": now, "exp": now + 60}))
	req, _ := http.NewRequest("POST", e.url+authorize.PARPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatalf("PAR answer is not JSON: %v", err)
	}
	r := parResult{code: resp.StatusCode, header: resp.Header, body: out}
	r.reqURI, _ = out["request_uri"].(string)
	return r
}

// The authorization side of the fapi2 and fapi2_message_signing profiles
// (FAPI 2.0 SP §5.3.2.1, §5.3.2.2; Message Signing §5.3.1, §5.4.1).
func TestFAPI2Authorization(t *testing.T) {
	e := newEnv(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "rp-sig", Use: "sig"}}})
	register := func(profile string) string {
		id, _ := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb},
			"jwks": json.RawMessage(jwks), "token_endpoint_auth_method": "private_key_jwt",
			"tls_client_certificate_bound_access_tokens": true, "security_profile": profile})
		return id
	}
	fapi, signing, ordinary := register("fapi2"), register("fapi2_message_signing"), register("")
	bankID, bankSecret := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb}, "security_profile": "bank_network"})
	_, challenge := pkce()
	request := func(client string, kv ...string) url.Values {
		p := params("client_id", client, "redirect_uri", cb, "response_type", "code", "scope", "openid",
			"state", "s1", "nonce", "n1", "code_challenge", challenge, "code_challenge_method", "S256")
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				p.Del(kv[i])
			} else {
				p.Set(kv[i], kv[i+1])
			}
		}
		return p
	}
	object := func(client string, kv ...string) string {
		now := e.clock.Now().Unix()
		claims := map[string]any{"iss": client, "aud": e.url, "exp": now + 300, "nbf": now, "jti": uuid.NewString()}
		for k, v := range request(client, kv...) {
			claims[k] = v[0]
		}
		return signObject(t, key, "oauth-authz-req+jwt", claims)
	}

	t.Run("PAR", func(t *testing.T) {
		for _, tt := range []struct {
			name      string
			client    string
			aud       any
			form      url.Values
			wantCode  int
			wantError string
		}{
			{"fapi2", fapi, e.url, request(fapi), 201, ""},
			{"fapi2 without PKCE", fapi, e.url, request(fapi, "code_challenge", "", "code_challenge_method", ""), 400, "invalid_request"},
			{"fapi2 with plain PKCE", fapi, e.url, request(fapi, "code_challenge_method", "plain"), 400, "invalid_request"},
			{"fapi2, aud issuer and token endpoint", fapi, []string{e.url, e.url + "/v1/oauth2/token"}, request(fapi), 401, "invalid_client"},
			{"fapi2, aud PAR endpoint", fapi, e.url + authorize.PARPath, request(fapi), 401, "invalid_client"},
			{"fapi2, aud token endpoint", fapi, e.url + "/v1/oauth2/token", request(fapi), 401, "invalid_client"},
			{"ordinary without PKCE", ordinary, e.url, request(ordinary, "code_challenge", "", "code_challenge_method", ""), 201, ""},
			{"ordinary, aud PAR endpoint", ordinary, e.url + authorize.PARPath, request(ordinary), 201, ""},
			{"message signing, plain parameters", signing, e.url, request(signing, "response_mode", "jwt"), 400, "invalid_request"},
			{"message signing, signed object", signing, e.url, params("request", object(signing, "response_mode", "jwt")), 201, ""},
			{"message signing, object without PKCE", signing, e.url, params("request", object(signing, "code_challenge", "", "code_challenge_method", "")), 400, "invalid_request"},
			{"message signing, object asking for a plain response", signing, e.url, params("request", object(signing, "response_mode", "query")), 400, "invalid_request"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.pushWithAssertion(key, tt.client, tt.aud, tt.form)
				if r.code != tt.wantCode || (tt.wantError != "" && r.body["error"] != tt.wantError) {
					t.Errorf("PAR = %d %v, want %d %s", r.code, r.body, tt.wantCode, tt.wantError)
				}
			})
		}
	})
	t.Run("bank network: PKCE and PAR required", func(t *testing.T) {
		r := e.push(bankID, bankSecret, request(bankID, "code_challenge", "", "code_challenge_method", ""))
		if r.code != 400 || r.body["error"] != "invalid_request" {
			t.Errorf("PAR without PKCE = %d %v", r.code, r.body)
		}
		e.browser().authorize(request(bankID)).errorPage(http.StatusBadRequest)
	})
	t.Run("PAR required", func(t *testing.T) {
		e.browser().authorize(request(fapi)).errorPage(http.StatusBadRequest)
		e.browser().authorize(params("client_id", signing, "request", object(signing, "response_mode", "jwt"))).errorPage(http.StatusBadRequest)
	})
	t.Run("message signing: JARM by default, signed by a key published before", func(t *testing.T) {
		// OpenID Connect Core §10.1.1 (issue 19 finding 1): the JWKS a
		// relying party fetched before the flow holds the JARM's kid.
		resp, err := http.Get(e.url + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		var before jose.JSONWebKeySet
		if err := json.NewDecoder(resp.Body).Decode(&before); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		e.user("fapi@example.com")
		r := e.pushWithAssertion(key, signing, e.url, params("request", object(signing)))
		if r.code != 201 {
			t.Fatalf("PAR = %d %v", r.code, r.body)
		}
		b := e.browser()
		p := b.decide(b.login(b.authorize(params("client_id", signing, "request_uri", r.reqURI)), "fapi@example.com", password), "allow")
		loc, err := url.Parse(p.header.Get("Location"))
		if err != nil || loc.Query().Get("response") == "" || loc.Query().Has("code") {
			t.Fatalf("want a JARM response, got %d %q", p.code, p.header.Get("Location"))
		}
		jws, err := jose.ParseSignedCompact(loc.Query().Get("response"), []jose.SignatureAlgorithm{jose.PS256})
		if err != nil {
			t.Fatalf("JARM response: %v", err)
		}
		kid := jws.Signatures[0].Header.KeyID
		if keys := before.Key(kid); len(keys) != 1 {
			t.Fatalf("JARM kid %s is not in the JWKS fetched before the flow", kid)
		}
		if _, err := jws.Verify(before.Key(kid)[0].Key); err != nil {
			t.Errorf("JARM signature: %v", err)
		}
	})
	t.Run("fapi2 code lives at most 60 s", func(t *testing.T) {
		e.user("fapi2@example.com")
		r := e.pushWithAssertion(key, fapi, e.url, request(fapi))
		b := e.browser()
		q := b.decide(b.login(b.authorize(params("client_id", fapi, "request_uri", r.reqURI)), "fapi2@example.com", password), "allow").callback(e.url, cb)
		c := e.inspect(q.Get("code"))
		if ttl := c.ExpiresAt.Sub(c.CreatedAt); ttl > 60*time.Second || ttl <= 0 {
			t.Errorf("code lives %s", ttl)
		}
	})
}
