package server

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/oidc"
	"github.com/signet-id/signet/rp/rptest"
)

// The harness of the bank verification tests (verify_test.go): the whole
// server, a fake bank (rptest) and a cookie-keeping browser that walks the
// sign-in page, "Verify with your bank", the account selector, the bank,
// the callback, and back into the authorization request.

type bankEnv struct {
	testServer
	t        testing.TB
	clientID string
	redirect string
}

func newBankEnv(t testing.TB, opts ...func(*Config)) *bankEnv {
	t.Helper()
	ts := newTestServer(t, opts...)
	e := &bankEnv{testServer: ts, t: t, redirect: "https://app.example/cb"}
	resp, out := e.do(t, "POST", "/v1/connected_apps/clients", "application/json",
		`{"client_type":"first_party","client_name":"Demo","redirect_urls":["https://app.example/cb"],"origin_urls":["https://app.example/bank"]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create app: %d %v", resp.StatusCode, out)
	}
	e.clientID = out["connected_app"].(map[string]any)["client_id"].(string)
	return e
}

// addBank registers a fake bank with a client for Signet's callback.
func (e *bankEnv) addBank(name string, opts rptest.Options) (*rptest.Server, string) {
	return e.addBankKeys(name, opts, nil, nil)
}

// addBankKeys is addBank with a JWKS: request objects signed, responses
// encrypted (FAPI-style).
func (e *bankEnv) addBankKeys(name string, opts rptest.Options, private, public []byte) (*rptest.Server, string) {
	e.t.Helper()
	bank := rptest.NewServer(e.t, opts)
	bank.RegisterClient(rptest.Client{ID: "signet-" + name, Secret: "s3cret-" + name, AuthMethod: "client_secret_basic",
		RedirectURIs: []string{e.URL + banks.CallbackPath}, JWKS: public})
	spec := map[string]any{"issuer": bank.Issuer(), "display_name": name, "client_id": "signet-" + name,
		"auth_method": "client_secret_basic", "client_secret": "s3cret-" + name, "background_color": "#0b6e4f"}
	if private != nil {
		spec["jwks"] = json.RawMessage(private)
	}
	body, _ := json.Marshal(spec)
	resp, out := e.do(e.t, "POST", "/v1/banks", "application/json", string(body), true)
	if resp.StatusCode != 200 {
		e.t.Fatalf("add bank: %d %v", resp.StatusCode, out)
	}
	b := out["bank"].(map[string]any)
	if b["redirect_uri"] != e.URL+banks.CallbackPath {
		e.t.Errorf("redirect_uri = %v", b["redirect_uri"])
	}
	return bank, b["bank_id"].(string)
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t  testing.TB
	hc *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	req      string // the URL requested
	status   int
	location string
	body     string
	csp      string
}

// hasCookie reports whether the browser holds a cookie name for base.
func (b *browser) hasCookie(base, name string) bool {
	u, _ := url.Parse(base)
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name && c.Value != "" {
			return true
		}
	}
	return false
}

func (b *browser) get(u string) page {
	b.t.Helper()
	return b.send(http.MethodGet, u, nil)
}

func (b *browser) send(method, u string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return page{req: u, status: resp.StatusCode, location: resp.Header.Get("Location"), body: buf.String(), csp: resp.Header.Get("Content-Security-Policy")}
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="(get|post)" action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	refresh  = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]+)">`)
)

// form returns the action and hidden fields of the page's form posting
// to a path ending in action.
func (p page) form(t testing.TB, action string) (string, url.Values) {
	t.Helper()
	for _, m := range formRe.FindAllStringSubmatch(p.body, -1) {
		if m[1] == "post" && strings.HasSuffix(html.UnescapeString(m[2]), action) {
			v := url.Values{}
			for _, h := range hiddenRe.FindAllStringSubmatch(m[3], -1) {
				v.Set(h[1], html.UnescapeString(h[2]))
			}
			return html.UnescapeString(m[2]), v
		}
	}
	t.Fatalf("no form posting to %s in %d page:\n%s", action, p.status, p.body)
	return "", nil
}

