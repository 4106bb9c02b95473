package authorize_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/keys"
)

const (
	cb       = "https://app.example/cb"
	cbQuery  = "https://app.example/q?tenant=7"
	loopback = "http://127.0.0.1/native"
)

// TestErrorPage: a request whose client or redirect_uri cannot be trusted
// gets an error page, never a redirect (OpenID Connect Core §3.1.2.6,
// conformance checklist §7.7).
func TestErrorPage(t *testing.T) {
	e := newEnv(t)
	conf, _ := e.client("third_party", cb, loopback, "http://localhost/dev")
	pub, _ := e.client("third_party_public", loopback, "http://localhost/dev")
	_, challenge := pkce()
	tests := []struct {
		name   string
		params url.Values
	}{
		{"unknown client", params("client_id", "connected-app-test-nope", "redirect_uri", cb, "response_type", "code", "scope", "openid")},
		{"no client_id", params("redirect_uri", cb, "response_type", "code", "scope", "openid")},
		{"unregistered redirect_uri", params("client_id", conf, "redirect_uri", "https://evil.example/cb", "response_type", "code", "scope", "openid")},
		{"redirect_uri with extra path", params("client_id", conf, "redirect_uri", cb+"/x", "response_type", "code", "scope", "openid")},
		{"redirect_uri with query added", params("client_id", conf, "redirect_uri", cb+"?a=b", "response_type", "code", "scope", "openid")},
		{"no redirect_uri", params("client_id", conf, "response_type", "code", "scope", "openid")},
		{"loopback port on a confidential client", params("client_id", conf, "redirect_uri", "http://127.0.0.1:5555/native", "response_type", "code", "scope", "openid")},
		{"localhost port on a public client", params("client_id", pub, "redirect_uri", "http://localhost:5555/dev", "response_type", "code", "scope", "openid", "code_challenge", challenge, "code_challenge_method", "S256")},
		// Even with an otherwise bad request, a bad redirect_uri wins.
		{"bad redirect and bad response_type", params("client_id", conf, "redirect_uri", "https://evil.example/cb", "response_type", "token")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.browser().authorize(tt.params)
			p.errorPage(http.StatusBadRequest)
			if strings.Contains(p.body, "evil.example") {
				t.Errorf("the error page shows the unregistered URL as a link target")
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP = %q", csp)
			}
		})
	}
	// Repeated client_id: error page too.
	p := e.browser().get("/oauth2/authorize?client_id=" + conf + "&client_id=" + conf + "&redirect_uri=" + url.QueryEscape(cb))
	p.errorPage(http.StatusBadRequest)
}

// TestErrorRedirect: after client and redirect_uri, errors go back to the
// client with error, state and iss, and never a code.
func TestErrorRedirect(t *testing.T) {
	e := newEnv(t)
	conf, _ := e.client("third_party", cb, cbQuery)
	pub, _ := e.client("first_party_public", loopback)
	_, challenge := pkce()
	state := strings.Repeat("aZ09", 31) + "-._~" // 128 characters, as the conformance suite sends
	tests := []struct {
		name        string
		params      url.Values
		redirectURI string
		want        string
	}{
		{"response_type token", params("client_id", conf, "redirect_uri", cb, "response_type", "token", "scope", "openid"), cb, "unsupported_response_type"},
		{"no response_type", params("client_id", conf, "redirect_uri", cb, "scope", "openid"), cb, "invalid_request"},
		{"public client without PKCE", params("client_id", pub, "redirect_uri", loopback, "response_type", "code", "scope", "openid"), loopback, "invalid_request"},
		{"public client, loopback port, without PKCE", params("client_id", pub, "redirect_uri", "http://127.0.0.1:6001/native", "response_type", "code", "scope", "openid"), "http://127.0.0.1:6001/native", "invalid_request"},
		{"plain PKCE", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "code_challenge", challenge, "code_challenge_method", "plain"), cb, "invalid_request"},
		{"challenge without method (plain)", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "code_challenge", challenge), cb, "invalid_request"},
		{"malformed challenge", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "code_challenge", "short", "code_challenge_method", "S256"), cb, "invalid_request"},
		{"method without challenge", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "code_challenge_method", "S256"), cb, "invalid_request"},
		{"only unknown scopes", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "admin root"), cb, "invalid_scope"},
		{"prompt none with login", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "prompt", "none login"), cb, "invalid_request"},
		{"negative max_age", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "max_age", "-1"), cb, "invalid_request"},
		{"fragment response mode", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "response_mode", "fragment"), cb, "invalid_request"},
		{"request object", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "request", "eyJhbGciOiJub25lIn0.e30."), cb, "request_not_supported"},
		{"request_uri", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "request_uri", "https://app.example/r"), cb, "request_uri_not_supported"},
		{"bad claims", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "claims", "{not json"), cb, "invalid_request"},
		{"garbage id_token_hint", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "id_token_hint", "x.y.z"), cb, "invalid_request"},
		{"prompt none without session", params("client_id", conf, "redirect_uri", cb, "response_type", "code", "scope", "openid", "prompt", "none"), cb, "login_required"},
		{"registered query kept", params("client_id", conf, "redirect_uri", cbQuery, "response_type", "token", "scope", "openid"), cbQuery + "&", "unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.params.Set("state", state)
			p := e.browser().authorize(tt.params)
			q := p.callback(e.url, tt.redirectURI)
			if q.Get("error") != tt.want || q.Get("state") != state || q.Has("code") {
				t.Errorf("callback = %v, want error %s with the exact state and no code", q, tt.want)
			}
			for k := range q {
				if !slices.Contains([]string{"error", "error_description", "state", "iss", "tenant"}, k) {
					t.Errorf("unexpected parameter %s in an error response", k)
				}
			}
			if d := q.Get("error_description"); strings.ContainsAny(d, "\"\\") {
				t.Errorf("error_description %q has characters RFC 6749 forbids", d)
			}
		})
	}
}

