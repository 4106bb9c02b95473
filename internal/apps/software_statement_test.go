package apps

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
)

// directory is a software statement issuer: its key and its public JWK Set.
type directory struct {
	key  *ecdsa.PrivateKey
	jwks string
}

func newDirectory(t *testing.T, kid string) directory {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: kid, Use: "sig", Algorithm: "ES256"}}})
	if err != nil {
		t.Fatal(err)
	}
	return directory{key: k, jwks: string(b)}
}

// sign makes a software statement of claims, signed with the directory's
// key under kid.
func (d directory) sign(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: d.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RFC 7591 §2.3, §3.1.1, §3.2.2: a statement signed by a trusted
// directory overrides the request's metadata; anything else is refused
// with the error its fault deserves.
func TestSoftwareStatements(t *testing.T) {
	e := newDCREnv(t)
	trusted, stranger := newDirectory(t, "dir-1"), newDirectory(t, "dir-1")
	if err := e.st.SetProjectRegistration(context.Background(), e.project,
		store.RegistrationPolicy{SoftwareStatementKeys: trusted.jwks}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(map[string]any{"max_uses": 100})
	now := time.Now().Unix()
	good := map[string]any{"iss": "https://directory.example", "software_id": "app-1", "client_name": "Vetted App",
		"redirect_uris": []string{"https://vetted.example/cb"}, "exp": now + 600, "client_id": "mine"}

	code, out, _ := e.register(tok, with(web(), "software_statement", trusted.sign(t, "dir-1", good)))
	if code != http.StatusCreated || out["client_name"] != "Vetted App" || out["redirect_uris"].([]any)[0] != "https://vetted.example/cb" ||
		out["software_statement"] == nil || out["client_id"] == "mine" {
		t.Fatalf("trusted statement: %d %v", code, out)
	}
	// Without a kid, any trusted key may verify it.
	if code, out, _ := e.register(tok, with(web(), "software_statement", trusted.sign(t, "", good))); code != http.StatusCreated {
		t.Fatalf("statement without kid: %d %v", code, out)
	}

	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(strings.Repeat("k", 32))}, nil)
	hsJWS, _ := hs.Sign([]byte(`{"iss":"x"}`))
	hsToken, _ := hsJWS.CompactSerialize()
	tests := []struct {
		name      string
		statement any
		code      string
	}{
		{"another directory's key", stranger.sign(t, "dir-1", good), "unapproved_software_statement"},
		{"an unknown kid", trusted.sign(t, "dir-2", good), "unapproved_software_statement"},
		{"not a JWT", "not.a.jwt", "invalid_software_statement"},
		{"not a string", 42, "invalid_software_statement"},
		{"empty", "", "invalid_software_statement"},
		{"HS256", hsToken, "invalid_software_statement"},
		{"unsigned", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "invalid_software_statement"},
		{"no iss", trusted.sign(t, "dir-1", with(copyMap(good), "iss", nil)), "invalid_software_statement"},
		{"expired", trusted.sign(t, "dir-1", with(copyMap(good), "exp", now-3600)), "invalid_software_statement"},
		{"not yet valid", trusted.sign(t, "dir-1", with(copyMap(good), "nbf", now+3600)), "invalid_software_statement"},
		{"payload not an object", trusted.sign(t, "dir-1", nil), "invalid_software_statement"},
		// The statement's metadata is checked like the request's.
		{"statement with a bad redirect", trusted.sign(t, "dir-1", with(copyMap(good), "redirect_uris", []string{"http://x.example/cb"})), "invalid_redirect_uri"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, h := e.register(tok, with(web(), "software_statement", tc.statement))
			wantOAuthError(t, tc.name, code, out, h, http.StatusBadRequest, tc.code)
		})
	}
	// A project that trusts no directory approves no statement.
	code, out, h := e.send("POST", RegistrationPath, e.otherToken(t), with(web(), "software_statement", trusted.sign(t, "dir-1", good)))
	wantOAuthError(t, "project without trusted keys", code, out, h, http.StatusBadRequest, "unapproved_software_statement")
}

func (e dcrEnv) otherToken(t *testing.T) string {
	t.Helper()
	code, out, _ := e.callAs(e.other, e.otherSec, "POST", "/v1/connected_apps/registration_tokens", nil)
	if code != http.StatusOK {
		t.Fatal(out)
	}
	return out["registration_token"].(map[string]any)["token"].(string)
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestParseSoftwareStatementKeys(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"a public EC key", newDirectory(t, "k").jwks, true},
		{"not JSON", "{", false},
		{"no keys", `{"keys":[]}`, false},
		{"a symmetric key", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, false},
	} {
		if _, err := ParseSoftwareStatementKeys(tc.text); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}
