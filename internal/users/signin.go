package users

import (
	"context"
	"net/netip"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The hosted authorization page (internal/authorize) signs users in with
// the same password check, throttles and sessions as the API.
// These methods are its whole view of this package; they work once Mount
// has filled the handler's defaults.

// SignIn checks email and password of a person at client exactly as POST
// /v1/passwords/authenticate does (the same throttles, counted in the
// store; a dummy hash for unknown emails; activation of a pending user)
// and starts a new session with a password factor lasting d (0: 60
// minutes). It returns the user, the session and the session token, which
// is not stored anywhere (only its peppered hash is).
//
// Errors are *api.Error values: api.ErrUnauthorized for a wrong email or
// password, api.ErrTooMany for a throttled attempt (whether or not the
// account exists), or an internal error.
func (h *Handler) SignIn(ctx context.Context, projectID, email, password string, client netip.Addr, d time.Duration) (store.User, store.Session, string, error) {
	u, err := h.passwordUser(ctx, projectID, email, password, client)
	if err != nil {
		return store.User{}, store.Session{}, "", err
	}
	out, err := h.startSession(ctx, projectID, u, passwordFactor(u, h.now()), orDefault(d), nil)
	if err != nil {
		return store.User{}, store.Session{}, "", err
	}
	return u, out.session, out.token, nil
}

// SessionFromToken returns the live session a session token names, without
// touching it. ErrSessionNotFound for an unknown, expired or revoked one.
func (h *Handler) SessionFromToken(ctx context.Context, projectID, token string) (store.Session, error) {
	if token == "" {
		return store.Session{}, ErrSessionNotFound
	}
	return h.find(ctx, projectID, sessionCredentials{SessionToken: token})
}

// SessionFromJWT is SessionFromToken for a session JWT. As in
// sessions/authenticate, a JWT past its exp still names its session while
// the session lives.
func (h *Handler) SessionFromJWT(ctx context.Context, projectID, jwt string) (store.Session, error) {
	if jwt == "" {
		return store.Session{}, ErrSessionNotFound
	}
	return h.find(ctx, projectID, sessionCredentials{SessionJWT: jwt})
}

// UserJSON is u as the Stytch User object (stytch-api.md §5.1), for
// responses of other packages that embed a user.
func (h *Handler) UserJSON(u store.User) any { return toUserJSON(u, h.now()) }

// AuthTime is when the session's user last authenticated (OpenID Connect
// Core §2 auth_time): the latest factor's time, or the session's start.
func AuthTime(s store.Session) time.Time {
	t := s.StartedAt
	for _, f := range s.Factors {
		if f.LastAuthenticatedAt.After(t) {
			t = f.LastAuthenticatedAt
		}
	}
	return t
}
