package orgs_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func TestMemberLifecycle(t *testing.T) {
	e := newEnv(t)
	org := str(e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme"}), "organization_id")
	out := e.createMember(t, "acme", obj{
		"email_address":      "Ada@Acme.example",
		"name":               "Ada Lovelace",
		"trusted_metadata":   obj{"tier": "gold"},
		"untrusted_metadata": obj{"theme": "dark"},
		"is_breakglass":      true,
		"mfa_phone_number":   "+12025550123",
		"roles":              []string{"stytch_admin", "billing"},
		"external_id":        "hr|7",
	})
	wantKeys(t, "create response", out, "request_id", "status_code", "member_id", "member", "organization")
	m := out["member"].(obj)
	wantKeys(t, "member", m, memberKeys...)
	wantKeys(t, "organization", out["organization"], orgKeys...)
	id := str(out, "member_id")
	if !strings.HasPrefix(id, "member-test-") || len(id) != len("member-test-")+36 || m["member_id"] != id {
		t.Errorf("member_id = %q", id)
	}
	for k, want := range map[string]any{
		"organization_id": org, "email_address": "Ada@Acme.example", "status": "active", "name": "Ada Lovelace",
		"is_breakglass": true, "is_admin": true, "email_address_verified": false, "mfa_phone_number": "+12025550123",
		"member_password_id": "", "external_id": "hr|7", "is_locked": false,
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	roles := m["roles"].([]any)
	if len(roles) != 3 || roles[0].(obj)["role_id"] != "stytch_member" || roles[1].(obj)["role_id"] != "stytch_admin" {
		t.Errorf("roles = %v", roles)
	}
	wantKeys(t, "role", roles[0], "role_id", "sources")

	// Get by member ID, external ID and email (any case).
	for _, q := range []string{"member_id=" + id, "member_id=" + url.QueryEscape("hr|7"), "email_address=ada%40ACME.example"} {
		got := e.must(t, "GET", "/v1/b2b/organizations/acme/member?"+q, nil)
		wantKeys(t, "get response", got, "request_id", "status_code", "member_id", "member", "organization")
		if got["member_id"] != id {
			t.Errorf("get %s found %v", q, got["member_id"])
		}
	}
	e.fails(t, http.StatusBadRequest, "invalid_member_get_fields", "GET", "/v1/b2b/organizations/acme/member", nil)
	e.fails(t, http.StatusBadRequest, "invalid_member_get_fields", "GET", "/v1/b2b/organizations/acme/member?member_id=x&email_address=y", nil)
	if got := e.must(t, "GET", "/v1/b2b/organizations/members/dangerously_get/"+id, nil); got["organization"].(obj)["organization_id"] != org {
		t.Errorf("dangerously_get = %v", got)
	}

	// A password, then an email change, which clears it (Stytch's
	// members.update): the store holds it for the B2B password routes.
	must(t, e.st.SetMemberPassword(t.Context(), e.b2b.id, id, store.Password{ID: "member-password-test-1", Hash: "h", CreatedAt: e.now}))
	e.now = e.now.Add(time.Minute)
	up := e.must(t, "PUT", "/v1/b2b/organizations/acme/members/hr%7C7", obj{
		"name": "Ada King", "untrusted_metadata": obj{"theme": nil}, "roles": []string{}, "mfa_enrolled": true,
	})["member"].(obj)
	if up["name"] != "Ada King" || up["member_password_id"] != "member-password-test-1" || len(up["roles"].([]any)) != 1 ||
		up["mfa_enrolled"] != true || len(up["untrusted_metadata"].(obj)) != 0 || up["updated_at"] == up["created_at"] {
		t.Errorf("updated = %v", up)
	}
	up = e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"email_address": "ada@labs.acme.example"})["member"].(obj)
	if up["email_address"] != "ada@labs.acme.example" || up["member_password_id"] != "" || up["email_address_verified"] != false {
		t.Errorf("after email change = %v", up)
	}

	// Delete password: by its ID, under the member's organization.
	must(t, e.st.SetMemberPassword(t.Context(), e.b2b.id, id, store.Password{ID: "member-password-test-2", Hash: "h", CreatedAt: e.now}))
	got := e.must(t, "DELETE", "/v1/b2b/organizations/acme/members/passwords/member-password-test-2", nil)
	if got["member_id"] != id || got["member"].(obj)["member_password_id"] != "" {
		t.Errorf("delete password = %v", got)
	}
	e.fails(t, http.StatusNotFound, "member_password_not_found", "DELETE", "/v1/b2b/organizations/acme/members/passwords/member-password-test-2", nil)

	// Delete the external ID.
	got = e.must(t, "DELETE", "/v1/b2b/organizations/acme/members/"+id+"/external_id", nil)
	if got["member"].(obj)["external_id"] != "" {
		t.Errorf("external ID after delete = %v", got["member"])
	}
	e.fails(t, http.StatusNotFound, "route_not_found", "DELETE", "/v1/b2b/organizations/acme/members/"+id+"/nothing", nil)

	// Delete: the member stays, deleted, and frees its email.
	del := e.must(t, "DELETE", "/v1/b2b/organizations/acme/members/"+id, nil)
	wantKeys(t, "delete response", del, "request_id", "status_code", "member_id")
	e.fails(t, http.StatusNotFound, "member_not_found", "GET", "/v1/b2b/organizations/acme/member?member_id="+id, nil)
	e.fails(t, http.StatusNotFound, "member_not_found", "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"name": "x"})
	e.fails(t, http.StatusNotFound, "member_not_found", "DELETE", "/v1/b2b/organizations/acme/members/"+id, nil)
	e.fails(t, http.StatusNotFound, "member_not_found", "GET", "/v1/b2b/organizations/members/dangerously_get/"+id, nil)
	if d := e.must(t, "GET", "/v1/b2b/organizations/members/dangerously_get/"+id+"?include_deleted=true", nil); d["member"].(obj)["status"] != "deleted" {
		t.Errorf("dangerously_get include_deleted = %v", d["member"])
	}

	// Reactivate: only with a verified email nobody took.
	e.fails(t, http.StatusBadRequest, "email_unverified_for_reactivation", "PUT", "/v1/b2b/organizations/acme/members/"+id+"/reactivate", nil)
	_, err := e.st.UpdateMember(t.Context(), e.b2b.id, org, id, func(m *store.Member) error { m.EmailVerified = true; return nil })
	must(t, err)
	taker := e.createMember(t, "acme", obj{"email_address": "ADA@labs.acme.example"})
	e.fails(t, http.StatusBadRequest, "reactivation_email_belongs_to_another_member", "PUT", "/v1/b2b/organizations/acme/members/"+id+"/reactivate", nil)
	e.must(t, "DELETE", "/v1/b2b/organizations/acme/members/"+str(taker, "member_id"), nil)
	back := e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+id+"/reactivate", nil)
	if back["member"].(obj)["status"] != "active" {
		t.Errorf("reactivated = %v", back["member"])
	}
	e.fails(t, http.StatusNotFound, "no_deleted_member_found_for_reactivation", "PUT", "/v1/b2b/organizations/acme/members/"+id+"/reactivate", nil)
}

