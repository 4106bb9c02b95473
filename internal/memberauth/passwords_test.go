package memberauth_test

import (
	"encoding/base64"

	"net/http"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/store"
)

const pw = "Correct-Horse-9"

func TestMigrateThenAuthenticate(t *testing.T) {
	e := newEnv(t)
	org := e.org(t, "acme", nil)
	out := e.migrateBcrypt(t, "acme", "Ada@Acme.example", pw)
	if out["member_created"] != true {
		t.Fatalf("migrate did not create the member: %v", out)
	}
	m := out["member"].(obj)
	if m["email_address_verified"] != true || str(m, "member_password_id") == "" || str(out, "member_id") != str(m, "member_id") {
		t.Fatalf("migrated member = %v, want a verified email and a password", m)
	}
	memberID := str(m, "member_id")

	got := e.signIn(t, org, "ada@acme.example", pw) // the email case does not matter
	for _, k := range []string{"member_id", "organization_id", "member", "organization", "session_token", "session_jwt",
		"member_session", "intermediate_session_token", "member_authenticated", "request_id", "status_code"} {
		if _, ok := got[k]; !ok {
			t.Errorf("authenticate response lacks %s", k)
		}
	}
	sess := got["member_session"].(obj)
	if str(got, "member_id") != memberID || str(sess, "member_id") != memberID || str(sess, "organization_id") != org ||
		str(sess, "organization_slug") != "acme" || got["member_authenticated"] != true {
		t.Fatalf("authenticate = %v", got)
	}
	f := sess["authentication_factors"].([]any)[0].(obj)
	if f["type"] != "password" || f["delivery_method"] != "knowledge" || f["email_factor"].(obj)["email_address"] != "Ada@Acme.example" {
		t.Errorf("factor = %v", f)
	}
	// The imported bcrypt hash gave way to argon2id at the first sign-in.
	stored, err := e.st.MemberByID(t.Context(), e.b2b.id, memberID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Password.Hash, "$argon2id$") {
		t.Errorf("stored hash after sign-in = %q, want argon2id", stored.Password.Hash)
	}
	e.signIn(t, "acme", "ada@acme.example", pw) // by slug, and with the new hash
}

func TestMigrateHashTypes(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	std := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name string
		req  obj
		pw   string
	}{
		{"md5", obj{"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99"}, "password"},
		{"sha1 salted", obj{"hash_type": "sha_1", "hash": "WJ5ALodXzyh9i151UMoZd0Y2YLI=",
			"sha_1_config": obj{"prepend_salt": "pre-", "append_salt": "-post"}}, "password"},
		// RFC 7914 §11 and §12 vectors.
		{"pbkdf2", obj{"hash_type": "pbkdf_2", "hash": hexB64("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
			"pbkdf_2_config": obj{"salt": std([]byte("salt")), "iteration_amount": 1, "key_length": 64, "algorithm": "sha256"}}, "passwd"},
		{"scrypt", obj{"hash_type": "scrypt", "hash": hexB64("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
			"scrypt_config": obj{"salt": std([]byte("NaCl")), "n_parameter": 1024, "r_parameter": 8, "p_parameter": 16, "key_length": 64}}, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.ReplaceAll(tc.name, " ", "-") + "@acme.example"
			tc.req["organization_id"], tc.req["email_address"] = "acme", email
			e.must(t, "POST", "/v1/b2b/passwords/migrate", tc.req)
			e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", "/v1/b2b/passwords/authenticate",
				obj{"organization_id": "acme", "email_address": email, "password": tc.pw + "!"})
			e.signIn(t, "acme", email, tc.pw)
		})
	}
}

