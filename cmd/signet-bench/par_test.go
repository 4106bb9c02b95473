package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// The par scenario signs a fresh PS256 request object per push with the
// key of the RP file and sends it with client_secret_basic to the PAR
// endpoint of the discovery document; make-fapi-bank writes a matching
// anchor configuration and RP file.
func TestPARRequest(t *testing.T) {
	dir := t.TempDir()
	if err := makeFAPIBank(dir, 18999); err != nil {
		t.Fatal(err)
	}
	var arg struct {
		Clients []struct {
			ClientID     string             `json:"client_id"`
			ClientSecret string             `json:"client_secret"`
			JWKS         jose.JSONWebKeySet `json:"jwks"`
		} `json:"clients"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "fapi-bank.json"))
	if err := json.Unmarshal(b, &arg); err != nil || len(arg.Clients) != 1 {
		t.Fatalf("fapi-bank.json: %v", err)
	}
	reg := arg.Clients[0]
	for _, k := range reg.JWKS.Keys {
		if !k.IsPublic() {
			t.Fatal("fapi-bank.json registers a private key")
		}
	}

	var srv *httptest.Server
	jtis := map[string]bool{}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"pushed_authorization_request_endpoint": srv.URL + "/par"})
		case "/par":
			id, secret, _ := r.BasicAuth()
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			jws, err := jose.ParseSignedCompact(form.Get("request"), []jose.SignatureAlgorithm{jose.PS256})
			if err != nil || id != reg.ClientID || secret != reg.ClientSecret {
				w.WriteHeader(400)
				return
			}
			payload, err := jws.Verify(reg.JWKS.Keys[0])
			var claims map[string]any
			if err != nil || json.Unmarshal(payload, &claims) != nil || jws.Signatures[0].Header.ExtraHeaders["typ"] != "oauth-authz-req+jwt" {
				w.WriteHeader(401)
				return
			}
			jti, _ := claims["jti"].(string)
			if claims["iss"] != reg.ClientID || claims["aud"] != srv.URL || claims["response_mode"] != "jwt" || jti == "" || jtis[jti] {
				w.WriteHeader(422)
				return
			}
			jtis[jti] = true
			w.WriteHeader(201)
			w.Write([]byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:x","expires_in":60}`))
		}
	}))
	defer srv.Close()

	// The RP file, pointed at the test server.
	var rp map[string]any
	b, _ = os.ReadFile(filepath.Join(dir, "rp.json"))
	json.Unmarshal(b, &rp)
	rp["issuer"] = srv.URL
	b, _ = json.Marshal(rp)
	rpPath := filepath.Join(dir, "rp-test.json")
	os.WriteFile(rpPath, b, 0o600)

	cfg, err := parseFlags([]string{"-url", srv.URL, "-scenarios", "par", "-par-rp", rpPath}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l, path, err := newPARLoad(cfg)
	if err != nil || path != "/par" {
		t.Fatalf("newPARLoad = %q, %v", path, err)
	}
	for range 2 { // a fresh jti each time
		if note, err := l.check(); err != nil || note != "expires_in=60" {
			t.Fatalf("check = %q, %v", note, err)
		}
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(reg.ClientID+":"+reg.ClientSecret))
	if !strings.Contains(string(l.head), "Authorization: "+auth+"\r\n") {
		t.Errorf("request head = %q", l.head)
	}
}

func TestFlagsHTTPSForPAROnly(t *testing.T) {
	if _, err := parseFlags([]string{"-url", "https://127.0.0.1:9443", "-scenarios", "par"}, io.Discard); err != nil {
		t.Errorf("https for par: %v", err)
	}
	if _, err := parseFlags([]string{"-url", "https://127.0.0.1:9443", "-scenarios", "jwks"}, io.Discard); err == nil {
		t.Error("https accepted for jwks")
	}
}
