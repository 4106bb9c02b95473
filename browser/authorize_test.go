// Package browser holds end-to-end tests that drive a real browser
// (headless Chromium, through playwright-core in node/) against a real
// `signet serve` process.
//
// They run when SIGNET_BROWSER names a Chromium binary (CI sets
// /usr/bin/chromium and runs `npm ci` in node/ first) and fail if it is set
// but Chromium, node or node/node_modules is missing. With SIGNET_BROWSER
// unset they run if /usr/bin/chromium and node_modules are there, and skip
// otherwise. Screenshots go to $SIGNET_SCREENSHOTS, or a temp directory.
package browser

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const defaultChromium = "/usr/bin/chromium"

// requireBrowser returns the Chromium binary, or skips or fails the test
// by the rules of the package comment.
func requireBrowser(t *testing.T) string {
	t.Helper()
	bin, required := os.Getenv("SIGNET_BROWSER"), true
	if bin == "" {
		bin, required = defaultChromium, false
	}
	missing := func(what string) {
		t.Helper()
		if required {
			t.Fatalf("SIGNET_BROWSER is set but %s", what)
		}
		t.Skipf("browser tests skipped: %s (set SIGNET_BROWSER to require them)", what)
	}
	if _, err := os.Stat(bin); err != nil {
		missing(bin + " is missing")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "playwright-core")); err != nil {
		missing("node/node_modules is missing (run npm ci in browser/node)")
	}
	return bin
}

// signet is a running `signet serve` with one project.
type signet struct {
	url, projectID, secret string
}

// startSignet builds the binary, makes a project with `signet init` and
// serves it on a free loopback port until the test ends.
func startSignet(t *testing.T) *signet {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "signet")
	build := exec.Command("go", "build", "-o", bin, "../cmd/signet")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var mk [32]byte
	rand.Read(mk[:])
	env := append(os.Environ(), "SIGNET_MASTER_KEY="+base64.StdEncoding.EncodeToString(mk[:]), "SIGNET_LOG_LEVEL=warn")
	db := "sqlite:" + filepath.Join(dir, "signet.db")

	initCmd := exec.Command(bin, "init", "--db", db, "--json")
	initCmd.Env = env
	out, err := initCmd.Output()
	if err != nil {
		t.Fatalf("signet init: %v", err)
	}
	var creds struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	if err := json.Unmarshal(out, &creds); err != nil {
		t.Fatalf("init output %q: %v", out, err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	serve := exec.Command(bin, "serve", "--addr", addr, "--db", db)
	serve.Env = env
	startProcess(t, serve, &log)
	s := &signet{url: "http://" + addr, projectID: creds.ProjectID, secret: creds.Secret}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("signet not ready; log:\n%s", log.String())
		}
	}
}

// startProcess starts cmd with its output in log and, when the test
// ends, interrupts it (killing it after 15 s) and shows log if the test
// failed.
func startProcess(t *testing.T, cmd *exec.Cmd, log *bytes.Buffer) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(cmd.Path), log.String())
		}
	})
}

// call sends a management request and decodes the answer.
func (s *signet) call(t *testing.T, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
	req.SetBasicAuth(s.projectID, s.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST %s = %d %v (%v)", path, resp.StatusCode, out, err)
	}
	return out
}

