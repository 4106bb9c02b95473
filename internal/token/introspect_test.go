package token_test

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestIntrospection(t *testing.T) {
	e := newEnv(t)
	c, other := e.newClient("third_party"), e.newClient("first_party")
	pub := e.newClient("first_party_public")
	m2m := e.newM2M()
	otherPID, otherSecret := e.newProject()
	foreign := e.newClientIn(otherPID, otherSecret, "third_party")
	u := e.newUser(e.projectID)
	tokens := e.mustExchange(c, e.code(c, u, codeSpec{scopes: []string{"openid", "email", "offline_access"}}))
	at, rt := tokens.str("access_token"), tokens.str("refresh_token")
	_, claims := e.verified(e.projectID, at)
	m2mToken := e.form("/v1/oauth2/token", nil, "grant_type", "client_credentials", "client_id", m2m.id, "client_secret", m2m.secret).str("access_token")

	t.Run("active access token", func(t *testing.T) {
		r := e.introspect(c, at)
		want := map[string]any{
			"active": true, "iss": e.url, "sub": u.ID, "scope": "openid email offline_access", "client_id": c.id,
			"exp": claims["exp"], "iat": claims["iat"], "nbf": claims["nbf"], "jti": claims["jti"], "token_type": "access_token",
			"status_code": float64(200),
		}
		for k, v := range want {
			if r.body[k] != v {
				t.Errorf("%s = %v, want %v", k, r.body[k], v)
			}
		}
		if !equalList(r.body["aud"], []string{e.projectID}) || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("answer = %v %v", r.body, r.header)
		}
	})
	t.Run("active refresh token", func(t *testing.T) {
		r := e.introspect(c, rt)
		if r.body["active"] != true || r.str("token_type") != "refresh_token" || r.str("sub") != u.ID ||
			r.str("client_id") != c.id || r.str("scope") != "openid email offline_access" || r.body["exp"] == nil {
			t.Errorf("answer = %v", r.body)
		}
	})

	t.Run("a rotated refresh token is inactive, its successor active", func(t *testing.T) {
		spent := e.mustExchange(c, e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}})).str("refresh_token")
		next := e.refresh(c, spent)
		if next.code != 200 {
			t.Fatalf("refresh = %d %v", next.code, next.body)
		}
		if e.active(c, spent) {
			t.Error("spent refresh token reported active")
		}
		if !e.active(c, next.str("refresh_token")) {
			t.Error("successor refresh token reported inactive")
		}
	})

	tests := []struct {
		name       string
		by         client
		token      string
		path       string
		wantActive bool
	}{
		{name: "another client of the project", by: other, token: at, wantActive: true},
		{name: "an M2M client of the project", by: m2m, token: at, wantActive: true},
		{name: "an M2M token", by: c, token: m2mToken, wantActive: true},
		{name: "Stytch path", by: c, token: at, path: "/v1/public/" + e.projectID + "/oauth2/introspect", wantActive: true},
		{name: "a client of another project: access token", by: foreign, token: at},
		{name: "a client of another project: refresh token", by: foreign, token: rt},
		{name: "garbage", by: c, token: "garbage"},
		{name: "garbage JWT", by: c, token: "a.b.c"},
		{name: "an ID token", by: c, token: tokens.str("id_token")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/v1/oauth2/introspect"
			}
			r := e.form(path, &tt.by, "token", tt.token)
			if r.code != 200 || (r.body["active"] == true) != tt.wantActive {
				t.Fatalf("got %d %v, want active %v", r.code, r.body, tt.wantActive)
			}
			// RFC 7662 §2.2: an inactive token gets active: false only.
			if !tt.wantActive {
				keys := make([]string, 0, len(r.body))
				for k := range r.body {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				if strings.Join(keys, " ") != "active request_id status_code" {
					t.Errorf("inactive answer = %v", r.body)
				}
			}
		})
	}

	errTests := []struct {
		name       string
		send       func() reply
		wantStatus int
		wantError  string
	}{
		{name: "no client authentication", send: func() reply { return e.form("/v1/oauth2/introspect", nil, "token", at) }, wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret", send: func() reply {
			bad := c
			bad.secret = "wrong"
			return e.introspect(bad, at)
		}, wantStatus: 401, wantError: "invalid_client"},
		{name: "a public client", send: func() reply { return e.introspect(pub, at) }, wantStatus: 401, wantError: "invalid_client"},
		{name: "client outside the path's project", send: func() reply {
			return e.form("/v1/public/"+otherPID+"/oauth2/introspect", &c, "token", at)
		}, wantStatus: 401, wantError: "invalid_client"},
		{name: "no token", send: func() reply { return e.form("/v1/oauth2/introspect", &c) }, wantStatus: 400, wantError: "invalid_request"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.send(); r.code != tt.wantStatus || r.str("error") != tt.wantError {
				t.Errorf("got %d %v, want %d %s", r.code, r.body, tt.wantStatus, tt.wantError)
			}
		})
	}

	t.Run("inactive after expiry", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		if e.active(c, at) {
			t.Error("expired access token active")
		}
		if !e.active(c, rt) {
			t.Error("refresh token inactive an hour later")
		}
	})
	t.Run("M2M token of a deleted client", func(t *testing.T) {
		tok := e.form("/v1/oauth2/token", nil, "grant_type", "client_credentials", "client_id", m2m.id, "client_secret", m2m.secret).str("access_token")
		e.apiAs(e.projectID, e.secret, "DELETE", "/v1/m2m/clients/"+m2m.id, nil)
		if e.active(c, tok) {
			t.Error("a deleted M2M client's token is active")
		}
	})
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	c, other := e.newClient("third_party"), e.newClient("third_party")
	pub := e.newClient("third_party_public")
	issue := func(by client) (at, rt string) {
		r := e.grantTokens(by, "openid", "offline_access")
		return r.str("access_token"), r.str("refresh_token")
	}

	t.Run("refresh token revokes the grant", func(t *testing.T) {
		at, rt := issue(c)
		r := e.revoke(c, rt)
		if r.code != 200 || r.str("request_id") == "" || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("revoke = %d %v", r.code, r.body)
		}
		if e.active(c, at) || e.active(c, rt) {
			t.Error("tokens of the revoked grant still active")
		}
		if r := e.refresh(c, rt); r.code != 400 || r.str("error") != "invalid_grant" {
			t.Errorf("refresh after revocation = %d %v", r.code, r.body)
		}
		if r := e.userinfo("Bearer " + at); r.code != 401 {
			t.Errorf("userinfo after revocation = %d %v", r.code, r.body)
		}
		// Revoking again is fine (RFC 7009 §2.2).
		if r := e.revoke(c, rt); r.code != 200 {
			t.Errorf("second revocation = %d %v", r.code, r.body)
		}
	})
	t.Run("access token revokes the grant", func(t *testing.T) {
		at, rt := issue(c)
		if r := e.form("/v1/oauth2/revoke", &c, "token", at, "token_type_hint", "access_token"); r.code != 200 {
			t.Fatalf("revoke = %d %v", r.code, r.body)
		}
		if e.active(c, at) || e.active(c, rt) {
			t.Error("tokens of the revoked grant still active")
		}
	})
	t.Run("a rotated refresh token still reaches its family", func(t *testing.T) {
		at, rt := issue(c)
		next := e.refresh(c, rt)
		if r := e.revoke(c, rt); r.code != 200 {
			t.Fatalf("revoke = %d %v", r.code, r.body)
		}
		if e.active(c, at) || e.active(c, next.str("refresh_token")) {
			t.Error("the family outlived revocation of its old token")
		}
	})
	t.Run("public client by client_id", func(t *testing.T) {
		at, rt := issue(pub)
		if r := e.revoke(pub, rt); r.code != 200 {
			t.Fatalf("revoke = %d %v", r.code, r.body)
		}
		if e.active(c, at) {
			t.Error("access token still active")
		}
	})
	t.Run("Stytch path", func(t *testing.T) {
		at, _ := issue(c)
		if r := e.form("/v1/public/"+e.projectID+"/oauth2/revoke", &c, "token", at); r.code != 200 {
			t.Fatalf("revoke = %d %v", r.code, r.body)
		}
		if e.active(c, at) {
			t.Error("access token still active")
		}
	})

	// RFC 7009 §2.1: another client's token is not revoked, and the
	// answer does not say so.
	for name, pick := range map[string]func(at, rt string) string{
		"another client's refresh token": func(_, rt string) string { return rt },
		"another client's access token":  func(at, _ string) string { return at },
	} {
		t.Run(name, func(t *testing.T) {
			at, rt := issue(other)
			if r := e.revoke(c, pick(at, rt)); r.code != 200 {
				t.Fatalf("revoke = %d %v", r.code, r.body)
			}
			if !e.active(c, at) || !e.active(c, rt) {
				t.Error("another client's tokens were revoked")
			}
		})
	}
	for name, tok := range map[string]string{"unknown token": "nope", "garbage JWT": "a.b.c"} {
		t.Run(name, func(t *testing.T) {
			if r := e.revoke(c, tok); r.code != 200 {
				t.Errorf("revoke = %d %v, want 200 (RFC 7009 §2.2)", r.code, r.body)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		if r := e.form("/v1/oauth2/revoke", nil, "token", "x"); r.code != 401 || r.str("error") != "invalid_client" {
			t.Errorf("unauthenticated = %d %v", r.code, r.body)
		}
		if r := e.form("/v1/oauth2/revoke", &c); r.code != 400 || r.str("error") != "invalid_request" {
			t.Errorf("no token = %d %v", r.code, r.body)
		}
	})
}
