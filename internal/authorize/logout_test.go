package authorize_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/web"
)

const (
	bye      = "https://app.example/bye"
	byeQuery = "https://app.example/bye?tenant=7"
)

// logoutEnv: a client with registered post-logout addresses, and
// signed-in browsers of alice.
type logoutEnv struct {
	*env
	clientID, secret string
	other            string // another client of the project
	alice            string
}

func newLogoutEnv(t *testing.T, extra map[string]any) *logoutEnv {
	e := &logoutEnv{env: newEnv(t)}
	body := map[string]any{"client_type": "first_party", "redirect_urls": []string{cb},
		"post_logout_redirect_urls": []string{bye, byeQuery}}
	for k, v := range extra {
		body[k] = v
	}
	e.clientID, e.secret = e.clientWith(body)
	e.other, _ = e.clientWith(map[string]any{"client_type": "first_party", "redirect_urls": []string{cb},
		"post_logout_redirect_urls": []string{"https://other.example/bye"}})
	e.alice, _ = e.user("alice@example.com")
	return e
}

// signIn signs alice in on a fresh browser through the client's code flow
// and returns the browser and the ID token the client got.
func (e *logoutEnv) signIn() (*browser, string) {
	e.t.Helper()
	b := e.browser()
	verifier, challenge := pkce()
	q := b.login(b.authorize(params("client_id", e.clientID, "redirect_uri", cb, "response_type", "code", "scope", "openid",
		"code_challenge", challenge, "code_challenge_method", "S256")), "alice@example.com", password).callback(e.url, cb)
	resp, err := http.PostForm(e.url+"/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {cb}, "client_id": {e.clientID}, "client_secret": {e.secret}, "code_verifier": {verifier}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		IDToken string `json:"id_token"`
	}
	if err := jsonDecode(resp, &out); err != nil || out.IDToken == "" {
		e.t.Fatalf("token = %d %v", resp.StatusCode, err)
	}
	return b, out.IDToken
}

// sessionToken is the Signet session the browser holds ("" for none).
func (e *logoutEnv) sessionToken(b *browser) string {
	u, _ := url.Parse(e.url)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == authorize.SessionCookieName(e.projectID) {
			return c.Value
		}
	}
	return ""
}

// live reports whether a session token still authenticates.
func (e *logoutEnv) live(token string) bool {
	e.t.Helper()
	code, _ := e.api("POST", "/v1/sessions/authenticate", map[string]any{"session_token": token})
	return code == 200
}

// claims decodes a JWT's payload without verifying it.
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *browser) logout(method string, q url.Values) *page {
	if method == http.MethodPost {
		return b.post(authorize.EndSessionPath, q)
	}
	return b.get(authorize.EndSessionPath + "?" + q.Encode())
}

func (p *page) isLogoutConfirm() bool {
	return strings.Contains(p.body, `action="/oauth2/logout/confirm"`)
}

func (p *page) signedOutCookie() bool {
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == web.SignedOutCookie && c.Value != "" && c.MaxAge > 0 {
			return true
		}
	}
	return false
}

