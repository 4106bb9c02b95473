package clientauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
	"github.com/signet-id/signet/oidc"
)

const (
	issuer   = "https://op.example"
	endpoint = "https://op.example/oauth2/par"
)

type env struct {
	t       testing.TB
	st      store.Store
	auth    *Authenticator
	pepper  secrets.Pepper
	project string
	key     *ecdsa.PrivateKey // the private_key_jwt client's key
	other   *ecdsa.PrivateKey // a key no client registered
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.OpenAndMigrate(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, pepper: secrets.NewPepper(bytes.Repeat([]byte{7}, 32)), project: "project-test-" + uuid.NewString()}
	if err := st.CreateProject(t.Context(), store.Project{ID: e.project, Name: "p", SecretHash: []byte("x"), TokenAlg: "RS256", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e.other, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e.auth = &Authenticator{Clients: apps.NewConnectedClients(st, e.pepper, time.Minute, nil), JTIs: st, Keys: &KeySets{},
		Anchors: &TrustAnchors{Projects: st}}
	return e
}

// client stores a confidential client with secret "s3cret:/+" and meta.
func (e *env) client(id string, public bool, meta store.ClientMetadata) {
	e.t.Helper()
	typ := apps.TypeThirdParty
	c := store.ConnectedApp{ClientID: id, ProjectID: e.project, Status: "active", ClientMetadata: meta,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if public {
		typ = apps.TypeThirdPartyPublic
	} else {
		c.SecretHash = e.pepper.Hash("s3cret:/+")
	}
	c.Type = typ
	if err := e.st.CreateConnectedApp(e.t.Context(), c); err != nil {
		e.t.Fatal(err)
	}
}

func publicJWKS(t testing.TB, k crypto.PublicKey, kid string) json.RawMessage {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k, KeyID: kid, Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertion(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	out, err := signJWS(t, key, alg, claims).CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertionJSON is assertion in the JWS JSON serialization (RFC 7515 §7.2),
// which a JWT never uses (RFC 7519 §1).
func assertionJSON(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, claims map[string]any) string {
	t.Helper()
	return signJWS(t, key, alg, claims).FullSerialize()
}

func signJWS(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, claims map[string]any) *jose.JSONWebSignature {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

func claims(clientID string, mod func(map[string]any)) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{"iss": clientID, "sub": clientID, "aud": issuer, "jti": uuid.NewString(),
		"iat": now, "nbf": now, "exp": now + 60}
	if mod != nil {
		mod(c)
	}
	return c
}

type req struct {
	form         url.Values
	basic        []string // id, secret (already URL-encoded)
	cert         *x509.Certificate
	rawAuthorize string
}

func (e *env) do(r req) (Result, error) {
	hr := httptest.NewRequest("POST", endpoint, strings.NewReader(r.form.Encode()))
	if r.basic != nil {
		hr.SetBasicAuth(r.basic[0], r.basic[1])
	}
	if r.rawAuthorize != "" {
		hr.Header.Set("Authorization", r.rawAuthorize)
	}
	if r.cert != nil {
		hr.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{r.cert}}
	}
	return e.auth.Authenticate(hr, r.form, issuer, endpoint)
}

func selfSigned(t *testing.T, subject pkix.Name, dns ...string) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subject, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	e.client("secret-client", false, store.ClientMetadata{})
	e.client("post-only", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthClientSecretPost})
	e.client("public-client", true, store.ClientMetadata{})
	e.client("jwt-client", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthPrivateKeyJWT,
		JWKS: publicJWKS(t, &e.key.PublicKey, "k1")})
	e.client("mtls-client", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient,
		TLSClientAuthSubjectDN: "CN=mtls-client, O=Bank RP"})
	e.client("mtls-san", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient,
		TLSClientAuthSANDNS: "rp.example"})
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	e.client("ps256-client", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthPrivateKeyJWT,
		JWKS: publicJWKS(t, &rsaKey.PublicKey, "k1")})

	ca := newCA(t, "Test CA")
	if err := e.st.SetProjectTrustAnchors(t.Context(), e.project, ca.pem()); err != nil {
		t.Fatal(err)
	}
	goodCert, _ := ca.issue(pkix.Name{CommonName: "mtls-client", Organization: []string{"Bank RP"}}, x509.ExtKeyUsageClientAuth)
	sanCert, _ := ca.issue(pkix.Name{CommonName: "x"}, x509.ExtKeyUsageClientAuth, "rp.example")
	evilSANCert, _ := ca.issue(pkix.Name{CommonName: "x"}, x509.ExtKeyUsageClientAuth, "evil.example")
	otherDNCert, _ := ca.issue(pkix.Name{CommonName: "someone-else", Organization: []string{"Bank RP"}}, x509.ExtKeyUsageClientAuth)
	jwtForm := func(a string) url.Values {
		return url.Values{"client_assertion_type": {AssertionType}, "client_assertion": {a}}
	}
	replayed := assertion(t, e.key, jose.ES256, claims("jwt-client", nil))
	if _, err := e.do(req{form: jwtForm(replayed)}); err != nil {
		t.Fatalf("first use of assertion: %v", err)
	}

	tests := []struct {
		name       string
		r          req
		wantClient string
		wantMethod string
		wantErr    oidc.ErrorCode
	}{
		{"basic", req{form: url.Values{}, basic: []string{"secret-client", url.QueryEscape("s3cret:/+")}}, "secret-client", oidc.AuthClientSecretBasic, ""},
		{"basic not URL-decoded by the client", req{form: url.Values{}, basic: []string{"secret-client", "s3cret%3"}}, "", "", oidc.InvalidClient},
		{"basic wrong secret", req{form: url.Values{}, basic: []string{"secret-client", "nope"}}, "", "", oidc.InvalidClient},
		{"basic and post", req{form: url.Values{"client_secret": {"s3cret:/+"}}, basic: []string{"secret-client", "x"}}, "", "", oidc.InvalidRequest},
		{"basic client_id mismatch", req{form: url.Values{"client_id": {"other"}}, basic: []string{"secret-client", url.QueryEscape("s3cret:/+")}}, "", "", oidc.InvalidRequest},
		{"post", req{form: url.Values{"client_id": {"secret-client"}, "client_secret": {"s3cret:/+"}}}, "secret-client", oidc.AuthClientSecretPost, ""},
		{"post-only client with basic", req{form: url.Values{}, basic: []string{"post-only", url.QueryEscape("s3cret:/+")}}, "", "", oidc.InvalidClient},
		{"unknown client", req{form: url.Values{"client_id": {"nobody"}, "client_secret": {"x"}}}, "", "", oidc.InvalidClient},
		{"public none", req{form: url.Values{"client_id": {"public-client"}}}, "public-client", oidc.AuthNone, ""},
		{"confidential without credentials", req{form: url.Values{"client_id": {"secret-client"}}}, "", "", oidc.InvalidClient},
		{"no client at all", req{form: url.Values{}}, "", "", oidc.InvalidClient},
		{"private_key_jwt", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", nil)))}, "jwt-client", oidc.AuthPrivateKeyJWT, ""},
		{"private_key_jwt PS256", req{form: jwtForm(assertion(t, rsaKey, jose.PS256, claims("ps256-client", nil)))}, "ps256-client", oidc.AuthPrivateKeyJWT, ""},
		{"private_key_jwt RS256 refused", req{form: jwtForm(assertion(t, rsaKey, jose.RS256, claims("ps256-client", nil)))}, "", "", oidc.InvalidClient},
		{"private_key_jwt aud endpoint", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { c["aud"] = []string{endpoint} })))}, "jwt-client", oidc.AuthPrivateKeyJWT, ""},
		{"private_key_jwt wrong aud", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { c["aud"] = "https://evil.example" })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt expired", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt exp too far", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { c["exp"] = time.Now().Add(time.Hour).Unix() })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt no exp", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { delete(c, "exp") })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt no jti", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { delete(c, "jti") })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt sub differs", req{form: jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", func(c map[string]any) { c["sub"] = "x" })))}, "", "", oidc.InvalidClient},
		{"private_key_jwt replayed jti", req{form: jwtForm(replayed)}, "", "", oidc.InvalidClient},
		{"private_key_jwt JSON serialization", req{form: jwtForm(assertionJSON(t, e.key, jose.ES256, claims("jwt-client", nil)))}, "", "", oidc.InvalidClient},
		{"private_key_jwt wrong key", req{form: jwtForm(assertion(t, e.other, jose.ES256, claims("jwt-client", nil)))}, "", "", oidc.InvalidClient},
		{"private_key_jwt client_id mismatch", req{form: func() url.Values {
			f := jwtForm(assertion(t, e.key, jose.ES256, claims("jwt-client", nil)))
			f.Set("client_id", "secret-client")
			return f
		}()}, "", "", oidc.InvalidRequest},
		{"private_key_jwt bad type", req{form: url.Values{"client_assertion_type": {"saml"}, "client_assertion": {"x"}}}, "", "", oidc.InvalidRequest},
		{"jwt client with secret", req{form: url.Values{}, basic: []string{"jwt-client", "s3cret%3A%2F%2B"}}, "", "", oidc.InvalidClient},
		{"tls_client_auth", req{form: url.Values{"client_id": {"mtls-client"}}, cert: goodCert}, "mtls-client", oidc.AuthTLSClient, ""},
		{"tls_client_auth DN mismatch", req{form: url.Values{"client_id": {"mtls-client"}}, cert: otherDNCert}, "", "", oidc.InvalidClient},
		{"tls_client_auth no cert", req{form: url.Values{"client_id": {"mtls-client"}}}, "", "", oidc.InvalidClient},
		{"tls_client_auth SAN", req{form: url.Values{"client_id": {"mtls-san"}}, cert: sanCert}, "mtls-san", oidc.AuthTLSClient, ""},
		{"tls_client_auth SAN mismatch", req{form: url.Values{"client_id": {"mtls-san"}}, cert: evilSANCert}, "", "", oidc.InvalidClient},
		{"mtls client with secret", req{form: url.Values{"client_id": {"mtls-client"}, "client_secret": {"s3cret:/+"}}, cert: goodCert}, "", "", oidc.InvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.do(tt.r)
			if tt.wantErr != "" {
				var oe *oidc.Error
				if !errors.As(err, &oe) || oe.Code != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Client.ClientID != tt.wantClient || res.Method != tt.wantMethod {
				t.Errorf("got %s by %s, want %s by %s", res.Client.ClientID, res.Method, tt.wantClient, tt.wantMethod)
			}
		})
	}
}

