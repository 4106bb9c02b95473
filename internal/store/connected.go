package store

import (
	"encoding/json"
	"time"
)

// ConnectedApp is an OAuth 2.0 / OpenID Connect client of Signet's OP
// (Stytch "Connected Apps"). Client IDs share the instance-wide namespace of
// M2M clients' IDs in practice (different prefixes), and are unique.
type ConnectedApp struct {
	ClientID    string
	ProjectID   string
	Name        string
	Description string
	// Type is first_party, first_party_public, third_party or
	// third_party_public; "_public" clients have no secret and must use PKCE.
	Type                   string
	Status                 string // "active"
	RedirectURLs           []string
	PostLogoutRedirectURLs []string
	// OriginURLs are where the account selector may send the browser back
	// with the chosen bank (IDPartner's "Origin URL"), matched exactly.
	OriginURLs                    []string
	LogoURL                       string
	FullAccessAllowed             bool
	BypassConsentForOfflineAccess bool
	AccessTokenExpiryMinutes      int
	AccessTokenCustomAudience     string
	AccessTokenTemplate           string
	IDTokenTemplate               string
	SecretHash                    []byte // nil for public clients
	SecretLastFour                string
	NextSecretHash                []byte
	NextSecretLastFour            string
	// ClientMetadata is what bank-grade (FAPI) clients register beyond the
	// Stytch fields.
	ClientMetadata
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClientMetadata is the RFC 7591 / OIDC Registration / RFC 8705 / JARM
// metadata of a bank-grade client. The zero value is an ordinary client:
// secret or public authentication, plain responses, no request objects.
type ClientMetadata struct {
	// JWKS is the client's public JWK Set (JSON), or nil. At most one of
	// JWKS and JWKSURI is set.
	JWKS    json.RawMessage
	JWKSURI string
	// TokenEndpointAuthMethod is client_secret_basic, client_secret_post,
	// private_key_jwt, tls_client_auth or none; "" means whatever the
	// client type allows (secret methods, or none for public clients).
	TokenEndpointAuthMethod string
	// RFC 8705 §2.1.2: exactly one of these names the certificate of a
	// tls_client_auth client.
	TLSClientAuthSubjectDN string
	TLSClientAuthSANDNS    string
	TLSClientAuthSANURI    string
	TLSClientAuthSANIP     string
	TLSClientAuthSANEmail  string
	// RequirePAR: authorization requests must come through PAR (RFC 9126 §6).
	RequirePAR                        bool
	RequestObjectSigningAlg           string
	AuthorizationSignedResponseAlg    string
	AuthorizationEncryptedResponseAlg string
	AuthorizationEncryptedResponseEnc string
	IDTokenSignedResponseAlg          string
	IDTokenEncryptedResponseAlg       string
	IDTokenEncryptedResponseEnc       string
	// TLSClientCertificateBoundAccessTokens: RFC 8705 §3.
	TLSClientCertificateBoundAccessTokens bool
	// SecurityProfile is the set of rules the client is held to (package
	// apps names them); "" is an ordinary Connected App.
	SecurityProfile string
	// RequireSignedRequestObject: RFC 9101 §10.5.
	RequireSignedRequestObject bool
	// TLSClientAuthTrustAnchors are PEM certificates the client's own
	// tls_client_auth certificate may chain to, beside the project's.
	TLSClientAuthTrustAnchors string
	// DPoPBoundAccessTokens: RFC 9449 §5.2, every token request carries a
	// DPoP proof.
	DPoPBoundAccessTokens bool
	// BackchannelLogoutURI is where logout tokens are POSTed (OpenID
	// Connect Back-Channel Logout 1.0 §2.2), or "" for none.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired: the client needs sid in its
	// logout tokens (and ID tokens).
	BackchannelLogoutSessionRequired bool
}

// PushedRequest is an authorization request pushed to the PAR endpoint
// (RFC 9126), stored under the hash of its request_uri until it is used
// once or expires.
type PushedRequest struct {
	Hash      []byte
	ProjectID string
	ClientID  string
	// Params are the validated authorization request parameters (JSON
	// object of string values).
	Params    json.RawMessage
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ConnectedAppResult is one page of clients, oldest first.
type ConnectedAppResult struct {
	Apps       []ConnectedApp
	NextCursor string
}

// Consent is a user's (or a B2B member's) remembered grant of scopes to a
// client.
type Consent struct {
	ProjectID string
	// UserID is the user who consented; "" for a member's consent.
	UserID string
	// MemberID and OrganizationID are the member who consented and its
	// organization; "" for a user's consent.
	MemberID       string
	OrganizationID string
	ClientID       string
	Scopes         []string
	GrantedAt      time.Time // first granted
	UpdatedAt      time.Time // last widened
}

// Grant is one authorization of a client by a user: everything issued from
// one authorization code (access tokens, ID token, the refresh-token
// rotation family) hangs off it, so revoking it revokes them all.
type Grant struct {
	ID        string
	ProjectID string
	ClientID  string
	// Exactly one of UserID and MemberID is set: the user, or the B2B
	// member (of OrganizationID) who authorized the client.
	UserID         string
	MemberID       string
	OrganizationID string
	Scopes         []string
	SessionID      string    // the Signet session that authorized it, if any
	AuthTime       time.Time // when the user last authenticated (OIDC auth_time)
	CreatedAt      time.Time
	ExpiresAt      time.Time // end of the refresh family's life
	RevokedAt      *time.Time
	// CertThumbprint is the x5t#S256 of the client certificate the
	// grant's refresh tokens are bound to (RFC 8705 §4), or "".
	CertThumbprint string
	// DPoPJKT is the thumbprint of the DPoP key the grant's refresh tokens
	// are bound to (RFC 9449 §5, public clients), or "".
	DPoPJKT string
	// ACR is what the authentication proved (OIDC Core §2 acr), or "".
	ACR string
	// Claims is the OIDC Core §5.5 claims request the grant was authorized
	// with (JSON object), or nil: ID tokens from refreshes and UserInfo
	// keep honouring it.
	Claims json.RawMessage
}

// AuthCode is a one-time authorization code, stored as its hash.
type AuthCode struct {
	Hash      []byte
	ProjectID string
	ClientID  string
	// Exactly one of UserID and MemberID is set, as in Grant.
	UserID         string
	MemberID       string
	OrganizationID string
	SessionID      string
	RedirectURI    string // exactly as sent in the authorization request
	Scopes         []string
	Nonce          string
	CodeChallenge  string // RFC 7636 S256 challenge; "" when none was sent
	AuthTime       time.Time
	// ACR is the acr the authentication proved, among those requested
	// (OIDC Core §3.1.2.1 acr_values), or "".
	ACR string
	// DPoPJKT is the thumbprint of the DPoP key the code is bound to
	// (RFC 9449 §10), or "": the token request's proof must be by it.
	DPoPJKT string
	// Claims is the OIDC Core §5.5 claims request, if any (JSON object).
	Claims    json.RawMessage
	CreatedAt time.Time
	ExpiresAt time.Time
	// GrantID is set once the code is redeemed: the grant it issued.
	GrantID string
}

// RefreshToken is one member of a grant's rotation family, stored as its
// hash.
type RefreshToken struct {
	Hash      []byte
	GrantID   string
	ProjectID string
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time // set when it was exchanged for a successor
}

// Subject is who authorized the grant: the user ID, or the member ID of a
// B2B member's grant (the sub of every token it issues).
func (g Grant) Subject() string {
	if g.MemberID != "" {
		return g.MemberID
	}
	return g.UserID
}

// Subject is who the code is for, as Grant.Subject.
func (c AuthCode) Subject() string {
	if c.MemberID != "" {
		return c.MemberID
	}
	return c.UserID
}
