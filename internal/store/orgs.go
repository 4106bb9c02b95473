package store

import (
	"context"
	"encoding/json"
	"time"
)

// The verticals a project can be (Project.Vertical): Stytch's two product
// lines. A consumer project has users; a B2B project has organizations and
// their members. Chosen at creation, never changed.
const (
	VerticalConsumer = "consumer"
	VerticalB2B      = "b2b"
)

// Organization is a customer of a B2B project: a tenant within the tenant,
// whose members sign in under its policy.
type Organization struct {
	ID        string // "organization-test-<uuid>"
	ProjectID string
	Name      string
	// Slug is unique in the project, compared exactly.
	Slug    string
	LogoURL string
	// ExternalID is the caller's own identifier, unique in the project
	// when set.
	ExternalID      string
	TrustedMetadata json.RawMessage // JSON object; nil means {}
	// Status is "active" or "suspended"; members of a suspended
	// organization cannot sign in.
	Status string
	// EmailAllowedDomains are lower-case domains, each at most once.
	// Stores keep an index of them, so the organizations that allow a
	// domain are found without a scan.
	EmailAllowedDomains  []string
	EmailJITProvisioning string // RESTRICTED or NOT_ALLOWED
	EmailInvites         string // ALL_ALLOWED, RESTRICTED or NOT_ALLOWED
	AuthMethods          string // ALL_ALLOWED or RESTRICTED
	AllowedAuthMethods   []string
	MFAPolicy            string // OPTIONAL or REQUIRED_FOR_ALL
	MFAMethods           string // ALL_ALLOWED or RESTRICTED
	AllowedMFAMethods    []string
	// The organization's policy towards the project's Connected Apps
	// (ALL_ALLOWED, RESTRICTED or NOT_ALLOWED) and, when RESTRICTED, the
	// client IDs it allows.
	FirstPartyConnectedApps        string
	AllowedFirstPartyConnectedApps []string
	ThirdPartyConnectedApps        string
	AllowedThirdPartyConnectedApps []string
	// EmailImplicitRoles give every member whose email address is at
	// Domain the role RoleID (Stytch's
	// rbac_email_implicit_role_assignments), in the order given.
	EmailImplicitRoles []EmailRole
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// EmailRole is one implicit role assignment by email domain: Domain is
// lower case.
type EmailRole struct {
	Domain string `json:"domain"`
	RoleID string `json:"role_id"`
}

// Member is a person's account in one organization. The same email in two
// organizations is two members.
type Member struct {
	ID             string // "member-test-<uuid>"
	ProjectID      string
	OrganizationID string
	// Status is "active", "invited", "pending" or "deleted". A deleted
	// member stays (it can be reactivated) but no longer holds its email
	// address or external ID: another member may take them.
	Status string
	// Email is unique among the organization's members that are not
	// deleted, compared case-insensitively.
	Email         string
	EmailVerified bool
	Name          string
	// ExternalID is unique among the organization's members that are not
	// deleted, when set.
	ExternalID        string
	TrustedMetadata   json.RawMessage
	UntrustedMetadata json.RawMessage
	// Roles are the role IDs assigned explicitly (not those implied by
	// RBAC rules).
	Roles                  []string
	IsBreakglass           bool
	MFAPhoneNumber         string // E.164 or ""
	MFAPhoneNumberVerified bool
	MFAEnrolled            bool
	DefaultMFAMethod       string // "", "sms_otp" or "totp"
	CreatedAt              time.Time
	UpdatedAt              time.Time
	// Password is the member's password, when it has one: filled by
	// reads, written by CreateMember and SetMemberPassword.
	Password *Password
}

// Organizations are a B2B project's organizations and their members.
// Every operation is scoped to one project: an ID of another project's
// record is never found. Member operations that name an organization see
// only that organization's members.
type Organizations interface {
	// CreateOrganization inserts o. A taken slug or external ID is a
	// *DuplicateError{Field: "organization_slug" or
	// "organization_external_id"}.
	CreateOrganization(ctx context.Context, o Organization) error
	// Organization finds an organization by ID, slug or external ID,
	// preferring them in that order when they name different ones.
	Organization(ctx context.Context, projectID, ref string) (Organization, error)
	// UpdateOrganization applies fn to the stored organization inside one
	// transaction and saves the result (ID, ProjectID and CreatedAt cannot
	// change). fn's error aborts and is returned as is; a changed slug or
	// external ID that collides is a *DuplicateError.
	UpdateOrganization(ctx context.Context, projectID, orgID string, fn func(*Organization) error) (Organization, error)
	// DeleteOrganization removes the organization with every member,
	// their passwords, their sessions and what they granted Connected Apps
	// (consents, codes, grants, refresh tokens), in one transaction. ErrNotFound
	// if there was none.
	DeleteOrganization(ctx context.Context, projectID, orgID string) error
	SearchOrganizations(ctx context.Context, projectID string, q OrganizationQuery) (OrganizationResult, error)

	// CreateMember inserts m and, if set, its password. ErrNotFound if the
	// organization does not exist; a taken email, external ID or MFA phone
	// number is a *DuplicateError{Field: "member_email",
	// "member_external_id" or "member_phone_number"}.
	CreateMember(ctx context.Context, m Member) error
	// Member finds a member of the organization that is not deleted, by
	// member ID or, failing that, external ID.
	Member(ctx context.Context, projectID, orgID, idOrExternalID string) (Member, error)
	// MemberByEmail finds the member of the organization that is not
	// deleted and has this email address, compared case-insensitively.
	MemberByEmail(ctx context.Context, projectID, orgID, email string) (Member, error)
	// MemberByID finds a member by ID in any organization of the project,
	// deleted or not.
	MemberByID(ctx context.Context, projectID, memberID string) (Member, error)
	// UpdateMember applies fn to the organization's member, whatever its
	// status, inside one transaction with the row locked, and saves the
	// result (ID, ProjectID, OrganizationID and CreatedAt cannot change).
	// A Password that fn sets to nil is deleted in the same transaction;
	// fn cannot set one (SetMemberPassword does). fn's error aborts and is
	// returned as is; a changed email, external ID or phone number that
	// collides (this includes reactivating a member whose email another
	// member took meanwhile) is a *DuplicateError.
	UpdateMember(ctx context.Context, projectID, orgID, memberID string, fn func(*Member) error) (Member, error)
	// DeleteMember marks the organization's member deleted at now and
	// removes its password, its sessions and what it granted Connected
	// Apps, in one transaction, and
	// returns it.
	// ErrNotFound if there is no such member or it is deleted already.
	DeleteMember(ctx context.Context, projectID, orgID, memberID string, now time.Time) (Member, error)
	// SetMemberPassword creates or replaces a member's password.
	// ErrNotFound if the member does not exist.
	SetMemberPassword(ctx context.Context, projectID, memberID string, p Password) error
	// DeleteMemberPassword removes the password with this ID from the
	// organization's member that holds it (not deleted), marks the member
	// updated at now, and returns it. ErrNotFound if no such member holds it.
	DeleteMemberPassword(ctx context.Context, projectID, orgID, passwordID string, now time.Time) (Member, error)
	// SearchMembers returns one page of the members of q.OrganizationIDs
	// that match q, oldest first, and those organizations (the ones that
	// exist) by ID.
	SearchMembers(ctx context.Context, projectID string, q MemberQuery) (MemberResult, error)
}

// OrganizationField names an organization search filter.
type OrganizationField string

// The organization search filters: the Stytch filter_name values that
// apply to what Signet stores. Each takes Values and matches any of them;
// the fuzzy ones are case-insensitive substrings.
const (
	OrgByID                 OrganizationField = "organization_ids"
	OrgBySlug               OrganizationField = "organization_slugs"
	OrgByNameFuzzy          OrganizationField = "organization_name_fuzzy"
	OrgBySlugFuzzy          OrganizationField = "organization_slug_fuzzy"
	OrgByMemberEmail        OrganizationField = "member_emails" // a member not deleted has one
	OrgByMemberEmailFuzzy   OrganizationField = "member_email_fuzzy"
	OrgByAllowedDomain      OrganizationField = "allowed_domains"
	OrgByAllowedDomainFuzzy OrganizationField = "allowed_domain_fuzzy"
)

// OrganizationFilter is one operand of an organization search.
type OrganizationFilter struct {
	Field  OrganizationField
	Values []string
}

// OrganizationQuery is an organization search: filters joined by AND
// (default) or OR.
type OrganizationQuery struct {
	Or      bool
	Filters []OrganizationFilter
	Page
}

// OrganizationResult is one page of organizations, oldest first.
type OrganizationResult struct {
	Organizations []Organization
	Total         int
	NextCursor    string // "" on the last page
}

// MemberField names a member search filter.
type MemberField string

// The member search filters (Stytch's filter_name values, and
// member_password_exists).
const (
	MemberByID          MemberField = "member_ids"           // Values
	MemberByEmail       MemberField = "member_emails"        // Values, case-insensitive
	MemberByEmailFuzzy  MemberField = "member_email_fuzzy"   // Values
	MemberByBreakglass  MemberField = "member_is_breakglass" // Bool
	MemberByStatus      MemberField = "statuses"             // Values
	MemberByPhone       MemberField = "member_phone_numbers" // Values
	MemberByPhoneFuzzy  MemberField = "member_phone_number_fuzzy"
	MemberByPasswordSet MemberField = "member_password_exists" // Bool
)

// MemberFilter is one operand of a member search.
type MemberFilter struct {
	Field  MemberField
	Values []string
	Bool   bool
}

// MemberQuery is a member search within some organizations of a project:
// filters joined by AND (default) or OR. Deleted members match only when
// IncludeDeleted is set.
type MemberQuery struct {
	OrganizationIDs []string
	Or              bool
	Filters         []MemberFilter
	IncludeDeleted  bool
	Page
}

// MemberResult is one page of members, oldest first, with the searched
// organizations that exist, by ID.
type MemberResult struct {
	Members       []Member
	Organizations map[string]Organization
	Total         int
	NextCursor    string
}
