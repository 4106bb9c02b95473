package rbac

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// OrgPolicy is a B2B organization's own policy (Stytch's OrgPolicy):
// custom roles usable in that organization only, granting permissions on
// the project policy's resources.
type OrgPolicy struct {
	Roles []Role `json:"roles"`
}

// ParseOrg reads an organization's policy strictly and validates it
// against the project's policy c: role IDs present, bounded and unique,
// none of them a project role (a role ID means one thing in an
// organization) nor under the reserved stytch prefix, every permission
// naming a resource of the project policy and actions of it (or "*").
// Nothing of a refused document is kept.
func ParseOrg(doc []byte, c *Compiled) (OrgPolicy, error) {
	if len(doc) > MaxDocument {
		return OrgPolicy{}, invalid("org_policy", "is larger than %d bytes", MaxDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p OrgPolicy
	if err := dec.Decode(&p); err != nil {
		return OrgPolicy{}, invalid("org_policy", "is not an organization policy: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return OrgPolicy{}, invalid("org_policy", "has data after the document")
	}
	if err := p.Validate(c); err != nil {
		return OrgPolicy{}, err
	}
	return p, nil
}

// Validate checks an organization's policy against the project's.
func (p OrgPolicy) Validate(c *Compiled) error {
	if p.Roles == nil {
		return invalid("org_policy.roles", "is required (an empty list allowed)")
	}
	if len(p.Roles) > MaxEntries {
		return invalid("org_policy.roles", "at most %d roles", MaxEntries)
	}
	actions := make(map[string][]string, len(c.Policy.Resources))
	for _, r := range c.Policy.Resources {
		actions[r.ResourceID] = r.Actions
	}
	seen := make(map[string]bool, len(p.Roles))
	for i, r := range p.Roles {
		field := fmt.Sprintf("org_policy.roles[%d]", i)
		if err := checkID(field+".role_id", r.RoleID); err != nil {
			return err
		}
		if seen[r.RoleID] {
			return invalid(field+".role_id", "%q is declared twice", r.RoleID)
		}
		seen[r.RoleID] = true
		if _, ok := c.roles[r.RoleID]; ok {
			return invalid(field+".role_id", "%q is a role of the project policy", r.RoleID)
		}
		if strings.HasPrefix(r.RoleID, "stytch") {
			return invalid(field+".role_id", "%q: the stytch prefix is reserved for Stytch's own roles", r.RoleID)
		}
		if err := checkGrant(field, r.Description, r.Permissions, actions); err != nil {
			return err
		}
	}
	return nil
}

// WithOrg returns the policy that answers checks in an organization: the
// project's roles and the organization's own. An organization role that
// names a resource or action the project policy no longer declares
// grants nothing of it (checks of undeclared things are refused first).
func (c *Compiled) WithOrg(org OrgPolicy) *Compiled {
	if len(org.Roles) == 0 {
		return c
	}
	out := *c
	out.roles = make(map[string]grants, len(c.roles)+len(org.Roles))
	for id, g := range c.roles {
		out.roles[id] = g
	}
	for _, r := range org.Roles {
		if _, ok := out.roles[r.RoleID]; !ok { // project roles win (Validate refuses the clash)
			out.roles[r.RoleID] = compileGrants(r.Permissions)
		}
	}
	return &out
}

// HasRole reports whether the policy declares role (the organization's
// roles included, for a policy from WithOrg).
func (c *Compiled) HasRole(role string) bool {
	_, ok := c.roles[role]
	return ok
}
