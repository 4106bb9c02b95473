package e2e

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/signet-id/signet/rp/rptest"
)

// The person's and the application's side of a bank verification, for
// verify_test.go: registering banks in Signet's project, walking the
// sign-in page, the account selector and the bank with a browser that
// keeps cookies and stops at every redirect, and the application that
// started it (x/oauth2 for the code flow with PKCE, go-oidc for the ID
// token).

const (
	callbackPath = "/verify/callback" // Signet's redirect URI at every bank
	appRedirect  = "https://app.example/callback"
	apiRedirect  = "https://app.example/verified" // the API flow's redirect_url
)

// addBank registers a bank in s's project and returns its bank_id. The
// answer must name Signet's callback as the redirect URI to register at
// the bank.
func (s *Server) addBank(t *testing.T, spec map[string]any) string {
	t.Helper()
	var out struct {
		Bank struct {
			BankID      string `json:"bank_id"`
			RedirectURI string `json:"redirect_uri"`
		} `json:"bank"`
	}
	if code := s.call(t, "POST", "/v1/banks", spec, &out); code != http.StatusOK {
		t.Fatalf("POST /v1/banks %v = %d", spec["display_name"], code)
	}
	if out.Bank.RedirectURI != s.URL+callbackPath {
		t.Errorf("bank.redirect_uri = %q, want %s", out.Bank.RedirectURI, s.URL+callbackPath)
	}
	return out.Bank.BankID
}

// fakeBank starts an rptest bank (in this process, plain HTTP on
// loopback) whose client for Signet has a key set, so the request object
// is signed and the JARM and ID token come encrypted, and registers it in
// s's project as name.
func (s *Server) fakeBank(t *testing.T, name string, opts rptest.Options) (*rptest.Server, string) {
	t.Helper()
	private, public := rptest.GenerateJWKS(t)
	return s.fakeBankKeys(t, name, opts, private, public)
}

// fakeBankKeys is fakeBank with Signet's key set at the bank given (the
// private set for Signet, the public one for the bank).
func (s *Server) fakeBankKeys(t *testing.T, name string, opts rptest.Options, private, public []byte) (*rptest.Server, string) {
	t.Helper()
	bank := rptest.NewServer(t, opts)
	clientID, secret := "signet-"+random(), random()
	bank.RegisterClient(rptest.Client{ID: clientID, Secret: secret, AuthMethod: "client_secret_basic",
		RedirectURIs: []string{s.URL + callbackPath}, JWKS: public})
	return bank, s.addBank(t, map[string]any{"issuer": bank.Issuer(), "display_name": name, "client_id": clientID,
		"auth_method": "client_secret_basic", "client_secret": secret, "jwks": json.RawMessage(private)})
}

// addSandboxBank registers the sandbox bank's "basic" client (client
// secret, PS256 request objects, encrypted JARM and ID tokens) in s's
// project as "Sandbox Bank". The bank must have been started with
// --rp-redirect naming s's callback.
func (s *Server) addSandboxBank(t *testing.T, bank *SandboxBank) string {
	t.Helper()
	c, ok := bank.Clients["basic"]
	if !ok || !slices.Contains(c.RedirectURIs, s.URL+callbackPath) {
		t.Fatalf("sandbox client basic = %+v; want one registered for %s", c, s.URL+callbackPath)
	}
	return s.addBank(t, map[string]any{"issuer": bank.Issuer, "display_name": "Sandbox Bank", "client_id": c.ClientID,
		"auth_method": c.TokenEndpointAuthMethod, "client_secret": c.ClientSecret, "jwks": c.JWKS})
}

// sandboxUser is the sandbox bank's test customer with this email.
func sandboxUser(t *testing.T, bank *SandboxBank, email string) (string, string) {
	t.Helper()
	for _, u := range bank.TestUsers {
		if u.Email == email {
			return u.Email, u.Password
		}
	}
	t.Fatalf("sandbox bank has no test user %s", email)
	return "", ""
}