// TestCodeFlow walks the whole hosted flow of a third-party client: login
// page, session cookie, consent page, code; then remembered consent,
// prompt=none, prompt=consent and the stored code.
func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("third_party", cbQuery)
	userID, _ := e.user("ada@example.com")
	b := e.browser()
	_, challenge := pkce()
	req := params("client_id", id, "redirect_uri", cbQuery, "response_type", "code", "scope", "email openid unknown",
		"state", "s1", "nonce", "n-1", "code_challenge", challenge, "code_challenge_method", "S256",
		"login_hint", "ada@example.com", "extra", "ignored", "display", "page", "ui_locales", "se")

	p := b.authorize(req)
	if p.code != 200 || !p.isLogin() {
		t.Fatalf("first visit: want the login page, got %d\n%s", p.code, p.body)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' https://app.example") || !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("CSP = %q: want form-action allowing the redirect_uri's origin and no script", csp)
	}
	if !strings.Contains(p.body, `value="ada@example.com"`) || !strings.Contains(p.body, `autocomplete="current-password"`) ||
		!strings.Contains(p.body, `<label for="password">`) {
		t.Errorf("login page lacks the login_hint, autocomplete or labels:\n%s", p.body)
	}

	// A wrong password: the form again, with a message and the email kept.
	p2 := b.login(p, "ada@example.com", "wrong-password")
	if p2.code != http.StatusUnauthorized || !p2.isLogin() || !strings.Contains(p2.body, "incorrect") {
		t.Fatalf("wrong password = %d\n%s", p2.code, p2.body)
	}
	p = b.login(p2, "ada@example.com", password)
	if p.code != 200 || !p.isConsent() {
		t.Fatalf("after login: want the consent page, got %d\n%s", p.code, p.body)
	}
	if !strings.Contains(p.body, "Acme Notes") || !strings.Contains(p.body, "See your email address") || strings.Count(p.body, "<li>") != 2 {
		t.Errorf("consent page lacks the client name or scope descriptions, or shows an unknown scope:\n%s", p.body)
	}
	p = b.decide(p, "allow")
	if p.code != http.StatusSeeOther {
		t.Fatalf("allow = %d, want 303", p.code)
	}
	q := p.callback(e.url, cbQuery+"&")
	code := q.Get("code")
	if q.Get("tenant") != "7" || q.Get("state") != "s1" || len(code) != 43 || q.Has("error") {
		t.Fatalf("callback = %v", q)
	}
	stored := e.inspect(code)
	now := e.clock.Now()
	if stored.ClientID != id || stored.UserID != userID || stored.ProjectID != e.projectID || stored.RedirectURI != cbQuery ||
		!slices.Equal(stored.Scopes, []string{"openid", "email"}) || stored.Nonce != "n-1" || stored.CodeChallenge != challenge ||
		stored.SessionID == "" || stored.AuthTime.IsZero() || now.Sub(stored.AuthTime) > time.Minute ||
		stored.ExpiresAt.Sub(stored.CreatedAt) != 60*time.Second {
		t.Errorf("stored code = %+v", stored)
	}

	// Consent is remembered: the next request goes straight back with a code.
	req.Set("state", "s2")
	p = b.authorize(req)
	q = p.callback(e.url, cbQuery+"&")
	if p.code != http.StatusFound || q.Get("state") != "s2" || q.Get("code") == "" {
		t.Fatalf("remembered consent: %d %v", p.code, q)
	}
	if again := e.inspect(q.Get("code")); again.AuthTime != stored.AuthTime || again.SessionID != stored.SessionID {
		t.Errorf("same session, so same auth_time and session: %v %v", again.AuthTime, stored.AuthTime)
	}
	// prompt=none works silently too.
	req.Set("prompt", "none")
	if q := b.authorize(req).callback(e.url, cbQuery+"&"); q.Get("code") == "" {
		t.Errorf("prompt=none with session and consent: %v", q)
	}
	// A wider request needs consent; with prompt=none that is consent_required.
	req.Set("scope", "openid email phone")
	if q := b.authorize(req).callback(e.url, cbQuery+"&"); q.Get("error") != "consent_required" {
		t.Errorf("prompt=none, new scope: %v", q)
	}
	// prompt=consent always asks.
	req.Set("prompt", "consent")
	if p := b.authorize(req); !p.isConsent() {
		t.Errorf("prompt=consent: want the consent page, got %d", p.code)
	}

	// The user sees the app among their connected apps, and revoking it
	// makes the next request ask again.
	list := e.mustAPI("GET", "/v1/users/"+userID+"/connected_apps", nil)["connected_apps"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["scopes_granted"] != "openid email" {
		t.Errorf("connected_apps = %v", list)
	}
	e.mustAPI("POST", "/v1/users/"+userID+"/connected_apps/"+id+"/revoke", nil)
	req.Set("scope", "openid email")
	req.Del("prompt")
	if p := b.authorize(req); !p.isConsent() {
		t.Errorf("after revoke: want the consent page, got %d", p.code)
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("first_party", cb)
	e.user("bob@example.com")
	b := e.browser()
	p := b.login(b.authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid")), "bob@example.com", password)
	var got *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == authorize.SessionCookieName(e.projectID) {
			got = c
		}
	}
	if got == nil || !got.HttpOnly || got.SameSite != http.SameSiteLaxMode || got.Path != "/" || got.Secure || got.MaxAge <= 0 {
		t.Fatalf("session cookie = %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure under an http issuer", got)
	}
	// The cookie is a real session token of the project.
	out := e.mustAPI("POST", "/v1/sessions/authenticate", map[string]any{"session_token": got.Value})
	if out["session"].(map[string]any)["authentication_factors"].([]any)[0].(map[string]any)["type"] != "password" {
		t.Errorf("session = %v", out["session"])
	}
}

// TestCSRF: forms without the browser's token are refused with 403.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("third_party", cb)
	e.user("eve@example.com")
	b := e.browser()
	p := b.authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid"))
	authz := p.hidden("authorization_request")
	tests := []struct {
		name    string
		browser *browser
		token   string
	}{
		{"wrong token", b, "AAAA" + p.hidden("csrf_token")[4:]},
		{"no token", b, ""},
		{"token of another browser", e.browser(), p.hidden("csrf_token")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/oauth2/authorize/login", "/oauth2/authorize/consent"} {
				r := tt.browser.post(path, url.Values{"csrf_token": {tt.token}, "authorization_request": {authz},
					"email": {"eve@example.com"}, "password": {password}, "decision": {"allow"}})
				r.errorPage(http.StatusForbidden)
			}
		})
	}
	// Tampering with the carried request is validated like a new request.
	bad, _ := url.ParseQuery(authz)
	bad.Set("redirect_uri", "https://evil.example/cb")
	r := b.post("/oauth2/authorize/login", url.Values{"csrf_token": {p.hidden("csrf_token")}, "authorization_request": {bad.Encode()},
		"email": {"eve@example.com"}, "password": {password}})
	r.errorPage(http.StatusBadRequest)
}

