package token_test

import (
	"testing"
	"time"

	"github.com/signet-id/signet/internal/token"
)

// grantTokens exchanges a fresh code of c for u and returns the response.
func (e *env) grantTokens(c client, scopes ...string) reply {
	e.t.Helper()
	spec := codeSpec{scopes: scopes, nonce: "the-nonce"}
	var params []string
	if c.secret == "" {
		v, ch := pkce()
		spec.challenge, params = ch, []string{"code_verifier", v}
	}
	return e.mustExchange(c, e.code(c, e.newUser(c.projectID), spec), params...)
}

func TestRefresh(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []string{"third_party", "first_party_public"} {
		t.Run(typ, func(t *testing.T) {
			c := e.newClient(typ)
			first := e.grantTokens(c, "openid", "email", "offline_access")
			_, id1 := e.verified(e.projectID, first.str("id_token"))
			e.clock.Advance(2 * time.Second)

			r := e.refresh(c, first.str("refresh_token"))
			if r.code != 200 {
				t.Fatalf("refresh = %d %v", r.code, r.body)
			}
			// Conformance G-REFRESH: Cache-Control no-store.
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", r.header)
			}
			rt2 := r.str("refresh_token")
			if rt2 == "" || rt2 == first.str("refresh_token") || r.str("scope") != "openid email offline_access" || r.str("token_type") != "bearer" {
				t.Errorf("response = %v: want a new refresh token and the grant's scope", r.body)
			}
			// OpenID Connect Core §12.2: same iss, sub, aud, auth_time; new iat; no nonce.
			_, id2 := e.verified(e.projectID, r.str("id_token"))
			for _, k := range []string{"iss", "sub", "auth_time", "azp", "email"} {
				if id2[k] != id1[k] {
					t.Errorf("refreshed ID token %s = %v, was %v", k, id2[k], id1[k])
				}
			}
			if !equalList(id2["aud"], []string{c.id}) || id2["iat"] == id1["iat"] || id2["nonce"] != nil {
				t.Errorf("refreshed ID token = %v", id2)
			}
			if !e.active(c.confidential(e), r.str("access_token")) {
				t.Error("refreshed access token inactive")
			}
			// The successor works in turn.
			if r3 := e.refresh(c, rt2); r3.code != 200 {
				t.Errorf("refresh with the successor = %d %v", r3.code, r3.body)
			}
		})
	}
}

// confidential returns c if it can introspect, else a confidential
// client of the same project that can.
func (c client) confidential(e *env) client {
	if c.secret != "" {
		return c
	}
	if e.introspector.id == "" {
		e.introspector = e.newClient("first_party")
	}
	return e.introspector
}

// A retry within the grace window (RFC 9700 §4.14.2: the response was
// lost, or two tabs raced) gets the same successor, so the family stays
// one chain: once that successor is used, the spent token is a replay even
// within the window, and revokes the family.
func TestRefreshRetryWithinGrace(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	first := e.grantTokens(c, "openid", "offline_access")
	rt1 := first.str("refresh_token")

	r2 := e.refresh(c, rt1)
	if r2.code != 200 {
		t.Fatalf("refresh = %d %v", r2.code, r2.body)
	}
	rt2 := r2.str("refresh_token")
	e.clock.Advance(token.DefaultRefreshGrace / 2)
	retry := e.refresh(c, rt1)
	if retry.code != 200 || retry.str("refresh_token") != rt2 {
		t.Fatalf("retry within the grace window = %d %s, refresh_token %q; want 200 and the same refresh token %q", retry.code, retry.str("error"), retry.str("refresh_token"), rt2)
	}
	if !e.active(c, retry.str("access_token")) {
		t.Error("the retry's access token is inactive")
	}

	// The chain goes on from the one successor; the spent token cannot
	// start a second chain, even within the window.
	r3 := e.refresh(c, rt2)
	if r3.code != 200 {
		t.Fatalf("refresh with the successor = %d %v", r3.code, r3.body)
	}
	if r := e.refresh(c, rt1); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("spent token after its successor was used = %d %v, want invalid_grant", r.code, r.body)
	}
	if r := e.refresh(c, r3.str("refresh_token")); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("head of the chain after the replay = %d %v, want invalid_grant", r.code, r.body)
	}
	for name, tok := range map[string]string{
		"first": first.str("access_token"), "second": r2.str("access_token"),
		"retry's": retry.str("access_token"), "third": r3.str("access_token"),
	} {
		if e.active(c, tok) {
			t.Errorf("%s access token still active after the replay", name)
		}
	}
}

