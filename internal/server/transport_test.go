package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-id/signet/oidc"
)

// HSTS is on every response that reaches the browser over TLS, whatever
// the route and status: served by a TLS listener (the mutual-TLS one,
// under an http issuer) or under an https issuer (TLS ending at a proxy).
// An http issuer's own plain listener sends none.
func TestHSTS(t *testing.T) {
	ts := newTestServer(t) // http issuer
	tlsListener := httptest.NewTLSServer(ts.Config.Handler)
	t.Cleanup(tlsListener.Close)
	behindProxy := New(Config{Issuer: "https://id.example", Store: ts.st})

	routes := []struct{ method, path string }{
		{"GET", "/healthz"},
		{"GET", "/.well-known/openid-configuration"},
		{"GET", "/v1/users/user-test-x"},               // 401 envelope
		{"POST", "/v1/oauth2/token"},                   // OAuth error
		{"GET", "/oauth2/authorize?client_id=unknown"}, // error page
		{"GET", "/no-such-route"},                      // 404 envelope
	}
	for _, rt := range routes {
		req, _ := http.NewRequest(rt.method, ts.URL+rt.path, nil)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("plain HTTP, http issuer: %s %s: Strict-Transport-Security %q, want none", rt.method, rt.path, h)
		}

		req, _ = http.NewRequest(rt.method, tlsListener.URL+rt.path, nil)
		resp, err = tlsListener.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := resp.Header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
			t.Errorf("TLS listener: %s %s (%d): Strict-Transport-Security %q", rt.method, rt.path, resp.StatusCode, h)
		}

		rec := httptest.NewRecorder()
		behindProxy.ServeHTTP(rec, httptest.NewRequest(rt.method, rt.path, nil))
		if h := rec.Header().Get("Strict-Transport-Security"); h != "max-age=31536000" {
			t.Errorf("https issuer: %s %s (%d): Strict-Transport-Security %q", rt.method, rt.path, rec.Code, h)
		}
	}
}

// Every cookie set over TLS is Secure, under an http issuer too: the
// sign-in page's anti-CSRF cookie, and the visitor and flow cookies of
// "Verify with your bank". Over the issuer's plain listener they are not
// (a browser would drop Secure cookies from http://).
func TestCookiesSecureOnTLSListener(t *testing.T) {
	ts := newTestServer(t)
	tlsListener := httptest.NewTLSServer(ts.Config.Handler)
	t.Cleanup(tlsListener.Close)
	_, app := ts.do(t, "POST", "/v1/connected_apps/clients", "application/json",
		`{"client_type":"first_party","client_name":"Demo","redirect_urls":["https://app.example/cb"]}`, true)
	clientID := app["connected_app"].(map[string]any)["client_id"].(string)
	q := url.Values{"client_id": {clientID}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "code_challenge": {oidc.S256Challenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}

	for _, l := range []struct {
		name   string
		srv    *httptest.Server
		secure bool
	}{{"TLS listener", tlsListener, true}, {"plain listener", ts.Server, false}} {
		hc := l.srv.Client()
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := hc.Get(l.srv.URL + "/oauth2/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cookies := resp.Cookies()
		_, form := page{status: resp.StatusCode, body: string(body)}.form(t, "/oauth2/authorize/login")
		req, _ := http.NewRequest("POST", l.srv.URL+"/oauth2/authorize/bank", strings.NewReader(url.Values{
			"csrf_token": {form.Get("csrf_token")}, "authorization_request": {form.Get("authorization_request")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err = hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: bank sign-in = %d", l.name, resp.StatusCode)
		}
		cookies = append(cookies, resp.Cookies()...)
		if len(cookies) != 3 {
			t.Errorf("%s: cookies %v, want the anti-CSRF, visitor and flow cookies", l.name, cookies)
		}
		for _, c := range cookies {
			if c.Secure != l.secure {
				t.Errorf("%s: cookie %s Secure = %v, want %v", l.name, c.Name, c.Secure, l.secure)
			}
		}
	}
}

// Management responses carry personal data and secrets: none may be
// cached, successes and errors alike. Public key sets keep their own
// caching.
func TestManagementNoStore(t *testing.T) {
	ts := newTestServer(t)
	_, created := ts.do(t, "POST", "/v1/users", "application/json", `{"email":"ada@example.com"}`, true)
	userID, _ := created["user_id"].(string)
	for _, tt := range []struct {
		method, path, body string
		auth               bool
		status             int
	}{
		{"GET", "/v1/users/" + userID, "", true, 200},
		{"POST", "/v1/users/search", `{}`, true, 200},
		{"POST", "/v1/connected_apps/clients", `{"client_type":"first_party","client_name":"A","redirect_urls":["https://app.example/cb"]}`, true, 200},
		{"GET", "/v1/sessions?user_id=" + userID, "", true, 200},
		{"GET", "/v1/users/" + userID, "", false, 401},
		{"GET", "/v1/users/user-test-none", "", true, 404},
		{"GET", "/v1/no-such-route", "", true, 404},
	} {
		resp, out := ts.do(t, tt.method, tt.path, "application/json", tt.body, tt.auth)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s = %d %v, want %d", tt.method, tt.path, resp.StatusCode, out, tt.status)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", tt.method, tt.path, cc)
		}
	}
	resp, _ := ts.do(t, "GET", "/v1/public/"+ts.projectID+"/.well-known/jwks.json", "", "", false)
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("public JWKS: Cache-Control %q, want its own public caching", cc)
	}
}