func TestDenyConsent(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("third_party", cb)
	e.user("dan@example.com")
	b := e.browser()
	p := b.login(b.authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid profile", "state", "st")), "dan@example.com", password)
	q := b.decide(p, "deny").callback(e.url, cb)
	if q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Has("code") {
		t.Errorf("deny = %v", q)
	}
}

// TestFirstParty: first-party clients skip consent, except for
// offline_access unless the client bypasses it.
func TestFirstParty(t *testing.T) {
	e := newEnv(t)
	plain, _ := e.client("first_party", cb)
	bypass, _ := e.clientWith(map[string]any{"client_type": "first_party", "redirect_urls": []string{cb}, "bypass_consent_for_offline_access": true})
	e.user("fay@example.com")
	tests := []struct {
		name, client, scope string
		consent             bool
	}{
		{"openid", plain, "openid profile email", false},
		{"offline_access asks", plain, "openid offline_access", true},
		{"offline_access bypassed", bypass, "openid offline_access", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			p := b.login(b.authorize(params("client_id", tt.client, "redirect_uri", cb, "response_type", "code", "scope", tt.scope)), "fay@example.com", password)
			if p.isConsent() != tt.consent {
				t.Fatalf("consent page shown = %v, want %v (%d)", p.isConsent(), tt.consent, p.code)
			}
			if !tt.consent && p.callback(e.url, cb).Get("code") == "" {
				t.Errorf("no code")
			}
		})
	}
}

