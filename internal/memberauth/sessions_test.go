package memberauth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// claimsOf verifies a session JWT against the project's published keys,
// as an SDK's local verification does, and returns its claims.
func (e *env) claimsOf(t *testing.T, projectID, token string) obj {
	t.Helper()
	payload, hdr, err := e.km.Verify(t.Context(), projectID, token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("session JWT does not verify: %v", err)
	}
	if hdr.ExtraHeaders[jose.HeaderType] != "JWT" {
		t.Errorf("typ = %v, want JWT", hdr.ExtraHeaders[jose.HeaderType])
	}
	var c obj
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSessionJWTClaims(t *testing.T) {
	e := newEnv(t)
	org := e.org(t, "acme", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	out := e.must(t, "POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": "acme", "email_address": "ada@acme.example",
		"password": pw, "session_duration_minutes": 120, "session_custom_claims": obj{"plan": "pro"}})
	c := e.claimsOf(t, e.b2b.id, str(out, "session_jwt"))
	sess := out["member_session"].(obj)
	if c["iss"] != issuer || c["sub"] != str(out, "member_id") || c["plan"] != "pro" {
		t.Errorf("claims = %v", c)
	}
	if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != e.b2b.id {
		t.Errorf("aud = %v", c["aud"])
	}
	oc, _ := c["https://stytch.com/organization"].(obj)
	if oc["organization_id"] != org || oc["slug"] != "acme" {
		t.Errorf("organization claim = %v", oc)
	}
	sc, _ := c["https://stytch.com/session"].(obj)
	if sc["id"] != sess["member_session_id"] || sc["expires_at"] != sess["expires_at"] || sc["started_at"] != sess["started_at"] {
		t.Errorf("session claim = %v, session %v", sc, sess)
	}
	if roles, _ := sc["roles"].([]any); len(roles) == 0 || roles[0] != "stytch_member" {
		t.Errorf("roles = %v, want stytch_member first", sc["roles"])
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 300 {
		t.Errorf("JWT lifetime = %v s, want 300", exp-iat)
	}
	if claims := sess["custom_claims"].(obj); claims["plan"] != "pro" {
		t.Errorf("custom_claims = %v", claims)
	}
	// Reserved claims are refused.
	e.fails(t, http.StatusBadRequest, "invalid_session_custom_claims", "POST", "/v1/b2b/sessions/authenticate",
		obj{"session_token": str(out, "session_token"), "session_custom_claims": obj{"https://stytch.com/organization": 1}})
}

func TestSessionAuthenticate(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	signed := e.signIn(t, "acme", "ada@acme.example", pw)
	token, jwt := str(signed, "session_token"), str(signed, "session_jwt")
	const path = "/v1/b2b/sessions/authenticate"

	byToken := e.must(t, "POST", path, obj{"session_token": token, "session_duration_minutes": 30, "session_custom_claims": obj{"k": "v"}})
	for _, k := range []string{"member_session", "session_token", "session_jwt", "member", "organization"} {
		if _, ok := byToken[k]; !ok {
			t.Errorf("response lacks %s", k)
		}
	}
	if str(byToken, "session_token") != token || str(byToken["member"].(obj), "member_id") != str(signed, "member_id") ||
		str(byToken["organization"].(obj), "organization_slug") != "acme" {
		t.Errorf("by token = %v", byToken)
	}
	if e.claimsOf(t, e.b2b.id, str(byToken, "session_jwt"))["k"] != "v" {
		t.Error("custom claims not in the fresh JWT")
	}
	// A JWT past its exp still names its live session; the token is not echoed.
	e.now = e.now.Add(10 * time.Minute)
	byJWT := e.must(t, "POST", path, obj{"session_jwt": jwt})
	if str(byJWT, "session_token") != "" || str(byJWT, "session_jwt") == jwt {
		t.Errorf("by JWT = %v", byJWT)
	}
	// Exactly one credential; a check the policy cannot answer is refused
	// (package rbac tests the verdicts).
	e.fails(t, http.StatusBadRequest, "missing_session_arguments", "POST", path, obj{})
	e.fails(t, http.StatusBadRequest, "too_many_session_arguments", "POST", path, obj{"session_token": token, "session_jwt": jwt})
	e.fails(t, http.StatusBadRequest, "invalid_resource_id", "POST", path, obj{"session_token": token,
		"authorization_check": obj{"organization_id": "x", "resource_id": "documents", "action": "read"}})
	// Unknown, forged, and another project's.
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_token": "nope"})
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_jwt": "e30.e30.sig"})
	e.failsAs(t, e.other, here, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_token": token})
	e.failsAs(t, e.other, here, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_jwt": jwt})

	// A JWT whose organization claim was removed is not a member session
	// JWT (and its signature breaks anyway): refused.
	parts := strings.Split(jwt, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c obj
	json.Unmarshal(payload, &c)
	delete(c, "https://stytch.com/organization")
	b, _ := json.Marshal(c)
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", path,
		obj{"session_jwt": parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]})

	// Suspended since: refused; active again: the session works.
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"status": "suspended"})
	e.fails(t, http.StatusForbidden, "organization_suspended", "POST", path, obj{"session_token": token})
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"status": "active"})
	e.must(t, "POST", path, obj{"session_token": token})

	// Expired: gone.
	e.now = e.now.Add(time.Hour)
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_token": token})
}