func TestMemberRefusals(t *testing.T) {
	e := newEnv(t)
	e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme"})
	e.createMember(t, "acme", obj{"email_address": "taken@acme.example", "external_id": "taken", "mfa_phone_number": "+12025550100"})
	for _, tc := range []struct {
		name, errType string
		body          obj
	}{
		{"no email", "invalid_email", obj{"name": "x"}},
		{"bad email", "invalid_email", obj{"email_address": "Ada <ada@acme.example>"}},
		{"bad phone", "invalid_phone_number", obj{"email_address": "a@acme.example", "mfa_phone_number": "555-0100"}},
		{"default role", "cannot_assign_default_rbac_role_id", obj{"email_address": "a@acme.example", "roles": []string{"stytch_member"}}},
		{"empty role", "invalid_roles", obj{"email_address": "a@acme.example", "roles": []string{""}}},
		{"mfa method", "invalid_mfa_default_method", obj{"email_address": "a@acme.example", "default_mfa_method": "carrier_pigeon"}},
		{"metadata", "invalid_metadata", obj{"email_address": "a@acme.example", "untrusted_metadata": "x"}},
		{"taken email in another case", "duplicate_member_email", obj{"email_address": "TAKEN@acme.example"}},
		{"taken external ID", "duplicate_member_external_id", obj{"email_address": "a@acme.example", "external_id": "taken"}},
		{"taken phone", "duplicate_member_phone_number", obj{"email_address": "a@acme.example", "mfa_phone_number": "+12025550100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, http.StatusBadRequest, tc.errType, "POST", "/v1/b2b/organizations/acme/members", tc.body)
		})
	}
	e.fails(t, http.StatusNotFound, "organization_not_found", "POST", "/v1/b2b/organizations/nope/members", obj{"email_address": "a@acme.example"})
	res := e.must(t, "POST", "/v1/b2b/organizations/members/search", obj{"organization_ids": []string{orgID(t, e, "acme")}})
	if res["results_metadata"].(obj)["total"] != float64(1) {
		t.Errorf("members after refusals: %v", res["results_metadata"])
	}
}

