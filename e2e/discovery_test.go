package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
)

// A new user runs the server and fetches discovery and the JWKS.
func TestDiscoveryAndJWKS(t *testing.T) {
	s := startServer(t)

	var md map[string]any
	getJSON(t, s.URL+"/.well-known/openid-configuration", http.StatusOK, &md)
	if md["issuer"] != s.URL {
		t.Errorf("issuer = %v, want %s", md["issuer"], s.URL)
	}
	if md["jwks_uri"] != s.URL+"/.well-known/jwks.json" {
		t.Errorf("jwks_uri = %v", md["jwks_uri"])
	}

	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	getJSON(t, s.URL+"/.well-known/jwks.json", http.StatusOK, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["alg"] != "RS256" || jwks.Keys[0]["use"] != "sig" {
		t.Fatalf("root JWKS = %v, want one RS256 signing key", jwks.Keys)
	}

	var stytch struct {
		Keys       []map[string]any `json:"keys"`
		RequestID  string           `json:"request_id"`
		StatusCode int              `json:"status_code"`
	}
	getJSON(t, s.URL+"/v1/sessions/jwks/"+s.ProjectID, http.StatusOK, &stytch)
	if len(stytch.Keys) != 1 || stytch.RequestID == "" || stytch.StatusCode != 200 {
		t.Fatalf("session JWKS = %+v", stytch)
	}
	if stytch.Keys[0]["kid"] != jwks.Keys[0]["kid"] {
		t.Errorf("session JWKS kid %v differs from root JWKS kid %v", stytch.Keys[0]["kid"], jwks.Keys[0]["kid"])
	}
}

func getJSON(t *testing.T, url string, wantStatus int, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s = %d, want %d", url, resp.StatusCode, wantStatus)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
