package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestOIDCFlow drives the whole Connected Apps flow with third-party
// client libraries: go-oidc discovers the provider and verifies ID tokens,
// x/oauth2 builds the authorization URL, exchanges the code (with PKCE)
// and refreshes; the hosted login and consent pages are driven over
// plain HTTP like a browser without JavaScript.
func TestOIDCFlow(t *testing.T) {
	s := startServer(t)
	ctx := t.Context()
	const email, password = "ada@example.com", "v8#Lq2!mZr@9wTe4"
	var user struct {
		UserID string `json:"user_id"`
	}
	if code := s.call(t, "POST", "/v1/passwords", map[string]any{"email": email, "password": password}, &user); code != 200 {
		t.Fatalf("create user = %d", code)
	}
	if code := s.call(t, "PUT", "/v1/users/"+user.UserID, map[string]any{"name": map[string]any{"first_name": "Ada", "last_name": "Lovelace"}}, nil); code != 200 {
		t.Fatalf("name user = %d", code)
	}

	// Discovery: go-oidc insists that the document's issuer is exactly the
	// URL it was given.
	provider, err := oidc.NewProvider(ctx, s.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var md struct {
		Userinfo      string `json:"userinfo_endpoint"`
		Introspection string `json:"introspection_endpoint"`
		Revocation    string `json:"revocation_endpoint"`
	}
	if err := provider.Claims(&md); err != nil || md.Userinfo == "" || md.Introspection == "" || md.Revocation == "" {
		t.Fatalf("metadata = %+v, %v", md, err)
	}

	// A confidential client of the project, also the resource server that
	// introspects every token below.
	rs := s.connectedApp(t, "third_party", "https://app.example/callback")

	for _, tc := range []struct {
		name string
		app  connectedApp
	}{
		{"confidential third-party client", rs},
		{"public client with PKCE", s.connectedApp(t, "third_party_public", "com.example.app:/callback")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := &oauth2.Config{
				ClientID:     tc.app.ClientID,
				ClientSecret: tc.app.ClientSecret, // "" for the public client
				Endpoint:     provider.Endpoint(),
				RedirectURL:  tc.app.RedirectURLs[0],
				Scopes:       []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
			}
			state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
			authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))

			// The browser: sign in, allow, and stop at the redirect.
			b := newBrowser(t)
			page := b.get(authURL)
			page = b.submit(page, url.Values{"email": {email}, "password": {password}})
			if page.isForm("/oauth2/authorize/consent") {
				page = b.submit(page, url.Values{"decision": {"allow"}})
			}
			cb := page.redirect(t, conf.RedirectURL)
			if cb.Get("state") != state || cb.Get("iss") != s.URL || cb.Get("code") == "" {
				t.Fatalf("callback = %v", cb)
			}

			tok, err := conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if tok.RefreshToken == "" || tok.Type() != "Bearer" || tok.Expiry.IsZero() {
				t.Errorf("token = %+v", tok)
			}
			idVerifier := provider.Verifier(&oidc.Config{ClientID: conf.ClientID})
			rawID, _ := tok.Extra("id_token").(string)
			idt, err := idVerifier.Verify(ctx, rawID)
			if err != nil {
				t.Fatalf("ID token: %v", err)
			}
			if idt.Nonce != nonce || idt.Subject != user.UserID {
				t.Errorf("ID token nonce %q sub %q", idt.Nonce, idt.Subject)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			var idClaims struct {
				Email string `json:"email"`
				Name  string `json:"name"`
			}
			if err := idt.Claims(&idClaims); err != nil || idClaims.Email != email || idClaims.Name != "Ada Lovelace" {
				t.Errorf("ID token claims = %+v, %v", idClaims, err)
			}

			info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("userinfo: %v", err)
			}
			if info.Subject != user.UserID || info.Email != email {
				t.Errorf("userinfo = %+v", info)
			}

			// Refresh: x/oauth2 refreshes an expired token by itself, and
			// gets a new refresh token (Signet rotates them).
			stale := *tok
			stale.Expiry = time.Now().Add(-time.Minute)
			fresh, err := conf.TokenSource(ctx, &stale).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
				t.Errorf("refresh did not rotate: %+v", fresh)
			}
			rawID, _ = fresh.Extra("id_token").(string)
			if idt2, err := idVerifier.Verify(ctx, rawID); err != nil || idt2.Subject != idt.Subject || idt2.Nonce != "" {
				t.Errorf("refreshed ID token: %v %+v", err, idt2)
			}
			if !s.introspect(t, rs, fresh.AccessToken) {
				t.Fatal("fresh access token inactive")
			}

			// Revocation (RFC 7009) of the refresh token ends the grant.
			if code := s.oauthPost(t, md.Revocation, tc.app, url.Values{"token": {fresh.RefreshToken}}, nil); code != 200 {
				t.Fatalf("revoke = %d", code)
			}
			if s.introspect(t, rs, fresh.AccessToken) {
				t.Error("access token still active after revocation")
			}
			if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil || !strings.Contains(err.Error(), "401") {
				t.Errorf("userinfo after revocation: %v, want a 401", err)
			}
			stale = *fresh
			stale.Expiry = time.Now().Add(-time.Minute)
			if _, err := conf.TokenSource(ctx, &stale).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
				t.Errorf("refresh after revocation: %v, want invalid_grant", err)
			}
		})
	}
}

