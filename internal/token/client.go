package token

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"

	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Clients finds M2M clients; projectID "" matches any project.
// apps.Cache serves it from memory; the store works too, uncached.
type Clients interface {
	M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error)
}

// ConnectedAuth authenticates Connected Apps by every method they may
// register (*clientauth.Authenticator): client_secret_basic and _post,
// none, private_key_jwt and tls_client_auth. It is the one place that
// checks a Connected App's credentials.
type ConnectedAuth interface {
	Authenticate(r *http.Request, form url.Values, audiences ...string) (clientauth.Result, error)
}

// Client is the authenticated caller of the token endpoint (or of
// introspection and revocation). Each kind of client record (M2M, Connected
// App) is turned into one, so grants do not care where a client came from.
type Client struct {
	ID        string
	ProjectID string
	// Scopes are all the scopes the client may be granted (M2M clients;
	// a Connected App's scopes come from the user's grant instead).
	Scopes []string
	// Grants are the grant types it may use (RFC 7591 §2 grant_types).
	Grants []string
	// App is the Connected App record; nil for M2M clients.
	App *store.ConnectedApp
	// Public is set for a Connected App that cannot keep a secret (RFC
	// 6749 §2.1) and so authenticated with none: client_id alone. PKCE is
	// then what binds the code to it (RFC 9700 §2.1.1).
	Public bool
	// Method is the oidc.Auth* method a Connected App authenticated with.
	Method string
	// Certificate is the TLS client certificate of the request, if any.
	Certificate *x509.Certificate
	// DPoPJKT is the thumbprint of the key of the request's DPoP proof,
	// checked (RFC 9449 §4.3), or "".
	DPoPJKT string
}

func (c *Client) allows(grantType string) bool {
	for _, g := range c.Grants {
		if g == grantType {
			return true
		}
	}
	return false
}

// errBadClient is every failed client authentication. RFC 6749 §5.2
// invalid_client; the description does not say which part was wrong, so
// probing cannot tell unknown client IDs from wrong secrets.
func errBadClient() *oidc.Error {
	return oidc.NewError(oidc.InvalidClient, "Client authentication failed.")
}

// errUnknownClient: no M2M client has the ID (in the path's project, if
// any). It never reaches the wire.
var errUnknownClient = errors.New("token: unknown client")

// authenticate establishes which client is calling the token endpoint.
// client_credentials callers are M2M clients, so that lookup comes first
// and the M2M hot path costs no more than it did before Connected Apps.
func (h *Handler) authenticate(r *http.Request, req *Request) (*Client, error) {
	return clientAuth{m2m: h.Clients, connected: h.ClientAuth, pepper: h.Pepper,
		issuer: h.Issuer, mtlsBase: h.MTLSBaseURL, path: TokenPath}.
		authenticate(r, req, req.GrantType == oidc.GrantClientCredentials)
}

// TokenPath is the host-root token endpoint, for the discovery document.
const TokenPath = "/v1/oauth2/token"

// audiences are what a client assertion's aud may name at an endpoint
// (RFC 7523 §3 item 3): the issuer, the endpoint's host-root URL, and
// the URL the request was sent to (Stytch's project path); and the same
// on the mutual-TLS base URL, if any (RFC 8705 §5 aliases).
func audiences(issuer, mtlsBase, path string, r *http.Request) []string {
	aud := []string{issuer, issuer + path}
	if r.URL.Path != path {
		aud = append(aud, issuer+r.URL.Path)
	}
	if mtlsBase != "" {
		aud = append(aud, mtlsBase+path)
		if r.URL.Path != path {
			aud = append(aud, mtlsBase+r.URL.Path)
		}
	}
	return aud
}

// clientAuth authenticates clients of both kinds by exactly one method
// (RFC 6749 §2.3: "The client MUST NOT use more than one authentication
// method in each request"). M2M clients use a secret (basic or post)
// and are checked here; Connected Apps are checked by package clientauth.
type clientAuth struct {
	m2m       Clients
	connected ConnectedAuth // nil: M2M clients only
	pepper    secrets.Pepper
	// issuer, mtlsBase and path (the endpoint's host-root path) make the
	// audiences of client assertions, only when a Connected App calls.
	issuer, mtlsBase, path string
}

