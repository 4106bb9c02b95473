package token

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// BenchmarkIDToken measures issuing one ID token (Handler.idToken: signer
// from the cache, claims to JSON, signature, and for the bank-grade
// clients the JWE for the client's RSA key), per the client's
// registration: RS256 (the default), PS256 (FAPI), and PS256 nested in
// RSA-OAEP/A256CBC-HS512 (the seeded sandbox-bank clients). No store or
// network in the loop. docs/benchmarks.md, "Bank-grade OP".
func BenchmarkIDToken(b *testing.B) {
	e := newEnv(b)
	const pid = "project-test-idtoken"
	e.project(pid, keys.RS256)
	ctx := context.Background()
	if err := e.km.EnsureKey(ctx, pid, keys.PS256); err != nil {
		b.Fatal(err)
	}
	encKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: encKey.Public(), KeyID: "enc-1", Use: "enc", Algorithm: "RSA-OAEP"}}})
	h := &Handler{Issuer: issuer, Keys: e.km, ClientKeys: &clientauth.KeySets{}}
	now := time.Now()
	verified := true
	claims := &idClaims{
		Iss: issuer, Sub: "user-test-00000000-0000-4000-8000-000000000000", Aud: []string{"client-bench"},
		Azp: "client-bench", Exp: now.Add(time.Hour).Unix(), Iat: now.Unix(), Nbf: now.Unix(),
		AuthTime: now.Unix(), Nonce: "n-0123456789", AtHash: atHash("access-token"),
		userClaims: userClaims{GivenName: "Ada", FamilyName: "Lovelace", Birthdate: "1990-04-01",
			Email: "ada@example.com", EmailVerified: &verified},
	}
	for _, tc := range []struct {
		name string
		app  store.ConnectedApp
	}{
		{"RS256", store.ConnectedApp{}},
		{"PS256", store.ConnectedApp{ClientMetadata: store.ClientMetadata{IDTokenSignedResponseAlg: keys.PS256}}},
		{"PS256+RSA-OAEP+A256CBC-HS512", store.ConnectedApp{ClientMetadata: store.ClientMetadata{
			JWKS: jwks, IDTokenSignedResponseAlg: keys.PS256,
			IDTokenEncryptedResponseAlg: "RSA-OAEP", IDTokenEncryptedResponseEnc: "A256CBC-HS512"}}},
	} {
		app := tc.app
		app.ClientID, app.ProjectID = "client-bench", pid
		c := &Client{ID: app.ClientID, ProjectID: pid, App: &app}
		if _, err := h.idToken(ctx, c, claims); err != nil { // warm the caches
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := h.idToken(ctx, c, claims); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
