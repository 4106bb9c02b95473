package rp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Discovery is cached for discoveryTTL; the JWK set is refetched once when a
// token names an unknown kid (key rotation), and not more.
func TestDiscoveryAndKeyCache(t *testing.T) {
	var discoveries, jwksFetches atomic.Int32
	var current atomic.Value // jose.JSONWebKeySet
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	current.Store(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k1.PublicKey, KeyID: "k1", Use: "sig"}}})
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			discoveries.Add(1)
			json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "authorization_endpoint": srv.URL + "/a",
				"token_endpoint": srv.URL + "/t", "jwks_uri": srv.URL + "/jwks", "pushed_authorization_request_endpoint": srv.URL + "/par"})
		case "/jwks":
			jwksFetches.Add(1)
			json.NewEncoder(w).Encode(current.Load())
		}
	}))
	defer srv.Close()
	now := time.Unix(1_800_000_000, 0)
	c, err := New(Config{ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := c.provider(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.provider(ctx, srv.URL); err != nil || discoveries.Load() != 1 {
		t.Fatalf("discovery not cached: %d fetches, %v", discoveries.Load(), err)
	}
	now = now.Add(discoveryTTL)
	if _, err := c.provider(ctx, srv.URL); err != nil || discoveries.Load() != 2 {
		t.Fatalf("discovery not refreshed after TTL: %d fetches, %v", discoveries.Load(), err)
	}

	if keys, err := c.verificationKeys(ctx, p, "k1"); err != nil || len(keys) != 1 || jwksFetches.Load() != 1 {
		t.Fatalf("k1: %d keys, %d fetches, %v", len(keys), jwksFetches.Load(), err)
	}
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	current.Store(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k2.PublicKey, KeyID: "k2", Algorithm: "PS256"}}})
	if keys, err := c.verificationKeys(ctx, p, "k2"); err != nil || len(keys) != 1 || jwksFetches.Load() != 2 {
		t.Fatalf("rotated k2: %d keys, %d fetches, %v", len(keys), jwksFetches.Load(), err)
	}
	if keys, err := c.verificationKeys(ctx, p, "unknown"); err != nil || len(keys) != 0 || jwksFetches.Load() != 3 {
		t.Fatalf("unknown kid: %d keys, %d fetches (want exactly one refetch), %v", len(keys), jwksFetches.Load(), err)
	}
}
