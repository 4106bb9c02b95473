package rp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// BenchmarkVerifyResponse measures what the client does with one sign-in's
// tokens from a bank OP: parseJARM on the authorization response, then
// parseIDToken on the token endpoint's ID token (decrypt RSA-OAEP/
// A256CBC-HS512 when the client has keys, verify PS256, check claims), with
// the OP's discovery document and keys already cached (no network).
// docs/benchmarks.md, "Bank-grade OP (issue 6) and rp (issue 7)".
func BenchmarkVerifyResponse(b *testing.B) {
	const iss, clientID = "https://bank.example", "client-bench"
	opKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	sigKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	encKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	privJWKS, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: sigKey, KeyID: "sig-1", Use: "sig", Algorithm: "PS256"},
		{Key: encKey, KeyID: "enc-1", Use: "enc", Algorithm: "RSA-OAEP"}}})
	keys, err := ParsePrivateJWKS(privJWKS)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: opKey, KeyID: "op-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		b.Fatal(err)
	}
	encrypter, err := jose.NewEncrypter(jose.A256CBC_HS512,
		jose.Recipient{Algorithm: jose.RSA_OAEP, Key: &encKey.PublicKey, KeyID: "enc-1"},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	if err != nil {
		b.Fatal(err)
	}
	seal := func(claims map[string]any, encrypt bool) string {
		payload, _ := json.Marshal(claims)
		jws, err := signer.Sign(payload)
		if err != nil {
			b.Fatal(err)
		}
		s, _ := jws.CompactSerialize()
		if !encrypt {
			return s
		}
		jwe, err := encrypter.Encrypt([]byte(s))
		if err != nil {
			b.Fatal(err)
		}
		s, _ = jwe.CompactSerialize()
		return s
	}
	now := time.Now()
	const accessToken = "access-token-0123456789"
	jarmClaims := map[string]any{"iss": iss, "aud": clientID, "exp": now.Add(2 * time.Minute).Unix(),
		"code": "c0de-0123456789abcdef", "state": "state-0123456789"}
	idClaims := map[string]any{"iss": iss, "sub": "sub-0123456789", "aud": []string{clientID}, "azp": clientID,
		"exp": now.Add(10 * time.Minute).Unix(), "iat": now.Unix(), "nonce": "nonce-0123456789",
		"at_hash": atHash(accessToken), "email": "ada@example.com", "given_name": "Ada", "family_name": "Lovelace"}
	for _, tc := range []struct {
		name    string
		encrypt bool
	}{{"PS256", false}, {"PS256+RSA-OAEP+A256CBC-HS512", true}} {
		cfg := Config{ClientID: clientID, RedirectURL: "https://rp.example/cb", ClientSecret: "s"}
		if tc.encrypt {
			cfg.Keys = keys
		}
		c, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		p := &provider{md: oidc.Metadata{Issuer: iss}, expires: now.Add(time.Hour),
			keys:        []jose.JSONWebKey{{Key: &opKey.PublicKey, KeyID: "op-1", Use: "sig", Algorithm: "PS256"}},
			keysExpires: now.Add(time.Hour)}
		jarm, idToken := seal(jarmClaims, tc.encrypt), seal(idClaims, tc.encrypt)
		ctx := context.Background()
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.parseJARM(ctx, p, jarm); err != nil {
						b.Fatal(err)
					}
					if _, _, _, err := c.parseIDToken(ctx, p, idToken, "nonce-0123456789", accessToken); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
