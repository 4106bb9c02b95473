package memberauth

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// Handler serves the B2B passwords and sessions routes (doc.go) for B2B
// projects, a thin layer over Service.
type Handler struct {
	Auth     *projects.Auth
	Service  *Service
	ClientIP clientip.Resolver
	// Policies answers the authorization_check of sessions.authenticate
	// (nil: every check is refused, never skipped).
	Policies Policies
}

// Policies gives the RBAC policy that answers checks in one of a
// project's organizations (the project's roles and the organization's).
type Policies interface {
	PolicyIn(ctx context.Context, p store.Project, organizationID string) (*rbac.Compiled, error)
}

// Mount registers the routes behind project authentication, which refuses
// them to consumer projects (internal/api, vertical.go).
func (h *Handler) Mount(mux api.Router) {
	for pattern, fn := range map[string]projects.HandlerFunc{
		"POST /v1/b2b/passwords/authenticate":            h.authenticatePassword,
		"POST /v1/b2b/passwords/strength_check":          h.strengthCheck,
		"POST /v1/b2b/passwords/migrate":                 h.migrate,
		"POST /v1/b2b/passwords/existing_password/reset": h.resetExisting,
		"POST /v1/b2b/sessions/authenticate":             h.authenticateSession,
		"GET /v1/b2b/sessions":                           h.listSessions,
		"POST /v1/b2b/sessions/revoke":                   h.revokeSession,
		"POST /v1/b2b/sessions/exchange":                 h.exchangeSession,
	} {
		mux.Handle(pattern, h.Auth.Wrap(func(w http.ResponseWriter, r *http.Request, p store.Project) error {
			if err := fn(w, r, p); err != nil {
				return APIError(err)
			}
			return nil
		}))
	}
}

// sessionDuration reads session_duration_minutes: absent is 0 (the
// default); out of bounds becomes a negative duration the service
// refuses, rather than an overflow.
func sessionDuration(m *int64) time.Duration {
	switch {
	case m == nil:
		return 0
	case *m < minSessionMinutes || *m > maxSessionMinutes:
		return -time.Minute
	}
	return time.Duration(*m) * time.Minute
}

// oneCredential enforces "exactly one" (too_many_session_arguments for
// more, stytch-api.md §2.4).
func oneCredential(c Credentials, what string) error {
	switch c.Count() {
	case 0:
		return api.BadRequest("missing_session_arguments", "One of %s is required.", what)
	case 1:
		return nil
	}
	return api.BadRequest("too_many_session_arguments", "Only one of %s may be given.", what)
}

// authResponse is the body of passwords.authenticate and
// existing_password.reset (B2BPasswordsAuthenticateResponse): always a
// full member session, as Signet has no MFA step yet.
type authResponse struct {
	api.Meta
	MemberID                 string            `json:"member_id"`
	OrganizationID           string            `json:"organization_id"`
	Member                   any               `json:"member"`
	Organization             any               `json:"organization"`
	SessionToken             string            `json:"session_token"`
	SessionJWT               string            `json:"session_jwt"`
	MemberSession            memberSessionJSON `json:"member_session"`
	IntermediateSessionToken string            `json:"intermediate_session_token"`
	MemberAuthenticated      bool              `json:"member_authenticated"`
}

func writeAuth(w http.ResponseWriter, r *http.Request, out Issued) {
	api.WriteNoStore(w, r, http.StatusOK, &authResponse{
		MemberID: out.Member.ID, OrganizationID: out.Organization.ID,
		Member: orgs.MemberObject(out.Member, out.Organization), Organization: orgs.OrganizationObject(out.Organization),
		SessionToken: out.Token, SessionJWT: out.JWT, MemberSession: toMemberSessionJSON(out.Session, out.Organization),
		MemberAuthenticated: true,
	})
}

type authenticatePasswordRequest struct {
	OrganizationID           string          `json:"organization_id"`
	EmailAddress             string          `json:"email_address"`
	Password                 string          `json:"password"`
	SessionToken             string          `json:"session_token"`
	SessionJWT               string          `json:"session_jwt"`
	SessionDurationMinutes   *int64          `json:"session_duration_minutes"`
	SessionCustomClaims      json.RawMessage `json:"session_custom_claims"`
	IntermediateSessionToken string          `json:"intermediate_session_token"`
	Locale                   string          `json:"locale"`
	TelemetryID              string          `json:"telemetry_id"`
}

