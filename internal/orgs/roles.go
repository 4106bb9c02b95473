package orgs

import (
	"context"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// Policies gives the RBAC policy that answers for an organization's
// members: the project's roles and the organization's own
// (*rbac.Service). Roles are assigned, explicitly or by email domain,
// only when that policy declares them.
type Policies interface {
	PolicyIn(ctx context.Context, p store.Project, orgID string) (*rbac.Compiled, error)
}

// b2bDefault answers for a Service built without Policies (tests): the
// B2B default policy, so that role assignments are still checked.
var b2bDefault = rbac.Compile(rbac.Default(rbac.B2B))

// policyIn is the policy for members of organization orgID.
func (s *Service) policyIn(ctx context.Context, projectID, orgID string) (*rbac.Compiled, error) {
	if s.Policies == nil {
		return b2bDefault, nil
	}
	return s.Policies.PolicyIn(ctx, store.Project{ID: projectID, Vertical: store.VerticalB2B}, orgID)
}

// checkRoles refuses a role the policy for organization orgID does not
// declare (role_not_found, a Signet error type: Stytch names none). A
// role assigned before a policy change removed it stays assigned and
// grants nothing; it only cannot be assigned anew.
func (s *Service) checkRoles(ctx context.Context, projectID, orgID string, roles []string) error {
	if len(roles) == 0 {
		return nil
	}
	if err := api.CheckRoles(roles); err != nil {
		return fromAPI(err)
	}
	c, err := s.policyIn(ctx, projectID, orgID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if !c.HasRole(r) {
			return invalid("role_not_found", "%q is neither a role of the project's RBAC policy nor one of the organization's.", r)
		}
	}
	return nil
}

// checkImplicitRoles checks rbac_email_implicit_role_assignments as
// given: each needs a well-formed domain and a role_id (Stytch's
// invalid_rbac_role_assignment: "Make sure both a domain and role_id are
// included"). It returns them with domains lower-cased and duplicates
// dropped. Whether each role exists is checkRoles' to say.
func checkImplicitRoles(in []store.EmailRole) ([]store.EmailRole, error) {
	if len(in) > maxDomains {
		return nil, invalid("invalid_rbac_role_assignment",
			"rbac_email_implicit_role_assignments may hold at most %d assignments.", maxDomains)
	}
	out := make([]store.EmailRole, 0, len(in))
	for i, a := range in {
		a.Domain = strings.ToLower(strings.TrimSpace(a.Domain))
		switch {
		case a.Domain == "" || a.RoleID == "":
			return nil, invalid("invalid_rbac_role_assignment",
				"rbac_email_implicit_role_assignments[%d] needs both a domain and a role_id.", i)
		case !validDomain(a.Domain):
			return nil, invalid("invalid_rbac_role_assignment",
				"rbac_email_implicit_role_assignments[%d].domain is not a domain name.", i)
		}
		if err := fromAPI(api.CheckRoles([]string{a.RoleID})); err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			dup = dup || o == a
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out, nil
}

// implicitRoleIDs are the role IDs of assignments.
func implicitRoleIDs(l []store.EmailRole) []string {
	out := make([]string, len(l))
	for i, a := range l {
		out[i] = a.RoleID
	}
	return out
}
