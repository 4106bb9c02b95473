package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
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
	// A project has a key of every algorithm it may sign with from its
	// creation, so each is published before anything is signed with it.
	var algs, kids []string
	for _, k := range jwks.Keys {
		if k["use"] != "sig" {
			t.Errorf("key %v: use is not sig", k)
		}
		algs = append(algs, k["alg"].(string))
		kids = append(kids, k["kid"].(string))
	}
	slices.Sort(algs)
	if !slices.Equal(algs, []string{"ES256", "PS256", "RS256"}) {
		t.Fatalf("root JWKS algs = %v, want ES256, PS256 and RS256 signing keys", algs)
	}

	var stytch struct {
		Keys       []map[string]any `json:"keys"`
		RequestID  string           `json:"request_id"`
		StatusCode int              `json:"status_code"`
	}
	getJSON(t, s.URL+"/v1/sessions/jwks/"+s.ProjectID, http.StatusOK, &stytch)
	if len(stytch.Keys) != len(kids) || stytch.RequestID == "" || stytch.StatusCode != 200 {
		t.Fatalf("session JWKS = %+v", stytch)
	}
	for i, k := range stytch.Keys {
		if k["kid"] != kids[i] {
			t.Errorf("session JWKS kid %v differs from root JWKS kid %v", k["kid"], kids[i])
		}
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
