package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// newOrg is an organization with every field set and a unique slug,
// external ID and allowed domain.
func newOrg(projectID string) store.Organization {
	n := uuid.NewString()[:8]
	t := now()
	return store.Organization{
		ID:                             newID("organization"),
		ProjectID:                      projectID,
		Name:                           "Acme " + n,
		Slug:                           "acme-" + n,
		LogoURL:                        "https://acme.example/logo.png",
		ExternalID:                     "ext-org-" + n,
		TrustedMetadata:                json.RawMessage(`{"plan":"enterprise"}`),
		Status:                         "active",
		EmailAllowedDomains:            []string{"acme-" + n + ".example", "acme.example"},
		EmailJITProvisioning:           "RESTRICTED",
		EmailInvites:                   "ALL_ALLOWED",
		AuthMethods:                    "RESTRICTED",
		AllowedAuthMethods:             []string{"password", "magic_link"},
		MFAPolicy:                      "OPTIONAL",
		MFAMethods:                     "RESTRICTED",
		AllowedMFAMethods:              []string{"totp"},
		FirstPartyConnectedApps:        "ALL_ALLOWED",
		ThirdPartyConnectedApps:        "RESTRICTED",
		AllowedThirdPartyConnectedApps: []string{"connected-app-test-1"},
		EmailImplicitRoles:             []store.EmailRole{{Domain: "acme.example", RoleID: "editor"}, {Domain: "acme.example", RoleID: "stytch_admin"}},
		CreatedAt:                      t,
		UpdatedAt:                      t,
	}
}

func createOrg(t *testing.T, s store.Store, o store.Organization) store.Organization {
	t.Helper()
	must(t, s.CreateOrganization(ctx(t), o))
	return o
}

// newMember is a member of org with every field set and a unique email,
// external ID and phone number.
func newMember(org store.Organization) store.Member {
	n := uuid.NewString()
	t := now()
	return store.Member{
		ID:                     newID("member"),
		ProjectID:              org.ProjectID,
		OrganizationID:         org.ID,
		Status:                 "active",
		Email:                  "Ada." + n[:8] + "@Acme.example",
		EmailVerified:          true,
		Name:                   "Ada Lovelace",
		ExternalID:             "ext-member-" + n,
		TrustedMetadata:        json.RawMessage(`{"tier":"gold"}`),
		UntrustedMetadata:      json.RawMessage(`{"theme":"dark"}`),
		Roles:                  []string{"admin", "billing"},
		IsBreakglass:           true,
		MFAPhoneNumber:         "+1555" + strings.Map(digitsOnly, n)[:7],
		MFAPhoneNumberVerified: true,
		MFAEnrolled:            true,
		DefaultMFAMethod:       "totp",
		CreatedAt:              t,
		UpdatedAt:              t,
	}
}

func digitsOnly(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return '1'
}

func createMember(t *testing.T, s store.Store, m store.Member) store.Member {
	t.Helper()
	must(t, s.CreateMember(ctx(t), m))
	return m
}

func getMember(t *testing.T, s store.Store, m store.Member) store.Member {
	t.Helper()
	got, err := s.Member(ctx(t), m.ProjectID, m.OrganizationID, m.ID)
	must(t, err)
	return got
}

func getOrg(t *testing.T, s store.Store, projectID, ref string) store.Organization {
	t.Helper()
	o, err := s.Organization(ctx(t), projectID, ref)
	must(t, err)
	return o
}

