package memberauth

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

type authenticateSessionRequest struct {
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
	AuthorizationCheck     *rbac.Check     `json:"authorization_check"`
}

type sessionResponse struct {
	api.Meta
	MemberSession memberSessionJSON `json:"member_session"`
	SessionToken  string            `json:"session_token"`
	SessionJWT    string            `json:"session_jwt"`
	Member        any               `json:"member"`
	Organization  any               `json:"organization"`
	Verdict       *rbac.Verdict     `json:"verdict,omitempty"`
}

// authenticateSession is POST /v1/b2b/sessions/authenticate: exactly one
// of session_token and session_jwt. With an authorization_check, the
// session's organization must be the check's (403 tenancy_mismatch) and
// the member's roles must grant the action (403 invalid_permissions):
// never a 200 without a verdict.
func (h *Handler) authenticateSession(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req authenticateSessionRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if err := oneCredential(creds, "session_token or session_jwt"); err != nil {
		return err
	}
	var policy *rbac.Compiled
	if c := req.AuthorizationCheck; c != nil {
		var err error
		if policy, err = h.policy(r, p, c); err != nil {
			return err
		}
	}
	out, err := h.Service.AuthenticateSession(r.Context(), p.ID, creds,
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	resp := &sessionResponse{
		MemberSession: toMemberSessionJSON(out.Session, out.Organization), SessionToken: out.Token, SessionJWT: out.JWT,
		Member: orgs.MemberObject(out.Member, out.Organization), Organization: orgs.OrganizationObject(out.Organization),
	}
	if c := req.AuthorizationCheck; c != nil {
		if c.OrganizationID != out.Organization.ID {
			return orgs.ErrTenancyMismatch
		}
		granting, err := policy.Authorize(sessionRoles(out.Member, out.Organization), c.ResourceID, c.Action)
		if err != nil {
			return rbac.CheckError(err, "Member")
		}
		resp.Verdict = &rbac.Verdict{Authorized: true, GrantingRoles: granting}
	}
	api.WriteNoStore(w, r, http.StatusOK, resp)
	return nil
}

// policy checks an authorization_check's shape and returns the policy to
// answer it with; a check the policy cannot answer is refused before the
// session is touched.
func (h *Handler) policy(r *http.Request, p store.Project, c *rbac.Check) (*rbac.Compiled, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.OrganizationID == "" {
		return nil, api.BadRequest("invalid_authorization_check", "authorization_check.organization_id is required.")
	}
	if h.Policies == nil {
		return nil, api.Errorf(http.StatusNotImplemented, "rbac_not_configured", "This server answers no authorization checks.")
	}
	// The project's roles and the organization's own (Stytch's org
	// policy), as the SDKs' local check combines them; the check's
	// organization is the session's or the answer is tenancy_mismatch.
	policy, err := h.Policies.PolicyIn(r.Context(), p, c.OrganizationID)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Authorize(nil, c.ResourceID, c.Action); errors.Is(err, rbac.ErrUnknownResource) || errors.Is(err, rbac.ErrUnknownAction) {
		return nil, rbac.CheckError(err, "Member")
	}
	return policy, nil
}

type listSessionsResponse struct {
	api.Meta
	MemberSessions []memberSessionJSON `json:"member_sessions"`
}

// listSessions is GET /v1/b2b/sessions?organization_id=&member_id=.
func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, p store.Project) error {
	q := r.URL.Query()
	orgID, memberID := q.Get("organization_id"), q.Get("member_id")
	switch {
	case orgID == "":
		return api.BadRequest("invalid_organization_id", "The organization_id query parameter is required.")
	case memberID == "":
		return api.BadRequest("invalid_member_id", "The member_id query parameter is required.")
	}
	list, o, err := h.Service.Sessions(r.Context(), p.ID, orgID, memberID)
	if err != nil {
		return err
	}
	resp := &listSessionsResponse{MemberSessions: make([]memberSessionJSON, len(list))}
	for i, s := range list {
		resp.MemberSessions[i] = toMemberSessionJSON(s, o)
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}

type revokeRequest struct {
	MemberSessionID string `json:"member_session_id"`
	SessionToken    string `json:"session_token"`
	SessionJWT      string `json:"session_jwt"`
	MemberID        string `json:"member_id"`
}

type revokeResponse struct{ api.Meta }

// revokeSession is POST /v1/b2b/sessions/revoke with exactly one of
// member_session_id, session_token, session_jwt (one session) and
// member_id (every session of the member).
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req revokeRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := Credentials{SessionID: req.MemberSessionID, SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	const what = "member_session_id, session_token, session_jwt or member_id"
	n := creds.Count()
	if req.MemberID != "" {
		n++
	}
	switch {
	case n == 0:
		return api.BadRequest("missing_session_arguments", "One of %s is required.", what)
	case n > 1:
		return api.BadRequest("too_many_session_arguments", "Only one of %s may be given.", what)
	}
	var err error
	if req.MemberID != "" {
		err = h.Service.RevokeMemberSessions(r.Context(), p.ID, req.MemberID)
	} else {
		err = h.Service.RevokeSession(r.Context(), p.ID, creds)
	}
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &revokeResponse{})
	return nil
}
