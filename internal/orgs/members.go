package orgs

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Member statuses (Node SDK Member.status).
const (
	MemberActive  = "active"
	MemberInvited = "invited"
	MemberPending = "pending"
	MemberDeleted = "deleted"
)

// MemberStatuses are the statuses a member search may ask for.
var MemberStatuses = []string{MemberActive, MemberInvited, MemberPending, MemberDeleted}

// DefaultRole is the role Stytch gives every member implicitly; it cannot
// be assigned explicitly.
const DefaultRole = "stytch_member"

// MemberFields are a member's fields as a create or an update gives them;
// nil leaves a field as it is. Metadata merges at the top level.
type MemberFields struct {
	Email                              *string
	Name                               *string
	TrustedMetadata, UntrustedMetadata json.RawMessage
	IsBreakglass                       *bool
	MFAPhoneNumber                     *string
	MFAEnrolled                        *bool
	DefaultMFAMethod                   *string
	Roles                              *[]string
	ExternalID                         *string
}

// CreateMember creates a member of the organization that orgRef names,
// active or, if pending, pending. The email is not verified: the member
// has not proved they receive mail there.
func (s *Service) CreateMember(ctx context.Context, projectID, orgRef string, f MemberFields, pending bool) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	if f.Email == nil || *f.Email == "" {
		return store.Member{}, o, invalid("invalid_email", "email_address is required.")
	}
	now := store.Now(s.Now)
	m := store.Member{ID: newID("member"), ProjectID: projectID, OrganizationID: o.ID, Status: MemberActive,
		CreatedAt: now, UpdatedAt: now}
	if pending {
		m.Status = MemberPending
	}
	if err := f.apply(&m, true); err != nil {
		return store.Member{}, o, err
	}
	if err := s.checkRoles(ctx, projectID, o.ID, m.Roles); err != nil {
		return store.Member{}, o, err
	}
	if err := s.Store.CreateMember(ctx, m); err != nil {
		return store.Member{}, o, storeErr(err, ErrOrganizationNotFound)
	}
	return m, o, nil
}

// Member finds a member of the organization by member ID or external ID.
// A member of another organization is not found, whoever asks.
func (s *Service) Member(ctx context.Context, projectID, orgRef, memberRef string) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	m, err := s.member(ctx, o, memberRef)
	return m, o, err
}

func (s *Service) member(ctx context.Context, o store.Organization, ref string) (store.Member, error) {
	if ref == "" {
		return store.Member{}, ErrMemberNotFound
	}
	m, err := s.Store.Member(ctx, o.ProjectID, o.ID, ref)
	if err != nil {
		return store.Member{}, storeErr(err, ErrMemberNotFound)
	}
	return m, nil
}

// MemberByEmail finds the organization's member with this email address.
func (s *Service) MemberByEmail(ctx context.Context, projectID, orgRef, email string) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	m, err := s.Store.MemberByEmail(ctx, projectID, o.ID, email)
	if err != nil {
		return store.Member{}, o, storeErr(err, ErrMemberNotFound)
	}
	return m, o, nil
}

// DangerouslyGetMember finds a member by ID in any organization of the
// project (Stytch's dangerously_get: the caller must check the
// organization is the one it meant). Deleted members only if asked.
func (s *Service) DangerouslyGetMember(ctx context.Context, projectID, memberID string, includeDeleted bool) (store.Member, store.Organization, error) {
	m, err := s.Store.MemberByID(ctx, projectID, memberID)
	if err != nil {
		return store.Member{}, store.Organization{}, storeErr(err, ErrMemberNotFound)
	}
	if m.Status == MemberDeleted && !includeDeleted {
		return store.Member{}, store.Organization{}, ErrMemberNotFound
	}
	o, err := s.Organization(ctx, projectID, m.OrganizationID)
	return m, o, err
}

// UpdateMember applies f to the organization's member. A new email
// address is unverified and clears the member's password, as Stytch
// documents (members.update email_address).
func (s *Service) UpdateMember(ctx context.Context, projectID, orgRef, memberRef string, f MemberFields) (store.Member, store.Organization, error) {
	if f.Roles != nil {
		// Checked before the transaction: the policy may have to be read.
		o, err := s.Organization(ctx, projectID, orgRef)
		if err != nil {
			return store.Member{}, o, err
		}
		if err := s.checkRoles(ctx, projectID, o.ID, *f.Roles); err != nil {
			return store.Member{}, o, err
		}
		orgRef = o.ID
	}
	return s.updateMember(ctx, projectID, orgRef, memberRef, func(m *store.Member) error {
		return f.apply(m, false)
	})
}

