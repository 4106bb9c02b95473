package orgs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// Organization statuses and the values of its settings (Node SDK
// Organization; each setting's doc lists them).
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"

	AllAllowed = "ALL_ALLOWED"
	Restricted = "RESTRICTED"
	NotAllowed = "NOT_ALLOWED"

	MFAOptional       = "OPTIONAL"
	MFARequiredForAll = "REQUIRED_FOR_ALL"
)

// OrganizationFields are an organization's settings as a create or an
// update gives them. A nil field is left as it is (on create: the
// default); TrustedMetadata is merged at the top level, as Stytch merges
// metadata (a null value deletes its key).
type OrganizationFields struct {
	Name, Slug, LogoURL, ExternalID *string
	TrustedMetadata                 json.RawMessage
	// Status is "active" or "suspended" (a Signet extension: Stytch
	// suspends organizations from its dashboard only).
	Status                         *string
	EmailAllowedDomains            *[]string
	EmailJITProvisioning           *string
	EmailInvites                   *string
	AuthMethods                    *string
	AllowedAuthMethods             *[]string
	MFAPolicy                      *string
	MFAMethods                     *string
	AllowedMFAMethods              *[]string
	FirstPartyConnectedApps        *string
	AllowedFirstPartyConnectedApps *[]string
	ThirdPartyConnectedApps        *string
	AllowedThirdPartyConnectedApps *[]string
	// EmailImplicitRoles replaces rbac_email_implicit_role_assignments;
	// each role must exist in the policy for the organization's members.
	EmailImplicitRoles *[]store.EmailRole
}

// CreateOrganization creates an organization with the given settings
// over the defaults Stytch documents: email JIT provisioning NOT_ALLOWED,
// everything else ALL_ALLOWED or OPTIONAL. Without a slug, the slug is
// made from the name (with a random suffix if that one is taken).
func (s *Service) CreateOrganization(ctx context.Context, projectID string, f OrganizationFields) (store.Organization, error) {
	now := store.Now(s.Now)
	o := store.Organization{
		ID: newID("organization"), ProjectID: projectID, Status: StatusActive,
		EmailJITProvisioning: NotAllowed, EmailInvites: AllAllowed, AuthMethods: AllAllowed,
		MFAPolicy: MFAOptional, MFAMethods: AllAllowed,
		FirstPartyConnectedApps: AllAllowed, ThirdPartyConnectedApps: AllAllowed,
		CreatedAt: now, UpdatedAt: now,
	}
	if f.Name == nil || strings.TrimSpace(*f.Name) == "" {
		return store.Organization{}, invalid("organization_name_missing", "organization_name is required.")
	}
	derived := f.Slug == nil
	if derived {
		slug := slugFrom(*f.Name)
		f.Slug = &slug
	}
	var err error
	if o.TrustedMetadata, err = api.MetadataObject("trusted_metadata", f.TrustedMetadata); err != nil {
		return store.Organization{}, fromAPI(err)
	}
	f.TrustedMetadata = nil
	if err := f.apply(&o); err != nil {
		return store.Organization{}, err
	}
	if err := s.checkRoles(ctx, projectID, o.ID, implicitRoleIDs(o.EmailImplicitRoles)); err != nil {
		return store.Organization{}, err
	}
	err = s.Store.CreateOrganization(ctx, o)
	var dup *store.DuplicateError
	if derived && errors.As(err, &dup) && dup.Field == "organization_slug" {
		// A name shared with another organization: keep the readable
		// part, make it unique.
		o.Slug = truncateSlug(o.Slug, maxSlug-9) + "-" + uuid.NewString()[:8]
		err = s.Store.CreateOrganization(ctx, o)
	}
	if err != nil {
		return store.Organization{}, storeErr(err, ErrOrganizationNotFound)
	}
	return o, nil
}

// Organization finds an organization by ID, slug or external ID.
func (s *Service) Organization(ctx context.Context, projectID, ref string) (store.Organization, error) {
	if ref == "" {
		return store.Organization{}, ErrOrganizationNotFound
	}
	o, err := s.Store.Organization(ctx, projectID, ref)
	if err != nil {
		return store.Organization{}, storeErr(err, ErrOrganizationNotFound)
	}
	return o, nil
}

// UpdateOrganization applies f to the organization that ref names and
// checks the result as a whole (a RESTRICTED setting needs its list).
func (s *Service) UpdateOrganization(ctx context.Context, projectID, ref string, f OrganizationFields) (store.Organization, error) {
	cur, err := s.Organization(ctx, projectID, ref)
	if err != nil {
		return store.Organization{}, err
	}
	if f.EmailImplicitRoles != nil {
		// Checked before the transaction: the policy may have to be read.
		l, err := checkImplicitRoles(*f.EmailImplicitRoles)
		if err != nil {
			return store.Organization{}, err
		}
		if err := s.checkRoles(ctx, projectID, cur.ID, implicitRoleIDs(l)); err != nil {
			return store.Organization{}, err
		}
	}
	now := store.Now(s.Now)
	o, err := s.Store.UpdateOrganization(ctx, projectID, cur.ID, func(o *store.Organization) error {
		var err error
		if o.TrustedMetadata, err = api.MergeMetadata("trusted_metadata", o.TrustedMetadata, f.TrustedMetadata); err != nil {
			return fromAPI(err)
		}
		g := f
		g.TrustedMetadata = nil
		if err := g.apply(o); err != nil {
			return err
		}
		o.UpdatedAt = now
		return nil
	})
	if err != nil {
		return store.Organization{}, storeErr(err, ErrOrganizationNotFound)
	}
	if changed := f.policyFields(); changed != "" {
		s.Audit.Record(ctx, audit.Event{ProjectID: projectID, Type: audit.OrganizationPolicyUpdate, Subject: o.ID,
			Outcome: audit.Success, Details: map[string]string{"fields": changed}})
	}
	return o, nil
}

