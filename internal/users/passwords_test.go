package users_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/password"
)

func TestPasswordsCreate(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/passwords", obj{
		"email":                 "pat@example.com",
		"password":              strongPassword,
		"name":                  obj{"first_name": "Pat"},
		"trusted_metadata":      obj{"tier": "gold"},
		"session_custom_claims": obj{"team": "blue"},
	})
	wantKeys(t, "passwords.create response", out, "request_id", "status_code", "user_id", "email_id",
		"session_token", "session_jwt", "session", "user")
	u := out["user"].(obj)
	pw, _ := u["password"].(obj)
	wantKeys(t, "user.password", pw, "password_id", "requires_reset")
	if id, _ := pw["password_id"].(string); !strings.HasPrefix(id, "password-test-") {
		t.Errorf("password_id = %v", pw["password_id"])
	}
	if u["trusted_metadata"].(obj)["tier"] != "gold" || u["name"].(obj)["first_name"] != "Pat" {
		t.Errorf("user = %v", u)
	}
	if tok, _ := out["session_token"].(string); len(tok) < 43 {
		t.Errorf("session_token = %q", tok)
	}
	s := out["session"].(obj)
	wantKeys(t, "session", s, sessionKeys...)
	// No session_duration_minutes: a 60-minute session.
	started, expires := wantTime(t, "started_at", s["started_at"]), wantTime(t, "expires_at", s["expires_at"])
	if d := expires.Sub(started); d != time.Hour {
		t.Errorf("default session lasts %v, want 1h", d)
	}
	if s["custom_claims"].(obj)["team"] != "blue" {
		t.Errorf("custom_claims = %v", s["custom_claims"])
	}
	f := s["authentication_factors"].([]any)[0].(obj)
	wantKeys(t, "factor", f, "type", "delivery_method", "last_authenticated_at", "created_at", "updated_at", "email_factor")
	if f["type"] != "password" || f["delivery_method"] != "knowledge" {
		t.Errorf("factor = %v", f)
	}
	if ef := f["email_factor"].(obj); ef["email_id"] != out["email_id"] || ef["email_address"] != "pat@example.com" {
		t.Errorf("email_factor = %v", ef)
	}
	if r := s["roles"].([]any); len(r) != 1 || r[0] != "stytch_user" {
		t.Errorf("session roles = %v, want [stytch_user]", r)
	}

	// The stored hash is argon2id in PHC form with its parameters.
	st, err := e.st.UserByEmail(context.Background(), e.projectID, "pat@example.com")
	if err != nil || !strings.HasPrefix(st.Password.Hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("stored hash = %v, %v", st.Password, err)
	}

	out = e.must(t, "POST", "/v1/passwords", obj{"email": "long@example.com", "password": strongPassword, "session_duration_minutes": 5})
	s = out["session"].(obj)
	if d := wantTime(t, "", s["expires_at"]).Sub(wantTime(t, "", s["started_at"])); d != 5*time.Minute {
		t.Errorf("session lasts %v, want 5m", d)
	}

	for _, tc := range []struct {
		name    string
		body    obj
		errType string
	}{
		{"weak", obj{"email": "w@example.com", "password": "password1"}, "weak_password"},
		{"empty password", obj{"email": "w@example.com"}, "weak_password"},
		{"contains email", obj{"email": "walter.white@example.com", "password": "Walter.White99!"}, "weak_password"},
		{"duplicate", obj{"email": "PAT@example.com", "password": strongPassword}, "duplicate_email"},
		{"no email", obj{"password": strongPassword}, "invalid_email"},
		{"bad email", obj{"email": "pat@", "password": strongPassword}, "invalid_email"},
		{"short session", obj{"email": "s@example.com", "password": strongPassword, "session_duration_minutes": 4}, "invalid_session_duration"},
		{"long session", obj{"email": "s@example.com", "password": strongPassword, "session_duration_minutes": 527041}, "invalid_session_duration"},
		{"reserved claim", obj{"email": "s@example.com", "password": strongPassword, "session_custom_claims": obj{"sub": "x"}}, "invalid_session_custom_claims"},
		{"stytch claim", obj{"email": "s@example.com", "password": strongPassword, "session_custom_claims": obj{"https://stytch.com/session": 1}}, "invalid_session_custom_claims"},
		{"claims not object", obj{"email": "s@example.com", "password": strongPassword, "session_custom_claims": "x"}, "invalid_session_custom_claims"},
		{"metadata", obj{"email": "s@example.com", "password": strongPassword, "trusted_metadata": 1}, "invalid_metadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, 400, tc.errType, "POST", "/v1/passwords", tc.body)
		})
	}
}

