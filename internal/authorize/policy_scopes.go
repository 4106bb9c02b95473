package authorize

import (
	"context"
	"slices"

	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Policies gives a project's RBAC policy (*rbac.Service, cached per
// node), whose scopes Connected Apps may request beside Signet's own.
type Policies interface {
	Policy(ctx context.Context, p store.Project) (*rbac.Compiled, error)
	// Cached is the node's fresh copy of a project's policy, if it has one.
	Cached(projectID string) (*rbac.Compiled, bool)
	// PolicyIn is the policy that answers checks in a B2B organization:
	// the project's roles and the organization's own.
	PolicyIn(ctx context.Context, p store.Project, orgID string) (*rbac.Compiled, error)
}

// policyOf returns the RBAC policy of the client's project, or nil when
// the Authorizer has no Policies.
func (a *Authorizer) policyOf(ctx context.Context, projectID string) (*rbac.Compiled, error) {
	if a.Policies == nil {
		return nil, nil
	}
	if c, ok := a.Policies.Cached(projectID); ok {
		return c, nil
	}
	p, err := a.Store.Project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return a.Policies.Policy(ctx, p)
}

// offeredScopes are the requested scopes Signet may grant: its own (in the
// order of Scopes()), then the scopes the project's policy declares, in
// the order asked. Others are dropped (OpenID Connect Core §3.1.2.1).
func offeredScopes(requested []string, policy *rbac.Compiled) []string {
	out := knownScopes(requested)
	if policy == nil {
		return out
	}
	for _, s := range requested {
		if policy.IsScope(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// userRoles are the roles a user holds (rbac.UserRoles): stytch_user,
// which every user has, and those assigned to it, as sessions.authenticate
// counts them.
func userRoles(u store.User) []string { return rbac.UserRoles(u.Roles) }

// StillGrantable keeps, of scopes, those u's roles allow now: a policy
// scope whose permissions the roles no longer all hold is dropped, as
// narrow drops it from a request (the token endpoint asks at each code
// exchange and refresh: token.PolicyScopes).
func (a *Authorizer) StillGrantable(ctx context.Context, projectID string, u store.User, scopes []string) ([]string, error) {
	policy, err := a.policyOf(ctx, projectID)
	if err != nil || policy == nil {
		return scopes, err
	}
	roles := userRoles(u)
	kept := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if policy.Grantable(roles, s) {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

// narrow drops from the request's scopes each policy scope the user's
// roles do not hold every permission of (rbac.Compiled.Grantable), as
// Stytch drops it from the grant: the consent page does not offer it and
// no token carries it. The roles are read now, not when the user signed
// in. When nothing is left to grant, the request fails with invalid_scope
// rather than yield a code for nothing. narrow may be called again: it
// only ever removes.
func (req *authzRequest) narrow(u store.User) error {
	return req.narrowTo(userRoles(u))
}

// memberRoles are the roles a B2B member holds: stytch_member, which
// every member has, and those assigned to it (as its sessions carry them).
func memberRoles(m store.Member) []string {
	roles := []string{rbac.MemberRole}
	for _, r := range m.Roles {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles
}

// narrowFor narrows the request to what the grantor's roles hold: a
// user's, or a member's under its organization's policy (the project's
// roles and the organization's custom roles, rbac.Compiled.WithOrg), the
// rule package rbac applies to the member's sessions. An error that is
// not an *oidc.Error is the policy's read failing.
func (a *Authorizer) narrowFor(ctx context.Context, req *authzRequest, g grantor) error {
	if g.Member == nil {
		return req.narrow(g.User)
	}
	if req.policy != nil && a.Policies != nil {
		p, err := a.Store.Project(ctx, req.Client.ProjectID)
		if err != nil {
			return err
		}
		if req.policy, err = a.Policies.PolicyIn(ctx, p, g.Org.ID); err != nil {
			return err
		}
	}
	return req.narrowTo(memberRoles(*g.Member))
}

// narrowTo is narrow for a subject holding roles.
func (req *authzRequest) narrowTo(roles []string) error {
	if req.policy == nil {
		return nil
	}
	kept := req.Scopes[:0:0]
	for _, s := range req.Scopes {
		if req.policy.Grantable(roles, s) {
			kept = append(kept, s)
		}
	}
	req.Scopes = kept
	if len(kept) == 0 {
		return oidc.NewError(oidc.InvalidScope, "The user may not be granted any of the requested scopes.")
	}
	return nil
}

// describe is the consent page's and the consent API's words for scope:
// Signet's own, or the description the project's policy gives it.
func (req *authzRequest) describe(scope string) string {
	if d, ok := scopeDescriptions[scope]; ok {
		return d
	}
	if req.policy != nil {
		return req.policy.ScopeDescription(scope)
	}
	return ""
}
