package users

import (
	"context"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

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

// SignInFrom is SignIn recording on the new session what the person's
// browser says it is (userAgent, its User-Agent header, at most
// MaxUserAgent bytes kept), so the person can tell their sessions apart
// on the account page.
func (s *Service) SignInFrom(ctx context.Context, projectID, email, password string, client netip.Addr, d time.Duration, userAgent string) (store.User, Issued, error) {
	return s.AuthenticatePassword(ctx, projectID, email, password, client, Credentials{},
		SessionOptions{Duration: d, UserAgent: trimUserAgent(userAgent)})
}

// MaxUserAgent bounds the User-Agent a session records.
const MaxUserAgent = 512

// trimUserAgent keeps at most MaxUserAgent bytes of valid text.
func trimUserAgent(ua string) string {
	ua = strings.ToValidUTF8(strings.ReplaceAll(ua, "\x00", ""), "")
	for len(ua) > MaxUserAgent {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
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