// TestTLSClientAuthOverTLS runs tls_client_auth through a real TLS
// handshake: the server requests any certificate and does not verify it.
func TestTLSClientAuthOverTLS(t *testing.T) {
	e := newEnv(t)
	ca := newCA(t, "Test CA")
	e.client("mtls-client", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthTLSClient,
		TLSClientAuthSubjectDN: "CN=mtls-client", TLSClientAuthTrustAnchors: ca.pem()})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		res, err := e.auth.Authenticate(r, r.PostForm, issuer)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		io.WriteString(w, res.Client.ClientID+" "+res.Method)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()

	for _, tc := range []struct {
		cn   string
		want int
	}{{"mtls-client", 200}, {"intruder", 401}} {
		cert, k := ca.issue(pkix.Name{CommonName: tc.cn}, x509.ExtKeyUsageClientAuth)
		der := cert.Raw
		hc := srv.Client()
		tr := hc.Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.Certificates = []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}
		hc = &http.Client{Transport: tr}
		res, err := hc.PostForm(srv.URL, url.Values{"client_id": {"mtls-client"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("CN=%s: %d %s, want %d", tc.cn, res.StatusCode, b, tc.want)
		}
	}
}

func TestKeySetsJWKSURI(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fetches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches++
		w.Write(publicJWKS(t, &k.PublicKey, "k1"))
	}))
	defer srv.Close()
	ks := &KeySets{}
	c := store.ConnectedApp{ClientID: "c", ClientMetadata: store.ClientMetadata{JWKSURI: srv.URL}}
	tok := assertion(t, k, jose.ES256, map[string]any{"x": 1})
	for range 3 {
		if _, _, err := ks.Verify(t.Context(), c, tok, AssertionAlgs); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 1 {
		t.Errorf("fetched %d times, want 1 (cached)", fetches)
	}
	if _, err := ks.For(t.Context(), store.ConnectedApp{ClientID: "none"}); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
}

