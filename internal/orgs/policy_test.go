package orgs_test

import (
	"errors"
	"testing"

	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/store"
)

func TestJITEligible(t *testing.T) {
	jit := store.Organization{Status: orgs.StatusActive, EmailJITProvisioning: orgs.Restricted,
		EmailAllowedDomains: []string{"acme.example"}}
	for _, tc := range []struct {
		name  string
		org   func(o *store.Organization)
		email string
		want  error
	}{
		{"allowed domain", nil, "ada@acme.example", nil},
		{"domain in another case", nil, "ada@ACME.Example", nil},
		{"other domain", nil, "ada@evil.example", orgs.ErrEmailNotAllowed},
		{"subdomain is another domain", nil, "ada@labs.acme.example", orgs.ErrEmailNotAllowed},
		{"suffix is another domain", nil, "ada@notacme.example", orgs.ErrEmailNotAllowed},
		{"JIT not allowed", func(o *store.Organization) { o.EmailJITProvisioning = orgs.NotAllowed }, "ada@acme.example", orgs.ErrJITNotAllowed},
		{"suspended", func(o *store.Organization) { o.Status = orgs.StatusSuspended }, "ada@acme.example", orgs.ErrOrganizationSuspended},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := jit
			if tc.org != nil {
				tc.org(&o)
			}
			if err := orgs.JITEligible(o, tc.email); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("JITEligible = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCanSignIn(t *testing.T) {
	o := store.Organization{ID: "organization-test-a", ProjectID: "p", Status: orgs.StatusActive,
		AuthMethods: orgs.Restricted, AllowedAuthMethods: []string{"magic_link"}}
	m := store.Member{ID: "member-test-1", ProjectID: "p", OrganizationID: o.ID, Status: orgs.MemberActive}
	for _, tc := range []struct {
		name   string
		org    func(o *store.Organization)
		member func(m *store.Member)
		method string
		want   error
	}{
		{"allowed method", nil, nil, "magic_link", nil},
		{"restricted method", nil, nil, "password", orgs.ErrAuthMethodRestricted},
		{"break-glass bypasses the restriction", nil, func(m *store.Member) { m.IsBreakglass = true }, "password", nil},
		{"all allowed", func(o *store.Organization) { o.AuthMethods = orgs.AllAllowed }, nil, "password", nil},
		{"suspended", func(o *store.Organization) { o.Status = orgs.StatusSuspended }, func(m *store.Member) { m.IsBreakglass = true }, "magic_link", orgs.ErrOrganizationSuspended},
		{"member of another organization", nil, func(m *store.Member) { m.OrganizationID = "organization-test-b" }, "magic_link", orgs.ErrTenancyMismatch},
		{"deleted member", nil, func(m *store.Member) { m.Status = orgs.MemberDeleted }, "magic_link", orgs.ErrMemberNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, m := o, m
			if tc.org != nil {
				tc.org(&o)
			}
			if tc.member != nil {
				tc.member(&m)
			}
			if err := orgs.CanSignIn(o, m, tc.method); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("CanSignIn = %v, want %v", err, tc.want)
			}
		})
	}
}

// ProvisionJIT creates a verified member only for an allowed domain; a
// refusal writes nothing.
func TestProvisionJIT(t *testing.T) {
	e := newEnv(t)
	o := e.createOrg(t, obj{"organization_name": "Acme", "organization_slug": "acme",
		"email_allowed_domains": []string{"acme.example"}, "email_jit_provisioning": "RESTRICTED"})
	id := str(o, "organization_id")
	ctx := t.Context()
	for _, tc := range []struct {
		org, email string
		want       error
	}{
		{"acme", "eve@evil.example", orgs.ErrEmailNotAllowed},
		{"acme", "not an email", &orgs.Error{Code: "invalid_email"}},
		{"nope", "ada@acme.example", orgs.ErrOrganizationNotFound},
	} {
		if _, _, err := e.svc.ProvisionJIT(ctx, e.b2b.id, tc.org, tc.email); !errors.Is(err, tc.want) {
			t.Errorf("ProvisionJIT(%s, %s) = %v, want %v", tc.org, tc.email, err, tc.want)
		}
	}
	if _, _, err := e.svc.ProvisionJIT(ctx, e.other.id, id, "ada@acme.example"); !errors.Is(err, orgs.ErrOrganizationNotFound) {
		t.Errorf("from another project: %v", err)
	}
	res, err := e.svc.SearchMembers(ctx, e.b2b.id, store.MemberQuery{OrganizationIDs: []string{id}})
	must(t, err)
	if res.Total != 0 {
		t.Fatalf("refused provisioning left %d members", res.Total)
	}
	m, got, err := e.svc.ProvisionJIT(ctx, e.b2b.id, "acme", "Ada@Acme.example")
	must(t, err)
	if m.Status != orgs.MemberActive || !m.EmailVerified || m.OrganizationID != id || got.ID != id {
		t.Errorf("provisioned %+v in %s", m, got.ID)
	}
	if _, _, err := e.svc.ProvisionJIT(ctx, e.b2b.id, "acme", "ada@acme.example"); !errors.Is(err, &orgs.Error{Code: "duplicate_member_email"}) {
		t.Errorf("second provisioning of one email: %v", err)
	}
	e.must(t, "PUT", "/v1/b2b/organizations/acme", obj{"status": "suspended"})
	if _, _, err := e.svc.ProvisionJIT(ctx, e.b2b.id, "acme", "bob@acme.example"); !errors.Is(err, orgs.ErrOrganizationSuspended) {
		t.Errorf("suspended organization: %v", err)
	}
}