// authenticatePassword is POST /v1/b2b/passwords/authenticate.
func (h *Handler) authenticatePassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req authenticatePasswordRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.IntermediateSessionToken != "" {
		return api.BadRequest("intermediate_session_unsupported",
			"intermediate_session_token is not supported yet: Signet has no intermediate sessions; sign in without it.")
	}
	creds := Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if creds.Count() > 1 {
		return oneCredential(creds, "session_token or session_jwt")
	}
	if req.OrganizationID == "" {
		return api.BadRequest("invalid_organization_id", "organization_id is required.")
	}
	out, err := h.Service.AuthenticatePassword(r.Context(), p.ID, PasswordSignIn{
		Organization: req.OrganizationID, Email: req.EmailAddress, Password: req.Password, Client: h.ClientIP.Addr(r),
		Existing: creds, Options: SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims},
	})
	if err != nil {
		return err
	}
	writeAuth(w, r, out)
	return nil
}

type resetExistingRequest struct {
	OrganizationID         string          `json:"organization_id"`
	EmailAddress           string          `json:"email_address"`
	ExistingPassword       string          `json:"existing_password"`
	NewPassword            string          `json:"new_password"`
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
	Locale                 string          `json:"locale"`
	TelemetryID            string          `json:"telemetry_id"`
}

// resetExisting is POST /v1/b2b/passwords/existing_password/reset. The
// reset ends every session of the member and starts a new one; a
// session_token or session_jwt must be one of the member's.
func (h *Handler) resetExisting(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req resetExistingRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if creds.Count() > 1 {
		return oneCredential(creds, "session_token or session_jwt")
	}
	if req.OrganizationID == "" {
		return api.BadRequest("invalid_organization_id", "organization_id is required.")
	}
	out, err := h.Service.ResetExistingPassword(r.Context(), p.ID, PasswordReset{
		Organization: req.OrganizationID, Email: req.EmailAddress, Existing: req.ExistingPassword, New: req.NewPassword,
		Client: h.ClientIP.Addr(r), Session: creds, Options: SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims},
	})
	if err != nil {
		return err
	}
	writeAuth(w, r, out)
	return nil
}

type strengthCheckRequest struct {
	Password     string `json:"password"`
	EmailAddress string `json:"email_address"`
}

type strengthCheckResponse struct {
	api.Meta
	ValidPassword           bool         `json:"valid_password"`
	Score                   int          `json:"score"`
	BreachedPassword        bool         `json:"breached_password"`
	StrengthPolicy          string       `json:"strength_policy"`
	BreachDetectionOnCreate bool         `json:"breach_detection_on_create"`
	LUDSFeedback            ludsFeedback `json:"luds_feedback"`
}

type ludsFeedback struct {
	HasLowerCase      bool `json:"has_lower_case"`
	HasUpperCase      bool `json:"has_upper_case"`
	HasDigit          bool `json:"has_digit"`
	HasSymbol         bool `json:"has_symbol"`
	MissingComplexity int  `json:"missing_complexity"`
	MissingCharacters int  `json:"missing_characters"`
}

// strengthCheck is POST /v1/b2b/passwords/strength_check: the consumer
// check's LUDS verdict in the B2B shape (luds_feedback at the top level).
// No breach corpus is consulted.
func (h *Handler) strengthCheck(w http.ResponseWriter, r *http.Request, _ store.Project) error {
	var req strengthCheckRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	s := h.Service.CheckStrength(req.Password, req.EmailAddress)
	l := s.LUDS
	api.Write(w, r, http.StatusOK, &strengthCheckResponse{
		ValidPassword: s.Valid, Score: s.Score, StrengthPolicy: "luds",
		LUDSFeedback: ludsFeedback{HasLowerCase: l.HasLower, HasUpperCase: l.HasUpper, HasDigit: l.HasDigit, HasSymbol: l.HasSymbol,
			MissingComplexity: l.MissingComplexity, MissingCharacters: l.MissingCharacters},
	})
	return nil
}
