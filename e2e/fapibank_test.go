package e2e

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FAPIClient is one client registered at a FAPIBank. Fields left empty in
// the arguments of startFAPIBank are filled in: ClientID (random),
// AuthMethod (tls_client_auth), RedirectURI (https://rp.example/callback),
// Secret (for client_secret_basic), keys, JWKS, and for tls_client_auth
// Cert/SubjectDN.
type FAPIClient struct {
	ClientID    string
	Secret      string // client_secret_basic only
	AuthMethod  string // tls_client_auth | client_secret_basic | private_key_jwt
	RedirectURI string

	SigKey *rsa.PrivateKey // PS256, kid SigKID
	EncKey *rsa.PrivateKey // RSA-OAEP (A256CBC-HS512), kid EncKID
	SigKID string
	EncKID string
	// JWKS is the private JWKS JSON {"keys":[sig, enc]}; the public half is
	// registered as the client's jwks.
	JWKS []byte

	// tls_client_auth only: an ECDSA P-256 self-signed certificate whose
	// subject DN (RFC 4514, as pkix.Name.String writes it) is registered as
	// tls_client_auth_subject_dn.
	Cert      tls.Certificate
	CertPEM   []byte
	KeyPEM    []byte
	SubjectDN string
}

// FAPIBank is a running e2e/node/fapi_bank.mjs: oidc-provider 9 as an
// IDPartner-network FAPI 1.0 Final bank on one HTTPS listener.
type FAPIBank struct {
	Issuer   string // https://127.0.0.1:<port>, no trailing slash
	CAPEM    []byte // the self-signed server certificate (SAN 127.0.0.1)
	CAPool   *x509.CertPool
	Clients  []*FAPIClient
	Accounts map[string]map[string]any // login → claims (incl. payment_details)
	Login    string                    // the login Approve signs in as
	Log      *bytes.Buffer             // the node process's stderr
}

// fapiBankAccounts is the one default account, login "alice".
func fapiBankAccounts() map[string]map[string]any {
	return map[string]map[string]any{"alice": {
		"email":       "alice@example.com",
		"given_name":  "Alice",
		"family_name": "Anders",
		"birthdate":   "1990-04-01",
		"address": map[string]any{
			"street_address": "1 Main St", "locality": "Springfield",
			"region": "IL", "postal_code": "62701",
		},
		"payment_details": []any{map[string]any{
			"bankId": "125000024", "identifier": "1111222233330000",
			"identifierType": "ACCOUNT_NUMBER", "type": "US_ACH",
			"transferIn": true, "transferOut": true, "accountId": "acct-1",
		}},
	}}
}

// startFAPIBank starts the FAPI bank with the given clients (one default
// tls_client_auth client when none are given) and the default account
// "alice". It is skipped like the other Node e2e tests when e2e/node's
// packages are not installed, and stopped at cleanup.
func startFAPIBank(t *testing.T, clients ...FAPIClient) *FAPIBank {
	t.Helper()
	if len(clients) == 0 {
		clients = []FAPIClient{{}}
	}
	b := &FAPIBank{Accounts: fapiBankAccounts(), Login: "alice", Log: &bytes.Buffer{}}

	serverCert, serverKey := selfSigned(t, pkix.Name{CommonName: "fapi-bank"}, true)
	b.CAPEM = serverCert
	b.CAPool = x509.NewCertPool()
	b.CAPool.AppendCertsFromPEM(serverCert)

	var metadata []map[string]any
	for i := range clients {
		c := clients[i]
		fillFAPIClient(t, &c)
		b.Clients = append(b.Clients, &c)
		metadata = append(metadata, fapiClientMetadata(t, &c))
	}

	_, port, _ := net.SplitHostPort(freeAddr(t))
	portN, _ := strconv.Atoi(port)
	cfg, err := json.Marshal(map[string]any{
		"port": portN, "host": "127.0.0.1",
		"serverCert": string(serverCert), "serverKey": string(serverKey),
		"clients": metadata, "accounts": b.Accounts,
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := nodeScript(t, "fapi_bank.mjs", string(cfg))
	cmd.Stderr = b.Log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("fapi_bank.mjs did not exit within 10s")
		}
		if t.Failed() {
			t.Logf("fapi_bank.mjs stderr:\n%s", b.Log)
		}
	})

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if iss, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- iss
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case b.Issuer = <-ready:
	case <-exited:
		t.Fatalf("fapi_bank.mjs exited before READY:\n%s", b.Log)
	case <-time.After(30 * time.Second):
		t.Fatalf("fapi_bank.mjs not READY within 30s:\n%s", b.Log)
	}
	return b
}

