package orgs

import (
	"context"
	"errors"

	"github.com/signet-id/signet/internal/store"
)

// ErrPasswordExists refuses a passwords.migrate for a member who has a password
// already. Stytch's migrate "adds an existing password to a Member's email
// that doesn't have a password yet"; Signet refuses rather than overwrite
// a password the member may have changed since the export.
var ErrPasswordExists = refuse(Invalid, "member_password_already_exists",
	"The member already has a password; migrate only adds one to a member without.")

// ImportMember is the member side of passwords.migrate: the member of the
// organization orgRef names with email (f.Email) gets the password pw,
// which another system hashed, and a verified email address (Stytch:
// "This endpoint marks the Member's email address as verified").
//
// A new member is created active with f's fields and the password in one
// store operation; created is then true. An existing member gets f's
// name, metadata (merged), roles and phone number in one update that also
// verifies its email (its external ID is left as it is, as Stytch
// documents), then the password; ErrPasswordExists if it has one.
func (s *Service) ImportMember(ctx context.Context, projectID, orgRef string, f MemberFields, pw store.Password) (m store.Member, o store.Organization, created bool, err error) {
	if f.Email == nil || *f.Email == "" {
		return m, o, false, invalid("invalid_email", "email_address is required.")
	}
	m, o, err = s.MemberByEmail(ctx, projectID, orgRef, *f.Email)
	if f.Roles != nil && (err == nil || errors.Is(err, ErrMemberNotFound)) {
		if err := s.checkRoles(ctx, projectID, o.ID, *f.Roles); err != nil {
			return store.Member{}, o, false, err
		}
	}
	switch {
	case errors.Is(err, ErrMemberNotFound):
		now := store.Now(s.Now)
		m = store.Member{ID: newID("member"), ProjectID: projectID, OrganizationID: o.ID, Status: MemberActive,
			CreatedAt: now, UpdatedAt: now}
		if err := f.apply(&m, true); err != nil {
			return store.Member{}, o, false, err
		}
		m.EmailVerified, m.Password = true, &pw
		if err := s.Store.CreateMember(ctx, m); err != nil {
			return store.Member{}, o, false, storeErr(err, ErrOrganizationNotFound)
		}
		return m, o, true, nil
	case err != nil:
		return m, o, false, err
	}
	f.Email, f.ExternalID = nil, nil
	m, o, err = s.updateMember(ctx, projectID, o.ID, m.ID, func(m *store.Member) error {
		if m.Password != nil {
			return ErrPasswordExists
		}
		m.EmailVerified = true
		return f.apply(m, false)
	})
	if err != nil {
		return m, o, false, err
	}
	if err := s.Store.SetMemberPassword(ctx, projectID, m.ID, pw); err != nil {
		return store.Member{}, o, false, storeErr(err, ErrMemberNotFound)
	}
	m.Password = &pw
	return m, o, false, nil
}

// Activate is what a member's first sign-in does: a pending member
// becomes active, as Stytch activates a pending member when it first
// authenticates. Any other member is returned as it is.
func (s *Service) Activate(ctx context.Context, m store.Member) (store.Member, error) {
	if m.Status != MemberPending {
		return m, nil
	}
	m2, _, err := s.updateMember(ctx, m.ProjectID, m.OrganizationID, m.ID, func(m *store.Member) error {
		if m.Status == MemberPending {
			m.Status = MemberActive
		}
		return nil
	})
	return m2, err
}
