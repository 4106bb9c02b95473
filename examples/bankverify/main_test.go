package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

// TestFlow drives the app against the fake bank: Origin URL, bank,
// Redirect URL, with a config file in the sandbox RP file shape.
func TestFlow(t *testing.T) {
	bank := rptest.NewServer(t, rptest.Options{})
	const redirect = "http://localhost:3001/button/oauth/callback"
	priv, pub := rptest.GenerateJWKS(t)
	bank.RegisterClient(rptest.Client{ID: "bv", Secret: "sec", AuthMethod: "client_secret_basic",
		RedirectURIs: []string{redirect}, JWKS: pub})
	file, _ := json.Marshal(map[string]any{
		"issuer": bank.Issuer(),
		"clients": []map[string]any{{"name": "basic", "client_id": "bv", "client_secret": "sec",
			"token_endpoint_auth_method": "client_secret_basic", "redirect_uris": []string{redirect},
			"jwks": string(priv)}},
	})
	path := filepath.Join(t.TempDir(), "sandbox-bank-rp.json")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	issuer, _, cfg, err := loadConfig(path, "basic")
	if err != nil {
		t.Fatal(err)
	}
	client, err := rp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{rp: client, issuer: issuer, sessions: map[string]session{}}
	h := a.routes()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/button/oauth", nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("origin: %d %s", rec.Code, rec.Body)
	}
	cookie := rec.Result().Cookies()[0]
	cb, err := bank.Authorize(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cb)
	req := httptest.NewRequest("GET", u.RequestURI(), nil)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "mikomo_10@example.com") {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), `"sub": "user-1"`) { // quotes must be escaped
		t.Error("JSON rendered unescaped")
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req) // the session is single-use
	if rec.Code != http.StatusBadRequest {
		t.Errorf("replayed callback: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/jwks", nil))
	if !strings.Contains(rec.Body.String(), `"use":"enc"`) || strings.Contains(rec.Body.String(), `"d"`) {
		t.Errorf("jwks: %s", rec.Body)
	}
}

// The file signet sandbox-bank writes: clients by name, default "basic".
func TestLoadConfigMap(t *testing.T) {
	priv, _ := rptest.GenerateJWKS(t)
	file := `{"issuer":"http://localhost:8080","mtls_base_url":"","clients":{
		"basic":{"client_id":"b","client_secret":"s","token_endpoint_auth_method":"client_secret_basic","redirect_uris":["http://localhost:3001/cb"],"jwks":` + string(priv) + `},
		"plain":{"client_id":"p","client_secret":"s","token_endpoint_auth_method":"client_secret_basic","redirect_uris":["http://localhost:3001/cb"]}},
		"test_users":[{"email":"a@b","password":"x","name":"A"}]}`
	path := filepath.Join(t.TempDir(), "rp.json")
	os.WriteFile(path, []byte(file), 0o600)
	for _, tt := range []struct {
		name, wantID string
		keys         bool
	}{{"", "b", true}, {"basic", "b", true}, {"plain", "p", false}} {
		iss, _, cfg, err := loadConfig(path, tt.name)
		if err != nil || iss != "http://localhost:8080" || cfg.ClientID != tt.wantID || (cfg.Keys != nil) != tt.keys {
			t.Errorf("loadConfig(%q) = %q, %+v, %v", tt.name, iss, cfg, err)
		}
	}
	if _, _, _, err := loadConfig(path, "mtls"); err == nil {
		t.Error("unknown client accepted")
	}
}
