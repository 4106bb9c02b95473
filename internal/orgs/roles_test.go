package orgs_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/signet-id/signet/internal/store"
)

// TestEmailImplicitRoleAssignments: rbac_email_implicit_role_assignments
// on organizations.create and update, each rule a row.
func TestEmailImplicitRoleAssignments(t *testing.T) {
	e := newEnv(t)
	org := str(e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme",
		"rbac_email_implicit_role_assignments": []obj{{"domain": "Acme.Example", "role_id": "editor"}}}), "organization_id")
	// An organization's own role may be assigned in it.
	if _, err := e.policies.SetOrgPolicy(t.Context(), store.Project{ID: e.b2b.id, Vertical: store.VerticalB2B}, org,
		[]byte(`{"roles": [{"role_id": "auditor", "description": "", "permissions": []}]}`)); err != nil {
		t.Fatal(err)
	}
	other := str(e.createOrg(t, obj{"organization_name": "Other", "organization_slug": "other"}), "organization_id")
	type assignment = map[string]string
	for _, tc := range []struct {
		name    string
		org     string
		in      []obj
		errType string
		want    []assignment // nil: as before
	}{
		{"create lower-cases the domain", org, nil, "", []assignment{{"domain": "acme.example", "role_id": "editor"}}},
		{"several, duplicates once", org, []obj{{"domain": "acme.example", "role_id": "viewer"}, {"domain": "ACME.example", "role_id": "viewer"},
			{"domain": "labs.acme.example", "role_id": "stytch_admin"}}, "",
			[]assignment{{"domain": "acme.example", "role_id": "viewer"}, {"domain": "labs.acme.example", "role_id": "stytch_admin"}}},
		{"the organization's custom role", org, []obj{{"domain": "acme.example", "role_id": "auditor"}}, "",
			[]assignment{{"domain": "acme.example", "role_id": "auditor"}}},
		{"another organization's custom role", other, []obj{{"domain": "acme.example", "role_id": "auditor"}}, "role_not_found", nil},
		{"a role of no policy", org, []obj{{"domain": "acme.example", "role_id": "owner"}}, "role_not_found", nil},
		{"no domain", org, []obj{{"role_id": "editor"}}, "invalid_rbac_role_assignment", nil},
		{"no role_id", org, []obj{{"domain": "acme.example"}}, "invalid_rbac_role_assignment", nil},
		{"not a domain", org, []obj{{"domain": "acme", "role_id": "editor"}}, "invalid_rbac_role_assignment", nil},
		{"an email, not a domain", org, []obj{{"domain": "ada@acme.example", "role_id": "editor"}}, "invalid_rbac_role_assignment", nil},
		{"empty list clears", org, []obj{}, "", []assignment{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/v1/b2b/organizations/" + tc.org
			before := e.must(t, "GET", path, nil)["organization"].(obj)["rbac_email_implicit_role_assignments"]
			if tc.in != nil {
				body := obj{"rbac_email_implicit_role_assignments": tc.in}
				if tc.errType != "" {
					e.fails(t, http.StatusBadRequest, tc.errType, "PUT", path, body)
				} else {
					e.must(t, "PUT", path, body)
				}
			}
			got := e.must(t, "GET", path, nil)["organization"].(obj)["rbac_email_implicit_role_assignments"]
			want := any(tc.want)
			if tc.want == nil {
				want = before // a refusal changes nothing
			}
			if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
				t.Errorf("assignments = %s, want %s", g, w)
			}
		})
	}
	e.fails(t, http.StatusBadRequest, "role_not_found", "POST", "/v1/b2b/organizations", obj{"organization_name": "Bad",
		"rbac_email_implicit_role_assignments": []obj{{"domain": "bad.example", "role_id": "owner"}}})
}

