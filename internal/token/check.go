package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/dpop"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Verifier checks the signature of a JWT one of a project's published
// keys made (*keys.Manager).
type Verifier interface {
	Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error)
}

// GrantReader finds live grants (store.Authorizations).
type GrantReader interface {
	Grant(ctx context.Context, projectID, grantID string, now time.Time) (store.Grant, error)
	RefreshTokenGrant(ctx context.Context, hash []byte, now time.Time) (store.Grant, error)
	RefreshToken(ctx context.Context, hash []byte, now time.Time) (store.RefreshToken, store.Grant, error)
}

// AppLookup finds a Connected App by client_id in any project
// (*apps.ConnectedClients).
type AppLookup interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
}

// Checker recognises the tokens Signet issued when they come back to
// UserInfo, introspection and revocation: access tokens by signature,
// claims and the liveness of their grant, refresh tokens by their hash.
type Checker struct {
	Issuer string // as in Handler
	// MTLSBaseURL is the mutual-TLS listener's base URL, or "": a DPoP
	// proof's htu may name either.
	MTLSBaseURL string
	// DPoP checks the proofs of DPoP-bound tokens; nil: no token is.
	DPoP   *dpop.Checker
	Keys   Verifier
	Apps   AppLookup
	Grants GrantReader
	Pepper secrets.Pepper
	Now    func() time.Time // default time.Now
}

// errInactive is every token that is not (or no longer) one Signet would
// accept. It never reaches the wire as is: each endpoint answers it its
// own way (401 invalid_token, active: false, or a silent 200).
var errInactive = errors.New("token: inactive token")

// accessAlgs are the algorithms access tokens may carry: every one a
// project can choose for them (`signet project set`). keys.Manager also
// holds the header's alg to the key's own, so listing them all lets no
// token pick its algorithm.
var accessAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA}

// maxTokenLen bounds what is parsed; Signet's access tokens are under 1 KB.
const maxTokenLen = 8 << 10

// clockSkew is the leeway for nbf, for tokens minted by another node.
const clockSkew = 30 * time.Second

// accessToken is a verified access token.
type accessToken struct {
	accessClaims
	ProjectID string
	// Grant is the live grant the token was issued from; nil for an M2M
	// token (client_credentials), which has none.
	Grant *store.Grant
}

func (k *Checker) now() time.Time {
	if k.Now == nil {
		return time.Now()
	}
	return k.Now()
}

// access verifies tok as an access token of projectID. With projectID ""
// (UserInfo, which has no client to say) the project is that of the
// Connected App the token names, read before the signature is checked
// and then vouched for by it: the key that verifies is the project's.
//
// Checked: signature by a published key of the project (allowed
// algorithms only), iss, aud containing the project ID (which also tells
// access tokens from ID tokens, whose aud is the client), exp, nbf,
// client_id and sub present; and for a token of a user's grant, that the
// grant is live and is the same client's and user's. errInactive for any
// failure that is the token's.
func (k *Checker) access(ctx context.Context, projectID, tok string) (*accessToken, error) {
	if len(tok) > maxTokenLen || strings.Count(tok, ".") != 2 {
		return nil, errInactive
	}
	if projectID == "" {
		id, err := k.appProject(ctx, tok)
		if err != nil {
			return nil, err
		}
		projectID = id
	}
	payload, _, err := k.Keys.Verify(ctx, projectID, tok, accessAlgs)
	if errors.Is(err, keys.ErrInvalidToken) {
		return nil, errInactive
	}
	if err != nil {
		return nil, err
	}
	at := &accessToken{ProjectID: projectID}
	if json.Unmarshal(payload, &at.accessClaims) != nil {
		return nil, errInactive
	}
	now := k.now()
	c := &at.accessClaims
	if c.Iss != k.Issuer || !slices.Contains(c.Aud, projectID) || c.ClientID == "" || c.Sub == "" ||
		now.Unix() >= c.Exp || c.Nbf > now.Add(clockSkew).Unix() {
		return nil, errInactive
	}
	grantID, ok := grantOf(c.Jti)
	if !ok {
		return at, nil
	}
	g, err := k.Grants.Grant(ctx, projectID, grantID, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInactive // revoked or expired
	}
	if err != nil {
		return nil, err
	}
	if g.ClientID != c.ClientID || g.Subject() != c.Sub {
		return nil, errInactive
	}
	at.Grant = &g
	return at, nil
}

// appProject reads the client_id claim of an unverified token and returns
// its Connected App's project. Only a real client's project is passed on
// to the key manager, which keeps an entry for every project it is asked
// about.
func (k *Checker) appProject(ctx context.Context, tok string) (string, error) {
	_, rest, _ := strings.Cut(tok, ".")
	payload, _, _ := strings.Cut(rest, ".")
	b, err := base64.RawURLEncoding.DecodeString(payload)
	// Unverified, so outside text like a form's (api.ValidJSONText): a
	// client_id that is not text names no client.
	if err != nil || !api.ValidJSONText(b) {
		return "", errInactive
	}
	var c struct {
		ClientID string `json:"client_id"`
	}
	if json.Unmarshal(b, &c) != nil || c.ClientID == "" {
		return "", errInactive
	}
	app, err := k.Apps.Lookup(ctx, c.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", errInactive
	}
	if err != nil {
		return "", err
	}
	return app.ProjectID, nil
}

// refresh returns the live grant of a refresh token.
func (k *Checker) refresh(ctx context.Context, tok string) (store.Grant, error) {
	if tok == "" || len(tok) > maxTokenLen {
		return store.Grant{}, errInactive
	}
	g, err := k.Grants.RefreshTokenGrant(ctx, k.Pepper.Hash(tok), k.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.Grant{}, errInactive
	}
	return g, err
}

// unspentRefresh returns a refresh token that can still be exchanged, with
// its live grant. A token already rotated is inactive even though it still
// names its family (revocation accepts it; RFC 7662 §2.2 "active" means the
// token is currently usable).
func (k *Checker) unspentRefresh(ctx context.Context, tok string) (store.RefreshToken, store.Grant, error) {
	if tok == "" || len(tok) > maxTokenLen {
		return store.RefreshToken{}, store.Grant{}, errInactive
	}
	rt, g, err := k.Grants.RefreshToken(ctx, k.Pepper.Hash(tok), k.now())
	if errors.Is(err, store.ErrNotFound) || (err == nil && rt.RotatedAt != nil) {
		return store.RefreshToken{}, store.Grant{}, errInactive
	}
	return rt, g, err
}

// looksLikeJWT tells an access token (a compact JWS, RFC 7515 §7.1) from
// a refresh token (43 base64url characters, no dot), so a token_type_hint
// is never needed (RFC 7009 §2.1 and RFC 7662 §2.1 let the server ignore
// it).
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }
