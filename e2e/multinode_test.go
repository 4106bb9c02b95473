package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/signet-id/signet/internal/testdb"
)

// Two `signet serve` processes on one PostgreSQL database are two nodes
// of one deployment: whatever a client does on one, the other honours.
//
// cacheBound is the bound docs/operations.md promises for a change made on
// one node to be honoured by another: at once when the change notification
// arrives, and by the caches' TTL (5 s for clients) when it does not. The
// tests poll for bound+margin, a correctness bound, not a speed test.
const (
	cacheBound  = 5 * time.Second
	boundMargin = 5 * time.Second
	nodeKeyTTL  = "2s" // both nodes' --key-cache-ttl
)

func TestTwoNodes(t *testing.T) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		t.Skip("two signet serve nodes need one shared PostgreSQL database: set " + testdb.EnvPostgres + " (CI does)")
	}
	a := startServer(t, "--key-cache-ttl", nodeKeyTTL)
	b := a.startNode(t, "--key-cache-ttl", nodeKeyTTL)
	// Every sign-in is by a new user (made on A), so that none meets the
	// per-email limit on password checks.
	u := func() user { return a.newUser(t) }

	t.Run("WritesOnAUsableOnB", func(t *testing.T) {
		c := a.createM2M(t, map[string]any{"scopes": []string{"read"}})
		tr := b.token(t, "/v1/oauth2/token", form, map[string]string{"grant_type": "client_credentials"}, c.ClientID, c.ClientSecret)
		if tr.status != 200 {
			t.Fatalf("M2M client made on A: token on B = %+v", tr)
		}
		// A Connected App and a user made on A: sign in on B's pages, get
		// tokens from B, use them on A.
		app := a.connectedApp(t, "third_party", "https://app.example/cb")
		tok := codeFlowTokens(t, b, b, app, u())
		if !a.introspect(t, app, tok.AccessToken) {
			t.Error("B's access token inactive on A")
		}
	})

	// OpenID Connect Core §10.1.1: the first PS256 ID token's kid is in the
	// jwks_uri a relying party fetched before the client even registered.
	t.Run("FirstPS256IDTokenKeyPublishedBefore", func(t *testing.T) {
		before := map[string]jose.JSONWebKeySet{
			"A": fetchJWKS(t, a.URL+"/.well-known/jwks.json"), "B": fetchJWKS(t, b.URL+"/.well-known/jwks.json")}
		var out struct {
			App connectedApp `json:"connected_app"`
		}
		if code := a.call(t, "POST", "/v1/connected_apps/clients", map[string]any{
			"client_type": "third_party", "client_name": "FAPI RP", "redirect_urls": []string{"https://rp.example/cb"},
			"id_token_signed_response_alg": "PS256",
		}, &out); code != 200 {
			t.Fatalf("create Connected App = %d", code)
		}
		tok := codeFlowTokens(t, b, a, out.App, u())
		idt, _ := tok.Extra("id_token").(string)
		jws, err := jose.ParseSigned(idt, []jose.SignatureAlgorithm{jose.PS256})
		if err != nil {
			t.Fatalf("ID token: %v", err)
		}
		for name, set := range before {
			keys := set.Key(jws.Signatures[0].Header.KeyID)
			if len(keys) != 1 {
				t.Fatalf("the first PS256 ID token's kid %s is not in %s's jwks_uri fetched before registration", jws.Signatures[0].Header.KeyID, name)
			}
			if _, err := jws.Verify(keys[0]); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("ChangesOnAHonouredByB", func(t *testing.T) {
		c := a.createM2M(t, map[string]any{"scopes": []string{"read"}})
		status := func(secret string) int {
			return b.token(t, "/v1/oauth2/token", form, map[string]string{"grant_type": "client_credentials"}, c.ClientID, secret).status
		}
		if status(c.ClientSecret) != 200 { // B caches the client
			t.Fatal("B refused a new client")
		}
		var started struct {
			M2MClient m2mClient `json:"m2m_client"`
		}
		a.call(t, "POST", "/v1/m2m/clients/"+c.ClientID+"/secrets/rotate/start", nil, &started)
		if code := a.call(t, "POST", "/v1/m2m/clients/"+c.ClientID+"/secrets/rotate", nil, nil); code != 200 {
			t.Fatalf("rotate on A = %d", code)
		}
		next := started.M2MClient.NextClientSecret
		honoured(t, "secret rotated on A", func() bool { return status(c.ClientSecret) == 401 && status(next) == 200 })
		if code := a.call(t, "PUT", "/v1/m2m/clients/"+c.ClientID, map[string]any{"status": "inactive"}, nil); code != 200 {
			t.Fatalf("deactivate on A = %d", code)
		}
		honoured(t, "client deactivated on A", func() bool { return status(next) != 200 })
		d := a.createM2M(t, map[string]any{"scopes": []string{"read"}})
		deleted := func() int {
			return b.token(t, "/v1/oauth2/token", form, map[string]string{"grant_type": "client_credentials"}, d.ClientID, d.ClientSecret).status
		}
		if deleted() != 200 {
			t.Fatal("B refused a new client")
		}
		a.call(t, "DELETE", "/v1/m2m/clients/"+d.ClientID, nil, nil)
		honoured(t, "client deleted on A", func() bool { return deleted() == 401 })

		// A Connected App that B has authenticated (and cached), deleted
		// on A.
		app := a.connectedApp(t, "third_party", "https://app.example/cb")
		introspect := func() int {
			return b.oauthPost(t, b.URL+"/v1/oauth2/introspect", app, url.Values{"token": {"x"}}, nil)
		}
		if code := introspect(); code != 200 {
			t.Fatalf("introspection on B = %d", code)
		}
		a.call(t, "DELETE", "/v1/connected_apps/clients/"+app.ClientID, nil, nil)
		honoured(t, "Connected App deleted on A", func() bool { return introspect() == 401 })

		// A grant revoked on A (RFC 7009): B refuses its refresh token.
		app = a.connectedApp(t, "third_party", "https://app.example/cb")
		tok := codeFlowTokens(t, a, a, app, u())
		if code := a.oauthPost(t, a.URL+"/v1/oauth2/revoke", app, url.Values{"token": {tok.RefreshToken}}, nil); code != 200 {
			t.Fatalf("revoke on A = %d", code)
		}
		var out struct{ Error string }
		code := b.oauthPost(t, b.URL+"/v1/oauth2/token", app, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, &out)
		if code != 400 || out.Error != "invalid_grant" {
			t.Errorf("refresh on B after revocation on A = %d %s, want 400 invalid_grant", code, out.Error)
		}

		// A session revoked on A.
		var sess struct {
			SessionToken string `json:"session_token"`
		}
		v := u()
		a.call(t, "POST", "/v1/passwords/authenticate", map[string]any{"email": v.email, "password": v.password, "session_duration_minutes": 60}, &sess)
		if code := b.call(t, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": sess.SessionToken}, nil); code != 200 {
			t.Fatalf("session made on A: authenticate on B = %d", code)
		}
		a.call(t, "POST", "/v1/sessions/revoke", map[string]any{"session_token": sess.SessionToken}, nil)
		honoured(t, "session revoked on A", func() bool {
			return b.call(t, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": sess.SessionToken}, nil) != 200
		})
	})

	// Redemption races across nodes (issue 14 items 1 and 2): of one code,
	// at most one exchange wins and none answers 5xx; of one refresh token
	// within the grace window, every winner gets the same successor.
	t.Run("ConcurrentCodeRedemption", func(t *testing.T) {
		app := a.connectedApp(t, "third_party", "https://app.example/cb")
		for range 15 {
			code, verifier := authorizationCode(t, a, app, u())
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {app.RedirectURLs[0]}}
			results := race(t, []*Server{a, b, a, b}, app, form)
			checkOneWinner(t, "code", results, false)
		}
	})

	t.Run("ConcurrentRefresh", func(t *testing.T) {
		app := a.connectedApp(t, "third_party", "https://app.example/cb")
		for range 5 {
			tok := codeFlowTokens(t, a, a, app, u())
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			results := race(t, []*Server{a, b, a, b}, app, form)
			checkOneWinner(t, "refresh token", results, true)
		}
	})

	t.Run("KeyRotationNoVerificationGap", func(t *testing.T) {
		rotationWithoutGap(t, a, b, u())
	})
}

// honoured polls cond until it holds, failing after cacheBound+boundMargin.
func honoured(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(cacheBound + boundMargin)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not honoured by B within %v", what, cacheBound+boundMargin)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type user struct{ email, password string }

// newUser makes a user with a password on s.
func (s *Server) newUser(t *testing.T) user {
	t.Helper()
	u := user{"u" + strings.ToLower(random()[:10]) + "@example.com", "v8#Lq2!mZr@9wTe4"}
	if code := s.call(t, "POST", "/v1/passwords", map[string]any{"email": u.email, "password": u.password}, nil); code != 200 {
		t.Fatalf("create user = %d", code)
	}
	return u
}

// authorizationCode signs u in on node's hosted pages and returns a code
// for app (PKCE S256) and its verifier.
func authorizationCode(t *testing.T, node *Server, app connectedApp, u user) (code, verifier string) {
	t.Helper()
	conf := oauthConfig(node, node, app)
	verifier = oauth2.GenerateVerifier()
	state := random()
	br := newBrowser(t)
	page := br.get(conf.AuthCodeURL(state, oidc.Nonce(random()), oauth2.S256ChallengeOption(verifier)))
	page = br.submit(page, url.Values{"email": {u.email}, "password": {u.password}})
	if page.isForm("/oauth2/authorize/consent") {
		page = br.submit(page, url.Values{"decision": {"allow"}})
	}
	cb := page.redirect(t, conf.RedirectURL)
	if cb.Get("state") != state || cb.Get("code") == "" {
		t.Fatalf("callback = %v", cb)
	}
	return cb.Get("code"), verifier
}

// codeFlowTokens runs the code flow: authorization on authz, the code
// exchanged at tokens.
func codeFlowTokens(t *testing.T, authz, tokens *Server, app connectedApp, u user) *oauth2.Token {
	t.Helper()
	code, verifier := authorizationCode(t, authz, app, u)
	tok, err := oauthConfig(authz, tokens, app).Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange at %s: %v", tokens.URL, err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	return tok
}

func oauthConfig(authz, tokens *Server, app connectedApp) *oauth2.Config {
	return &oauth2.Config{
		ClientID: app.ClientID, ClientSecret: app.ClientSecret, RedirectURL: app.RedirectURLs[0],
		Endpoint: oauth2.Endpoint{AuthURL: authz.URL + "/oauth2/authorize", TokenURL: tokens.URL + "/v1/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader},
		Scopes: []string{oidc.ScopeOpenID, "email", oidc.ScopeOfflineAccess},
	}
}

type raceResult struct {
	status       int
	err          string
	refreshToken string
}

// race posts form to the token endpoints of nodes at once, as app.
func race(t *testing.T, nodes []*Server, app connectedApp, form url.Values) []raceResult {
	t.Helper()
	results := make([]raceResult, len(nodes))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", n.URL+"/v1/oauth2/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(app.ClientSecret))
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results[i].err = err.Error()
				return
			}
			defer resp.Body.Close()
			var out struct {
				Error        string `json:"error"`
				RefreshToken string `json:"refresh_token"`
			}
			json.NewDecoder(resp.Body).Decode(&out)
			results[i] = raceResult{status: resp.StatusCode, err: out.Error, refreshToken: out.RefreshToken}
		})
	}
	close(start)
	wg.Wait()
	return results
}