// TestKeySetsVerifyCompactOnly: Verify (client assertions, request
// objects) takes the compact serialization only; the same JWS in the JSON
// serialization, correctly signed, is refused.
func TestKeySetsVerifyCompactOnly(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := store.ConnectedApp{ClientID: "c", ClientMetadata: store.ClientMetadata{JWKS: publicJWKS(t, &k.PublicKey, "k1")}, UpdatedAt: time.Now()}
	ks := &KeySets{}
	claims := map[string]any{"x": 1}
	if _, _, err := ks.Verify(t.Context(), c, assertion(t, k, jose.ES256, claims), AssertionAlgs); err != nil {
		t.Fatalf("compact: %v", err)
	}
	if _, _, err := ks.Verify(t.Context(), c, assertionJSON(t, k, jose.ES256, claims), AssertionAlgs); err == nil {
		t.Fatal("JSON serialization verified")
	}
}

// TestKeySetsInlineUpdate: a client's new jwks is used as soon as the
// client record changes.
func TestKeySetsInlineUpdate(t *testing.T) {
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks := &KeySets{}
	t0 := time.Now()
	c := store.ConnectedApp{ClientID: "c", ClientMetadata: store.ClientMetadata{JWKS: publicJWKS(t, &k1.PublicKey, "k1")}, UpdatedAt: t0}
	tok2 := assertion(t, k2, jose.ES256, map[string]any{"x": 1})
	if _, _, err := ks.Verify(t.Context(), c, tok2, AssertionAlgs); err == nil {
		t.Fatal("verified with a key the client does not have")
	}
	c.JWKS, c.UpdatedAt = publicJWKS(t, &k2.PublicKey, "k1"), t0.Add(time.Second)
	if _, _, err := ks.Verify(t.Context(), c, tok2, AssertionAlgs); err != nil {
		t.Fatalf("new key not used: %v", err)
	}
}

