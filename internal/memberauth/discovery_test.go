package memberauth_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/memberauth"
	"github.com/signet-id/signet/internal/store"
)

const (
	discoverPath = "/v1/b2b/passwords/discovery/authenticate"
	listPath     = "/v1/b2b/discovery/organizations"
	exchangePath = "/v1/b2b/discovery/intermediate_sessions/exchange"
	createPath   = "/v1/b2b/discovery/organizations/create"
	ada          = "Ada@Acme.example"
)

// discoveryWorld is ada in acme (password pw, verified email) and in
// globex (another password), an organization she may join by her email's
// domain (initech), and organizations she cannot enter: suspended
// (umbrella, where she is a member), another domain's JIT (hooli), no JIT
// (wayne), password not allowed (stark, JIT), MFA for all (cyberdyne, JIT).
type discoveryWorld struct {
	acme, globex, initech, umbrella, hooli, wayne, stark, cyberdyne string
}

func newDiscoveryWorld(t *testing.T, e *env) discoveryWorld {
	t.Helper()
	jit := func(extra obj) obj {
		o := obj{"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": []string{"acme.example"}}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	w := discoveryWorld{
		acme:      e.org(t, "acme", nil),
		globex:    e.org(t, "globex", nil),
		initech:   e.org(t, "initech", jit(nil)),
		umbrella:  e.org(t, "umbrella", nil),
		hooli:     e.org(t, "hooli", obj{"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": []string{"hooli.example"}}),
		wayne:     e.org(t, "wayne", nil),
		stark:     e.org(t, "stark", jit(obj{"auth_methods": "RESTRICTED", "allowed_auth_methods": []string{"magic_link"}})),
		cyberdyne: e.org(t, "cyberdyne", jit(obj{"mfa_policy": "REQUIRED_FOR_ALL"})),
	}
	e.migrateBcrypt(t, "acme", ada, pw)
	e.migrateBcrypt(t, "globex", ada, "Another-Horse-7")
	e.migrateBcrypt(t, "umbrella", ada, pw)
	e.must(t, "PUT", "/v1/b2b/organizations/"+w.umbrella, obj{"status": "suspended"})
	return w
}

// discover is passwords.discovery.authenticate that has to succeed.
func (e *env) discover(t *testing.T, email, password string) obj {
	t.Helper()
	return e.must(t, "POST", discoverPath, obj{"email_address": email, "password": password})
}

// byOrg indexes discovered_organizations by organization ID.
func byOrg(t *testing.T, out obj) map[string]obj {
	t.Helper()
	m := map[string]obj{}
	list, ok := out["discovered_organizations"].([]any)
	if !ok {
		t.Fatalf("discovered_organizations = %v", out["discovered_organizations"])
	}
	for _, d := range list {
		d := d.(obj)
		m[str(d["organization"].(obj), "organization_id")] = d
	}
	return m
}

func TestDiscoveryPasswordFlow(t *testing.T) {
	e := newEnv(t)
	w := newDiscoveryWorld(t, e)
	out := e.discover(t, "ada@acme.example", pw)
	ist := str(out, "intermediate_session_token")
	if ist == "" || str(out, "email_address") != "ada@acme.example" {
		t.Fatalf("discovery authenticate = %v", out)
	}
	if exp, err := time.Parse(time.RFC3339, str(out, "intermediate_session_token_expires_at")); err != nil ||
		!exp.Equal(e.now.Add(memberauth.IntermediateSessionLifetime)) {
		t.Errorf("intermediate_session_token_expires_at = %v, want now + 10 minutes", out["intermediate_session_token_expires_at"])
	}
	check := func(t *testing.T, out obj) {
		t.Helper()
		found := byOrg(t, out)
		want := map[string]struct {
			typ           string
			authenticated bool
			primary, mfa  bool
		}{
			w.acme:      {"active_member", true, false, false},
			w.globex:    {"active_member", false, true, false}, // another organization's password
			w.initech:   {"eligible_to_join_by_email_domain", true, false, false},
			w.stark:     {"eligible_to_join_by_email_domain", false, true, false},
			w.cyberdyne: {"eligible_to_join_by_email_domain", false, false, true},
		}
		if len(found) != len(want) {
			t.Errorf("discovered %d organizations, want %d (no suspended umbrella, no hooli, no wayne): %v", len(found), len(want), found)
		}
		for id, wd := range want {
			d, ok := found[id]
			if !ok {
				t.Errorf("organization %s not discovered", id)
				continue
			}
			ms := d["membership"].(obj)
			if ms["type"] != wd.typ || d["member_authenticated"] != wd.authenticated ||
				(d["primary_required"] != nil) != wd.primary || (d["mfa_required"] != nil) != wd.mfa {
				t.Errorf("%s discovered as %v, want %+v", id, d, wd)
			}
			if wd.typ == "active_member" && str(ms["member"].(obj), "email_address") != ada {
				t.Errorf("%s membership member = %v", id, ms["member"])
			}
			if wd.typ == "eligible_to_join_by_email_domain" && (ms["member"] != nil || ms["details"].(obj)["domain"] != "acme.example") {
				t.Errorf("%s membership = %v, want no member and the domain", id, ms)
			}
		}
		if p := found[w.stark]["primary_required"]; p != nil {
			if am := p.(obj)["allowed_auth_methods"].([]any); len(am) != 1 || am[0] != "magic_link" {
				t.Errorf("stark primary_required = %v, want its allowed_auth_methods", p)
			}
		}
	}
	check(t, out)
	list := e.must(t, "POST", listPath, obj{"intermediate_session_token": ist})
	check(t, list)
	list = e.must(t, "POST", listPath, obj{"intermediate_session_token": ist}) // listing consumes nothing
	check(t, list)

	got := e.must(t, "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": "acme", "session_duration_minutes": 30})
	sess := got["member_session"].(obj)
	if got["member_authenticated"] != true || str(sess, "organization_id") != w.acme || str(got, "session_token") == "" ||
		str(got, "session_jwt") == "" || str(got["organization"].(obj), "organization_id") != w.acme {
		t.Fatalf("exchange = %v", got)
	}
	if exp, _ := time.Parse(time.RFC3339, str(sess, "expires_at")); !exp.Equal(e.now.Add(30 * time.Minute)) {
		t.Errorf("session expires_at = %v, want now + 30 minutes", sess["expires_at"])
	}
	if f := sess["authentication_factors"].([]any)[0].(obj); f["type"] != "password" {
		t.Errorf("factor = %v", f)
	}
	e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_token": str(got, "session_token")})
	// Single use: a second exchange, and a listing, find nothing.
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": "acme"})
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", listPath, obj{"intermediate_session_token": ist})

	// With the member session: ada's memberships only, acme authenticated.
	mine := byOrg(t, e.must(t, "POST", listPath, obj{"session_token": str(got, "session_token")}))
	if len(mine) != 2 || mine[w.acme]["member_authenticated"] != true || mine[w.globex]["member_authenticated"] != false {
		t.Errorf("discovery with a session = %v, want acme (authenticated) and globex", mine)
	}
	mine = byOrg(t, e.must(t, "POST", listPath, obj{"session_jwt": str(got, "session_jwt")}))
	if len(mine) != 2 {
		t.Errorf("discovery with a JWT = %v", mine)
	}
}

