package token

import (
	"context"
	"errors"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Clients finds M2M clients; projectID "" matches any project.
// apps.Cache serves it from memory; the store works too, uncached.
type Clients interface {
	M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error)
}

// ConnectedClients finds Connected Apps by client_id in any project and
// checks their secrets (current and, during a rotation, next), from memory
// (*apps.ConnectedClients).
type ConnectedClients interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
	Authenticate(app store.ConnectedApp, secret string) bool
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
var errBadClient = oidc.NewError(oidc.InvalidClient, "Client authentication failed.")

// errUnknownClient: no client of that kind has the ID (in the path's
// project, if any). It never reaches the wire; it becomes errBadClient.
var errUnknownClient = errors.New("token: unknown client")

// authenticate establishes which client is calling the token endpoint.
// client_credentials callers are M2M clients, so that lookup comes first
// and the M2M hot path costs no more than it did before Connected Apps.
func (h *Handler) authenticate(ctx context.Context, req *Request) (*Client, error) {
	return clientAuth{m2m: h.Clients, connected: h.Connected, pepper: h.Pepper}.
		authenticate(ctx, req, req.GrantType == oidc.GrantClientCredentials)
}

// clientAuth authenticates clients of both kinds by exactly one method
// (RFC 6749 §2.3: "The client MUST NOT use more than one authentication
// method in each request"): client_secret_basic, client_secret_post, or
// none for public Connected Apps.
type clientAuth struct {
	m2m       Clients
	connected ConnectedClients // nil: M2M clients only
	pepper    secrets.Pepper
}

// authenticate looks the client ID up among M2M clients first when
// m2mFirst, else among Connected Apps first; IDs are unique across both,
// so only a miss costs the second lookup.
func (a clientAuth) authenticate(ctx context.Context, req *Request, m2mFirst bool) (*Client, error) {
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
	if id == "" {
		return nil, errBadClient
	}
	method := oidc.AuthClientSecretPost
	if req.basic {
		method = oidc.AuthClientSecretBasic
	}
	first, second := a.m2mClient, a.connectedClient
	if !m2mFirst {
		first, second = second, first
	}
	c, err := first(ctx, req.ProjectID, id, secret, method)
	if errors.Is(err, errUnknownClient) {
		c, err = second(ctx, req.ProjectID, id, secret, method)
	}
	if errors.Is(err, errUnknownClient) {
		// Unknown here (or in another project than the path's): spend the
		// same HMAC as a known client so timing does not tell them apart.
		a.pepper.Equal(dummyHash[:], secret)
		return nil, errBadClient
	}
	return c, err
}

// m2mClient authenticates an M2M client by its secret.
func (a clientAuth) m2mClient(ctx context.Context, projectID, id, secret, _ string) (*Client, error) {
	c, err := a.m2m.M2MClient(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnknownClient
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The client could not be looked up.", err)
	}
	if secret == "" {
		return nil, errBadClient
	}
	// Between rotate/start and rotate, both secrets authenticate. Both
	// comparisons always run, so timing does not reveal which one matched.
	cur := a.pepper.Equal(c.SecretHash, secret)
	next := len(c.NextSecretHash) > 0 && a.pepper.Equal(c.NextSecretHash, secret)
	if !cur && !next {
		return nil, errBadClient
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

// connectedClient authenticates a Connected App: a confidential one by
// its secret (basic or post), a public one by its client_id alone (none,
// RFC 6749 §2.1). A public client sent through HTTP Basic with an empty
// password, as golang.org/x/oauth2 does by default, is also none: the
// header carries nothing but the client_id.
func (a clientAuth) connectedClient(ctx context.Context, projectID, id, secret, method string) (*Client, error) {
	if a.connected == nil {
		return nil, errUnknownClient
	}
	app, err := a.connected.Lookup(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && projectID != "" && app.ProjectID != projectID {
		return nil, errUnknownClient
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The client could not be looked up.", err)
	}
	public := apps.IsPublic(app)
	if public {
		// A public client has no secret; one sent anyway means the caller
		// is confused about which client it is.
		if secret != "" {
			return nil, errBadClient
		}
		method = oidc.AuthNone
	} else if !a.connected.Authenticate(app, secret) {
		return nil, errBadClient
	}
	// A client registered for one method (RFC 7591 §2
	// token_endpoint_auth_method) may use no other.
	if app.TokenEndpointAuthMethod != "" && app.TokenEndpointAuthMethod != method {
		return nil, errBadClient
	}
	if app.Status != "active" {
		return nil, oidc.NewError(oidc.InvalidClient, "The client is inactive.")
	}
	return &Client{
		ID:        app.ClientID,
		ProjectID: app.ProjectID,
		Grants:    connectedGrants,
		App:       &app,
		Public:    public,
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
