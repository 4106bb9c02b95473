package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// authorizationCode is the authorization code grant (RFC 6749 §4.1.3,
// OpenID Connect Core §3.1.3): the code internal/authorize issued is
// redeemed once for a grant, which the tokens answered here hang off.
//
// The store burns the code whatever happens once it is found (RFC 6749
// §4.1.2: used at most once), so a code presented with a wrong
// redirect_uri or code_verifier is gone: the legitimate client starts
// over rather than race whoever sent it. A code presented again gets
// invalid_grant, and the store revokes the grant its first use made, and
// with it that exchange's access and refresh tokens (RFC 9700 §4.5).
func (h *Handler) authorizationCode(ctx context.Context, req *Request, c *Client) (*Response, error) {
	code := req.Param("code")
	if code == "" {
		return nil, invalidRequest("The code parameter is missing.")
	}
	// RFC 6749 §4.1.3: redirect_uri is required when the authorization
	// request had one, which internal/authorize always demands. Checked
	// here, before the code is touched, as a malformed request.
	redirectURI := req.Param("redirect_uri")
	if redirectURI == "" {
		return nil, invalidRequest("The redirect_uri parameter is missing.")
	}
	verifier := req.Param("code_verifier")
	now := store.Now(h.Now)

	var nonce string
	g, err := h.Grants.RedeemAuthCode(ctx, h.Pepper.Hash(code), now, func(ac store.AuthCode) (store.Grant, error) {
		// Runs inside the store's transaction: checks only, no store calls.
		if err := checkCode(ac, c, redirectURI, verifier); err != nil {
			return store.Grant{}, err
		}
		nonce = ac.Nonce
		// Without offline_access nothing outlives the access token, and
		// neither need the grant; with it the grant is the refresh
		// family's life.
		expires := now.Add(accessTTL(c.App))
		if slices.Contains(ac.Scopes, oidc.ScopeOfflineAccess) {
			expires = now.Add(h.RefreshTokenTTL)
		}
		return store.Grant{
			ID:        newGrantID(),
			Scopes:    ac.Scopes,
			SessionID: ac.SessionID,
			AuthTime:  ac.AuthTime,
			ACR:       ac.ACR,
			CreatedAt: now,
			ExpiresAt: expires,
			// RFC 8705 §4: refresh tokens are bound to the certificate
			// the access tokens are (for confidential clients their
			// authentication binds them too).
			CertThumbprint: boundThumbprint(c),
			DPoPJKT:        boundJKT(c),
			Claims:         ac.Claims,
		}, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, oidc.NewError(oidc.InvalidGrant, "The code is invalid or has expired.")
	case errors.Is(err, store.ErrAlreadyUsed):
		return nil, oidc.NewError(oidc.InvalidGrant, "The code was already used; the tokens issued for it are revoked.")
	case err != nil:
		return nil, err // checkCode's *oidc.Error, or a store failure (server_error)
	}

	var refresh string
	if slices.Contains(g.Scopes, oidc.ScopeOfflineAccess) {
		refresh = secrets.New("")
		err := h.Grants.CreateRefreshToken(ctx, store.RefreshToken{
			Hash: h.Pepper.Hash(refresh), GrantID: g.ID, ProjectID: g.ProjectID,
			CreatedAt: now, ExpiresAt: g.ExpiresAt,
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			// The grant was revoked since the redemption committed: by a
			// replay of this code racing this request (RFC 9700 §4.5), or
			// by the user withdrawing consent. A revoked grant issues
			// nothing, and that is the client's invalid_grant (RFC 6749
			// §5.2), not a server error.
			return nil, oidc.NewError(oidc.InvalidGrant, "The code's grant was revoked before its tokens were issued.")
		case err != nil:
			h.abandon(ctx, g)
			return nil, oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
		}
	}
	resp, err := h.issue(ctx, issuance{client: c, grant: g, now: now, scopes: g.Scopes, nonce: nonce, refresh: refresh})
	if err != nil {
		h.abandon(ctx, g)
		return nil, err
	}
	return resp, nil
}

// checkCode checks a token request against the code it presents. Every
// failure is invalid_grant (RFC 6749 §5.2: the grant "does not match the
// redirection URI used in the authorization request, or was issued to
// another client"; RFC 7636 §4.6 for PKCE).
func checkCode(ac store.AuthCode, c *Client, redirectURI, verifier string) error {
	bad := func(desc string) error { return oidc.NewError(oidc.InvalidGrant, desc) }
	switch {
	case ac.ClientID != c.ID || ac.ProjectID != c.ProjectID:
		return bad("The code was not issued to this client.")
	case ac.DPoPJKT != "" && subtle.ConstantTimeCompare([]byte(ac.DPoPJKT), []byte(c.DPoPJKT)) != 1:
		// RFC 9449 §10: the code is redeemed with a proof by the key it
		// was bound to at PAR.
		return bad("The code is bound to a DPoP key; send a proof by that key.")
	case ac.RedirectURI != redirectURI:
		// Exact string comparison (RFC 6749 §4.1.3 "identical").
		return bad("The redirect_uri does not match the one of the authorization request.")
	case ac.CodeChallenge == "" && verifier != "":
		// RFC 9700 §2.1.1: a verifier without a challenge is refused, so a
		// PKCE downgrade cannot go unnoticed.
		return bad("A code_verifier was sent, but the authorization request had no code_challenge.")
	case ac.CodeChallenge == "" && c.Public:
		// internal/authorize already demands a challenge from public
		// clients; this keeps the rule where the code is spent too.
		return bad("Public clients must use PKCE.")
	case ac.CodeChallenge == "":
		return nil
	case verifier == "":
		return bad("The code_verifier parameter is missing; the authorization request had a code_challenge.")
	case !oidc.VerifyS256(verifier, ac.CodeChallenge):
		return bad("The code_verifier does not match the code_challenge.")
	}
	return nil
}

// abandon revokes a grant whose tokens could not all be issued, so that
// nothing half-made stays usable. It runs even if the request was
// cancelled; a failure is left to the grant's expiry.
func (h *Handler) abandon(ctx context.Context, g store.Grant) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = h.Grants.RevokeGrant(ctx, g.ProjectID, g.ID, store.Now(h.Now))
}
