package token

import (
	"context"
	"slices"
	"strings"

	"github.com/signet-id/signet/oidc"
)

// clientCredentials is the client credentials grant (RFC 6749 §4.4): the
// client acts for itself, so the token's subject is the client and no
// refresh token is issued (§4.4.3).
func (h *Handler) clientCredentials(ctx context.Context, req *Request, c *Client) (*Response, error) {
	scopes, err := grantScopes(req.Scope, c.Scopes)
	if err != nil {
		return nil, err
	}
	scope := strings.Join(scopes, " ")
	tok, err := h.mintAccessToken(ctx, c.ProjectID, accessClaims{
		Sub:      c.ID,
		ClientID: c.ID,
		Scope:    scope,
	})
	if err != nil {
		return nil, err
	}
	return &Response{
		AccessToken: tok,
		ExpiresIn:   int(h.AccessTokenTTL.Seconds()),
		TokenType:   "bearer", // Stytch's spelling; RFC 6749 §7.1 makes it case-insensitive
		Scope:       scope,
	}, nil
}

// grantScopes decides the scopes of a token. RFC 6749 §3.3: the requested
// scope is a space-delimited list; a request without one gets the
// client's default, here all the scopes it has. Asking for any scope the
// client lacks is invalid_scope rather than a silently narrowed token, so
// a misconfigured caller finds out at once.
func grantScopes(requested string, allowed []string) ([]string, error) {
	if strings.TrimLeft(requested, " ") == "" {
		return allowed, nil
	}
	var out []string
	for s := range strings.SplitSeq(requested, " ") {
		if s == "" || slices.Contains(out, s) {
			continue
		}
		if !slices.Contains(allowed, s) {
			return nil, oidc.NewError(oidc.InvalidScope, "The client may not request scope "+quoteScope(s)+".")
		}
		out = append(out, s)
	}
	return out, nil
}

// quoteScope names a requested scope in error_description, which may not
// hold '"' or '\' (RFC 6749 §5.2), so it is bracketed, not quoted.
func quoteScope(s string) string { return "[" + safeName(s) + "]" }
