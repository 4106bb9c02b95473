package rbac

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Policy is a project's RBAC policy in Stytch's shape (the SDKs'
// RBACPolicy): resources with their actions, roles granting permissions
// on them, and scopes (for Connected Apps and M2M tokens) mapped to
// permissions.
type Policy struct {
	Roles     []Role     `json:"roles"`
	Resources []Resource `json:"resources"`
	Scopes    []Scope    `json:"scopes"`
}

// Resource is something of the application's that actions are taken on.
type Resource struct {
	ResourceID  string   `json:"resource_id"`
	Description string   `json:"description"`
	Actions     []string `json:"actions"`
}

// Role is a named set of permissions.
type Role struct {
	RoleID      string       `json:"role_id"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Scope is an OAuth scope that stands for a set of permissions.
type Scope struct {
	Scope       string       `json:"scope"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Permission grants actions on one resource; the action "*" grants every
// action of the resource.
type Permission struct {
	ResourceID string   `json:"resource_id"`
	Actions    []string `json:"actions"`
}

// Wildcard is the action that grants every action of a resource.
const Wildcard = "*"

// The vertical of a project decides its default roles.
const (
	Consumer = "consumer"
	B2B      = "b2b"
)

// The default roles (Stytch's): every user holds UserRole, every member
// MemberRole; AdminRole is B2B's administrator. They exist in every
// policy and cannot be removed, only given more permissions.
const (
	UserRole   = "stytch_user"
	MemberRole = "stytch_member"
	AdminRole  = "stytch_admin"
)

// Limits on a policy, so that one document cannot make every check slow.
const (
	MaxEntries     = 500 // resources, roles or scopes, each
	MaxPermissions = 100 // per role or scope
	MaxActions     = 100 // per resource or permission
	MaxID          = 128 // bytes of an ID, action or scope
	MaxDescription = 1024
	MaxDocument    = 1 << 20
)

// Default returns the policy a project of vertical starts with: the
// default roles and, for B2B, the stytch.* resources they govern.
func Default(vertical string) Policy {
	if vertical != B2B {
		return Policy{
			Roles:     []Role{{RoleID: UserRole, Description: "Granted to every user.", Permissions: []Permission{}}},
			Resources: []Resource{},
			Scopes:    []Scope{},
		}
	}
	return Policy{
		Roles: []Role{
			{RoleID: AdminRole, Description: "Granted to organization administrators.", Permissions: []Permission{
				{ResourceID: "stytch.organization", Actions: []string{Wildcard}},
				{ResourceID: "stytch.member", Actions: []string{Wildcard}},
				{ResourceID: "stytch.self", Actions: []string{Wildcard}},
			}},
			{RoleID: MemberRole, Description: "Granted to every member.", Permissions: []Permission{
				{ResourceID: "stytch.self", Actions: []string{Wildcard}},
			}},
		},
		Resources: []Resource{
			{ResourceID: "stytch.organization", Description: "The member's organization.",
				Actions: []string{"update.info.name", "update.info.slug", "update.info.logo-url", "update.settings", "delete"}},
			{ResourceID: "stytch.member", Description: "The organization's members.",
				Actions: []string{"create", "search", "update.info.name", "update.info.roles", "update.settings", "delete"}},
			{ResourceID: "stytch.self", Description: "The member's own record.",
				Actions: []string{"update.info.name", "update.info.untrusted-metadata", "update.settings", "revoke-sessions"}},
		},
		Scopes: []Scope{},
	}
}

// DefaultRoles are the roles of vertical that a policy must keep.
func DefaultRoles(vertical string) []string {
	if vertical == B2B {
		return []string{AdminRole, MemberRole}
	}
	return []string{UserRole}
}

// InvalidError says what is wrong with a policy document; Field names the
// place (roles[2].permissions[0].resource_id, ...).
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Parse reads a policy document strictly (unknown fields, trailing data,
// missing lists and documents over MaxDocument are errors) and validates
// it for a project of vertical. Nothing of a refused document is kept:
// the caller stores a policy only when Parse returned no error.
func Parse(doc []byte, vertical string) (Policy, error) {
	if len(doc) > MaxDocument {
		return Policy{}, invalid("policy", "is larger than %d bytes", MaxDocument)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return Policy{}, invalid("policy", "is not a policy document: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Policy{}, invalid("policy", "has data after the document")
	}
	if err := p.Validate(vertical); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Validate checks the policy as a whole: IDs present, bounded and unique;
// every permission names a known resource and actions of it (or "*");
// custom resources do not use the reserved stytch prefix; the default
// roles of vertical are all there.
func (p Policy) Validate(vertical string) error {
	if p.Roles == nil || p.Resources == nil || p.Scopes == nil {
		return invalid("policy", "must have roles, resources and scopes (empty lists allowed)")
	}
	if err := counts(p); err != nil {
		return err
	}
	actions, err := checkResources(p.Resources, vertical)
	if err != nil {
		return err
	}
	if err := checkRoles(p.Roles, actions, vertical); err != nil {
		return err
	}
	return checkScopes(p.Scopes, actions)
}

// checkResources checks the resources and returns each one's actions.
func checkResources(resources []Resource, vertical string) (map[string][]string, error) {
	actions := make(map[string][]string, len(resources))
	for i, r := range resources {
		field := fmt.Sprintf("resources[%d]", i)
		if err := checkID(field+".resource_id", r.ResourceID); err != nil {
			return nil, err
		}
		if _, dup := actions[r.ResourceID]; dup {
			return nil, invalid(field+".resource_id", "%q is declared twice", r.ResourceID)
		}
		if strings.HasPrefix(r.ResourceID, "stytch") && !isDefaultResource(vertical, r.ResourceID) {
			return nil, invalid(field+".resource_id", "%q: the stytch prefix is reserved for Stytch's own resources", r.ResourceID)
		}
		if err := checkActions(field+".actions", r.Actions, false); err != nil {
			return nil, err
		}
		if err := checkDescription(field+".description", r.Description); err != nil {
			return nil, err
		}
		actions[r.ResourceID] = r.Actions
	}
	return actions, nil
}

// checkRoles checks the roles against the resources, and that the
// vertical's default roles are all there.
func checkRoles(roles []Role, actions map[string][]string, vertical string) error {
	seen := make(map[string]bool, len(roles))
	for i, r := range roles {
		field := fmt.Sprintf("roles[%d]", i)
		if err := checkID(field+".role_id", r.RoleID); err != nil {
			return err
		}
		if seen[r.RoleID] {
			return invalid(field+".role_id", "%q is declared twice", r.RoleID)
		}
		seen[r.RoleID] = true
		if err := checkGrant(field, r.Description, r.Permissions, actions); err != nil {
			return err
		}
	}
	for _, d := range DefaultRoles(vertical) {
		if !seen[d] {
			return invalid("roles", "the default role %q cannot be removed", d)
		}
	}
	return nil
}

// checkScopes checks the scopes against the resources.
func checkScopes(scopes []Scope, actions map[string][]string) error {
	seen := make(map[string]bool, len(scopes))
	for i, s := range scopes {
		field := fmt.Sprintf("scopes[%d]", i)
		if err := checkScope(field+".scope", s.Scope); err != nil {
			return err
		}
		if seen[s.Scope] {
			return invalid(field+".scope", "%q is declared twice", s.Scope)
		}
		seen[s.Scope] = true
		if err := checkGrant(field, s.Description, s.Permissions, actions); err != nil {
			return err
		}
	}
	return nil
}

func counts(p Policy) error {
	switch {
	case len(p.Roles) > MaxEntries:
		return invalid("roles", "at most %d roles", MaxEntries)
	case len(p.Resources) > MaxEntries:
		return invalid("resources", "at most %d resources", MaxEntries)
	case len(p.Scopes) > MaxEntries:
		return invalid("scopes", "at most %d scopes", MaxEntries)
	}
	return nil
}

// isDefaultResource reports whether id is one of the stytch.* resources
// vertical's default policy declares (a policy may restate them).
func isDefaultResource(vertical, id string) bool {
	return slices.ContainsFunc(Default(vertical).Resources, func(r Resource) bool { return r.ResourceID == id })
}

// checkGrant checks a role's or scope's description and permissions
// against the declared resources.
func checkGrant(field, description string, perms []Permission, actions map[string][]string) error {
	if err := checkDescription(field+".description", description); err != nil {
		return err
	}
	if perms == nil {
		return invalid(field+".permissions", "is required (an empty list allowed)")
	}
	if len(perms) > MaxPermissions {
		return invalid(field+".permissions", "at most %d permissions", MaxPermissions)
	}
	seen := make(map[string]bool, len(perms))
	for j, perm := range perms {
		pf := fmt.Sprintf("%s.permissions[%d]", field, j)
		declared, ok := actions[perm.ResourceID]
		if !ok {
			return invalid(pf+".resource_id", "%q is not a resource of the policy", perm.ResourceID)
		}
		if seen[perm.ResourceID] {
			return invalid(pf+".resource_id", "%q has two permissions; merge their actions", perm.ResourceID)
		}
		seen[perm.ResourceID] = true
		if err := checkActions(pf+".actions", perm.Actions, true); err != nil {
			return err
		}
		for _, a := range perm.Actions {
			if a != Wildcard && !slices.Contains(declared, a) {
				return invalid(pf+".actions", "%q is not an action of resource %q", a, perm.ResourceID)
			}
		}
	}
	return nil
}

func checkActions(field string, actions []string, wildcard bool) error {
	if len(actions) == 0 {
		return invalid(field, "must name at least one action")
	}
	if len(actions) > MaxActions {
		return invalid(field, "at most %d actions", MaxActions)
	}
	for i, a := range actions {
		if a == Wildcard && !wildcard {
			return invalid(field, "a resource declares its actions; %q is for permissions", Wildcard)
		}
		if err := checkID(field, a); err != nil {
			return err
		}
		if slices.Contains(actions[:i], a) {
			return invalid(field, "%q is listed twice", a)
		}
	}
	return nil
}

// checkID allows printable ASCII without spaces, as Stytch's IDs and
// actions are (documents, update.info.name, ...).
func checkID(field, id string) error {
	if id == "" || len(id) > MaxID {
		return invalid(field, "must be 1 to %d characters", MaxID)
	}
	for _, c := range []byte(id) {
		if c <= ' ' || c >= 0x7f {
			return invalid(field, "%q: only printable ASCII without spaces", id)
		}
	}
	return nil
}

// checkScope allows the characters of an OAuth scope token (RFC 6749
// §3.3: %x21 / %x23-5B / %x5D-7E).
func checkScope(field, s string) error {
	if err := checkID(field, s); err != nil {
		return err
	}
	if strings.ContainsAny(s, `"\`) {
		return invalid(field, "%q: a scope cannot contain a quote or a backslash (RFC 6749 §3.3)", s)
	}
	return nil
}

func checkDescription(field, d string) error {
	if len(d) > MaxDescription {
		return invalid(field, "at most %d bytes", MaxDescription)
	}
	return nil
}
