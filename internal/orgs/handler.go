package orgs

import (
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// Handler serves the organizations and members routes (doc.go) for B2B
// projects, a thin layer over Service: it decodes, calls, and writes.
type Handler struct {
	Auth *projects.Auth
	Orgs *Service
}

// Mount registers the routes on mux behind project authentication, which
// also refuses them to consumer projects (internal/api, vertical.go).
func (h *Handler) Mount(mux api.Router) {
	const org = "/v1/b2b/organizations/{organization_id}"
	for pattern, fn := range map[string]projects.HandlerFunc{
		"POST /v1/b2b/organizations":                     h.createOrg,
		"POST /v1/b2b/organizations/search":              h.searchOrgs,
		"GET " + org:                                     h.getOrg,
		"PUT " + org:                                     h.updateOrg,
		"DELETE " + org:                                  h.deleteOrg,
		"GET " + org + "/metrics":                        h.metrics,
		"DELETE " + org + "/external_id":                 h.deleteOrgExternalID,
		"POST " + org + "/members":                       h.createMember,
		"GET " + org + "/member":                         h.getMember,
		"PUT " + org + "/members/{member_id}":            h.updateMember,
		"DELETE " + org + "/members/{member_id}":         h.deleteMember,
		"PUT " + org + "/members/{member_id}/reactivate": h.reactivateMember,
		// One pattern for .../members/passwords/{member_password_id} and
		// .../members/{member_id}/external_id: as two, ServeMux would
		// refuse them, since neither is more specific than the other
		// (.../members/passwords/external_id matches both).
		"DELETE " + org + "/members/{member_id}/{action}":               h.deleteMemberPart,
		"POST /v1/b2b/organizations/members/search":                     h.searchMembers,
		"GET /v1/b2b/organizations/members/dangerously_get/{member_id}": h.dangerouslyGetMember,
	} {
		mux.Handle(pattern, h.Auth.Wrap(fn))
	}
}

// orgRequest is the body of organizations.create and update. Settings of
// features Signet does not have (sso_*, scim, oauth tenants,
// claimed_email_domains) are not
// read: Stytch's own would refuse or ignore them for an organization
// without those features, and the response shows what applies.
type orgRequest struct {
	OrganizationName                   *string            `json:"organization_name"`
	OrganizationSlug                   *string            `json:"organization_slug"`
	OrganizationLogoURL                *string            `json:"organization_logo_url"`
	TrustedMetadata                    json.RawMessage    `json:"trusted_metadata"`
	OrganizationExternalID             *string            `json:"organization_external_id"`
	EmailAllowedDomains                *[]string          `json:"email_allowed_domains"`
	EmailJITProvisioning               *string            `json:"email_jit_provisioning"`
	EmailInvites                       *string            `json:"email_invites"`
	AuthMethods                        *string            `json:"auth_methods"`
	AllowedAuthMethods                 *[]string          `json:"allowed_auth_methods"`
	MFAPolicy                          *string            `json:"mfa_policy"`
	MFAMethods                         *string            `json:"mfa_methods"`
	AllowedMFAMethods                  *[]string          `json:"allowed_mfa_methods"`
	FirstPartyConnectedAppsAllowedType *string            `json:"first_party_connected_apps_allowed_type"`
	AllowedFirstPartyConnectedApps     *[]string          `json:"allowed_first_party_connected_apps"`
	ThirdPartyConnectedAppsAllowedType *string            `json:"third_party_connected_apps_allowed_type"`
	AllowedThirdPartyConnectedApps     *[]string          `json:"allowed_third_party_connected_apps"`
	RBACEmailImplicitRoleAssignments   *[]store.EmailRole `json:"rbac_email_implicit_role_assignments"`
	// Status is a Signet extension: "active" or "suspended".
	Status *string `json:"status"`
}

func (r orgRequest) fields() OrganizationFields {
	return OrganizationFields{
		Name: r.OrganizationName, Slug: r.OrganizationSlug, LogoURL: r.OrganizationLogoURL,
		ExternalID: r.OrganizationExternalID, TrustedMetadata: r.TrustedMetadata, Status: r.Status,
		EmailAllowedDomains: r.EmailAllowedDomains, EmailJITProvisioning: r.EmailJITProvisioning,
		EmailInvites: r.EmailInvites, AuthMethods: r.AuthMethods, AllowedAuthMethods: r.AllowedAuthMethods,
		MFAPolicy: r.MFAPolicy, MFAMethods: r.MFAMethods, AllowedMFAMethods: r.AllowedMFAMethods,
		FirstPartyConnectedApps: r.FirstPartyConnectedAppsAllowedType, AllowedFirstPartyConnectedApps: r.AllowedFirstPartyConnectedApps,
		ThirdPartyConnectedApps: r.ThirdPartyConnectedAppsAllowedType, AllowedThirdPartyConnectedApps: r.AllowedThirdPartyConnectedApps,
		EmailImplicitRoles: r.RBACEmailImplicitRoleAssignments,
	}
}

type orgResponse struct {
	api.Meta
	Organization orgJSON `json:"organization"`
}

func (h *Handler) writeOrg(w http.ResponseWriter, r *http.Request, o store.Organization, err error) error {
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &orgResponse{Organization: toOrgJSON(o)})
	return nil
}

