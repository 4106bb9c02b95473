package rbac

import (
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

// The sources of a member's role (Stytch's MemberRoleSource.type,
// types/lib/b2b/organizations.d.ts). Signet has no SSO or SCIM
// connections, so sso_connection, sso_connection_group and
// scim_connection_group never occur.
const (
	// SourceDirect is a role assigned explicitly (members' roles), and
	// stytch_member, which every member holds.
	SourceDirect = "direct_assignment"
	// SourceEmail is a role the organization's
	// rbac_email_implicit_role_assignments give the member's email
	// domain; its details name the domain ({"email_domain": ...}).
	SourceEmail = "email_assignment"
)

// RoleSource is where one of a member's roles comes from (Stytch's
// MemberRoleSource).
type RoleSource struct {
	Type string `json:"type"`
	// Details: {} for a direct assignment, {"email_domain": d} for an
	// email assignment.
	Details map[string]string `json:"details"`
}

// RoleAssignment is one of a member's effective roles with every source that
// gives it (Stytch's MemberRole).
type RoleAssignment struct {
	RoleID  string       `json:"role_id"`
	Sources []RoleSource `json:"sources"`
}

// MemberRoles are the effective roles of a member holding explicit roles,
// with email address email, in an organization whose implicit assignments
// are implicit: stytch_member first (every member's), then the explicit
// roles, then those the email's domain is given, each role once with all
// its sources (a role both assigned and implied lists both). The domain
// is compared case-insensitively and exactly: sub.example.com is not
// example.com, as JIT provisioning matches domains. Roles the policy no
// longer declares are kept (they grant nothing, see Compiled.Authorize)
// so that what is stored stays visible.
func MemberRoles(explicit []string, email string, implicit []store.EmailRole) []RoleAssignment {
	out := []RoleAssignment{{RoleID: MemberRole, Sources: []RoleSource{direct()}}}
	add := func(role string, src RoleSource) {
		for i := range out {
			if out[i].RoleID == role {
				if !slices.ContainsFunc(out[i].Sources, func(s RoleSource) bool { return sameSource(s, src) }) {
					out[i].Sources = append(out[i].Sources, src)
				}
				return
			}
		}
		out = append(out, RoleAssignment{RoleID: role, Sources: []RoleSource{src}})
	}
	for _, r := range explicit {
		add(r, direct())
	}
	if domain := EmailDomain(email); domain != "" {
		for _, a := range implicit {
			if strings.EqualFold(a.Domain, domain) {
				add(a.RoleID, RoleSource{Type: SourceEmail, Details: map[string]string{"email_domain": a.Domain}})
			}
		}
	}
	return out
}

// RoleIDs are the IDs of roles, in order: what checks and session JWTs
// carry.
func RoleIDs(roles []RoleAssignment) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.RoleID
	}
	return out
}

// EffectiveMemberRoles are the IDs of MemberRoles(m's explicit roles, its
// email, o's implicit assignments): what a check of m in o counts.
func EffectiveMemberRoles(m store.Member, o store.Organization) []string {
	return RoleIDs(MemberRoles(m.Roles, m.Email, o.EmailImplicitRoles))
}

// UserRoles are a consumer user's effective roles: stytch_user, which
// every user holds, then those assigned to it, each once.
func UserRoles(explicit []string) []string {
	out := make([]string, 0, len(explicit)+1)
	out = append(out, UserRole)
	for _, r := range explicit {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// EmailDomain is the lower-cased domain of an email address ("" when it
// has none).
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 || i == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

func direct() RoleSource { return RoleSource{Type: SourceDirect, Details: map[string]string{}} }

func sameSource(a, b RoleSource) bool {
	if a.Type != b.Type || len(a.Details) != len(b.Details) {
		return false
	}
	for k, v := range a.Details {
		if b.Details[k] != v {
			return false
		}
	}
	return true
}
