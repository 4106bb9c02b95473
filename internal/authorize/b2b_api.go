package authorize

import (
	"context"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/memberauth"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// Members finds a member of an organization by reference (ID, slug or
// external ID for the organization; ID or external ID for the member),
// not deleted (*orgs.Service). Its errors are *orgs.Error.
type Members interface {
	Member(ctx context.Context, projectID, orgRef, memberRef string) (store.Member, store.Organization, error)
}

// MemberSessions finds a live member session by its token or JWT
// (*memberauth.Service), with its member and organization. Its errors are
// memberauth.ErrSessionNotFound and orgs.ErrOrganizationSuspended.
type MemberSessions interface {
	Session(ctx context.Context, projectID string, c memberauth.Credentials) (store.MemberSession, store.Member, store.Organization, error)
}

// B2BAPI serves the B2B twin of the consent API (Stytch's B2B
// idp.oauth), for B2B projects (a consumer project gets
// invalid_b2b_endpoint, package projects):
//
//	POST /v1/b2b/idp/oauth/authorize/start   validate a request: which member, which client, is consent needed
//	POST /v1/b2b/idp/oauth/authorize         record the member's decision and get the redirect with a code
//
// The grantor is a member of an organization instead of a user, named by
// organization_id + member_id or by a member session (session_token or
// session_jwt); everything else is the consumer API's (API): the same
// validation, consent rules, errors and codes. A member's consent is its
// own (per member, so per organization); its policy scopes are narrowed by
// its roles under its organization's policy (the project's roles and the
// organization's custom ones); the tokens its code is exchanged for carry
// sub = member ID and the https://stytch.com/organization claim
// (internal/token).
type B2BAPI struct {
	Auth     *projects.Auth
	Core     *Authorizer
	Members  Members
	Sessions MemberSessions
}

// Mount registers the routes on mux behind project authentication.
func (h *B2BAPI) Mount(mux api.Router) {
	mux.Handle("POST /v1/b2b/idp/oauth/authorize/start", h.Auth.Wrap(h.start))
	mux.Handle("POST /v1/b2b/idp/oauth/authorize", h.Auth.Wrap(h.authorize))
}

// b2bRequest is the body of both calls: the consumer API's fields (but
// user_id) and the member's.
type b2bRequest struct {
	apiRequest
	OrganizationID string `json:"organization_id"`
	MemberID       string `json:"member_id"`
}

type b2bStartResponse struct {
	MemberID        string        `json:"member_id"`
	Member          any           `json:"member"`
	Organization    any           `json:"organization"`
	Client          clientJSON    `json:"client"`
	ConsentRequired bool          `json:"consent_required"`
	ScopeResults    []scopeResult `json:"scope_results"`
	api.Meta
}

func (h *B2BAPI) start(w http.ResponseWriter, r *http.Request, p store.Project) error {
	body, err := h.decode(w, r)
	if err != nil {
		return err
	}
	pre, err := h.Core.preflight(r.Context(), p, body.apiRequest, func(c store.ConnectedApp) (grantor, error) { return h.member(r.Context(), p, c, body) })
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &b2bStartResponse{
		MemberID:        pre.g.Member.ID,
		Member:          orgs.MemberObject(*pre.g.Member, *pre.g.Org),
		Organization:    orgs.OrganizationObject(*pre.g.Org),
		ConsentRequired: pre.consentRequired,
		Client:          pre.client,
		ScopeResults:    pre.scopeResults,
	})
	return nil
}

func (h *B2BAPI) authorize(w http.ResponseWriter, r *http.Request, p store.Project) error {
	body, err := h.decode(w, r)
	if err != nil {
		return err
	}
	resp, err := h.Core.decide(r.Context(), p, body.apiRequest, func(c store.ConnectedApp) (grantor, error) { return h.member(r.Context(), p, c, body) })
	if err != nil {
		return err
	}
	// The body may carry a code: keep it out of caches (RFC 6749 §5.1).
	api.WriteNoStore(w, r, http.StatusOK, resp)
	return nil
}

// decode reads the body; user_id is the consumer API's and refused here.
func (h *B2BAPI) decode(w http.ResponseWriter, r *http.Request) (b2bRequest, error) {
	var body b2bRequest
	if err := api.Decode(w, r, &body); err != nil {
		return body, err
	}
	if body.UserID != "" {
		return body, api.BadRequest("invalid_member_arguments", "user_id is not a B2B field; name the member with organization_id and member_id, session_token or session_jwt.")
	}
	return body, nil
}

// member resolves the body to the member authorizing the request: by
// exactly one of session_token and session_jwt, or by organization_id and
// member_id. organization_id and member_id may come with a session as
// well, and must then be its organization (403 tenancy_mismatch) and its
// member (400 session_member_mismatch), checked rather than ignored. The
// member must be active and its organization not suspended; a session
// links the code to it, and its auth time becomes the code's.
func (h *B2BAPI) member(ctx context.Context, p store.Project, client store.ConnectedApp, body b2bRequest) (grantor, error) {
	var g grantor
	switch {
	case body.SessionToken != "" && body.SessionJWT != "":
		return g, api.BadRequest("invalid_member_arguments", "Exactly one of session_token or session_jwt may be given.")
	case body.SessionToken != "" || body.SessionJWT != "":
		s, m, o, err := h.Sessions.Session(ctx, p.ID, memberauth.Credentials{SessionToken: body.SessionToken, SessionJWT: body.SessionJWT})
		if err != nil {
			return g, memberauth.APIError(err)
		}
		if err := sessionNamed(o, m, body); err != nil {
			return g, err
		}
		g.Member, g.Org, g.MemberSession = &m, &o, &s
	case body.OrganizationID == "" || body.MemberID == "":
		return g, api.BadRequest("invalid_member_arguments",
			"Exactly one of organization_id with member_id, session_token or session_jwt is required.")
	default:
		m, o, err := h.Members.Member(ctx, p.ID, body.OrganizationID, body.MemberID)
		if err != nil {
			return g, orgs.APIError(err)
		}
		if o.Status == orgs.StatusSuspended {
			return g, orgs.APIError(orgs.ErrOrganizationSuspended)
		}
		g.Member, g.Org = &m, &o
	}
	if g.Member.Status != orgs.MemberActive {
		return g, api.Errorf(http.StatusForbidden, "member_not_active",
			"The member is %s; only an active member can authorize an application.", g.Member.Status)
	}
	// The organization's Connected Apps settings (Stytch's
	// first_party_connected_apps_allowed_type and its third-party twin).
	if err := orgs.AllowsConnectedApp(*g.Org, client.ClientID, apps.IsFirstParty(client)); err != nil {
		return g, orgs.APIError(err)
	}
	return g, nil
}

// sessionNamed checks that organization_id and member_id, when given
// beside a session, are its organization's (ID, slug or external ID) and
// its member's (ID or external ID).
func sessionNamed(o store.Organization, m store.Member, body b2bRequest) error {
	if ref := body.OrganizationID; ref != "" && ref != o.ID && ref != o.Slug && (o.ExternalID == "" || ref != o.ExternalID) {
		return api.Errorf(http.StatusForbidden, "tenancy_mismatch", "The session belongs to another organization than organization_id.")
	}
	if ref := body.MemberID; ref != "" && ref != m.ID && (m.ExternalID == "" || ref != m.ExternalID) {
		return memberauth.APIError(memberauth.ErrSessionMemberMismatch)
	}
	return nil
}