func hexB64(s string) string {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			if c >= 'a' {
				v |= byte(c-'a') + 10
			} else {
				v |= byte(c - '0')
			}
		}
		b[i] = v
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestMigrateRefusals(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	for _, tc := range []struct {
		name, errType string
		status        int
		req           obj
	}{
		{"phpass", "invalid_hash_type", 400, obj{"hash_type": "phpass", "hash": "$P$984478476IagS59wHZvyQMArzfx58u."}},
		{"unknown type", "invalid_hash_type", 400, obj{"hash_type": "rot13", "hash": "x"}},
		{"not bcrypt", "invalid_hash", 400, obj{"hash_type": "bcrypt", "hash": "5f4dcc3b5aa765d61d8327deb882cf99"}},
		{"no hash", "invalid_hash", 400, obj{"hash_type": "bcrypt"}},
		{"scrypt N", "invalid_hash", 400, obj{"hash_type": "scrypt", "hash": "c2FsdHNhbHRzYWx0c2FsdA==",
			"scrypt_config": obj{"salt": "c2FsdA==", "n_parameter": 1000, "r_parameter": 8, "p_parameter": 1}}},
		{"has a password", "member_password_already_exists", 400, obj{"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99",
			"email_address": "ada@acme.example"}},
		{"phone verified", "invalid_argument", 400, obj{"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99",
			"set_phone_number_verified": true}},
		{"unknown organization", "organization_not_found", 404, obj{"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99",
			"organization_id": "organization-test-00000000-0000-0000-0000-000000000000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := obj{"organization_id": "acme", "email_address": "new@acme.example"}
			for k, v := range tc.req {
				req[k] = v
			}
			e.fails(t, tc.status, tc.errType, "POST", "/v1/b2b/passwords/migrate", req)
		})
	}
	// Nothing was written for the refused ones.
	if _, err := e.st.MemberByEmail(t.Context(), e.b2b.id, orgID(t, e, "acme"), "new@acme.example"); err == nil {
		t.Error("a refused migrate created its member")
	}
	// An existing member without a password gets one, and its fields.
	e.must(t, "POST", "/v1/b2b/organizations/acme/members", obj{"email_address": "bob@acme.example"})
	out := e.must(t, "POST", "/v1/b2b/passwords/migrate", obj{"organization_id": "acme", "email_address": "bob@acme.example",
		"hash_type": "md_5", "hash": "5f4dcc3b5aa765d61d8327deb882cf99", "name": "Bob", "external_id": "ignored"})
	m := out["member"].(obj)
	if out["member_created"] != false || m["name"] != "Bob" || m["external_id"] != "" || m["email_address_verified"] != true {
		t.Errorf("migrate of an existing member = %v", out)
	}
	e.signIn(t, "acme", "bob@acme.example", "password")
}

func orgID(t *testing.T, e *env, ref string) string {
	t.Helper()
	o, err := e.st.Organization(t.Context(), e.b2b.id, ref)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func TestAuthenticateRefusals(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.org(t, "beta", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	e.must(t, "POST", "/v1/b2b/organizations/acme/members", obj{"email_address": "nopw@acme.example"})
	auth := func(org, email, pw string) obj {
		return obj{"organization_id": org, "email_address": email, "password": pw}
	}
	const path = "/v1/b2b/passwords/authenticate"
	// A wrong password, an unknown email, a member without a password, a
	// member of another organization: one answer. Each from its own
	// address, so no throttle is reached.
	for i, body := range []obj{auth("acme", "ada@acme.example", "nope"), auth("acme", "who@acme.example", pw),
		auth("acme", "nopw@acme.example", pw), auth("beta", "ada@acme.example", pw)} {
		e.failsAs(t, e.b2b, "198.51.100."+string(rune('1'+i))+":1", http.StatusUnauthorized, "unauthorized_credentials", "POST", path, body)
	}
	e.fails(t, http.StatusNotFound, "organization_not_found", "POST", path, auth("nowhere", "ada@acme.example", pw))
	e.fails(t, http.StatusBadRequest, "invalid_organization_id", "POST", path, auth("", "ada@acme.example", pw))
	e.fails(t, http.StatusBadRequest, "invalid_session_duration", "POST", path,
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw, "session_duration_minutes": 1})
	e.fails(t, http.StatusBadRequest, "intermediate_session_unsupported", "POST", path,
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw, "intermediate_session_token": "x"})
	// Another project, and a consumer project.
	e.failsAs(t, e.other, here, http.StatusNotFound, "organization_not_found", "POST", path, auth("acme", "ada@acme.example", pw))
	e.failsAs(t, e.classic, here, http.StatusBadRequest, "invalid_b2b_endpoint", "POST", path, auth("acme", "ada@acme.example", pw))

	// Suspended: refused before the password is checked.
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"status": "suspended"})
	e.fails(t, http.StatusForbidden, "organization_suspended", "POST", path, auth("acme", "ada@acme.example", pw))
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"status": "active"})
	e.signIn(t, "acme", "ada@acme.example", pw)

	// Restricted to other methods: refused, unless break-glass.
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"auth_methods": "RESTRICTED", "allowed_auth_methods": []string{"magic_link"}})
	e.fails(t, http.StatusForbidden, "operation_restricted_by_organization_auth_methods", "POST", path, auth("acme", "ada@acme.example", pw))
}

