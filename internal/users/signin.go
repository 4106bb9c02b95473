package users

import (
	"context"
	"net/netip"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The hosted authorization page and the consent API (internal/authorize)
// sign users in with the same password check, throttles and sessions as
// the management API, through these methods.

// SignIn checks email and password of a person at client exactly as
// AuthenticatePassword does (the same throttles, counted in the store; a
// dummy hash for unknown emails; activation of a pending user) and starts
// a new session with a password factor lasting d (0: 60 minutes). It
// returns the user and the session with its token, which is not stored
// anywhere (only its peppered hash is).
//
// Errors: ErrBadCredentials for a wrong email or password, ErrThrottled
// for a throttled attempt (whether or not the account exists),
// ErrUserNotFound for a user deleted while signing in, or an internal
// error.
func (s *Service) SignIn(ctx context.Context, projectID, email, password string, client netip.Addr, d time.Duration) (store.User, Issued, error) {
	return s.AuthenticatePassword(ctx, projectID, email, password, client, Credentials{}, SessionOptions{Duration: d})
}

// SessionFromToken returns the live session a session token names, without
// touching it. ErrSessionNotFound for an unknown, expired or revoked one.
func (s *Service) SessionFromToken(ctx context.Context, projectID, token string) (store.Session, error) {
	if token == "" {
		return store.Session{}, ErrSessionNotFound
	}
	return s.find(ctx, projectID, Credentials{SessionToken: token})
}

// SessionFromJWT is SessionFromToken for a session JWT. As in
// AuthenticateSession, a JWT past its exp still names its session while
// the session lives.
func (s *Service) SessionFromJWT(ctx context.Context, projectID, jwt string) (store.Session, error) {
	if jwt == "" {
		return store.Session{}, ErrSessionNotFound
	}
	return s.find(ctx, projectID, Credentials{SessionJWT: jwt})
}

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
