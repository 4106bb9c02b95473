package demo

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// A password sign-in through Signet's hosted page: the app verifies the ID
// token, reads the user from the management API, keeps the visitor signed
// in, and signs them out.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t)
	home := b.get(e.appSrv.URL + "/")
	for _, want := range []string{`id="sign-in"`, `href="/login"`, "Test hint."} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home lacks %q:\n%s", want, home.body)
		}
	}
	checkHeaders(t, home)
	if r := b.get(e.appSrv.URL + "/favicon.svg"); r.status != http.StatusOK || !strings.HasPrefix(r.body, "<svg") {
		t.Errorf("favicon: %d", r.status)
	}

	r := e.signIn(t, b)
	if r.status != http.StatusSeeOther || r.location != e.appSrv.URL+"/" {
		t.Fatalf("callback = %d %q %s", r.status, r.location, r.body)
	}
	r = b.get(e.appSrv.URL + "/")
	for _, want := range []string{`id="signed-in"`, `<dd id="user-name">Ada Lovelace</dd>`,
		`<dd id="user-email">` + testEmail + `</dd>`, `id="not-verified"`, `id="sign-out"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("signed-in page lacks %q:\n%s", want, r.body)
		}
	}
	checkHeaders(t, r)

	// Signing out here signs out of Signet too (RP-Initiated Logout),
	// which sends the browser home.
	r = b.post(e.appSrv.URL+"/logout", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, e.signet.URL+"/oauth2/logout?") ||
		!strings.Contains(r.location, "id_token_hint=") {
		t.Fatalf("logout = %d %q", r.status, r.location)
	}
	if r = b.get(r.location); r.status != http.StatusFound || r.location != e.appSrv.URL+"/" {
		t.Fatalf("Signet's end_session_endpoint = %d %q\n%s", r.status, r.location, r.body)
	}
	if r = b.get(e.appSrv.URL + "/"); !strings.Contains(r.body, `id="signed-out"`) {
		t.Errorf("after logout:\n%s", r.body)
	}
}

// Callbacks that do not check out get a page, never a redirect, and spend
// the pending sign-in.
func TestCallbackRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		cookie bool // start a sign-in in this browser first
		query  func(state string) url.Values
		status int
		title  string
	}{
		{"no cookie", false, func(string) url.Values { return url.Values{"code": {"c"}, "state": {"s"}} },
			http.StatusBadRequest, "No sign-in in progress"},
		{"state mismatch", true, func(s string) url.Values { return url.Values{"code": {"c"}, "state": {s + "x"}} },
			http.StatusBadRequest, "Sign-in could not be verified"},
		{"no state", true, func(string) url.Values { return url.Values{"code": {"c"}} },
			http.StatusBadRequest, "Sign-in could not be verified"},
		{"other issuer", true, func(s string) url.Values {
			return url.Values{"code": {"c"}, "state": {s}, "iss": {"https://evil.example"}}
		}, http.StatusBadRequest, "Sign-in could not be verified"},
		{"error answer", true, func(s string) url.Values {
			return url.Values{"error": {"access_denied"}, "error_description": {"<b>No</b>"}, "state": {s}}
		}, http.StatusForbidden, "You were not signed in"},
		{"bad code", true, func(s string) url.Values { return url.Values{"code": {"not-a-code"}, "state": {s}} },
			http.StatusBadGateway, "Sign-in failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			state := ""
			if tt.cookie {
				r := b.get(e.appSrv.URL + "/login")
				u, _ := url.Parse(r.location)
				state = u.Query().Get("state")
				if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || state == "" ||
					q.Get("prompt") != "login" || !strings.Contains(q.Get("scope"), "address") {
					t.Fatalf("authorization request %v", q)
				}
			}
			cb := e.appSrv.URL + CallbackPath + "?" + tt.query(state).Encode()
			r := b.get(cb)
			if r.status != tt.status || r.location != "" || !strings.Contains(r.body, tt.title) {
				t.Fatalf("callback = %d %q, want %d %q:\n%s", r.status, r.location, tt.status, tt.title, r.body)
			}
			if strings.Contains(r.body, "<b>") {
				t.Error("error_description not escaped")
			}
			checkHeaders(t, r)
			// Spent: even the right state fails now.
			if tt.cookie {
				r = b.get(e.appSrv.URL + CallbackPath + "?" + url.Values{"code": {"c"}, "state": {state}}.Encode())
				if r.status != http.StatusBadRequest || !strings.Contains(r.body, "No sign-in in progress") {
					t.Errorf("second callback = %d:\n%s", r.status, r.body)
				}
			}
		})
	}
}

// The account selector returns to the Origin URL with a signed choice the
// app verifies; an edited one is refused.
func TestBankSelected(t *testing.T) {
	e := newEnv(t)
	var bank struct {
		Bank struct {
			BankID string `json:"bank_id"`
		} `json:"bank"`
	}
	e.api(t, http.MethodPost, "/v1/banks", map[string]any{"issuer": "https://bank.example", "display_name": "Example Bank", "skip_checks": true,
		"client_id": "signet", "auth_method": "client_secret_basic", "client_secret": "s"}, &bank)
	b := newBrowser(t)
	m := chooseRE.FindStringSubmatch(b.get(e.appSrv.URL + "/").body)
	if m == nil {
		t.Fatal("home page has no selector link")
	}
	selector := html.UnescapeString(m[1])
	r := b.get(selector)
	if r.status != http.StatusOK {
		t.Fatalf("selector = %d %s", r.status, r.body)
	}
	r = b.submit(selector, r.body, `name="bank_id"`, url.Values{"bank_id": {bank.Bank.BankID}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, e.appSrv.URL+SelectedPath+"?") {
		t.Fatalf("choice = %d %q %s", r.status, r.location, r.body)
	}
	back := r.location
	r = b.get(back)
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="bank-selected"`) || !strings.Contains(r.body, "https://bank.example") {
		t.Fatalf("selected = %d:\n%s", r.status, r.body)
	}

	u, _ := url.Parse(back)
	for name, edit := range map[string]func(url.Values){
		"other iss":     func(q url.Values) { q.Set("iss", "https://evil.example") },
		"other bank":    func(q url.Values) { q.Set("idp_id", "bank-other") },
		"no selection":  func(q url.Values) { q.Del("selection") },
		"bad signature": func(q url.Values) { q.Set("selection", q.Get("selection")+"A") },
		// The same signature in the JWS JSON serialization (RFC 7515
		// §7.2): a JWT is compact (RFC 7519 §1).
		"JSON serialization": func(q url.Values) {
			jws, err := jose.ParseSignedCompact(q.Get("selection"), []jose.SignatureAlgorithm{jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			q.Set("selection", jws.FullSerialize())
		},
	} {
		q := u.Query()
		edit(q)
		if r := b.get(e.appSrv.URL + SelectedPath + "?" + q.Encode()); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", name, r.status)
		}
	}
}

