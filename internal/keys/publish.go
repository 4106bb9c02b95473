package keys

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// ErrInvalidToken is wrapped by every Verify error that is the token's
// fault (as opposed to the store's), so callers can answer 401, not 500.
var ErrInvalidToken = errors.New("keys: invalid token")

// JWKS returns the project's published public keys as a JSON Web Key Set
// (RFC 7517 §5): {"keys":[...]}, every key with kty, use "sig", key_ops
// ["verify"], alg and kid. The bytes are shared by all callers; do not
// modify them.
func (m *Manager) JWKS(ctx context.Context, projectID string) ([]byte, error) {
	set, err := m.keySet(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return set.jwks, nil
}

// PublicKeys returns the project's published public keys, for code that
// hands a key set to go-jose.
func (m *Manager) PublicKeys(ctx context.Context, projectID string) (jose.JSONWebKeySet, error) {
	set, err := m.keySet(ctx, projectID)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	now := m.now()
	var ks jose.JSONWebKeySet
	for _, k := range set.keys {
		if k.published(now) {
			ks.Keys = append(ks.Keys, jose.JSONWebKey{
				Key:       k.signer.public,
				KeyID:     k.signer.kid,
				Algorithm: k.signer.alg,
				Use:       "sig",
			})
		}
	}
	return ks, nil
}

// Verify checks the signature of a compact JWS that one of the project's
// published keys made, and returns its payload and protected header. The
// key is found by the header's kid; a token without a known kid fails
// rather than being tried against every key. The header's alg must be in
// allowed and be the key's own algorithm (RFC 8725 §3.1), so a token can
// neither pick a weaker algorithm nor use an RSA key under the other RSA
// scheme.
//
// Only the signature is checked: exp, nbf, iss, aud and typ are the
// caller's (internal/tokens, internal/users).
func (m *Manager) Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error) {
	if len(allowed) == 0 {
		return nil, jose.Header{}, errors.New("keys: Verify needs at least one allowed algorithm")
	}
	jws, err := jose.ParseSignedCompact(token, allowed)
	if err != nil {
		return nil, jose.Header{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, jose.Header{}, fmt.Errorf("%w: want one signature", ErrInvalidToken)
	}
	h := jws.Signatures[0].Protected
	set, err := m.keySet(ctx, projectID)
	if err != nil {
		return nil, jose.Header{}, err
	}
	now := m.now()
	var k *key
	for _, c := range set.keys {
		if c.signer.kid == h.KeyID && h.KeyID != "" && c.published(now) {
			k = c
			break
		}
	}
	if k == nil {
		return nil, jose.Header{}, fmt.Errorf("%w: unknown key %q", ErrInvalidToken, h.KeyID)
	}
	if h.Algorithm != k.signer.alg {
		return nil, jose.Header{}, fmt.Errorf("%w: alg %s used with a %s key", ErrInvalidToken, h.Algorithm, k.signer.alg)
	}
	payload, err := jws.Verify(k.signer.public)
	if err != nil {
		return nil, jose.Header{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return payload, h, nil
}