func orgID(t *testing.T, e *env, ref string) string {
	t.Helper()
	return str(e.must(t, "GET", "/v1/b2b/organizations/"+ref, nil)["organization"].(obj), "organization_id")
}

// A member of organization A addressed under organization B, or from
// another project, is not found on any route, and nothing changes.
func TestMemberTenancy(t *testing.T) {
	e := newEnv(t)
	a := str(e.createOrg(t, obj{"organization_name": "A"}), "organization_id")
	b := str(e.createOrg(t, obj{"organization_name": "B"}), "organization_id")
	out := e.createMember(t, a, obj{"email_address": "ada@a.example", "external_id": "ada"})
	id := str(out, "member_id")
	must(t, e.st.SetMemberPassword(t.Context(), e.b2b.id, id, store.Password{ID: "member-password-test-a", Hash: "h", CreatedAt: e.now}))
	base := "/v1/b2b/organizations/" + b
	for _, r := range []struct{ method, path string }{
		{"GET", base + "/member?member_id=" + id},
		{"GET", base + "/member?member_id=ada"},
		{"GET", base + "/member?email_address=ada%40a.example"},
		{"PUT", base + "/members/" + id},
		{"DELETE", base + "/members/" + id},
		{"PUT", base + "/members/" + id + "/reactivate"},
		{"DELETE", base + "/members/" + id + "/external_id"},
	} {
		e.fails(t, http.StatusNotFound, "member_not_found", r.method, r.path, obj{"name": "Mallory"})
	}
	e.fails(t, http.StatusNotFound, "member_password_not_found", "DELETE", base+"/members/passwords/member-password-test-a", nil)
	// Another project cannot reach it even by its own organization's ID.
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/b2b/organizations/" + a + "/member?member_id=" + id},
		{"DELETE", "/v1/b2b/organizations/" + a + "/members/" + id},
	} {
		e.failsAs(t, e.other, http.StatusNotFound, "organization_not_found", r.method, r.path, nil)
	}
	e.failsAs(t, e.other, http.StatusNotFound, "member_not_found", "GET", "/v1/b2b/organizations/members/dangerously_get/"+id, nil)
	e.failsAs(t, e.other, http.StatusNotFound, "organization_not_found", "POST", "/v1/b2b/organizations/members/search",
		obj{"organization_ids": []string{a}})
	got := e.must(t, "GET", "/v1/b2b/organizations/"+a+"/member?member_id="+id, nil)["member"].(obj)
	if got["name"] != "" || got["status"] != "active" || got["external_id"] != "ada" || got["member_password_id"] != "member-password-test-a" {
		t.Errorf("member after calls under the wrong organization: %v", got)
	}
}

