package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// mtlsConfig is the TLS configuration of the mutual-TLS listener. It asks
// for any client certificate and verifies no chain here (package
// clientauth validates a tls_client_auth chain against the anchors of the
// client's project, or matches a self-signed certificate against the
// client's keys): tls.RequestClientCert, never RequireAndVerifyClientCert,
// so clients without a certificate still reach the endpoints that take
// other authentication methods.
//
// Versions and suites are FAPI 2.0 SP §5.2.1's (BCP 195): TLS 1.3 with
// any of its suites, or TLS 1.2 with the ECDHE AES-GCM suites only
// (TLS_ECDHE_(RSA|ECDSA)_WITH_AES_(128|256)_GCM; Go has no DHE). CBC, SHA-1
// MAC and ChaCha20 suites are not on the list, so they are refused.
func mtlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		CipherSuites: fapiTLS12Suites,
	}
}

// fapiTLS12Suites are the TLS 1.2 suites FAPI 2.0 SP §5.2.1 permits.
var fapiTLS12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
}

// loadServerCert loads the listener's certificate and key, and returns
// the certificate file's path (clients pin it). Without files but with a
// devPrefix it makes (once) a self-signed certificate for host at
// devPrefix+".crt" and ".key", so the mTLS listener runs locally with no
// setup.
func loadServerCert(certFile, keyFile, devPrefix, host string) (tls.Certificate, string, error) {
	if certFile == "" && keyFile == "" && devPrefix != "" {
		certFile, keyFile = devPrefix+".crt", devPrefix+".key"
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := writeSelfSigned(certFile, keyFile, host); err != nil {
				return tls.Certificate{}, "", fmt.Errorf("self-signed mTLS certificate: %w", err)
			}
		}
	}
	if certFile == "" || keyFile == "" {
		return tls.Certificate{}, "", errors.New("--mtls-addr needs --tls-cert and --tls-key (or --dev)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("mTLS server certificate: %w", err)
	}
	return cert, certFile, nil
}

// writeSelfSigned writes a self-signed ECDSA P-256 server certificate
// for host, valid for a year, and its key (0600).
func writeSelfSigned(certFile, keyFile, host string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Signet dev mTLS"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if h, _, err := net.SplitHostPort(host); err == nil && h != "" {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
