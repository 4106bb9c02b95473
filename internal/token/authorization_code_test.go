package token_test

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCodeExchange(t *testing.T) {
	e := newEnv(t)
	conf := e.newClient("third_party", "access_token_expiry_minutes", 15, "access_token_custom_audience", "https://api.example")
	pub := e.newClient("first_party_public")
	u := e.newUser(e.projectID)
	authTime := e.clock.Now().Add(-5 * time.Minute)
	verifier, challenge := pkce()

	tests := []struct {
		name        string
		c           client
		spec        codeSpec
		params      []string
		postSecret  bool // client_secret_post instead of basic
		wantTTL     int
		wantAud     []string
		wantID      bool
		wantRefresh bool
	}{
		{name: "confidential, basic, PKCE, every scope", c: conf,
			spec:   codeSpec{scopes: []string{"openid", "profile", "email", "phone", "offline_access"}, nonce: "n-0S6_WzA2Mj", challenge: challenge, authTime: authTime, session: "session-test-sid"},
			params: []string{"code_verifier", verifier}, wantTTL: 900, wantAud: []string{e.projectID, "https://api.example"}, wantID: true, wantRefresh: true},
		{name: "confidential, post, no PKCE, openid only", c: conf, postSecret: true,
			spec:    codeSpec{scopes: []string{"openid"}, authTime: authTime},
			wantTTL: 900, wantAud: []string{e.projectID, "https://api.example"}, wantID: true},
		{name: "public, none, PKCE", c: pub,
			spec:   codeSpec{scopes: []string{"openid", "email", "offline_access"}, nonce: "abc", challenge: challenge, authTime: authTime},
			params: []string{"code_verifier", verifier}, wantTTL: 3600, wantAud: []string{e.projectID}, wantID: true, wantRefresh: true},
		{name: "plain OAuth: no openid, no ID token", c: pub,
			spec:   codeSpec{scopes: []string{"email"}, challenge: challenge, authTime: authTime},
			params: []string{"code_verifier", verifier}, wantTTL: 3600, wantAud: []string{e.projectID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := e.code(tt.c, u, tt.spec)
			var r reply
			if tt.postSecret {
				r = e.form("/v1/oauth2/token", nil, append([]string{"grant_type", "authorization_code", "code", code,
					"redirect_uri", tt.c.redirectURI, "client_id", tt.c.id, "client_secret", tt.c.secret}, tt.params...)...)
			} else {
				r = e.exchange(tt.c, code, tt.params...)
			}
			if r.code != 200 {
				t.Fatalf("exchange = %d %v", r.code, r.body)
			}
			// RFC 6749 §5.1.
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers = %v", r.header)
			}
			scope := strings.Join(tt.spec.scopes, " ")
			if r.str("token_type") != "bearer" || r.body["expires_in"] != float64(tt.wantTTL) || r.str("scope") != scope ||
				r.str("request_id") == "" || r.body["status_code"] != float64(200) {
				t.Errorf("response = %v", r.body)
			}
			if (r.str("refresh_token") != "") != tt.wantRefresh || (r.str("id_token") != "") != tt.wantID {
				t.Errorf("refresh_token %q, id_token %q; want refresh %v, ID token %v", r.str("refresh_token"), r.str("id_token"), tt.wantRefresh, tt.wantID)
			}

			at := r.str("access_token")
			hdr, ac := e.verified(e.projectID, at)
			if hdr.ExtraHeaders["typ"] != "JWT" || hdr.Algorithm != "RS256" || hdr.KeyID == "" {
				t.Errorf("access token header = %+v", hdr)
			}
			jti, _ := ac["jti"].(string)
			if ac["iss"] != e.url || ac["sub"] != u.ID || !equalList(ac["aud"], tt.wantAud) || ac["client_id"] != tt.c.id ||
				ac["scope"] != scope || !strings.HasPrefix(jti, "grant-") || !strings.Contains(jti, ".") ||
				ac["exp"].(float64)-ac["iat"].(float64) != float64(tt.wantTTL) || ac["nbf"] != ac["iat"] {
				t.Errorf("access token claims = %v", ac)
			}
			if !tt.wantID {
				return
			}
			hdr, id := e.verified(e.projectID, r.str("id_token"))
			if hdr.ExtraHeaders["typ"] != "JWT" || hdr.Algorithm != "RS256" || hdr.KeyID == "" {
				t.Errorf("ID token header = %+v", hdr)
			}
			sum := sha256.Sum256([]byte(at))
			if id["iss"] != e.url || id["sub"] != u.ID || !equalList(id["aud"], []string{tt.c.id}) || id["azp"] != tt.c.id ||
				id["at_hash"] != base64.RawURLEncoding.EncodeToString(sum[:16]) || id["auth_time"] != float64(authTime.Unix()) ||
				id["exp"].(float64)-id["iat"].(float64) != 3600 || id["iat"] != float64(e.clock.Now().Unix()) {
				t.Errorf("ID token claims = %v", id)
			}
			// OpenID Connect Back-Channel Logout 1.0 §2.1: the session, when
			// the code came from one.
			if sid, ok := id["sid"]; tt.spec.session != "" && sid != tt.spec.session || tt.spec.session == "" && ok {
				t.Errorf("sid = %v, want %q", sid, tt.spec.session)
			}
			if nonce, ok := id["nonce"]; tt.spec.nonce != "" && nonce != tt.spec.nonce || tt.spec.nonce == "" && ok {
				t.Errorf("nonce = %v, want %q", nonce, tt.spec.nonce)
			}
			// Scope claims, only for the scopes granted.
			want := map[string]any{}
			if slices.Contains(tt.spec.scopes, "profile") {
				want["name"], want["given_name"], want["middle_name"], want["family_name"] = "Ada King Lovelace", "Ada", "King", "Lovelace"
				want["updated_at"] = float64(u.UpdatedAt.Unix())
			}
			if slices.Contains(tt.spec.scopes, "email") {
				want["email"], want["email_verified"] = u.Email.Address, true
			}
			if slices.Contains(tt.spec.scopes, "phone") {
				want["phone_number"], want["phone_number_verified"] = u.Phone.Number, false
			}
			for _, k := range []string{"name", "given_name", "middle_name", "family_name", "updated_at", "email", "email_verified", "phone_number", "phone_number_verified"} {
				if id[k] != want[k] {
					t.Errorf("ID token %s = %v, want %v", k, id[k], want[k])
				}
			}
		})
	}
}

