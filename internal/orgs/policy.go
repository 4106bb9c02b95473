package orgs

import (
	"context"
	"slices"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// The organization's policy, as the sign-in code of B2B passwords,
// discovery and sessions asks it. Each check returns nil or the *Error to
// answer with; none reads the store.

// CanSignIn decides whether member m may sign in to organization o with
// method (one of the values of allowed_auth_methods: "password",
// "magic_link", ...). It refuses, in this order: a suspended organization
// (organization_suspended), a member of another organization
// (tenancy_mismatch), a deleted member (member_not_found), and a method
// the organization's auth_methods RESTRICTED leaves out
// (operation_restricted_by_organization_auth_methods) unless the member
// is a break-glass member, whom Stytch lets bypass that setting.
func CanSignIn(o store.Organization, m store.Member, method string) error {
	switch {
	case o.Status == StatusSuspended:
		return ErrOrganizationSuspended
	case m.OrganizationID != o.ID || m.ProjectID != o.ProjectID:
		return ErrTenancyMismatch
	case m.Status == MemberDeleted:
		return ErrMemberNotFound
	case o.AuthMethods == Restricted && !m.IsBreakglass && !slices.Contains(o.AllowedAuthMethods, method):
		return ErrAuthMethodRestricted
	}
	return nil
}

// JITEligible decides whether someone who proved they receive mail at
// email may be made a member of o just in time (Stytch's
// email_jit_provisioning): o must be active, provision by email domain
// (RESTRICTED), and allow the address's domain, compared exactly (a
// subdomain is another domain). Nil means eligible.
func JITEligible(o store.Organization, email string) error {
	switch {
	case o.Status == StatusSuspended:
		return ErrOrganizationSuspended
	case o.EmailJITProvisioning != Restricted:
		return ErrJITNotAllowed
	case !slices.Contains(o.EmailAllowedDomains, emailDomain(email)):
		return ErrEmailNotAllowed
	}
	return nil
}

// ProvisionJIT makes the holder of email an active member of the
// organization orgRef names, if JITEligible allows it; the caller has
// verified the address (a magic link, an OTP, an OAuth provider's
// verified email), so the member's email is verified. Nothing is written
// when it is refused. An email that is already a member's is
// duplicate_member_email: the caller signs that member in instead.
func (s *Service) ProvisionJIT(ctx context.Context, projectID, orgRef, email string) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	if err := api.CheckEmail(email); err != nil {
		return store.Member{}, o, fromAPI(err)
	}
	if err := JITEligible(o, email); err != nil {
		return store.Member{}, o, err
	}
	now := store.Now(s.Now)
	m := store.Member{ID: newID("member"), ProjectID: projectID, OrganizationID: o.ID, Status: MemberActive,
		Email: email, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateMember(ctx, m); err != nil {
		return store.Member{}, o, storeErr(err, ErrOrganizationNotFound)
	}
	return m, o, nil
}

// AllowsConnectedApp decides whether o's members may authorize the
// Connected App clientID (first or third party), by o's settings
// first_party_connected_apps_allowed_type / allowed_first_party_connected_apps
// and their third-party twins: ALL_ALLOWED (or unset) allows any client,
// RESTRICTED those listed, NOT_ALLOWED none. Refused:
// ErrConnectedAppRestricted.
func AllowsConnectedApp(o store.Organization, clientID string, firstParty bool) error {
	kind, listed := o.ThirdPartyConnectedApps, o.AllowedThirdPartyConnectedApps
	if firstParty {
		kind, listed = o.FirstPartyConnectedApps, o.AllowedFirstPartyConnectedApps
	}
	switch {
	case kind == NotAllowed, kind == Restricted && !slices.Contains(listed, clientID):
		return ErrConnectedAppRestricted
	}
	return nil
}
