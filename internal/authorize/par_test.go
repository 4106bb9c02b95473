package authorize_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/authorize"
)

type parResult struct {
	code    int
	header  http.Header
	body    map[string]any
	reqURI  string
	expires float64
}

// push sends a pushed authorization request authenticated with
// client_secret_basic.
func (e *env) push(clientID, secret string, form url.Values) parResult {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+authorize.PARPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatalf("PAR answer is not JSON: %v", err)
	}
	r := parResult{code: resp.StatusCode, header: resp.Header, body: out}
	r.reqURI, _ = out["request_uri"].(string)
	r.expires, _ = out["expires_in"].(float64)
	return r
}

func TestPAR(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("third_party", cb)
	other, otherSecret := e.client("third_party", cb)
	parID, parSecret := e.clientWith(map[string]any{"client_type": "third_party", "redirect_urls": []string{cb},
		"require_pushed_authorization_requests": true})
	e.user("ada@example.com")
	_, challenge := pkce()
	request := func(client string) url.Values {
		return params("client_id", client, "redirect_uri", cb, "response_type", "code", "scope", "openid email",
			"state", "pushed-state", "nonce", "n1", "code_challenge", challenge, "code_challenge_method", "S256")
	}

	t.Run("pushed request drives the flow, once", func(t *testing.T) {
		r := e.push(parID, parSecret, request(parID))
		if r.code != http.StatusCreated || r.header.Get("Cache-Control") != "no-store" || r.expires != 60 ||
			!strings.HasPrefix(r.reqURI, "urn:ietf:params:oauth:request_uri:") || len(r.reqURI) < len("urn:ietf:params:oauth:request_uri:")+40 {
			t.Fatalf("PAR = %d %v %v", r.code, r.header, r.body)
		}
		b := e.browser()
		// Only request_uri, as the IDPartner clients send it; a different
		// state outside is ignored (FAPI 2.0: the pushed one counts).
		p := b.authorize(params("request_uri", r.reqURI, "state", "outside"))
		// Reload, and Back to it later: shown again until the
		// authorization completes (RFC 9126 §4 allows it), beyond the
		// request's own minute.
		e.clock.Advance(2 * time.Minute)
		if again := b.authorize(params("request_uri", r.reqURI)); !again.isLogin() {
			t.Fatalf("reload of the sign-in page: %d %s", again.code, again.body)
		}
		if strings.Contains(p.hidden("authorization_request"), "pushed-state") {
			t.Errorf("the form carries the pushed parameters, not the request_uri: %s", p.hidden("authorization_request"))
		}
		loginPage := p
		p = b.login(p, "ada@example.com", password)
		if again := b.authorize(params("request_uri", r.reqURI)); !again.isConsent() {
			t.Fatalf("reload of the consent page: %d %s", again.code, again.body)
		}
		consent := p
		p = b.decide(p, "allow")
		q := p.callback(e.url, cb)
		if q.Get("code") == "" || q.Get("state") != "pushed-state" {
			t.Errorf("callback = %v", q)
		}
		// RFC 9126 §4: used once. Back from the application, or the same
		// consent form again: a page with a way back, no second code.
		for _, again := range []*page{
			e.browser().authorize(params("client_id", parID, "request_uri", r.reqURI)),
			b.authorize(params("request_uri", r.reqURI)),
			b.decide(consent, "allow"),
			// The sign-in form sent again (Back to it, then Reload).
			b.login(loginPage, "ada@example.com", password),
		} {
			again.errorPage(http.StatusConflict)
			if href, label := again.action(); href != "https://app.example/" || label == "" {
				t.Errorf("way on = %q %q, want the registered origin", href, label)
			}
		}
	})
	consentAgain := func() url.Values { f := request(parID); f.Set("prompt", "consent"); return f }
	t.Run("an error sent to the client completes it", func(t *testing.T) {
		r := e.push(parID, parSecret, consentAgain())
		b := e.browser()
		p := b.login(b.authorize(params("request_uri", r.reqURI)), "ada@example.com", password)
		q := b.decide(p, "deny").callback(e.url, cb)
		if q.Get("error") != "access_denied" {
			t.Errorf("callback = %v", q)
		}
		b.authorize(params("request_uri", r.reqURI)).errorPage(http.StatusConflict)
	})
	t.Run("use another account", func(t *testing.T) {
		grace, _ := e.user("grace@example.com")
		r := e.push(parID, parSecret, consentAgain())
		b := e.browser()
		p := b.login(b.authorize(params("request_uri", r.reqURI)), "ada@example.com", password)
		m := regexp.MustCompile(`href="([^"]*)">Use another account`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no switch link: %s", p.body)
		}
		p = b.get(html.UnescapeString(m[1]))
		if !p.isLogin() {
			t.Fatalf("use another account under PAR: %d %s", p.code, p.body)
		}
		p = b.decide(b.login(p, "grace@example.com", password), "allow")
		if q := p.callback(e.url, cb); q.Get("code") == "" || e.inspect(q.Get("code")).UserID != grace {
			t.Errorf("callback = %v, want a code for the other account", q)
		}
	})
	t.Run("expired request_uri", func(t *testing.T) {
		r := e.push(id, secret, request(id))
		e.clock.Advance(61 * time.Second)
		e.browser().authorize(params("request_uri", r.reqURI)).errorPage(http.StatusBadRequest)
	})
	t.Run("request_uri of another client", func(t *testing.T) {
		r := e.push(id, secret, request(id))
		e.browser().authorize(params("client_id", other, "request_uri", r.reqURI)).errorPage(http.StatusBadRequest)
	})
	t.Run("unknown request_uri", func(t *testing.T) {
		e.browser().authorize(params("request_uri", "urn:ietf:params:oauth:request_uri:nope")).errorPage(http.StatusBadRequest)
	})
	t.Run("client that must use PAR", func(t *testing.T) {
		e.browser().authorize(request(parID)).errorPage(http.StatusBadRequest)
		// Others may still send plain requests.
		if p := e.browser().authorize(request(id)); !p.isLogin() {
			t.Errorf("plain request of an ordinary client: %d %s", p.code, p.body)
		}
	})

	tests := []struct {
		name           string
		client, secret string
		form           url.Values
		wantCode       int
		wantError      string
	}{
		{"wrong secret", id, "nope", request(id), 401, "invalid_client"},
		{"client_id of another client", id, secret, request(other), 400, "invalid_request"},
		{"unregistered redirect_uri", id, secret, func() url.Values { f := request(id); f.Set("redirect_uri", "https://evil.example/cb"); return f }(), 400, "invalid_request"},
		{"request_uri inside", id, secret, func() url.Values { f := request(id); f.Set("request_uri", "urn:x"); return f }(), 400, "invalid_request"},
		{"plain PKCE", id, secret, func() url.Values { f := request(id); f.Set("code_challenge_method", "plain"); return f }(), 400, "invalid_request"},
		{"response_type token", id, secret, func() url.Values { f := request(id); f.Set("response_type", "token"); return f }(), 400, "unsupported_response_type"},
		{"no client_id in the form", other, otherSecret, func() url.Values { f := request(other); f.Del("client_id"); return f }(), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.push(tt.client, tt.secret, tt.form)
			if r.code != tt.wantCode || (tt.wantError != "" && r.body["error"] != tt.wantError) {
				t.Errorf("PAR = %d %v, want %d %s", r.code, r.body, tt.wantCode, tt.wantError)
			}
		})
	}
}