// DeleteMemberExternalID removes the member's external ID.
func (s *Service) DeleteMemberExternalID(ctx context.Context, projectID, orgRef, memberRef string) (store.Member, store.Organization, error) {
	none := ""
	return s.UpdateMember(ctx, projectID, orgRef, memberRef, MemberFields{ExternalID: &none})
}

func (s *Service) updateMember(ctx context.Context, projectID, orgRef, memberRef string, fn func(*store.Member) error) (store.Member, store.Organization, error) {
	cur, o, err := s.Member(ctx, projectID, orgRef, memberRef)
	if err != nil {
		return store.Member{}, o, err
	}
	now := store.Now(s.Now)
	m, err := s.Store.UpdateMember(ctx, projectID, o.ID, cur.ID, func(m *store.Member) error {
		if m.Status == MemberDeleted {
			return ErrMemberNotFound // deleted meanwhile
		}
		if err := fn(m); err != nil {
			return err
		}
		m.UpdatedAt = now
		return nil
	})
	if err != nil {
		return store.Member{}, o, storeErr(err, ErrMemberNotFound)
	}
	return m, o, nil
}

// DeleteMember deletes the organization's member: it keeps its record,
// with status deleted, and loses its password, email address and external
// ID (another member may take them). Returns its ID.
func (s *Service) DeleteMember(ctx context.Context, projectID, orgRef, memberRef string) (string, error) {
	m, o, err := s.Member(ctx, projectID, orgRef, memberRef)
	if err != nil {
		return "", err
	}
	if _, err := s.Store.DeleteMember(ctx, projectID, o.ID, m.ID, store.Now(s.Now)); err != nil {
		return "", storeErr(err, ErrMemberNotFound)
	}
	return m.ID, nil
}

// ReactivateMember makes a deleted member active again, if its email
// address was verified and no other member took it meanwhile. It takes
// the member ID only, as Stytch's does.
func (s *Service) ReactivateMember(ctx context.Context, projectID, orgRef, memberID string) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	now := store.Now(s.Now)
	m, err := s.Store.UpdateMember(ctx, projectID, o.ID, memberID, func(m *store.Member) error {
		switch {
		case m.Status != MemberDeleted:
			return ErrNoDeletedMember
		case !m.EmailVerified:
			return ErrEmailUnverifiedForReactivation
		}
		m.Status, m.UpdatedAt = MemberActive, now
		return nil
	})
	var dup *store.DuplicateError
	if errors.As(err, &dup) && dup.Field == "member_email" {
		return store.Member{}, o, ErrReactivationEmailTaken
	}
	if err != nil {
		return store.Member{}, o, storeErr(err, ErrMemberNotFound)
	}
	return m, o, nil
}

// DeleteMemberPassword removes the password with this ID from the
// organization's member that has it.
func (s *Service) DeleteMemberPassword(ctx context.Context, projectID, orgRef, passwordID string) (store.Member, store.Organization, error) {
	o, err := s.Organization(ctx, projectID, orgRef)
	if err != nil {
		return store.Member{}, o, err
	}
	m, err := s.Store.DeleteMemberPassword(ctx, projectID, o.ID, passwordID, store.Now(s.Now))
	if err != nil {
		return store.Member{}, o, storeErr(err, ErrMemberPasswordNotFound)
	}
	return m, o, nil
}

// maxSearchOrganizations bounds the organization_ids of a member search.
const maxSearchOrganizations = 100

// SearchMembers runs a member search across q.OrganizationIDs, every one
// of which must be an organization of the project.
func (s *Service) SearchMembers(ctx context.Context, projectID string, q store.MemberQuery) (store.MemberResult, error) {
	q.OrganizationIDs = dedupe(q.OrganizationIDs)
	switch {
	case len(q.OrganizationIDs) == 0:
		return store.MemberResult{}, invalid("member_search_organization_ids_empty", "organization_ids must name at least one organization.")
	case len(q.OrganizationIDs) > maxSearchOrganizations:
		return store.MemberResult{}, invalid("invalid_request_value", "organization_ids may name at most %d organizations.", maxSearchOrganizations)
	}
	res, err := s.Store.SearchMembers(ctx, projectID, q)
	if errors.Is(err, store.ErrInvalidCursor) {
		return res, invalid("invalid_cursor", "cursor is not one a previous search returned.")
	}
	if err != nil {
		return res, storeErr(err, ErrOrganizationNotFound)
	}
	for _, id := range q.OrganizationIDs {
		if _, ok := res.Organizations[id]; !ok {
			return store.MemberResult{}, refuse(NotFound, ErrOrganizationNotFound.Code, "Organization %s could not be found.", api.Truncate(id))
		}
	}
	return res, nil
}

