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
	obj, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.PS256})
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
		jwe, err := jose.ParseEncryptedCompact(jarmResponse(t, p), []jose.KeyAlgorithm{jose.RSA_OAEP}, []jose.ContentEncryption{jose.A256CBC_HS512})
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
	t.Run("modes", func(t *testing.T) {
		tests := []struct {
			name, client, mode, decision string
			read                         func(*testing.T, *page) string
		}{
			{"fragment.jwt", plain, "fragment.jwt", "allow", fragmentResponse},
			{"fragment.jwt denied", plain, "fragment.jwt", "deny", fragmentResponse},
			{"fragment.jwt encrypted", encrypted, "fragment.jwt", "allow", fragmentResponse},
			{"form_post.jwt", plain, "form_post.jwt", "allow", formPostResponse},
			{"form_post.jwt denied", plain, "form_post.jwt", "deny", formPostResponse},
			{"form_post.jwt encrypted", encrypted, "form_post.jwt", "allow", formPostResponse},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := e.browser()
				r := request(tt.client, tt.mode)
				r.Set("prompt", "consent")
				raw := tt.read(t, b.decide(b.login(b.authorize(r), "ada@example.com", password), tt.decision))
				if tt.client == encrypted {
					raw = decryptJARM(t, raw, encKey)
				}
				c := e.verifyJARM(t, raw)
				if c["aud"] != tt.client || c["state"] != "s-1" {
					t.Errorf("claims = %v", c)
				}
				if tt.decision == "deny" {
					if c["error"] != "access_denied" || c["error_description"] == nil || c["code"] != nil {
						t.Errorf("claims = %v", c)
					}
				} else if c["code"] == nil || c["error"] != nil {
					t.Errorf("claims = %v", c)
				}
			})
		}
	})
	t.Run("errors in the mode asked", func(t *testing.T) {
		// prompt=none without a session, and a bad response_type: both
		// after the redirect_uri is trusted, so in the JWT, delivered as
		// asked.
		r := request(plain, "form_post.jwt")
		r.Set("prompt", "none")
		c := e.verifyJARM(t, formPostResponse(t, e.browser().authorize(r)))
		if c["error"] != "login_required" || c["state"] != "s-1" {
			t.Errorf("prompt=none: claims = %v", c)
		}
		r = request(plain, "fragment.jwt")
		r.Set("response_type", "token")
		c = e.verifyJARM(t, fragmentResponse(t, e.browser().authorize(r)))
		if c["error"] != "unsupported_response_type" || c["state"] != "s-1" {
			t.Errorf("response_type=token: claims = %v", c)
		}
	})
	t.Run("untrusted redirect_uri", func(t *testing.T) {
		for _, mode := range []string{"fragment.jwt", "form_post.jwt", "form_post"} {
			r := request(plain, mode)
			r.Set("redirect_uri", "https://evil.example/cb")
			e.browser().authorize(r).errorPage(http.StatusBadRequest)
		}
	})
	t.Run("form_post", func(t *testing.T) {
		r := request(plain, "form_post")
		r.Set("prompt", "none") // no session: an error, posted in the clear
		p := e.browser().authorize(r)
		formPostResponse(t, p) // checks the page
		if p.hidden("error") != "login_required" || p.hidden("state") != "s-1" || p.hidden("iss") != e.url {
			t.Errorf("form_post page:\n%s", p.body)
		}
		b := e.browser()
		r = request(plain, "form_post")
		r.Set("prompt", "consent")
		p = b.decide(b.login(b.authorize(r), "ada@example.com", password), "allow")
		formPostResponse(t, p)
		if p.hidden("code") == "" || p.hidden("state") != "s-1" || p.hidden("iss") != e.url {
			t.Errorf("form_post page:\n%s", p.body)
		}
	})
	t.Run("unsupported modes", func(t *testing.T) {
		for _, mode := range []string{"fragment", "form_post.jwt.x"} {
			q := e.browser().authorize(request(plain, mode)).callback(e.url, cb)
			if q.Get("error") != "invalid_request" {
				t.Errorf("%s: %v", mode, q)
			}
		}
	})
}

// fragmentResponse reads the response of a fragment.jwt redirect to cb and
// checks it is the only parameter, in the fragment (JARM §2.3.2).
func fragmentResponse(t *testing.T, p *page) string {
	t.Helper()
	loc := p.header.Get("Location")
	if (p.code != http.StatusFound && p.code != http.StatusSeeOther) || !strings.HasPrefix(loc, cb+"#") {
		t.Fatalf("want a redirect to %s#..., got %d %q", cb, p.code, loc)
	}
	u, _ := url.Parse(loc)
	f, err := url.ParseQuery(u.Fragment)
	if err != nil || len(f) != 1 || f.Get("response") == "" || u.RawQuery != "" {
		t.Fatalf("callback query %q fragment %q, want only response in the fragment", u.RawQuery, u.Fragment)
	}
	return f.Get("response")
}

// formPostResponse checks p is the form_post page (OAuth 2.0 Form Post
// Response Mode, JARM §2.3.3) posting to cb, submitted by the external
// script the CSP allows, and returns its response field ("" for plain
// form_post).
func formPostResponse(t *testing.T, p *page) string {
	t.Helper()
	if p.code != http.StatusOK || p.header.Get("Location") != "" {
		t.Fatalf("want the form_post page, got %d Location %q\n%s", p.code, p.header.Get("Location"), p.body)
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self';", "form-action https://app.example;", "frame-ancestors 'none'"} {
		if !strings.Contains(csp+";", want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q allows inline script", csp)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", p.header.Get("Cache-Control"))
	}
	if !strings.Contains(p.body, `<form method="post" action="`+cb+`"`) {
		t.Errorf("no form posting to %s:\n%s", cb, p.body)
	}
	if strings.Count(p.body, "<script") != 1 || !strings.Contains(p.body, `<script src="/assets/form_post.js" defer></script>`) {
		t.Errorf("want exactly the external form_post.js script:\n%s", p.body)
	}
	if !strings.Contains(p.body, `<button type="submit"`) {
		t.Errorf("no submit button for browsers without script:\n%s", p.body)
	}
	if !strings.Contains(p.body, `name="response"`) {
		return ""
	}
	return p.hidden("response")
}

// decryptJARM opens an encrypted response (RSA-OAEP / A256CBC-HS512) and
// returns the signed response inside.
func decryptJARM(t *testing.T, raw string, key *rsa.PrivateKey) string {
	t.Helper()
	jwe, err := jose.ParseEncryptedCompact(raw, []jose.KeyAlgorithm{jose.RSA_OAEP}, []jose.ContentEncryption{jose.A256CBC_HS512})
	if err != nil {
		t.Fatalf("response is not an RSA-OAEP/A256CBC-HS512 JWE: %v", err)
	}
	if jwe.Header.KeyID != "rp-enc" || jwe.Header.ExtraHeaders["cty"] != "JWT" {
		t.Errorf("JWE header = %+v", jwe.Header)
	}
	inner, err := jwe.Decrypt(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(inner)
}
