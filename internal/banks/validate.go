package banks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/rp"

	"github.com/go-jose/go-jose/v4"
)

// Client authentication methods at the bank's token and PAR endpoints
// (OIDC Core §9, RFC 8705 §2.1).
const (
	ClientSecretBasic = "client_secret_basic"
	TLSClientAuth     = "tls_client_auth"
	PrivateKeyJWT     = "private_key_jwt"
)

// maxMaxAge bounds a bank's max_age: a bound longer than a year asks
// nothing of the bank.
const maxMaxAge = 365 * 24 * 60 * 60

// checkMaxAge allows no bound, or 0 to a year in seconds.
func checkMaxAge(n *int) error {
	if n != nil && (*n < 0 || *n > maxMaxAge) {
		return invalid("max_age must be 0 (always sign in again) to %d seconds.", maxMaxAge)
	}
	return nil
}

// InvalidError is a bank that fails validation; its message is safe to
// show the caller.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

const (
	maxText = 200  // display name, client ID
	maxURL  = 2048 // issuer, logo
)

// checkIssuer accepts an https URL with a host and no query or fragment
// (OIDC Discovery §3: the issuer is a case-sensitive https URL without
// them), or http on a loopback host for local test banks.
func checkIssuer(s string) error {
	if err := checkURL("issuer", s); err != nil {
		return err
	}
	u, _ := url.Parse(s) // checkURL parsed it
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return invalid("issuer must not have a query or fragment.")
	}
	return nil
}

// checkURL accepts an absolute https URL, or http on a loopback host.
func checkURL(field, s string) error {
	if s == "" {
		return invalid("%s is required.", field)
	}
	if len(s) > maxURL {
		return invalid("%s is longer than %d characters.", field, maxURL)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return invalid("%s must be an absolute URL.", field)
	}
	if u.User != nil {
		return invalid("%s must not contain credentials.", field)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return invalid("%s must be an https URL (http only on localhost).", field)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkText rejects empty (when required), over-long, non-UTF-8 and
// control characters.
func checkText(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid("%s is required.", field)
		}
		return nil
	}
	if len(s) > maxText || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return invalid("%s must be at most %d printable characters.", field, maxText)
	}
	return nil
}

func checkColor(field, s string) error {
	if s != "" && !web.IsHexColor(s) {
		return invalid("%s must be a hex colour, #rgb or #rrggbb.", field)
	}
	return nil
}

func checkAuthMethod(m string) error {
	switch m {
	case ClientSecretBasic, TLSClientAuth, PrivateKeyJWT:
		return nil
	case "":
		return invalid("auth_method is required: %s, %s or %s.", ClientSecretBasic, TLSClientAuth, PrivateKeyJWT)
	}
	return invalid("auth_method %q is not supported: want %s, %s or %s.", m, ClientSecretBasic, TLSClientAuth, PrivateKeyJWT)
}

// checkCredentials checks each credential that is set, then that the
// method has what it needs: a secret for client_secret_basic, a
// certificate and key for tls_client_auth, an RSA signing key for
// private_key_jwt. Others may be set too (a private_key_jwt client of a
// FAPI bank also presents an mTLS certificate to bind its tokens, RFC 8705
// §3; a JWKS also signs request objects and decrypts responses).
func checkCredentials(method string, c Credentials) error {
	if (c.TLSClientCert == "") != (c.TLSClientKey == "") {
		return invalid("tls_client_cert and tls_client_key go together.")
	}
	if c.TLSClientCert != "" {
		if _, err := tls.X509KeyPair([]byte(c.TLSClientCert), []byte(c.TLSClientKey)); err != nil {
			return invalid("tls_client_cert and tls_client_key must be a PEM certificate and its private key.")
		}
	}
	var rsaSigner bool
	if len(c.JWKS) > 0 {
		var err error
		if rsaSigner, err = checkJWKS(c.JWKS); err != nil {
			return err
		}
	}
	switch method {
	case ClientSecretBasic:
		if c.ClientSecret == "" {
			return invalid("client_secret is required for %s.", method)
		}
	case TLSClientAuth:
		if c.TLSClientCert == "" {
			return invalid("tls_client_cert and tls_client_key are required for %s.", method)
		}
	case PrivateKeyJWT:
		if !rsaSigner {
			return invalid("jwks with a private RSA signing key is required for %s.", method)
		}
	}
	// The flow (package rp) signs request objects with the PS256 key and
	// decrypts the JARM and ID token with the RSA-OAEP one: a set it
	// cannot use would fail only when a person tries to verify.
	if len(c.JWKS) > 0 {
		if _, err := rp.ParsePrivateJWKS(c.JWKS); err != nil {
			return invalid("jwks must hold an RSA signing key (use \"sig\" or alg PS256) and an RSA encryption key (use \"enc\" or alg RSA-OAEP).")
		}
	}
	if len(c.ClientSecret) > 512 || strings.IndexFunc(c.ClientSecret, unicode.IsControl) >= 0 {
		return invalid("client_secret must be at most 512 printable characters.")
	}
	return nil
}

// checkJWKS parses a private JWK Set: every key must be a valid private
// asymmetric key (a public or symmetric key here is a mistake: the bank
// gets the public half, RFC 7523 §3). It reports whether one is an RSA
// key usable for signing (use absent or "sig", RFC 7517 §4.2).
func checkJWKS(raw json.RawMessage) (rsaSigner bool, err error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return false, invalid("jwks must be a JWK Set: %s", jwkErr(err))
	}
	if len(set.Keys) == 0 {
		return false, invalid("jwks has no keys.")
	}
	for i, k := range set.Keys {
		switch k.Key.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		default:
			return false, invalid("jwks key %d must be a private RSA, EC or OKP key.", i)
		}
		if !k.Valid() {
			return false, invalid("jwks key %d is not a valid key.", i)
		}
		if _, ok := k.Key.(*rsa.PrivateKey); ok && (k.Use == "" || k.Use == "sig") {
			rsaSigner = true
		}
	}
	return rsaSigner, nil
}

// jwkErr keeps go-jose's message short and free of key material (it names
// fields, never values).
func jwkErr(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}

// checkServerCA accepts "" or PEM CA certificates, at most 64 KiB, and
// nothing else in the PEM (a private key pasted here by mistake is
// refused rather than stored in clear).
func checkServerCA(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > 64<<10 {
		return invalid("tls_server_ca may be at most 64 KiB.")
	}
	rest, n := []byte(s), 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return invalid("tls_server_ca must hold only CERTIFICATE blocks.")
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return invalid("tls_server_ca holds a certificate that does not parse.")
		}
		n++
	}
	if n == 0 || len(bytes.TrimSpace(rest)) > 0 {
		return invalid("tls_server_ca must be PEM CA certificates.")
	}
	return nil
}
