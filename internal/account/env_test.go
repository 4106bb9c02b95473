package account_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
)

// env is a whole Signet (internal/server wiring) with one project, on a
// test clock aligned to the hour so that no throttle window ends midway.
type env struct {
	t         *testing.T
	s         *servertest.Signet
	st        store.Store
	clock     *testclock.Clock
	url       string
	projectID string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	now := time.Now().UTC()
	clock := testclock.New(now.Truncate(time.Hour).Add(time.Hour))
	s := servertest.Start(t, servertest.Options{Now: clock.Now})
	return &env{t: t, s: s, st: s.Store, clock: clock, url: s.URL, projectID: s.ProjectID}
}

func (e *env) api(method, path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(b))
	req.SetBasicAuth(e.projectID, e.s.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("%s %s = %d %v (%v)", method, path, resp.StatusCode, out, err)
	}
	return out
}

const password = "v8#Lq2!mZr@9wTe4"

// user signs a person up with password and returns their user ID.
func (e *env) user(email string) string {
	e.t.Helper()
	return e.api("POST", "/v1/passwords", map[string]any{"email": email, "password": password})["user_id"].(string)
}

// app registers a third-party Connected App and returns its ID and secret.
func (e *env) app(name string) (id, secret string) {
	e.t.Helper()
	c := e.api("POST", "/v1/connected_apps/clients", map[string]any{
		"client_type": "third_party", "client_name": name, "redirect_urls": []string{cb},
	})["connected_app"].(map[string]any)
	return c["client_id"].(string), c["client_secret"].(string)
}

const cb = "https://app.example/cb"

// browser keeps cookies and does not follow redirects.
type browser struct {
	e  *env
	c  *http.Client
	ua string // the User-Agent it sends ("" for Go's)
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	t      *testing.T
	code   int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) *page {
	b.e.t.Helper()
	if b.ua != "" {
		req.Header.Set("User-Agent", b.ua)
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

// follow GETs where a redirect points (a path of the server).
func (b *browser) follow(p *page) *page {
	b.e.t.Helper()
	loc := p.header.Get("Location")
	if p.code/100 != 3 || !strings.HasPrefix(loc, "/") {
		b.e.t.Fatalf("want a redirect to a path here, got %d Location %q\n%s", p.code, loc, p.body)
	}
	return b.get(loc)
}

// accountURL is the account page of the env's project.
func (e *env) accountURL() string { return "/account?project_id=" + url.QueryEscape(e.projectID) }

// signIn signs b in on the account page's sign-in form and returns the
// account page.
func (b *browser) signIn(email, pw string) *page {
	b.e.t.Helper()
	p := b.get(b.e.accountURL())
	if p.code == http.StatusFound {
		p = b.follow(p)
	}
	p = b.submitSignIn(p, email, pw)
	if p.code != http.StatusSeeOther {
		b.e.t.Fatalf("sign-in = %d\n%s", p.code, p.body)
	}
	return b.follow(p)
}

func (b *browser) submitSignIn(p *page, email, pw string) *page {
	b.e.t.Helper()
	if !strings.Contains(p.body, `action="/account/sign-in"`) {
		b.e.t.Fatalf("not the sign-in form (%d):\n%s", p.code, p.body)
	}
	return b.post("/account/sign-in", url.Values{"csrf_token": {p.hidden("csrf_token")}, "project_id": {p.hidden("project_id")},
		"return_to": {p.hidden("return_to")}, "email": {email}, "password": {pw}})
}

// submit posts one of the account page's forms with its hidden fields and
// extra.
func (b *browser) submit(p *page, action string, extra ...string) *page {
	b.e.t.Helper()
	f := url.Values{"csrf_token": {p.hidden("csrf_token")}, "project_id": {p.hidden("project_id")}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return b.post(action, f)
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

// hiddenAll lists every value of a hidden field, in page order.
func (p *page) hiddenAll(name string) []string {
	var out []string
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		if m[1] == name {
			out = append(out, html.UnescapeString(m[2]))
		}
	}
	return out
}

func (p *page) isAccount() bool { return strings.Contains(p.body, "<h1>Your account</h1>") }

// grant walks the hosted authorization flow for clientID in b (signing in
// there if b is not), allows it, and redeems the code: the access and
// refresh tokens.
func (b *browser) grant(clientID, secret, email string) (access, refresh string) {
	e := b.e
	e.t.Helper()
	var raw [32]byte
	rand.Read(raw[:])
	verifier := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {clientID}, "redirect_uri": {cb}, "response_type": {"code"}, "scope": {"openid email offline_access"},
		"state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	p := b.get("/oauth2/authorize?" + q.Encode())
	if strings.Contains(p.body, `action="/oauth2/authorize/login"`) {
		p = b.post("/oauth2/authorize/login", url.Values{"csrf_token": {p.hidden("csrf_token")},
			"authorization_request": {p.hidden("authorization_request")}, "email": {email}, "password": {password}})
	}
	if strings.Contains(p.body, `action="/oauth2/authorize/consent"`) { // else a remembered consent
		if want := `href="/account?project_id=` + e.projectID + `"`; !strings.Contains(p.body, want) {
			e.t.Errorf("the consent page does not link its promise to the account page (%s)", want)
		}
		p = b.post("/oauth2/authorize/consent", url.Values{"csrf_token": {p.hidden("csrf_token")},
			"authorization_request": {p.hidden("authorization_request")}, "session": {p.hidden("session")}, "decision": {"allow"}})
	}
	loc, err := url.Parse(p.header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		e.t.Fatalf("no code: %d %q", p.code, p.header.Get("Location"))
	}
	out := e.oauth(clientID, secret, "/v1/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {cb}, "code_verifier": {verifier}})
	access, _ = out["access_token"].(string)
	refresh, _ = out["refresh_token"].(string)
	if access == "" || refresh == "" {
		e.t.Fatalf("token response %v", out)
	}
	return access, refresh
}

// oauth posts a form to an OAuth endpoint with client_secret_basic.
func (e *env) oauth(clientID, secret, path string, form url.Values) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("POST %s = %d %v (%v)", path, resp.StatusCode, out, err)
	}
	return out
}

// active asks introspection (RFC 7662) whether a token is active.
func (e *env) active(clientID, secret, tok string) bool {
	e.t.Helper()
	return e.oauth(clientID, secret, "/v1/oauth2/introspect", url.Values{"token": {tok}})["active"] == true
}