// checkOneWinner: no 5xx, every loser invalid_grant, and at most one
// winner; for refresh tokens, winners that got the same successor (an
// idempotent retry, RFC 9700 §4.14.2) are one winner.
func checkOneWinner(t *testing.T, what string, results []raceResult, sameSuccessorOK bool) {
	t.Helper()
	var successors []string
	for _, r := range results {
		switch {
		case r.status == 200:
			if !slices.Contains(successors, r.refreshToken) || !sameSuccessorOK {
				successors = append(successors, r.refreshToken)
			}
		case r.status == 400 && r.err == "invalid_grant":
		default:
			t.Errorf("one %s redeemed on two nodes at once: %d %q (want 200 or 400 invalid_grant)", what, r.status, r.err)
		}
	}
	if len(successors) > 1 {
		t.Errorf("one %s redeemed on two nodes at once: %d winners (%+v)", what, len(successors), results)
	}
}

// rotationWithoutGap rotates the project's RS256 key with the shortest
// publish delay `keys rotate` accepts while sessions on both nodes keep
// minting session JWTs. Every JWT must verify against the root JWKS
// (discovery's jwks_uri) of both nodes fetched before it was issued: a key
// is served everywhere before anything is signed with it.
func rotationWithoutGap(t *testing.T, a, b *Server, u user) {
	var sess struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
	}
	if code := a.call(t, "POST", "/v1/passwords/authenticate", map[string]any{"email": u.email, "password": u.password, "session_duration_minutes": 60}, &sess); code != 200 {
		t.Fatalf("sign in = %d", code)
	}
	oldKid := kidOf(t, sess.SessionJWT)
	a.run(t, "keys", "rotate", "--db", a.DB, "--project", a.ProjectID, "--key-cache-ttl", nodeKeyTTL,
		"--publish-delay", "8s", "--retain", "1h") // 2s + 6s, the least it accepts
	deadline := time.Now().Add(8*time.Second + cacheBound + boundMargin)
	switched, after := map[string]bool{}, 0
	for after < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("the new key did not take over on both nodes (switched: %v)", switched)
		}
		jwksA, jwksB := fetchJWKS(t, a.URL+"/.well-known/jwks.json"), fetchJWKS(t, b.URL+"/.well-known/jwks.json")
		for _, n := range []*Server{a, b} {
			var out struct {
				SessionJWT string `json:"session_jwt"`
			}
			if code := n.call(t, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": sess.SessionToken}, &out); code != 200 {
				t.Fatalf("sessions authenticate on %s = %d", n.URL, code)
			}
			for name, set := range map[string]jose.JSONWebKeySet{"A": jwksA, "B": jwksB} {
				if kid := kidOf(t, out.SessionJWT); len(set.Key(kid)) != 1 {
					t.Fatalf("%s signed with %s, absent from %s's jwks_uri fetched just before", n.URL, kid, name)
				}
				verifyWith(t, set, out.SessionJWT)
			}
			if kidOf(t, out.SessionJWT) != oldKid {
				switched[n.URL] = true
			}
		}
		if len(switched) == 2 {
			after++
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Relying parties that cached the JWKS before the rotation still verify
	// tokens of the old key: it stays published (--retain).
	verifyWith(t, fetchJWKS(t, b.URL+"/.well-known/jwks.json"), sess.SessionJWT)
}
