package token_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func TestUserInfo(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	u := e.newUser(e.projectID)
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "profile", "email"}})
	at := e.mustExchange(c, code).str("access_token")

	// The claims come from the user as they are now.
	if _, err := e.st.UpdateUser(t.Context(), e.projectID, u.ID, func(u *store.User) error {
		u.Name = store.Name{First: "Grace", Last: "Hopper"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	post := func(body url.Values, authorization string) reply {
		req, _ := http.NewRequest("POST", e.url+"/v1/oauth2/userinfo", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		return e.send(req)
	}
	for name, send := range map[string]func() reply{
		"GET, Bearer":             func() reply { return e.userinfo("Bearer " + at) },
		"GET, lowercase bearer":   func() reply { return e.userinfo("bearer " + at) }, // RFC 6750 §2.1, conformance G-UI
		"POST, header":            func() reply { return post(nil, "Bearer "+at) },
		"POST, form body":         func() reply { return post(url.Values{"access_token": {at}}, "") },
		"POST, upper-case BEARER": func() reply { return post(nil, "BEARER "+at) },
	} {
		t.Run(name, func(t *testing.T) {
			r := send()
			if r.code != 200 || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("userinfo = %d %v", r.code, r.body)
			}
			want := map[string]any{
				"sub": u.ID, "name": "Grace Hopper", "given_name": "Grace", "family_name": "Hopper",
				"email": u.Email.Address, "email_verified": true, "status_code": float64(200),
			}
			for k, v := range want {
				if r.body[k] != v {
					t.Errorf("%s = %v, want %v", k, r.body[k], v)
				}
			}
			// Only the granted scopes' claims; no empty strings.
			for _, k := range []string{"phone_number", "phone_number_verified", "middle_name"} {
				if _, ok := r.body[k]; ok {
					t.Errorf("%s present: %v", k, r.body)
				}
			}
			if r.body["updated_at"] == nil || r.str("request_id") == "" {
				t.Errorf("body = %v", r.body)
			}
		})
	}
}

func TestUserInfoErrors(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	issue := func(scopes ...string) reply {
		return e.mustExchange(c, e.code(c, e.newUser(e.projectID), codeSpec{scopes: scopes}))
	}
	m2m := e.newM2M()
	m2mToken := func() string {
		return e.form("/v1/oauth2/token", nil, "grant_type", "client_credentials", "client_id", m2m.id, "client_secret", m2m.secret).str("access_token")
	}
	otherPID, otherSecret := e.newProject()
	foreign := e.newClientIn(otherPID, otherSecret, "third_party")
	foreignToken := func() string {
		return e.mustExchange(foreign, e.code(foreign, e.newUser(otherPID), codeSpec{scopes: []string{"openid"}})).str("access_token")
	}

	tests := []struct {
		name          string
		authorization func() string
		wantStatus    int
		wantError     string
	}{
		{name: "revoked", authorization: func() string {
			at := issue("openid").str("access_token")
			if r := e.revoke(c, at); r.code != 200 {
				t.Fatalf("revoke = %d %v", r.code, r.body)
			}
			return "Bearer " + at
		}, wantStatus: 401, wantError: "invalid_token"},
		{name: "expired", authorization: func() string {
			at := issue("openid").str("access_token")
			e.clock.Advance(time.Hour)
			return "Bearer " + at
		}, wantStatus: 401, wantError: "invalid_token"},
		{name: "garbage", authorization: func() string { return "Bearer not.a.token" }, wantStatus: 401, wantError: "invalid_token"},
		{name: "not a JWT", authorization: func() string { return "Bearer abc" }, wantStatus: 401, wantError: "invalid_token"},
		{name: "signature altered", authorization: func() string {
			at := issue("openid").str("access_token")
			return "Bearer " + at[:len(at)-4] + "AAAA"
		}, wantStatus: 401, wantError: "invalid_token"},
		{name: "an ID token", authorization: func() string { return "Bearer " + issue("openid").str("id_token") }, wantStatus: 401, wantError: "invalid_token"},
		{name: "a refresh token", authorization: func() string {
			return "Bearer " + issue("openid", "offline_access").str("refresh_token")
		}, wantStatus: 401, wantError: "invalid_token"},
		{name: "an M2M token", authorization: func() string { return "Bearer " + m2mToken() }, wantStatus: 401, wantError: "invalid_token"},
		{name: "another project's token", authorization: func() string { return "Bearer " + foreignToken() }, wantStatus: 200},
		{name: "no openid scope", authorization: func() string { return "Bearer " + issue("email").str("access_token") }, wantStatus: 403, wantError: "insufficient_scope"},
		{name: "Basic scheme", authorization: func() string { return "Basic " + issue("openid").str("access_token") }, wantStatus: 401, wantError: "invalid_token"},
		{name: "no token", authorization: func() string { return "" }, wantStatus: 401, wantError: "invalid_token"},
		{name: "deleted user", authorization: func() string {
			r := issue("openid")
			_, claims := e.verified(e.projectID, r.str("access_token"))
			if err := e.st.DeleteUser(t.Context(), e.projectID, claims["sub"].(string), time.Now()); err != nil {
				t.Fatal(err)
			}
			return "Bearer " + r.str("access_token")
		}, wantStatus: 401, wantError: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.userinfo(tt.authorization())
			if r.code != tt.wantStatus || r.str("error") != tt.wantError {
				t.Fatalf("got %d %v, want %d %s", r.code, r.body, tt.wantStatus, tt.wantError)
			}
			// RFC 6750 §3.
			if tt.wantStatus == 401 && r.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("header and body both", func(t *testing.T) {
		at := issue("openid").str("access_token")
		req, _ := http.NewRequest("POST", e.url+"/v1/oauth2/userinfo", strings.NewReader("access_token="+at))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+at)
		if r := e.send(req); r.code != 400 || r.str("error") != "invalid_request" {
			t.Errorf("got %d %v, want 400 invalid_request (RFC 6750 §2)", r.code, r.body)
		}
	})
}