func (e *bankEnv) abs(u string) string {
	if strings.HasPrefix(u, "/") {
		return e.URL + u
	}
	return u
}

// toBank walks from the authorization request to the bank's authorization
// URL (the Location the callback chain sends the browser to).
func (e *bankEnv) toBank(b *browser, bankID string, extra ...url.Values) page {
	e.t.Helper()
	q := url.Values{"client_id": {e.clientID}, "redirect_uri": {e.redirect}, "response_type": {"code"},
		"scope": {"openid email profile phone"}, "state": {"app-state"}, "nonce": {"n"},
		"code_challenge": {oidc.S256Challenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	for _, x := range extra {
		for k, v := range x {
			q[k] = v
		}
	}
	login := b.get(e.URL + "/oauth2/authorize?" + q.Encode())
	if login.status != 200 || !strings.Contains(login.body, "Verify with your bank") {
		e.t.Fatalf("login page %d lacks the bank button:\n%s", login.status, login.body)
	}
	action, fields := login.form(e.t, "/oauth2/authorize/bank")
	sel := b.send("POST", e.abs(action), fields)
	if sel.status != http.StatusSeeOther || !strings.HasPrefix(sel.location, "/select-bank?") {
		e.t.Fatalf("bank button: %d %q", sel.status, sel.location)
	}
	selector := b.get(e.abs(sel.location))
	if selector.status != 200 {
		e.t.Fatalf("selector: %d\n%s", selector.status, selector.body)
	}
	action, fields = selector.form(e.t, "/select-bank")
	fields.Set("bank_id", bankID)
	chosen := b.send("POST", e.abs(action), fields)
	if chosen.status != http.StatusSeeOther || !strings.HasPrefix(chosen.location, e.URL+"/verify/selected?") {
		e.t.Fatalf("choice: %d %q\n%s", chosen.status, chosen.location, chosen.body)
	}
	return b.get(chosen.location)
}

// atBank plays the bank's side: it answers the authorization URL with its
// redirect to the callback, which the browser then opens.
func atBank(t testing.TB, b *browser, bank *rptest.Server, toBank page) page {
	t.Helper()
	if toBank.status != http.StatusSeeOther {
		t.Fatalf("selected: %d\n%s", toBank.status, toBank.body)
	}
	cb, err := bank.Authorize(toBank.location)
	if err != nil {
		t.Fatal(err)
	}
	return b.get(cb)
}

// finish follows the continue page and consent to the application's
// redirect URI and returns its query.
func (e *bankEnv) finish(b *browser, p page) url.Values {
	e.t.Helper()
	for range 5 {
		if m := refresh.FindStringSubmatch(p.body); p.status == 200 && m != nil {
			to := html.UnescapeString(m[1])
			if strings.HasPrefix(to, e.redirect) {
				u, _ := url.Parse(to)
				return u.Query()
			}
			p = b.get(e.abs(to))
			continue
		}
		if p.status == 200 && strings.Contains(p.body, "/oauth2/authorize/consent") {
			action, fields := p.form(e.t, "/oauth2/authorize/consent")
			fields.Set("decision", "allow")
			p = b.send("POST", e.abs(action), fields)
			continue
		}
		if p.location != "" && strings.HasPrefix(p.location, e.redirect) {
			u, _ := url.Parse(p.location)
			return u.Query()
		}
		break
	}
	e.t.Fatalf("did not reach the application: %d %q\n%s", p.status, p.location, p.body)
	return nil
}

func (e *bankEnv) metrics(t testing.TB) string {
	t.Helper()
	resp, err := e.Client().Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String()
}

func (e *bankEnv) users(t testing.TB) []any {
	t.Helper()
	_, out := e.do(t, "POST", "/v1/users/search", "application/json", `{"limit":100}`, true)
	l, _ := out["results"].([]any)
	return l
}
