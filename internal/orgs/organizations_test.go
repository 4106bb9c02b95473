package orgs_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOrganizationLifecycle(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/b2b/organizations", obj{
		"organization_name":        "Acme Corp",
		"organization_slug":        "acme",
		"organization_logo_url":    "https://acme.example/logo.png",
		"organization_external_id": "crm|42",
		"trusted_metadata":         obj{"plan": "enterprise", "seats": 10},
		"email_allowed_domains":    []string{"Acme.example", "acme.example", "labs.acme.example"},
		"email_jit_provisioning":   "RESTRICTED",
		"auth_methods":             "RESTRICTED",
		"allowed_auth_methods":     []string{"password", "magic_link"},
	})
	wantKeys(t, "create response", out, "request_id", "status_code", "organization")
	o := out["organization"].(obj)
	wantKeys(t, "organization", o, orgKeys...)
	id := str(o, "organization_id")
	if !strings.HasPrefix(id, "organization-test-") || len(id) != len("organization-test-")+36 {
		t.Errorf("organization_id = %q", id)
	}
	for k, want := range map[string]string{
		"organization_name": "Acme Corp", "organization_slug": "acme", "organization_external_id": "crm|42",
		"email_jit_provisioning": "RESTRICTED", "email_invites": "ALL_ALLOWED", "auth_methods": "RESTRICTED",
		"mfa_policy": "OPTIONAL", "mfa_methods": "ALL_ALLOWED", "sso_jit_provisioning": "ALL_ALLOWED",
		"first_party_connected_apps_allowed_type": "ALL_ALLOWED", "third_party_connected_apps_allowed_type": "ALL_ALLOWED",
		"status": "active", "created_at": e.now.Format("2006-01-02T15:04:05Z"),
	} {
		if o[k] != want {
			t.Errorf("%s = %v, want %s", k, o[k], want)
		}
	}
	if d := strs(o["email_allowed_domains"]); !slices.Equal(d, []string{"acme.example", "labs.acme.example"}) {
		t.Errorf("email_allowed_domains = %v: want folded, without the repeat", d)
	}
	for _, k := range []string{"sso_active_connections", "rbac_email_implicit_role_assignments", "custom_roles", "claimed_email_domains", "allowed_mfa_methods"} {
		if l, ok := o[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %v, want []", k, o[k])
		}
	}

	// Get by ID, slug and external ID.
	for _, ref := range []string{id, "acme", "crm%7C42"} {
		got := e.must(t, "GET", "/v1/b2b/organizations/"+ref, nil)["organization"].(obj)
		if got["organization_id"] != id {
			t.Errorf("GET %s found %v", ref, got["organization_id"])
		}
	}

	// Update: fields present replace, metadata merges at the top level.
	e.now = e.now.Add(time.Minute)
	up := e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{
		"organization_name":     "Acme Inc",
		"trusted_metadata":      obj{"seats": nil, "region": "eu"},
		"email_allowed_domains": []string{"acme.example"},
		"mfa_policy":            "REQUIRED_FOR_ALL",
		"status":                "suspended",
	})["organization"].(obj)
	if up["organization_name"] != "Acme Inc" || up["organization_slug"] != "acme" || up["mfa_policy"] != "REQUIRED_FOR_ALL" ||
		up["status"] != "suspended" || up["updated_at"] == up["created_at"] {
		t.Errorf("updated = %v", up)
	}
	if tm := up["trusted_metadata"].(obj); len(tm) != 2 || tm["plan"] != "enterprise" || tm["region"] != "eu" {
		t.Errorf("trusted_metadata = %v, want plan and region", tm)
	}

	// Search sees the change; metrics count members.
	found := e.must(t, "POST", "/v1/b2b/organizations/search", obj{"query": obj{"operator": "AND", "operands": []obj{
		{"filter_name": "allowed_domains", "filter_value": []string{"ACME.example"}},
		{"filter_name": "organization_name_fuzzy", "filter_value": "inc"},
	}}})
	wantKeys(t, "search response", found, "request_id", "status_code", "organizations", "results_metadata")
	if l := found["organizations"].([]any); len(l) != 1 || l[0].(obj)["organization_id"] != id {
		t.Errorf("search = %v", found["organizations"])
	}
	if md := found["results_metadata"].(obj); md["total"] != float64(1) || md["next_cursor"] != nil {
		t.Errorf("results_metadata = %v", md)
	}
	e.createMember(t, id, obj{"email_address": "ada@acme.example"})
	if m := e.must(t, "GET", "/v1/b2b/organizations/"+id+"/metrics", nil); m["member_count"] != float64(1) {
		t.Errorf("metrics = %v", m)
	}

	// Delete the external ID, then the organization.
	if got := e.must(t, "DELETE", "/v1/b2b/organizations/"+id+"/external_id", nil)["organization"].(obj); got["organization_external_id"] != "" {
		t.Errorf("external ID after delete = %v", got["organization_external_id"])
	}
	e.fails(t, http.StatusNotFound, "organization_not_found", "GET", "/v1/b2b/organizations/crm%7C42", nil)
	del := e.must(t, "DELETE", "/v1/b2b/organizations/acme", nil)
	wantKeys(t, "delete response", del, "request_id", "status_code", "organization_id")
	if del["organization_id"] != id {
		t.Errorf("deleted %v", del["organization_id"])
	}
	e.fails(t, http.StatusNotFound, "organization_not_found", "GET", "/v1/b2b/organizations/"+id, nil)
	e.fails(t, http.StatusNotFound, "organization_not_found", "DELETE", "/v1/b2b/organizations/"+id, nil)
}