func TestExtendBySignIn(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.org(t, "beta", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	e.migrateBcrypt(t, "beta", "ada@acme.example", pw)
	e.migrateBcrypt(t, "acme", "bob@acme.example", pw)
	first := e.signIn(t, "acme", "ada@acme.example", pw)
	again := e.must(t, "POST", "/v1/b2b/passwords/authenticate", obj{"organization_id": "acme", "email_address": "ada@acme.example",
		"password": pw, "session_token": str(first, "session_token")})
	if again["member_session"].(obj)["member_session_id"] != first["member_session"].(obj)["member_session_id"] ||
		str(again, "session_token") != str(first, "session_token") {
		t.Errorf("sign-in with a session did not extend it: %v", again)
	}
	// The same person in another organization, and another member: not theirs to extend.
	for _, body := range []obj{
		{"organization_id": "beta", "email_address": "ada@acme.example", "password": pw, "session_token": str(first, "session_token")},
		{"organization_id": "acme", "email_address": "bob@acme.example", "password": pw, "session_jwt": str(first, "session_jwt")},
	} {
		e.fails(t, http.StatusBadRequest, "session_member_mismatch", "POST", "/v1/b2b/passwords/authenticate", body)
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	e := newEnv(t)
	org := e.org(t, "acme", nil)
	e.org(t, "beta", nil)
	out := e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	memberID := str(out, "member_id")
	var sessions []obj
	for range 4 {
		sessions = append(sessions, e.signIn(t, "acme", "ada@acme.example", pw))
		e.now = e.now.Add(time.Second)
	}
	list := func() []any {
		t.Helper()
		return e.must(t, "GET", "/v1/b2b/sessions?organization_id=acme&member_id="+memberID, nil)["member_sessions"].([]any)
	}
	got := list()
	if len(got) != 4 || got[0].(obj)["member_session_id"] != sessions[3]["member_session"].(obj)["member_session_id"] ||
		got[0].(obj)["organization_id"] != org {
		t.Fatalf("sessions = %v, want 4, newest first", got)
	}
	e.fails(t, http.StatusBadRequest, "invalid_member_id", "GET", "/v1/b2b/sessions?organization_id=acme", nil)
	e.fails(t, http.StatusBadRequest, "invalid_organization_id", "GET", "/v1/b2b/sessions?member_id="+memberID, nil)
	e.fails(t, http.StatusNotFound, "member_not_found", "GET", "/v1/b2b/sessions?organization_id=beta&member_id="+memberID, nil)

	const path = "/v1/b2b/sessions/revoke"
	e.fails(t, http.StatusBadRequest, "missing_session_arguments", "POST", path, obj{})
	e.fails(t, http.StatusBadRequest, "too_many_session_arguments", "POST", path, obj{"member_id": memberID, "session_token": "x"})
	e.failsAs(t, e.other, here, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_token": str(sessions[0], "session_token")})
	e.must(t, "POST", path, obj{"session_token": str(sessions[0], "session_token")})
	e.must(t, "POST", path, obj{"session_jwt": str(sessions[1], "session_jwt")})
	e.must(t, "POST", path, obj{"member_session_id": sessions[2]["member_session"].(obj)["member_session_id"]})
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", path, obj{"session_token": str(sessions[0], "session_token")})
	if got := list(); len(got) != 1 {
		t.Fatalf("after three revokes: %d sessions", len(got))
	}
	e.must(t, "POST", path, obj{"member_id": memberID})
	if got := list(); len(got) != 0 {
		t.Fatalf("after revoking the member's: %d sessions", len(got))
	}
	e.fails(t, http.StatusNotFound, "member_not_found", "POST", path, obj{"member_id": "member-test-nobody"})

	// Deleting the member ends its sessions.
	s := e.signIn(t, "acme", "ada@acme.example", pw)
	e.must(t, "DELETE", "/v1/b2b/organizations/acme/members/"+memberID, nil)
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(s, "session_token")})
}
