package token

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// JWTEncrypter nests a signed JWT in a JWE for a client's encryption key
// (*clientauth.KeySets, which JARM uses too).
type JWTEncrypter interface {
	EncryptJWT(ctx context.Context, app store.ConnectedApp, alg, enc, issuer, jws string) (string, error)
}

// defaultIDTokenAlg is the ID token algorithm of a client that registered
// none: RS256, the one every OpenID Provider must offer (OpenID Connect
// Core §15.1) and the one the Stytch SDKs verify. Every project has an
// RS256 key from birth (internal/projects).
const defaultIDTokenAlg = keys.RS256

// idToken signs an ID token with the client's id_token_signed_response_alg
// (OIDC Registration §2; PS256 or ES256, as internal/apps allows, or
// RS256) and, when the client registered id_token_encrypted_response_alg,
// nests it in a JWE for the client's key (Core §10.2: signed, then
// encrypted).
func (h *Handler) idToken(ctx context.Context, c *Client, claims *idClaims) (string, error) {
	alg := defaultIDTokenAlg
	if c.App != nil && c.App.IDTokenSignedResponseAlg != "" {
		alg = c.App.IDTokenSignedResponseAlg
	}
	signer, err := h.idTokenSigner(ctx, c.ProjectID, alg)
	if errors.Is(err, keys.ErrNoKey) {
		return "", oidc.Errorf(oidc.TemporarilyUnavailable, "The signing key for this client's ID tokens is being published; try again in a minute.", err)
	}
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	tok, err := signer.SignJWT(claims, idTokenTyp)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	if c.App == nil || c.App.IDTokenEncryptedResponseAlg == "" {
		return tok, nil
	}
	// A client that asked for encryption never gets its ID token in the
	// clear: without an encrypter the exchange fails.
	if h.ClientKeys == nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", errors.New("token: ID token encryption is not configured"))
	}
	app := *c.App
	if tok, err = h.ClientKeys.EncryptJWT(ctx, app, app.IDTokenEncryptedResponseAlg, app.IDTokenEncryptedResponseEnc, h.Issuer, tok); err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The ID token could not be encrypted to the client's key.", err)
	}
	return tok, nil
}

// idTokenSigner is the project's signer of alg. Every project has a key of
// each ID token algorithm from its creation (internal/projects). One that
// lacks it anyway gets one made here, which signs only once every node's
// JWKS serves it (internal/keys): until then this answers ErrNoKey, and the
// client temporarily_unavailable, rather than sign with a key relying
// parties cannot have fetched, or with an algorithm the client did not
// register (OIDC Registration §2).
func (h *Handler) idTokenSigner(ctx context.Context, projectID, alg string) (*keys.Signer, error) {
	signer, err := h.Keys.Signer(ctx, projectID, alg)
	if !errors.Is(err, keys.ErrNoKey) {
		return signer, err
	}
	if err := h.Keys.EnsureKey(ctx, projectID, alg); err != nil {
		return nil, err
	}
	return h.Keys.Signer(ctx, projectID, alg)
}

// atHash is the at_hash of an access token (OpenID Connect Core
// §3.1.3.6): the base64url of the left half of its hash with the hash
// function of the ID token's alg, which is SHA-256 for every alg Signet
// signs ID tokens with (RS256, PS256, ES256).
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// IDTokenSigningAlgs lists the ID token algorithms, for discovery: the
// default and those a client may register (internal/apps).
func IDTokenSigningAlgs() []string {
	return []string{keys.RS256, keys.PS256, keys.ES256}
}