// TestAuthorizeInChromium signs in and consents on the hosted pages in
// headless Chromium and checks the code lands at the client's
// redirect_uri with state and iss.
func TestAuthorizeInChromium(t *testing.T) {
	chromium := requireBrowser(t)
	s := startSignet(t)

	// The client's redirect_uri: a tiny server recording what arrives.
	var mu sync.Mutex
	var got, posted []url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" { // not /favicon.ico
			mu.Lock()
			if r.Method == http.MethodPost {
				r.ParseForm()
				posted = append(posted, r.PostForm)
			} else {
				got = append(got, r.URL.Query())
			}
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Acme Notes</title><p>Signed in to Acme Notes.</p>")
	}))
	defer app.Close()
	callback := app.URL + "/callback"

	c := s.call(t, "/v1/connected_apps/clients", map[string]any{
		"client_type": "third_party", "client_name": "Acme Notes",
		"client_description": "Notes for teams", "redirect_urls": []string{callback},
	})["connected_app"].(map[string]any)
	clientID := c["client_id"].(string)
	s.call(t, "/v1/passwords", map[string]any{"email": "ada@example.com", "password": "v8#Lq2!mZr@9wTe4"})

	state := "st-" + strings.Repeat("x", 20) + "-._~"
	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid email profile offline_access"}, "state": {state}, "nonce": {"n-1"}}
	// The same request with response_mode=form_post.jwt, once the session
	// and consent exist.
	fp := url.Values{}
	for k, v := range q {
		fp[k] = v
	}
	fp.Set("response_mode", "form_post.jwt")
	bad := url.Values{"client_id": {clientID}, "redirect_uri": {app.URL + "/elsewhere"}, "response_type": {"code"}, "scope": {"openid"}}

	shots := os.Getenv("SIGNET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]string{
		"authorizeURL":   s.url + "/oauth2/authorize?" + q.Encode(),
		"badRedirectURL": s.url + "/oauth2/authorize?" + bad.Encode(),
		"formPostURL":    s.url + "/oauth2/authorize?" + fp.Encode(),
		"email":          "ada@example.com",
		"password":       "v8#Lq2!mZr@9wTe4",
		"callbackPrefix": callback,
		"screenshots":    shots,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "authorize.mjs", string(cfg))
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "SIGNET_BROWSER="+chromium)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\n%s", err, stderr.String())
	}
	var res struct {
		FinalURL      string   `json:"finalURL"`
		CallbackText  string   `json:"callbackText"`
		FormPostURL   string   `json:"formPostURL"`
		FormPostText  string   `json:"formPostText"`
		ConsoleErrors []string `json:"consoleErrors"`
		Steps         []string `json:"steps"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	t.Logf("steps: %s; screenshots in %s", strings.Join(res.Steps, ", "), shots)

	mu.Lock()
	defer mu.Unlock()
	// Only the successful redirect reaches the app: the bad redirect_uri
	// got an error page and the wrong password the form again.
	if len(got) != 1 {
		t.Fatalf("the app received %d requests, want exactly 1: %v", len(got), got)
	}
	cb := got[0]
	if code := cb.Get("code"); len(code) != 43 || cb.Get("state") != state || cb.Get("iss") != s.url || cb.Has("error") {
		t.Errorf("callback = %v, want a 43-character code, the exact state and iss %s", cb, s.url)
	}
	if !strings.HasPrefix(res.FinalURL, callback+"?") || !strings.Contains(res.CallbackText, "Signed in to Acme Notes") {
		t.Errorf("browser ended at %q showing %q", res.FinalURL, res.CallbackText)
	}
	// form_post.jwt: form_post.js posted exactly one response, a signed
	// JWT (three parts) carrying the code and state.
	if len(posted) != 1 || len(posted[0]) != 1 || strings.Count(posted[0].Get("response"), ".") != 2 {
		t.Fatalf("the app received %d POSTs, want exactly 1 with only a response JWT: %v", len(posted), posted)
	}
	parts := strings.Split(posted[0].Get("response"), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims["state"] != state || claims["iss"] != s.url ||
		claims["aud"] != clientID || claims["code"] == nil {
		t.Errorf("form_post.jwt response claims = %s", payload)
	}
	if !strings.HasPrefix(res.FormPostURL, callback) || !strings.Contains(res.FormPostText, "Signed in to Acme Notes") {
		t.Errorf("form_post.jwt: browser ended at %q showing %q", res.FormPostURL, res.FormPostText)
	}
	// Blocked resources and CSP violations show up as console errors; the
	// 400 of the error page and 401 of the wrong password are expected.
	for _, e := range res.ConsoleErrors {
		if !strings.Contains(e, "400") && !strings.Contains(e, "401") {
			t.Errorf("console error: %s", e)
		}
	}
	for _, name := range []string{"error", "login", "login-error", "consent"} {
		if fi, err := os.Stat(filepath.Join(shots, name+".png")); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s.png missing", name)
		}
	}
}