func TestDiscoveryJIT(t *testing.T) {
	e := newEnv(t)
	w := newDiscoveryWorld(t, e)
	ist := str(e.discover(t, ada, pw), "intermediate_session_token")
	got := e.must(t, "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": w.initech})
	m := got["member"].(obj)
	if str(m, "organization_id") != w.initech || str(m, "email_address") != ada || m["status"] != "active" || m["email_address_verified"] != true {
		t.Fatalf("JIT member = %v", m)
	}
	// Now a member there: the next discovery lists it as a membership.
	found := byOrg(t, e.discover(t, ada, pw))
	if d := found[w.initech]; d["membership"].(obj)["type"] != "active_member" {
		t.Errorf("initech after JIT = %v", d)
	}
}

func TestDiscoveryAuthenticateRefusals(t *testing.T) {
	e := newEnv(t)
	newDiscoveryWorld(t, e)
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", discoverPath, obj{"email_address": ada, "password": pw + "!"})
	e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", discoverPath, obj{"email_address": "nobody@acme.example", "password": pw})
	e.fails(t, http.StatusBadRequest, "invalid_email", "POST", discoverPath, obj{"email_address": "not-an-email", "password": pw})
	// The other B2B project has no such member; the consumer one has no B2B routes.
	e.failsAs(t, e.other, here, http.StatusUnauthorized, "unauthorized_credentials", "POST", discoverPath, obj{"email_address": ada, "password": pw})
	code, _ := e.callFrom(t, e.classic, here, "POST", discoverPath, obj{"email_address": ada, "password": pw})
	if code == http.StatusOK {
		t.Error("a consumer project ran B2B discovery")
	}
	// The throttle: two free failures of the account, a third that
	// delays the next attempt, which is refused even with the right
	// password.
	for _, wrong := range []string{pw + "?", pw + "#"} {
		e.fails(t, http.StatusUnauthorized, "unauthorized_credentials", "POST", discoverPath, obj{"email_address": ada, "password": wrong})
	}
	e.fails(t, http.StatusTooManyRequests, "too_many_requests", "POST", discoverPath, obj{"email_address": ada, "password": pw})
}

