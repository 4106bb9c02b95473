package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// A token signed before `signet keys rotate` still verifies against the
// published JWKS after it, and new tokens move to the new key once it
// activates.
func TestKeyRotation(t *testing.T) {
	s := startServer(t, "--key-cache-ttl", "200ms")

	var created struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	if code := s.call(t, "POST", "/v1/passwords", map[string]any{
		"email": "rotate@example.com", "password": "correct-horse-battery-staple-9", "session_duration_minutes": 60,
	}, &created); code != 200 {
		t.Fatalf("passwords create = %d", code)
	}
	oldKid := kidOf(t, created.SessionJWT)

	// The shortest publish delay keys rotate accepts for the server's key
	// cache TTL is that TTL + 6s.
	s.run(t, "keys", "rotate", "--db", s.DB, "--project", s.ProjectID, "--key-cache-ttl", "200ms",
		"--publish-delay", "6200ms", "--retain", "1h")

	// The new key is published before it signs: poll the JWKS until it
	// lists it (the server hears of the rotation, or re-reads its keys
	// within the TTL).
	var jwks jose.JSONWebKeySet
	deadline := time.Now().Add(20 * time.Second)
	for {
		jwks = fetchJWKS(t, s.URL+"/.well-known/jwks.json")
		if rs256Keys(jwks) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := rs256Keys(jwks); n != 2 {
		t.Fatalf("JWKS after rotation has %d RS256 keys, want 2", n)
	}
	verifyWith(t, jwks, created.SessionJWT)

	// Once the new key activates, fresh JWTs carry its kid and verify too.
	var newJWT string
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var auth struct {
			SessionJWT string `json:"session_jwt"`
		}
		if code := s.call(t, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": created.SessionToken}, &auth); code != 200 {
			t.Fatalf("sessions authenticate = %d", code)
		}
		if kidOf(t, auth.SessionJWT) != oldKid {
			newJWT = auth.SessionJWT
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if newJWT == "" {
		t.Fatal("new key never took over signing")
	}
	jwks = fetchJWKS(t, s.URL+"/v1/public/"+s.ProjectID+"/.well-known/jwks.json")
	verifyWith(t, jwks, newJWT)
	verifyWith(t, jwks, created.SessionJWT) // the old key is retained
}

func rs256Keys(set jose.JSONWebKeySet) int {
	n := 0
	for _, k := range set.Keys {
		if k.Algorithm == "RS256" {
			n++
		}
	}
	return n
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func fetchJWKS(t *testing.T, url string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

func verifyWith(t *testing.T, set jose.JSONWebKeySet, token string) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		var kids []string
		for _, k := range set.Keys {
			kids = append(kids, k.KeyID)
		}
		t.Fatalf("kid %s not in JWKS %s", kid, strings.Join(kids, ","))
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		t.Fatalf("token with kid %s does not verify: %v", kid, err)
	}
}