// apply sets the fields present in f on m and checks them; create says
// whether m is new (metadata is then a whole object, not a merge).
func (f MemberFields) apply(m *store.Member, create bool) error {
	for _, step := range []func(*store.Member) error{f.applyIdentity, f.applyRoles, f.applyMFA} {
		if err := step(m); err != nil {
			return err
		}
	}
	return f.applyMetadata(m, create)
}

// applyIdentity sets the email, name and external ID. A new email is
// unverified and drops the password (Stytch's members.update).
func (f MemberFields) applyIdentity(m *store.Member) error {
	if f.Email != nil {
		if err := api.CheckEmail(*f.Email); err != nil {
			return fromAPI(err)
		}
		if !strings.EqualFold(*f.Email, m.Email) {
			m.EmailVerified, m.Password = false, nil
		}
		m.Email = *f.Email // or a change of case only
	}
	if f.Name != nil {
		if utf8.RuneCountInString(*f.Name) > api.MaxNamePart || !utf8.ValidString(*f.Name) {
			return invalid("invalid_name", "name may have at most %d characters.", api.MaxNamePart)
		}
		m.Name = *f.Name
	}
	if f.ExternalID != nil {
		if *f.ExternalID != "" {
			if err := api.CheckExternalID(*f.ExternalID); err != nil {
				return fromAPI(err)
			}
		}
		m.ExternalID = *f.ExternalID
	}
	return nil
}

// applyMetadata sets (on create) or merges (on update) the metadata.
func (f MemberFields) applyMetadata(m *store.Member, create bool) error {
	var err error
	if create {
		if m.TrustedMetadata, err = api.MetadataObject("trusted_metadata", f.TrustedMetadata); err != nil {
			return fromAPI(err)
		}
		m.UntrustedMetadata, err = api.MetadataObject("untrusted_metadata", f.UntrustedMetadata)
		return fromAPI(err)
	}
	if m.TrustedMetadata, err = api.MergeMetadata("trusted_metadata", m.TrustedMetadata, f.TrustedMetadata); err != nil {
		return fromAPI(err)
	}
	m.UntrustedMetadata, err = api.MergeMetadata("untrusted_metadata", m.UntrustedMetadata, f.UntrustedMetadata)
	return fromAPI(err)
}

// applyRoles sets the explicit roles and the break-glass flag.
func (f MemberFields) applyRoles(m *store.Member) error {
	if f.Roles != nil {
		if err := api.CheckRoles(*f.Roles); err != nil {
			return fromAPI(err)
		}
		if slices.Contains(*f.Roles, DefaultRole) {
			return invalid("cannot_assign_default_rbac_role_id", "%s is every member's role; it cannot be assigned.", DefaultRole)
		}
		m.Roles = dedupe(*f.Roles)
	}
	if f.IsBreakglass != nil {
		m.IsBreakglass = *f.IsBreakglass
	}
	return nil
}

// applyMFA sets the MFA phone number (a new one is unverified), the
// default method and enrollment.
func (f MemberFields) applyMFA(m *store.Member) error {
	if f.MFAPhoneNumber != nil {
		if *f.MFAPhoneNumber != "" {
			if err := api.CheckPhone(*f.MFAPhoneNumber); err != nil {
				return fromAPI(err)
			}
		}
		if *f.MFAPhoneNumber != m.MFAPhoneNumber {
			m.MFAPhoneNumber, m.MFAPhoneNumberVerified = *f.MFAPhoneNumber, false
		}
	}
	if f.DefaultMFAMethod != nil {
		if *f.DefaultMFAMethod != "" && !slices.Contains(mfaMethods, *f.DefaultMFAMethod) {
			return invalid("invalid_mfa_default_method", "default_mfa_method must be sms_otp or totp.")
		}
		m.DefaultMFAMethod = *f.DefaultMFAMethod
	}
	if f.MFAEnrolled != nil {
		m.MFAEnrolled = *f.MFAEnrolled
	}
	return nil
}
