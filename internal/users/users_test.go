package users_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestCreateAndGetUserWireShape(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/users", obj{
		"email":              "Ada@Example.com",
		"phone_number":       "+12025550123",
		"name":               obj{"first_name": "Ada", "middle_name": "King", "last_name": "Lovelace"},
		"trusted_metadata":   obj{"external_source": "bank", "level": 2},
		"untrusted_metadata": obj{"theme": "dark"},
		"external_id":        "crm|42.a_b-c",
		"roles":              []string{"admin"},
		"attributes":         obj{"ip_address": "203.0.113.9", "user_agent": "test"},
	})
	wantKeys(t, "create response", out, "request_id", "status_code", "user_id", "email_id", "phone_id", "status", "user")
	userID, _ := out["user_id"].(string)
	for field, prefix := range map[string]string{"user_id": "user-test-", "email_id": "email-test-", "phone_id": "phone-number-test-"} {
		if s, _ := out[field].(string); !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+36 {
			t.Errorf("%s = %q, want %s<uuid>", field, s, prefix)
		}
	}
	if out["status"] != "active" {
		t.Errorf("status = %v, want active", out["status"])
	}
	u := out["user"].(obj)
	wantKeys(t, "user", u, userKeys...)
	for _, k := range []string{"webauthn_registrations", "providers", "totps", "crypto_wallets", "biometric_registrations"} {
		if l, ok := u[k].([]any); !ok || len(l) != 0 {
			t.Errorf("user.%s = %v, want []", k, u[k])
		}
	}
	emails := u["emails"].([]any)
	if len(emails) != 1 {
		t.Fatalf("emails = %v", emails)
	}
	wantKeys(t, "email", emails[0], "email_id", "email", "verified")
	if em := emails[0].(obj); em["email"] != "Ada@Example.com" || em["email_id"] != out["email_id"] || em["verified"] != false {
		t.Errorf("email = %v", em)
	}
	phones := u["phone_numbers"].([]any)
	wantKeys(t, "phone", phones[0], "phone_id", "phone_number", "verified")
	wantKeys(t, "name", u["name"], "first_name", "middle_name", "last_name")
	if u["password"] != nil || u["lock_created_at"] != nil || u["lock_expires_at"] != nil || u["is_locked"] != false {
		t.Errorf("password/lock fields = %v %v %v %v", u["password"], u["lock_created_at"], u["lock_expires_at"], u["is_locked"])
	}
	wantTime(t, "created_at", u["created_at"])
	if tm := u["trusted_metadata"].(obj); tm["external_source"] != "bank" || tm["level"] != float64(2) {
		t.Errorf("trusted_metadata = %v", tm)
	}

	for _, id := range []string{userID, "crm|42.a_b-c"} {
		got := e.must(t, "GET", "/v1/users/"+id, nil)
		wantKeys(t, "get response", got, append([]string{"request_id", "status_code"}, userKeys...)...)
		if got["user_id"] != userID {
			t.Errorf("GET /v1/users/%s user_id = %v, want %s", id, got["user_id"], userID)
		}
	}
	e.fails(t, http.StatusNotFound, "user_not_found", "GET", "/v1/users/user-test-00000000-0000-0000-0000-000000000000", nil)

	// Minimal user: no fields at all, and pending on request.
	out = e.must(t, "POST", "/v1/users", obj{"create_user_as_pending": true})
	if out["status"] != "pending" || out["email_id"] != "" || out["phone_id"] != "" {
		t.Errorf("empty create = %v", out)
	}
	u = out["user"].(obj)
	if l := u["emails"].([]any); len(l) != 0 {
		t.Errorf("emails = %v, want []", l)
	}
	// stytch_user is every user's role: reported on the User object too.
	if r, ok := u["roles"].([]any); !ok || len(r) != 1 || r[0] != "stytch_user" {
		t.Errorf("roles = %v, want [stytch_user]", u["roles"])
	}
	if len(u["trusted_metadata"].(obj)) != 0 {
		t.Errorf("trusted_metadata = %v, want {}", u["trusted_metadata"])
	}
}

