package authorize_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// jarmResponse reads the response parameter of a JARM redirect to cb and
// checks it is the only parameter (FAPI JARM).
func jarmResponse(t *testing.T, p *page) string {
	t.Helper()
	loc := p.header.Get("Location")
	if (p.code != http.StatusFound && p.code != http.StatusSeeOther) || !strings.HasPrefix(loc, cb+"?") {
		t.Fatalf("want a redirect to %s, got %d %q", cb, p.code, loc)
	}
	u, _ := url.Parse(loc)
	q := u.Query()
	if len(q) != 1 || q.Get("response") == "" {
		t.Fatalf("callback query = %v, want only response", q)
	}
	return q.Get("response")
}

// verifyJARM checks the signed response against the server's JWKS and
// returns its claims.
func (e *env) verifyJARM(t *testing.T, jws string) map[string]any {
	t.Helper()
	resp, err := http.Get(e.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSigned(jws, []jose.SignatureAlgorithm{jose.PS256})
	if err != nil {
		t.Fatalf("response is not a PS256 JWS: %v", err)
	}
	keys := set.Key(obj.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", obj.Signatures[0].Header.KeyID)
	}
	payload, err := obj.Verify(keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	if claims["iss"] != e.url {
		t.Errorf("iss = %v", claims["iss"])
	}
	exp, _ := claims["exp"].(float64)
	if d := int64(exp) - e.clock.Now().Unix(); d < 100 || d > 130 {
		t.Errorf("exp is now + %d s, want 120", d)
	}
	return claims
}

func TestJARM(t *testing.T) {
	e := newEnv(t)
	sig, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	encKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &sig.PublicKey, KeyID: "rp-sig", Use: "sig"},
		{Key: &encKey.PublicKey, KeyID: "rp-enc", Use: "enc", Algorithm: "RSA-OAEP"},
	}})
	plain, _ := e.client("third_party", cb)
	encrypted, _ := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb},
		"jwks": json.RawMessage(jwks), "authorization_encrypted_response_alg": "RSA-OAEP",
		"authorization_encrypted_response_enc": "A256CBC-HS512"})
	e.user("ada@example.com")
	_, challenge := pkce()
	request := func(client, mode string) url.Values {
		return params("client_id", client, "redirect_uri", cb, "response_type", "code", "scope", "openid",
			"state", "s-1", "response_mode", mode, "code_challenge", challenge, "code_challenge_method", "S256")
	}

	t.Run("signed", func(t *testing.T) {
		b := e.browser()
		p := b.decide(b.login(b.authorize(request(plain, "jwt")), "ada@example.com", password), "allow")
		c := e.verifyJARM(t, jarmResponse(t, p))
		if c["aud"] != plain || c["state"] != "s-1" || c["code"] == nil || c["error"] != nil {
			t.Errorf("claims = %v", c)
		}
	})
	t.Run("signed error", func(t *testing.T) {
		b := e.browser()
		r := request(plain, "query.jwt")
		r.Set("prompt", "consent") // the first subtest's consent is remembered
		p := b.decide(b.login(b.authorize(r), "ada@example.com", password), "deny")
		c := e.verifyJARM(t, jarmResponse(t, p))
		if c["error"] != "access_denied" || c["state"] != "s-1" || c["code"] != nil {
			t.Errorf("claims = %v", c)
		}
	})
	t.Run("encrypted", func(t *testing.T) {
		b := e.browser()
		p := b.decide(b.login(b.authorize(request(encrypted, "jwt")), "ada@example.com", password), "allow")
		jwe, err := jose.ParseEncrypted(jarmResponse(t, p), []jose.KeyAlgorithm{jose.RSA_OAEP}, []jose.ContentEncryption{jose.A256CBC_HS512})
		if err != nil {
			t.Fatalf("response is not an RSA-OAEP/A256CBC-HS512 JWE: %v", err)
		}
		h := jwe.Header
		if h.KeyID != "rp-enc" || h.ExtraHeaders["cty"] != "JWT" || h.ExtraHeaders["iss"] != e.url || h.ExtraHeaders["aud"] != encrypted {
			t.Errorf("JWE header = %+v", h)
		}
		inner, err := jwe.Decrypt(encKey)
		if err != nil {
			t.Fatal(err)
		}
		c := e.verifyJARM(t, string(inner))
		if c["aud"] != encrypted || c["code"] == nil {
			t.Errorf("claims = %v", c)
		}
	})
	t.Run("unsupported modes", func(t *testing.T) {
		for _, mode := range []string{"fragment.jwt", "form_post.jwt"} {
			q := e.browser().authorize(request(plain, mode)).callback(e.url, cb)
			if q.Get("error") != "invalid_request" {
				t.Errorf("%s: %v", mode, q)
			}
		}
	})
}
