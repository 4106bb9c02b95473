package token

import (
	"context"
	"errors"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Clients finds M2M clients; projectID "" matches any project.
// apps.Cache serves it from memory; the store works too, uncached.
type Clients interface {
	M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error)
}

// Client is the authenticated caller of the token endpoint. Each kind of
// client record (M2M today, Connected Apps later) is turned into one, so
// grants do not care where a client came from.
type Client struct {
	ID        string
	ProjectID string
	// Scopes are all the scopes the client may be granted.
	Scopes []string
	// Grants are the grant types it may use (RFC 7591 §2 grant_types).
	Grants []string
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

// authenticate establishes which client is calling, by exactly one method
// (RFC 6749 §2.3: "The client MUST NOT use more than one authentication
// method in each request").
func (h *Handler) authenticate(ctx context.Context, req *Request) (*Client, error) {
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
	if id == "" || secret == "" {
		return nil, errBadClient
	}
	c, err := h.Clients.M2MClient(ctx, req.ProjectID, id)
	if errors.Is(err, store.ErrNotFound) {
		// Unknown here (or in another project than the path's): spend the
		// same HMAC as a known client so timing does not tell them apart.
		h.Pepper.Equal(dummyHash[:], secret)
		return nil, errBadClient
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The client could not be looked up.", err)
	}
	// Between rotate/start and rotate, both secrets authenticate. Both
	// comparisons always run, so timing does not reveal which one matched.
	cur := h.Pepper.Equal(c.SecretHash, secret)
	next := len(c.NextSecretHash) > 0 && h.Pepper.Equal(c.NextSecretHash, secret)
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

// m2mGrants: an M2M client has no user, so client_credentials is its only
// grant (RFC 6749 §4.4).
var m2mGrants = []string{oidc.GrantClientCredentials}

// dummyHash is compared against when the client is unknown.
var dummyHash [32]byte
