package rbac

import "errors"

// The outcomes of a check other than "authorized".
var (
	// ErrUnknownResource: the check names a resource the policy does not
	// declare (a caller's mistake, not a denial).
	ErrUnknownResource = errors.New("rbac: unknown resource")
	// ErrUnknownAction: the resource does not declare the action.
	ErrUnknownAction = errors.New("rbac: unknown action")
	// ErrDenied: no role (or scope) of the subject grants the action.
	ErrDenied = errors.New("rbac: permission denied")
)

// Compiled is a validated policy indexed for checks: each check is a few
// map lookups per role, whatever the policy's size.
type Compiled struct {
	Policy  Policy
	actions map[string]map[string]bool // resource -> its declared actions
	roles   map[string]grants          // role -> what it grants
	scopes  map[string]grants          // scope -> what it stands for
}

// grants maps a resource to the actions granted on it; a nil set means
// every action (the wildcard).
type grants map[string]map[string]bool

func (g grants) permits(resource, action string) bool {
	set, ok := g[resource]
	return ok && (set == nil || set[action])
}

func compileGrants(perms []Permission) grants {
	g := make(grants, len(perms))
	for _, p := range perms {
		set := make(map[string]bool, len(p.Actions))
		for _, a := range p.Actions {
			if a == Wildcard {
				set = nil
				break
			}
			set[a] = true
		}
		g[p.ResourceID] = set
	}
	return g
}

// Compile indexes p, which must have passed Validate.
func Compile(p Policy) *Compiled {
	c := &Compiled{
		Policy:  p,
		actions: make(map[string]map[string]bool, len(p.Resources)),
		roles:   make(map[string]grants, len(p.Roles)),
		scopes:  make(map[string]grants, len(p.Scopes)),
	}
	for _, r := range p.Resources {
		set := make(map[string]bool, len(r.Actions))
		for _, a := range r.Actions {
			set[a] = true
		}
		c.actions[r.ResourceID] = set
	}
	for _, r := range p.Roles {
		c.roles[r.RoleID] = compileGrants(r.Permissions)
	}
	for _, s := range p.Scopes {
		c.scopes[s.Scope] = compileGrants(s.Permissions)
	}
	return c
}

// known refuses a check of something the policy does not declare.
func (c *Compiled) known(resource, action string) error {
	set, ok := c.actions[resource]
	switch {
	case !ok:
		return ErrUnknownResource
	case !set[action]:
		return ErrUnknownAction
	}
	return nil
}

// Authorize decides whether a subject holding roles may take action on
// resource. Authorized, it returns the roles that grant it, in the order
// given (Stytch's granting_roles); otherwise ErrDenied, or
// ErrUnknownResource / ErrUnknownAction for a check the policy cannot
// answer. Roles the policy does not declare grant nothing.
func (c *Compiled) Authorize(roles []string, resource, action string) ([]string, error) {
	if err := c.known(resource, action); err != nil {
		return nil, err
	}
	var granting []string
	for _, r := range roles {
		if g, ok := c.roles[r]; ok && g.permits(resource, action) {
			granting = append(granting, r)
		}
	}
	if len(granting) == 0 {
		return nil, ErrDenied
	}
	return granting, nil
}

// AuthorizeScopes decides the same for a token holding scopes: some scope
// of the policy among them must stand for the permission (what the SDKs'
// performScopeAuthorizationCheck does). Scopes the policy does not
// declare (openid, email, ...) grant nothing.
func (c *Compiled) AuthorizeScopes(scopes []string, resource, action string) error {
	if err := c.known(resource, action); err != nil {
		return err
	}
	for _, s := range scopes {
		if g, ok := c.scopes[s]; ok && g.permits(resource, action) {
			return nil
		}
	}
	return ErrDenied
}

// IsScope reports whether the policy declares scope.
func (c *Compiled) IsScope(scope string) bool {
	_, ok := c.scopes[scope]
	return ok
}

// ScopeDescription returns the description of a policy scope ("" if the
// policy does not declare it).
func (c *Compiled) ScopeDescription(scope string) string {
	for _, s := range c.Policy.Scopes {
		if s.Scope == scope {
			return s.Description
		}
	}
	return ""
}

// Grantable reports whether a subject holding roles may be given scope:
// for every permission behind the scope, one of the roles must grant each
// of its actions (a wildcard permission needs a wildcard grant, or every
// declared action). A scope the policy does not declare is not the
// policy's to decide: Grantable reports true and the caller applies its
// own rules.
func (c *Compiled) Grantable(roles []string, scope string) bool {
	g, ok := c.scopes[scope]
	if !ok {
		return true
	}
	for resource, set := range g {
		wanted := set
		if wanted == nil {
			wanted = c.actions[resource]
		}
		for action := range wanted {
			if _, err := c.Authorize(roles, resource, action); err != nil {
				return false
			}
		}
	}
	return true
}