// TestMemberRoleSources: a member's roles are stytch_member, those
// assigned and those its email domain is given, each once with every
// source, as Stytch's Member.roles reports them.
func TestMemberRoleSources(t *testing.T) {
	e := newEnv(t)
	e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme",
		"rbac_email_implicit_role_assignments": []obj{
			{"domain": "acme.example", "role_id": "editor"}, {"domain": "acme.example", "role_id": "viewer"},
			{"domain": "partner.example", "role_id": "billing"}}})
	direct := obj{"type": "direct_assignment", "details": obj{}}
	email := func(d string) obj { return obj{"type": "email_assignment", "details": obj{"email_domain": d}} }
	for _, tc := range []struct {
		name    string
		email   string
		roles   []string
		want    []obj
		isAdmin bool
	}{
		{"no role of its own, no domain match", "ada@elsewhere.example", nil,
			[]obj{{"role_id": "stytch_member", "sources": []obj{direct}}}, false},
		{"implied by the domain, any case", "Bob@ACME.example", nil,
			[]obj{{"role_id": "stytch_member", "sources": []obj{direct}},
				{"role_id": "editor", "sources": []obj{email("acme.example")}},
				{"role_id": "viewer", "sources": []obj{email("acme.example")}}}, false},
		{"assigned and implied: both sources", "cy@acme.example", []string{"editor", "stytch_admin"},
			[]obj{{"role_id": "stytch_member", "sources": []obj{direct}},
				{"role_id": "editor", "sources": []obj{direct, email("acme.example")}},
				{"role_id": "stytch_admin", "sources": []obj{direct}},
				{"role_id": "viewer", "sources": []obj{email("acme.example")}}}, true},
		{"a subdomain is another domain", "di@labs.acme.example", nil,
			[]obj{{"role_id": "stytch_member", "sources": []obj{direct}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := obj{"email_address": tc.email}
			if tc.roles != nil {
				body["roles"] = tc.roles
			}
			created := e.createMember(t, "acme", body)
			id := str(created, "member_id")
			got := map[string]obj{
				"create": created["member"].(obj),
				"get":    e.must(t, "GET", "/v1/b2b/organizations/acme/member?member_id="+id, nil)["member"].(obj),
				"update": e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"name": "x"})["member"].(obj),
			}
			res := e.must(t, "POST", "/v1/b2b/organizations/members/search", obj{"organization_ids": []string{str(created["organization"].(obj), "organization_id")},
				"query": obj{"operator": "AND", "operands": []obj{{"filter_name": "member_ids", "filter_value": []string{id}}}}})
			if ms := res["members"].([]any); len(ms) == 1 {
				got["search"] = ms[0].(obj)
			} else {
				t.Errorf("search found %d members", len(ms))
			}
			for route, m := range got {
				if g, w := jsonOf(t, m["roles"]), jsonOf(t, tc.want); g != w {
					t.Errorf("%s: roles = %s, want %s", route, g, w)
				}
				if m["is_admin"] != tc.isAdmin {
					t.Errorf("%s: is_admin = %v, want %v", route, m["is_admin"], tc.isAdmin)
				}
			}
		})
	}
}

// TestMemberRoleAssignment: explicit roles must be roles of the project's
// policy or of the member's organization.
func TestMemberRoleAssignment(t *testing.T) {
	e := newEnv(t)
	acme := str(e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme"}), "organization_id")
	e.createOrg(t, obj{"organization_name": "Other", "organization_slug": "other"})
	if _, err := e.policies.SetOrgPolicy(t.Context(), store.Project{ID: e.b2b.id, Vertical: store.VerticalB2B}, acme,
		[]byte(`{"roles": [{"role_id": "auditor", "description": "", "permissions": []}]}`)); err != nil {
		t.Fatal(err)
	}
	id := str(e.createMember(t, "acme", obj{"email_address": "ada@acme.example"}), "member_id")
	for _, tc := range []struct {
		name, org string
		roles     []string
		errType   string
	}{
		{"project roles", "acme", []string{"editor", "stytch_admin"}, ""},
		{"the organization's own role", "acme", []string{"auditor"}, ""},
		{"another organization's role", "other", []string{"auditor"}, "role_not_found"},
		{"a role of no policy", "acme", []string{"editor", "owner"}, "role_not_found"},
		{"stytch_member", "acme", []string{"stytch_member"}, "cannot_assign_default_rbac_role_id"},
		{"an empty role", "acme", []string{""}, "invalid_roles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := obj{"email_address": "new-" + tc.org + "@acme.example", "roles": tc.roles}
			if tc.errType != "" {
				e.fails(t, http.StatusBadRequest, tc.errType, "POST", "/v1/b2b/organizations/"+tc.org+"/members", body)
				if tc.org == "acme" {
					e.fails(t, http.StatusBadRequest, tc.errType, "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"roles": tc.roles})
				}
				return
			}
			e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"roles": tc.roles})
		})
	}
	// A policy change that removes a role still assigned is allowed (the
	// assignment stays, reported, and grants nothing); it only cannot be
	// assigned anew.
	e.must(t, "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"roles": []string{"billing"}})
	if _, err := e.policies.SetPolicy(t.Context(), store.Project{ID: e.b2b.id, Vertical: store.VerticalB2B},
		[]byte(`{"resources": [], "roles": [{"role_id": "stytch_member", "description": "", "permissions": []},
			{"role_id": "stytch_admin", "description": "", "permissions": []}], "scopes": []}`)); err != nil {
		t.Fatal(err)
	}
	m := e.must(t, "GET", "/v1/b2b/organizations/acme/member?member_id="+id, nil)["member"].(obj)
	if roles := m["roles"].([]any); len(roles) != 2 || roles[1].(obj)["role_id"] != "billing" {
		t.Errorf("roles after the policy dropped billing = %v", roles)
	}
	e.fails(t, http.StatusBadRequest, "role_not_found", "PUT", "/v1/b2b/organizations/acme/members/"+id, obj{"roles": []string{"billing"}})
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
