package orgs

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// The JSON shapes of the Node SDK's Organization and Member
// (types/lib/b2b/organizations.d.ts). Lists are never null: SDKs iterate
// them. Settings of features Signet does not have (SSO, SCIM, OAuth
// tenants, claimed domains) and custom_roles (served by
// /v1/b2b/rbac/organizations/{organization_id}) are there with the values of an
// organization that uses none.

type orgJSON struct {
	OrganizationID                       string            `json:"organization_id"`
	OrganizationName                     string            `json:"organization_name"`
	OrganizationLogoURL                  string            `json:"organization_logo_url"`
	OrganizationSlug                     string            `json:"organization_slug"`
	OrganizationExternalID               string            `json:"organization_external_id"`
	SSOJITProvisioning                   string            `json:"sso_jit_provisioning"`
	SSOJITProvisioningAllowedConnections []string          `json:"sso_jit_provisioning_allowed_connections"`
	SSOActiveConnections                 []struct{}        `json:"sso_active_connections"`
	EmailAllowedDomains                  []string          `json:"email_allowed_domains"`
	EmailJITProvisioning                 string            `json:"email_jit_provisioning"`
	EmailInvites                         string            `json:"email_invites"`
	AuthMethods                          string            `json:"auth_methods"`
	AllowedAuthMethods                   []string          `json:"allowed_auth_methods"`
	MFAPolicy                            string            `json:"mfa_policy"`
	RBACEmailImplicitRoleAssignments     []store.EmailRole `json:"rbac_email_implicit_role_assignments"`
	MFAMethods                           string            `json:"mfa_methods"`
	AllowedMFAMethods                    []string          `json:"allowed_mfa_methods"`
	OAuthTenantJITProvisioning           string            `json:"oauth_tenant_jit_provisioning"`
	AllowedOAuthTenants                  struct{}          `json:"allowed_oauth_tenants"`
	ClaimedEmailDomains                  []string          `json:"claimed_email_domains"`
	FirstPartyConnectedAppsAllowedType   string            `json:"first_party_connected_apps_allowed_type"`
	AllowedFirstPartyConnectedApps       []string          `json:"allowed_first_party_connected_apps"`
	ThirdPartyConnectedAppsAllowedType   string            `json:"third_party_connected_apps_allowed_type"`
	AllowedThirdPartyConnectedApps       []string          `json:"allowed_third_party_connected_apps"`
	CustomRoles                          []struct{}        `json:"custom_roles"`
	TrustedMetadata                      json.RawMessage   `json:"trusted_metadata"`
	CreatedAt                            string            `json:"created_at"`
	UpdatedAt                            string            `json:"updated_at"`
	// Status is a Signet extension: "active" or "suspended".
	Status string `json:"status"`
}

func toOrgJSON(o store.Organization) orgJSON {
	return orgJSON{
		OrganizationID:                       o.ID,
		OrganizationName:                     o.Name,
		OrganizationLogoURL:                  o.LogoURL,
		OrganizationSlug:                     o.Slug,
		OrganizationExternalID:               o.ExternalID,
		SSOJITProvisioning:                   AllAllowed,
		SSOJITProvisioningAllowedConnections: []string{},
		SSOActiveConnections:                 []struct{}{},
		EmailAllowedDomains:                  list(o.EmailAllowedDomains),
		EmailJITProvisioning:                 o.EmailJITProvisioning,
		EmailInvites:                         o.EmailInvites,
		AuthMethods:                          o.AuthMethods,
		AllowedAuthMethods:                   list(o.AllowedAuthMethods),
		MFAPolicy:                            o.MFAPolicy,
		RBACEmailImplicitRoleAssignments:     emailRoles(o.EmailImplicitRoles),
		MFAMethods:                           o.MFAMethods,
		AllowedMFAMethods:                    list(o.AllowedMFAMethods),
		OAuthTenantJITProvisioning:           NotAllowed,
		ClaimedEmailDomains:                  []string{},
		FirstPartyConnectedAppsAllowedType:   o.FirstPartyConnectedApps,
		AllowedFirstPartyConnectedApps:       list(o.AllowedFirstPartyConnectedApps),
		ThirdPartyConnectedAppsAllowedType:   o.ThirdPartyConnectedApps,
		AllowedThirdPartyConnectedApps:       list(o.AllowedThirdPartyConnectedApps),
		CustomRoles:                          []struct{}{},
		TrustedMetadata:                      object(o.TrustedMetadata),
		CreatedAt:                            ts(o.CreatedAt),
		UpdatedAt:                            ts(o.UpdatedAt),
		Status:                               o.Status,
	}
}

