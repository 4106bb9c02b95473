package orgs

import (
	"context"
	"errors"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// AdminRole is the role discovery's organizations.create gives the
// organization's first member (Stytch: "the Member ... will be granted the
// stytch_admin Role").
const AdminRole = adminRole

// maxDiscovered bounds what Discover returns: one page of the store's
// largest size. An address that belongs to more organizations than this
// sees the oldest of them.
const maxDiscovered = 1000

// Discovered is an organization an email address can enter: its member
// with that address (not deleted), or nil when the organization would
// provision one just in time by the address's domain.
type Discovered struct {
	Organization store.Organization
	Member       *store.Member
}

// Discover lists the active organizations of the project where email is
// a member's address (any status but deleted) and, if jit, also those
// that provision members by the address's domain (JITEligible), oldest
// first. Suspended organizations are left out: nobody can enter them.
func (s *Service) Discover(ctx context.Context, projectID, email string, jit bool) ([]Discovered, error) {
	if err := api.CheckEmail(email); err != nil {
		return nil, fromAPI(err)
	}
	q := store.OrganizationQuery{Or: true, Page: store.Page{Limit: maxDiscovered},
		Filters: []store.OrganizationFilter{{Field: store.OrgByMemberEmail, Values: []string{email}}}}
	if jit {
		q.Filters = append(q.Filters, store.OrganizationFilter{Field: store.OrgByAllowedDomain, Values: []string{emailDomain(email)}})
	}
	found, err := s.Store.SearchOrganizations(ctx, projectID, q)
	if err != nil {
		return nil, storeErr(err, ErrOrganizationNotFound)
	}
	ids := make([]string, 0, len(found.Organizations))
	for _, o := range found.Organizations {
		if o.Status != StatusSuspended {
			ids = append(ids, o.ID)
		}
	}
	members := map[string]store.Member{}
	if len(ids) > 0 {
		ms, err := s.Store.SearchMembers(ctx, projectID, store.MemberQuery{OrganizationIDs: ids, Page: store.Page{Limit: maxDiscovered},
			Filters: []store.MemberFilter{{Field: store.MemberByEmail, Values: []string{email}}}})
		if err != nil {
			return nil, storeErr(err, ErrMemberNotFound)
		}
		for _, m := range ms.Members {
			members[m.OrganizationID] = m
		}
	}
	var out []Discovered
	for _, o := range found.Organizations {
		if o.Status == StatusSuspended {
			continue
		}
		if m, ok := members[o.ID]; ok {
			out = append(out, Discovered{Organization: o, Member: &m})
		} else if jit && JITEligible(o, email) == nil {
			out = append(out, Discovered{Organization: o})
		}
	}
	return out, nil
}

// CreateWithFounder creates an organization from f and makes the holder
// of email, verified by the caller, its first member: active, email
// verified, with the stytch_admin role (discovery's organizations.create).
// check judges the organization as it would be stored before anything is
// written (the caller's sign-in policy: MFA, auth methods); its error is
// returned as is. The two records are written one after the other; if the
// member cannot be written, the organization is deleted again, so nothing
// is left half-made.
func (s *Service) CreateWithFounder(ctx context.Context, projectID string, f OrganizationFields, email string, check func(store.Organization) error) (store.Member, store.Organization, error) {
	if err := api.CheckEmail(email); err != nil {
		return store.Member{}, store.Organization{}, fromAPI(err)
	}
	if f.Name == nil || strings.TrimSpace(*f.Name) == "" {
		return store.Member{}, store.Organization{}, invalid("organization_name_missing", "organization_name is required.")
	}
	// The policy as it will be, judged before the write (the fields'
	// own validation comes with CreateOrganization).
	probe := store.Organization{Status: StatusActive, AuthMethods: AllAllowed, MFAPolicy: MFAOptional}
	if f.Status != nil {
		probe.Status = *f.Status
	}
	if f.AuthMethods != nil {
		probe.AuthMethods = *f.AuthMethods
	}
	if f.AllowedAuthMethods != nil {
		probe.AllowedAuthMethods = *f.AllowedAuthMethods
	}
	if f.MFAPolicy != nil {
		probe.MFAPolicy = *f.MFAPolicy
	}
	if err := check(probe); err != nil {
		return store.Member{}, store.Organization{}, err
	}
	o, err := s.CreateOrganization(ctx, projectID, f)
	if err != nil {
		return store.Member{}, store.Organization{}, err
	}
	now := store.Now(s.Now)
	m := store.Member{ID: newID("member"), ProjectID: projectID, OrganizationID: o.ID, Status: MemberActive,
		Email: email, EmailVerified: true, Roles: []string{AdminRole}, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateMember(ctx, m); err != nil {
		if derr := s.Store.DeleteOrganization(context.WithoutCancel(ctx), projectID, o.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return store.Member{}, store.Organization{}, storeErr(err, ErrOrganizationNotFound)
	}
	return m, o, nil
}

// OrganizationRequest is the JSON of an organization's settings as
// organizations.create reads them; discovery's organizations.create
// embeds it.
type OrganizationRequest = orgRequest

// Fields are the request's settings.
func (r orgRequest) Fields() OrganizationFields { return r.fields() }