type connectedApp struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURLs []string `json:"redirect_urls"`
}

func (s *Server) connectedApp(t *testing.T, clientType, redirect string) connectedApp {
	t.Helper()
	var out struct {
		App connectedApp `json:"connected_app"`
	}
	if code := s.call(t, "POST", "/v1/connected_apps/clients", map[string]any{
		"client_type": clientType, "client_name": "Notes", "redirect_urls": []string{redirect},
	}, &out); code != 200 {
		t.Fatalf("create Connected App = %d", code)
	}
	return out.App
}

// oauthPost posts a form to an OAuth endpoint as app (HTTP Basic, or
// client_id alone for a public client) and decodes the answer into out.
func (s *Server) oauthPost(t *testing.T, endpoint string, app connectedApp, form url.Values, out any) int {
	t.Helper()
	if app.ClientSecret == "" {
		form.Set("client_id", app.ClientID)
	}
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if app.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(app.ClientSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// introspect reports whether RFC 7662 introspection by rs calls tok active.
func (s *Server) introspect(t *testing.T, rs connectedApp, tok string) bool {
	t.Helper()
	var out struct {
		Active bool `json:"active"`
	}
	if code := s.oauthPost(t, s.URL+"/v1/oauth2/introspect", rs, url.Values{"token": {tok}}, &out); code != 200 {
		t.Fatalf("introspect = %d", code)
	}
	return out.Active
}

func random() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response as the browser sees it.
type page struct {
	url    *url.URL
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{url: req.URL, status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(u string) *page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

var (
	formRE   = regexp.MustCompile(`<form[^>]*\baction="([^"]*)"`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

func (p *page) isForm(action string) bool {
	m := formRE.FindStringSubmatch(p.body)
	return m != nil && html.UnescapeString(m[1]) == action
}

// submit posts the page's form: its hidden fields (anti-CSRF token,
// pending request, ...) plus fields.
func (b *browser) submit(p *page, fields url.Values) *page {
	b.t.Helper()
	m := formRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil {
		b.t.Fatalf("no form on the page (%d):\n%s", p.status, p.body)
	}
	action, err := p.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		fields.Set(h[1], html.UnescapeString(h[2]))
	}
	req, _ := http.NewRequest("POST", action.String(), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// redirect checks p sends the browser to redirectURI and returns the
// parameters added to it.
func (p *page) redirect(t *testing.T, redirectURI string) url.Values {
	t.Helper()
	loc := p.header.Get("Location")
	if p.status/100 != 3 || !strings.HasPrefix(loc, redirectURI+"?") {
		t.Fatalf("want a redirect to %s, got %d Location %q\n%s", redirectURI, p.status, loc, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
