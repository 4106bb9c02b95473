package store

import "time"

// Bank is an identity provider (a bank's OpenID Provider) that a project
// lets its users verify with: where it is, how it looks in the account
// selector, and how this project authenticates to it as a client.
type Bank struct {
	ID              string // "bank-" + UUID
	ProjectID       string
	Issuer          string // the OP's issuer URL; unique per project
	DisplayName     string
	LogoURL         string
	PrimaryColor    string // "#rgb" or "#rrggbb", or ""
	BackgroundColor string
	ClientID        string
	// TLSServerCA is PEM CA certificates that verify the bank's TLS
	// server certificates, for a bank whose (mTLS) endpoints do not chain
	// to a public CA; "" means the system roots. Not a secret.
	TLSServerCA string
	// AuthMethod is how the project authenticates at the bank's token and
	// PAR endpoints: client_secret_basic, tls_client_auth or private_key_jwt.
	AuthMethod string
	// MaxAge, when set, is the oldest (in seconds) a person's sign-in at
	// the bank may be for a verification through it: every verification
	// sends max_age and checks auth_time (0: always sign in again).
	MaxAge *int
	// SealedSecrets is the AES-256-GCM ciphertext of the client
	// credentials (secret, mTLS certificate and key, private JWKS), bound
	// to ProjectID and ID. The store never sees them in clear.
	SealedSecrets []byte
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