// policyFields names the settings of f that govern who may join and sign
// in to the organization, comma-separated ("" for none): the changes the
// audit log records.
func (f OrganizationFields) policyFields() string {
	var names []string
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"status", f.Status != nil},
		{"email_allowed_domains", f.EmailAllowedDomains != nil},
		{"email_jit_provisioning", f.EmailJITProvisioning != nil},
		{"email_invites", f.EmailInvites != nil},
		{"auth_methods", f.AuthMethods != nil},
		{"allowed_auth_methods", f.AllowedAuthMethods != nil},
		{"mfa_policy", f.MFAPolicy != nil},
		{"mfa_methods", f.MFAMethods != nil},
		{"allowed_mfa_methods", f.AllowedMFAMethods != nil},
		{"first_party_connected_apps_allowed_type", f.FirstPartyConnectedApps != nil},
		{"allowed_first_party_connected_apps", f.AllowedFirstPartyConnectedApps != nil},
		{"third_party_connected_apps_allowed_type", f.ThirdPartyConnectedApps != nil},
		{"allowed_third_party_connected_apps", f.AllowedThirdPartyConnectedApps != nil},
		{"rbac_email_implicit_role_assignments", f.EmailImplicitRoles != nil},
	} {
		if p.set {
			names = append(names, p.name)
		}
	}
	return strings.Join(names, ",")
}

// DeleteOrganization deletes the organization that ref names with all its
// members, and returns its ID.
func (s *Service) DeleteOrganization(ctx context.Context, projectID, ref string) (string, error) {
	o, err := s.Organization(ctx, projectID, ref)
	if err != nil {
		return "", err
	}
	if err := s.Store.DeleteOrganization(ctx, projectID, o.ID); err != nil {
		return "", storeErr(err, ErrOrganizationNotFound)
	}
	return o.ID, nil
}

// SearchOrganizations runs an organization search.
func (s *Service) SearchOrganizations(ctx context.Context, projectID string, q store.OrganizationQuery) (store.OrganizationResult, error) {
	res, err := s.Store.SearchOrganizations(ctx, projectID, q)
	if errors.Is(err, store.ErrInvalidCursor) {
		return res, invalid("invalid_cursor", "cursor is not one a previous search returned.")
	}
	return res, storeErr(err, ErrOrganizationNotFound)
}

// MemberCount counts the organization's members that are not deleted.
func (s *Service) MemberCount(ctx context.Context, projectID, ref string) (int, error) {
	o, err := s.Organization(ctx, projectID, ref)
	if err != nil {
		return 0, err
	}
	res, err := s.Store.SearchMembers(ctx, projectID, store.MemberQuery{OrganizationIDs: []string{o.ID}, Page: store.Page{Limit: 1}})
	if err != nil {
		return 0, storeErr(err, ErrOrganizationNotFound)
	}
	return res.Total, nil
}

// apply sets the fields present in f on o and checks the result.
func (f OrganizationFields) apply(o *store.Organization) error {
	for _, p := range []struct {
		in  *string
		out *string
	}{
		{f.Name, &o.Name}, {f.Slug, &o.Slug}, {f.LogoURL, &o.LogoURL}, {f.ExternalID, &o.ExternalID},
		{f.Status, &o.Status}, {f.EmailJITProvisioning, &o.EmailJITProvisioning}, {f.EmailInvites, &o.EmailInvites},
		{f.AuthMethods, &o.AuthMethods}, {f.MFAPolicy, &o.MFAPolicy}, {f.MFAMethods, &o.MFAMethods},
		{f.FirstPartyConnectedApps, &o.FirstPartyConnectedApps}, {f.ThirdPartyConnectedApps, &o.ThirdPartyConnectedApps},
	} {
		if p.in != nil {
			*p.out = *p.in
		}
	}
	if f.EmailAllowedDomains != nil {
		domains, err := checkDomains(*f.EmailAllowedDomains)
		if err != nil {
			return err
		}
		o.EmailAllowedDomains = domains
	}
	if f.EmailImplicitRoles != nil {
		l, err := checkImplicitRoles(*f.EmailImplicitRoles)
		if err != nil {
			return err
		}
		o.EmailImplicitRoles = l
	}
	for _, p := range []struct {
		in  *[]string
		out *[]string
	}{
		{f.AllowedAuthMethods, &o.AllowedAuthMethods}, {f.AllowedMFAMethods, &o.AllowedMFAMethods},
		{f.AllowedFirstPartyConnectedApps, &o.AllowedFirstPartyConnectedApps},
		{f.AllowedThirdPartyConnectedApps, &o.AllowedThirdPartyConnectedApps},
	} {
		if p.in != nil {
			*p.out = dedupe(*p.in)
		}
	}
	return checkOrganization(o)
}
