package token

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/oidc"
)

// accessClaims are the claims of an access token: Stytch's M2M token
// claims (stytch-api.md §5.5) plus client_id and jti of RFC 9068 §2.2.
type accessClaims struct {
	Iss      string   `json:"iss"`
	Sub      string   `json:"sub"`
	Aud      []string `json:"aud"`
	Scope    string   `json:"scope"`
	ClientID string   `json:"client_id"`
	Iat      int64    `json:"iat"`
	Nbf      int64    `json:"nbf"`
	Exp      int64    `json:"exp"`
	Jti      string   `json:"jti"`
	// Cnf binds the token to a client certificate (RFC 8705 §3.1).
	Cnf *confirmation `json:"cnf,omitempty"`
	// Organization is a B2B member's organization (member.go).
	Organization *orgClaim `json:"https://stytch.com/organization,omitempty"`
}

// accessTokenTyp is the JWS "typ" of access tokens. RFC 9068 §2.1 asks for
// "at+jwt", but the Stytch SDKs verify M2M tokens with typ "JWT" (Node
// passes typ: "JWT" to jose.jwtVerify, which refuses any other value;
// stytch-api.md §4.1), and those SDKs are the clients this endpoint serves.
const accessTokenTyp = "JWT"

// mintAccessToken fills the registered claims of c and signs it with the
// project's current key of its access-token algorithm.
func (h *Handler) mintAccessToken(ctx context.Context, projectID string, c accessClaims) (string, error) {
	alg, err := h.tokenAlg(ctx, projectID)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	signer, err := h.Keys.Signer(ctx, projectID, alg)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	now := h.Now()
	c.Iss = h.Issuer
	// Stytch SDKs require the project ID in aud (stytch-api.md §4.2).
	c.Aud = []string{projectID}
	c.Iat, c.Nbf, c.Exp = now.Unix(), now.Unix(), now.Add(h.AccessTokenTTL).Unix()
	c.Jti = newJTI()
	tok, err := signer.SignJWT(&c, accessTokenTyp)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	return tok, nil
}

// newJTI returns a 128-bit random token ID (RFC 7519 §4.1.7: unique with
// negligible collision probability).
func newJTI() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

type algEntry struct {
	alg     string
	expires time.Time
}

// ForgetProject drops the project's cached access-token algorithm ("":
// every project's), when the project changed (store.TopicProject).
func (h *Handler) ForgetProject(projectID string) {
	if projectID == "" {
		h.algs.Clear()
		return
	}
	h.algs.Delete(projectID)
}

// tokenAlg returns the project's access-token algorithm, cached for
// ProjectTTL so minting does not read the database.
//
// When a read finds an algorithm this process has not used for the
// project (the first time, or after `signet project set`), the project's
// cached keys are dropped too: project set makes the new key before it
// switches the algorithm, but the key cache, refreshed on its own clock,
// may not hold that key yet, and signing would fail until it did.
func (h *Handler) tokenAlg(ctx context.Context, projectID string) (string, error) {
	now := h.Now()
	prev, had := h.algs.Load(projectID)
	if had && now.Before(prev.(algEntry).expires) {
		return prev.(algEntry).alg, nil
	}
	p, err := h.Projects.Project(ctx, projectID)
	if err != nil {
		return "", err
	}
	alg := p.TokenAlg
	if alg == "" {
		alg = keys.RS256
	}
	if !had || prev.(algEntry).alg != alg {
		h.Keys.Invalidate(projectID)
	}
	h.algs.Store(projectID, algEntry{alg: alg, expires: now.Add(h.ProjectTTL)})
	return alg, nil
}
