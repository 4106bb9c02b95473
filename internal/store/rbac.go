package store

import (
	"context"
	"encoding/json"
	"time"
)

// RBACPolicyRecord is a project's RBAC policy document (Stytch's shape;
// internal/rbac owns its meaning and validates it before it is stored),
// or, with an OrganizationID, the custom roles of one B2B organization.
type RBACPolicyRecord struct {
	ProjectID string
	// OrganizationID is "" for the project's policy.
	OrganizationID string
	Document       json.RawMessage
	UpdatedAt      time.Time
}

// RBACPolicies keeps RBAC policies.
type RBACPolicies interface {
	// RBACPolicy returns the policy of a project (organizationID "") or
	// of one of its organizations, or ErrNotFound when none was ever set
	// (the caller's default applies).
	RBACPolicy(ctx context.Context, projectID, organizationID string) (RBACPolicyRecord, error)
	// SetRBACPolicy replaces the policy whole, in one statement. It
	// announces TopicRBACPolicy with the project ID.
	SetRBACPolicy(ctx context.Context, p RBACPolicyRecord) error
}