// Reuse of a rotated refresh token after the grace window (RFC 9700
// §4.14.2) revokes the whole family.
func TestRefreshReuse(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	first := e.grantTokens(c, "openid", "offline_access")
	rt1 := first.str("refresh_token")

	r2 := e.refresh(c, rt1)
	if r2.code != 200 {
		t.Fatalf("refresh = %d %v", r2.code, r2.body)
	}
	e.clock.Advance(token.DefaultRefreshGrace + time.Second)
	if r := e.refresh(c, rt1); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("reuse after the grace window = %d %v, want invalid_grant", r.code, r.body)
	}
	// The family is dead: its successor and every access token.
	if r := e.refresh(c, r2.str("refresh_token")); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("successor after reuse = %d %v", r.code, r.body)
	}
	for name, tok := range map[string]string{
		"first access token": first.str("access_token"), "second access token": r2.str("access_token"),
	} {
		if e.active(c, tok) {
			t.Errorf("%s still active after reuse", name)
		}
	}
}

func TestRefreshErrors(t *testing.T) {
	e := newEnv(t)
	c, other := e.newClient("third_party"), e.newClient("third_party")
	pub := e.newClient("third_party_public")

	tests := []struct {
		name       string
		scopes     []string // of the grant
		send       func(rt string) reply
		wantStatus int
		wantError  string
	}{
		{name: "another client's refresh token", send: func(rt string) reply { return e.refresh(other, rt) },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "another client, public", send: func(rt string) reply { return e.refresh(pub, rt) },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "scope widened", scopes: []string{"openid", "offline_access"},
			send:       func(rt string) reply { return e.refresh(c, rt, "scope", "openid email offline_access") },
			wantStatus: 400, wantError: "invalid_scope"},
		{name: "unknown refresh token", send: func(string) reply { return e.refresh(c, "nope") },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing refresh_token", send: func(string) reply {
			return e.form("/v1/oauth2/token", &c, "grant_type", "refresh_token")
		}, wantStatus: 400, wantError: "invalid_request"},
		{name: "an access token instead", send: func(string) reply {
			return e.refresh(c, e.grantTokens(c, "openid", "offline_access").str("access_token"))
		}, wantStatus: 400, wantError: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scopes := tt.scopes
			if scopes == nil {
				scopes = []string{"openid", "email", "offline_access"}
			}
			rt := e.grantTokens(c, scopes...).str("refresh_token")
			r := tt.send(rt)
			if r.code != tt.wantStatus || r.str("error") != tt.wantError {
				t.Fatalf("got %d %v, want %d %s", r.code, r.body, tt.wantStatus, tt.wantError)
			}
			// Nothing changed: the token still works for its client.
			if again := e.refresh(c, rt); again.code != 200 {
				t.Errorf("after the refused request the token no longer works: %d %v", again.code, again.body)
			}
		})
	}
}

// A narrower scope is allowed (RFC 6749 §6); the grant keeps its scope,
// so the next refresh may ask for all of it again.
func TestRefreshNarrowsScope(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	rt := e.grantTokens(c, "openid", "email", "offline_access").str("refresh_token")

	r := e.refresh(c, rt, "scope", "email")
	if r.code != 200 || r.str("scope") != "email" || r.str("id_token") != "" || r.str("refresh_token") == "" {
		t.Fatalf("narrowed refresh = %d %v: want scope email, no ID token, a refresh token", r.code, r.body)
	}
	_, ac := e.verified(e.projectID, r.str("access_token"))
	if ac["scope"] != "email" {
		t.Errorf("access token scope = %v", ac["scope"])
	}
	if ui := e.userinfo("Bearer " + r.str("access_token")); ui.code != 403 || ui.str("error") != "insufficient_scope" {
		t.Errorf("userinfo without openid = %d %v", ui.code, ui.body)
	}
	r = e.refresh(c, r.str("refresh_token"))
	if r.code != 200 || r.str("scope") != "openid email offline_access" || r.str("id_token") == "" {
		t.Errorf("full refresh = %d %v", r.code, r.body)
	}
}

// The refresh family lives as long as its grant: rotation does not
// extend it.
func TestRefreshFamilyExpires(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	rt := e.grantTokens(c, "openid", "offline_access").str("refresh_token")
	e.clock.Advance(token.DefaultRefreshTokenTTL - 30*time.Minute)
	r := e.refresh(c, rt)
	if r.code != 200 {
		t.Fatalf("refresh = %d %v", r.code, r.body)
	}
	// An access token never outlives the grant.
	if r.body["expires_in"] != float64(1800) {
		t.Errorf("expires_in = %v, want 1800 (the grant's last half hour)", r.body["expires_in"])
	}
	e.clock.Advance(30 * time.Minute)
	if r := e.refresh(c, r.str("refresh_token")); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("refresh after the grant expired = %d %v", r.code, r.body)
	}
}