func TestPasswordsAuthenticate(t *testing.T) {
	e := newEnv(t)
	created := e.signup(t, "sam@example.com")
	id := created["user_id"].(string)

	out := e.must(t, "POST", "/v1/passwords/authenticate", obj{"email": "SAM@example.com", "password": strongPassword, "session_duration_minutes": 30})
	wantKeys(t, "passwords.authenticate response", out, "request_id", "status_code", "user_id", "session_token", "session_jwt", "session", "user")
	s := out["session"].(obj)
	if out["user_id"] != id || s["session_id"] == created["session"].(obj)["session_id"] {
		t.Errorf("authenticate = user %v session %v; want user %s and a new session", out["user_id"], s["session_id"], id)
	}
	if d := wantTime(t, "", s["expires_at"]).Sub(wantTime(t, "", s["started_at"])); d != 30*time.Minute {
		t.Errorf("session lasts %v, want 30m", d)
	}

	// With the session token, the same session is extended.
	again := e.must(t, "POST", "/v1/passwords/authenticate", obj{
		"email": "sam@example.com", "password": strongPassword, "session_token": out["session_token"], "session_duration_minutes": 120,
	})
	if again["session"].(obj)["session_id"] != s["session_id"] || again["session_token"] != out["session_token"] {
		t.Errorf("authenticate with session_token started session %v, want %v extended", again["session"].(obj)["session_id"], s["session_id"])
	}
	other := e.signup(t, "other@example.com")
	e.fails(t, 400, "session_user_mismatch", "POST", "/v1/passwords/authenticate", obj{
		"email": "sam@example.com", "password": strongPassword, "session_token": other["session_token"],
	})
	e.fails(t, 400, "too_many_session_arguments", "POST", "/v1/passwords/authenticate", obj{
		"email": "sam@example.com", "password": strongPassword, "session_token": "a", "session_jwt": "b",
	})

	// Wrong password and unknown email look the same.
	wrong := e.fails(t, 401, "unauthorized_credentials", "POST", "/v1/passwords/authenticate", obj{"email": "sam@example.com", "password": "nope"})
	unknown := e.fails(t, 401, "unauthorized_credentials", "POST", "/v1/passwords/authenticate", obj{"email": "nobody@example.com", "password": "nope"})
	if wrong["error_message"] != unknown["error_message"] {
		t.Errorf("wrong password says %q, unknown email %q: they must not differ", wrong["error_message"], unknown["error_message"])
	}
	// A user without a password too.
	e.must(t, "POST", "/v1/users", obj{"email": "nopw@example.com"})
	e.fails(t, 401, "unauthorized_credentials", "POST", "/v1/passwords/authenticate", obj{"email": "nopw@example.com", "password": strongPassword})
}

func TestRehashOnLogin(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "old@example.com")
	stronger := cheap
	stronger.Memory, stronger.Time = 128, 2
	// The same database served with stronger parameters (an upgrade).
	e = e.node(t, e.st, func(s *setup) { s.Hasher = password.NewHasher(stronger, 0) })

	e.must(t, "POST", "/v1/passwords/authenticate", obj{"email": "old@example.com", "password": strongPassword})
	u, err := e.st.UserByEmail(context.Background(), e.projectID, "old@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.Password.Hash, "$argon2id$v=19$m=128,t=2,p=1$") {
		t.Fatalf("hash after login = %s, want it raised to m=128,t=2", u.Password.Hash)
	}
	e.must(t, "POST", "/v1/passwords/authenticate", obj{"email": "old@example.com", "password": strongPassword})
}

func TestStrengthCheck(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/passwords/strength_check", obj{"password": "abc", "email": "x@example.com"})
	wantKeys(t, "strength_check response", out, "request_id", "status_code", "valid_password", "score",
		"breached_password", "strength_policy", "breach_detection_on_create", "feedback")
	wantKeys(t, "feedback", out["feedback"], "suggestions", "warning", "luds_requirements")
	luds := out["feedback"].(obj)["luds_requirements"]
	wantKeys(t, "luds_requirements", luds, "has_lower_case", "has_upper_case", "has_digit", "has_symbol", "missing_complexity", "missing_characters")
	l := luds.(obj)
	if out["valid_password"] != false || out["strength_policy"] != "luds" || out["breached_password"] != false ||
		l["has_lower_case"] != true || l["has_upper_case"] != false || l["missing_characters"] != float64(5) || l["missing_complexity"] != float64(2) {
		t.Errorf("strength_check(abc) = %v", out)
	}
	if s := out["feedback"].(obj)["suggestions"].([]any); len(s) == 0 {
		t.Error("no suggestions for a weak password")
	}
	out = e.must(t, "POST", "/v1/passwords/strength_check", obj{"password": strongPassword})
	if out["valid_password"] != true || out["score"] != float64(4) {
		t.Errorf("strength_check(strong) = %v", out)
	}
}
