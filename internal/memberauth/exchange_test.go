package memberauth_test

import "testing"

const exchangePathSessions = "/v1/b2b/sessions/exchange"

// TestSessionExchange: a session of acme's member becomes a session of
// the same email's member of globex; each refusal gets its envelope.
func TestSessionExchange(t *testing.T) {
	e := newEnv(t)
	acme := e.org(t, "acme", nil)
	globex := e.org(t, "globex", nil)
	e.org(t, "initech", obj{"mfa_policy": "REQUIRED_FOR_ALL"})
	e.org(t, "hooli", obj{"auth_methods": "RESTRICTED", "allowed_auth_methods": []string{"magic_link"}})
	e.org(t, "umbrella", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	globexMember := str(e.migrateBcrypt(t, "globex", "ada@acme.example", "another "+pw), "member_id")
	for _, slug := range []string{"initech", "hooli"} {
		e.migrateBcrypt(t, slug, "ada@acme.example", pw)
	}
	e.must(t, "POST", "/v1/b2b/organizations/umbrella/members", obj{"email_address": "ada@acme.example",
		"create_member_as_pending": true})
	in := e.signIn(t, "acme", "ada@acme.example", pw)

	out := e.must(t, "POST", exchangePathSessions, obj{"organization_id": "globex", "session_jwt": str(in, "session_jwt"),
		"session_duration_minutes": 30})
	if str(out, "member_id") != globexMember || str(out, "organization_id") != globex || out["member_authenticated"] != true ||
		str(out, "session_token") == "" || str(out, "intermediate_session_token") != "" {
		t.Fatalf("exchange = %v", out)
	}
	c := e.claimsOf(t, e.b2b.id, str(out, "session_jwt"))
	if c["sub"] != globexMember || c["https://stytch.com/organization"].(obj)["organization_id"] != globex {
		t.Errorf("exchanged JWT claims = %v", c)
	}
	// The new session authenticates in globex; the old one still in acme.
	if got := e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(out, "session_token")}); str(got["organization"].(obj), "organization_id") != globex {
		t.Errorf("exchanged session's organization = %v", got["organization"])
	}
	if got := e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(in, "session_token")}); str(got["organization"].(obj), "organization_id") != acme {
		t.Errorf("original session's organization = %v", got["organization"])
	}
	// A pending member becomes active.
	out = e.must(t, "POST", exchangePathSessions, obj{"organization_id": "umbrella", "session_token": str(in, "session_token")})
	if str(out["member"].(obj), "status") != "active" {
		t.Errorf("pending member after exchange: %v", out["member"].(obj)["status"])
	}

	tok := str(in, "session_token")
	for _, tt := range []struct {
		name    string
		body    obj
		status  int
		errType string
	}{
		{"no organization", obj{"session_token": tok}, 400, "invalid_organization_id"},
		{"no session", obj{"organization_id": "globex"}, 400, "missing_session_arguments"},
		{"unknown session", obj{"organization_id": "globex", "session_token": "nope"}, 404, "session_not_found"},
		{"unknown organization", obj{"organization_id": "nowhere", "session_token": tok}, 404, "organization_not_found"},
		{"not a member there", obj{"organization_id": e.org(t, "stark", nil), "session_token": tok}, 404, "member_not_found"},
		{"MFA required", obj{"organization_id": "initech", "session_token": tok}, 403, "mfa_unsupported"},
		{"auth method restricted", obj{"organization_id": "hooli", "session_token": tok}, 403, "operation_restricted_by_organization_auth_methods"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.fails(t, tt.status, tt.errType, "POST", exchangePathSessions, tt.body)
		})
	}
}
