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
	Type                          string
	Status                        string // "active"
	RedirectURLs                  []string
	PostLogoutRedirectURLs        []string
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
	CreatedAt                     time.Time
	UpdatedAt                     time.Time
}

// ConnectedAppResult is one page of clients, oldest first.
type ConnectedAppResult struct {
	Apps       []ConnectedApp
	NextCursor string
}

// Consent is a user's remembered grant of scopes to a client.
type Consent struct {
	ProjectID string
	UserID    string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time // first granted
	UpdatedAt time.Time // last widened
}

// Grant is one authorization of a client by a user: everything issued from
// one authorization code (access tokens, ID token, the refresh-token
// rotation family) hangs off it, so revoking it revokes them all.
type Grant struct {
	ID        string
	ProjectID string
	ClientID  string
	UserID    string
	Scopes    []string
	SessionID string    // the Signet session that authorized it, if any
	AuthTime  time.Time // when the user last authenticated (OIDC auth_time)
	CreatedAt time.Time
	ExpiresAt time.Time // end of the refresh family's life
	RevokedAt *time.Time
}

// AuthCode is a one-time authorization code, stored as its hash.
type AuthCode struct {
	Hash          []byte
	ProjectID     string
	ClientID      string
	UserID        string
	SessionID     string
	RedirectURI   string // exactly as sent in the authorization request
	Scopes        []string
	Nonce         string
	CodeChallenge string // RFC 7636 S256 challenge; "" when none was sent
	AuthTime      time.Time
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