// TestKeySetsJWKSURIRotation: a kid the cached jwks_uri document lacks is
// fetched again (the client rotated), but at most once per minRefetch.
func TestKeySetsJWKSURIRotation(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serving, fetches := "old", 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches++
		if serving == "old" {
			w.Write(publicJWKS(t, &old.PublicKey, "old"))
		} else {
			w.Write(publicJWKS(t, &rotated.PublicKey, "k1")) // assertion() signs with kid k1
		}
	}))
	defer srv.Close()
	now := time.Now()
	ks := &KeySets{Now: func() time.Time { return now }}
	c := store.ConnectedApp{ClientID: "c", ClientMetadata: store.ClientMetadata{JWKSURI: srv.URL}}
	if _, err := ks.For(t.Context(), c); err != nil || fetches != 1 {
		t.Fatalf("first fetch: %v (%d fetches)", err, fetches)
	}
	serving = "rotated"
	tok := assertion(t, rotated, jose.ES256, map[string]any{"x": 1})
	now = now.Add(minRefetch)
	if _, _, err := ks.Verify(t.Context(), c, tok, AssertionAlgs); err != nil {
		t.Fatalf("token under the rotated key: %v", err)
	}
	if fetches != 2 {
		t.Errorf("fetches = %d, want 2 (one refetch for the unknown kid)", fetches)
	}
	// Within minRefetch a made-up kid fails without another fetch.
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: stranger, KeyID: "made-up"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, _ := signer.Sign([]byte(`{"x":1}`))
	madeUp, _ := jws.CompactSerialize()
	now = now.Add(time.Second)
	if _, _, err := ks.Verify(t.Context(), c, madeUp, AssertionAlgs); err == nil {
		t.Error("a made-up kid verified")
	}
	if fetches != 2 {
		t.Errorf("fetches = %d after a made-up kid within %s, want 2", fetches, minRefetch)
	}
}
