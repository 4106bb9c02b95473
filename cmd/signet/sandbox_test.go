package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// startBank runs a sandbox bank in dir on free ports until the test ends
// (or stop is called).
func startBank(t *testing.T, dir string) (bank *sandboxBank, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bank, err := openSandboxBank(ctx, bankConfig{
		Dir: dir,
		Net: netConfig{Addr: "127.0.0.1:0", MTLSAddr: "127.0.0.1:0"},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- bank.serve(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		bank.close()
	}
	t.Cleanup(stop)
	return bank, stop
}

func TestSandboxBank(t *testing.T) {
	dir := t.TempDir()
	bank, stop := startBank(t, dir)
	rp := readRPFile(t, bank.RPFile)
	checkRPFile(t, rp, bank)

	md := discover(t, rp.Issuer)
	if md.PAR == "" || md.Aliases.Token != rp.MTLSBaseURL+strings.TrimPrefix(md.Token, rp.Issuer) ||
		md.Aliases.PAR != rp.MTLSBaseURL+strings.TrimPrefix(md.PAR, rp.Issuer) {
		t.Errorf("discovery lacks PAR or mTLS aliases: %+v", md)
	}
	t.Run("basic client authenticates", func(t *testing.T) {
		c := rp.Clients["basic"]
		if got := tokenError(t, http.DefaultClient, md.Token, c, c.ClientSecret); got != "invalid_grant" {
			t.Errorf("wrong code: error %q, want invalid_grant", got)
		}
		if got := tokenError(t, http.DefaultClient, md.Token, c, "wrong"); got != "invalid_client" {
			t.Errorf("wrong secret: error %q, want invalid_client", got)
		}
	})
	t.Run("mtls client authenticates", func(t *testing.T) {
		c := rp.Clients["mtls"]
		if got := tokenError(t, mtlsClient(t, rp, c), md.Aliases.Token, c, ""); got != "invalid_grant" {
			t.Errorf("wrong code: error %q, want invalid_grant", got)
		}
	})
	t.Run("login page is branded", func(t *testing.T) { checkBrandedLogin(t, rp, md) })

	// A restart reuses everything: same clients, same secrets.
	stop()
	again, _ := startBank(t, dir)
	rp2 := readRPFile(t, again.RPFile)
	for name, c := range rp.Clients {
		c2 := rp2.Clients[name]
		if c2.ClientID != c.ClientID || c2.ClientSecret != c.ClientSecret || string(c2.JWKS) != string(c.JWKS) || c2.TLSClientCert != c.TLSClientCert {
			t.Errorf("client %s changed across a restart", name)
		}
	}
	md2 := discover(t, rp2.Issuer)
	if got := tokenError(t, http.DefaultClient, md2.Token, rp2.Clients["basic"], rp2.Clients["basic"].ClientSecret); got != "invalid_grant" {
		t.Errorf("after restart, wrong code: error %q, want invalid_grant", got)
	}
	for _, u := range testCustomers {
		if _, err := again.st.UserByEmail(context.Background(), stateProject(t, dir), u.email()); err != nil {
			t.Errorf("customer %s after restart: %v", u.login, err)
		}
	}
}

func readRPFile(t *testing.T, path string) rpFile {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rp rpFile
	if err := json.Unmarshal(b, &rp); err != nil {
		t.Fatal(err)
	}
	return rp
}

func stateProject(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, bankStateFile))
	if err != nil {
		t.Fatal(err)
	}
	var s bankState
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s.ProjectID
}

// checkRPFile: the file names the bound addresses, pins the server
// certificate, and has every client's credentials and nothing more.
func checkRPFile(t *testing.T, rp rpFile, bank *sandboxBank) {
	t.Helper()
	if rp.Issuer != bank.net.issuer || rp.MTLSBaseURL != bank.net.mtlsBase || rp.MTLSBaseURL == "" {
		t.Errorf("issuer %q mtls %q, want %q %q", rp.Issuer, rp.MTLSBaseURL, bank.net.issuer, bank.net.mtlsBase)
	}
	blk, _ := pem.Decode([]byte(rp.TLSServerCA))
	if blk == nil {
		t.Fatal("tls_server_ca is not PEM")
	}
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if err := ca.VerifyHostname(host); err != nil {
			t.Errorf("server certificate: %v", err)
		}
	}
	if len(rp.TestUsers) != len(testCustomers) {
		t.Errorf("test users: %+v", rp.TestUsers)
	}
	want := map[string]struct {
		method            string
		secret, jwks, tls bool
	}{
		"basic":           {"client_secret_basic", true, true, false},
		"mtls":            {"tls_client_auth", false, true, true},
		"private_key_jwt": {"private_key_jwt", false, true, false},
		"plain":           {"client_secret_basic", true, false, false},
		"mtls_plain":      {"tls_client_auth", false, false, true},
	}
	if len(rp.Clients) != len(want) {
		t.Errorf("clients: %v", rp.Clients)
	}
	for name, w := range want {
		c := rp.Clients[name]
		if c.ClientID == "" || c.TokenEndpointAuthMethod != w.method || len(c.RedirectURIs) != len(defaultRPRedirects) {
			t.Errorf("client %s: %+v", name, c)
		}
		if (c.ClientSecret != "") != w.secret || (c.JWKS != nil) != w.jwks || (c.TLSClientCert != "" && c.TLSClientKey != "") != w.tls {
			t.Errorf("client %s: secret/jwks/certificate presence wrong", name)
		}
		if w.jwks {
			checkPrivateJWKS(t, c.JWKS)
		}
	}
}

