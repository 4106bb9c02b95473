package store

import (
	"encoding/json"
	"time"
)

// Project is a tenant. Every other record belongs to exactly one project.
type Project struct {
	ID   string // "project-test-<uuid>"
	Name string
	// SecretHash is HMAC-SHA256(pepper, secret); the secret is shown once.
	SecretHash []byte
	// NextSecretHash is the hash of the next secret while a two-phase
	// rotation is under way (nil otherwise): both secrets authenticate
	// until it completes (internal/projects).
	NextSecretHash []byte
	// TokenAlg is the JWS algorithm for access tokens (M2M and Connected
	// Apps): RS256 (default), PS256, ES256 or EdDSA. Session JWTs are always
	// RS256 for Stytch SDK compatibility.
	TokenAlg string
	// Vertical is VerticalConsumer (the default) or VerticalB2B: which of
	// the management API's two product lines the project serves.
	Vertical  string
	CreatedAt time.Time
	// TLSClientAuthTrustAnchors are PEM certificates: the certificate of a
	// PKI tls_client_auth client must chain to one of them, or to one its
	// client registered (RFC 8705 §2.1). Set by the operator.
	TLSClientAuthTrustAnchors string
	// Registration is how the project takes dynamic client registrations
	// (RFC 7591; SetProjectRegistration).
	Registration RegistrationPolicy
}

// Key is one signing key of a project. The private key is stored only in
// encrypted form (see internal/keys); PublicJWK is the public half as JSON.
type Key struct {
	ID          string // the JWS "kid"
	ProjectID   string
	Alg         string // RS256, PS256, ES256, EdDSA
	PrivateKey  []byte // sealed with the master key; never the plain key
	PublicJWK   []byte
	CreatedAt   time.Time
	ActivatesAt time.Time  // published from CreatedAt, signs from ActivatesAt
	RetiresAt   *time.Time // stops signing (nil: current); removed from JWKS at RemoveAt
	RemoveAt    *time.Time
}

// Name is a person's name as the Stytch API shapes it.
type Name struct {
	First, Middle, Last string
}

// Email is a user's email address. Addresses are unique per project,
// compared case-insensitively.
type Email struct {
	ID       string
	Address  string
	Verified bool
}

// Phone is a user's E.164 phone number, unique per project.
type Phone struct {
	ID       string
	Number   string
	Verified bool
}

// Address is a postal address, the OpenID Connect address claim (Core
// §5.1.1). Every member is optional.
type Address struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"street_address,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postal_code,omitempty"`
	Country       string `json:"country,omitempty"`
}

// User is an end user of a project.
type User struct {
	ID                string
	ProjectID         string
	Status            string // "active" or "pending"
	Name              Name
	Email             *Email
	Phone             *Phone
	TrustedMetadata   json.RawMessage // JSON object; nil means {}
	UntrustedMetadata json.RawMessage
	ExternalID        string
	Roles             []string
	// Address and Birthdate are the OpenID Connect standard claims of the
	// same names (Core §5.1): a bank knows them of its customers, and a
	// user verified with a bank gets them from it.
	Address *Address
	// Birthdate is YYYY-MM-DD (ISO 8601), or "".
	Birthdate string
	// PaymentDetails is the user's payment accounts as the bank network's
	// JSON array of FDX payment-network elements (bankId, identifier,
	// identifierType, type, transferIn, transferOut, accountId), or nil.
	PaymentDetails json.RawMessage
	// Verifications are the banks that vouched for the user, oldest first;
	// each (Issuer, Subject) is on at most one user of the project.
	Verifications []Verification
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Lockout after repeated failed password checks.
	FailedLogins  int
	LockCreatedAt *time.Time
	LockExpiresAt *time.Time
	// Password is set when the user has one; filled by reads, written only
	// through CreateUser and SetPassword.
	Password *Password
}

// Password is a user's password hash. Hash is self-describing (PHC string
// format with the argon2id parameters), so parameters can be raised later.
type Password struct {
	ID            string
	Hash          string
	RequiresReset bool
	CreatedAt     time.Time
}

// Session is a signed-in user's session. The opaque token is stored only as
// its hash.
type Session struct {
	ID             string
	ProjectID      string
	UserID         string
	TokenHash      []byte
	StartedAt      time.Time
	LastAccessedAt time.Time
	ExpiresAt      time.Time
	IPAddress      string
	UserAgent      string
	Factors        []Factor
	CustomClaims   json.RawMessage // JSON object; nil means {}
	Roles          []string
}

// Factor is one authentication factor of a session (Stytch's
// AuthenticationFactor).
type Factor struct {
	Type                string          `json:"type"`
	DeliveryMethod      string          `json:"delivery_method"`
	LastAuthenticatedAt time.Time       `json:"last_authenticated_at"`
	CreatedAt           time.Time       `json:"created_at"`
	UpdatedAt           time.Time       `json:"updated_at"`
	DetailName          string          `json:"detail_name,omitempty"` // e.g. "email_factor"
	Detail              json.RawMessage `json:"detail,omitempty"`
}

// M2MClient is a machine-to-machine client (client_credentials grant).
// Client IDs are unique across the whole instance, because the token
// endpoint at /v1/oauth2/token finds the client (and so the project) by id.
type M2MClient struct {
	ClientID           string
	ProjectID          string
	Name               string
	Description        string
	Status             string // "active" or "inactive"
	Scopes             []string
	SecretHash         []byte // HMAC-SHA256(pepper, secret)
	SecretLastFour     string
	NextSecretHash     []byte // set between rotate/start and rotate or cancel
	NextSecretLastFour string
	TrustedMetadata    json.RawMessage
	CreatedAt          time.Time
	UpdatedAt          time.Time
}