// Client returns the registered client with that id, or nil.
func (b *FAPIBank) Client(clientID string) *FAPIClient {
	for _, c := range b.Clients {
		if c.ClientID == clientID {
			return c
		}
	}
	return nil
}

// HTTPClient trusts the bank's certificate and, when c is non-nil and has
// a certificate, presents it (mTLS). Redirects are not followed.
func (b *FAPIBank) HTTPClient(c *FAPIClient) *http.Client {
	cfg := &tls.Config{RootCAs: b.CAPool}
	if c != nil && c.Cert.Certificate != nil {
		cfg.Certificates = []tls.Certificate{c.Cert}
	}
	return &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: cfg},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Approve plays the person at the bank: it opens authURL (the
// authorization endpoint with request_uri), signs in as b.Login with any
// password on the devInteractions login page, confirms the consent page,
// and returns the URL the bank finally redirects to at a registered
// redirect_uri (not followed), e.g. https://rp.example/callback?response=….
func (b *FAPIBank) Approve(t *testing.T, authURL string) (callbackURL string) {
	t.Helper()
	hc := b.HTTPClient(nil)
	hc.Jar, _ = cookiejar.New(nil)
	isCallback := func(u string) bool {
		for _, c := range b.Clients {
			if strings.HasPrefix(u, c.RedirectURI+"?") || strings.HasPrefix(u, c.RedirectURI+"#") || u == c.RedirectURI {
				return true
			}
		}
		return false
	}
	return walkForms(t, hc, authURL, isCallback, func(_ []byte, form url.Values) {
		if form.Get("prompt") == "login" { // devInteractions' login page
			form.Set("login", b.Login)
			form.Set("password", "any password")
		}
	})
}

func fillFAPIClient(t *testing.T, c *FAPIClient) {
	t.Helper()
	if c.ClientID == "" {
		c.ClientID = randomID(16)
	}
	if c.AuthMethod == "" {
		c.AuthMethod = "tls_client_auth"
	}
	if c.RedirectURI == "" {
		c.RedirectURI = "https://rp.example/callback"
	}
	if c.AuthMethod == "client_secret_basic" && c.Secret == "" {
		c.Secret = randomID(48)
	}
	if c.SigKey == nil {
		c.SigKey = rsaKey(t)
	}
	if c.EncKey == nil {
		c.EncKey = rsaKey(t)
	}
	c.SigKID, c.EncKID = jwkThumbprint(t, &c.SigKey.PublicKey), jwkThumbprint(t, &c.EncKey.PublicKey)
	var err error
	c.JWKS, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: c.SigKey, KeyID: c.SigKID, Algorithm: "PS256", Use: "sig"},
		{Key: c.EncKey, KeyID: c.EncKID, Algorithm: "RSA-OAEP", Use: "enc"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthMethod == "tls_client_auth" && c.Cert.Certificate == nil {
		name := pkix.Name{CommonName: c.ClientID, Organization: []string{"Signet E2E RP"}, Country: []string{"US"}}
		c.CertPEM, c.KeyPEM = selfSigned(t, name, false)
		if c.Cert, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
			t.Fatal(err)
		}
		c.SubjectDN = name.String()
	}
}

