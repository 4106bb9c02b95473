package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// TestAccountInChromium: on a 390 px phone, a person signs in to an
// application and allows it, follows the consent page's promise to the
// account page, removes the app's access (its tokens die: introspection
// says inactive), and signs out and in again there.
func TestAccountInChromium(t *testing.T) {
	chromium := requireBrowser(t)
	s := startSignet(t)

	var clientID, secret string

	// The application: it redeems the code at its callback, as a web app
	// does, and keeps the tokens.
	var mu sync.Mutex
	var tokens []string
	var callback string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" { // /favicon.ico
			w.WriteHeader(http.StatusNoContent)
			return
		}
		out := oauthPost(t, s.url+"/v1/oauth2/token", clientID, secret, url.Values{"grant_type": {"authorization_code"},
			"code": {r.URL.Query().Get("code")}, "redirect_uri": {callback}})
		mu.Lock()
		for _, k := range []string{"access_token", "refresh_token"} {
			if tok, _ := out[k].(string); tok != "" {
				tokens = append(tokens, tok)
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Acme Notes</title><p>Signed in to Acme Notes.</p>")
	}))
	defer app.Close()
	callback = app.URL + "/callback"
	c := s.call(t, "/v1/connected_apps/clients", map[string]any{
		"client_type": "third_party", "client_name": "Acme Notes", "redirect_urls": []string{callback},
	})["connected_app"].(map[string]any)
	clientID, secret = c["client_id"].(string), c["client_secret"].(string)
	s.call(t, "/v1/passwords", map[string]any{"email": "ada@example.com", "password": "v8#Lq2!mZr@9wTe4"})

	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid email offline_access"}, "state": {"st-1"}}
	shots := os.Getenv("SIGNET_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]string{
		"authorizeURL":   s.url + "/oauth2/authorize?" + q.Encode(),
		"email":          "ada@example.com",
		"password":       "v8#Lq2!mZr@9wTe4",
		"callbackPrefix": callback,
		"appName":        "Acme Notes",
		"screenshots":    shots,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "account.mjs", string(cfg))
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "SIGNET_BROWSER="+chromium)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\n%s", err, stderr.String())
	}
	var res struct {
		AccountURL    string   `json:"accountURL"`
		Overflow      []string `json:"overflow"`
		ConsoleErrors []string `json:"consoleErrors"`
		Steps         []string `json:"steps"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	t.Logf("steps: %s; screenshots in %s", strings.Join(res.Steps, ", "), shots)
	if want := s.url + "/account?project_id=" + url.QueryEscape(s.projectID); res.AccountURL != want {
		t.Errorf("ended at %q, want the account page %q", res.AccountURL, want)
	}
	for _, o := range res.Overflow {
		t.Errorf("wider than a 390 px phone: %s", o)
	}
	for _, e := range res.ConsoleErrors {
		t.Errorf("console error: %s", e)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tokens) != 2 {
		t.Fatalf("the app got %d tokens, want an access and a refresh token", len(tokens))
	}
	for _, tok := range tokens {
		if active := oauthPost(t, s.url+"/v1/oauth2/introspect", clientID, secret, url.Values{"token": {tok}})["active"]; active != false {
			t.Errorf("introspection after removing the app's access: active = %v, want false", active)
		}
	}
	for _, name := range []string{"phone-consent", "phone-account", "phone-account-removed", "phone-account-sign-in"} {
		if fi, err := os.Stat(filepath.Join(shots, name+".png")); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s.png missing", name)
		}
	}
}

// oauthPost posts a form to an OAuth endpoint with client_secret_basic
// and decodes the answer (any status).
func oauthPost(t *testing.T, endpoint, clientID, secret string, form url.Values) map[string]any {
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Errorf("POST %s: %v", endpoint, err)
	}
	return out
}
