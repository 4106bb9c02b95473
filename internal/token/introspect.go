package token

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Introspection serves token introspection (RFC 7662):
//
//	POST /v1/oauth2/introspect                        host-root path
//	POST /v1/public/{project_id}/oauth2/introspect    Stytch's path; the client must belong to project_id
//
// The caller authenticates as a client of the token endpoint (client.go):
// a confidential Connected App or an M2M client, typically a resource
// server. It may introspect any token of its own project; a token of
// another project is inactive to it. Public clients cannot introspect
// (RFC 7662 §4: the endpoint must not become a token-scanning oracle for
// callers that cannot authenticate).
type Introspection struct {
	Clients    Clients       // M2M clients (*apps.Cache)
	ClientAuth ConnectedAuth // Connected Apps (*clientauth.Authenticator)
	Pepper     secrets.Pepper
	// MTLSBaseURL is the mutual-TLS listener's base URL (optional), for
	// the aud of client assertions.
	MTLSBaseURL string
	Tokens      *Checker
	// Members reads the organization of a B2B member's refresh token
	// (store.Organizations).
	Members Members
}

// IntrospectionPath is the host-root route, for the discovery document.
const IntrospectionPath = "/v1/oauth2/introspect"

// Mount registers the routes on mux.
func (h *Introspection) Mount(mux api.Router) {
	mux.HandleFunc("POST "+IntrospectionPath, h.serve)
	mux.HandleFunc("POST /v1/public/{project_id}/oauth2/introspect", h.serve)
}

// introspection is the RFC 7662 §2.2 response with Stytch's request_id
// and status_code. An inactive token gets active: false and nothing else
// (§2.2: no hint of why).
type introspection struct {
	Active    bool     `json:"active"`
	Iss       string   `json:"iss,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Nbf       int64    `json:"nbf,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Jti       string   `json:"jti,omitempty"`
	// Cnf is a bound token's certificate thumbprint (RFC 8705 §3.2).
	Cnf *confirmation `json:"cnf,omitempty"`
	// Organization is a B2B member's organization (member.go), which the
	// SDKs' B2B introspectTokenNetwork reads.
	Organization *orgClaim `json:"https://stytch.com/organization,omitempty"`
	api.Meta
}

func (h *Introspection) serve(w http.ResponseWriter, r *http.Request) {
	resp, err := h.introspect(r.Context(), w, r)
	if err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	api.WriteNoStore(w, r, http.StatusOK, resp)
}

func (h *Introspection) introspect(ctx context.Context, w http.ResponseWriter, r *http.Request) (*introspection, error) {
	req, err := readRequest(w, r, false)
	if err != nil {
		return nil, err
	}
	c, err := clientAuth{m2m: h.Clients, connected: h.ClientAuth, pepper: h.Pepper,
		issuer: h.Tokens.Issuer, mtlsBase: h.MTLSBaseURL, path: IntrospectionPath}.authenticate(r, req, false)
	if err != nil {
		return nil, err
	}
	if c.Public {
		return nil, oidc.NewError(oidc.InvalidClient, "Introspection needs a confidential client.")
	}
	tok := req.Param("token")
	if tok == "" {
		return nil, invalidRequest("The token parameter is missing.")
	}
	var out *introspection
	if looksLikeJWT(tok) {
		out, err = h.accessToken(ctx, c, tok)
	} else {
		out, err = h.refreshToken(ctx, c, tok)
	}
	if errors.Is(err, errInactive) {
		return &introspection{}, nil
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The token could not be checked.", err)
	}
	return out, nil
}

func (h *Introspection) accessToken(ctx context.Context, c *Client, tok string) (*introspection, error) {
	at, err := h.Tokens.access(ctx, c.ProjectID, tok)
	if err != nil {
		return nil, err
	}
	if at.Grant == nil {
		// An M2M token has no grant to revoke; it is active while its
		// client is (a deleted or deactivated client's tokens are not).
		m, err := h.Clients.M2MClient(ctx, at.ProjectID, at.ClientID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (m.Status != "active" || at.Sub != m.ClientID) {
			return nil, errInactive
		}
		if err != nil {
			return nil, err
		}
	}
	return &introspection{
		Active: true, Iss: at.Iss, Sub: at.Sub, Aud: at.Aud, Scope: at.Scope, ClientID: at.ClientID,
		Exp: at.Exp, Iat: at.Iat, Nbf: at.Nbf, TokenType: oidc.TokenTypeAccessToken, Jti: at.Jti,
		Cnf: at.Cnf, Organization: at.Organization,
	}, nil
}

// refreshToken describes an unspent refresh token: the scopes its grant
// can be exchanged for, when it was issued and when it expires. It has no
// nbf or jti of its own to report.
func (h *Introspection) refreshToken(ctx context.Context, c *Client, tok string) (*introspection, error) {
	rt, g, err := h.Tokens.unspentRefresh(ctx, tok)
	if err != nil {
		return nil, err
	}
	if g.ProjectID != c.ProjectID {
		return nil, errInactive
	}
	out := &introspection{
		Active: true, Iss: h.Tokens.Issuer, Sub: g.Subject(), Scope: strings.Join(g.Scopes, " "),
		ClientID: g.ClientID, Exp: rt.ExpiresAt.Unix(), Iat: rt.CreatedAt.Unix(), TokenType: oidc.TokenTypeRefreshToken,
	}
	if g.MemberID != "" {
		// The slug as it is now; a grant whose organization is gone was
		// deleted with it.
		o, err := h.Members.Organization(ctx, g.ProjectID, g.OrganizationID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errInactive
		} else if err != nil {
			return nil, err
		}
		out.Organization = &orgClaim{OrganizationID: o.ID, Slug: o.Slug}
	}
	return out, nil
}