func memberPassword(id string) *store.Password {
	return &store.Password{ID: id, Hash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", CreatedAt: now()}
}

var orgTests = []test{
	{"CreateAndGetByIDSlugExternalID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		for _, ref := range []string{o.ID, o.Slug, o.ExternalID} {
			equal(t, getOrg(t, s, p.ID, ref), o)
		}
	}},
	{"CreateMinimal", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := store.Organization{ID: newID("organization"), ProjectID: p.ID, Name: "Min", Slug: "min", Status: "active",
			EmailJITProvisioning: "NOT_ALLOWED", EmailInvites: "ALL_ALLOWED", AuthMethods: "ALL_ALLOWED", MFAPolicy: "OPTIONAL",
			MFAMethods: "ALL_ALLOWED", FirstPartyConnectedApps: "ALL_ALLOWED", ThirdPartyConnectedApps: "ALL_ALLOWED",
			CreatedAt: now(), UpdatedAt: now()}
		createOrg(t, s, o)
		equal(t, getOrg(t, s, p.ID, o.ID), o)
		createOrg(t, s, store.Organization{ID: newID("organization"), ProjectID: p.ID, Name: "Min2", Slug: "min2",
			CreatedAt: now(), UpdatedAt: now()}) // no external ID twice: NULLs do not collide
	}},
	{"IDWinsOverSlugOverExternalID", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a := createOrg(t, s, newOrg(p.ID))
		b := newOrg(p.ID)
		b.Slug, b.ExternalID = a.ID, a.Slug
		createOrg(t, s, b)
		equal(t, getOrg(t, s, p.ID, a.ID).ID, a.ID)
		equal(t, getOrg(t, s, p.ID, a.Slug).ID, a.ID)
	}},
	{"NeverAcrossProjects", func(t *testing.T, s store.Store) {
		a, b := newProject(t, s), newProject(t, s)
		o := createOrg(t, s, newOrg(a.ID))
		for _, ref := range []string{o.ID, o.Slug, o.ExternalID} {
			_, err := s.Organization(ctx(t), b.ID, ref)
			wantErr(t, err, store.ErrNotFound)
		}
		_, err := s.UpdateOrganization(ctx(t), b.ID, o.ID, func(*store.Organization) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.DeleteOrganization(ctx(t), b.ID, o.ID), store.ErrNotFound)
		// Slug and external ID are unique per project only.
		c := newOrg(b.ID)
		c.Slug, c.ExternalID = o.Slug, o.ExternalID
		createOrg(t, s, c)
	}},
	{"Duplicates", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		taken := createOrg(t, s, newOrg(p.ID))
		for _, tc := range []struct {
			name, field string
			modify      func(o *store.Organization)
		}{
			{"slug", "organization_slug", func(o *store.Organization) { o.Slug = taken.Slug }},
			{"external ID", "organization_external_id", func(o *store.Organization) { o.ExternalID = taken.ExternalID }},
			{"ID", "organization_id", func(o *store.Organization) { o.ID = taken.ID }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				o := newOrg(p.ID)
				tc.modify(&o)
				wantDup(t, s.CreateOrganization(ctx(t), o), tc.field)
				if o.ID != taken.ID {
					_, err := s.Organization(ctx(t), p.ID, o.ID)
					wantErr(t, err, store.ErrNotFound) // nothing half-written
					res, err := s.SearchOrganizations(ctx(t), p.ID, store.OrganizationQuery{Filters: []store.OrganizationFilter{
						{Field: store.OrgByAllowedDomain, Values: o.EmailAllowedDomains[:1]}}})
					must(t, err)
					equal(t, res.Total, 0) // nor its domain index
				}
			})
		}
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		later := o.UpdatedAt.Add(time.Minute)
		got, err := s.UpdateOrganization(ctx(t), p.ID, o.ID, func(v *store.Organization) error {
			v.Name, v.Slug, v.ExternalID, v.Status = "Renamed", "renamed-"+o.Slug, "", "suspended"
			v.EmailAllowedDomains = []string{"new.example"}
			v.AllowedAuthMethods = nil
			v.TrustedMetadata = nil
			v.EmailImplicitRoles = []store.EmailRole{{Domain: "new.example", RoleID: "viewer"}}
			v.UpdatedAt = later
			v.ID, v.ProjectID, v.CreatedAt = "organization-test-other", "project-test-other", later // not fn's to change
			return nil
		})
		must(t, err)
		want := o
		want.Name, want.Slug, want.ExternalID, want.Status = "Renamed", "renamed-"+o.Slug, "", "suspended"
		want.EmailAllowedDomains, want.AllowedAuthMethods, want.TrustedMetadata, want.UpdatedAt = []string{"new.example"}, nil, nil, later
		want.EmailImplicitRoles = []store.EmailRole{{Domain: "new.example", RoleID: "viewer"}}
		equal(t, got, want)
		equal(t, getOrg(t, s, p.ID, o.ID), want)
		// The domain index follows the record.
		byDomain := func(d string) int {
			res, err := s.SearchOrganizations(ctx(t), p.ID, store.OrganizationQuery{Filters: []store.OrganizationFilter{
				{Field: store.OrgByAllowedDomain, Values: []string{d}}}})
			must(t, err)
			return res.Total
		}
		equal(t, byDomain("new.example"), 1)
		equal(t, byDomain(o.EmailAllowedDomains[0]), 0)
	}},
	{"UpdateAbortsAndCollides", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a, b := createOrg(t, s, newOrg(p.ID)), createOrg(t, s, newOrg(p.ID))
		_, err := s.UpdateOrganization(ctx(t), p.ID, a.ID, func(v *store.Organization) error {
			v.Name = "changed"
			return errAbort
		})
		wantErr(t, err, errAbort)
		_, err = s.UpdateOrganization(ctx(t), p.ID, a.ID, func(v *store.Organization) error {
			v.Name, v.Slug = "changed", b.Slug
			return nil
		})
		wantDup(t, err, "organization_slug")
		equal(t, getOrg(t, s, p.ID, a.ID), a)
	}},
	{"DeleteTakesMembersAndPasswords", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o, keep := createOrg(t, s, newOrg(p.ID)), createOrg(t, s, newOrg(p.ID))
		m := newMember(o)
		m.Password = memberPassword(newID("member-password"))
		m = createMember(t, s, m)
		gone := createMember(t, s, newMember(o))
		_, err := s.DeleteMember(ctx(t), p.ID, o.ID, gone.ID, now())
		must(t, err)
		kept := createMember(t, s, newMember(keep))
		must(t, s.DeleteOrganization(ctx(t), p.ID, o.ID))
		_, err = s.Organization(ctx(t), p.ID, o.ID)
		wantErr(t, err, store.ErrNotFound)
		for _, id := range []string{m.ID, gone.ID} {
			_, err = s.MemberByID(ctx(t), p.ID, id)
			wantErr(t, err, store.ErrNotFound)
		}
		equal(t, getMember(t, s, kept), kept)
		wantErr(t, s.DeleteOrganization(ctx(t), p.ID, o.ID), store.ErrNotFound)
		// Its slug and domains are free again.
		again := newOrg(p.ID)
		again.Slug, again.EmailAllowedDomains = o.Slug, o.EmailAllowedDomains
		createOrg(t, s, again)
	}},
}

