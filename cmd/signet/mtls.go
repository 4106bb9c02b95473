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
// for any client certificate and verifies no chain (RFC 8705 §2.1
// tls_client_auth matches the registered subject DN or SAN; see package
// clientauth): tls.RequestClientCert, never RequireAndVerifyClientCert,
// so clients without a certificate still reach the endpoints that take
// other authentication methods.
func mtlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
	}
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