func TestOrganizationRefusals(t *testing.T) {
	e := newEnv(t)
	e.createOrg(t, obj{"organization_name": "Taken", "organization_slug": "taken", "organization_external_id": "taken"})
	for _, tc := range []struct {
		name, errType string
		body          obj
	}{
		{"no name", "organization_name_missing", obj{"organization_slug": "x1"}},
		{"blank name", "organization_name_missing", obj{"organization_name": "  "}},
		{"short slug", "invalid_organization_slug", obj{"organization_name": "A", "organization_slug": "a"}},
		{"slug with slash", "invalid_organization_slug", obj{"organization_name": "A", "organization_slug": "a/b"}},
		{"logo not a URL", "invalid_url", obj{"organization_name": "A", "organization_logo_url": "javascript:alert(1)"}},
		{"bad external ID", "invalid_external_id", obj{"organization_name": "A", "organization_external_id": "a b"}},
		{"bad domain", "organization_settings_invalid_domain", obj{"organization_name": "A", "email_allowed_domains": []string{"localhost"}}},
		{"common domain", "organization_settings_domain_too_common", obj{"organization_name": "A", "email_allowed_domains": []string{"Gmail.com"}}},
		{"JIT restricted without domains", "invalid_restricted_email_setting", obj{"organization_name": "A", "email_jit_provisioning": "RESTRICTED"}},
		{"JIT value", "invalid_restricted_email_setting", obj{"organization_name": "A", "email_jit_provisioning": "ALL_ALLOWED"}},
		{"auth methods restricted without list", "allowed_auth_methods_required_for_restricted", obj{"organization_name": "A", "auth_methods": "RESTRICTED"}},
		{"unknown auth method", "invalid_organization_allowed_auth_methods", obj{"organization_name": "A", "allowed_auth_methods": []string{"telepathy"}}},
		{"mfa policy", "invalid_organization_mfa_policy", obj{"organization_name": "A", "mfa_policy": "SOMETIMES"}},
		{"status", "invalid_organization_status", obj{"organization_name": "A", "status": "gone"}},
		{"metadata not an object", "invalid_metadata", obj{"organization_name": "A", "trusted_metadata": []int{1}}},
		{"taken slug", "organization_slug_already_used", obj{"organization_name": "A", "organization_slug": "taken"}},
		{"taken external ID", "duplicate_organization_external_id", obj{"organization_name": "A", "organization_external_id": "taken"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fails(t, http.StatusBadRequest, tc.errType, "POST", "/v1/b2b/organizations", tc.body)
		})
	}
	// Nothing half-written: the one organization is all there is.
	if res := e.must(t, "POST", "/v1/b2b/organizations/search", nil); res["results_metadata"].(obj)["total"] != float64(1) {
		t.Errorf("organizations after refusals: %v", res["results_metadata"])
	}
	// An update is checked whole: dropping the domains a RESTRICTED
	// setting needs is refused, and leaves the organization as it was.
	o := e.createOrg(t, obj{"organization_name": "Jit", "email_allowed_domains": []string{"jit.example"}, "email_jit_provisioning": "RESTRICTED"})
	e.fails(t, http.StatusBadRequest, "invalid_restricted_email_setting", "PUT", "/v1/b2b/organizations/"+str(o, "organization_id"),
		obj{"email_allowed_domains": []string{}, "organization_name": "Changed"})
	e.fails(t, http.StatusBadRequest, "organization_slug_already_used", "PUT", "/v1/b2b/organizations/"+str(o, "organization_id"),
		obj{"organization_slug": "taken", "organization_name": "Changed"})
	if got := e.must(t, "GET", "/v1/b2b/organizations/"+str(o, "organization_id"), nil)["organization"].(obj); got["organization_name"] != "Jit" {
		t.Errorf("after refused updates: %v", got)
	}
}

// Without organization_slug, the slug comes from the name, made unique.
func TestOrganizationSlugFromName(t *testing.T) {
	e := newEnv(t)
	a := e.createOrg(t, obj{"organization_name": "Acme Corp, Ltd."})
	if a["organization_slug"] != "acme-corp-ltd." {
		t.Errorf("slug = %v", a["organization_slug"])
	}
	b := e.createOrg(t, obj{"organization_name": "ACME corp ltd."})
	if s := str(b, "organization_slug"); !strings.HasPrefix(s, "acme-corp-ltd.-") || s == a["organization_slug"] {
		t.Errorf("second slug = %q", s)
	}
	if c := e.createOrg(t, obj{"organization_name": "Ω"}); c["organization_slug"] != "org" {
		t.Errorf("slug of a name with nothing to keep = %v", c["organization_slug"])
	}
}

