package token

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Grants is the storage of the code and refresh grants
// (store.Authorizations). Its callbacks run inside a transaction and must
// not touch the store.
type Grants interface {
	RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, issue func(store.AuthCode) (store.Grant, error)) (store.Grant, error)
	CreateRefreshToken(ctx context.Context, t store.RefreshToken) error
	RotateRefreshToken(ctx context.Context, hash []byte, now time.Time, grace time.Duration, next func(store.Grant) (store.RefreshToken, error)) (store.Grant, error)
	RefreshToken(ctx context.Context, hash []byte, now time.Time) (store.RefreshToken, store.Grant, error)
	RevokeGrant(ctx context.Context, projectID, grantID string, now time.Time) error
}

// Users reads the user a grant is for (store.Users).
type Users interface {
	User(ctx context.Context, projectID, idOrExternalID string) (store.User, error)
}

// PolicyScopes keeps, of the scopes a grant's token is to carry, those
// the user's roles allow now (*authorize.Authorizer): a policy scope
// whose permissions the user's roles no longer all hold is dropped, every
// other scope kept.
type PolicyScopes interface {
	StillGrantable(ctx context.Context, projectID string, u store.User, scopes []string) ([]string, error)
}

// Every token a user's grant issues points back to it, so that revoking
// the grant (a replayed code, a reused refresh token, RFC 7009 revocation,
// the user withdrawing consent) kills its access tokens as well as its
// refresh tokens: userinfo, introspection and revocation look the grant
// up. Access tokens carry the grant in their jti, as "<grant ID>.<128
// random bits>": jti is a registered claim every verifier already accepts
// (RFC 7519 §4.1.7), and a private claim would surface among the custom
// claims the Stytch SDKs hand to applications. M2M tokens' jti has no dot.
const grantSep = "."

func newGrantID() string { return "grant-" + uuid.NewString() }

// grantJTI is the jti of an access token issued from grantID.
func grantJTI(grantID string) string { return grantID + grantSep + newJTI() }

// grantOf returns the grant an access token's jti names, if any.
func grantOf(jti string) (string, bool) {
	id, _, ok := strings.Cut(jti, grantSep)
	return id, ok && id != ""
}

// idClaims are an ID token's claims (OpenID Connect Core §2, §3.1.3.6).
type idClaims struct {
	Iss      string   `json:"iss"`
	Sub      string   `json:"sub"`
	Aud      []string `json:"aud"` // [client_id], Stytch's shape
	Azp      string   `json:"azp"`
	Exp      int64    `json:"exp"`
	Iat      int64    `json:"iat"`
	Nbf      int64    `json:"nbf"`
	AuthTime int64    `json:"auth_time,omitempty"`
	Nonce    string   `json:"nonce,omitempty"`
	// Acr is what the authentication proved among the values asked for
	// (OIDC Core §2), kept by the grant for its refreshes.
	Acr    string `json:"acr,omitempty"`
	AtHash string `json:"at_hash"`
	// Sid is the Signet session the grant was authorized in (OpenID
	// Connect Back-Channel Logout 1.0 §2.1), which logout tokens name too.
	Sid string `json:"sid,omitempty"`
	// Organization is a B2B member's organization (member.go).
	Organization *orgClaim `json:"https://stytch.com/organization,omitempty"`
	userClaims
}

// idTokenTyp: ID tokens are plain JWTs (RFC 7519 §5.1), as the Stytch SDKs
// and every OIDC client expect.
const idTokenTyp = "JWT"

// issuance is what one exchange of a code or refresh token hands out for
// a user's grant.
type issuance struct {
	client *Client
	grant  store.Grant
	// now is the time of the exchange, the grant's creation or rotation.
	now time.Time
	// scopes of the new access token: the grant's, or fewer on refresh.
	scopes []string
	// nonce of the authorization request (the code grant only: an ID token
	// from a refresh has none, OpenID Connect Core §12.2).
	nonce string
	// refresh is the new refresh token, or "".
	refresh string
}

