package token

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"net/http"

	"github.com/signet-id/signet/oidc"
)

// Certificate-bound access tokens (RFC 8705 §3). A token issued to a
// client over a connection with a client certificate carries the
// certificate's SHA-256 thumbprint in cnf, when the client registered
// tls_client_certificate_bound_access_tokens or authenticated with
// tls_client_auth; UserInfo then serves it only over a connection with
// that same certificate, so a stolen token is useless without the key.

// confirmation is the cnf claim (RFC 7800 §3.1) with the x5t#S256
// member of RFC 8705 §3.1 and the jkt member of RFC 9449 §6.1.
type confirmation struct {
	X5tS256 string `json:"x5t#S256,omitempty"`
	JKT     string `json:"jkt,omitempty"`
}

// thumbprint is base64url(SHA-256(DER)) of cert (RFC 8705 §3.1).
func thumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// wantsBinding reports whether c's access tokens are to be bound to its
// certificate.
func (c *Client) wantsBinding() bool {
	return c.App != nil && (c.App.TLSClientCertificateBoundAccessTokens || c.Method == oidc.AuthTLSClient || c.Method == oidc.AuthSelfSignedTLSClient)
}

// cnfFor is the cnf claim of an access token for c, or nil: the
// certificate's thumbprint when c's tokens are certificate-bound, the
// DPoP key's when the request came with a proof (RFC 9449 §6).
func cnfFor(c *Client) *confirmation {
	var cnf confirmation
	if c.wantsBinding() && c.Certificate != nil {
		cnf.X5tS256 = thumbprint(c.Certificate)
	}
	cnf.JKT = c.DPoPJKT
	if cnf == (confirmation{}) {
		return nil
	}
	return &cnf
}

// boundThumbprint is the thumbprint a new grant of c is bound to, or "".
func boundThumbprint(c *Client) string {
	if cnf := cnfFor(c); cnf != nil {
		return cnf.X5tS256
	}
	return ""
}

// boundJKT is the DPoP key a new grant's refresh tokens are bound to, or
// "": a public client's (RFC 9449 §5); a confidential client's refresh
// tokens are bound to its authentication instead.
func boundJKT(c *Client) string {
	if c.Public {
		return c.DPoPJKT
	}
	return ""
}

// sameThumbprint reports whether cert is the one want names; any
// certificate (or none) matches an unbound grant's "".
func sameThumbprint(want string, cert *x509.Certificate) bool {
	if want == "" {
		return true
	}
	return cert != nil && subtle.ConstantTimeCompare([]byte(thumbprint(cert)), []byte(want)) == 1
}

// errNeedsCertificate: a client whose tokens must be bound called
// without a client certificate (the plain listener, or no certificate
// sent), so a bound token cannot be issued; a bearer one is not issued
// in its place.
func errNeedsCertificate() *oidc.Error {
	return oidc.NewError(oidc.InvalidRequest,
		"This client's access tokens are certificate-bound (RFC 8705 §3): call the mutual-TLS endpoint with the client certificate.")
}

// presentedWith reports whether r came over a connection whose client
// certificate is the one cnf names (RFC 8705 §3.1). A token without
// x5t#S256 needs none.
func presentedWith(cnf *confirmation, r *http.Request) bool {
	if cnf == nil || cnf.X5tS256 == "" {
		return true
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return false
	}
	return sameThumbprint(cnf.X5tS256, r.TLS.PeerCertificates[0])
}

// tokenType is the token_type of c's access token: DPoP for one bound to
// a DPoP key (RFC 9449 §5), else Stytch's "bearer".
func tokenType(c *Client) string {
	if c.DPoPJKT != "" {
		return "DPoP"
	}
	return "bearer"
}