var memberTests = []test{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		m := newMember(o)
		m.Password = memberPassword(newID("member-password"))
		createMember(t, s, m)
		equal(t, getMember(t, s, m), m)
		byExt, err := s.Member(ctx(t), p.ID, o.ID, m.ExternalID)
		must(t, err)
		equal(t, byExt, m)
		for _, addr := range []string{m.Email, strings.ToUpper(m.Email)} {
			got, err := s.MemberByEmail(ctx(t), p.ID, o.ID, addr)
			must(t, err)
			equal(t, got, m) // the address keeps its case
		}
		got, err := s.MemberByID(ctx(t), p.ID, m.ID)
		must(t, err)
		equal(t, got, m)
	}},
	{"CreateMinimal", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		for range 2 { // unset external IDs and phone numbers do not collide
			m := store.Member{ID: newID("member"), ProjectID: p.ID, OrganizationID: o.ID, Status: "pending",
				Email: uuid.NewString()[:8] + "@acme.example", CreatedAt: now(), UpdatedAt: now()}
			createMember(t, s, m)
			equal(t, getMember(t, s, m), m)
		}
	}},
	{"NeedsItsOrganization", func(t *testing.T, s store.Store) {
		a, b := newProject(t, s), newProject(t, s)
		o := createOrg(t, s, newOrg(a.ID))
		m := newMember(o)
		m.ProjectID = b.ID // the organization is another project's
		wantErr(t, s.CreateMember(ctx(t), m), store.ErrNotFound)
		m = newMember(o)
		m.OrganizationID = "organization-test-missing"
		wantErr(t, s.CreateMember(ctx(t), m), store.ErrNotFound)
	}},
	{"ScopedToOrganizationAndProject", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		o, o2 := createOrg(t, s, newOrg(p.ID)), createOrg(t, s, newOrg(p.ID))
		m := newMember(o)
		m.Password = memberPassword(newID("member-password"))
		m = createMember(t, s, m)
		// Addressed under another organization, or from another project,
		// the member is not there.
		for _, c := range []struct{ project, org string }{{p.ID, o2.ID}, {other.ID, o.ID}} {
			for _, ref := range []string{m.ID, m.ExternalID} {
				_, err := s.Member(ctx(t), c.project, c.org, ref)
				wantErr(t, err, store.ErrNotFound)
			}
			_, err := s.MemberByEmail(ctx(t), c.project, c.org, m.Email)
			wantErr(t, err, store.ErrNotFound)
			_, err = s.UpdateMember(ctx(t), c.project, c.org, m.ID, func(v *store.Member) error { v.Name = "x"; return nil })
			wantErr(t, err, store.ErrNotFound)
			_, err = s.DeleteMember(ctx(t), c.project, c.org, m.ID, now())
			wantErr(t, err, store.ErrNotFound)
			_, err = s.DeleteMemberPassword(ctx(t), c.project, c.org, m.Password.ID, now())
			wantErr(t, err, store.ErrNotFound)
		}
		_, err := s.MemberByID(ctx(t), other.ID, m.ID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.SetMemberPassword(ctx(t), other.ID, m.ID, *memberPassword("x")), store.ErrNotFound)
		equal(t, getMember(t, s, m), m) // untouched
	}},
	{"Duplicates", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o, o2 := createOrg(t, s, newOrg(p.ID)), createOrg(t, s, newOrg(p.ID))
		taken := createMember(t, s, newMember(o))
		for _, tc := range []struct {
			name, field string
			modify      func(m *store.Member)
		}{
			{"email in other case", "member_email", func(m *store.Member) { m.Email = strings.ToLower(taken.Email) }},
			{"external ID", "member_external_id", func(m *store.Member) { m.ExternalID = taken.ExternalID }},
			{"phone number", "member_phone_number", func(m *store.Member) { m.MFAPhoneNumber = taken.MFAPhoneNumber }},
			{"member ID", "member_id", func(m *store.Member) { m.ID = taken.ID }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := newMember(o)
				tc.modify(&m)
				m.Password = memberPassword(newID("member-password"))
				wantDup(t, s.CreateMember(ctx(t), m), tc.field)
				if m.ID != taken.ID {
					_, err := s.MemberByID(ctx(t), p.ID, m.ID)
					wantErr(t, err, store.ErrNotFound) // nothing half-written
				}
			})
		}
		// Unique per organization only.
		same := newMember(o2)
		same.Email, same.ExternalID, same.MFAPhoneNumber = taken.Email, taken.ExternalID, taken.MFAPhoneNumber
		createMember(t, s, same)
	}},
	{"Update", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		m := newMember(o)
		m.Password = memberPassword(newID("member-password"))
		m = createMember(t, s, m)
		later := m.UpdatedAt.Add(time.Minute)
		got, err := s.UpdateMember(ctx(t), p.ID, o.ID, m.ID, func(v *store.Member) error {
			v.Name, v.Email, v.EmailVerified, v.Status = "Grace Hopper", "grace@acme.example", false, "invited"
			v.Roles, v.ExternalID, v.MFAPhoneNumber, v.IsBreakglass = []string{"viewer"}, "", "", false
			v.TrustedMetadata = json.RawMessage(`{"rank":"admiral"}`)
			v.Password = nil // dropped with the email change
			v.UpdatedAt = later
			v.ID, v.ProjectID, v.OrganizationID, v.CreatedAt = "member-test-x", "project-test-x", "organization-test-x", later
			return nil
		})
		must(t, err)
		want := m
		want.Name, want.Email, want.EmailVerified, want.Status = "Grace Hopper", "grace@acme.example", false, "invited"
		want.Roles, want.ExternalID, want.MFAPhoneNumber, want.IsBreakglass = []string{"viewer"}, "", "", false
		want.TrustedMetadata, want.Password, want.UpdatedAt = json.RawMessage(`{"rank":"admiral"}`), nil, later
		equal(t, got, want)
		equal(t, getMember(t, s, m), want)
		_, err = s.DeleteMemberPassword(ctx(t), p.ID, o.ID, m.Password.ID, now())
		wantErr(t, err, store.ErrNotFound)
	}},
	{"UpdateAbortsAndCollides", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		a, b := createMember(t, s, newMember(o)), createMember(t, s, newMember(o))
		_, err := s.UpdateMember(ctx(t), p.ID, o.ID, a.ID, func(v *store.Member) error { v.Name = "x"; return errAbort })
		wantErr(t, err, errAbort)
		_, err = s.UpdateMember(ctx(t), p.ID, o.ID, a.ID, func(v *store.Member) error { v.Name, v.Email = "x", b.Email; return nil })
		wantDup(t, err, "member_email")
		equal(t, getMember(t, s, a), a)
	}},
	{"DeleteIsSoftAndFreesEmail", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		m := newMember(o)
		m.Password = memberPassword(newID("member-password"))
		m = createMember(t, s, m)
		at := now().Add(time.Minute)
		got, err := s.DeleteMember(ctx(t), p.ID, o.ID, m.ID, at)
		must(t, err)
		want := m
		want.Status, want.UpdatedAt, want.Password = "deleted", at, nil
		equal(t, got, want)
		_, err = s.Member(ctx(t), p.ID, o.ID, m.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.MemberByEmail(ctx(t), p.ID, o.ID, m.Email)
		wantErr(t, err, store.ErrNotFound)
		byID, err := s.MemberByID(ctx(t), p.ID, m.ID)
		must(t, err)
		equal(t, byID, want)
		_, err = s.DeleteMember(ctx(t), p.ID, o.ID, m.ID, at)
		wantErr(t, err, store.ErrNotFound)
		// Another member may take the email and external ID meanwhile;
		// then the deleted one cannot come back with them.
		taker := newMember(o)
		taker.Email = strings.ToUpper(m.Email)
		createMember(t, s, taker)
		extTaker := newMember(o)
		extTaker.ExternalID = m.ExternalID
		createMember(t, s, extTaker)
		_, err = s.UpdateMember(ctx(t), p.ID, o.ID, m.ID, func(v *store.Member) error { v.Status = "active"; return nil })
		var dup *store.DuplicateError
		if !errors.As(err, &dup) || (dup.Field != "member_email" && dup.Field != "member_external_id") {
			t.Fatalf("reactivating over a taken email and external ID: %v", err)
		}
		must(t, s.DeleteOrganization(ctx(t), p.ID, o.ID)) // deleted members go with it
	}},
	{"Reactivate", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		m := createMember(t, s, newMember(o))
		_, err := s.DeleteMember(ctx(t), p.ID, o.ID, m.ID, now())
		must(t, err)
		got, err := s.UpdateMember(ctx(t), p.ID, o.ID, m.ID, func(v *store.Member) error { v.Status = "active"; return nil })
		must(t, err)
		equal(t, got.Status, "active")
		equal(t, getMember(t, s, m).Status, "active")
	}},
	{"Passwords", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		o := createOrg(t, s, newOrg(p.ID))
		m := createMember(t, s, newMember(o))
		first, second := memberPassword(newID("member-password")), memberPassword(newID("member-password"))
		must(t, s.SetMemberPassword(ctx(t), p.ID, m.ID, *first))
		equal(t, getMember(t, s, m).Password, first)
		must(t, s.SetMemberPassword(ctx(t), p.ID, m.ID, *second)) // replaces
		equal(t, getMember(t, s, m).Password, second)
		_, err := s.DeleteMemberPassword(ctx(t), p.ID, o.ID, first.ID, now())
		wantErr(t, err, store.ErrNotFound) // replaced: gone
		at := now().Add(time.Minute)
		got, err := s.DeleteMemberPassword(ctx(t), p.ID, o.ID, second.ID, at)
		must(t, err)
		want := m
		want.UpdatedAt = at
		equal(t, got, want)
		equal(t, getMember(t, s, m), want)
		wantErr(t, s.SetMemberPassword(ctx(t), p.ID, "member-test-missing", *first), store.ErrNotFound)
	}},
}