func TestCreateUserErrors(t *testing.T) {
	e := newEnv(t)
	e.must(t, "POST", "/v1/users", obj{"email": "taken@example.com", "phone_number": "+442071838750", "external_id": "ext-1"})
	big := strings.Repeat("x", 4100)
	for _, tc := range []struct {
		name    string
		body    any
		status  int
		errType string
	}{
		{"invalid email", obj{"email": "not-an-email"}, 400, "invalid_email"},
		{"email display name", obj{"email": "Ada <ada@example.com>"}, 400, "invalid_email"},
		{"email no dot", obj{"email": "ada@localhost"}, 400, "invalid_email"},
		{"phone not e164", obj{"phone_number": "2025550123"}, 400, "invalid_phone_number"},
		{"phone letters", obj{"phone_number": "+1202555012x"}, 400, "invalid_phone_number"},
		{"phone too long", obj{"phone_number": "+1234567890123456"}, 400, "invalid_phone_number"},
		{"external id chars", obj{"external_id": "a b"}, 400, "invalid_external_id"},
		{"external id long", obj{"external_id": strings.Repeat("a", 129)}, 400, "invalid_external_id"},
		{"metadata array", obj{"trusted_metadata": []int{1}}, 400, "invalid_metadata"},
		{"metadata string", obj{"untrusted_metadata": "x"}, 400, "invalid_metadata"},
		{"metadata too big", obj{"trusted_metadata": obj{"k": big}}, 400, "invalid_metadata"},
		{"metadata too many keys", obj{"trusted_metadata": manyKeys(21)}, 400, "invalid_metadata"},
		{"duplicate email", obj{"email": "TAKEN@example.com"}, 400, "duplicate_email"},
		{"duplicate phone", obj{"phone_number": "+442071838750"}, 400, "duplicate_phone_number"},
		{"duplicate external id", obj{"external_id": "ext-1"}, 400, "duplicate_external_id"},
		{"bad json", `{"email":`, 400, "invalid_json"},
		{"wrong type", obj{"email": 5}, 400, "invalid_json"},
		{"empty role", obj{"roles": []string{""}}, 400, "invalid_roles"},
		{"role not in the policy", obj{"roles": []string{"admin", "owner"}}, 400, "role_not_found"},
		{"birthdate not a date", obj{"birthdate": "10/12/1815"}, 400, "invalid_birthdate"},
		{"birthdate impossible", obj{"birthdate": "1815-02-30"}, 400, "invalid_birthdate"},
		{"birthdate in future", obj{"birthdate": "2999-01-01"}, 400, "invalid_birthdate"},
		{"address too long", obj{"address": obj{"locality": big}}, 400, "invalid_address"},
		{"address wrong type", obj{"address": "London"}, 400, "invalid_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, tc.status, tc.errType, "POST", "/v1/users", tc.body)
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		code, out := e.callAs(t, e.projectID, "secret-test-wrong", "POST", "/v1/users", obj{})
		if code != 401 || out["error_type"] != "unauthorized_credentials" {
			t.Fatalf("= %d %v", code, out)
		}
	})
	// 20 keys is the limit, not over it.
	e.must(t, "POST", "/v1/users", obj{"trusted_metadata": manyKeys(20)})
}

func manyKeys(n int) obj {
	m := obj{}
	for i := range n {
		m[string(rune('a'+i))] = i
	}
	return m
}

// Of concurrent creates with one email, exactly one wins; the others get
// duplicate_email, never a 500.
func TestConcurrentCreateSameEmail(t *testing.T) {
	e := newEnv(t)
	const n = 16
	codes := make(chan obj, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, out := e.call(t, "POST", "/v1/users", obj{"email": "race@example.com"})
			codes <- out
		}()
	}
	wg.Wait()
	close(codes)
	ok, dup := 0, 0
	for out := range codes {
		switch {
		case out["status_code"] == float64(200):
			ok++
		case out["status_code"] == float64(400) && out["error_type"] == "duplicate_email":
			dup++
		default:
			t.Errorf("unexpected answer %v", out)
		}
	}
	if ok != 1 || dup != n-1 {
		t.Fatalf("%d created, %d duplicate_email; want 1 and %d", ok, dup, n-1)
	}
}

