package memberauth

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/store"
)

// ExchangeSession is sessions.exchange: the live session c names (token
// or JWT) is exchanged for a new session of the member with the same
// email address in the organization orgRef names (Stytch: "switch a
// Member's session to another Organization"). The session it came from
// stays as it is. In order, it refuses: an unknown session
// (ErrSessionNotFound) or one whose organization is suspended; an unknown
// target organization; a target with no member of that email
// (member_not_found); what orgs.CanSignIn refuses for the session's
// primary factor (a suspended organization, auth_methods); an invited
// member (member_not_active: Signet accepts no invitation this way); a
// member of the session whose email address is not verified
// (ErrEmailUnverified: a password proves knowledge of one organization's
// member's secret, a verified address is what lets it speak for the same
// person elsewhere, as for discovery's JIT); and an MFA step the target
// needs (ErrMFAUnsupported). A pending member becomes active.
func (s *Service) ExchangeSession(ctx context.Context, projectID string, c Credentials, orgRef string, opts SessionOptions) (Issued, error) {
	if err := opts.check(); err != nil {
		return Issued{}, err
	}
	l, err := s.find(ctx, projectID, c)
	if err != nil {
		return Issued{}, err
	}
	if err := l.usable(); err != nil {
		return Issued{}, err
	}
	m, o, err := s.orgs.MemberByEmail(ctx, projectID, orgRef, l.m.Email)
	if err != nil {
		return Issued{}, err
	}
	factor := primaryFactor(l.sess, l.m)
	if err := orgs.CanSignIn(o, m, factor.Type); err != nil {
		return Issued{}, err
	}
	switch {
	case m.Status == orgs.MemberInvited:
		return Issued{}, ErrMemberNotActive
	case !l.m.EmailVerified && m.ID != l.m.ID:
		return Issued{}, ErrEmailUnverified
	}
	if err := mfaSatisfied(o, m); err != nil {
		return Issued{}, err
	}
	if m, err = s.orgs.Activate(ctx, m); err != nil {
		return Issued{}, err
	}
	return s.startSession(ctx, o, m, factor, orDefault(opts.Duration), opts.CustomClaims)
}

// primaryFactor is the factor the session was started with, which the
// exchanged session carries (its last authentication time kept), or a
// password factor of m if the session has none.
func primaryFactor(sess store.MemberSession, m store.Member) store.Factor {
	if len(sess.Factors) > 0 {
		return sess.Factors[0]
	}
	return passwordFactor(m, sess.StartedAt)
}

type sessionExchangeRequest struct {
	OrganizationID         string          `json:"organization_id"`
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
	Locale                 string          `json:"locale"`
	TelemetryID            string          `json:"telemetry_id"`
}

// exchangeSession is POST /v1/b2b/sessions/exchange
// (B2BSessionsExchangeResponse: a full session, member_authenticated
// true, no intermediate session).
func (h *Handler) exchangeSession(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req sessionExchangeRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.OrganizationID == "" {
		return invalid("invalid_organization_id", "organization_id is required.")
	}
	creds := Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if err := oneCredential(creds, "session_token or session_jwt"); err != nil {
		return err
	}
	out, err := h.Service.ExchangeSession(r.Context(), p.ID, creds, req.OrganizationID,
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	writeAuth(w, r, out)
	return nil
}
