package demo

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/server/servertest"
)

// env is a real Signet (in-process server, real SQLite or Postgres) with a project,
// the demo app registered in it as a Connected App, and the app itself
// served on its own test server.
type env struct {
	signet    *httptest.Server
	app       *App
	appSrv    *httptest.Server
	projectID string
	secret    string
}

const (
	testEmail    = "ada@example.com"
	testPassword = "correct-Horse-battery-staple-42"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	s := servertest.New(t)
	e := &env{signet: s.Server, projectID: s.ProjectID, secret: s.Secret}

	// The app's address is known once its server runs; the handler is
	// set after the client is registered with that address.
	h := http.NotFoundHandler()
	e.appSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.appSrv.Close)
	var created struct {
		ConnectedApp struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"connected_app"`
	}
	e.api(t, http.MethodPost, "/v1/connected_apps/clients", map[string]any{
		"client_type": "first_party", "client_name": "Demo app",
		"redirect_urls": []string{e.appSrv.URL + CallbackPath}, "origin_urls": []string{e.appSrv.URL + SelectedPath},
		"post_logout_redirect_urls": []string{e.appSrv.URL + PostLogoutPath},
	}, &created)
	e.api(t, http.MethodPost, "/v1/passwords", map[string]any{
		"email": testEmail, "password": testPassword, "name": map[string]string{"first_name": "Ada", "last_name": "Lovelace"},
	}, nil)
	var err error
	e.app, err = New(Config{
		Issuer: s.URL, ClientID: created.ConnectedApp.ClientID, ClientSecret: Secret(created.ConnectedApp.ClientSecret),
		BaseURL: e.appSrv.URL, ProjectID: s.ProjectID, ProjectSecret: Secret(s.Secret), Hint: "Test hint.",
	})
	if err != nil {
		t.Fatal(err)
	}
	h = e.app
	return e
}

// api calls the management API as the project and decodes the answer.
func (e *env) api(t *testing.T, method, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.signet.URL+path, bytes.NewReader(b))
	req.SetBasicAuth(e.projectID, e.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// browser is a cookie-keeping client that follows no redirect.
type browser struct {
	t  *testing.T
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" {
		u, _ := req.URL.Parse(loc)
		r.location = u.String()
	}
	return r
}

func (b *browser) get(u string) response {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) response {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
	chooseRE = regexp.MustCompile(`<a href="([^"]*)" id="choose-bank">`)
)

// submit posts the first POST form of page whose body contains marker,
// with its hidden inputs and extra.
func (b *browser) submit(pageURL, page, marker string, extra url.Values) response {
	b.t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[2], marker) {
			continue
		}
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			form.Set(h[1], html.UnescapeString(h[2]))
		}
		for k, v := range extra {
			form[k] = v
		}
		base, _ := url.Parse(pageURL)
		action, _ := base.Parse(html.UnescapeString(m[1]))
		return b.post(action.String(), form)
	}
	b.t.Fatalf("%s: no form with %q in\n%s", pageURL, marker, page)
	return response{}
}

// signIn runs the whole code flow with a password at Signet's hosted page
// and returns the app's answer to the callback.
func (e *env) signIn(t *testing.T, b *browser) response {
	t.Helper()
	r := b.get(e.appSrv.URL + "/login")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, e.signet.URL+"/oauth2/authorize?") {
		t.Fatalf("/login = %d %q", r.status, r.location)
	}
	authURL := r.location
	r = b.get(authURL)
	if r.status != http.StatusOK {
		t.Fatalf("authorize = %d %s", r.status, r.body)
	}
	r = b.submit(authURL, r.body, `name="password"`, url.Values{"email": {testEmail}, "password": {testPassword}})
	if r.status/100 != 3 || !strings.HasPrefix(r.location, e.appSrv.URL+CallbackPath+"?") {
		t.Fatalf("sign-in = %d %q %s", r.status, r.location, r.body)
	}
	return b.get(r.location)
}
