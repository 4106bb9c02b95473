package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// memJTIs is UseJTI's contract in memory (the store's is tested in
// storetest).
type memJTIs struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memJTIs) UseJTI(_ context.Context, clientID, jti string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	if m.seen[clientID+"\x00"+jti] {
		return store.ErrAlreadyUsed
	}
	m.seen[clientID+"\x00"+jti] = true
	return nil
}

const endpoint = "https://op.example/v1/oauth2/userinfo"

type signer struct {
	key    any
	pub    any
	alg    jose.SignatureAlgorithm
	typ    string
	header *jose.JSONWebKey // the jwk header, if not the public key
}

func (s signer) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(s.typ))
	jwk := s.header
	if jwk == nil {
		jwk = &jose.JSONWebKey{Key: s.pub}
	}
	opts.WithHeader("jwk", jwk)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: s.alg, Key: s.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := sg.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

func ath(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// The negative cases of the FAPI 2.0 conformance suite's DPoP module, and
// the ones it requires to pass (conformance checklist §6.3).
func TestCheck(t *testing.T) {
	now := time.Now()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := signer{key: ec, pub: &ec.PublicKey, alg: jose.ES256, typ: "dpop+jwt"}
	c := &Checker{JTIs: &memJTIs{}, NonceKey: []byte("nonce key"), Now: func() time.Time { return now }}
	const tok = "access-token"
	claims := func(mod func(map[string]any)) map[string]any {
		m := map[string]any{"jti": uuid.NewString(), "htm": "GET", "htu": endpoint, "iat": now.Unix(), "ath": ath(tok)}
		if mod != nil {
			mod(m)
		}
		return m
	}
	replayed := good.sign(t, claims(nil))
	for _, tt := range []struct {
		name    string
		headers []string
		want    oidc.ErrorCode // "" for accepted
		nonce   bool
	}{
		{"good", []string{good.sign(t, claims(nil))}, "", false},
		{"first use", []string{replayed}, "", false},
		{"replayed jti", []string{replayed}, InvalidProof, false},
		{"two proofs", []string{good.sign(t, claims(nil)), good.sign(t, claims(nil))}, InvalidProof, false},
		{"two proofs in one header", []string{good.sign(t, claims(nil)) + "," + good.sign(t, claims(nil))}, InvalidProof, false},
		{"not a JWT", []string{"not.a.jwt"}, InvalidProof, false},
		{"no typ", []string{signer{key: ec, pub: &ec.PublicKey, alg: jose.ES256}.sign(t, claims(nil))}, InvalidProof, false},
		{"wrong typ", []string{signer{key: ec, pub: &ec.PublicKey, alg: jose.ES256, typ: "JWT"}.sign(t, claims(nil))}, InvalidProof, false},
		{"RS256", []string{signer{key: rk, pub: &rk.PublicKey, alg: jose.RS256, typ: "dpop+jwt"}.sign(t, claims(nil))}, InvalidProof, false},
		{"PS256", []string{signer{key: rk, pub: &rk.PublicKey, alg: jose.PS256, typ: "dpop+jwt"}.sign(t, claims(nil))}, "", false},
		{"alg none", []string{"eyJhbGciOiJub25lIiwidHlwIjoiZHBvcCtqd3QifQ." + strings.Split(good.sign(t, claims(nil)), ".")[1] + "."}, InvalidProof, false},
		{"bad signature", []string{func() string {
			p := strings.Split(good.sign(t, claims(nil)), ".")
			return p[0] + "." + strings.Split(good.sign(t, claims(nil)), ".")[1] + "." + p[2]
		}()}, InvalidProof, false},
		{"private jwk", []string{signer{key: ec, alg: jose.ES256, typ: "dpop+jwt", header: &jose.JSONWebKey{Key: ec}}.sign(t, claims(nil))}, InvalidProof, false},
		{"no jti", []string{good.sign(t, claims(func(m map[string]any) { delete(m, "jti") }))}, InvalidProof, false},
		{"no htm", []string{good.sign(t, claims(func(m map[string]any) { delete(m, "htm") }))}, InvalidProof, false},
		{"wrong htm", []string{good.sign(t, claims(func(m map[string]any) { m["htm"] = "PUT" }))}, InvalidProof, false},
		{"no htu", []string{good.sign(t, claims(func(m map[string]any) { delete(m, "htu") }))}, InvalidProof, false},
		{"other htu", []string{good.sign(t, claims(func(m map[string]any) { m["htu"] = "https://op.example/other" }))}, InvalidProof, false},
		{"htu with query and fragment", []string{good.sign(t, claims(func(m map[string]any) { m["htu"] = endpoint + "?x=1#f" }))}, "", false},
		{"htu upper-case host, default port", []string{good.sign(t, claims(func(m map[string]any) { m["htu"] = "HTTPS://OP.EXAMPLE:443/v1/oauth2/userinfo" }))}, "", false},
		{"no iat", []string{good.sign(t, claims(func(m map[string]any) { delete(m, "iat") }))}, InvalidProof, false},
		{"iat an hour ahead", []string{good.sign(t, claims(func(m map[string]any) { m["iat"] = now.Add(time.Hour).Unix() }))}, InvalidProof, false},
		{"iat an hour behind", []string{good.sign(t, claims(func(m map[string]any) { m["iat"] = now.Add(-time.Hour).Unix() }))}, InvalidProof, false},
		{"iat 10 s ahead", []string{good.sign(t, claims(func(m map[string]any) { m["iat"] = now.Add(10 * time.Second).Unix() }))}, "", false},
		{"no ath", []string{good.sign(t, claims(func(m map[string]any) { delete(m, "ath") }))}, InvalidProof, false},
		{"wrong ath", []string{good.sign(t, claims(func(m map[string]any) { m["ath"] = ath("other") }))}, InvalidProof, false},
		{"extra claims", []string{good.sign(t, claims(func(m map[string]any) { m["extra"] = "x"; m["nbf"] = now.Unix() }))}, "", false},
		{"nonce required, none", []string{good.sign(t, claims(nil))}, UseNonce, true},
		{"nonce required, stale", []string{good.sign(t, claims(func(m map[string]any) { m["nonce"] = c.nonceFor(1) }))}, UseNonce, true},
		{"nonce required, given", []string{good.sign(t, claims(func(m map[string]any) { m["nonce"] = c.Nonce() }))}, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", endpoint, nil)
			for _, h := range tt.headers {
				r.Header.Add("DPoP", h)
			}
			p, err := c.Check(t.Context(), r, Request{Method: "GET", URLs: []string{endpoint}, AccessToken: tok, RequireNonce: tt.nonce})
			if tt.want == "" {
				if err != nil || p.JKT == "" {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var oe *oidc.Error
			if !errors.As(err, &oe) || oe.Code != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

// The thumbprint is RFC 7638's, so cnf.jkt matches what clients compute.
func TestThumbprint(t *testing.T) {
	// RFC 7638 §3.1's example key and thumbprint.
	var k jose.JSONWebKey
	if err := json.Unmarshal([]byte(`{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}`), &k); err != nil {
		t.Fatal(err)
	}
	tp, _ := k.Thumbprint(crypto.SHA256)
	if got := base64.RawURLEncoding.EncodeToString(tp); got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("thumbprint = %s", got)
	}
}

// FuzzCheck: no DPoP header crashes the checker or is accepted without a
// valid signature by its own jwk.
func FuzzCheck(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s := signer{key: ec, pub: &ec.PublicKey, alg: jose.ES256, typ: "dpop+jwt"}
	var t testing.T
	f.Add(s.sign(&t, map[string]any{"jti": "j", "htm": "GET", "htu": endpoint, "iat": time.Now().Unix()}))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	c := &Checker{JTIs: &memJTIs{}}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest("GET", endpoint, nil)
		r.Header.Set("DPoP", h)
		_, _ = c.Check(t.Context(), r, Request{Method: "GET", URLs: []string{endpoint}})
	})
}
