package authorize_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/testclock"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/store"
)

// env is the real server (internal/server wiring) on a real store, served
// over loopback HTTP, with one project.
type env struct {
	t         *testing.T
	st        store.Store
	keys      *keys.Manager
	pepper    secrets.Pepper
	clock     *testclock.Clock
	url       string // issuer and base URL
	projectID string
	secret    string
}

// newEnv starts the server; configure may adjust its configuration.
func newEnv(t *testing.T, configure ...func(*server.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: testclock.New(time.Now().UTC())}
	s := servertest.Start(t, servertest.Options{Now: e.clock.Now, Configure: func(c *server.Config) {
		for _, fn := range configure {
			fn(c)
		}
	}})
	e.st, e.keys, e.pepper, e.projectID, e.secret, e.url = s.Store, s.Keys, s.Pepper, s.ProjectID, s.Secret, s.URL
	return e
}

// api sends a management request with the project's credentials.
func (e *env) api(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	req.SetBasicAuth(e.projectID, e.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatalf("%s %s: not JSON: %v", method, path, err)
	}
	return resp.StatusCode, out
}

func (e *env) mustAPI(method, path string, body any) map[string]any {
	e.t.Helper()
	code, out := e.api(method, path, body)
	if code != 200 {
		e.t.Fatalf("%s %s = %d %v", method, path, code, out)
	}
	return out
}

// client registers a Connected App and returns its ID and secret ("" for
// public clients).
func (e *env) client(clientType string, redirects ...string) (id, secret string) {
	e.t.Helper()
	return e.clientWith(map[string]any{"client_type": clientType, "redirect_urls": redirects})
}

func (e *env) clientWith(body map[string]any) (id, secret string) {
	e.t.Helper()
	if body["client_name"] == nil {
		body["client_name"] = "Acme Notes"
	}
	c := e.mustAPI("POST", "/v1/connected_apps/clients", body)["connected_app"].(map[string]any)
	secret, _ = c["client_secret"].(string)
	return c["client_id"].(string), secret
}

const password = "v8#Lq2!mZr@9wTe4"

// user creates a user with a password and returns their ID and a session
// token from that sign-up.
func (e *env) user(email string) (userID, sessionToken string) {
	e.t.Helper()
	out := e.mustAPI("POST", "/v1/passwords", map[string]any{"email": email, "password": password})
	return out["user_id"].(string), out["session_token"].(string)
}

// inspect burns a code and returns what the store holds for it.
func (e *env) inspect(code string) store.AuthCode {
	e.t.Helper()
	var got store.AuthCode
	_, err := e.st.RedeemAuthCode(context.Background(), e.pepper.Hash(code), e.clock.Now(), func(c store.AuthCode) (store.Grant, error) {
		got = c
		return store.Grant{}, errors.New("inspected")
	})
	if err == nil || got.ClientID == "" {
		e.t.Fatalf("code %q not found in the store: %v", code, err)
	}
	return got
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
	// forwardedFor, if set, is sent as X-Forwarded-For: the browser's
	// address as a proxy in front of the server would report it.
	forwardedFor string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response as a browser sees it.
type page struct {
	t      *testing.T
	code   int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) *page {
	b.e.t.Helper()
	if b.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.forwardedFor)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return &page{t: b.e.t, code: resp.StatusCode, header: resp.Header, body: buf.String()}
}

func (b *browser) get(pathAndQuery string) *page {
	req, _ := http.NewRequest("GET", b.e.url+pathAndQuery, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) *page {
	req, _ := http.NewRequest("POST", b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// authorize opens the authorization endpoint with params.
func (b *browser) authorize(params url.Values) *page {
	return b.get("/oauth2/authorize?" + params.Encode())
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func (p *page) hidden(name string) string {
	p.t.Helper()
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	p.t.Fatalf("no hidden %s on the page (%d):\n%s", name, p.code, p.body)
	return ""
}

func (p *page) isLogin() bool { return strings.Contains(p.body, `action="/oauth2/authorize/login"`) }
func (p *page) isConsent() bool {
	return strings.Contains(p.body, `action="/oauth2/authorize/consent"`)
}

// login submits the sign-in form of a login page.
func (b *browser) login(p *page, email, pw string) *page {
	b.e.t.Helper()
	if !p.isLogin() {
		b.e.t.Fatalf("not a login page (%d): %s", p.code, p.body)
	}
	return b.post("/oauth2/authorize/login", url.Values{
		"csrf_token": {p.hidden("csrf_token")}, "authorization_request": {p.hidden("authorization_request")},
		"email": {email}, "password": {pw},
	})
}

// decide submits the consent form with "allow" or "deny".
func (b *browser) decide(p *page, decision string) *page {
	b.e.t.Helper()
	if !p.isConsent() {
		b.e.t.Fatalf("not a consent page (%d): %s", p.code, p.body)
	}
	return b.post("/oauth2/authorize/consent", url.Values{
		"csrf_token": {p.hidden("csrf_token")}, "authorization_request": {p.hidden("authorization_request")},
		"session": {p.hidden("session")}, "decision": {decision},
	})
}

// callback checks p is a redirect to redirectURI carrying iss (RFC 9207)
// and returns the parameters Signet added.
func (p *page) callback(issuer, redirectURI string) url.Values {
	p.t.Helper()
	loc := p.header.Get("Location")
	if (p.code != http.StatusFound && p.code != http.StatusSeeOther) || !strings.HasPrefix(loc, redirectURI) {
		p.t.Fatalf("want a redirect to %s, got %d Location %q\n%s", redirectURI, p.code, loc, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		p.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("iss") != issuer {
		p.t.Errorf("iss = %q, want %q", q.Get("iss"), issuer)
	}
	return q
}

// errorPage checks p is an HTML error page with no redirect.
func (p *page) errorPage(status int) {
	p.t.Helper()
	if p.code != status || p.header.Get("Location") != "" || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		p.t.Fatalf("want a %d error page without Location, got %d Location %q", status, p.code, p.header.Get("Location"))
	}
	// A person can quote the request: the page shows its ID.
	if id := p.header.Get("X-Request-Id"); id == "" || !strings.Contains(p.body, "Support code: <code>"+id+"</code>") {
		p.t.Errorf("the error page does not show its support code (X-Request-Id %q)", id)
	}
	// The sentence for a person has no protocol words; those wait under
	// "Details for developers".
	m := alertRE.FindStringSubmatch(p.body)
	if m == nil {
		p.t.Fatalf("the error page has no sentence for a person:\n%s", p.body)
	}
	for _, w := range []string{"redirect_uri", "request_uri", "PAR", "client_id", "OAuth", "endpoint"} {
		if strings.Contains(m[1], w) {
			p.t.Errorf("the sentence for a person says %q: %s", w, m[1])
		}
	}
}

var (
	alertRE  = regexp.MustCompile(`<p role="alert">([^<]*)</p>`)
	actionRE = regexp.MustCompile(`<a class="button primary" href="([^"]*)">([^<]*)</a>`)
)

// action is the error page's way on: its link and label ("" if none).
func (p *page) action() (href, label string) {
	if m := actionRE.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1]), html.UnescapeString(m[2])
	}
	return "", ""
}

// pkce returns a verifier and its S256 challenge (RFC 7636 §4.2).
func pkce() (verifier, challenge string) {
	var b [32]byte
	rand.Read(b[:])
	verifier = base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// params builds authorization request parameters from pairs.
func params(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// toStrings converts a decoded JSON array of strings.
func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}
