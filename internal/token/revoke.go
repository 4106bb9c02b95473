package token

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Revocation serves token revocation (RFC 7009):
//
//	POST /v1/oauth2/revoke                        host-root path
//	POST /v1/public/{project_id}/oauth2/revoke    Stytch's path; the client must belong to project_id
//
// Any Connected App may revoke its own tokens, public ones by client_id
// alone (RFC 7009 §2.1 and §5). Revoking a refresh token revokes its
// grant, and so every token the grant issued (§2.1 "SHOULD also
// invalidate all access tokens based on the same authorization grant").
// Revoking an access token also revokes its grant: Signet's access tokens
// are bound to their grant, which is the one thing revocation can reach.
// M2M access tokens have no grant and cannot be revoked; they expire.
//
// The answer is 200 whether or not anything was revoked: an unknown,
// expired or malformed token (§2.2), and a token issued to another client,
// which §2.1 says not to revoke.
type Revocation struct {
	Clients    Clients       // M2M clients (*apps.Cache)
	ClientAuth ConnectedAuth // Connected Apps (*clientauth.Authenticator)
	Pepper     secrets.Pepper
	// MTLSBaseURL is the mutual-TLS listener's base URL (optional), for
	// the aud of client assertions.
	MTLSBaseURL string
	Tokens      *Checker
	Grants      GrantRevoker
	Now         func() time.Time // default time.Now
}

// GrantRevoker revokes grants (store.Authorizations).
type GrantRevoker interface {
	RevokeGrant(ctx context.Context, projectID, grantID string, now time.Time) error
}

// RevocationPath is the host-root route, for the discovery document.
const RevocationPath = "/v1/oauth2/revoke"

// Mount fills defaults and registers the routes on mux.
func (h *Revocation) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	mux.HandleFunc("POST "+RevocationPath, h.serve)
	mux.HandleFunc("POST /v1/public/{project_id}/oauth2/revoke", h.serve)
}

type revocationResponse struct{ api.Meta }

func (h *Revocation) serve(w http.ResponseWriter, r *http.Request) {
	if err := h.revoke(r.Context(), w, r); err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	api.WriteNoStore(w, r, http.StatusOK, &revocationResponse{})
}

func (h *Revocation) revoke(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	req, err := readRequest(w, r, false)
	if err != nil {
		return err
	}
	c, err := clientAuth{m2m: h.Clients, connected: h.ClientAuth, pepper: h.Pepper,
		issuer: h.Tokens.Issuer, mtlsBase: h.MTLSBaseURL, path: RevocationPath}.authenticate(r, req, false)
	if err != nil {
		return err
	}
	tok := req.Param("token")
	if tok == "" {
		return invalidRequest("The token parameter is missing.")
	}
	var g store.Grant
	if looksLikeJWT(tok) {
		var at *accessToken
		if at, err = h.Tokens.access(ctx, c.ProjectID, tok); err == nil {
			if at.Grant == nil {
				return nil // an M2M token: nothing to revoke
			}
			g = *at.Grant
		}
	} else {
		g, err = h.Tokens.refresh(ctx, tok)
	}
	if errors.Is(err, errInactive) {
		return nil
	}
	if err != nil {
		return oidc.Errorf(oidc.ServerError, "The token could not be checked.", err)
	}
	if g.ProjectID != c.ProjectID || g.ClientID != c.ID {
		return nil // §2.1: not this client's token; say nothing
	}
	err = h.Grants.RevokeGrant(ctx, g.ProjectID, g.ID, store.Now(h.Now))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		// §2.2.1: the client may retry after a server failure.
		return oidc.Errorf(oidc.ServerError, "The token could not be revoked.", err)
	}
	return nil
}
