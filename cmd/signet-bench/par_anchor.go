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
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/signet-id/signet/rp"
)

// makeFAPIBank writes, in dir, what the par scenario's oidc-provider
// anchor needs (docs/benchmarks.md): fapi-bank.json, the JSON argument of
// e2e/node/fapi_bank.mjs (oidc-provider 9 as a FAPI 1.0 Final bank,
// HTTPS on 127.0.0.1:port, one client_secret_basic client registered as
// the sandbox bank's "basic" client is: PS256 request objects, JARM and ID
// tokens PS256 and encrypted RSA-OAEP/A256CBC-HS512, PAR required), and
// rp.json, the same client with its private JWKS in the shape of
// sandbox-bank-rp.json, for -par-rp.
func makeFAPIBank(dir string, port int) error {
	if port <= 0 || port > 65535 {
		return fmt.Errorf("-fapi-bank-port %d", port)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	certPEM, keyPEM, err := selfSignedServer()
	if err != nil {
		return err
	}
	privJSON, pub, err := rp.GenerateJWKS()
	if err != nil {
		return err
	}
	clientID, secret := "bench-"+randomB64(12), randomB64(36)
	const redirect = "https://rp.example/callback"
	issuer := fmt.Sprintf("https://127.0.0.1:%d", port)
	arg, err := json.Marshal(map[string]any{
		"port": port, "host": "127.0.0.1", "serverCert": certPEM, "serverKey": keyPEM,
		"clients": []map[string]any{{
			"client_id":                             clientID,
			"client_secret":                         secret,
			"redirect_uris":                         []string{redirect},
			"response_types":                        []string{"code"},
			"grant_types":                           []string{"authorization_code", "refresh_token"},
			"token_endpoint_auth_method":            "client_secret_basic",
			"jwks":                                  json.RawMessage(pub),
			"require_pushed_authorization_requests": true,
			"request_object_signing_alg":            "PS256",
			"authorization_signed_response_alg":     "PS256",
			"authorization_encrypted_response_alg":  "RSA-OAEP",
			"authorization_encrypted_response_enc":  "A256CBC-HS512",
			"id_token_signed_response_alg":          "PS256",
			"id_token_encrypted_response_alg":       "RSA-OAEP",
			"id_token_encrypted_response_enc":       "A256CBC-HS512",
		}},
		"accounts": map[string]any{"alice": map[string]any{"email": "alice@example.com"}},
	})
	if err != nil {
		return err
	}
	rpFile, err := json.MarshalIndent(map[string]any{
		"issuer": issuer,
		"clients": map[string]any{"basic": map[string]any{
			"client_id": clientID, "client_secret": secret, "token_endpoint_auth_method": "client_secret_basic",
			"redirect_uris": []string{redirect}, "jwks": json.RawMessage(privJSON),
		}},
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "fapi-bank.json"), arg, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "rp.json"), append(rpFile, '\n'), 0o600)
}

// selfSignedServer is an ECDSA P-256 certificate for 127.0.0.1, as PEM.
func selfSignedServer() (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "signet-bench fapi-bank"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})), nil
}