// TestReauthentication: prompt=login and max_age force the login form
// even with a session; the code then carries the new auth_time.
func TestReauthentication(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("first_party", cb)
	userID, _ := e.user("max@example.com")
	b := e.browser()
	base := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid")
	first := e.inspect(b.login(b.authorize(base), "max@example.com", password).callback(e.url, cb).Get("code"))
	e.clock.Advance(10 * time.Second)

	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		advance time.Duration
		req     url.Values
		login   bool
		err     string
	}{
		{"session still fresh for max_age", 0, with("max_age", "100"), false, ""},
		{"older than max_age", 0, with("max_age", "5"), true, ""},
		{"max_age 0", 0, with("max_age", "0"), true, ""},
		{"prompt=login", 0, with("prompt", "login"), true, ""},
		{"select_account shows the login form", 0, with("prompt", "select_account"), true, ""},
		{"prompt=none and max_age exceeded", 10 * time.Second, with("prompt", "none", "max_age", "5"), false, "login_required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.advance)
			p := b.authorize(tt.req)
			if tt.err != "" {
				if q := p.callback(e.url, cb); q.Get("error") != tt.err {
					t.Errorf("callback = %v, want %s", q, tt.err)
				}
				return
			}
			if p.isLogin() != tt.login {
				t.Fatalf("login page = %v, want %v (%d)", p.isLogin(), tt.login, p.code)
			}
			if !tt.login {
				if c := e.inspect(p.callback(e.url, cb).Get("code")); !c.AuthTime.Equal(first.AuthTime) {
					t.Errorf("auth_time changed without a login: %v -> %v", first.AuthTime, c.AuthTime)
				}
				return
			}
			c := e.inspect(b.login(p, "max@example.com", password).callback(e.url, cb).Get("code"))
			if !c.AuthTime.After(first.AuthTime) || c.UserID != userID {
				t.Errorf("after re-login auth_time %v, want later than %v", c.AuthTime, first.AuthTime)
			}
		})
	}
}

