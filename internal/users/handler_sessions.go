package users

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// The passwords and sessions routes (§5.2).

// sessionDuration reads session_duration_minutes for SessionOptions:
// absent is 0 (the default). A number out of bounds becomes a negative
// duration rather than overflow, so that the service refuses it, at the
// point of its checks where it always has.
func sessionDuration(m *int64) time.Duration {
	switch {
	case m == nil:
		return 0
	case *m < minSessionMinutes || *m > maxSessionMinutes:
		return -time.Minute
	}
	return time.Duration(*m) * time.Minute
}

// sessionCredentials are the session handles of a request body.
type sessionCredentials struct {
	SessionID    string `json:"session_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

// oneCredential enforces "exactly one" (too_many_session_arguments is
// the Stytch error for two, §2.4).
func oneCredential(c Credentials, what string) error {
	switch c.count() {
	case 0:
		return api.BadRequest("missing_session_arguments", "One of %s is required.", what)
	case 1:
		return nil
	}
	return api.BadRequest("too_many_session_arguments", "Only one of %s may be given.", what)
}

type createPasswordRequest struct {
	Email                  string          `json:"email"`
	Password               string          `json:"password"`
	Name                   *nameRequest    `json:"name"`
	TrustedMetadata        json.RawMessage `json:"trusted_metadata"`
	UntrustedMetadata      json.RawMessage `json:"untrusted_metadata"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
}

type passwordSessionResponse struct {
	api.Meta
	UserID       string       `json:"user_id"`
	EmailID      string       `json:"email_id,omitempty"` // passwords.create only
	SessionToken string       `json:"session_token"`
	SessionJWT   string       `json:"session_jwt"`
	Session      *sessionJSON `json:"session"`
	User         userJSON     `json:"user"`
}

// createPassword is POST /v1/passwords: a new user with email and
// password, signed in.
func (h *Handler) createPassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createPasswordRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	u, out, err := h.Service.CreatePasswordUser(r.Context(), p.ID, NewUser{
		Email: req.Email, Name: (*NameUpdate)(req.Name), TrustedMetadata: req.TrustedMetadata, UntrustedMetadata: req.UntrustedMetadata,
	}, req.Password, SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	writePasswordSession(w, r, u, out, u.Email.ID, store.Now(h.Service.clock))
	return nil
}

func writePasswordSession(w http.ResponseWriter, r *http.Request, u store.User, out Issued, emailID string, now time.Time) {
	s := toSessionJSON(out.Session)
	api.WriteNoStore(w, r, http.StatusOK, &passwordSessionResponse{
		UserID: u.ID, EmailID: emailID, SessionToken: out.Token, SessionJWT: out.JWT, Session: &s, User: toUserJSON(u, now),
	})
}

type authenticatePasswordRequest struct {
	Email                  string          `json:"email"`
	Password               string          `json:"password"`
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
}

// authenticatePassword is POST /v1/passwords/authenticate. With a
// session_token or session_jwt of the same user, that session is extended
// instead of a new one started.
func (h *Handler) authenticatePassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req authenticatePasswordRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if creds.count() > 1 {
		return oneCredential(creds, "session_token or session_jwt")
	}
	u, out, err := h.Service.AuthenticatePassword(r.Context(), p.ID, req.Email, req.Password, h.ClientIP.Addr(r), creds,
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	writePasswordSession(w, r, u, out, "", store.Now(h.Service.clock))
	return nil
}

type authenticateSessionRequest struct {
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
	AuthorizationCheck     *rbac.Check     `json:"authorization_check"`
}

type sessionResponse struct {
	api.Meta
	Session      sessionJSON   `json:"session"`
	SessionToken string        `json:"session_token"`
	SessionJWT   string        `json:"session_jwt"`
	User         userJSON      `json:"user"`
	Verdict      *rbac.Verdict `json:"verdict,omitempty"`
}

// authenticateSession is POST /v1/sessions/authenticate (§5.2): exactly
// one of session_token and session_jwt. A JWT past its exp is accepted
// while its session lives. The response carries a fresh JWT; the token is
// echoed when one was sent (Signet keeps only its hash, so a JWT caller
// gets "").
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
	if req.AuthorizationCheck != nil {
		var err error
		if policy, err = h.policy(r, p, req.AuthorizationCheck); err != nil {
			return err
		}
	}
	u, out, err := h.Service.AuthenticateSession(r.Context(), p.ID, creds,
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	resp := &sessionResponse{
		Session: toSessionJSON(out.Session), SessionToken: out.Token, SessionJWT: out.JWT, User: toUserJSON(u, store.Now(h.Service.clock)),
	}
	if policy != nil {
		// The session is valid; now the user's roles as they are now
		// (stytch_user and those assigned, not those the session started
		// with) must grant the action: 403 otherwise, never a 200 without
		// a verdict.
		c := req.AuthorizationCheck
		granting, err := policy.Authorize(userRoles(u), c.ResourceID, c.Action)
		if err != nil {
			return rbac.CheckError(err, "User")
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
	if c.OrganizationID != "" {
		return nil, api.BadRequest("invalid_authorization_check", "authorization_check.organization_id is for B2B sessions.")
	}
	if h.Policies == nil {
		return nil, api.Errorf(http.StatusNotImplemented, "rbac_not_configured", "This server answers no authorization checks.")
	}
	policy, err := h.Policies.Policy(r.Context(), p)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Authorize(nil, c.ResourceID, c.Action); errors.Is(err, rbac.ErrUnknownResource) || errors.Is(err, rbac.ErrUnknownAction) {
		return nil, rbac.CheckError(err, "User")
	}
	return policy, nil
}

type listSessionsResponse struct {
	api.Meta
	Sessions []sessionJSON `json:"sessions"`
}

// listSessions is GET /v1/sessions?user_id= (§5.2 sessions.get).
func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id := r.URL.Query().Get("user_id")
	if id == "" {
		return api.BadRequest("invalid_user_id", "The user_id query parameter is required.")
	}
	list, err := h.Service.Sessions(r.Context(), p.ID, id)
	if err != nil {
		return err
	}
	resp := &listSessionsResponse{Sessions: make([]sessionJSON, len(list))}
	for i, s := range list {
		resp.Sessions[i] = toSessionJSON(s)
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}

type revokeResponse struct{ api.Meta }

// revokeSession is POST /v1/sessions/revoke with one of session_id,
// session_token, session_jwt (§5.2).
func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req sessionCredentials
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := Credentials(req)
	if err := oneCredential(creds, "session_id, session_token or session_jwt"); err != nil {
		return err
	}
	if err := h.Service.RevokeSession(r.Context(), p.ID, creds); err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &revokeResponse{})
	return nil
}
