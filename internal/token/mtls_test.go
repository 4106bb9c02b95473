package token_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/testclock"
)

// newTLSEnv is newEnv served over TLS that asks for (and does not verify)
// client certificates, as `signet serve --mtls-addr` does. It returns the
// env and the server, whose Client trusts its certificate.
func newTLSEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	e := &env{t: t, clock: testclock.New(time.Now().UTC().Truncate(time.Second))}
	s := e.start(servertest.Options{Now: e.clock.Now, TLS: &tls.Config{ClientAuth: tls.RequestClientCert},
		Configure: func(c *server.Config) { c.MTLSBaseURL = c.Issuer }})
	e.hc = withCert(s.Server, nil)
	return e, s.Server
}

// clientCert makes a self-signed client certificate for subject.
func clientCert(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn, Organization: []string{"Acme"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
}

// withCert is an HTTP client of ts that presents cert (none if nil).
func withCert(ts *httptest.Server, cert *tls.Certificate) *http.Client {
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = nil
	if cert != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: tr}
}

func (e *env) sendWith(hc *http.Client, req *http.Request) reply {
	e.t.Helper()
	prev := e.hc
	e.hc = hc
	defer func() { e.hc = prev }()
	return e.send(req)
}

func (e *env) postWith(hc *http.Client, path string, v url.Values) reply {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.sendWith(hc, req)
}

func certPEM(cert tls.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
}

func x5t(cert tls.Certificate) string {
	sum := sha256.Sum256(cert.Certificate[0])
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tls_client_auth (RFC 8705 §2.1) and certificate-bound access tokens
// (§3) over a listener that requests client certificates.
func TestTLSClientAuthAndBoundTokens(t *testing.T) {
	e, ts := newTLSEnv(t)
	good, wrongDN, other := clientCert(t, "acme-client"), clientCert(t, "mallory"), clientCert(t, "acme-client")
	// The client's certificate is its own trust anchor (RFC 8705 §2.1:
	// the chain is validated before the subject is matched).
	c := e.newClient("first_party", "token_endpoint_auth_method", "tls_client_auth",
		"tls_client_auth_subject_dn", "CN=acme-client,O=Acme", "tls_client_auth_trust_anchors", certPEM(good)+certPEM(wrongDN))
	c.secret = ""
	u := e.newUser(e.projectID)

	exchange := func(cert *tls.Certificate) reply {
		code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}})
		return e.postWith(withCert(ts, cert), "/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {c.redirectURI}, "client_id": {c.id}})
	}
	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		want int
	}{
		{"registered DN", &good, 200},
		{"wrong DN", &wrongDN, 401},
		{"registered DN, untrusted certificate", &other, 401},
		{"no certificate", nil, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := exchange(tt.cert)
			if r.code != tt.want || tt.want == 401 && r.str("error") != "invalid_client" {
				t.Fatalf("token = %d %v, want %d", r.code, r.body, tt.want)
			}
		})
	}

	r := exchange(&good)
	if r.code != 200 {
		t.Fatalf("token = %d %v", r.code, r.body)
	}
	at := r.str("access_token")
	tok, err := jwt.ParseSigned(at, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256, jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var cl struct {
		Cnf map[string]string `json:"cnf"`
	}
	tok.UnsafeClaimsWithoutVerification(&cl)
	if cl.Cnf["x5t#S256"] != x5t(good) {
		t.Fatalf("cnf = %v, want x5t#S256 %s", cl.Cnf, x5t(good))
	}

	// UserInfo: the bound token works only with its certificate (RFC 8705 §3).
	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		want int
	}{
		{"same certificate", &good, 200},
		{"no certificate", nil, 401},
		{"another certificate", &other, 401},
	} {
		t.Run("userinfo "+tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+at)
			r := e.sendWith(withCert(ts, tt.cert), req)
			if r.code != tt.want || tt.want == 401 && r.str("error") != "invalid_token" {
				t.Fatalf("userinfo = %d %v, want %d", r.code, r.body, tt.want)
			}
		})
	}

	// Introspection shows the binding (RFC 8705 §3.2).
	r = e.postWith(withCert(ts, &good), "/v1/oauth2/introspect", url.Values{"client_id": {c.id}, "token": {at}})
	if r.code != 200 || r.body["active"] != true {
		t.Fatalf("introspect = %d %v", r.code, r.body)
	}
	if cnf, _ := r.body["cnf"].(map[string]any); cnf["x5t#S256"] != x5t(good) {
		t.Fatalf("introspect cnf = %v", r.body["cnf"])
	}
}

