// Package rbac is Stytch's role-based access control: a project's policy
// of resources and their actions, roles granting permissions on them, and
// scopes standing for permissions; its validation as a whole; the checks
// (a subject's roles, a token's scopes) that sessions.authenticate and
// the Connected Apps grant ask; and the policy routes.
//
// The policy has Stytch's shape (the SDKs' RBACPolicy). Every project has
// one: its vertical's default (stytch_user for consumer; stytch_admin and
// stytch_member, over the stytch.organization, stytch.member and
// stytch.self resources, for B2B) until the project sets its own. A
// policy is replaced whole, and only when it is valid throughout: IDs
// present, bounded and unique, every permission naming a declared
// resource and its actions (or the "*" wildcard), no custom resource
// under the reserved stytch prefix, and the default roles kept (they may
// gain permissions). Roles a user or member holds that the policy does
// not declare grant nothing.
//
// A check names a resource and an action; the subject is authorized when
// one of its roles grants that action on that resource, and the verdict
// lists every granting role. Denied is 403 invalid_permissions, the error
// the SDKs' local checks throw, so an app gets the same answer whether
// the SDK checks a JWT locally or asks Signet; a resource or action the
// policy does not declare is 400 (invalid_resource_id, invalid_action),
// never a silent 200.
//
// A subject's roles: a user's are stytch_user and those assigned
// (UserRoles); a member's are stytch_member, those assigned and those its
// organization's rbac_email_implicit_role_assignments give its email
// domain, each with its sources as Stytch's Member.roles reports them
// (MemberRoles, RoleAssignment). Roles are checked against the policy
// when they are assigned (internal/users, internal/orgs); a policy
// change that removes a role still assigned is allowed (Stytch's
// dashboard deletes roles likewise), and the role then grants nothing.
//
// A B2B organization may have its own policy: custom roles (Stytch's
// OrgPolicy) over the project policy's resources, usable by that
// organization's members only. Its role IDs are neither the project's
// nor under the stytch prefix. A member check (over the network, or in
// the SDK, which fetches both policies) uses the project's roles and the
// member's organization's.
//
// Each node caches compiled policies; a change is announced
// (store.TopicRBACPolicy) and every node drops its copy when it hears it,
// with CacheTTL (30 s) as the bound should an announcement be lost. The
// SDKs cache the policy for 5 minutes themselves.
//
// Routes (project authentication; each vertical its own path):
//
//	GET /v1/rbac/policy          the consumer project's policy (Stytch's rbac.policy)
//	PUT /v1/rbac/policy          replace it: {"policy": {...}} (Signet's)
//	GET /v1/b2b/rbac/policy      the B2B project's policy
//	PUT /v1/b2b/rbac/policy      replace it
//	GET /v1/b2b/rbac/organizations/{organization_id}  an organization's custom roles (Stytch's getOrgPolicy)
//	PUT /v1/b2b/rbac/organizations/{organization_id}  replace them: {"org_policy": {"roles": [...]}}
package rbac
