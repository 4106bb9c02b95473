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

// FAPI 2.0 SP §5.2.1: the mutual-TLS listener speaks TLS 1.3, or TLS 1.2
// with the ECDHE AES-GCM suites only.
func TestMTLSListenerSuites(t *testing.T) {
	cert, _, err := loadServerCert("", "", filepath.Join(t.TempDir(), "signet-mtls"), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", mtlsConfig(cert))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	for _, tt := range []struct {
		name     string
		min, max uint16
		suites   []uint16
		ok       bool
	}{
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, nil, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, true},
		{"TLS 1.2 ECDHE-ECDSA-AES256-GCM", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-SHA", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}, false},
		{"TLS 1.2 ECDHE-ECDSA-AES256-SHA", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}, false},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, false},
		{"TLS 1.2 ECDHE-ECDSA-AES128-SHA256", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}, false},
		{"TLS 1.1", tls.VersionTLS10, tls.VersionTLS11, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true, //nolint:gosec // the suite, not the certificate, is under test
				MinVersion: tt.min, MaxVersion: tt.max, CipherSuites: tt.suites})
			if err == nil {
				c.Close()
			}
			if (err == nil) != tt.ok {
				t.Errorf("handshake error = %v, want ok = %v", err, tt.ok)
			}
		})
	}
}