// TestIDTokenHint: a hint naming the signed-in user passes silently; one
// naming someone else forces a login, or login_required with prompt=none.
func TestIDTokenHint(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("first_party", cb)
	alice, _ := e.user("alice@example.com")
	bob, _ := e.user("bob@example.com")
	signer, err := e.keys.Signer(t.Context(), e.projectID, keys.RS256)
	if err != nil {
		t.Fatal(err)
	}
	hint := func(sub string, iss string) string {
		// Expired long ago: an OP must still accept its own ID token as a hint.
		tok, err := signer.SignJWT(map[string]any{"iss": iss, "sub": sub, "aud": id, "exp": 1, "iat": 0}, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	b := e.browser()
	b.login(b.authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid")), "alice@example.com", password).callback(e.url, cb)
	tests := []struct {
		name, hint, prompt string
		login              bool
		err                string
	}{
		{"same user, prompt=none", hint(alice, e.url), "none", false, ""},
		{"other user, prompt=none", hint(bob, e.url), "none", false, "login_required"},
		{"other user", hint(bob, e.url), "", true, ""},
		{"other issuer", hint(alice, "https://other.example"), "", false, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.authorize(params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid", "id_token_hint", tt.hint, "prompt", tt.prompt))
			if tt.login {
				if !p.isLogin() {
					t.Fatalf("want the login page, got %d", p.code)
				}
				// Signing in as someone other than the hint names is refused.
				if q := b.login(p, "alice@example.com", password).callback(e.url, cb); q.Get("error") != "login_required" {
					t.Errorf("login as the wrong user = %v", q)
				}
				return
			}
			q := p.callback(e.url, cb)
			if q.Get("error") != tt.err || (tt.err == "" && q.Get("code") == "") {
				t.Errorf("callback = %v, want error %q", q, tt.err)
			}
		})
	}
}

// TestLoopbackPort: a public client's loopback redirect may use any port,
// and the response goes to the port that was asked for.
func TestLoopbackPort(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("first_party_public", loopback)
	e.user("nat@example.com")
	_, challenge := pkce()
	b := e.browser()
	redirect := "http://127.0.0.1:49152/native"
	p := b.authorize(params("client_id", id, "redirect_uri", redirect, "response_type", "code", "scope", "openid",
		"code_challenge", challenge, "code_challenge_method", "S256"))
	if !strings.Contains(p.header.Get("Content-Security-Policy"), "form-action 'self' http://127.0.0.1:49152") {
		t.Errorf("CSP = %q", p.header.Get("Content-Security-Policy"))
	}
	q := b.login(p, "nat@example.com", password).callback(e.url, redirect)
	if c := e.inspect(q.Get("code")); c.RedirectURI != redirect || c.CodeChallenge != challenge {
		t.Errorf("stored code = %+v", c)
	}
}

// TestFormPost: the authorization request may arrive as a form POST
// (OpenID Connect Core §3.1.2.1).
func TestFormPost(t *testing.T) {
	e := newEnv(t)
	id, _ := e.client("first_party", cb)
	e.user("pat@example.com")
	b := e.browser()
	p := b.post("/oauth2/authorize", params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid", "state", "post"))
	if q := b.login(p, "pat@example.com", password).callback(e.url, cb); q.Get("state") != "post" || q.Get("code") == "" {
		t.Errorf("callback = %v", q)
	}
}

func TestAssetsAndDiscovery(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	css := b.get("/assets/signet.css")
	if css.code != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.body, ".card") {
		t.Errorf("stylesheet = %d %q", css.code, css.header.Get("Content-Type"))
	}
	if p := b.get("/assets/nope.css"); p.code != 404 {
		t.Errorf("missing asset = %d", p.code)
	}
	resp, err := http.Get(e.url + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md map[string]any
	if err := jsonDecode(resp, &md); err != nil {
		t.Fatal(err)
	}
	if md["authorization_endpoint"] != e.url+"/oauth2/authorize" || md["authorization_response_iss_parameter_supported"] != true ||
		!slices.Contains(toStrings(md["scopes_supported"]), "openid") || !slices.Equal(toStrings(md["code_challenge_methods_supported"]), []string{"S256"}) ||
		!slices.Equal(toStrings(md["response_types_supported"]), []string{"code"}) || !slices.Equal(toStrings(md["response_modes_supported"]), []string{"query", "form_post", "jwt", "query.jwt", "fragment.jwt", "form_post.jwt"}) {
		t.Errorf("discovery = %v", md)
	}
}

// TestRequesterName: an intermediary client (Signet at a bank) names the
// application the person came from; the pages show it beside the
// client's registered name, never instead of it.
func TestRequesterName(t *testing.T) {
	e := newEnv(t)
	id, _ := e.clientWith(map[string]any{"client_type": "third_party", "client_name": "Signet", "redirect_urls": []string{cb}})
	e.user("ada@example.com")
	_, challenge := pkce()
	req := func(name string) url.Values {
		return params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid", "state", "s",
			"code_challenge", challenge, "code_challenge_method", "S256", "requester_name", name)
	}
	b := e.browser()
	p := b.authorize(req("  Demo app "))
	if !p.isLogin() || !strings.Contains(p.body, "Demo app via Signet") {
		t.Fatalf("login page does not name the requester: %s", p.body)
	}
	if p = b.login(p, "ada@example.com", password); !p.isConsent() || !strings.Contains(p.body, "Demo app via Signet") {
		t.Fatalf("consent page does not name the requester: %s", p.body)
	}
	for name, value := range map[string]string{"too long": strings.Repeat("x", 81), "two lines": "Demo\nBank"} {
		q := e.browser().authorize(req(value)).callback(e.url, cb)
		if q.Get("error") != "invalid_request" {
			t.Errorf("%s: callback = %v, want invalid_request", name, q)
		}
	}
}