// A client that registered tls_client_certificate_bound_access_tokens but
// sent no certificate gets no token (nor a bearer one in its place), and
// its code is not spent; with a certificate its token is bound.
func TestBoundTokensNeedCertificate(t *testing.T) {
	e, ts := newTLSEnv(t)
	c := e.newClient("first_party", "tls_client_certificate_bound_access_tokens", true)
	u := e.newUser(e.projectID)
	code := e.code(c, u, codeSpec{scopes: []string{"openid"}})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.redirectURI},
		"client_id": {c.id}, "client_secret": {c.secret}}
	if r := e.postWith(withCert(ts, nil), "/v1/oauth2/token", form); r.code != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("token without certificate = %d %v", r.code, r.body)
	}
	cert := clientCert(t, "anything")
	r := e.postWith(withCert(ts, &cert), "/v1/oauth2/token", form)
	if r.code != 200 {
		t.Fatalf("token with certificate = %d %v", r.code, r.body)
	}
	req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+r.str("access_token"))
	if r := e.sendWith(withCert(ts, nil), req); r.code != 401 {
		t.Fatalf("userinfo without certificate = %d %v", r.code, r.body)
	}
}

// Discovery publishes the mTLS aliases (RFC 8705 §5) when configured.
func TestMTLSDiscovery(t *testing.T) {
	e, _ := newTLSEnv(t)
	req, _ := http.NewRequest("GET", e.url+"/.well-known/openid-configuration", nil)
	md := e.send(req).body
	if md["tls_client_certificate_bound_access_tokens"] != true {
		t.Errorf("tls_client_certificate_bound_access_tokens = %v", md["tls_client_certificate_bound_access_tokens"])
	}
	al, _ := md["mtls_endpoint_aliases"].(map[string]any)
	for k, p := range map[string]string{"token_endpoint": "/v1/oauth2/token", "userinfo_endpoint": "/v1/oauth2/userinfo",
		"introspection_endpoint": "/v1/oauth2/introspect", "revocation_endpoint": "/v1/oauth2/revoke",
		"pushed_authorization_request_endpoint": "/oauth2/par", "payment_details_info_endpoint": "/v1/oauth2/payment_details"} {
		if al[k] != e.url+p {
			t.Errorf("mtls_endpoint_aliases.%s = %v, want %s", k, al[k], e.url+p)
		}
	}
	// Without an mTLS listener, neither is published.
	plain := newEnv(t)
	req, _ = http.NewRequest("GET", plain.url+"/.well-known/openid-configuration", nil)
	md = plain.send(req).body
	if _, ok := md["mtls_endpoint_aliases"]; ok || md["tls_client_certificate_bound_access_tokens"] != nil {
		t.Errorf("plain server publishes mTLS metadata: %v %v", md["mtls_endpoint_aliases"], md["tls_client_certificate_bound_access_tokens"])
	}
}

// A public client's refresh tokens are bound to the certificate its
// access tokens are (RFC 8705 §4): a refresh with another certificate,
// or none, is invalid_grant.
func TestBoundRefreshToken(t *testing.T) {
	e, ts := newTLSEnv(t)
	c := e.newClient("first_party_public", "tls_client_certificate_bound_access_tokens", true)
	u := e.newUser(e.projectID)
	cert, other := clientCert(t, "app"), clientCert(t, "app")
	verifier, challenge := pkce()
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}, challenge: challenge})
	r := e.postWith(withCert(ts, &cert), "/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {c.redirectURI}, "client_id": {c.id}, "code_verifier": {verifier}})
	if r.code != 200 || r.str("refresh_token") == "" {
		t.Fatalf("token = %d %v", r.code, r.body)
	}
	rt := r.str("refresh_token")
	refresh := func(cert *tls.Certificate) reply {
		return e.postWith(withCert(ts, cert), "/v1/oauth2/token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {rt}, "client_id": {c.id}})
	}
	if r := refresh(nil); r.code != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("refresh without certificate = %d %v", r.code, r.body)
	}
	if r := refresh(&other); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("refresh with another certificate = %d %v", r.code, r.body)
	}
	r = refresh(&cert)
	if r.code != 200 {
		t.Fatalf("refresh with the certificate = %d %v", r.code, r.body)
	}
	req, _ := http.NewRequest("GET", e.url+"/v1/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+r.str("access_token"))
	if r := e.sendWith(withCert(ts, &cert), req); r.code != 200 {
		t.Fatalf("userinfo with refreshed bound token = %d %v", r.code, r.body)
	}
}