func TestUpdateUser(t *testing.T) {
	e := newEnv(t)
	id := e.must(t, "POST", "/v1/users", obj{
		"name":             obj{"first_name": "Ada", "last_name": "Byron"},
		"trusted_metadata": obj{"keep": 1, "drop": 2, "replace": "old"},
		"roles":            []string{"a", "b"},
	})["user_id"].(string)
	e.must(t, "POST", "/v1/users", obj{"external_id": "taken"})

	out := e.must(t, "PUT", "/v1/users/"+id, obj{
		"name":             obj{"last_name": "Lovelace"},
		"trusted_metadata": obj{"drop": nil, "replace": "new", "add": true},
		"external_id":      "ext-ada",
		"roles":            []string{},
	})
	wantKeys(t, "update response", out, "request_id", "status_code", "user_id", "emails", "phone_numbers", "crypto_wallets", "user")
	u := out["user"].(obj)
	if n := u["name"].(obj); n["first_name"] != "Ada" || n["last_name"] != "Lovelace" {
		t.Errorf("name = %v", n)
	}
	tm := u["trusted_metadata"].(obj)
	if tm["keep"] != float64(1) || tm["replace"] != "new" || tm["add"] != true || tm["drop"] != nil || len(tm) != 3 {
		t.Errorf("trusted_metadata = %v, want keep, replace=new, add (merged at top level, drop deleted)", tm)
	}
	if r := u["roles"].([]any); len(r) != 1 || r[0] != "stytch_user" || u["external_id"] != "ext-ada" {
		t.Errorf("roles %v external_id %v", r, u["external_id"])
	}
	// The external ID now finds the user.
	if got := e.must(t, "GET", "/v1/users/ext-ada", nil); got["user_id"] != id {
		t.Errorf("GET by new external_id = %v", got["user_id"])
	}
	// Absent fields stay.
	u = e.must(t, "PUT", "/v1/users/ext-ada", obj{})["user"].(obj)
	if u["external_id"] != "ext-ada" || len(u["trusted_metadata"].(obj)) != 3 {
		t.Errorf("empty update changed the user: %v", u)
	}
	e.fails(t, 400, "duplicate_external_id", "PUT", "/v1/users/"+id, obj{"external_id": "taken"})
	e.fails(t, 400, "invalid_external_id", "PUT", "/v1/users/"+id, obj{"external_id": "no spaces"})
	e.fails(t, 400, "invalid_metadata", "PUT", "/v1/users/"+id, obj{"untrusted_metadata": []int{}})
	e.fails(t, 400, "invalid_metadata", "PUT", "/v1/users/"+id, obj{"trusted_metadata": obj{"big": strings.Repeat("y", 4096)}})
	e.fails(t, 404, "user_not_found", "PUT", "/v1/users/user-test-nope", obj{})
	// "" removes the external ID.
	if u := e.must(t, "PUT", "/v1/users/"+id, obj{"external_id": ""})["user"].(obj); u["external_id"] != "" {
		t.Errorf("external_id = %v after clearing", u["external_id"])
	}
}

// Address and birthdate are Signet extensions: absent from the user
// object until set, replaced on update, removed by {} and "".
func TestUserAddressAndBirthdate(t *testing.T) {
	e := newEnv(t)
	plain := e.must(t, "POST", "/v1/users", obj{"email": "plain@example.com"})["user"].(obj)
	for _, k := range []string{"address", "birthdate"} {
		if _, ok := plain[k]; ok {
			t.Errorf("user without %s shows it: %v", k, plain[k])
		}
	}
	addr := obj{"street_address": "12 St James's Square", "locality": "London", "postal_code": "SW1Y 4JH", "country": "GB"}
	out := e.must(t, "POST", "/v1/users", obj{"email": "ada@example.com", "birthdate": "1815-12-10", "address": addr})
	id := out["user_id"].(string)
	got := e.must(t, "GET", "/v1/users/"+id, nil)
	if got["birthdate"] != "1815-12-10" || got["address"].(obj)["locality"] != "London" || len(got["address"].(obj)) != 4 {
		t.Fatalf("stored user = birthdate %v address %v", got["birthdate"], got["address"])
	}
	u := e.must(t, "PUT", "/v1/users/"+id, obj{"address": obj{"locality": "Ockham"}})["user"].(obj)
	if a := u["address"].(obj); a["locality"] != "Ockham" || len(a) != 1 || u["birthdate"] != "1815-12-10" {
		t.Errorf("after address update: address %v birthdate %v", a, u["birthdate"])
	}
	e.fails(t, 400, "invalid_birthdate", "PUT", "/v1/users/"+id, obj{"birthdate": "1815-13-01"})
	u = e.must(t, "PUT", "/v1/users/"+id, obj{"address": obj{}, "birthdate": ""})["user"].(obj)
	if _, ok := u["address"]; ok || u["birthdate"] != nil {
		t.Errorf("after clearing: address %v birthdate %v", u["address"], u["birthdate"])
	}
}

// Deleting a user takes their password and sessions with them.
func TestDeleteUserCascade(t *testing.T) {
	e := newEnv(t)
	signup := e.signup(t, "gone@example.com")
	id := signup["user_id"].(string)
	token := signup["session_token"].(string)
	e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": token})

	out := e.must(t, "DELETE", "/v1/users/"+id, nil)
	wantKeys(t, "delete response", out, "request_id", "status_code", "user_id")
	if out["user_id"] != id {
		t.Errorf("user_id = %v", out["user_id"])
	}
	e.fails(t, 404, "user_not_found", "GET", "/v1/users/"+id, nil)
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": token})
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_jwt": signup["session_jwt"]})
	e.fails(t, 404, "user_not_found", "GET", "/v1/sessions?user_id="+id, nil)
	e.fails(t, 401, "unauthorized_credentials", "POST", "/v1/passwords/authenticate", obj{"email": "gone@example.com", "password": strongPassword})
	e.fails(t, 404, "user_not_found", "DELETE", "/v1/users/"+id, nil)
	// The email is free again.
	e.signup(t, "gone@example.com")
}