// TestEndSession: RP-Initiated Logout 1.0, each rule.
func TestEndSession(t *testing.T) {
	e := newLogoutEnv(t, nil)
	signer, err := e.keys.Signer(t.Context(), e.projectID, keys.RS256)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(c map[string]any) string {
		tok, err := signer.SignJWT(c, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// An ID token of another issuer's key: a key Signet never published.
	foreign := newEnv(t)
	fsigner, err := foreign.keys.Signer(t.Context(), foreign.projectID, keys.RS256)
	if err != nil {
		t.Fatal(err)
	}
	type want int
	const (
		redirected want = iota // ended, to the post_logout_redirect_uri
		signedOut              // ended, the signed-out page
		confirm                // the confirmation page
		errorPage              // 400 error page, session untouched
	)
	tests := []struct {
		name   string
		method string
		params func(hint string, c map[string]any) url.Values
		want   want
		// location is the redirect expected (want redirected).
		location string
	}{
		{"hint of this session, state back", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {bye}, "state": {"s-1"}}
		}, redirected, bye + "?state=s-1"},
		{"POST, with client_id and ui_locales", "POST", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "client_id": {e.clientID}, "post_logout_redirect_uri": {bye}, "state": {"s-2"}, "ui_locales": {"fr-CA fr"}}
		}, redirected, bye + "?state=s-2"},
		{"no state, none sent back", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {bye}}
		}, redirected, bye},
		{"the registered query is kept", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {byeQuery}, "state": {"s 3"}}
		}, redirected, "https://app.example/bye?state=s+3&tenant=7"},
		{"no redirect: the signed-out page", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "state": {"unused"}}
		}, signedOut, ""},
		{"expired hint of this session", "GET", func(_ string, c map[string]any) url.Values {
			return url.Values{"id_token_hint": {sign(map[string]any{"iss": e.url, "sub": e.alice, "aud": []string{e.clientID},
				"sid": c["sid"], "iat": 0, "exp": 1})}, "post_logout_redirect_uri": {bye}}
		}, redirected, bye},
		{"no hint: asked", "GET", func(string, map[string]any) url.Values {
			return url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {bye}, "state": {"s"}}
		}, confirm, ""},
		{"hint of an earlier session: asked", "GET", func(string, map[string]any) url.Values {
			return url.Values{"id_token_hint": {sign(map[string]any{"iss": e.url, "sub": e.alice, "aud": e.clientID, "sid": "session-old",
				"exp": time.Now().Add(time.Hour).Unix()})}}
		}, confirm, ""},
		{"hint of another user: asked", "GET", func(string, map[string]any) url.Values {
			return url.Values{"id_token_hint": {sign(map[string]any{"iss": e.url, "sub": "user-someone-else", "aud": e.clientID})}}
		}, confirm, ""},
		{"hint signed by a key not ours", "GET", func(_ string, c map[string]any) url.Values {
			tok, _ := fsigner.SignJWT(map[string]any{"iss": e.url, "sub": e.alice, "aud": e.clientID, "sid": c["sid"]}, "JWT")
			return url.Values{"id_token_hint": {tok}, "post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
		{"hint tampered", "GET", func(h string, _ map[string]any) url.Values {
			parts := strings.Split(h, ".")
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			p = []byte(strings.Replace(string(p), `"sub":"`, `"sub":"x`, 1))
			return url.Values{"id_token_hint": {parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]},
				"post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
		{"hint of another issuer", "GET", func(_ string, c map[string]any) url.Values {
			return url.Values{"id_token_hint": {sign(map[string]any{"iss": "https://other.example", "sub": e.alice, "aud": e.clientID, "sid": c["sid"]})},
				"post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
		{"hint not a JWT", "GET", func(string, map[string]any) url.Values {
			return url.Values{"id_token_hint": {"not-a-jwt"}, "post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
		{"client_id is not the hint's", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "client_id": {e.other}, "post_logout_redirect_uri": {"https://other.example/bye"}}
		}, errorPage, ""},
		{"unregistered post_logout_redirect_uri", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {"https://evil.example/bye"}, "state": {"s"}}
		}, errorPage, ""},
		{"another client's post_logout_redirect_uri", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {"https://other.example/bye"}}
		}, errorPage, ""},
		{"not exactly the registered one", "GET", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {bye + "/"}}
		}, errorPage, ""},
		{"POST, unregistered post_logout_redirect_uri", "POST", func(h string, _ map[string]any) url.Values {
			return url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {"https://evil.example/bye"}}
		}, errorPage, ""},
		{"POST without a hint: asked", "POST", func(string, map[string]any) url.Values {
			return url.Values{"client_id": {e.clientID}}
		}, confirm, ""},
		{"no client named", "GET", func(string, map[string]any) url.Values {
			return url.Values{"post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
		{"unknown client_id", "GET", func(string, map[string]any) url.Values {
			return url.Values{"client_id": {"connected-app-test-unknown"}, "post_logout_redirect_uri": {bye}}
		}, errorPage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, hint := e.signIn()
			token := e.sessionToken(b)
			p := b.logout(tt.method, tt.params(hint, claims(t, hint)))
			if tt.method == http.MethodPost && tt.want != errorPage {
				// A POST comes back as a GET, which carries the
				// SameSite=Lax session cookie even from another site.
				if loc := p.header.Get("Location"); p.code != http.StatusSeeOther || !strings.HasPrefix(loc, authorize.EndSessionPath+"?") {
					t.Fatalf("POST = %d %q, want a 303 to the GET", p.code, loc)
				}
				p = b.get(p.header.Get("Location"))
			}
			switch tt.want {
			case redirected, signedOut:
				if tt.want == redirected {
					if loc := p.header.Get("Location"); (p.code != http.StatusFound && p.code != http.StatusSeeOther) || loc != tt.location {
						t.Fatalf("got %d Location %q, want a redirect to %s\n%s", p.code, loc, tt.location, p.body)
					}
				} else if p.code != 200 || !strings.Contains(p.body, "You are signed out") || p.header.Get("Location") != "" {
					t.Fatalf("got %d %q, want the signed-out page", p.code, p.header.Get("Location"))
				}
				if e.live(token) {
					t.Error("the session is still live")
				}
				if e.sessionToken(b) != "" {
					t.Error("the session cookie was not cleared")
				}
				if !p.signedOutCookie() {
					t.Error("the browser was not marked signed out")
				}
			case confirm:
				if p.code != 200 || !p.isLogoutConfirm() || p.header.Get("Location") != "" {
					t.Fatalf("got %d, want the confirmation page\n%s", p.code, p.body)
				}
				if !e.live(token) {
					t.Error("the session ended before the person confirmed")
				}
			case errorPage:
				p.errorPage(http.StatusBadRequest)
				if !e.live(token) || e.sessionToken(b) == "" {
					t.Error("a refused logout request ended the session")
				}
			}
		})
	}
}

// TestEndSessionConfirm: the confirmation page's form is CSRF-protected,
// bound to the session it asked about, and re-validated when it comes
// back.
func TestEndSessionConfirm(t *testing.T) {
	e := newLogoutEnv(t, nil)
	ask := func(b *browser) *page {
		t.Helper()
		p := b.logout("GET", url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {bye}, "state": {"st"}})
		if !p.isLogoutConfirm() {
			t.Fatalf("want the confirmation page, got %d\n%s", p.code, p.body)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.example") {
			t.Errorf("CSP %q does not let the form's answer redirect to the application", csp)
		}
		return p
	}
	form := func(p *page, decision string) url.Values {
		return url.Values{"csrf_token": {p.hidden("csrf_token")}, "logout_request": {p.hidden("logout_request")},
			"session": {p.hidden("session")}, "decision": {decision}}
	}
	t.Run("sign out", func(t *testing.T) {
		b, _ := e.signIn()
		token := e.sessionToken(b)
		p := b.post("/oauth2/logout/confirm", form(ask(b), "logout"))
		if p.code != http.StatusSeeOther || p.header.Get("Location") != bye+"?state=st" {
			t.Fatalf("got %d %q", p.code, p.header.Get("Location"))
		}
		if e.live(token) || !p.signedOutCookie() {
			t.Error("not signed out")
		}
	})
	t.Run("stay signed in", func(t *testing.T) {
		b, _ := e.signIn()
		token := e.sessionToken(b)
		p := b.post("/oauth2/logout/confirm", form(ask(b), "stay"))
		if p.code != 200 || p.header.Get("Location") != "" || !strings.Contains(p.body, "still signed in") {
			t.Fatalf("got %d %q", p.code, p.header.Get("Location"))
		}
		if !e.live(token) || p.signedOutCookie() {
			t.Error("signed out although the person stayed")
		}
	})
	for _, tt := range []struct {
		name string
		edit func(b *browser, f url.Values) *browser
	}{
		{"no CSRF token", func(b *browser, f url.Values) *browser { f.Del("csrf_token"); return b }},
		{"a CSRF token of another browser", func(b *browser, f url.Values) *browser {
			other, _ := e.signIn()
			f.Set("csrf_token", ask(other).hidden("csrf_token"))
			return b
		}},
		{"posted from a browser without the CSRF cookie", func(_ *browser, _ url.Values) *browser { return e.browser() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := e.signIn()
			token := e.sessionToken(b)
			f := form(ask(b), "logout")
			p := tt.edit(b, f).post("/oauth2/logout/confirm", f)
			p.errorPage(http.StatusForbidden)
			if !e.live(token) {
				t.Error("a forged confirmation ended the session")
			}
		})
	}
	t.Run("an unregistered address edited into the form", func(t *testing.T) {
		b, _ := e.signIn()
		token := e.sessionToken(b)
		f := form(ask(b), "logout")
		f.Set("logout_request", url.Values{"client_id": {e.clientID}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
		b.post("/oauth2/logout/confirm", f).errorPage(http.StatusBadRequest)
		if !e.live(token) {
			t.Error("the session ended")
		}
	})
	t.Run("another session since the question: asked again", func(t *testing.T) {
		b, _ := e.signIn()
		f := form(ask(b), "logout")
		// Signed in again (a new session) before answering.
		b.login(b.authorize(params("client_id", e.clientID, "redirect_uri", cb, "response_type", "code", "scope", "openid",
			"prompt", "login", "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM", "code_challenge_method", "S256")),
			"alice@example.com", password).callback(e.url, cb)
		token := e.sessionToken(b)
		p := b.post("/oauth2/logout/confirm", f)
		if !p.isLogoutConfirm() || !e.live(token) {
			t.Fatalf("got %d, want the question again with the session live", p.code)
		}
	})
	t.Run("already signed out", func(t *testing.T) {
		b, hint := e.signIn()
		f := form(ask(b), "logout")
		b.logout("GET", url.Values{"id_token_hint": {hint}})
		if p := b.post("/oauth2/logout/confirm", f); p.header.Get("Location") != bye+"?state=st" {
			t.Fatalf("got %d %q", p.code, p.header.Get("Location"))
		}
	})
}

// TestEndSessionBackChannel: an RP-initiated logout and a
// sessions.revoke each reach the client's backchannel_logout_uri with a
// logout token naming the session its ID token named.
func TestEndSessionBackChannel(t *testing.T) {
	var mu sync.Mutex
	var got []string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.PostFormValue("logout_token"))
		mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	e := newLogoutEnv(t, map[string]any{"backchannel_logout_uri": rc.URL + "/bc", "backchannel_logout_session_required": true})
	received := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			out := append([]string(nil), got...)
			mu.Unlock()
			if len(out) >= n {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d logout tokens within 30 s, want %d", len(out), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	_, hint := e.signIn()
	b2, hint2 := e.signIn()
	if p := b2.logout("GET", url.Values{"id_token_hint": {hint2}}); p.code != 200 {
		t.Fatalf("logout = %d", p.code)
	}
	toks := received(1)
	c := claims(t, toks[0])
	if c["sid"] != claims(t, hint2)["sid"] || c["sub"] != e.alice || c["aud"] != e.clientID {
		t.Errorf("logout token %v for ID token %v", c, claims(t, hint2))
	}
	// The management API's sessions.revoke of the other session.
	e.mustAPI("POST", "/v1/sessions/revoke", map[string]any{"session_id": claims(t, hint)["sid"]})
	toks = received(2)
	if c := claims(t, toks[1]); c["sid"] != claims(t, hint)["sid"] {
		t.Errorf("logout token %v for ID token %v", c, claims(t, hint))
	}
}