// checkPrivateJWKS: a PS256 signing and an RSA-OAEP encryption key, both
// private, kids their RFC 7638 thumbprints.
func checkPrivateJWKS(t *testing.T, raw json.RawMessage) {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range set.Keys {
		got = append(got, k["use"]+"/"+k["alg"])
		if k["d"] == "" || k["kty"] != "RSA" {
			t.Errorf("key %s is not a private RSA key", k["kid"])
		}
		tp := sha256.Sum256([]byte(`{"e":"` + k["e"] + `","kty":"RSA","n":"` + k["n"] + `"}`))
		if k["kid"] != base64.RawURLEncoding.EncodeToString(tp[:]) {
			t.Errorf("kid %s is not the RFC 7638 thumbprint", k["kid"])
		}
	}
	if strings.Join(got, ",") != "sig/PS256,enc/RSA-OAEP" {
		t.Errorf("keys %v", got)
	}
}

type metadata struct {
	Token   string `json:"token_endpoint"`
	PAR     string `json:"pushed_authorization_request_endpoint"`
	Authz   string `json:"authorization_endpoint"`
	Aliases struct {
		Token string `json:"token_endpoint"`
		PAR   string `json:"pushed_authorization_request_endpoint"`
	} `json:"mtls_endpoint_aliases"`
}

func discover(t *testing.T, issuer string) metadata {
	t.Helper()
	var md metadata
	getJSON(t, http.DefaultClient, issuer+"/.well-known/openid-configuration", &md)
	return md
}

func getJSON(t *testing.T, hc *http.Client, u string, out any) {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// tokenError redeems a made-up code and returns the OAuth error: a client
// that authenticated gets invalid_grant, one that did not invalid_client.
func tokenError(t *testing.T, hc *http.Client, endpoint string, c rpClient, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"no-such-code"},
		"redirect_uri": {c.RedirectURIs[0]}, "code_verifier": {strings.Repeat("v", 43)}}
	if secret == "" {
		form.Set("client_id", c.ClientID)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(secret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	return e.Error
}

// mtlsClient presents c's certificate and trusts the RP file's server CA.
func mtlsClient(t *testing.T, rp rpFile, c rpClient) *http.Client {
	t.Helper()
	cert, err := tls.X509KeyPair([]byte(c.TLSClientCert), []byte(c.TLSClientKey))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(rp.TLSServerCA)) {
		t.Fatal("tls_server_ca: no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12,
	}}}
}

// checkBrandedLogin pushes a request for the plain client (PAR is
// required) and opens the hosted login page: it must carry the bank's
// header and stylesheet, and that stylesheet the bank's colour.
func checkBrandedLogin(t *testing.T, rp rpFile, md metadata) {
	c := rp.Clients["plain"]
	form := url.Values{"response_type": {"code"}, "client_id": {c.ClientID}, "redirect_uri": {c.RedirectURIs[0]},
		"scope": {"openid email"}, "state": {"s1"}, "nonce": {"n1"}, "response_mode": {"jwt"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	req, _ := http.NewRequest(http.MethodPost, md.PAR, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var par struct {
		RequestURI string `json:"request_uri"`
		Error      string `json:"error"`
		Desc       string `json:"error_description"`
	}
	json.NewDecoder(resp.Body).Decode(&par)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || par.RequestURI == "" {
		t.Fatalf("PAR = %d %+v", resp.StatusCode, par)
	}
	page := getBody(t, md.Authz+"?"+url.Values{"client_id": {c.ClientID}, "request_uri": {par.RequestURI}}.Encode())
	for _, want := range []string{`<header class="brand">`, `<span class="brand-name">Signet Sandbox Bank</span>`, "Secured by Signet", `name="password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	css := regexp.MustCompile(`href="(/assets/brand\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatalf("login page links no brand stylesheet:\n%s", page)
	}
	if got := getBody(t, rp.Issuer+css[1]); !strings.Contains(got, "--accent: "+bankBranding.PrimaryColor) {
		t.Errorf("brand stylesheet: %s", got)
	}
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", u, resp.StatusCode, b)
	}
	return string(b)
}
