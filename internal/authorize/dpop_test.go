package authorize_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/authorize"
)

// RFC 9449 §10: a DPoP proof sent with the push binds the code to its key
// (dpop_jkt); a dpop_jkt naming another key is refused; dpop_jkt alone
// binds too.
func TestPARDPoPBinding(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("third_party", cb)
	e.user("dpop@example.com")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jkt := func(k *ecdsa.PrivateKey) string {
		tp, _ := (&jose.JSONWebKey{Key: &k.PublicKey}).Thumbprint(crypto.SHA256)
		return base64.RawURLEncoding.EncodeToString(tp)
	}
	proof := func(k *ecdsa.PrivateKey) string {
		opts := (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &k.PublicKey})
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, opts)
		b, _ := json.Marshal(map[string]any{"jti": uuid.NewString(), "htm": "POST", "htu": e.url + authorize.PARPath, "iat": e.clock.Now().Unix()})
		jws, _ := s.Sign(b)
		out, _ := jws.CompactSerialize()
		return out
	}
	_, challenge := pkce()
	push := func(dpopHeader string, kv ...string) parResult {
		form := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid",
			"state", "s", "code_challenge", challenge, "code_challenge_method", "S256")
		for i := 0; i+1 < len(kv); i += 2 {
			form.Set(kv[i], kv[i+1])
		}
		req, _ := http.NewRequest("POST", e.url+authorize.PARPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		if dpopHeader != "" {
			req.Header.Set("DPoP", dpopHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		r := parResult{code: resp.StatusCode, body: out}
		r.reqURI, _ = out["request_uri"].(string)
		return r
	}
	codeOf := func(r parResult) string {
		t.Helper()
		if r.code != 201 {
			t.Fatalf("PAR = %d %v", r.code, r.body)
		}
		b := e.browser()
		p := b.login(b.authorize(params("client_id", id, "request_uri", r.reqURI)), "dpop@example.com", password)
		if p.isConsent() {
			p = b.decide(p, "allow")
		}
		return e.inspect(p.callback(e.url, cb).Get("code")).DPoPJKT
	}

	if r := push(proof(key), "dpop_jkt", jkt(other)); r.code != 400 || r.body["error"] != "invalid_dpop_proof" {
		t.Errorf("mismatched dpop_jkt = %d %v", r.code, r.body)
	}
	if r := push("not a proof"); r.code != 400 || r.body["error"] != "invalid_dpop_proof" {
		t.Errorf("bad proof = %d %v", r.code, r.body)
	}
	if r := push("", "dpop_jkt", "short"); r.code != 400 || r.body["error"] != "invalid_request" {
		t.Errorf("malformed dpop_jkt = %d %v", r.code, r.body)
	}
	if got := codeOf(push(proof(key))); got != jkt(key) {
		t.Errorf("code bound to %q, want the proof's key %q", got, jkt(key))
	}
	if got := codeOf(push("", "dpop_jkt", jkt(other))); got != jkt(other) {
		t.Errorf("code bound to %q, want dpop_jkt %q", got, jkt(other))
	}
	if got := codeOf(push("")); got != "" {
		t.Errorf("code without DPoP bound to %q", got)
	}
}
