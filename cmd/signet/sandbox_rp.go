package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/signet-id/signet/rp"
)

// rpFile is sandbox-bank-rp.json: everything a relying party needs to use
// the sandbox bank, shaped after the IDPartner node client's config
// (reference/idpartner-protocol.md §3.1) so a test can spread a client
// entry into it.
type rpFile struct {
	Issuer string `json:"issuer"`
	// MTLSBaseURL is the mutual-TLS listener ("" without one); discovery
	// lists its endpoints as mtls_endpoint_aliases.
	MTLSBaseURL string `json:"mtls_base_url,omitempty"`
	// TLSServerCA is the PEM certificate to trust for MTLSBaseURL (the
	// listener's self-signed certificate).
	TLSServerCA string `json:"tls_server_ca,omitempty"`
	// Clients by name: basic, mtls, private_key_jwt, plain.
	Clients   map[string]rpClient `json:"clients"`
	TestUsers []rpTestUser        `json:"test_users"`
}

// rpClient is one registered client and its private credentials.
type rpClient struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"` // client_secret_basic only
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	RedirectURIs            []string `json:"redirect_uris"`
	// JWKS is the PRIVATE JWK Set (PS256 signing + RSA-OAEP decryption
	// key); its public half is registered.
	JWKS json.RawMessage `json:"jwks,omitempty"`
	// TLSClientCert and TLSClientKey are PEM (tls_client_auth only).
	TLSClientCert string `json:"tls_client_cert,omitempty"`
	TLSClientKey  string `json:"tls_client_key,omitempty"`
}

// rpTestUser is a seeded customer and the password to sign in with.
type rpTestUser struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// writeJSON0600 writes v as indented JSON readable only by its owner: these
// files hold secrets and private keys.
func writeJSON0600(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Rename so a crash never leaves half a file where the next start
	// looks for its state.
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// rpKeys is a relying party's key pair set as the node client expects it:
// an RSA-2048 PS256 signing key and an RSA-2048 RSA-OAEP encryption key,
// kids being their RFC 7638 thumbprints.
type rpKeys struct {
	Private json.RawMessage // the JWKS the RP keeps
	Public  json.RawMessage // the JWKS registered at the bank
}

func newRPKeys() (rpKeys, error) {
	priv, pub, err := rp.GenerateJWKS()
	if err != nil {
		return rpKeys{}, err
	}
	return rpKeys{Private: priv, Public: pub}, nil
}

// rpCertSubject is the subject of the mtls client's certificate; its
// RFC 4514 form is registered as tls_client_auth_subject_dn.
var rpCertSubject = pkix.Name{CommonName: "sandbox-rp-mtls", Organization: []string{"Signet Sandbox RP"}}

// newClientCert makes the self-signed ECDSA P-256 client certificate of
// the mtls client (RFC 8705 §2.1: the bank matches its subject DN and
// verifies no chain), valid for five years, as PEM.
func newClientCert() (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      rpCertSubject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("client certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return pemString("CERTIFICATE", der), pemString("PRIVATE KEY", keyDER), nil
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