// authenticate tries M2M clients first when m2mFirst, else Connected Apps
// first; IDs are unique across both, so only a miss costs the second try.
// M2M clients authenticate only with a secret, so a request with none
// (private_key_jwt, tls_client_auth, none) goes to Connected Apps alone.
func (a clientAuth) authenticate(r *http.Request, req *Request, m2mFirst bool) (*Client, error) {
	ctx := r.Context()
	id, secret := req.clientID, req.clientSecret
	if req.basic {
		if req.clientSecret != "" {
			return nil, invalidRequest("Client credentials were sent both in the Authorization header and in the body; use one.")
		}
		// client_id may also appear in the body (RFC 6749 §4.1.3), but
		// then it must name the same client.
		if req.clientID != "" && req.clientID != req.basicID {
			return nil, invalidRequest("The client_id parameter does not match the Authorization header.")
		}
		id, secret = req.basicID, req.basicSecret
	}
	// Only a secret credential can be an M2M client's.
	maybeM2M := id != "" && secret != "" && req.Param("client_assertion") == "" && req.Param("client_assertion_type") == ""
	if maybeM2M && (m2mFirst || a.connected == nil) {
		c, err := a.m2mClient(ctx, req.ProjectID, id, secret)
		if !errors.Is(err, errUnknownClient) {
			return c, err
		}
		if a.connected == nil {
			a.pepper.Equal(dummyHash[:], secret)
			return nil, errBadClient()
		}
		return a.connectedClient(r, req)
	}
	if a.connected == nil {
		return nil, errBadClient()
	}
	c, err := a.connectedClient(r, req)
	var oe *oidc.Error
	if err != nil && maybeM2M && errors.As(err, &oe) && oe.Code == oidc.InvalidClient {
		// Not a Connected App (or a wrong secret for one): it may be an
		// M2M client, whose failure looks the same on the wire.
		if mc, merr := a.m2mClient(ctx, req.ProjectID, id, secret); !errors.Is(merr, errUnknownClient) {
			return mc, merr
		}
	}
	return c, err
}

// m2mClient authenticates an M2M client by its secret.
func (a clientAuth) m2mClient(ctx context.Context, projectID, id, secret string) (*Client, error) {
	c, err := a.m2m.M2MClient(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknownClient
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The client could not be looked up.", err)
	}
	// Between rotate/start and rotate, both secrets authenticate. Both
	// comparisons always run, so timing does not reveal which one matched.
	cur := a.pepper.Equal(c.SecretHash, secret)
	next := len(c.NextSecretHash) > 0 && a.pepper.Equal(c.NextSecretHash, secret)
	if !cur && !next {
		return nil, errBadClient()
	}
	// Checked only once the secret is proven, so the status is told to
	// the client's owner alone.
	if c.Status != "active" {
		return nil, oidc.NewError(oidc.InvalidClient, "The client is inactive.")
	}
	return &Client{
		ID:        c.ClientID,
		ProjectID: c.ProjectID,
		Scopes:    c.Scopes,
		Grants:    m2mGrants,
	}, nil
}

// connectedClient authenticates a Connected App through package
// clientauth, then holds it to the path's project, if any.
func (a clientAuth) connectedClient(r *http.Request, req *Request) (*Client, error) {
	form := make(url.Values, len(req.params))
	for k, v := range req.params {
		form.Set(k, v)
	}
	res, err := a.connected.Authenticate(r, form, audiences(a.issuer, a.mtlsBase, a.path, r)...)
	if err != nil {
		return nil, err
	}
	app := res.Client
	if req.ProjectID != "" && app.ProjectID != req.ProjectID {
		return nil, errBadClient()
	}
	return &Client{
		ID:          app.ClientID,
		ProjectID:   app.ProjectID,
		Grants:      connectedGrants,
		App:         &app,
		Public:      res.Method == oidc.AuthNone,
		Method:      res.Method,
		Certificate: res.Certificate,
	}, nil
}

// m2mGrants: an M2M client has no user, so client_credentials is its only
// grant (RFC 6749 §4.4).
var m2mGrants = []string{oidc.GrantClientCredentials}

// connectedGrants: a Connected App acts for a user, so it uses the code
// grant and refreshes what that issued (RFC 6749 §4.1, §6).
var connectedGrants = []string{oidc.GrantAuthorizationCode, oidc.GrantRefreshToken}

// dummyHash is compared against when the client is unknown.
var dummyHash [32]byte
