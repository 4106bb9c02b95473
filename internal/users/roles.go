package users

import (
	"context"

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// consumerDefault answers for a Service built without Policies (tests):
// the consumer default policy, so that role assignments are still
// checked.
var consumerDefault = rbac.Compile(rbac.Default(rbac.Consumer))

// checkAssignable refuses a role the project's policy does not declare
// (role_not_found, a Signet error type: Stytch names none). A role
// assigned before a policy change removed it stays assigned and grants
// nothing (rbac.Compiled.Authorize); it only cannot be assigned anew.
func (s *Service) checkAssignable(ctx context.Context, projectID string, roles []string) error {
	if len(roles) == 0 {
		return nil
	}
	c := consumerDefault
	if s.policies != nil {
		var err error
		if c, err = s.policies.Policy(ctx, store.Project{ID: projectID, Vertical: store.VerticalConsumer}); err != nil {
			return err
		}
	}
	for _, r := range roles {
		if !c.HasRole(r) {
			return invalid("role_not_found", "%q is not a role of the project's RBAC policy.", r)
		}
	}
	return nil
}

// userRoles are the roles a user holds (rbac.UserRoles): stytch_user,
// then those assigned. Sessions carry them, checks count them, and the
// User object reports them.
func userRoles(u store.User) []string { return rbac.UserRoles(u.Roles) }
