package authorize

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

func TestParsePrompt(t *testing.T) {
	tests := []struct {
		in   string
		want prompts
		err  bool
	}{
		{"", prompts{}, false},
		{"none", prompts{None: true}, false},
		{"login consent", prompts{Login: true, Consent: true}, false},
		{"consent  login", prompts{Login: true, Consent: true}, false},
		{"select_account", prompts{SelectAccount: true}, false},
		{"create", prompts{}, false},
		{"none create", prompts{None: true}, false},
		{"none login", prompts{}, true},
		{"consent none", prompts{}, true},
	}
	for _, tt := range tests {
		got, err := parsePrompt(tt.in)
		if (err != nil) != tt.err || (err == nil && got != tt.want) {
			t.Errorf("parsePrompt(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestScopes(t *testing.T) {
	got := knownScopes(splitScope("  email openid email admin  offline_access "))
	if want := []string{"openid", "email", "offline_access"}; !slices.Equal(got, want) {
		t.Errorf("knownScopes = %v, want %v", got, want)
	}
	if !covers([]string{"openid", "email"}, []string{"email"}) || covers([]string{"openid"}, []string{"openid", "email"}) {
		t.Error("covers is wrong")
	}
}

func TestCleanDescription(t *testing.T) {
	if got := cleanDescription("say \"hi\"\\ ok\n\tünïcode §3.1"); got != "say hi ok  ncode 3.1" {
		t.Errorf("cleanDescription = %q", got)
	}
}

func TestResponseURL(t *testing.T) {
	a := &Authorizer{Issuer: "https://id.example"}
	tests := []struct {
		redirect, state, want string
	}{
		{"https://app.example/cb", "s", "https://app.example/cb?code=c%2B1&state=s&iss=https%3A%2F%2Fid.example"},
		{"https://app.example/cb?x=a%20b", "", "https://app.example/cb?x=a%20b&code=c%2B1&iss=https%3A%2F%2Fid.example"},
		{"https://app.example/cb?", "a b", "https://app.example/cb?code=c%2B1&state=a+b&iss=https%3A%2F%2Fid.example"},
		{"com.example.app:/cb", "", "com.example.app:/cb?code=c%2B1&iss=https%3A%2F%2Fid.example"},
	}
	for _, tt := range tests {
		got := a.respond(t.Context(), &authzRequest{RedirectURI: tt.redirect, State: tt.state}, "code", "c+1").Location
		if got != tt.want {
			t.Errorf("respond(%q) = %q, want %q", tt.redirect, got, tt.want)
		}
	}
}

// The session and anti-CSRF cookies are Secure whenever the response
// travels over TLS: under an https issuer (TLS ending at a proxy), or
// served by a TLS listener (the mutual-TLS one) under an http issuer.
func TestCookiesSecureOverTLS(t *testing.T) {
	for _, tt := range []struct {
		issuer, target string
		secure         bool
	}{
		{"https://id.example", "http://id.example/", true},
		{"http://127.0.0.1:8080", "https://127.0.0.1:8443/", true}, // r.TLS set
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", false},
	} {
		h := &Hosted{Core: &Authorizer{Issuer: tt.issuer}, Pepper: secrets.NewPepper(bytes.Repeat([]byte{1}, 32))}
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", tt.target, nil)
		h.setSession(rec, r, "project-test-1", "token", time.Now().Add(time.Hour))
		h.csrf().Token(rec, r)
		cookies := rec.Result().Cookies()
		if len(cookies) != 2 {
			t.Fatalf("cookies = %v", cookies)
		}
		for _, c := range cookies {
			if c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("issuer %s, %s: cookie %s = %+v: want Secure=%v, HttpOnly, SameSite=Lax", tt.issuer, tt.target, c.Name, c, tt.secure)
			}
		}
		if n := cookies[0].Name; n != SessionCookieName("project-test-1") || n == SessionCookieName("project-test-2") || len(n) > 40 {
			t.Errorf("session cookie name %q", n)
		}
	}
}

// clientsFunc is a hand-written Clients.
type clientsFunc func(ctx context.Context, id string) (store.ConnectedApp, error)

func (f clientsFunc) Lookup(ctx context.Context, id string) (store.ConnectedApp, error) {
	return f(ctx, id)
}

// noKeys verifies nothing.
type noKeys struct{}

func (noKeys) Verify(context.Context, string, string, []jose.SignatureAlgorithm) ([]byte, jose.Header, error) {
	return nil, jose.Header{}, keys.ErrInvalidToken
}

// FuzzParse feeds arbitrary query strings to the request parser: it must
// never panic, never accept an unregistered redirect_uri, and whatever it
// accepts must hold only known scopes and an S256-shaped challenge.
func FuzzParse(f *testing.F) {
	f.Add("client_id=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid")
	f.Add("client_id=p&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fn&response_type=code&scope=openid+x&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&prompt=none&max_age=0")
	f.Add("client_id=c&client_id=c&redirect_uri=x")
	f.Add("client_id=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid&claims=%7B%7D&id_token_hint=a.b.c")
	apps := map[string]store.ConnectedApp{
		"c": {ClientID: "c", Type: "third_party", Status: "active", RedirectURLs: []string{"https://app.example/cb"}},
		"p": {ClientID: "p", Type: "first_party_public", Status: "active", RedirectURLs: []string{"http://127.0.0.1/n"}},
	}
	a := &Authorizer{Issuer: "https://id.example", Keys: noKeys{}, Clients: clientsFunc(func(_ context.Context, id string) (store.ConnectedApp, error) {
		if c, ok := apps[id]; ok {
			return c, nil
		}
		return store.ConnectedApp{}, store.ErrNotFound
	})}
	f.Fuzz(func(t *testing.T, query string) {
		params, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		req, err := a.parse(context.Background(), params)
		if req == nil {
			if err == nil {
				t.Fatal("no request and no error")
			}
			return
		}
		if !slices.Contains(req.Client.RedirectURLs, req.RedirectURI) && !strings.HasPrefix(req.RedirectURI, "http://127.0.0.1:") {
			t.Fatalf("accepted redirect_uri %q", req.RedirectURI)
		}
		if err != nil {
			resp := a.errorResponse(context.Background(), req, err)
			if resp.Action != "" {
				if resp.Action != req.RedirectURI || slices.Contains(resp.Fields, "code") {
					t.Fatalf("error form post %+v", resp)
				}
				return
			}
			if u := resp.Location; !strings.HasPrefix(u, req.RedirectURI) || strings.Contains(u, "code=") && !strings.Contains(req.RedirectURI, "code=") {
				t.Fatalf("error URL %q", u)
			}
			return
		}
		for _, s := range req.Scopes {
			if scopeDescriptions[s] == "" {
				t.Fatalf("unknown scope %q accepted", s)
			}
		}
		if req.CodeChallenge != "" && !isS256Challenge(req.CodeChallenge) || req.Client.Type == "first_party_public" && req.CodeChallenge == "" {
			t.Fatalf("PKCE rules broken: %+v", req)
		}
		if req.Prompt.None && (req.Prompt.Login || req.Prompt.Consent || req.Prompt.SelectAccount) {
			t.Fatalf("prompt none combined: %+v", req.Prompt)
		}
		_ = fmt.Sprint(req)
	})
}