type memberJSON struct {
	OrganizationID         string                `json:"organization_id"`
	MemberID               string                `json:"member_id"`
	EmailAddress           string                `json:"email_address"`
	Status                 string                `json:"status"`
	Name                   string                `json:"name"`
	SSORegistrations       []struct{}            `json:"sso_registrations"`
	IsBreakglass           bool                  `json:"is_breakglass"`
	MemberPasswordID       string                `json:"member_password_id"`
	OAuthRegistrations     []struct{}            `json:"oauth_registrations"`
	EmailAddressVerified   bool                  `json:"email_address_verified"`
	MFAPhoneNumberVerified bool                  `json:"mfa_phone_number_verified"`
	IsAdmin                bool                  `json:"is_admin"`
	TOTPRegistrationID     string                `json:"totp_registration_id"`
	RetiredEmailAddresses  []struct{}            `json:"retired_email_addresses"`
	IsLocked               bool                  `json:"is_locked"`
	MFAEnrolled            bool                  `json:"mfa_enrolled"`
	MFAPhoneNumber         string                `json:"mfa_phone_number"`
	DefaultMFAMethod       string                `json:"default_mfa_method"`
	Roles                  []rbac.RoleAssignment `json:"roles"`
	TrustedMetadata        json.RawMessage       `json:"trusted_metadata"`
	UntrustedMetadata      json.RawMessage       `json:"untrusted_metadata"`
	CreatedAt              string                `json:"created_at"`
	UpdatedAt              string                `json:"updated_at"`
	ExternalID             string                `json:"external_id"`
	LockCreatedAt          *string               `json:"lock_created_at"`
	LockExpiresAt          *string               `json:"lock_expires_at"`
}

// adminRole is the role whose holders Stytch reports as is_admin.
const adminRole = "stytch_admin"

// toMemberJSON shows m, a member of o, with its effective roles and their
// sources as Stytch reports them (rbac.MemberRoles): stytch_member, the
// roles assigned to it, those o's implicit assignments give its email
// domain. is_admin says whether one of them is stytch_admin.
func toMemberJSON(m store.Member, o store.Organization) memberJSON {
	roles := rbac.MemberRoles(m.Roles, m.Email, o.EmailImplicitRoles)
	j := memberJSON{
		OrganizationID:         m.OrganizationID,
		MemberID:               m.ID,
		EmailAddress:           m.Email,
		Status:                 m.Status,
		Name:                   m.Name,
		SSORegistrations:       []struct{}{},
		IsBreakglass:           m.IsBreakglass,
		OAuthRegistrations:     []struct{}{},
		EmailAddressVerified:   m.EmailVerified,
		MFAPhoneNumberVerified: m.MFAPhoneNumberVerified,
		IsAdmin:                slices.Contains(rbac.RoleIDs(roles), adminRole),
		RetiredEmailAddresses:  []struct{}{},
		MFAEnrolled:            m.MFAEnrolled,
		MFAPhoneNumber:         m.MFAPhoneNumber,
		DefaultMFAMethod:       m.DefaultMFAMethod,
		Roles:                  roles,
		TrustedMetadata:        object(m.TrustedMetadata),
		UntrustedMetadata:      object(m.UntrustedMetadata),
		CreatedAt:              ts(m.CreatedAt),
		UpdatedAt:              ts(m.UpdatedAt),
		ExternalID:             m.ExternalID,
	}
	if m.Password != nil {
		j.MemberPasswordID = m.Password.ID
	}
	return j
}

// ts formats a time as Stytch does: RFC 3339, UTC, whole seconds.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func object(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage(`{}`)
	}
	return m
}

// OrganizationObject is o as the SDK's Organization object, for the
// responses of the B2B routes other packages serve (passwords, sessions).
func OrganizationObject(o store.Organization) any { return toOrgJSON(o) }

// MemberObject is m, a member of o, as the SDK's Member object, for the
// same.
func MemberObject(m store.Member, o store.Organization) any { return toMemberJSON(m, o) }

func emailRoles(l []store.EmailRole) []store.EmailRole {
	if l == nil {
		return []store.EmailRole{}
	}
	return l
}
