package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
)

// The JWS algorithms Signet signs with (RFC 7518 §3.1, RFC 8037 §3.1).
// RS256 is the default because the Stytch SDKs verify session JWTs with
// RS256 only.
const (
	RS256 = "RS256"
	PS256 = "PS256"
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// rsaBits is the modulus size of new RSA keys. 2048 is the floor of
// RFC 7518 §3.3 and costs a quarter of 3072 per signature (the token
// endpoint signs on every request); NIST SP 800-57 rates it fine to 2030.
const rsaBits = 2048

// checkAlg reports whether Signet can make keys for alg.
func checkAlg(alg string) error {
	switch alg {
	case RS256, PS256, ES256, EdDSA:
		return nil
	}
	return fmt.Errorf("keys: unsupported signing algorithm %q (want RS256, PS256, ES256 or EdDSA)", alg)
}

// generate makes a new private key for alg.
func generate(alg string) (crypto.Signer, error) {
	switch alg {
	case RS256, PS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, checkAlg(alg)
}

// parsePrivate reads a PKCS#8 private key and checks that it fits alg, so
// a row whose algorithm and key disagree is refused rather than used.
func parsePrivate(alg string, der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: parse private key: %w", err)
	}
	ok := false
	switch k := k.(type) {
	case *rsa.PrivateKey:
		ok = (alg == RS256 || alg == PS256) && k.N.BitLen() >= rsaBits
	case *ecdsa.PrivateKey:
		ok = alg == ES256 && k.Curve == elliptic.P256()
	case ed25519.PrivateKey:
		ok = alg == EdDSA
	}
	if !ok {
		return nil, fmt.Errorf("keys: stored %T does not fit %s", k, alg)
	}
	return k.(crypto.Signer), nil
}

// jwk is a public key as Signet publishes it. The field set is what the
// Stytch SDKs read (kty, use, alg, kid, then the key material); alg and
// use are set so that verifiers which check them (keyfunc, jose) accept
// the key for exactly one purpose (RFC 7517 §4.2, §4.4). key_ops is left
// out: RFC 7517 §4.3 says use and key_ops SHOULD NOT be used together.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Crv string `json:"crv,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// publicJWK returns the JSON JWK of pub (RFC 7518 §6, RFC 8037 §2).
func publicJWK(kid, alg string, pub crypto.PublicKey) ([]byte, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	k := jwk{Use: "sig", Alg: alg, Kid: kid}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		k.Kty = "RSA"
		k.N = b64(pub.N.Bytes())
		k.E = b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		// Uncompressed point 0x04 || X || Y, each coordinate full width
		// (RFC 7518 §6.2.1.2: x and y are exactly 32 bytes for P-256).
		raw, err := pub.Bytes()
		if err != nil {
			return nil, err
		}
		n := (len(raw) - 1) / 2
		k.Kty, k.Crv = "EC", "P-256"
		k.X, k.Y = b64(raw[1:1+n]), b64(raw[1+n:])
	case ed25519.PublicKey:
		k.Kty, k.Crv = "OKP", "Ed25519"
		k.X = b64(pub)
	default:
		return nil, fmt.Errorf("keys: no JWK form for %T", pub)
	}
	return json.Marshal(k)
}