func TestDiscoveryExchangeRefusals(t *testing.T) {
	e := newEnv(t)
	w := newDiscoveryWorld(t, e)
	ist := str(e.discover(t, ada, pw), "intermediate_session_token")
	for _, tc := range []struct {
		name   string
		org    string
		status int
		code   string
	}{
		{"suspended", w.umbrella, http.StatusForbidden, "organization_suspended"},
		{"other domain", w.hooli, http.StatusForbidden, "invalid_email_for_jit_provisioning"},
		{"no JIT", w.wayne, http.StatusForbidden, "email_jit_provisioning_not_allowed"},
		{"another organization's password", w.globex, http.StatusForbidden, "primary_auth_required"},
		{"password not allowed", w.stark, http.StatusForbidden, "operation_restricted_by_organization_auth_methods"},
		{"MFA required", w.cyberdyne, http.StatusForbidden, "mfa_unsupported"},
		{"unknown organization", "organization-test-00000000-0000-0000-0000-000000000000", http.StatusNotFound, "organization_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, tc.status, tc.code, "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": tc.org})
		})
	}
	// Another project never finds the session; a refusal leaves it usable.
	e.failsAs(t, e.other, here, http.StatusNotFound, "intermediate_session_not_found", "POST", exchangePath,
		obj{"intermediate_session_token": ist, "organization_id": "acme"})
	e.fails(t, http.StatusBadRequest, "missing_intermediate_session_token", "POST", exchangePath, obj{"organization_id": "acme"})
	e.fails(t, http.StatusBadRequest, "invalid_organization_id", "POST", exchangePath, obj{"intermediate_session_token": ist})
	e.fails(t, http.StatusBadRequest, "invalid_session_duration", "POST", exchangePath,
		obj{"intermediate_session_token": ist, "organization_id": "acme", "session_duration_minutes": 1})
	e.must(t, "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": "acme"})
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", exchangePath,
		obj{"intermediate_session_token": ist, "organization_id": "acme"})

	// Expiry: ten minutes.
	ist = str(e.discover(t, ada, pw), "intermediate_session_token")
	e.now = e.now.Add(memberauth.IntermediateSessionLifetime - time.Second)
	e.must(t, "POST", listPath, obj{"intermediate_session_token": ist})
	e.now = e.now.Add(time.Second)
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", listPath, obj{"intermediate_session_token": ist})
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": "acme"})

	// Listing wants exactly one credential.
	e.fails(t, http.StatusBadRequest, "missing_session_arguments", "POST", listPath, obj{})
	e.fails(t, http.StatusBadRequest, "too_many_session_arguments", "POST", listPath, obj{"intermediate_session_token": ist, "session_token": "x"})
	e.fails(t, http.StatusNotFound, "session_not_found", "POST", listPath, obj{"session_token": "x"})
}

