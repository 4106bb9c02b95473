package rbac

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// Handler serves the policy routes (doc.go).
type Handler struct {
	Auth     *projects.Auth
	Policies *Service
	// Orgs finds a B2B project's organizations (by ID, slug or external
	// ID) for the organization policy routes: orgs.Service.
	Orgs interface {
		Organization(ctx context.Context, projectID, ref string) (store.Organization, error)
	}
	// OrgError writes Orgs' errors in the envelope (orgs.APIError).
	OrgError func(error) error
}

func (h *Handler) organization(r *http.Request, p store.Project) (store.Organization, error) {
	o, err := h.Orgs.Organization(r.Context(), p.ID, r.PathValue("organization_id"))
	if err != nil && h.OrgError != nil {
		err = h.OrgError(err)
	}
	return o, err
}

// Mount registers the routes behind project authentication, which
// refuses each vertical the other's path.
func (h *Handler) Mount(mux api.Router) {
	for _, prefix := range []string{"/v1/rbac/policy", "/v1/b2b/rbac/policy"} {
		mux.Handle("GET "+prefix, h.Auth.Wrap(h.get))
		mux.Handle("PUT "+prefix, h.Auth.Wrap(h.set))
	}
	const org = "/v1/b2b/rbac/organizations/{organization_id}"
	mux.Handle("GET "+org, h.Auth.Wrap(h.getOrg))
	mux.Handle("PUT "+org, h.Auth.Wrap(h.setOrg))
}

type orgPolicyResponse struct {
	api.Meta
	OrgPolicy OrgPolicy `json:"org_policy"`
}

// getOrg is GET /v1/b2b/rbac/organizations/{organization_id} (Stytch's
// rbac.organizations.getOrgPolicy, which the SDKs' local B2B checks
// fetch beside the project policy): the organization's custom roles.
func (h *Handler) getOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	o, err := h.organization(r, p)
	if err != nil {
		return err
	}
	org, err := h.Policies.OrgPolicy(r.Context(), p, o.ID)
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &orgPolicyResponse{OrgPolicy: org})
	return nil
}

type setOrgRequest struct {
	OrgPolicy json.RawMessage `json:"org_policy"`
}

// setOrg is PUT on the same path (Stytch's setOrgPolicy):
// {"org_policy": {"roles": [...]}} replaces the organization's custom
// roles whole, validated against the project policy, or nothing changes
// (invalid_rbac_policy naming the first fault).
func (h *Handler) setOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req setOrgRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	o, err := h.organization(r, p)
	if err != nil {
		return err
	}
	if len(req.OrgPolicy) == 0 {
		return api.BadRequest("invalid_rbac_policy", "org_policy is required.")
	}
	org, err := h.Policies.SetOrgPolicy(r.Context(), p, o.ID, req.OrgPolicy)
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &orgPolicyResponse{OrgPolicy: org})
	return nil
}

type policyResponse struct {
	api.Meta
	Policy Policy `json:"policy"`
}

// get is GET /v1/rbac/policy and /v1/b2b/rbac/policy (Stytch's
// rbac.policy): the project's policy, or its vertical's default.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, p store.Project) error {
	c, err := h.Policies.Policy(r.Context(), p)
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &policyResponse{Policy: c.Policy})
	return nil
}

type setRequest struct {
	Policy json.RawMessage `json:"policy"`
}

// set is PUT on the same paths (Signet's; Stytch edits policies in its
// dashboard): {"policy": {...}} replaces the policy whole, or nothing
// changes and the answer is invalid_rbac_policy naming the first fault.
func (h *Handler) set(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req setRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if len(req.Policy) == 0 {
		return api.BadRequest("invalid_rbac_policy", "policy is required.")
	}
	c, err := h.Policies.SetPolicy(r.Context(), p, req.Policy)
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &policyResponse{Policy: c.Policy})
	return nil
}

// APIError maps the package's errors to the Stytch envelope: a refused
// policy is invalid_rbac_policy; a check's outcomes are those of
// CheckError. Others pass through.
func APIError(err error) error {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return api.BadRequest("invalid_rbac_policy", "The policy is invalid: %s %s.", inv.Field, inv.Message)
	}
	return CheckError(err, "")
}

// CheckError maps the outcome of an authorization_check to what Stytch's
// API answers, with the words the SDKs' local checks use, so a check
// gets the same answer over the network as in the SDK: 403
// invalid_permissions when no role grants it; 400 for a check the policy
// cannot answer. subject is "User" or "Member".
func CheckError(err error, subject string) error {
	if subject == "" {
		subject = "The subject"
	}
	switch {
	case errors.Is(err, ErrDenied):
		return api.Errorf(http.StatusForbidden, "invalid_permissions", "%s does not have permission to perform the requested action.", subject)
	case errors.Is(err, ErrUnknownResource):
		return api.BadRequest("invalid_resource_id", "authorization_check.resource_id is not a resource of the project's RBAC policy.")
	case errors.Is(err, ErrUnknownAction):
		return api.BadRequest("invalid_action", "authorization_check.action is not an action of that resource in the project's RBAC policy.")
	}
	return err
}

// Check is an authorization_check of a sessions.authenticate request.
type Check struct {
	ResourceID     string `json:"resource_id"`
	Action         string `json:"action"`
	OrganizationID string `json:"organization_id,omitempty"` // B2B only
}

// Validate refuses a check without a resource or an action.
func (c *Check) Validate() error {
	if c.ResourceID == "" || c.Action == "" {
		return api.BadRequest("invalid_authorization_check", "authorization_check needs resource_id and action.")
	}
	return nil
}

// Verdict is Stytch's answer to an authorization check that passed.
type Verdict struct {
	Authorized    bool     `json:"authorized"`
	GrantingRoles []string `json:"granting_roles"`
}