func TestMemberStatuses(t *testing.T) {
	e := newEnv(t)
	org := e.org(t, "acme", nil)
	hash, err := e.hasher.Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"invited", "pending"} {
		now := e.now
		must(t, e.st.CreateMember(t.Context(), store.Member{ID: "member-test-" + status, ProjectID: e.b2b.id, OrganizationID: org,
			Status: status, Email: status + "@acme.example", CreatedAt: now, UpdatedAt: now,
			Password: &store.Password{ID: "member-password-test-" + status, Hash: hash, CreatedAt: now}}))
	}
	// An invited member with the right password is told why; with a
	// wrong one it is any wrong password.
	e.fails(t, http.StatusForbidden, "member_not_active", "POST", "/v1/b2b/passwords/authenticate",
		obj{"organization_id": org, "email_address": "invited@acme.example", "password": pw})
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", "/v1/b2b/passwords/authenticate",
		obj{"organization_id": org, "email_address": "invited@acme.example", "password": "nope"})
	// A pending member becomes active.
	out := e.signIn(t, org, "pending@acme.example", pw)
	if out["member"].(obj)["status"] != "active" {
		t.Errorf("pending member after sign-in: %v", out["member"])
	}
}

func TestThrottled(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	bad := obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": "nope"}
	for range 3 { // two free failures, then a delay
		e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", "/v1/b2b/passwords/authenticate", bad)
	}
	// Now even the right password waits, at this address only.
	e.fails(t, http.StatusTooManyRequests, "too_many_requests", "POST", "/v1/b2b/passwords/authenticate",
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw})
	if code, out := e.callFrom(t, e.b2b, "203.0.113.9:1", "POST", "/v1/b2b/passwords/authenticate",
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw}); code != http.StatusOK {
		t.Fatalf("from another address: %d %v", code, out)
	}
}

func TestStrengthCheck(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/b2b/passwords/strength_check", obj{"password": "abc", "email_address": "ada@acme.example"})
	l := out["luds_feedback"].(obj)
	if out["valid_password"] != false || out["strength_policy"] != "luds" || l["has_lower_case"] != true || l["missing_characters"] != float64(5) {
		t.Errorf("strength_check(abc) = %v", out)
	}
	if out := e.must(t, "POST", "/v1/b2b/passwords/strength_check", obj{"password": pw}); out["valid_password"] != true {
		t.Errorf("strength_check(%s) = %v", pw, out)
	}
}

func TestResetExistingPassword(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	old := e.signIn(t, "acme", "ada@acme.example", pw)
	const path = "/v1/b2b/passwords/existing_password/reset"
	req := obj{"organization_id": "acme", "email_address": "ada@acme.example", "existing_password": pw, "new_password": "weak"}
	e.fails(t, http.StatusBadRequest, "weak_password", "POST", path, req)
	req["new_password"], req["existing_password"] = "Another-Horse-10", "nope"
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", path, req)
	// A session given with it must be the member's.
	e.migrateBcrypt(t, "acme", "bob@acme.example", pw)
	bob := e.signIn(t, "acme", "bob@acme.example", pw)
	req["existing_password"], req["session_token"] = pw, str(bob, "session_token")
	e.fails(t, http.StatusBadRequest, "session_member_mismatch", "POST", path, req)
	req["session_token"] = str(old, "session_token")
	out := e.must(t, "POST", path, req)
	if str(out, "session_token") == "" || str(out, "session_token") == str(old, "session_token") {
		t.Fatalf("reset = %v, want a new session", out)
	}
	// The old session ended (Bob's did not); the old password no longer
	// works; the new does.
	e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(bob, "session_token")})
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(old, "session_token")})
	e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(out, "session_token")})
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", "/v1/b2b/passwords/authenticate",
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw})
	e.signIn(t, "acme", "ada@acme.example", "Another-Horse-10")
}

func TestMFARequired(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	out := e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	e.migrateBcrypt(t, "acme", "bob@acme.example", pw)
	before := e.signIn(t, "acme", "ada@acme.example", pw)
	const path = "/v1/b2b/passwords/authenticate"
	ada := obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": pw}

	// The organization requires MFA: a new session would bypass it.
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"mfa_policy": "REQUIRED_FOR_ALL"})
	e.fails(t, http.StatusForbidden, "mfa_unsupported", "POST", path, ada)
	// A wrong password is still just that.
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", path,
		obj{"organization_id": "acme", "email_address": "ada@acme.example", "password": "nope"})
	// Extending a session of the member needs no MFA step (as at Stytch).
	ada["session_token"] = str(before, "session_token")
	e.must(t, "POST", path, ada)
	// Reset is refused too, and changes nothing.
	reset := obj{"organization_id": "acme", "email_address": "bob@acme.example", "existing_password": pw, "new_password": "Another-Horse-10"}
	e.fails(t, http.StatusForbidden, "mfa_unsupported", "POST", "/v1/b2b/passwords/existing_password/reset", reset)

	// Optional again, a member enrolled in MFA is refused all the same.
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"mfa_policy": "OPTIONAL"})
	e.signIn(t, "acme", "bob@acme.example", pw)
	e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+str(out, "member_id"), obj{"mfa_enrolled": true})
	delete(ada, "session_token")
	e.fails(t, http.StatusForbidden, "mfa_unsupported", "POST", path, ada)
}