func TestDiscoveryUnverifiedEmail(t *testing.T) {
	e := newEnv(t)
	w := newDiscoveryWorld(t, e)
	// bob is a member of acme with a password but an unverified email
	// (created by the API, the password set in the store).
	m := e.must(t, "POST", "/v1/b2b/organizations/"+w.acme+"/members", obj{"email_address": "bob@acme.example"})["member"].(obj)
	hash, err := e.hasher.Hash(t.Context(), pw)
	must(t, err)
	stored, err := e.st.MemberByID(t.Context(), e.b2b.id, str(m, "member_id"))
	must(t, err)
	if stored.EmailVerified {
		t.Fatal("the member's email is verified")
	}
	must(t, e.st.SetMemberPassword(t.Context(), e.b2b.id, stored.ID, passwordRecord(hash, e.now)))
	out := e.discover(t, "bob@acme.example", pw)
	found := byOrg(t, out)
	if found[w.acme]["member_authenticated"] != true || found[w.initech]["member_authenticated"] != false || found[w.initech]["primary_required"] == nil {
		t.Errorf("bob's discovery = %v: acme authenticated, initech not (the email is unproven)", found)
	}
	ist := str(out, "intermediate_session_token")
	e.fails(t, http.StatusForbidden, "unverified_email", "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": w.initech})
	e.fails(t, http.StatusForbidden, "unverified_email", "POST", createPath, obj{"intermediate_session_token": ist, "organization_name": "Bob Inc"})
	e.must(t, "POST", exchangePath, obj{"intermediate_session_token": ist, "organization_id": w.acme})
}

func TestDiscoveryCreateOrganization(t *testing.T) {
	e := newEnv(t)
	newDiscoveryWorld(t, e)
	ist := str(e.discover(t, ada, pw), "intermediate_session_token")
	// Refused before anything is written, the session left usable.
	e.fails(t, http.StatusBadRequest, "organization_slug_already_used", "POST", createPath,
		obj{"intermediate_session_token": ist, "organization_name": "Acme again", "organization_slug": "acme"})
	e.fails(t, http.StatusForbidden, "mfa_unsupported", "POST", createPath,
		obj{"intermediate_session_token": ist, "organization_name": "Secure", "organization_slug": "secure", "mfa_policy": "REQUIRED_FOR_ALL"})
	e.fails(t, http.StatusForbidden, "operation_restricted_by_organization_auth_methods", "POST", createPath,
		obj{"intermediate_session_token": ist, "organization_name": "Links", "organization_slug": "links",
			"auth_methods": "RESTRICTED", "allowed_auth_methods": []string{"magic_link"}})
	e.fails(t, http.StatusBadRequest, "organization_name_missing", "POST", createPath, obj{"intermediate_session_token": ist})
	for _, slug := range []string{"secure", "links"} {
		e.fails(t, http.StatusNotFound, "organization_not_found", "GET", "/v1/b2b/organizations/"+slug, nil)
	}

	got := e.must(t, "POST", createPath, obj{"intermediate_session_token": ist, "organization_name": "Ada Labs",
		"organization_slug": "ada-labs", "email_allowed_domains": []string{"acme.example"}})
	o, m := got["organization"].(obj), got["member"].(obj)
	if str(o, "organization_slug") != "ada-labs" || str(m, "organization_id") != str(o, "organization_id") ||
		str(m, "email_address") != ada || m["email_address_verified"] != true || m["status"] != "active" {
		t.Fatalf("create = %v", got)
	}
	roles := m["roles"].([]any)
	if len(roles) != 2 || roles[0].(obj)["role_id"] != "stytch_member" || roles[1].(obj)["role_id"] != "stytch_admin" {
		t.Errorf("founder roles = %v, want stytch_member and stytch_admin", roles)
	}
	if str(got["member_session"].(obj), "organization_id") != str(o, "organization_id") || got["member_authenticated"] != true {
		t.Errorf("create session = %v", got["member_session"])
	}
	e.must(t, "POST", "/v1/b2b/sessions/authenticate", obj{"session_jwt": str(got, "session_jwt")})
	// Used up.
	e.fails(t, http.StatusNotFound, "intermediate_session_not_found", "POST", createPath,
		obj{"intermediate_session_token": ist, "organization_name": "Twice", "organization_slug": "twice"})
	e.fails(t, http.StatusNotFound, "organization_not_found", "GET", "/v1/b2b/organizations/twice", nil)
}

func passwordRecord(hash string, at time.Time) store.Password {
	return store.Password{ID: "member-password-test-" + uuid.NewString(), Hash: hash, CreatedAt: at}
}
