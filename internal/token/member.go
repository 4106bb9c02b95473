package token

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Members reads the B2B member a grant is for, and its organization
// (store.Organizations): a member's grant is a Connected App authorized
// through the B2B consent API (internal/authorize).
type Members interface {
	MemberByID(ctx context.Context, projectID, memberID string) (store.Member, error)
	Organization(ctx context.Context, projectID, ref string) (store.Organization, error)
}

// orgClaim is Stytch's https://stytch.com/organization claim, which B2B
// tokens carry beside sub = the member ID and which the SDKs' B2B
// idp.introspectTokenLocal / introspectTokenNetwork read (and fail
// without).
type orgClaim struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

// OrganizationClaim is the name of orgClaim in tokens and introspection.
const OrganizationClaim = "https://stytch.com/organization"

// errNoSubject: the grant's user, or member, is gone (deleted, its
// organization deleted or suspended, moved to another organization).
var errNoSubject = errors.New("token: the grant's subject no longer exists")

// subject is who a grant's tokens speak for: a user, or a member (with
// its organization).
type subject struct {
	user   store.User
	member *store.Member
	org    *store.Organization
}

// readSubject reads the grant's user or member as it is now. A member is
// gone once deleted, and so is one whose organization is suspended: the
// organization's members may not sign in, so the grants they made issue
// nothing until it is active again. errNoSubject when gone.
func readSubject(ctx context.Context, users Users, members Members, g store.Grant) (subject, error) {
	if g.MemberID == "" {
		u, err := users.User(ctx, g.ProjectID, g.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return subject{}, errNoSubject
		}
		return subject{user: u}, err
	}
	if members == nil {
		return subject{}, fmt.Errorf("token: a member's grant %s, and no Members to read it", g.ID)
	}
	m, err := members.MemberByID(ctx, g.ProjectID, g.MemberID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (m.Status == "deleted" || m.OrganizationID != g.OrganizationID) {
		return subject{}, errNoSubject
	}
	if err != nil {
		return subject{}, err
	}
	o, err := members.Organization(ctx, g.ProjectID, g.OrganizationID)
	if errors.Is(err, store.ErrNotFound) || err == nil && o.Status == "suspended" {
		return subject{}, errNoSubject
	}
	if err != nil {
		return subject{}, err
	}
	return subject{member: &m, org: &o}, nil
}

// id is the sub of the subject's tokens.
func (s subject) id() string {
	if s.member != nil {
		return s.member.ID
	}
	return s.user.ID
}

// orgClaim is the organization claim of a member's tokens, nil for a
// user's.
func (s subject) orgClaim() *orgClaim {
	if s.org == nil {
		return nil
	}
	return &orgClaim{OrganizationID: s.org.ID, Slug: s.org.Slug}
}

// claims are the claims names about the subject. A member has a name, an
// email address and whether it is verified, and updated_at; the other
// claims of a user (given and family names, phone, address, birthdate,
// payment details) it does not have, and they are left out.
func (s subject) claims(names []string, now time.Time) userClaims {
	if s.member == nil {
		return claimsFor(s.user, names, now)
	}
	m := s.member
	var c userClaims
	for _, n := range names {
		switch n {
		case "name":
			c.Name = m.Name
		case "email":
			c.Email = m.Email
		case "email_verified":
			c.EmailVerified = ptr(m.EmailVerified)
		case "updated_at":
			if !m.UpdatedAt.IsZero() {
				c.UpdatedAt = m.UpdatedAt.Unix()
			}
		}
	}
	return c
}