// createOrg is POST /v1/b2b/organizations.
func (h *Handler) createOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req orgRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	o, err := h.Orgs.CreateOrganization(r.Context(), p.ID, req.fields())
	return h.writeOrg(w, r, o, err)
}

// getOrg is GET /v1/b2b/organizations/{organization_id}; the path may
// hold the slug or external ID instead.
func (h *Handler) getOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	o, err := h.Orgs.Organization(r.Context(), p.ID, r.PathValue("organization_id"))
	return h.writeOrg(w, r, o, err)
}

// updateOrg is PUT /v1/b2b/organizations/{organization_id}: fields
// present replace stored ones, trusted_metadata merges.
func (h *Handler) updateOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req orgRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	o, err := h.Orgs.UpdateOrganization(r.Context(), p.ID, r.PathValue("organization_id"), req.fields())
	return h.writeOrg(w, r, o, err)
}

// deleteOrgExternalID is DELETE .../{organization_id}/external_id.
func (h *Handler) deleteOrgExternalID(w http.ResponseWriter, r *http.Request, p store.Project) error {
	none := ""
	o, err := h.Orgs.UpdateOrganization(r.Context(), p.ID, r.PathValue("organization_id"), OrganizationFields{ExternalID: &none})
	return h.writeOrg(w, r, o, err)
}

type deleteOrgResponse struct {
	api.Meta
	OrganizationID string `json:"organization_id"`
}

// deleteOrg is DELETE /v1/b2b/organizations/{organization_id}: the
// organization goes with all its members.
func (h *Handler) deleteOrg(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id, err := h.Orgs.DeleteOrganization(r.Context(), p.ID, r.PathValue("organization_id"))
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &deleteOrgResponse{OrganizationID: id})
	return nil
}

type metricsResponse struct {
	api.Meta
	MemberCount int `json:"member_count"`
}

// metrics is GET .../{organization_id}/metrics: the members not deleted.
func (h *Handler) metrics(w http.ResponseWriter, r *http.Request, p store.Project) error {
	n, err := h.Orgs.MemberCount(r.Context(), p.ID, r.PathValue("organization_id"))
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &metricsResponse{MemberCount: n})
	return nil
}

type searchOrgsResponse struct {
	api.Meta
	Organizations   []orgJSON           `json:"organizations"`
	ResultsMetadata api.ResultsMetadata `json:"results_metadata"`
}

// searchOrgs is POST /v1/b2b/organizations/search.
func (h *Handler) searchOrgs(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req api.SearchRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	q, err := parseOrgSearch(req)
	if err != nil {
		return err
	}
	res, err := h.Orgs.SearchOrganizations(r.Context(), p.ID, q)
	if err != nil {
		return APIError(err)
	}
	resp := &searchOrgsResponse{Organizations: make([]orgJSON, len(res.Organizations)),
		ResultsMetadata: api.NewResultsMetadata(res.Total, res.NextCursor)}
	for i, o := range res.Organizations {
		resp.Organizations[i] = toOrgJSON(o)
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}