// Every way a code exchange can fail. "burned" says whether the code is
// gone afterwards: the store spends it once it is found, whatever the
// checks decide (RFC 6749 §4.1.2); malformed requests never reach it.
func TestCodeExchangeErrors(t *testing.T) {
	e := newEnv(t)
	conf, conf2, pub := e.newClient("third_party"), e.newClient("first_party"), e.newClient("third_party_public")
	otherPID, otherSecret := e.newProject()
	foreign := e.newClientIn(otherPID, otherSecret, "third_party")
	m2m := e.newM2M()
	u := e.newUser(e.projectID)
	verifier, challenge := pkce()
	scopes := []string{"openid", "offline_access"}

	tests := []struct {
		name       string
		owner      client   // the code's client
		spec       codeSpec // scopes default to openid offline_access
		send       func(code string) reply
		wantStatus int
		wantError  string
		burned     bool
	}{
		{name: "wrong redirect_uri", owner: conf,
			send:       func(code string) reply { return e.exchange(conf, code, "redirect_uri", "https://app.example/other") },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "redirect_uri differs by a slash", owner: conf,
			send:       func(code string) reply { return e.exchange(conf, code, "redirect_uri", conf.redirectURI+"/") },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "missing redirect_uri", owner: conf,
			send: func(code string) reply {
				return e.form("/v1/oauth2/token", &conf, "grant_type", "authorization_code", "code", code)
			},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "code of another client", owner: conf2,
			send:       func(code string) reply { return e.exchange(conf, code) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "code of another project's client", owner: foreign,
			send:       func(code string) reply { return e.exchange(conf, code) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "public client without PKCE", owner: pub,
			send:       func(code string) reply { return e.exchange(pub, code) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "wrong code_verifier", owner: pub, spec: codeSpec{challenge: challenge},
			send: func(code string) reply {
				v, _ := pkce()
				return e.exchange(pub, code, "code_verifier", v)
			},
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "code_verifier too short", owner: pub, spec: codeSpec{challenge: challenge},
			send:       func(code string) reply { return e.exchange(pub, code, "code_verifier", verifier[:42]) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "code_verifier without code_challenge", owner: conf,
			send:       func(code string) reply { return e.exchange(conf, code, "code_verifier", verifier) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "code_challenge without code_verifier", owner: conf, spec: codeSpec{challenge: challenge},
			send:       func(code string) reply { return e.exchange(conf, code) },
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "expired code", owner: conf, spec: codeSpec{ttl: time.Second},
			send: func(code string) reply {
				e.clock.Advance(time.Second)
				return e.exchange(conf, code)
			},
			wantStatus: 400, wantError: "invalid_grant", burned: true},
		{name: "unknown code", owner: conf,
			send:       func(string) reply { return e.exchange(conf, "not-a-code") },
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing code", owner: conf,
			send: func(string) reply {
				return e.form("/v1/oauth2/token", &conf, "grant_type", "authorization_code", "redirect_uri", conf.redirectURI)
			},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "public client sending a secret", owner: pub, spec: codeSpec{challenge: challenge},
			send: func(code string) reply {
				return e.form("/v1/oauth2/token", nil, "grant_type", "authorization_code", "code", code, "redirect_uri", pub.redirectURI,
					"code_verifier", verifier, "client_id", pub.id, "client_secret", "guess")
			},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "confidential client without its secret", owner: conf,
			send: func(code string) reply {
				return e.form("/v1/oauth2/token", nil, "grant_type", "authorization_code", "code", code, "redirect_uri", conf.redirectURI, "client_id", conf.id)
			},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret", owner: conf,
			send: func(code string) reply {
				bad := conf
				bad.secret += "x"
				return e.exchange(bad, code)
			},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "M2M client", owner: conf,
			send:       func(code string) reply { return e.exchange(m2m, code) },
			wantStatus: 400, wantError: "unauthorized_client"},
		{name: "client outside the path's project", owner: conf,
			send: func(code string) reply {
				return e.form("/v1/public/"+otherPID+"/oauth2/token", &conf, "grant_type", "authorization_code", "code", code, "redirect_uri", conf.redirectURI)
			},
			wantStatus: 401, wantError: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.scopes = scopes
			owner := e.newUser(tt.owner.projectID)
			if tt.owner.projectID == e.projectID {
				owner = u
			}
			code := e.code(tt.owner, owner, spec)
			r := tt.send(code)
			if r.code != tt.wantStatus || r.str("error") != tt.wantError {
				t.Fatalf("got %d %v, want %d %s", r.code, r.body, tt.wantStatus, tt.wantError)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("headers = %v", r.header)
			}
			if strings.ContainsAny(r.str("error_description"), "\"\\") {
				t.Errorf("error_description %q has characters RFC 6749 §5.2 forbids", r.str("error_description"))
			}
			if tt.wantStatus == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate (RFC 6749 §5.2)")
			}
			if tt.name == "expired code" || tt.name == "unknown code" {
				return
			}
			// Now the rightful client, done right.
			params := []string{}
			if spec.challenge != "" {
				params = append(params, "code_verifier", verifier)
			}
			again := e.exchange(tt.owner, code, params...)
			if tt.burned && (again.code != 400 || again.str("error") != "invalid_grant") {
				t.Errorf("after the failure the code still works: %d %v", again.code, again.body)
			}
			if !tt.burned && again.code != 200 {
				t.Errorf("a request refused before the code was looked at spent it: %d %v", again.code, again.body)
			}
		})
	}
}

// A code presented twice (RFC 6749 §4.1.2): the second exchange fails,
// and everything the first one issued dies with its grant.
func TestCodeReplay(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	u := e.newUser(e.projectID)
	code := e.code(c, u, codeSpec{scopes: []string{"openid", "offline_access"}})
	first := e.mustExchange(c, code)
	at, rt := first.str("access_token"), first.str("refresh_token")
	if !e.active(c, at) || e.userinfo("Bearer "+at).code != 200 {
		t.Fatal("the first exchange's access token does not work")
	}

	second := e.exchange(c, code)
	if second.code != 400 || second.str("error") != "invalid_grant" || second.header.Get("Content-Type") != "application/json" {
		t.Fatalf("replay = %d %v, want 400 invalid_grant", second.code, second.body)
	}
	if e.active(c, at) {
		t.Error("introspection: the first access token is still active")
	}
	if r := e.userinfo("Bearer " + at); r.code != 401 || r.str("error") != "invalid_token" {
		t.Errorf("userinfo with the first access token = %d %v", r.code, r.body)
	}
	if e.active(c, rt) {
		t.Error("introspection: the first refresh token is still active")
	}
	if r := e.refresh(c, rt); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("refresh with the first refresh token = %d %v", r.code, r.body)
	}
	// A third try is refused the same way.
	if r := e.exchange(c, code); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("third exchange = %d %v", r.code, r.body)
	}
}

// A user deleted between authorization and exchange takes the code along.
func TestCodeOfDeletedUser(t *testing.T) {
	e := newEnv(t)
	c := e.newClient("third_party")
	u := e.newUser(e.projectID)
	code := e.code(c, u, codeSpec{scopes: []string{"openid"}})
	if err := e.st.DeleteUser(t.Context(), e.projectID, u.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := e.exchange(c, code); r.code != 400 || r.str("error") != "invalid_grant" {
		t.Errorf("exchange = %d %v", r.code, r.body)
	}
}

func equalList(v any, want []string) bool {
	l, ok := v.([]any)
	if !ok || len(l) != len(want) {
		return false
	}
	for i, s := range l {
		if s != want[i] {
			return false
		}
	}
	return true
}