func TestOrganizationSearch(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		o := e.createOrg(t, obj{"organization_name": name, "email_allowed_domains": []string{strings.ToLower(name) + ".example"}})
		ids = append(ids, str(o, "organization_id"))
		e.now = e.now.Add(time.Duration(i+1) * time.Second)
	}
	e.createMember(t, ids[1], obj{"email_address": "ada@beta.example"})
	// Another project's organization never shows.
	e.callAs(t, e.other, "POST", "/v1/b2b/organizations", obj{"organization_name": "Alpha"})

	page := func(body obj) ([]string, obj) {
		out := e.must(t, "POST", "/v1/b2b/organizations/search", body)
		var got []string
		for _, o := range out["organizations"].([]any) {
			got = append(got, str(o.(obj), "organization_id"))
		}
		return got, out["results_metadata"].(obj)
	}
	got, md := page(obj{"limit": 2})
	if !slices.Equal(got, ids[:2]) || md["total"] != float64(3) || md["next_cursor"] == nil {
		t.Fatalf("first page %v %v", got, md)
	}
	got, md = page(obj{"limit": 2, "cursor": md["next_cursor"]})
	if !slices.Equal(got, ids[2:]) || md["next_cursor"] != nil {
		t.Fatalf("second page %v %v", got, md)
	}
	for name, tc := range map[string]struct {
		query obj
		want  []string
	}{
		"OR": {obj{"operator": "OR", "operands": []obj{
			{"filter_name": "organization_slugs", "filter_value": []string{"alpha"}},
			{"filter_name": "member_emails", "filter_value": []string{"ADA@beta.example"}},
		}}, ids[:2]},
		"domain fuzzy": {obj{"operands": []obj{{"filter_name": "allowed_domain_fuzzy", "filter_value": "GAMMA"}}}, ids[2:]},
		"ids":          {obj{"operands": []obj{{"filter_name": "organization_ids", "filter_value": []string{ids[2], ids[0]}}}}, []string{ids[0], ids[2]}},
	} {
		if got, _ := page(obj{"query": tc.query}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		errType string
		body    obj
	}{
		{"invalid_cursor", obj{"cursor": "bm90IGEgY3Vyc29y"}},
		{"invalid_limit", obj{"limit": 1001}},
		{"invalid_search_query", obj{"query": obj{"operator": "XOR"}}},
		{"invalid_search_query", obj{"query": obj{"operands": []obj{{"filter_name": "has_active_sso_connection", "filter_value": true}}}}},
		{"invalid_search_query", obj{"query": obj{"operands": []obj{{"filter_name": "organization_ids", "filter_value": "not a list"}}}}},
	} {
		e.fails(t, http.StatusBadRequest, tc.errType, "POST", "/v1/b2b/organizations/search", tc.body)
	}
}

// Every route answers a consumer project invalid_b2b_endpoint, and never
// shows another project's organizations.
func TestOrganizationsOnlyForTheirProject(t *testing.T) {
	e := newEnv(t)
	o := e.createOrg(t, obj{"organization_name": "Mine", "organization_slug": "mine", "organization_external_id": "mine"})
	id := str(o, "organization_id")
	for _, r := range []struct{ method, path string }{
		{"POST", "/v1/b2b/organizations"},
		{"POST", "/v1/b2b/organizations/search"},
		{"GET", "/v1/b2b/organizations/" + id},
		{"PUT", "/v1/b2b/organizations/" + id},
		{"DELETE", "/v1/b2b/organizations/" + id},
		{"GET", "/v1/b2b/organizations/" + id + "/metrics"},
		{"POST", "/v1/b2b/organizations/" + id + "/members"},
		{"POST", "/v1/b2b/organizations/members/search"},
	} {
		e.failsAs(t, e.classic, http.StatusBadRequest, "invalid_b2b_endpoint", r.method, r.path, obj{"organization_name": "x"})
	}
	for _, ref := range []string{id, "mine"} {
		e.failsAs(t, e.other, http.StatusNotFound, "organization_not_found", "GET", "/v1/b2b/organizations/"+ref, nil)
		e.failsAs(t, e.other, http.StatusNotFound, "organization_not_found", "PUT", "/v1/b2b/organizations/"+ref, obj{"organization_name": "Theirs"})
		e.failsAs(t, e.other, http.StatusNotFound, "organization_not_found", "DELETE", "/v1/b2b/organizations/"+ref, nil)
	}
	if got := e.must(t, "GET", "/v1/b2b/organizations/"+id, nil)["organization"].(obj); got["organization_name"] != "Mine" {
		t.Errorf("after another project's calls: %v", got)
	}
}
