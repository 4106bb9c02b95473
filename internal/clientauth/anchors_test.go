package clientauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// testCA issues client certificates.
type testCA struct {
	t    *testing.T
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{t: t, cert: c, key: k}
}

func (ca *testCA) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
}

// issue makes a client certificate for subject (and DNS names), and
// returns it with its key.
func (ca *testCA) issue(subject pkix.Name, eku x509.ExtKeyUsage, dns ...string) (*x509.Certificate, *ecdsa.PrivateKey) {
	ca.t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: subject, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{eku}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
}

// RFC 8705 §2.1: PKI tls_client_auth trusts a certificate that chains to
// a configured trust anchor (the project's, or the client's own) and
// names the client; a self-signed impostor that copies the subject DN, or
// the SAN, is refused. §2.2: self_signed_tls_client_auth trusts the
// certificate whose key the client registered, whatever it names.
func TestTLSClientAuthTrust(t *testing.T) {
	e := newEnv(t)
	projectCA, clientCA, strangerCA := newCA(t, "Project CA"), newCA(t, "Client CA"), newCA(t, "Stranger CA")
	if err := e.st.SetProjectTrustAnchors(t.Context(), e.project, projectCA.pem()); err != nil {
		t.Fatal(err)
	}
	subject := pkix.Name{CommonName: "mtls-client", Organization: []string{"Bank RP"}}
	e.client("pki", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient, TLSClientAuthSubjectDN: "CN=mtls-client,O=Bank RP"})
	e.client("pki-san", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient, TLSClientAuthSANDNS: "rp.example"})
	e.client("pki-own-ca", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient, TLSClientAuthSubjectDN: "CN=mtls-client,O=Bank RP",
		TLSClientAuthTrustAnchors: clientCA.pem()})
	registered := selfSigned(t, subject)
	e.client("self-signed", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthSelfSignedTLSClient,
		JWKS: publicJWKS(t, registered.PublicKey, "cert")})

	good, _ := projectCA.issue(subject, x509.ExtKeyUsageClientAuth)
	goodSAN, _ := projectCA.issue(pkix.Name{CommonName: "x"}, x509.ExtKeyUsageClientAuth, "rp.example")
	ownCA, _ := clientCA.issue(subject, x509.ExtKeyUsageClientAuth)
	stranger, _ := strangerCA.issue(subject, x509.ExtKeyUsageClientAuth)
	serverOnly, _ := projectCA.issue(subject, x509.ExtKeyUsageServerAuth)
	tests := []struct {
		name   string
		client string
		cert   *x509.Certificate
		want   string // method, or "" for invalid_client
	}{
		{"chain to the project's anchor", "pki", good, oidc.AuthTLSClient},
		{"SAN, chain to the project's anchor", "pki-san", goodSAN, oidc.AuthTLSClient},
		{"self-signed impostor copying the subject", "pki", selfSigned(t, subject), ""},
		{"self-signed impostor copying the SAN", "pki-san", selfSigned(t, pkix.Name{CommonName: "x"}, "rp.example"), ""},
		{"chain to an unknown CA", "pki", stranger, ""},
		{"certificate for servers only", "pki", serverOnly, ""},
		{"chain to the client's own anchor", "pki-own-ca", ownCA, oidc.AuthTLSClient},
		{"the project's anchor serves the client with its own", "pki-own-ca", good, oidc.AuthTLSClient},
		{"another client's anchor", "pki", ownCA, ""},
		{"self-signed, the registered key", "self-signed", registered, oidc.AuthSelfSignedTLSClient},
		{"self-signed, same subject, another key", "self-signed", selfSigned(t, subject), ""},
		{"self-signed, a CA-issued certificate of another key", "self-signed", good, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.do(req{form: url.Values{"client_id": {tt.client}}, cert: tt.cert})
			if tt.want == "" {
				var oe *oidc.Error
				if !errors.As(err, &oe) || oe.Code != oidc.InvalidClient {
					t.Fatalf("err = %v, want invalid_client", err)
				}
				return
			}
			if err != nil || res.Method != tt.want || res.Client.ClientID != tt.client {
				t.Fatalf("got %s by %s, %v; want %s", res.Client.ClientID, res.Method, err, tt.want)
			}
		})
	}

	// Without any trust anchor, no PKI certificate is trusted.
	if err := e.st.SetProjectTrustAnchors(t.Context(), e.project, ""); err != nil {
		t.Fatal(err)
	}
	e.auth.Anchors.Forget(e.project)
	if _, err := e.do(req{form: url.Values{"client_id": {"pki"}}, cert: good}); err == nil {
		t.Error("a certificate was trusted with no trust anchor configured")
	}
}
