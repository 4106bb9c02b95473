package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// openid-client 5.6 (what IDPartner's node client wraps), configured
// exactly as that client configures it (reference idpartner-protocol.md
// §3.1), completes the bank flow against Signet's sandbox bank with each
// way of authenticating: PAR with a PS256 request object, response_mode
// jwt with encrypted JARM and ID token, then userinfo, payment details
// and a refresh (e2e/node/bank_openid_client.mjs).
func TestOpenIDClientAgainstSandboxBank(t *testing.T) {
	nodeScript(t, "bank_openid_client.mjs") // skips early without the npm packages
	bank := startSandboxBank(t)
	user := bank.TestUsers[0]
	// private_key_jwt_dpop is the private_key_jwt client using DPoP (RFC
	// 9449) through openid-client's own support: its tokens are DPoP-bound.
	for _, name := range []string{"basic", "mtls", "private_key_jwt", "plain", "mtls_plain", "private_key_jwt_dpop"} {
		t.Run(name, func(t *testing.T) {
			useDPoP := strings.HasSuffix(name, "_dpop")
			c := bank.Clients[strings.TrimSuffix(name, "_dpop")]
			cfg := map[string]any{
				"dpop":   useDPoP,
				"issuer": bank.Issuer,
				"ca":     bank.TLSServerCA,
				"scope":  "openid offline_access email profile address payment_details",
				"prompt": "consent",
				"claims": map[string]any{"id_token": map[string]any{"email": map[string]any{"essential": true}}, "userinfo": map[string]any{"payment_details": nil}},
				"login":  map[string]string{"email": user.Email, "password": user.Password},
				"client": map[string]any{
					"client_id": c.ClientID, "client_secret": c.ClientSecret,
					"token_endpoint_auth_method": c.TokenEndpointAuthMethod, "redirect_uri": c.RedirectURIs[0],
					"jwks": c.JWKS, "tls_client_cert": c.TLSClientCert, "tls_client_key": c.TLSClientKey,
				},
			}
			arg, _ := json.Marshal(cfg)
			cmd := nodeScript(t, "bank_openid_client.mjs", string(arg))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("bank_openid_client.mjs: %v\n%s", err, stderr.String())
			}
			var got struct {
				IDToken        map[string]any   `json:"idToken"`
				UserInfo       map[string]any   `json:"userinfo"`
				PaymentDetails []map[string]any `json:"paymentDetails"`
				Refreshed      *struct {
					Rotated bool `json:"rotated"`
				} `json:"refreshed"`
				AccessToken   string `json:"accessToken"`
				TokenType     string `json:"tokenType"`
				JARMEncrypted bool   `json:"jarmEncrypted"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			// The node client's basicUserInfo reads the ID token (§3.8).
			if got.IDToken["email"] != user.Email || got.IDToken["given_name"] == nil || got.IDToken["birthdate"] == nil {
				t.Errorf("ID token claims = %v", got.IDToken)
			}
			if got.UserInfo["sub"] != got.IDToken["sub"] || got.UserInfo["address"] == nil {
				t.Errorf("userinfo = %v", got.UserInfo)
			}
			if len(got.PaymentDetails) == 0 || got.PaymentDetails[0]["bankId"] == nil || got.PaymentDetails[0]["identifierType"] != "ACCOUNT_NUMBER" {
				t.Errorf("payment details = %v", got.PaymentDetails)
			}
			if got.Refreshed == nil || !got.Refreshed.Rotated {
				t.Errorf("refresh = %+v, want a rotated refresh token", got.Refreshed)
			}
			if got.JARMEncrypted != (len(c.JWKS) > 0) {
				t.Errorf("JARM encrypted = %v, client has JWKS = %v", got.JARMEncrypted, len(c.JWKS) > 0)
			}
			if c.TokenEndpointAuthMethod == "tls_client_auth" {
				checkBoundToken(t, bank, got.AccessToken)
			}
			if useDPoP != strings.EqualFold(got.TokenType, "DPoP") {
				t.Errorf("token_type = %q, DPoP used = %v", got.TokenType, useDPoP)
			}
			if useDPoP {
				checkDPoPBoundToken(t, bank, got.AccessToken)
			}
		})
	}
}

// checkBoundToken presents a certificate-bound access token without its
// certificate and with another one: both are refused (RFC 8705 §3).
func checkBoundToken(t *testing.T, bank *SandboxBank, accessToken string) {
	t.Helper()
	for _, tc := range []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"no certificate", http.DefaultClient, bank.Issuer + "/v1/oauth2/payment_details"},
		{"another certificate", bank.mtlsClient(t, strangerCert(t)), bank.MTLSBaseURL + "/v1/oauth2/payment_details"},
		{"another certificate at userinfo", bank.mtlsClient(t, strangerCert(t)), bank.MTLSBaseURL + "/v1/oauth2/userinfo"},
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		req.Header.Set("Authorization", "Bearer "+accessToken)
		resp, err := tc.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("%s: status %d, WWW-Authenticate %q; want 401 invalid_token", tc.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// checkDPoPBoundToken presents a DPoP-bound access token without a proof,
// as Bearer and as DPoP: both are refused (RFC 9449 §7.1).
func checkDPoPBoundToken(t *testing.T, bank *SandboxBank, accessToken string) {
	t.Helper()
	for _, scheme := range []string{"Bearer", "DPoP"} {
		req, _ := http.NewRequest(http.MethodGet, bank.Issuer+"/v1/oauth2/userinfo", nil)
		req.Header.Set("Authorization", scheme+" "+accessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without a proof: status %d, want 401", scheme, resp.StatusCode)
		}
	}
}

// The bank refuses what a FAPI OP must refuse, seen from outside: request
// objects that were tampered with, expired or replayed, a request_uri
// used again after its authorization completed, and a tls_client_auth client presenting the wrong certificate.
func TestSandboxBankRefuses(t *testing.T) {
	bank := startSandboxBank(t)
	c := bank.Clients["basic"]
	signer := bank.requestSigner(t, c)
	par := func(t *testing.T, request string) (int, map[string]any) {
		form := url.Values{"client_id": {c.ClientID}, "request": {request}}
		req, _ := http.NewRequest(http.MethodPost, bank.Issuer+"/oauth2/par", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
		return doJSON(t, http.DefaultClient, req)
	}
	claims := func(mod func(map[string]any)) map[string]any {
		now := time.Now().Unix()
		m := map[string]any{
			"iss": c.ClientID, "aud": bank.Issuer, "client_id": c.ClientID, "response_type": "code",
			"redirect_uri": c.RedirectURIs[0], "scope": "openid email", "state": randString(), "nonce": randString(),
			"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
			"response_mode": "jwt", "jti": randString(), "iat": now, "nbf": now, "exp": now + 300,
		}
		if mod != nil {
			mod(m)
		}
		return m
	}

	t.Run("tampered request object", func(t *testing.T) {
		parts := strings.Split(signer(t, claims(nil)), ".")
		other := strings.Split(signer(t, claims(func(m map[string]any) { m["scope"] = "openid payment_details" })), ".")
		tampered := parts[0] + "." + other[1] + "." + parts[2] // another payload under the first signature
		if code, body := par(t, tampered); code != 400 || body["error"] != "invalid_request_object" {
			t.Errorf("= %d %v", code, body)
		}
	})
	t.Run("expired request object", func(t *testing.T) {
		past := time.Now().Add(-time.Hour).Unix()
		ro := signer(t, claims(func(m map[string]any) { m["iat"], m["nbf"], m["exp"] = past-60, past-60, past }))
		if code, body := par(t, ro); code != 400 || body["error"] != "invalid_request_object" {
			t.Errorf("= %d %v", code, body)
		}
	})
	t.Run("replayed request object", func(t *testing.T) {
		ro := signer(t, claims(nil))
		if code, body := par(t, ro); code != 201 {
			t.Fatalf("first push = %d %v", code, body)
		}
		if code, body := par(t, ro); code != 400 || body["error"] != "invalid_request_object" {
			t.Errorf("replay = %d %v", code, body)
		}
	})
	t.Run("request_uri reloads until completed, then is refused", func(t *testing.T) {
		code, body := par(t, signer(t, claims(nil)))
		if code != 201 || body["expires_in"].(float64) > 60 {
			t.Fatalf("push = %d %v", code, body)
		}
		u := bank.Issuer + "/oauth2/authorize?client_id=" + url.QueryEscape(c.ClientID) + "&request_uri=" + url.QueryEscape(body["request_uri"].(string))
		b := newBrowser(t)
		// RFC 9126 §4: a reload of the sign-in page shows it again.
		var login *page
		for i := range 2 {
			if login = b.get(u); login.status != 200 || !login.isForm("/oauth2/authorize/login") {
				t.Fatalf("showing %d: %d\n%s", i+1, login.status, login.body)
			}
		}
		email, password := sandboxUser(t, bank, bank.TestUsers[0].Email)
		p := b.submit(login, url.Values{"email": {email}, "password": {password}})
		if p.status == 200 && p.isForm("/oauth2/authorize/consent") {
			p = b.submit(p, url.Values{"decision": {"allow"}})
		}
		if q := p.redirect(t, c.RedirectURIs[0]); q.Get("response") == "" {
			t.Fatalf("no JARM response: %v", q)
		}
		// Used once: after completion, a page (never a redirect), in
		// this browser and any other.
		for _, again := range []*page{b.get(u), newBrowser(t).get(u)} {
			if again.status != http.StatusConflict || again.header.Get("Location") != "" {
				t.Errorf("after completion: %d %q", again.status, again.header.Get("Location"))
			}
		}
	})
	t.Run("a browser at the root gets a page", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, bank.Issuer+"/", nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		p := newBrowser(t).do(req)
		if p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || !strings.Contains(p.body, "Sandbox Bank") {
			t.Errorf("GET / from a browser = %d %s\n%s", p.status, p.header.Get("Content-Type"), p.body)
		}
	})
	t.Run("wrong client certificate", func(t *testing.T) {
		m := bank.Clients["mtls"]
		form := url.Values{"client_id": {m.ClientID}, "grant_type": {"authorization_code"}, "code": {"nope"},
			"redirect_uri": {m.RedirectURIs[0]}, "code_verifier": {randString() + randString()}}
		for name, cert := range map[string]*tls.Certificate{"stranger": strangerCert(t), "none": nil} {
			req, _ := http.NewRequest(http.MethodPost, bank.MTLSBaseURL+"/v1/oauth2/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if code, body := doJSON(t, bank.mtlsClient(t, cert), req); code != 401 || body["error"] != "invalid_client" {
				t.Errorf("%s: = %d %v, want 401 invalid_client", name, code, body)
			}
		}
	})
}

// requestSigner signs request objects with the client's PS256 key from
// its private JWKS, as the node client does (§3.3).
func (b *SandboxBank) requestSigner(t *testing.T, c SandboxClient) func(*testing.T, map[string]any) string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(c.JWKS, &set); err != nil {
		t.Fatal(err)
	}
	var key *jose.JSONWebKey
	for i, k := range set.Keys {
		if k.Use == "sig" {
			key = &set.Keys[i]
		}
	}
	if key == nil {
		t.Fatal("client has no signing key")
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: key},
		(&jose.SignerOptions{}).WithType("oauth-authz-req+jwt").WithHeader("kid", key.KeyID))
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, claims map[string]any) string {
		b, _ := json.Marshal(claims)
		obj, err := sig.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		s, err := obj.CompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// mtlsClient trusts the bank's mTLS listener and presents cert (if any).
func (b *SandboxBank) mtlsClient(t *testing.T, cert *tls.Certificate) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(b.TLSServerCA)) {
		t.Fatal("tls_server_ca holds no certificate")
	}
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// strangerCert is a self-signed client certificate no client registered.
func strangerCert(t *testing.T) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "sandbox-rp-mtls", Organization: []string{"Mallory"}},
		NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func doJSON(t *testing.T, c *http.Client, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: status %d, body %q is not JSON", req.Method, req.URL, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func randString() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// A fapi2 client with DPoP-bound tokens, driven by openid-client 5.6.5:
// its default client assertion aud ([issuer, token_endpoint]) is refused
// at PAR (FAPI 2.0 SP §5.3.2.1-8); with aud the issuer the flow completes,
// with DPoP-bound tokens, and the refresh token is not rotated
// (§5.3.2.1-9).
func TestOpenIDClientFAPI2DPoP(t *testing.T) {
	nodeScript(t, "bank_openid_client.mjs") // skips early without the npm packages
	bank := startSandboxBank(t)
	user := bank.TestUsers[0]
	c := bank.Clients["private_key_jwt"]
	var state struct {
		ProjectID     string `json:"project_id"`
		ProjectSecret string `json:"project_secret"`
	}
	b, err := os.ReadFile(filepath.Join(bank.Dir, "sandbox-bank.json"))
	if err != nil || json.Unmarshal(b, &state) != nil {
		t.Fatalf("sandbox state: %v", err)
	}
	body := strings.NewReader(`{"security_profile":"fapi2","dpop_bound_access_tokens":true}`)
	req, _ := http.NewRequest(http.MethodPut, bank.Issuer+"/v1/connected_apps/clients/"+c.ClientID, body)
	req.SetBasicAuth(state.ProjectID, state.ProjectSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("make the client fapi2: %d %s", resp.StatusCode, out)
	}
	run := func(issuerAudience bool) ([]byte, string, error) {
		cfg := map[string]any{
			"issuer": bank.Issuer, "ca": bank.TLSServerCA, "dpop": true, "issuer_audience": issuerAudience,
			"scope": "openid offline_access email", "prompt": "consent",
			"login": map[string]string{"email": user.Email, "password": user.Password},
			"client": map[string]any{
				"client_id": c.ClientID, "token_endpoint_auth_method": c.TokenEndpointAuthMethod,
				"redirect_uri": c.RedirectURIs[0], "jwks": c.JWKS,
			},
		}
		arg, _ := json.Marshal(cfg)
		cmd := nodeScript(t, "bank_openid_client.mjs", string(arg))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return out, stderr.String(), err
	}
	if _, stderr, err := run(false); err == nil || !strings.Contains(stderr, "invalid_client") {
		t.Errorf("aud [issuer, token_endpoint]: err %v, stderr %s; want invalid_client at PAR", err, stderr)
	}
	stdout, stderr, err := run(true)
	if err != nil {
		t.Fatalf("aud issuer: %v\n%s", err, stderr)
	}
	var got struct {
		TokenType string `json:"tokenType"`
		Refreshed *struct {
			Rotated bool `json:"rotated"`
		} `json:"refreshed"`
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	if !strings.EqualFold(got.TokenType, "DPoP") || got.Refreshed == nil || got.Refreshed.Rotated {
		t.Errorf("token_type %q, refresh %+v; want DPoP and the same refresh token", got.TokenType, got.Refreshed)
	}
}
