package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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

// dpopKey is a client's DPoP key.
type dpopKey struct {
	t   *testing.T
	key *ecdsa.PrivateKey
	now func() time.Time
}

func newDPoPKey(t *testing.T, now func() time.Time) dpopKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return dpopKey{t: t, key: k, now: now}
}

func (k dpopKey) jkt() string {
	tp, _ := (&jose.JSONWebKey{Key: &k.key.PublicKey}).Thumbprint(crypto.SHA256)
	return base64.RawURLEncoding.EncodeToString(tp)
}

// proof is a DPoP proof for method and u, with the nonce and, for a
// resource, the access token's hash.
func (k dpopKey) proof(method, u, nonce, accessToken string) string {
	k.t.Helper()
	opts := (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jose.JSONWebKey{Key: &k.key.PublicKey})
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.key}, opts)
	if err != nil {
		k.t.Fatal(err)
	}
	claims := map[string]any{"jti": uuid.NewString(), "htm": method, "htu": u, "iat": k.now().Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// postDPoP posts a token request with a DPoP proof (if proof != "").
func (e *env) postDPoP(proof string, v url.Values) reply {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/v1/oauth2/token", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	return e.send(req)
}

// DPoP at the token endpoint and UserInfo (RFC 9449): a nonce first, then
// a DPoP-bound access token (cnf.jkt, token_type DPoP) that UserInfo
// serves only with a proof by the same key; a public client's refresh
// token is bound to the key too.
func TestDPoP(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party_public")
	u := e.newUser(e.projectID)
	key, other := newDPoPKey(t, e.clock.Now), newDPoPKey(t, e.clock.Now)
	tokenURL := e.url + "/v1/oauth2/token"
	verifier, challenge := pkce()
	form := url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {c.redirectURI}, "client_id": {c.id}, "code_verifier": {verifier}}

	// §8: without the server's nonce the proof is refused, with one to use.
	form.Set("code", e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, challenge: challenge}))
	r := e.postDPoP(key.proof("POST", tokenURL, "", ""), form)
	nonce := r.header.Get("DPoP-Nonce")
	if r.code != 400 || r.str("error") != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("token without nonce = %d %v, DPoP-Nonce %q", r.code, r.body, nonce)
	}
	r = e.postDPoP(key.proof("POST", tokenURL, nonce, ""), form)
	if r.code != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("token = %d %v", r.code, r.body)
	}
	at, rt := r.str("access_token"), r.str("refresh_token")
	var cl struct {
		Cnf map[string]string `json:"cnf"`
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(at, ".")[1])
	json.Unmarshal(payload, &cl)
	if cl.Cnf["jkt"] != key.jkt() || cl.Cnf["x5t#S256"] != "" {
		t.Fatalf("cnf = %v, want jkt %s", cl.Cnf, key.jkt())
	}

	userinfoURL := e.url + "/v1/oauth2/userinfo"
	replayed := key.proof("GET", userinfoURL, "", at)
	for _, tt := range []struct {
		name, scheme, proof string
		want                int
		wantErr             string
	}{
		{"proof by the key", "DPoP", key.proof("GET", userinfoURL, "", at), 200, ""},
		{"scheme in other case", "dPoP", key.proof("GET", userinfoURL, "", at), 200, ""},
		{"first use", "DPoP", replayed, 200, ""},
		{"replayed proof", "DPoP", replayed, 401, "invalid_dpop_proof"},
		{"as Bearer, no proof", "Bearer", "", 401, "invalid_token"},
		{"as Bearer, with proof", "Bearer", key.proof("GET", userinfoURL, "", at), 401, "invalid_token"},
		{"no proof", "DPoP", "", 401, "invalid_dpop_proof"},
		{"another key", "DPoP", other.proof("GET", userinfoURL, "", at), 401, "invalid_token"},
		{"wrong ath", "DPoP", key.proof("GET", userinfoURL, "", "other"), 401, "invalid_dpop_proof"},
		{"wrong htm", "DPoP", key.proof("PUT", userinfoURL, "", at), 401, "invalid_dpop_proof"},
		{"wrong htu", "DPoP", key.proof("GET", tokenURL, "", at), 401, "invalid_dpop_proof"},
	} {
		t.Run("userinfo "+tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", userinfoURL, nil)
			req.Header.Set("Authorization", tt.scheme+" "+at)
			if tt.proof != "" {
				req.Header.Set("DPoP", tt.proof)
			}
			r := e.send(req)
			if r.code != tt.want || (tt.wantErr != "" && r.str("error") != tt.wantErr) {
				t.Fatalf("userinfo = %d %v, want %d %s", r.code, r.body, tt.want, tt.wantErr)
			}
			if tt.wantErr == "invalid_dpop_proof" && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "DPoP ") {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}

	// §5: the public client's refresh token needs a proof by the same key.
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.id}}
	if r := e.postDPoP("", refresh); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh without proof = %d %v", r.code, r.body)
	}
	if r := e.postDPoP(other.proof("POST", tokenURL, nonce, ""), refresh); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh with another key = %d %v", r.code, r.body)
	}
	if r := e.postDPoP(key.proof("POST", tokenURL, nonce, ""), refresh); r.code != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("refresh with the key = %d %v", r.code, r.body)
	}

	// Without a proof the client gets bearer tokens, as before.
	code := e.code(c, u, codeSpec{scopes: []string{"openid"}, challenge: challenge})
	form.Set("code", code)
	if r := e.postDPoP("", form); r.code != 200 || r.str("token_type") != "bearer" {
		t.Fatalf("token without DPoP = %d %v", r.code, r.body)
	}
}

