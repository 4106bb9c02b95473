package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// refreshToken is the refresh token grant (RFC 6749 §6, OpenID Connect
// Core §12).
//
// Every refresh rotates (except for the FAPI 2.0 clients of
// keepRefreshToken): the presented token is spent and a new one
// returned, for confidential and public clients alike. Stytch rotates
// only public clients' tokens; rotating all of them is stricter and lets
// reuse detection (RFC 9700 §4.14.2) cover every client: a spent token
// presented again more than RefreshGrace after its rotation revokes the
// whole grant, which is either the client's bug or a thief's replay.
//
// Within RefreshGrace a spent token gets the same successor again, as
// long as that successor is unused, so a client that retries after a
// lost response, or whose two requests race (two tabs), is not logged
// out; and the family never forks into two live chains, which a thief
// racing the client could then use undetected. The successor is derived
// from the presented token (successorOf), so every node computes the same
// one and nothing but its hash is stored. Once the successor has been
// used, the spent token is a replay even within the window, and revokes
// the grant.
//
// The family's life is the grant's, fixed at the code exchange
// (RefreshTokenTTL); rotation does not extend it.
func (h *Handler) refreshToken(ctx context.Context, req *Request, c *Client) (*Response, error) {
	presented := req.Param("refresh_token")
	if presented == "" {
		return nil, invalidRequest("The refresh_token parameter is missing.")
	}
	now := store.Now(h.Now)
	if c.App != nil && apps.RulesOf(*c.App).KeepRefreshToken {
		if resp, kept, err := h.keepRefreshToken(ctx, req, c, presented, now); kept {
			return resp, err
		}
	}
	successor := h.successorOf(presented)
	var scopes []string
	g, err := h.Grants.RotateRefreshToken(ctx, h.Pepper.Hash(presented), now, h.RefreshGrace, func(g store.Grant) (store.RefreshToken, error) {
		// Runs inside the store's transaction: checks only, no store
		// calls. An error here leaves the token and its grant untouched.
		if err := checkRefresh(req, c, g, &scopes); err != nil {
			return store.RefreshToken{}, err
		}
		return store.RefreshToken{Hash: h.Pepper.Hash(successor), CreatedAt: now, ExpiresAt: g.ExpiresAt}, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.NewError(oidc.InvalidGrant, "The refresh token is invalid, expired or revoked.")
	case errors.Is(err, store.ErrAlreadyUsed):
		return nil, oidc.NewError(oidc.InvalidGrant, "The refresh token was already used; its grant is revoked.")
	case err != nil:
		return nil, err // the callback's *oidc.Error, or a store failure (server_error)
	}
	// The ID token of a refresh keeps the original auth_time and has no
	// nonce (OpenID Connect Core §12.2).
	return h.issue(ctx, issuance{client: c, grant: g, now: now, scopes: scopes, refresh: successor})
}

// keepRefreshToken refreshes without rotating, for a sender-constrained
// confidential client whose profile says so (FAPI 2.0 SP §5.3.2.1-9:
// "shall not use refresh token rotation except in extraordinary
// circumstances"; RFC 9700 §4.14.2 allows sender-constrained refresh
// tokens instead of rotation): the same token keeps working, and is
// handed back. A token already rotated (issued before the client took the
// profile) is not kept: kept is false and the rotation path, with its
// reuse detection, decides.
func (h *Handler) keepRefreshToken(ctx context.Context, req *Request, c *Client, presented string, now time.Time) (resp *Response, kept bool, err error) {
	rt, g, err := h.Grants.RefreshToken(ctx, h.Pepper.Hash(presented), now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, true, oidc.NewError(oidc.InvalidGrant, "The refresh token is invalid, expired or revoked.")
	case err != nil:
		return nil, true, err
	case rt.RotatedAt != nil:
		return nil, false, nil
	}
	var scopes []string
	if err := checkRefresh(req, c, g, &scopes); err != nil {
		return nil, true, err
	}
	resp, err = h.issue(ctx, issuance{client: c, grant: g, now: now, scopes: scopes, refresh: presented})
	return resp, true, err
}

// checkRefresh checks a refresh request against the token's grant and
// sets the scopes to issue.
func checkRefresh(req *Request, c *Client, g store.Grant, scopes *[]string) error {
	if g.ClientID != c.ID || g.ProjectID != c.ProjectID {
		// RFC 6749 §6: the refresh token must have been issued to the
		// authenticated client.
		return oidc.NewError(oidc.InvalidGrant, "The refresh token was not issued to this client.")
	}
	// RFC 8705 §4: a bound grant's refresh tokens work only with the
	// certificate they were bound to.
	if !sameThumbprint(g.CertThumbprint, c.Certificate) {
		return oidc.NewError(oidc.InvalidGrant, "The refresh token is bound to another client certificate.")
	}
	// RFC 9449 §5: a public client's refresh token works only with a proof
	// by the key it was bound to.
	if g.DPoPJKT != "" && subtle.ConstantTimeCompare([]byte(g.DPoPJKT), []byte(c.DPoPJKT)) != 1 {
		return oidc.NewError(oidc.InvalidGrant, "The refresh token is bound to another DPoP key.")
	}
	// RFC 6749 §6: the scope may narrow but never widen what the
	// resource owner granted; no scope means all of it.
	var err error
	*scopes, err = grantScopes(req.Scope, g.Scopes)
	return err
}

// successorLabel names the key refresh-token successors are derived with
// (secrets.Pepper.Derive); the NUL keeps it apart from every credential.
const successorLabel = "signet/refresh-token/successor/v1\x00"

// successorOf is the one refresh token that rotating presented gives: a
// keyed hash of it under a key only the server has (derived from the
// pepper), formatted like every refresh token (43 base64url characters).
// Deterministic, so a retry or a racing request, on any node, gets the same
// successor and the family stays one chain, whose spent tokens presented
// again reveal a theft (RFC 9700 §4.14.2); keyed, so that knowing a token,
// even a spent one, does not tell its successor.
func (h *Handler) successorOf(presented string) string {
	return h.Pepper.Derive(successorLabel, presented)
}
