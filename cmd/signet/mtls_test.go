package main

import (
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"testing"
)

// --dev without --tls-cert makes a self-signed server certificate once
// and reuses it; without --dev the files are required.
func TestLoadServerCert(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "signet-mtls")
	c1, path, err := loadServerCert("", "", prefix, "127.0.0.1:8443")
	if err != nil {
		t.Fatal(err)
	}
	if path != prefix+".crt" {
		t.Errorf("certificate path = %q", path)
	}
	leaf, err := x509.ParseCertificate(c1.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("dev certificate: %v", err)
	}
	c2, _, err := loadServerCert("", "", prefix, "127.0.0.1:8443")
	if err != nil {
		t.Fatal(err)
	}
	if string(c1.Certificate[0]) != string(c2.Certificate[0]) {
		t.Error("dev certificate was made again instead of reused")
	}
	if _, _, err := loadServerCert("", "", "", "127.0.0.1:8443"); err == nil {
		t.Error("no certificate outside dev mode was accepted")
	}
	// RFC 8705 §2.1: any client certificate is requested, none required or verified.
	if cfg := mtlsConfig(c1); cfg.ClientAuth != tls.RequestClientCert {
		t.Errorf("ClientAuth = %v", cfg.ClientAuth)
	}
}