// RFC 9449 §5.2: a client registered with dpop_bound_access_tokens gets
// no token without a proof, and its code is not spent on the attempt; a
// FAPI 2.0 client so registered keeps its refresh token (not rotated).
func TestDPoPBoundClient(t *testing.T) {
	e := newEnv(t)
	c, key := e.newKeyClient()
	e.apiAs(e.projectID, e.secret, "PUT", "/v1/connected_apps/clients/"+c.id, map[string]any{
		"client_type": "third_party", "dpop_bound_access_tokens": true, "security_profile": "fapi2"})
	u := e.newUser(e.projectID)
	dk := newDPoPKey(t, e.clock.Now)
	tokenURL := e.url + "/v1/oauth2/token"
	assertion := func() string {
		now := e.clock.Now().Unix()
		return signAssertion(t, key, map[string]any{"iss": c.id, "sub": c.id, "aud": e.url, "jti": uuid.NewString(), "iat": now, "exp": now + 60})
	}
	verifier, challenge := pkce()
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, challenge: challenge})
	form := func() url.Values {
		return url.Values{"client_assertion_type": {clientauth.AssertionType}, "client_assertion": {assertion()},
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirectURI}, "code_verifier": {verifier}}
	}
	if r := e.postDPoP("", form()); r.code != 400 || r.str("error") != "invalid_dpop_proof" {
		t.Fatalf("token without proof = %d %v", r.code, r.body)
	}
	r := e.postDPoP(dk.proof("POST", tokenURL, "", ""), form())
	nonce := r.header.Get("DPoP-Nonce")
	r = e.postDPoP(dk.proof("POST", tokenURL, nonce, ""), form())
	if r.code != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("token with proof = %d %v", r.code, r.body)
	}
	rt := r.str("refresh_token")
	// Introspection shows the binding (RFC 9449 §6.2).
	ir := e.postAssertion("/v1/oauth2/introspect", assertion(), "token", r.str("access_token"))
	if cnf, _ := ir.body["cnf"].(map[string]any); ir.code != 200 || cnf["jkt"] != dk.jkt() {
		t.Fatalf("introspect = %d %v, want cnf.jkt %s", ir.code, ir.body, dk.jkt())
	}
	for i := range 2 {
		e.clock.Advance(30 * time.Second)
		r := e.postDPoP(dk.proof("POST", tokenURL, nonce, ""), url.Values{"client_assertion_type": {clientauth.AssertionType},
			"client_assertion": {assertion()}, "grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if r.code != 200 || r.str("refresh_token") != rt {
			t.Fatalf("refresh %d = %d %v, want the same refresh token", i+1, r.code, r.body)
		}
	}
}

// RFC 9449 §10: a code bound to a DPoP key at PAR is redeemed only with a
// proof by that key (the conformance suite's mismatched-jkt modules).
func TestDPoPBoundCode(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("first_party_public")
	u := e.newUser(e.projectID)
	key, other := newDPoPKey(t, e.clock.Now), newDPoPKey(t, e.clock.Now)
	tokenURL := e.url + "/v1/oauth2/token"
	verifier, challenge := pkce()
	code := e.code(c, u, codeSpec{scopes: []string{"openid"}, challenge: challenge, dpopJKT: key.jkt()})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirectURI}, "client_id": {c.id}, "code_verifier": {verifier}}
	nonce := e.postDPoP(key.proof("POST", tokenURL, "", ""), form).header.Get("DPoP-Nonce")
	if r := e.postDPoP(other.proof("POST", tokenURL, nonce, ""), form); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("another key = %d %v", r.code, r.body)
	}
	code = e.code(c, u, codeSpec{scopes: []string{"openid"}, challenge: challenge, dpopJKT: key.jkt()})
	form.Set("code", code)
	if r := e.postDPoP("", form); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("no proof = %d %v", r.code, r.body)
	}
	code = e.code(c, u, codeSpec{scopes: []string{"openid"}, challenge: challenge, dpopJKT: key.jkt()})
	form.Set("code", code)
	if r := e.postDPoP(key.proof("POST", tokenURL, nonce, ""), form); r.code != 200 || r.str("token_type") != "DPoP" {
		t.Fatalf("the key = %d %v", r.code, r.body)
	}
}