func TestMemberSearch(t *testing.T) {
	e := newEnv(t)
	a := str(e.createOrg(t, obj{"organization_name": "A"}), "organization_id")
	b := str(e.createOrg(t, obj{"organization_name": "B"}), "organization_id")
	c := str(e.createOrg(t, obj{"organization_name": "C"}), "organization_id")
	var ids []string
	for i, m := range []struct {
		org   string
		email string
		extra obj
	}{
		{a, "ada@x.example", obj{"is_breakglass": true}},
		{b, "ada@x.example", obj{"create_member_as_pending": true}},
		{b, "bob@y.example", obj{"mfa_phone_number": "+12025550111"}},
		{c, "cy@x.example", nil},
	} {
		body := obj{"email_address": m.email}
		for k, v := range m.extra {
			body[k] = v
		}
		ids = append(ids, str(e.createMember(t, m.org, body), "member_id"))
		e.now = e.now.Add(time.Duration(i+1) * time.Second)
	}
	e.must(t, "DELETE", "/v1/b2b/organizations/"+b+"/members/"+ids[2], nil)

	search := func(body obj) ([]string, obj) {
		out := e.must(t, "POST", "/v1/b2b/organizations/members/search", body)
		wantKeys(t, "search response", out, "request_id", "status_code", "members", "results_metadata", "organizations")
		var got []string
		for _, m := range out["members"].([]any) {
			got = append(got, str(m.(obj), "member_id"))
		}
		return got, out
	}
	got, out := search(obj{"organization_ids": []string{a, b}})
	if !slices.Equal(got, ids[:2]) {
		t.Errorf("members of A and B = %v, want %v", got, ids[:2])
	}
	orgsMap := out["organizations"].(obj)
	wantKeys(t, "organizations map", orgsMap, a, b)
	wantKeys(t, "organization", orgsMap[a], orgKeys...)
	for name, tc := range map[string]struct {
		query obj
		want  []string
	}{
		"emails":     {obj{"operands": []obj{{"filter_name": "member_emails", "filter_value": []string{"ADA@x.example"}}}}, ids[:2]},
		"breakglass": {obj{"operands": []obj{{"filter_name": "member_is_breakglass", "filter_value": true}}}, ids[:1]},
		"deleted":    {obj{"operands": []obj{{"filter_name": "statuses", "filter_value": []string{"deleted"}}}}, ids[2:3]},
		"OR": {obj{"operator": "OR", "operands": []obj{
			{"filter_name": "statuses", "filter_value": []string{"pending"}},
			{"filter_name": "member_email_fuzzy", "filter_value": "cy@"},
		}}, []string{ids[1], ids[3]}},
	} {
		if got, _ := search(obj{"organization_ids": []string{a, b, c}, "query": tc.query}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	got, out = search(obj{"organization_ids": []string{a, b, c}, "limit": 2})
	if next := out["results_metadata"].(obj)["next_cursor"]; !slices.Equal(got, ids[:2]) || next == nil {
		t.Fatalf("first page %v %v", got, out["results_metadata"])
	} else if got, _ = search(obj{"organization_ids": []string{a, b, c}, "limit": 2, "cursor": next}); !slices.Equal(got, ids[3:]) {
		t.Errorf("second page %v", got)
	}
	for _, tc := range []struct {
		status  int
		errType string
		body    obj
	}{
		{400, "member_search_organization_ids_empty", obj{}},
		{404, "organization_not_found", obj{"organization_ids": []string{a, "organization-test-nope"}}},
		{400, "search_invalid_status_filter", obj{"organization_ids": []string{a}, "query": obj{"operands": []obj{{"filter_name": "statuses", "filter_value": []string{"gone"}}}}}},
		{400, "invalid_search_query", obj{"organization_ids": []string{a}, "query": obj{"operands": []obj{{"filter_name": "member_roles", "filter_value": []string{"x"}}}}}},
	} {
		e.fails(t, tc.status, tc.errType, "POST", "/v1/b2b/organizations/members/search", tc.body)
	}
}

// Deleting an organization deletes its members and their passwords, and
// nothing of another organization.
func TestDeleteOrganizationTakesMembers(t *testing.T) {
	e := newEnv(t)
	a := str(e.createOrg(t, obj{"organization_name": "A"}), "organization_id")
	b := str(e.createOrg(t, obj{"organization_name": "B"}), "organization_id")
	gone := str(e.createMember(t, a, obj{"email_address": "ada@a.example"}), "member_id")
	must(t, e.st.SetMemberPassword(t.Context(), e.b2b.id, gone, store.Password{ID: "member-password-test-x", Hash: "h", CreatedAt: e.now}))
	kept := str(e.createMember(t, b, obj{"email_address": "ada@a.example"}), "member_id")
	e.must(t, "DELETE", "/v1/b2b/organizations/"+a, nil)
	e.fails(t, http.StatusNotFound, "member_not_found", "GET", "/v1/b2b/organizations/members/dangerously_get/"+gone+"?include_deleted=true", nil)
	e.must(t, "GET", "/v1/b2b/organizations/members/dangerously_get/"+kept, nil)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
