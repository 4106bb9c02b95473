package e2e

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

type jsonObj = map[string]any

// A backend signs a user up with a password, logs them in, checks the
// session by token and by JWT (verifying the JWT itself against the public
// JWKS, as a Stytch SDK would), and finally deletes the user.
func TestUsersPasswordsSessions(t *testing.T) {
	s := startServer(t)
	const pw = "v8#Lq2!mZr@9wTe4"

	var created jsonObj
	if code := s.call(t, "POST", "/v1/users", jsonObj{
		"email": "e2e@example.com", "external_id": "e2e-1", "trusted_metadata": jsonObj{"k": "v"},
	}, &created); code != 200 {
		t.Fatalf("users.create = %d %v", code, created)
	}
	userID, _ := created["user_id"].(string)
	if !strings.HasPrefix(userID, "user-test-") || created["request_id"] == "" {
		t.Fatalf("users.create = %v", created)
	}
	var got jsonObj
	if code := s.call(t, "GET", "/v1/users/e2e-1", nil, &got); code != 200 || got["user_id"] != userID {
		t.Fatalf("users.get by external_id = %d %v", code, got)
	}
	var errBody jsonObj
	if code := s.call(t, "POST", "/v1/users", jsonObj{"email": "E2E@example.com"}, &errBody); code != 400 || errBody["error_type"] != "duplicate_email" {
		t.Fatalf("duplicate create = %d %v", code, errBody)
	}
	var search jsonObj
	s.call(t, "POST", "/v1/users/search", jsonObj{"query": jsonObj{"operator": "AND", "operands": []jsonObj{
		{"filter_name": "email_address", "filter_value": []string{"e2e@example.com"}},
	}}}, &search)
	if res, _ := search["results"].([]any); len(res) != 1 {
		t.Fatalf("users.search = %v", search)
	}

	var signup jsonObj
	if code := s.call(t, "POST", "/v1/passwords", jsonObj{"email": "pw@example.com", "password": pw}, &signup); code != 200 {
		t.Fatalf("passwords.create = %d %v", code, signup)
	}
	var login jsonObj
	if code := s.call(t, "POST", "/v1/passwords/authenticate", jsonObj{
		"email": "pw@example.com", "password": pw, "session_duration_minutes": 30,
	}, &login); code != 200 {
		t.Fatalf("passwords.authenticate = %d %v", code, login)
	}
	if code := s.call(t, "POST", "/v1/passwords/authenticate", jsonObj{"email": "pw@example.com", "password": "nope"}, &errBody); code != 401 || errBody["error_type"] != "unauthorized_credentials" {
		t.Fatalf("wrong password = %d %v", code, errBody)
	}

	sessionJWT, _ := login["session_jwt"].(string)
	verifyJWT(t, s, sessionJWT, login["user_id"].(string))

	var auth jsonObj
	if code := s.call(t, "POST", "/v1/sessions/authenticate", jsonObj{"session_jwt": sessionJWT, "session_duration_minutes": 90}, &auth); code != 200 {
		t.Fatalf("sessions.authenticate = %d %v", code, auth)
	}
	verifyJWT(t, s, auth["session_jwt"].(string), login["user_id"].(string))
	if code := s.call(t, "POST", "/v1/sessions/authenticate", jsonObj{"session_token": signup["session_token"]}, &auth); code != 200 {
		t.Fatalf("sessions.authenticate by token = %d %v", code, auth)
	}

	var list jsonObj
	s.call(t, "GET", "/v1/sessions?user_id="+signup["user_id"].(string), nil, &list)
	if l, _ := list["sessions"].([]any); len(l) != 2 {
		t.Fatalf("sessions.get = %v", list)
	}
	var ok jsonObj
	if code := s.call(t, "POST", "/v1/sessions/revoke", jsonObj{"session_token": signup["session_token"]}, &ok); code != 200 {
		t.Fatalf("sessions.revoke = %d %v", code, ok)
	}
	if code := s.call(t, "POST", "/v1/sessions/authenticate", jsonObj{"session_token": signup["session_token"]}, &errBody); code != 404 || errBody["error_type"] != "session_not_found" {
		t.Fatalf("revoked session = %d %v", code, errBody)
	}

	if code := s.call(t, "DELETE", "/v1/users/"+signup["user_id"].(string), nil, &ok); code != 200 {
		t.Fatalf("users.delete = %d %v", code, ok)
	}
	if code := s.call(t, "POST", "/v1/sessions/authenticate", jsonObj{"session_jwt": sessionJWT}, &errBody); code != 404 {
		t.Fatalf("session of a deleted user = %d %v", code, errBody)
	}
}

// verifyJWT applies exactly the checks of stytch-api.md §4.2 to a session
// JWT: RS256, kid found in GET /v1/sessions/jwks/{project_id}, typ JWT, aud
// containing the project ID, iss the base URL.
func verifyJWT(t *testing.T, s *Server, token, userID string) {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, s.URL+"/v1/sessions/jwks/"+s.ProjectID, http.StatusOK, &set)
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("session JWT: %v", err)
	}
	if typ := tok.Headers[0].ExtraHeaders[jose.HeaderType]; typ != "JWT" {
		t.Fatalf("typ = %v", typ)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		t.Fatalf("kid %q not in the session JWKS", tok.Headers[0].KeyID)
	}
	var c jwt.Claims
	if err := tok.Claims(keys[0].Key, &c); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: s.URL, AnyAudience: jwt.Audience{s.ProjectID}, Subject: userID, Time: time.Now()}, time.Minute); err != nil {
		t.Fatalf("claims: %v", err)
	}
}

// The official Stytch Node SDK, unchanged, against Signet.
func TestStytchNodeSDKUsers(t *testing.T) {
	cmd := nodeScript(t, "stytch_users.mjs")
	s := startServer(t)
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_PROJECT_ID="+s.ProjectID, "SIGNET_SECRET="+s.Secret)
	out, err := cmd.CombinedOutput()
	t.Logf("node stytch_users.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("stytch node SDK checks failed: %v", err)
	}
}
