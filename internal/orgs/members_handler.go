package orgs

import (
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// memberRequest is the body of members.create and update.
// preserve_existing_sessions and unlink_email are not read: Signet keeps
// no retired emails, and a member's role change ends no session.
type memberRequest struct {
	EmailAddress          *string         `json:"email_address"`
	Name                  *string         `json:"name"`
	TrustedMetadata       json.RawMessage `json:"trusted_metadata"`
	UntrustedMetadata     json.RawMessage `json:"untrusted_metadata"`
	CreateMemberAsPending bool            `json:"create_member_as_pending"`
	IsBreakglass          *bool           `json:"is_breakglass"`
	MFAPhoneNumber        *string         `json:"mfa_phone_number"`
	MFAEnrolled           *bool           `json:"mfa_enrolled"`
	Roles                 *[]string       `json:"roles"`
	ExternalID            *string         `json:"external_id"`
	DefaultMFAMethod      *string         `json:"default_mfa_method"`
}

func (r memberRequest) fields() MemberFields {
	return MemberFields{
		Email: r.EmailAddress, Name: r.Name, TrustedMetadata: r.TrustedMetadata, UntrustedMetadata: r.UntrustedMetadata,
		IsBreakglass: r.IsBreakglass, MFAPhoneNumber: r.MFAPhoneNumber, MFAEnrolled: r.MFAEnrolled,
		Roles: r.Roles, ExternalID: r.ExternalID, DefaultMFAMethod: r.DefaultMFAMethod,
	}
}

// memberResponse is the answer of most member routes: the member with its
// organization.
type memberResponse struct {
	api.Meta
	MemberID     string     `json:"member_id"`
	Member       memberJSON `json:"member"`
	Organization orgJSON    `json:"organization"`
}

func (h *Handler) writeMember(w http.ResponseWriter, r *http.Request, m store.Member, o store.Organization, err error) error {
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &memberResponse{MemberID: m.ID, Member: toMemberJSON(m, o), Organization: toOrgJSON(o)})
	return nil
}

// createMember is POST .../{organization_id}/members.
func (h *Handler) createMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req memberRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	m, o, err := h.Orgs.CreateMember(r.Context(), p.ID, r.PathValue("organization_id"), req.fields(), req.CreateMemberAsPending)
	return h.writeMember(w, r, m, o, err)
}

// getMember is GET .../{organization_id}/member?member_id= or
// ?email_address=, exactly one of them.
func (h *Handler) getMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	q := r.URL.Query()
	id, email := q.Get("member_id"), q.Get("email_address")
	if (id == "") == (email == "") {
		return api.BadRequest("invalid_member_get_fields", "Give exactly one of member_id and email_address.")
	}
	org := r.PathValue("organization_id")
	var (
		m   store.Member
		o   store.Organization
		err error
	)
	if id != "" {
		m, o, err = h.Orgs.Member(r.Context(), p.ID, org, id)
	} else {
		m, o, err = h.Orgs.MemberByEmail(r.Context(), p.ID, org, email)
	}
	return h.writeMember(w, r, m, o, err)
}

// dangerouslyGetMember is GET
// /v1/b2b/organizations/members/dangerously_get/{member_id}
// [?include_deleted=true].
func (h *Handler) dangerouslyGetMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	includeDeleted := false
	switch v := r.URL.Query().Get("include_deleted"); v {
	case "", "false":
	case "true":
		includeDeleted = true
	default:
		return api.BadRequest("invalid_request_value", "include_deleted must be true or false.")
	}
	m, o, err := h.Orgs.DangerouslyGetMember(r.Context(), p.ID, r.PathValue("member_id"), includeDeleted)
	return h.writeMember(w, r, m, o, err)
}

// updateMember is PUT .../{organization_id}/members/{member_id}.
func (h *Handler) updateMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req memberRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	m, o, err := h.Orgs.UpdateMember(r.Context(), p.ID, r.PathValue("organization_id"), r.PathValue("member_id"), req.fields())
	return h.writeMember(w, r, m, o, err)
}

type deleteMemberResponse struct {
	api.Meta
	MemberID string `json:"member_id"`
}

// deleteMember is DELETE .../{organization_id}/members/{member_id}.
func (h *Handler) deleteMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id, err := h.Orgs.DeleteMember(r.Context(), p.ID, r.PathValue("organization_id"), r.PathValue("member_id"))
	if err != nil {
		return APIError(err)
	}
	api.Write(w, r, http.StatusOK, &deleteMemberResponse{MemberID: id})
	return nil
}

// reactivateMember is PUT .../{organization_id}/members/{member_id}/reactivate.
func (h *Handler) reactivateMember(w http.ResponseWriter, r *http.Request, p store.Project) error {
	m, o, err := h.Orgs.ReactivateMember(r.Context(), p.ID, r.PathValue("organization_id"), r.PathValue("member_id"))
	return h.writeMember(w, r, m, o, err)
}

// deleteMemberPart is DELETE .../members/passwords/{member_password_id}
// and DELETE .../members/{member_id}/external_id (see Mount). A member
// whose external ID is "passwords" is reached by its member ID here.
func (h *Handler) deleteMemberPart(w http.ResponseWriter, r *http.Request, p store.Project) error {
	org, first, second := r.PathValue("organization_id"), r.PathValue("member_id"), r.PathValue("action")
	var (
		m   store.Member
		o   store.Organization
		err error
	)
	switch {
	case first == "passwords":
		m, o, err = h.Orgs.DeleteMemberPassword(r.Context(), p.ID, org, second)
	case second == "external_id":
		m, o, err = h.Orgs.DeleteMemberExternalID(r.Context(), p.ID, org, first)
	default:
		return api.ErrNotFound
	}
	return h.writeMember(w, r, m, o, err)
}

// searchMembersRequest is members.search: a search within organizations.
type searchMembersRequest struct {
	api.SearchRequest
	OrganizationIDs []string `json:"organization_ids"`
}

type searchMembersResponse struct {
	api.Meta
	Members         []memberJSON        `json:"members"`
	ResultsMetadata api.ResultsMetadata `json:"results_metadata"`
	// Organizations are the organizations of the members on this page.
	Organizations map[string]orgJSON `json:"organizations"`
}

// searchMembers is POST /v1/b2b/organizations/members/search.
func (h *Handler) searchMembers(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req searchMembersRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	q, err := parseMemberSearch(req.SearchRequest)
	if err != nil {
		return err
	}
	q.OrganizationIDs = req.OrganizationIDs
	res, err := h.Orgs.SearchMembers(r.Context(), p.ID, q)
	if err != nil {
		return APIError(err)
	}
	resp := &searchMembersResponse{Members: make([]memberJSON, len(res.Members)),
		ResultsMetadata: api.NewResultsMetadata(res.Total, res.NextCursor), Organizations: map[string]orgJSON{}}
	for i, m := range res.Members {
		resp.Members[i] = toMemberJSON(m, res.Organizations[m.OrganizationID])
		if _, ok := resp.Organizations[m.OrganizationID]; !ok {
			resp.Organizations[m.OrganizationID] = toOrgJSON(res.Organizations[m.OrganizationID])
		}
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}
