package token

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/dpop"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Signers gives the signer of a project's current key of an algorithm
// (*keys.Manager, which keeps parsed keys in memory).
type Signers interface {
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
	// EnsureKey gives the project a key of alg if it has none (the ID
	// token algorithm a client registered).
	EnsureKey(ctx context.Context, projectID, alg string) error
	// Invalidate drops the project's cached keys.
	Invalidate(projectID string)
}

// Projects reads a project (for its access-token algorithm).
type Projects interface {
	Project(ctx context.Context, id string) (store.Project, error)
}

// Handler serves the token endpoint. Fields left zero get the defaults
// documented on them when Mount runs.
type Handler struct {
	// Issuer is the "iss" of access tokens: the public base URL, no
	// trailing slash, which Stytch SDKs accept (stytch-api.md §4.2).
	Issuer string
	// MTLSBaseURL is the mutual-TLS listener's base URL (optional); client
	// assertions may name its token endpoint as aud.
	MTLSBaseURL string
	Clients     Clients
	Projects    Projects
	Keys        Signers
	Pepper      secrets.Pepper
	// ClientAuth authenticates Connected Apps, the clients of the
	// authorization_code and refresh_token grants (*clientauth.Authenticator);
	// nil serves M2M clients only.
	ClientAuth ConnectedAuth
	// DPoP checks DPoP proofs (RFC 9449); nil: proofs are not read and
	// tokens are never DPoP-bound.
	DPoP *dpop.Checker
	// Grants stores what the code and refresh grants issue, and Users
	// gives the claims of ID tokens; both are needed with ClientAuth.
	Grants Grants
	Users  Users
	// PolicyScopes drops from each token the RBAC policy scopes its
	// user's roles no longer allow (nil: scopes are issued as granted).
	PolicyScopes PolicyScopes
	// Members gives the claims of a B2B member's grant (nil: such grants
	// issue nothing).
	Members Members
	// ClientKeys encrypts the ID tokens of clients that registered
	// id_token_encrypted_response_alg (*clientauth.KeySets); nil: such a
	// client's code exchange fails rather than get a clear ID token.
	ClientKeys JWTEncrypter
	// AccessTokenTTL is the lifetime of M2M access tokens (default one
	// hour, Stytch's expires_in of 3600). A Connected App's access tokens
	// live its access_token_expiry_minutes.
	AccessTokenTTL time.Duration
	// ProjectTTL is how long a project's access-token algorithm is cached
	// (default 30s): a change made with `signet project set` takes effect
	// within it.
	ProjectTTL time.Duration
	// IDTokenTTL is the lifetime of ID tokens (default one hour, Stytch's).
	IDTokenTTL time.Duration
	// RefreshTokenTTL is how long a grant's refresh tokens live, from the
	// code exchange (default DefaultRefreshTokenTTL, Stytch's three
	// months). It is the grant's life: rotation does not extend it.
	RefreshTokenTTL time.Duration
	// RefreshGrace is how long a rotated refresh token may be presented
	// again and get the same successor, as long as that successor is
	// unused (default DefaultRefreshGrace): for a client that retries
	// after a lost response, or whose two requests race.
	RefreshGrace time.Duration
	Now          func() time.Time // default time.Now
	// Issued, when set, is told of every token response: its grant type
	// and the access token's signing algorithm (for a Prometheus counter).
	Issued func(grantType, alg string)

	algs sync.Map // project ID -> algEntry
}

// Defaults.
const (
	DefaultAccessTokenTTL  = time.Hour
	DefaultProjectTTL      = 30 * time.Second
	DefaultIDTokenTTL      = time.Hour
	DefaultRefreshTokenTTL = 90 * 24 * time.Hour
	DefaultRefreshGrace    = 10 * time.Second
)

