package authorize

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// BenchmarkJARM measures one JWT-secured authorization response
// (Authorizer.jarmJWT: claims, PS256 signature, and for clients with an
// encryption key the JWE RSA-OAEP/A256CBC-HS512), as the sandbox bank's
// seeded clients get it. docs/benchmarks.md, "Bank-grade OP".
func BenchmarkJARM(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.OpenAndMigrate(ctx, filepath.Join(b.TempDir(), "signet.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	const pid = "project-test-jarm"
	if err := st.CreateProject(ctx, store.Project{ID: pid, Name: pid, SecretHash: make([]byte, 32), TokenAlg: keys.RS256, CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	km := keys.NewManager(st, keys.GenerateMasterKey(), keys.Options{})
	encKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: encKey.Public(), KeyID: "enc-1", Use: "enc", Algorithm: "RSA-OAEP"}}})
	a := &Authorizer{Issuer: "https://signet.test", ResponseKeys: km, ClientKeys: &clientauth.KeySets{}}
	kv := []string{"code", "c0de-0123456789abcdef0123456789abcdef0123456", "iss", a.Issuer}
	for _, tc := range []struct {
		name string
		meta store.ClientMetadata
	}{
		{"PS256", store.ClientMetadata{AuthorizationSignedResponseAlg: keys.PS256}},
		{"PS256+RSA-OAEP+A256CBC-HS512", store.ClientMetadata{JWKS: jwks, AuthorizationSignedResponseAlg: keys.PS256,
			AuthorizationEncryptedResponseAlg: "RSA-OAEP", AuthorizationEncryptedResponseEnc: "A256CBC-HS512"}},
	} {
		req := &authzRequest{State: "state-0123456789",
			Client: store.ConnectedApp{ClientID: "client-bench", ProjectID: pid, ClientMetadata: tc.meta}}
		if _, err := a.jarmJWT(ctx, req, kv); err != nil { // make the key, warm the caches
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := a.jarmJWT(ctx, req, kv); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