// The signed-in page shows the bank verification and external source,
// escaped.
func TestProfilePage(t *testing.T) {
	u := signetUser{UserID: "user-test-1"}
	u.Name.FirstName, u.Name.LastName = "Mikomo", "<Tanaka>"
	u.Verifications = []Verification{{BankName: "Signet Sandbox Bank", BankIssuer: "http://127.0.0.1:9001",
		BankSubject: "sub-1", VerifiedAt: "2025-01-02T03:04:05Z", ACR: "urn:bank:acr:1"}}
	u.TrustedMetadata.ExternalSource = &ExternalSource{Type: "bank", Name: "Signet Sandbox Bank", Subject: "sub-1"}
	p := newProfile(u, map[string]any{"sub": "user-test-1", "email": "m@sandbox.bank", "address": map[string]any{"country": "US"}}, time.Now())
	a := &App{cfg: Config{}}
	rec := httptest.NewRecorder()
	a.render(rec, http.StatusOK, page{Profile: &p})
	body := rec.Body.String()
	for _, want := range []string{`<dd id="user-name">Mikomo &lt;Tanaka&gt;</dd>`, `<dd id="user-email">m@sandbox.bank</dd>`,
		`<dd id="verification-bank">Signet Sandbox Bank</dd>`, `<code>sub-1</code>`, `urn:bank:acr:1`,
		`<dd id="external-source-type">bank</dd>`, `{&#34;country&#34;:&#34;US&#34;}`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
}

func TestNewConfig(t *testing.T) {
	ok := Config{Issuer: "http://127.0.0.1:8080/", ClientID: "c", ClientSecret: "s", BaseURL: "http://127.0.0.1:3000",
		ProjectID: "p", ProjectSecret: "ps"}
	a, err := New(ok)
	if err != nil || a.RedirectURL() != "http://127.0.0.1:3000/callback" || a.cfg.Issuer != "http://127.0.0.1:8080" {
		t.Fatalf("New = %v, %v", a, err)
	}
	bad := ok
	bad.ClientSecret = ""
	bad.BaseURL = "javascript:alert(1)"
	if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "ClientSecret") || !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("New(bad) = %v", err)
	}
	if s := Secret("x").String(); s != "[redacted]" {
		t.Errorf("Secret prints %q", s)
	}
}

func checkHeaders(t *testing.T, r response) {
	t.Helper()
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}
	if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", r.header)
	}
}
