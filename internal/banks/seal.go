package banks

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/signet-id/signet/internal/keys"
)

// sealLabel names the subkey that seals bank credentials (MasterKey.Derive):
// its own key, so it never encrypts under the signing-key sealer's key.
const sealLabel = "signet/bank-secrets/v1"

// Credentials are what the project authenticates to a bank with. They
// never print (String, GoString, Format and LogValue are redacted) and are
// stored only sealed.
type Credentials struct {
	ClientSecret  string          `json:"client_secret,omitempty"`
	TLSClientCert string          `json:"tls_client_cert,omitempty"` // PEM
	TLSClientKey  string          `json:"tls_client_key,omitempty"`  // PEM
	JWKS          json.RawMessage `json:"jwks,omitempty"`            // private JWK Set
}

const redacted = "banks.Credentials{REDACTED}"

// String keeps credentials out of logs.
func (Credentials) String() string { return redacted }

// GoString keeps credentials out of %#v output.
func (Credentials) GoString() string { return redacted }

// Format prints redacted for every verb; fmt's buffer never fails.
func (Credentials) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// Sealer encrypts bank credentials at rest: keys.Sealer (AES-256-GCM)
// under their own subkey, each blob bound to its (project, bank) row so
// someone who can write the database cannot move one bank's credentials
// to another bank or project.
type Sealer struct {
	s *keys.Sealer
}

// NewSealer derives the bank-credentials key from the master key.
func NewSealer(mk keys.MasterKey) *Sealer {
	return &Sealer{s: keys.NewSealer(mk, sealLabel, sealLabel)}
}

// Seal seals c's JSON for the bank's row.
func (s *Sealer) Seal(projectID, bankID string, c Credentials) []byte {
	pt, _ := json.Marshal(c) // strings and valid raw JSON always marshal
	return s.s.Seal(pt, projectID, bankID)
}

// Open decrypts what Seal returned for the same project and bank. Nil
// opens to no credentials.
func (s *Sealer) Open(projectID, bankID string, sealed []byte) (Credentials, error) {
	var c Credentials
	if len(sealed) == 0 {
		return c, nil
	}
	pt, err := s.s.Open(sealed, projectID, bankID)
	if err != nil {
		return c, fmt.Errorf("banks: credentials of %s: %w", bankID, err)
	}
	if err := json.Unmarshal(pt, &c); err != nil {
		return Credentials{}, fmt.Errorf("banks: sealed credentials: %w", err)
	}
	return c, nil
}
