package users

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Session lifetimes (§5.2; Stytch docs "Sessions can be between 5 minutes
// and 366 days long").
const (
	minSessionMinutes     = 5
	maxSessionMinutes     = 527040
	defaultSessionMinutes = 60
)

// sessionDuration reads session_duration_minutes: nil (absent) gives 0.
func sessionDuration(m *int64) (time.Duration, error) {
	if m == nil {
		return 0, nil
	}
	if *m < minSessionMinutes || *m > maxSessionMinutes {
		return 0, api.BadRequest("invalid_session_duration",
			"session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	return time.Duration(*m) * time.Minute, nil
}

// checkCustomClaims validates session_custom_claims: a JSON object whose
// keys are not registered claims Signet sets nor in Stytch's namespace.
func checkCustomClaims(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return api.BadRequest("invalid_session_custom_claims", "session_custom_claims must be a JSON object.")
	}
	for k := range m {
		for _, r := range reservedClaims {
			if k == r {
				return api.BadRequest("invalid_session_custom_claims", "session_custom_claims may not set the reserved claim %q.", k)
			}
		}
		if strings.HasPrefix(k, reservedPrefix) {
			return api.BadRequest("invalid_session_custom_claims", "session_custom_claims may not use the reserved namespace %s.", reservedPrefix)
		}
	}
	return nil
}

// mergeClaims applies session_custom_claims to stored claims: top-level
// keys replace, null deletes (as metadata).
func mergeClaims(stored, update json.RawMessage) (json.RawMessage, error) {
	m, err := api.MergeMetadata("session_custom_claims", stored, update)
	var apiErr *api.Error
	if errors.As(err, &apiErr) && apiErr.Type == "invalid_metadata" {
		return nil, api.BadRequest("invalid_session_custom_claims", "%s", apiErr.Message)
	}
	return m, err
}

// issued is a session with the credentials to hand back.
type issued struct {
	session store.Session
	token   string // "" when the caller presented a JWT: only its hash is kept
	jwt     string
}

// startSession creates a session for u proven by factor, lasting d.
func (h *Handler) startSession(ctx context.Context, projectID string, u store.User, factor store.Factor, d time.Duration, claims json.RawMessage) (issued, error) {
	now := h.now()
	custom, err := mergeClaims(nil, claims)
	if err != nil {
		return issued{}, err
	}
	token := secrets.New("")
	s := store.Session{
		ID:             newID("session"),
		ProjectID:      projectID,
		UserID:         u.ID,
		TokenHash:      h.Pepper.Hash(token),
		StartedAt:      now,
		LastAccessedAt: now,
		ExpiresAt:      now.Add(d),
		Factors:        []store.Factor{factor},
		CustomClaims:   custom,
		Roles:          sessionRoles(u),
	}
	if err := h.Store.CreateSession(ctx, s); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return issued{}, errUserNotFound // deleted meanwhile
		}
		return issued{}, api.Internal(err)
	}
	jwt, err := h.mintJWT(ctx, projectID, s, now)
	if err != nil {
		return issued{}, api.Internal(err)
	}
	return issued{session: s, token: token, jwt: jwt}, nil
}