// userCount is how many users s's project has (POST /v1/users/search).
func (s *Server) userCount(t *testing.T) int {
	t.Helper()
	var out struct {
		Results []map[string]any `json:"results"`
	}
	if code := s.call(t, "POST", "/v1/users/search", map[string]any{"limit": 100}, &out); code != http.StatusOK {
		t.Fatalf("users/search = %d", code)
	}
	return len(out.Results)
}

// oidcApp is an application of s's project signing people in with
// Signet: a confidential third-party Connected App.
type oidcApp struct {
	issuer   string
	conf     *oauth2.Config
	provider *oidc.Provider
}

func (s *Server) oidcApp(t *testing.T) *oidcApp {
	t.Helper()
	provider, err := oidc.NewProvider(t.Context(), s.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ca := s.connectedApp(t, "third_party", appRedirect)
	return &oidcApp{issuer: s.URL, provider: provider, conf: &oauth2.Config{
		ClientID: ca.ClientID, ClientSecret: ca.ClientSecret, Endpoint: provider.Endpoint(), RedirectURL: appRedirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"},
	}}
}

// authRequest is one authorization request of the app and its secrets.
type authRequest struct {
	URL, State, Nonce, Verifier string
}

func (a *oidcApp) request() authRequest {
	r := authRequest{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	r.URL = a.conf.AuthCodeURL(r.State, oidc.Nonce(r.Nonce), oauth2.S256ChallengeOption(r.Verifier))
	return r
}

// signIn is the app receiving the person back: it checks state and iss
// (RFC 9207), exchanges the code with the PKCE verifier, and verifies the
// ID token with go-oidc (signature against Signet's JWKS, issuer,
// audience, expiry, nonce, at_hash).
func (a *oidcApp) signIn(t *testing.T, req authRequest, cb url.Values) (*oidc.IDToken, *oauth2.Token) {
	t.Helper()
	if cb.Get("state") != req.State || cb.Get("iss") != a.issuer || cb.Get("code") == "" {
		t.Fatalf("application got %v", cb)
	}
	tok, err := a.conf.Exchange(t.Context(), cb.Get("code"), oauth2.VerifierOption(req.Verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.provider.Verifier(&oidc.Config{ClientID: a.conf.ClientID}).Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != req.Nonce {
		t.Errorf("ID token nonce = %q, want %q", idt.Nonce, req.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	return idt, tok
}

var (
	postFormRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	continueRE = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]+)">`)
	alertRE    = regexp.MustCompile(`(?s)<p class="alert" role="alert"[^>]*>(.*?)</p>`)
)

// hasForm reports whether p has a form posting to a path ending in action.
func (p *page) hasForm(action string) bool {
	for _, m := range postFormRE.FindAllStringSubmatch(p.body, -1) {
		if a, _, _ := strings.Cut(html.UnescapeString(m[1]), "?"); strings.HasSuffix(a, action) {
			return true
		}
	}
	return false
}

// submitTo posts p's form whose action path ends in action: its hidden
// fields, then fields (which win, as a pressed button's name and value).
func (b *browser) submitTo(p *page, action string, fields url.Values) *page {
	b.t.Helper()
	for _, m := range postFormRE.FindAllStringSubmatch(p.body, -1) {
		raw := html.UnescapeString(m[1])
		if a, _, _ := strings.Cut(raw, "?"); !strings.HasSuffix(a, action) {
			continue
		}
		to, err := p.url.Parse(raw)
		if err != nil {
			b.t.Fatalf("form action %q: %v", raw, err)
		}
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			form.Set(h[1], html.UnescapeString(h[2]))
		}
		for k, v := range fields {
			form[k] = v
		}
		req, _ := http.NewRequest(http.MethodPost, to.String(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}
	b.t.Fatalf("%s (%d) has no form posting to %s:\n%s", p.url, p.status, action, p.body)
	return nil
}

// location is where p redirects to, resolved against its URL; "" when p
// is no redirect.
func (p *page) location() string {
	loc := p.header.Get("Location")
	if p.status/100 != 3 || loc == "" {
		return ""
	}
	u, err := p.url.Parse(loc)
	if err != nil {
		return ""
	}
	return u.String()
}

// continueTo is the address p's "continue" document (a meta refresh)
// sends the browser to, resolved against its URL; "" when p is none.
func (p *page) continueTo() string {
	m := continueRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		return ""
	}
	u, err := p.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return ""
	}
	return u.String()
}

// alert is the text of the page's alert (the sign-in page's message).
func (p *page) alert() string {
	m := alertRE.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// chooseBank plays the person from the application's authorization URL to
// the bank: the sign-in page's "Verify with your bank", the account
// selector, and bankID in it. It returns Signet's answer to the choice
// (GET /verify/selected): a 303 to the bank, or a page when Signet could
// not send the browser there.
func chooseBank(t *testing.T, b *browser, authURL, bankID string) *page {
	t.Helper()
	login := b.get(authURL)
	if login.status != http.StatusOK {
		t.Fatalf("sign-in page: %d\n%s", login.status, login.body)
	}
	return chooseBankFrom(t, b, login, bankID)
}

// chooseBankFrom is chooseBank from the sign-in page login (which may be
// the page shown again after a failed verification, with its status).
func chooseBankFrom(t *testing.T, b *browser, login *page, bankID string) *page {
	t.Helper()
	if !login.hasForm("/oauth2/authorize/bank") || !strings.Contains(login.body, "Verify with your bank") {
		t.Fatalf("sign-in page (%d) has no \"Verify with your bank\":\n%s", login.status, login.body)
	}
	toSelector := b.submitTo(login, "/oauth2/authorize/bank", nil)
	if loc := toSelector.location(); toSelector.status != http.StatusSeeOther || !strings.Contains(loc, "/select-bank?") {
		t.Fatalf("Verify with your bank: %d %q\n%s", toSelector.status, loc, toSelector.body)
	}
	selector := b.get(toSelector.location())
	if selector.status != http.StatusOK || !strings.Contains(selector.body, `value="`+bankID+`"`) {
		t.Fatalf("selector (%d) does not offer bank %s:\n%s", selector.status, bankID, selector.body)
	}
	chosen := b.submitTo(selector, "/select-bank", url.Values{"bank_id": {bankID}})
	if loc := chosen.location(); chosen.status != http.StatusSeeOther || !strings.Contains(loc, "/verify/selected?") {
		t.Fatalf("choice: %d %q\n%s", chosen.status, loc, chosen.body)
	}
	return b.get(chosen.location())
}

// bankURL checks p sends the browser to the bank at issuer and returns
// where.
func bankURL(t *testing.T, p *page, issuer string) string {
	t.Helper()
	loc := p.location()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, issuer+"/") || !strings.Contains(loc, "request_uri=") {
		t.Fatalf("want a 303 to the bank at %s with a request_uri, got %d %q\n%s", issuer, p.status, loc, p.body)
	}
	return loc
}

// atFakeBank has the rptest bank answer the authorization URL p sends the
// browser to, and returns its redirect to Signet's callback.
func atFakeBank(t *testing.T, bank *rptest.Server, p *page) string {
	t.Helper()
	cb, err := bank.Authorize(bankURL(t, p, bank.Issuer()))
	if err != nil {
		t.Fatalf("at the fake bank: %v", err)
	}
	return cb
}

// atSandbox plays the person at the sandbox bank with b, from the
// authorization URL p sends the browser to: it signs in with email and
// password (when asked) and answers the consent page (when shown) with
// decision ("allow" or "deny"). It returns the bank's redirect to
// Signet's callback, not followed.
func atSandbox(t *testing.T, b *browser, bank *SandboxBank, p *page, signet, email, password, decision string) string {
	t.Helper()
	isCallback := func(u string) bool { return strings.HasPrefix(u, signet+callbackPath+"?") }
	signedIn, answered := false, false
	cb := walkForms(t, b.c, bankURL(t, p, bank.Issuer), isCallback, func(page []byte, form url.Values) {
		switch {
		case bytes.Contains(page, []byte(`name="password"`)):
			form.Set("email", email)
			form.Set("password", password)
			signedIn = true
		case bytes.Contains(page, []byte(`name="decision" value="`+decision+`"`)):
			form.Set("decision", decision)
			answered = true
		default:
			t.Fatalf("unexpected page at the sandbox bank:\n%s", page)
		}
	})
	// The bank skips its sign-in page for a browser signed in there, and
	// its consent page for a customer who already allowed this client;
	// but a denial must be the person's own.
	if decision == "deny" && !answered {
		t.Fatalf("the sandbox bank answered without asking (signed in: %v)", signedIn)
	}
	return cb
}

// toApp follows Signet's answer to the bank's redirect (continue pages,
// redirects, and the consent page, which it allows) to the application's
// redirect URI, and returns the parameters sent there.
func toApp(t *testing.T, b *browser, p *page, redirectURI string) url.Values {
	t.Helper()
	for range 6 {
		next := p.location()
		if next == "" {
			next = p.continueTo()
		}
		switch {
		case strings.HasPrefix(next, redirectURI+"?"):
			u, _ := url.Parse(next)
			return u.Query()
		case next != "":
			p = b.get(next)
		case p.status == http.StatusOK && p.hasForm("/oauth2/authorize/consent"):
			p = b.submitTo(p, "/oauth2/authorize/consent", url.Values{"decision": {"allow"}})
		default:
			t.Fatalf("stuck before %s at %s: %d\n%s", redirectURI, p.url, p.status, p.body)
		}
	}
	t.Fatalf("too many steps before %s", redirectURI)
	return nil
}

// startVerification calls POST /v1/bank_verifications/start and returns
// the run's ID and its one-time start URL.
func (s *Server) startVerification(t *testing.T, body map[string]any) (string, string) {
	t.Helper()
	var out struct {
		ID  string `json:"bank_verification_id"`
		URL string `json:"url"`
	}
	if code := s.call(t, "POST", "/v1/bank_verifications/start", body, &out); code != http.StatusOK || out.ID == "" || out.URL == "" {
		t.Fatalf("bank_verifications/start = %d %+v", code, out)
	}
	return out.ID, out.URL
}

// verificationStatus is GET /v1/bank_verifications/{id}.
type verificationStatus struct {
	Status       string `json:"status"`
	BankID       string `json:"bank_id"`
	UserID       string `json:"user_id"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

func (s *Server) verificationStatus(t *testing.T, id string) verificationStatus {
	t.Helper()
	var out verificationStatus
	if code := s.call(t, "GET", "/v1/bank_verifications/"+url.PathEscape(id), nil, &out); code != http.StatusOK {
		t.Fatalf("GET /v1/bank_verifications/%s = %d", id, code)
	}
	return out
}

// authenticated is the answer of POST /v1/bank_verifications/authenticate.
type authenticated struct {
	UserID       string `json:"user_id"`
	UserCreated  bool   `json:"user_created"`
	SessionToken string `json:"session_token"`
	ErrorType    string `json:"error_type"`
	User         struct {
		Emails []struct {
			Email string `json:"email"`
		} `json:"emails"`
	} `json:"user"`
	Verification struct {
		BankID      string `json:"bank_id"`
		BankSubject string `json:"bank_subject"`
	} `json:"verification"`
	Session map[string]any `json:"session"`
}

func (s *Server) authenticate(t *testing.T, body map[string]any) (int, authenticated) {
	t.Helper()
	var out authenticated
	code := s.call(t, "POST", "/v1/bank_verifications/authenticate", body, &out)
	return code, out
}
