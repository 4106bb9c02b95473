package clientauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
)

// EncryptJWT picks the client's RSA encryption key and puts the header
// node-oidc-provider's clients read (cty, kid, iss, aud).
func TestEncryptJWT(t *testing.T) {
	sig, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	wrongUse, _ := rsa.GenerateKey(rand.Reader, 2048)
	enc, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := func(keys ...jose.JSONWebKey) json.RawMessage {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		return b
	}
	app := func(jwks json.RawMessage) store.ConnectedApp {
		return store.ConnectedApp{ClientID: "client-1", UpdatedAt: time.Now(), ClientMetadata: store.ClientMetadata{JWKS: jwks}}
	}
	k := &KeySets{}
	const jws = "a.b.c"

	for _, alg := range []string{"RSA-OAEP", "RSA-OAEP-256"} {
		t.Run(alg, func(t *testing.T) {
			a := app(set(
				jose.JSONWebKey{Key: &sig.PublicKey, KeyID: "sig", Use: "sig"},
				jose.JSONWebKey{Key: &wrongUse.PublicKey, KeyID: "rsa-sig", Use: "sig"},
				jose.JSONWebKey{Key: &enc.PublicKey, KeyID: "enc", Use: "enc"},
			))
			out, err := k.EncryptJWT(t.Context(), a, alg, "A256CBC-HS512", "https://op.example", jws)
			if err != nil {
				t.Fatal(err)
			}
			jwe, err := jose.ParseEncryptedCompact(out, []jose.KeyAlgorithm{jose.KeyAlgorithm(alg)}, []jose.ContentEncryption{jose.A256CBC_HS512})
			if err != nil {
				t.Fatal(err)
			}
			h := jwe.Header
			if h.KeyID != "enc" || h.ExtraHeaders["cty"] != "JWT" || h.ExtraHeaders["iss"] != "https://op.example" || h.ExtraHeaders["aud"] != "client-1" {
				t.Errorf("header = kid %q %v", h.KeyID, h.ExtraHeaders)
			}
			plain, err := jwe.Decrypt(enc)
			if err != nil || string(plain) != jws {
				t.Errorf("decrypt = %q, %v", plain, err)
			}
		})
	}
	t.Run("no RSA encryption key", func(t *testing.T) {
		a := app(set(jose.JSONWebKey{Key: &sig.PublicKey, KeyID: "sig", Use: "sig"},
			jose.JSONWebKey{Key: &wrongUse.PublicKey, KeyID: "rsa-oaep-256", Use: "enc", Algorithm: "RSA-OAEP-256"}))
		if _, err := k.EncryptJWT(t.Context(), a, "RSA-OAEP", "A256CBC-HS512", "https://op.example", jws); err == nil {
			t.Error("encrypted without a fitting key")
		}
	})
	t.Run("no keys", func(t *testing.T) {
		if _, err := k.EncryptJWT(t.Context(), app(nil), "RSA-OAEP", "A256CBC-HS512", "https://op.example", jws); err == nil {
			t.Error("encrypted without keys")
		}
	})
}