// sessionCredentials names a session by at most one of its handles.
type sessionCredentials struct {
	SessionID    string `json:"session_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

// count is how many handles were given.
func (c sessionCredentials) count() int {
	n := 0
	for _, s := range []string{c.SessionID, c.SessionToken, c.SessionJWT} {
		if s != "" {
			n++
		}
	}
	return n
}

// find loads the live session the credentials name; ErrSessionNotFound
// for anything unknown, expired, revoked or not issued for this project.
func (h *Handler) find(ctx context.Context, projectID string, c sessionCredentials) (store.Session, error) {
	now := h.now()
	var (
		s   store.Session
		err error
	)
	switch {
	case c.SessionToken != "":
		s, err = h.Store.SessionByToken(ctx, projectID, h.Pepper.Hash(c.SessionToken), now)
	case c.SessionJWT != "":
		id, sub, verr := h.verifyJWT(ctx, projectID, c.SessionJWT)
		if errors.Is(verr, errBadJWT) {
			return s, ErrSessionNotFound
		} else if verr != nil {
			return s, api.Internal(verr)
		}
		s, err = h.Store.SessionByID(ctx, projectID, id, now)
		if err == nil && s.UserID != sub {
			return s, ErrSessionNotFound
		}
	default:
		s, err = h.Store.SessionByID(ctx, projectID, c.SessionID, now)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s, ErrSessionNotFound
	case err != nil:
		return s, api.Internal(err)
	}
	return s, nil
}

// extend touches a live session: accessed now, expiring d from now if d
// is set, with claims merged into its custom claims; then mints a JWT.
func (h *Handler) extend(ctx context.Context, projectID string, s store.Session, d time.Duration, claims json.RawMessage) (issued, error) {
	now := h.now()
	var expires time.Time
	if d > 0 {
		expires = now.Add(d)
	}
	var custom json.RawMessage
	if len(claims) > 0 && string(claims) != "null" {
		var err error
		if custom, err = mergeClaims(s.CustomClaims, claims); err != nil {
			return issued{}, err
		}
		if custom == nil {
			custom = json.RawMessage("{}") // all keys deleted; nil would mean "unchanged"
		}
	}
	s, err := h.Store.TouchSession(ctx, projectID, s.ID, now, expires, custom)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return issued{}, ErrSessionNotFound
	case err != nil:
		return issued{}, api.Internal(err)
	}
	jwt, err := h.mintJWT(ctx, projectID, s, now)
	if err != nil {
		return issued{}, api.Internal(err)
	}
	return issued{session: s, jwt: jwt}, nil
}

type authenticateSessionRequest struct {
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
}

type sessionResponse struct {
	api.Meta
	Session      sessionJSON `json:"session"`
	SessionToken string      `json:"session_token"`
	SessionJWT   string      `json:"session_jwt"`
	User         userJSON    `json:"user"`
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
	creds := sessionCredentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if err := oneCredential(creds, "session_token or session_jwt"); err != nil {
		return err
	}
	d, err := sessionDuration(req.SessionDurationMinutes)
	if err != nil {
		return err
	}
	if err := checkCustomClaims(req.SessionCustomClaims); err != nil {
		return err
	}
	s, err := h.find(r.Context(), p.ID, creds)
	if err != nil {
		return err
	}
	out, err := h.extend(r.Context(), p.ID, s, d, req.SessionCustomClaims)
	if err != nil {
		return err
	}
	u, err := h.findUser(r.Context(), p.ID, s.UserID)
	if errors.Is(err, errUserNotFound) {
		return ErrSessionNotFound // the user was deleted meanwhile, and the session with them
	} else if err != nil {
		return err
	}
	api.WriteNoStore(w, r, http.StatusOK, &sessionResponse{
		Session: toSessionJSON(out.session), SessionToken: req.SessionToken, SessionJWT: out.jwt, User: toUserJSON(u, h.now()),
	})
	return nil
}

// oneCredential enforces "exactly one" (too_many_session_arguments is
// the Stytch error for two, §2.4).
func oneCredential(c sessionCredentials, what string) error {
	switch c.count() {
	case 0:
		return api.BadRequest("missing_session_arguments", "One of %s is required.", what)
	case 1:
		return nil
	}
	return api.BadRequest("too_many_session_arguments", "Only one of %s may be given.", what)
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
	u, err := h.findUser(r.Context(), p.ID, id)
	if err != nil {
		return err
	}
	list, err := h.Store.UserSessions(r.Context(), p.ID, u.ID, h.now())
	if err != nil {
		return api.Internal(err)
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
	if err := oneCredential(req, "session_id, session_token or session_jwt"); err != nil {
		return err
	}
	s, err := h.find(r.Context(), p.ID, req)
	if err != nil {
		return err
	}
	switch err := h.Store.RevokeSession(r.Context(), p.ID, s.ID); {
	case errors.Is(err, store.ErrNotFound):
		return ErrSessionNotFound // revoked concurrently
	case err != nil:
		return api.Internal(err)
	}
	api.Write(w, r, http.StatusOK, &revokeResponse{})
	return nil
}
