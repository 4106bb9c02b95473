package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// ErrInvalidToken is wrapped by every Verify error that is the token's
// fault (as opposed to the store's), so callers can answer 401, not 500.
var ErrInvalidToken = errors.New("keys: invalid token")

// JWKS returns the project's published public keys as a JSON Web Key Set
// (RFC 7517 §5): {"keys":[...]}, every key with kty, use "sig" (and no
// key_ops, RFC 7517 §4.3), alg and kid. The bytes are shared by all callers; do not
// modify them.
func (m *Manager) JWKS(ctx context.Context, projectID string) ([]byte, error) {
	set, err := m.keySet(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return set.jwks, nil
}

// UnionJWKS returns the published keys of all the projects as one JWKS:
// the document of the root jwks_uri, which serves every project's keys
// because they share one issuer. It is made from the same per-project
// views as JWKS, so it is exactly as fresh (a separate cache of the union
// would add its lifetime to how late a new key appears, and so to the
// publish delay). The bytes are rebuilt only when a view changed; they are
// shared by all callers: do not modify them.
func (m *Manager) UnionJWKS(ctx context.Context, projectIDs []string) ([]byte, error) {
	sets := make([]*keySet, len(projectIDs))
	for i, id := range projectIDs {
		set, err := m.keySet(ctx, id)
		if err != nil {
			return nil, err
		}
		sets[i] = set
	}
	if u := m.union.Load(); u != nil && slices.Equal(u.sets, sets) {
		return u.jwks, nil
	}
	b := []byte(`{"keys":[`)
	n := 0
	for _, set := range sets {
		for _, k := range set.keys {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, k.jwk...)
			n++
		}
	}
	b = append(b, "]}"...)
	m.union.Store(&unionJWKS{sets: sets, jwks: b})
	return b, nil
}

// unionJWKS is the last UnionJWKS document and the views it was made of.
type unionJWKS struct {
	sets []*keySet
	jwks []byte
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
		return nil, jose.Header{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
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
		return nil, jose.Header{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return payload, h, nil
}
