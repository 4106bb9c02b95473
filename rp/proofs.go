package rp

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/signet-id/signet/oidc"
)

// Proofs are the per-login secrets the app keeps in the browser's session
// between [Bank.PushAuthorization] and [Bank.Exchange]: state
// (RFC 6749 §10.12), nonce (OIDC Core §3.1.2.1) and the PKCE code verifier
// (RFC 7636 §4.1).
type Proofs struct {
	State        string `json:"state"`
	Nonce        string `json:"nonce"`
	CodeVerifier string `json:"code_verifier"`
}

// NewProofs returns fresh proofs: each is 32 random bytes, base64url without
// padding (43 characters), as the Node client makes them.
func NewProofs() Proofs {
	return Proofs{State: randomToken(), Nonce: randomToken(), CodeVerifier: randomToken()}
}

// CodeChallenge is the S256 PKCE challenge of the verifier (RFC 7636 §4.2).
func (p Proofs) CodeChallenge() string { return oidc.S256Challenge(p.CodeVerifier) }

func (p Proofs) valid() bool {
	return p.State != "" && p.Nonce != "" && oidc.ValidCodeVerifier(p.CodeVerifier)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// uuid4 returns a random RFC 9562 version 4 UUID, the form FAPI wants for
// x-fapi-interaction-id.
func uuid4() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
