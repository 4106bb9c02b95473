package clientauth

import (
	"context"
	"crypto/rsa"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
)

// EncryptJWT nests the signed JWT jws in a JWE for the client's RSA
// encryption key: key transport alg (RSA-OAEP or RSA-OAEP-256), content
// encryption enc, as the client registered them for JARM
// (authorization_encrypted_response_*) or ID tokens
// (id_token_encrypted_response_*; OIDC Core §10.2: sign, then encrypt).
// The protected header has cty JWT (RFC 7519 §5.2), the kid of the key,
// and, as node-oidc-provider puts them and IDPartner's clients expect,
// iss = issuer and aud = client_id.
//
// The key is the client's first RSA key for encryption: use "enc" or no
// use, and alg alg or none. The caller passes alg and enc from the
// client's registration (internal/apps keeps them to its allowlist).
func (k *KeySets) EncryptJWT(ctx context.Context, app store.ConnectedApp, alg, enc, issuer, jws string) (string, error) {
	set, err := k.For(ctx, app)
	if err != nil {
		return "", fmt.Errorf("clientauth: encrypt: %w", err)
	}
	key := encryptionKey(set, alg)
	if key == nil {
		return "", fmt.Errorf("clientauth: encrypt: client %s has no RSA encryption key for %s", app.ClientID, alg)
	}
	opts := (&jose.EncrypterOptions{}).WithContentType("JWT").
		WithHeader("iss", issuer).WithHeader("aud", app.ClientID)
	e, err := jose.NewEncrypter(jose.ContentEncryption(enc),
		jose.Recipient{Algorithm: jose.KeyAlgorithm(alg), Key: key.Key, KeyID: key.KeyID}, opts)
	if err != nil {
		return "", fmt.Errorf("clientauth: encrypter: %w", err)
	}
	obj, err := e.Encrypt([]byte(jws))
	if err != nil {
		return "", fmt.Errorf("clientauth: encrypt: %w", err)
	}
	return obj.CompactSerialize()
}

// encryptionKey is the first RSA public key of set fit to encrypt to with
// alg, or nil.
func encryptionKey(set jose.JSONWebKeySet, alg string) *jose.JSONWebKey {
	for i, key := range set.Keys {
		if _, ok := key.Key.(*rsa.PublicKey); ok && (key.Use == "" || key.Use == "enc") &&
			(key.Algorithm == "" || key.Algorithm == alg) {
			return &set.Keys[i]
		}
	}
	return nil
}
