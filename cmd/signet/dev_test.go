package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/demo"
	"github.com/signet-id/signet/internal/store"
)

// startDev runs serve --dev in dir on free ports until the test ends (or
// stop is called) and returns its banner once everything is up.
func startDev(t *testing.T, dir string) (banner string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--data-dir", dir,
			"--addr", "127.0.0.1:0", "--sandbox-bank-addr", "127.0.0.1:0", "--sandbox-bank-mtls-addr", "",
			"--demo-app-addr", "127.0.0.1:0"}, &out, &bytes.Buffer{})
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve --dev: %v", err)
		}
	}
	t.Cleanup(stop)
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "Clients:") {
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("serve --dev ended: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("serve --dev: no banner in\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return out.String(), stop
}

var (
	openRE      = regexp.MustCompile(`Open (http://127\.0\.0\.1:\d+) and choose Verify with your bank`)
	discoveryRE = regexp.MustCompile(`Discovery:  (http://\S+)/\.well-known/openid-configuration`)
)

func readDevCredentials(t *testing.T, dir string) devCredentials {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, devCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var c devCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Two boots of serve --dev register the sandbox bank once and the demo
// app once, each following the addresses of the boot (the ports here
// change every time).
func TestServeDevRegistersOnce(t *testing.T) {
	dir := t.TempDir()
	var demoURLs, banners []string
	issuer := ""
	for range 2 {
		banner, stop := startDev(t, dir)
		banners = append(banners, banner)
		m := openRE.FindStringSubmatch(banner)
		if m == nil || !strings.Contains(banner, "sandbox bank user mikomo_10@sandbox.bank / mikomo_10") ||
			strings.Index(banner, "Open ") > strings.Index(banner, "Demo project ID:") {
			t.Fatalf("banner does not start with what to open:\n%s", banner)
		}
		demoURLs = append(demoURLs, m[1])
		issuer = discoveryRE.FindStringSubmatch(banner)[1] // the first: Signet's, not the bank's
		stop()
	}
	creds := readDevCredentials(t, dir)
	rp := readRPFile(t, filepath.Join(dir, bankRPFile))
	if creds.SandboxBankID == "" || creds.DemoApp == nil || creds.DemoApp.ClientID == "" || creds.DemoApp.ClientSecret == "" {
		t.Fatalf("%s: %+v", devCredentialsFile, creds)
	}
	st, err := openMigrated(context.Background(), "sqlite:"+filepath.Join(dir, "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	// One demo project of each vertical, the same on both boots, and the
	// banner shows both.
	for id, vertical := range map[string]string{creds.ProjectID: store.VerticalConsumer, creds.B2BProjectID: store.VerticalB2B} {
		p, err := st.Project(ctx, id)
		if err != nil || p.Vertical != vertical {
			t.Errorf("demo project %q: %+v, %v; want vertical %s", id, p, err, vertical)
		}
	}
	for _, b := range banners {
		if !strings.Contains(b, "Demo project ID:      "+creds.ProjectID) || !strings.Contains(b, "Demo B2B project ID:      "+creds.B2BProjectID) ||
			!strings.Contains(b, "Demo B2B project secret:  "+creds.B2BSecret) {
			t.Errorf("banner lacks a demo project:\n%s", b)
		}
	}
	bs, err := st.Banks(ctx, creds.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].ID != creds.SandboxBankID || bs[0].Issuer != rp.Issuer || bs[0].DisplayName != bankBranding.Name ||
		bs[0].ClientID != rp.Clients[sandboxBankClient].ClientID || bs[0].AuthMethod != "client_secret_basic" {
		t.Errorf("banks after two boots: %+v (bank issuer now %s)", bs, rp.Issuer)
	}
	apps, err := st.SearchConnectedApps(ctx, creds.ProjectID, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps.Apps) != 1 {
		t.Fatalf("connected apps after two boots: %+v", apps.Apps)
	}
	a := apps.Apps[0]
	if a.ClientID != creds.DemoApp.ClientID || a.Type != "first_party" || a.Name != "Demo app" ||
		!slices.Equal(a.RedirectURLs, []string{demoURLs[1] + demo.CallbackPath}) ||
		!slices.Equal(a.OriginURLs, []string{demoURLs[1] + demo.SelectedPath}) {
		t.Errorf("demo app after two boots: %+v (demo app at %v)", a, demoURLs)
	}
	for _, c := range rp.Clients {
		if !slices.Contains(c.RedirectURIs, issuer+"/verify/callback") {
			t.Errorf("sandbox client %s redirect URIs %v lack Signet's callback", c.ClientID, c.RedirectURIs)
		}
	}
}

// The whole demo, as a person would click through it: the demo app, Signet's
// sign-in page, "Verify with your bank", the account selector, the sandbox
// bank's sign-in and consent, back through Signet to the demo app, which
// shows the user and the bank verification.
func TestServeDevBankSignIn(t *testing.T) {
	dir := t.TempDir()
	banner, _ := startDev(t, dir)
	demoURL := openRE.FindStringSubmatch(banner)[1]
	user := testCustomers[0]
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	home := fetch(t, hc, http.MethodGet, demoURL+"/", nil)
	if !strings.Contains(home.body, `href="/login"`) || !strings.Contains(home.body, user.email()) {
		t.Fatalf("demo home page:\n%s", home.body)
	}
	var seen []string
	r := fetch(t, hc, http.MethodGet, demoURL+"/login", nil)
	for step := 0; ; step++ {
		if step > 20 {
			t.Fatalf("no end after %v", seen)
		}
		seen = append(seen, r.url.Path)
		if r.status/100 == 3 {
			r = fetch(t, hc, http.MethodGet, r.location, nil)
			continue
		}
		if r.status != http.StatusOK {
			t.Fatalf("%s = %d after %v:\n%s", r.url, r.status, seen, r.body)
		}
		if strings.HasPrefix(r.url.String(), demoURL+"/") && r.url.Path == "/" {
			break
		}
		switch {
		case strings.Contains(r.body, `id="verify-with-bank"`): // Signet's sign-in page
			r = submitForm(t, hc, r, `id="verify-with-bank"`, nil)
		case strings.Contains(r.body, `name="bank_id"`): // the account selector
			id := regexp.MustCompile(`name="bank_id" value="([^"]+)"`).FindStringSubmatch(r.body)[1]
			r = submitForm(t, hc, r, `name="bank_id"`, url.Values{"bank_id": {id}})
		case strings.Contains(r.body, `name="password"`): // the bank's sign-in page
			r = submitForm(t, hc, r, `name="password"`, url.Values{"email": {user.email()}, "password": {user.login}})
		case strings.Contains(r.body, `name="decision"`): // the bank's consent page
			r = submitForm(t, hc, r, `name="decision"`, url.Values{"decision": {"allow"}})
		default: // Signet's "Taking you back" page
			m := regexp.MustCompile(`<a class="button primary" href="([^"]+)">`).FindStringSubmatch(r.body)
			if m == nil {
				t.Fatalf("%s: unexpected page after %v:\n%s", r.url, seen, r.body)
			}
			r = fetch(t, hc, http.MethodGet, html.UnescapeString(m[1]), nil)
		}
	}
	t.Logf("flow: %v", seen)
	for _, want := range []string{`id="signed-in"`, `<dd id="user-name">Mikomo Tanaka</dd>`, `<dd id="user-email">` + user.email() + `</dd>`,
		`<dd id="verification-bank">Signet Sandbox Bank</dd>`, `<dd id="external-source-type">bank</dd>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("signed-in page lacks %q:\n%s", want, r.body)
		}
	}
	for _, p := range []string{"/oauth2/authorize", "/select-bank", "/verify/selected", "/verify/callback", demo.CallbackPath} {
		if !slices.Contains(seen, p) {
			t.Errorf("the flow skipped %s: %v", p, seen)
		}
	}
}

type fetched struct {
	url      *url.URL
	status   int
	location string
	body     string
}

func fetch(t *testing.T, hc *http.Client, method, u string, form url.Values) fetched {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	f := fetched{url: req.URL, status: resp.StatusCode, body: string(b)}
	if loc := resp.Header.Get("Location"); loc != "" {
		l, _ := req.URL.Parse(loc)
		f.location = l.String()
	}
	return f
}

var (
	postFormRE = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRE   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// submitForm posts the first POST form of page r containing marker, with
// its hidden inputs and extra.
func submitForm(t *testing.T, hc *http.Client, r fetched, marker string, extra url.Values) fetched {
	t.Helper()
	for _, m := range postFormRE.FindAllStringSubmatch(r.body, -1) {
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
		action, err := r.url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		return fetch(t, hc, http.MethodPost, action.String(), form)
	}
	t.Fatalf("%s: no form with %q:\n%s", r.url, marker, r.body)
	return fetched{}
}

func TestDemoBaseURL(t *testing.T) {
	tests := []struct{ flag, bound, want string }{
		{"127.0.0.1:3000", "127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"127.0.0.1:0", "127.0.0.1:54321", "http://127.0.0.1:54321"},
		{"localhost:3000", "127.0.0.1:3000", "http://localhost:3000"},
		{":3000", "[::]:3000", "http://127.0.0.1:3000"},
		{"0.0.0.0:3000", "0.0.0.0:3000", "http://127.0.0.1:3000"},
		{"[::1]:3000", "[::1]:3000", "http://[::1]:3000"},
	}
	for _, tt := range tests {
		bound, err := net.ResolveTCPAddr("tcp", tt.bound)
		if err != nil {
			t.Fatal(err)
		}
		if got := demoBaseURL(tt.flag, bound); got != tt.want {
			t.Errorf("demoBaseURL(%q, %s) = %q, want %q", tt.flag, tt.bound, got, tt.want)
		}
	}
}