// fapiClientMetadata is the registration of c, as IDPartner's node client
// configures itself (reference §3.1) with a JWKS.
func fapiClientMetadata(t *testing.T, c *FAPIClient) map[string]any {
	var pub jose.JSONWebKeySet
	if err := json.Unmarshal(c.JWKS, &pub); err != nil {
		t.Fatal(err)
	}
	for i, k := range pub.Keys {
		pub.Keys[i] = k.Public()
	}
	m := map[string]any{
		"client_id":                             c.ClientID,
		"redirect_uris":                         []string{c.RedirectURI},
		"response_types":                        []string{"code"},
		"grant_types":                           []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_method":            c.AuthMethod,
		"jwks":                                  pub,
		"require_pushed_authorization_requests": true,
		"request_object_signing_alg":            "PS256",
		"authorization_signed_response_alg":     "PS256",
		"authorization_encrypted_response_alg":  "RSA-OAEP",
		"authorization_encrypted_response_enc":  "A256CBC-HS512",
		"id_token_signed_response_alg":          "PS256",
		"id_token_encrypted_response_alg":       "RSA-OAEP",
		"id_token_encrypted_response_enc":       "A256CBC-HS512",
	}
	switch c.AuthMethod {
	case "client_secret_basic":
		m["client_secret"] = c.Secret
	case "private_key_jwt":
		m["token_endpoint_auth_signing_alg"] = "PS256"
	case "tls_client_auth":
		m["tls_client_auth_subject_dn"] = c.SubjectDN
		m["tls_client_certificate_bound_access_tokens"] = true
	}
	return m
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1 and returns
// the certificate and PKCS #8 key as PEM.
func selfSigned(t *testing.T, subject pkix.Name, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwkThumbprint(t *testing.T, pub *rsa.PublicKey) string {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestFAPIBankPeer proves the peer with plain net/http + go-jose: PAR with
// a PS256 request object under tls_client_auth, the person's approval, an
// encrypted and signed JARM, the token exchange, an encrypted ID token,
// and payment details with the bound certificate (401 without it).
func TestFAPIBankPeer(t *testing.T) {
	b := startFAPIBank(t, FAPIClient{}, FAPIClient{AuthMethod: "client_secret_basic"})
	c := b.Clients[0]
	mtls := b.HTTPClient(c)

	getJSON := func(hc *http.Client, u string, out any) {
		t.Helper()
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	postForm := func(u string, form url.Values, wantStatus int, out any) {
		t.Helper()
		resp, err := mtls.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("POST %s: %d, want %d: %s", u, resp.StatusCode, wantStatus, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("POST %s: %v: %s", u, err, body)
		}
	}

	var disc struct {
		Issuer         string `json:"issuer"`
		Authz          string `json:"authorization_endpoint"`
		PAR            string `json:"pushed_authorization_request_endpoint"`
		Token          string `json:"token_endpoint"`
		JWKS           string `json:"jwks_uri"`
		PaymentDetails string `json:"payment_details_info_endpoint"`
		CertBound      bool   `json:"tls_client_certificate_bound_access_tokens"`
		RequirePAR     bool   `json:"require_pushed_authorization_requests"`
	}
	getJSON(b.HTTPClient(nil), b.Issuer+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != b.Issuer || disc.PaymentDetails == "" || !disc.CertBound || !disc.RequirePAR {
		t.Fatalf("discovery: %+v", disc)
	}
	var bankKeys jose.JSONWebKeySet
	getJSON(b.HTTPClient(nil), disc.JWKS, &bankKeys)

	// PAR with a PS256 request object (§3.3), client authenticated by mTLS.
	state, nonce, verifier := randomID(32), randomID(32), randomID(32)
	challenge := sha256.Sum256([]byte(verifier))
	now := time.Now().Unix()
	ro, _ := json.Marshal(map[string]any{
		"iss": c.ClientID, "aud": b.Issuer, "client_id": c.ClientID, "jti": randomID(16),
		"iat": now, "nbf": now, "exp": now + 300,
		"response_type": "code", "response_mode": "jwt", "redirect_uri": c.RedirectURI,
		"scope": "openid email profile payment_details", "state": state, "nonce": nonce,
		"code_challenge": base64.RawURLEncoding.EncodeToString(challenge[:]), "code_challenge_method": "S256",
		"claims": `{"id_token":{"email":{"essential":true}},"userinfo":{"payment_details":null}}`,
	})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: c.SigKey},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt").WithHeader("kid", c.SigKID))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(ro)
	if err != nil {
		t.Fatal(err)
	}
	request, _ := jws.CompactSerialize()
	var par struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	postForm(disc.PAR, url.Values{"client_id": {c.ClientID}, "request": {request}}, http.StatusCreated, &par)

	// The sandbox shape (§1): client_secret_basic with plain PAR parameters.
	sb := b.Clients[1]
	sbReq, _ := http.NewRequest(http.MethodPost, disc.PAR, strings.NewReader(url.Values{
		"client_id": {sb.ClientID}, "response_type": {"code"}, "response_mode": {"jwt"}, "redirect_uri": {sb.RedirectURI},
		"scope": {"openid"}, "state": {state}, "nonce": {nonce}, "code_challenge_method": {"S256"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])},
	}.Encode()))
	sbReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sbReq.SetBasicAuth(url.QueryEscape(sb.ClientID), url.QueryEscape(sb.Secret))
	if resp, err := b.HTTPClient(nil).Do(sbReq); err != nil {
		t.Fatal(err)
	} else if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusCreated {
		t.Fatalf("client_secret_basic PAR: %d %s", resp.StatusCode, body)
	}

	// oidc-provider 9 requires client_id next to request_uri (RFC 9126
	// §4); IDPartner's node client sends request_uri alone (v8-era OP).
	cb, err := url.Parse(b.Approve(t, disc.Authz+"?"+url.Values{"client_id": {c.ClientID}, "request_uri": {par.RequestURI}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	// openJWT decrypts a nested JWE with the client's enc key and verifies
	// the inner PS256 JWS with the bank's keys.
	openJWT := func(what, jwe string) map[string]any {
		t.Helper()
		enc, err := jose.ParseEncryptedCompact(jwe, []jose.KeyAlgorithm{jose.RSA_OAEP}, []jose.ContentEncryption{jose.A256CBC_HS512})
		if err != nil {
			t.Fatalf("%s is not an RSA-OAEP/A256CBC-HS512 JWE: %v (%.80s)", what, err, jwe)
		}
		inner, err := enc.Decrypt(c.EncKey)
		if err != nil {
			t.Fatalf("%s: decrypt: %v", what, err)
		}
		sig, err := jose.ParseSignedCompact(string(inner), []jose.SignatureAlgorithm{jose.PS256})
		if err != nil {
			t.Fatalf("%s: inner JWS: %v", what, err)
		}
		payload, err := sig.Verify(bankKeys)
		if err != nil {
			t.Fatalf("%s: verify: %v", what, err)
		}
		var claims map[string]any
		json.Unmarshal(payload, &claims)
		if claims["iss"] != b.Issuer || !hasAud(claims["aud"], c.ClientID) {
			t.Fatalf("%s: iss/aud: %v", what, claims)
		}
		if exp, _ := claims["exp"].(float64); int64(exp) < time.Now().Unix() {
			t.Fatalf("%s: expired: %v", what, claims)
		}
		return claims
	}
	jarm := openJWT("JARM", cb.Query().Get("response"))
	code, _ := jarm["code"].(string)
	if jarm["state"] != state || code == "" {
		t.Fatalf("JARM claims: %v (callback %s)", jarm, cb)
	}

	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		IDToken     string `json:"id_token"`
		Scope       string `json:"scope"`
	}
	postForm(disc.Token, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURI},
		"code_verifier": {verifier}, "client_id": {c.ClientID},
	}, http.StatusOK, &tok)
	if tok.TokenType != "Bearer" || tok.AccessToken == "" {
		t.Fatalf("token response: %+v", tok)
	}
	idt := openJWT("ID token", tok.IDToken)
	acct := b.Accounts[b.Login]
	if idt["nonce"] != nonce || idt["email"] != acct["email"] || idt["given_name"] != acct["given_name"] || idt["sub"] == "" {
		t.Fatalf("ID token claims: %v", idt)
	}

	paymentDetails := func(hc *http.Client) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, disc.PaymentDetails, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	status, body := paymentDetails(mtls)
	var got, want any
	json.Unmarshal(body, &got)
	wb, _ := json.Marshal(acct["payment_details"])
	json.Unmarshal(wb, &want)
	if status != 200 || !reflect.DeepEqual(got, want) {
		t.Fatalf("payment details with the bound certificate: %d %s", status, body)
	}
	if status, body := paymentDetails(b.HTTPClient(nil)); status != http.StatusUnauthorized {
		t.Fatalf("payment details without a certificate: %d %s, want 401", status, body)
	}
	other := &FAPIClient{AuthMethod: "tls_client_auth", ClientID: "someone-else"}
	fillFAPIClient(t, other)
	if status, body := paymentDetails(b.HTTPClient(other)); status != http.StatusUnauthorized {
		t.Fatalf("payment details with another certificate: %d %s, want 401", status, body)
	}
}

func hasAud(aud any, clientID string) bool {
	switch a := aud.(type) {
	case string:
		return a == clientID
	case []any:
		for _, v := range a {
			if v == clientID {
				return true
			}
		}
	}
	return false
}