// Mount fills defaults and registers the routes on mux.
func (h *Handler) Mount(mux api.Router) {
	if h.ClientAuth != nil && (h.Grants == nil || h.Users == nil) {
		panic("token: Handler with ClientAuth needs Grants and Users")
	}
	if h.AccessTokenTTL == 0 {
		h.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if h.ProjectTTL == 0 {
		h.ProjectTTL = DefaultProjectTTL
	}
	if h.IDTokenTTL == 0 {
		h.IDTokenTTL = DefaultIDTokenTTL
	}
	if h.RefreshTokenTTL == 0 {
		h.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if h.RefreshGrace == 0 {
		h.RefreshGrace = DefaultRefreshGrace
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	mux.HandleFunc("POST /v1/public/{project_id}/oauth2/token", h.serveToken)
	mux.HandleFunc("POST "+TokenPath, h.serveToken)
}

// Response is a successful token response (RFC 6749 §5.1) with Stytch's
// request_id and status_code. The code and refresh grants add an ID token
// (OpenID Connect Core §3.1.3.3) and a refresh token.
type Response struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	api.Meta
}

// grant issues tokens for an authenticated client allowed to use it.
type grant func(ctx context.Context, req *Request, c *Client) (*Response, error)

// grantFor returns the grant for a grant_type, or nil if this server does
// not serve it. One file per grant.
func (h *Handler) grantFor(grantType string) grant {
	switch grantType {
	case oidc.GrantClientCredentials:
		return h.clientCredentials
	case oidc.GrantAuthorizationCode:
		return h.authorizationCode
	case oidc.GrantRefreshToken:
		return h.refreshToken
	}
	return nil
}

// GrantTypes lists the grant types served, for the discovery document.
func GrantTypes() []string {
	return []string{oidc.GrantAuthorizationCode, oidc.GrantRefreshToken, oidc.GrantClientCredentials}
}

// IntrospectionAuthMethods lists the client authentication methods
// introspection accepts: those of confidential clients (package clientauth).
func IntrospectionAuthMethods() []string {
	return []string{oidc.AuthClientSecretBasic, oidc.AuthClientSecretPost, oidc.AuthPrivateKeyJWT, oidc.AuthTLSClient, oidc.AuthSelfSignedTLSClient}
}

// AuthMethods lists the client authentication methods accepted, for the
// discovery document: none is for public Connected Apps (RFC 6749 §2.1).
func AuthMethods() []string {
	return []string{oidc.AuthClientSecretBasic, oidc.AuthClientSecretPost, oidc.AuthPrivateKeyJWT, oidc.AuthTLSClient, oidc.AuthSelfSignedTLSClient, oidc.AuthNone}
}

func (h *Handler) serveToken(w http.ResponseWriter, r *http.Request) {
	resp, err := h.token(r.Context(), w, r)
	if err != nil {
		api.WriteOAuthError(w, r, err)
		return
	}
	// RFC 6749 §5.1: Cache-Control: no-store and Pragma: no-cache.
	api.WriteNoStore(w, r, http.StatusOK, resp)
}

// token is the fixed pipeline of the doc comment.
func (h *Handler) token(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Response, error) {
	req, err := parseRequest(w, r)
	if err != nil {
		return nil, err
	}
	issue := h.grantFor(req.GrantType)
	if issue == nil {
		return nil, oidc.NewError(oidc.UnsupportedGrantType, "This server does not support that grant_type.")
	}
	c, err := h.authenticate(r, req)
	if err != nil {
		return nil, err
	}
	api.NoteProject(ctx, c.ProjectID)
	if !c.allows(req.GrantType) {
		return nil, oidc.NewError(oidc.UnauthorizedClient, "This client may not use that grant_type.")
	}
	// Checked before the grant runs, so a code is not spent on a request
	// that cannot get a bound token.
	if c.wantsBinding() && c.Certificate == nil {
		return nil, errNeedsCertificate()
	}
	if err := h.checkDPoP(ctx, w, r, c); err != nil {
		return nil, err
	}
	resp, err := issue(ctx, req, c)
	if err == nil && h.Issued != nil {
		// The algorithm mintAccessToken signed with (cached: no read).
		if alg, aerr := h.tokenAlg(ctx, c.ProjectID); aerr == nil {
			h.Issued(req.GrantType, alg)
		}
	}
	return resp, err
}

// checkDPoP checks the DPoP proof of a Connected App's token request, if
// it sent one, and binds what it gets to the proof's key (RFC 9449 §5).
// The token endpoint requires a nonce it issued (§8): every answer to a
// request with a proof carries the current one, so the client's retry
// after use_dpop_nonce works.
func (h *Handler) checkDPoP(ctx context.Context, w http.ResponseWriter, r *http.Request, c *Client) error {
	if h.DPoP == nil || c.App == nil {
		return nil
	}
	if !dpop.Present(r) {
		if c.App.DPoPBoundAccessTokens {
			// RFC 9449 §5.2: this client's requests always carry a proof.
			return oidc.NewError(oidc.InvalidDPoPProof, "This client's tokens are DPoP-bound: send a DPoP proof (RFC 9449 section 5.2).")
		}
		return nil
	}
	if n := h.DPoP.Nonce(); n != "" {
		w.Header().Set(dpop.NonceHeader, n)
	}
	urls := []string{h.Issuer + r.URL.Path}
	if h.MTLSBaseURL != "" {
		urls = append(urls, h.MTLSBaseURL+r.URL.Path)
	}
	p, err := h.DPoP.Check(ctx, r, dpop.Request{Method: http.MethodPost, URLs: urls, RequireNonce: true})
	if err != nil {
		return err
	}
	c.DPoPJKT = p.JKT
	return nil
}