// issue mints the access token and, when openid is among the scopes, the
// ID token, and builds the response.
func (h *Handler) issue(ctx context.Context, x issuance) (*Response, error) {
	g, c := x.grant, x.client
	sub, err := readSubject(ctx, h.Users, h.Members, g)
	if errors.Is(err, errNoSubject) {
		return nil, oidc.NewError(oidc.InvalidGrant, "The user or member of this grant no longer exists.")
	}
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	if h.PolicyScopes != nil && sub.member == nil {
		// (A member's grant keeps its scopes until revoked: the re-check
		// by members' roles is not built yet.)
		// The roles are read now: a role withdrawn since the consent
		// takes its policy scopes out of every token issued after, the
		// refreshes' included (RFC 6749 §6 lets a refresh issue a
		// narrower scope, and the response's scope says which). The
		// grant keeps what was consented to: a role given back restores
		// the scope on the next refresh.
		if x.scopes, err = h.PolicyScopes.StillGrantable(ctx, g.ProjectID, sub.user, x.scopes); err != nil {
			return nil, oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
		}
	}
	now := x.now
	exp := now.Add(accessTTL(c.App))
	if exp.After(g.ExpiresAt) {
		exp = g.ExpiresAt // no token outlives its grant
	}
	scope := strings.Join(x.scopes, " ")
	aud := []string{g.ProjectID}
	// Stytch SDKs verify Connected Apps tokens locally and need the
	// project ID in aud (stytch-api.md §4.2), so a custom audience is
	// added to it rather than replacing it.
	if a := c.App.AccessTokenCustomAudience; a != "" && a != g.ProjectID {
		aud = append(aud, a)
	}
	at, err := h.signAccessToken(ctx, g.ProjectID, &accessClaims{
		Iss: h.Issuer, Sub: sub.id(), Aud: aud, Scope: scope, ClientID: c.ID,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: exp.Unix(), Jti: grantJTI(g.ID), Cnf: cnfFor(c),
		Organization: sub.orgClaim(),
	})
	if err != nil {
		return nil, err
	}
	resp := &Response{
		AccessToken:  at,
		ExpiresIn:    int(exp.Unix() - now.Unix()),
		TokenType:    tokenType(c), // "bearer" as for M2M tokens: Stytch's spelling; RFC 6749 §7.1 makes it case-insensitive
		Scope:        scope,
		RefreshToken: x.refresh,
	}
	if slices.Contains(x.scopes, oidc.ScopeOpenID) {
		// The grant's claims request (Core §5.5) holds for the ID tokens
		// of its refreshes too.
		names := released(x.scopes, g.Claims, inIDToken)
		id := idClaims{
			Iss: h.Issuer, Sub: sub.id(), Aud: []string{c.ID}, Azp: c.ID,
			Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(h.IDTokenTTL).Unix(),
			Nonce: x.nonce, Acr: g.ACR, AtHash: atHash(at), Sid: g.SessionID, userClaims: sub.claims(names, now),
			Organization: sub.orgClaim(),
		}
		if !g.AuthTime.IsZero() {
			id.AuthTime = g.AuthTime.Unix()
		}
		if resp.IDToken, err = h.idToken(ctx, c, &id); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// accessTTL is the client's access_token_expiry_minutes (Stytch API §5.4).
func accessTTL(app *store.ConnectedApp) time.Duration {
	if app == nil || app.AccessTokenExpiryMinutes <= 0 {
		return DefaultAccessTokenTTL
	}
	return time.Duration(app.AccessTokenExpiryMinutes) * time.Minute
}

// signAccessToken signs c with the project's access-token algorithm, the
// same key and typ as M2M tokens (access_token.go).
func (h *Handler) signAccessToken(ctx context.Context, projectID string, c *accessClaims) (string, error) {
	alg, err := h.tokenAlg(ctx, projectID)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	return h.sign(ctx, projectID, alg, accessTokenTyp, c)
}

func (h *Handler) sign(ctx context.Context, projectID, alg, typ string, claims any) (string, error) {
	signer, err := h.Keys.Signer(ctx, projectID, alg)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	tok, err := signer.SignJWT(claims, typ)
	if err != nil {
		return "", oidc.Errorf(oidc.ServerError, "The token could not be issued.", err)
	}
	return tok, nil
}
