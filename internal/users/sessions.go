package users

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/audit"
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

// SessionOptions shape the session a sign-in starts or extends.
type SessionOptions struct {
	// Duration is how long a new session lasts (0: 60 minutes), or how
	// long from now an extended one lasts (0: its expiry is unchanged).
	// It is between 5 minutes and 366 days.
	Duration time.Duration
	// CustomClaims is a JSON object of claims for the session JWT, merged
	// at the top level into the session's own (a null value deletes one).
	// Registered claims and Stytch's namespace are refused.
	CustomClaims json.RawMessage
	// UserAgent is what the person's browser says it is (its User-Agent
	// header), recorded on a new session so that the person can tell
	// their sessions apart (the account page); "" records none. Only the
	// hosted pages know it: the management API's caller is a backend.
	UserAgent string
}

// check reports an *InvalidError for options out of bounds.
func (o SessionOptions) check() error {
	if o.Duration != 0 && (o.Duration < minSessionMinutes*time.Minute || o.Duration > maxSessionMinutes*time.Minute) {
		return invalid("invalid_session_duration",
			"session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	return checkCustomClaims(o.CustomClaims)
}

// checkCustomClaims validates session_custom_claims: a JSON object whose
// keys are not registered claims Signet sets nor in Stytch's namespace.
func checkCustomClaims(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return invalid("invalid_session_custom_claims", "session_custom_claims must be a JSON object.")
	}
	for k := range m {
		for _, r := range reservedClaims {
			if k == r {
				return invalid("invalid_session_custom_claims", "session_custom_claims may not set the reserved claim %q.", k)
			}
		}
		if strings.HasPrefix(k, reservedPrefix) {
			return invalid("invalid_session_custom_claims", "session_custom_claims may not use the reserved namespace %s.", reservedPrefix)
		}
	}
	return nil
}

// mergeClaims applies session_custom_claims to stored claims: top-level
// keys replace, null deletes (as metadata).
func mergeClaims(stored, update json.RawMessage) (json.RawMessage, error) {
	m, err := mergeMetadata("session_custom_claims", stored, update)
	var inv *InvalidError
	if errors.As(err, &inv) && inv.Code == "invalid_metadata" {
		return nil, invalid("invalid_session_custom_claims", "%s", inv.Message)
	}
	return m, err
}

// Issued is a session with the credentials that prove it, which are shown
// once: Signet keeps only the token's peppered hash.
type Issued struct {
	Session store.Session
	// Token is the session token: a new session's, or the one the caller
	// presented; "" when the caller presented a JWT.
	Token string
	// JWT is a fresh session JWT (five minutes; stytch-api.md §4.1).
	JWT string
}

// Credentials name a session by one of its handles: its ID (which only
// the project's backend may use), its token, or a JWT issued for it.
type Credentials struct {
	SessionID    string
	SessionToken string
	SessionJWT   string
}

// count is how many handles were given.
func (c Credentials) count() int {
	n := 0
	for _, s := range []string{c.SessionID, c.SessionToken, c.SessionJWT} {
		if s != "" {
			n++
		}
	}
	return n
}

func orDefault(d time.Duration) time.Duration {
	if d == 0 {
		return defaultSessionMinutes * time.Minute
	}
	return d
}

// startSession creates a session for u proven by factor, lasting d.
func (s *Service) startSession(ctx context.Context, projectID string, u store.User, factor store.Factor, d time.Duration, claims json.RawMessage, userAgent string) (Issued, error) {
	now := store.Now(s.clock)
	custom, err := mergeClaims(nil, claims)
	if err != nil {
		return Issued{}, err
	}
	token := secrets.New("")
	sess := store.Session{
		ID:             newID("session"),
		ProjectID:      projectID,
		UserID:         u.ID,
		TokenHash:      s.pepper.Hash(token),
		StartedAt:      now,
		LastAccessedAt: now,
		ExpiresAt:      now.Add(d),
		Factors:        []store.Factor{factor},
		CustomClaims:   custom,
		Roles:          userRoles(u),
		UserAgent:      userAgent,
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Issued{}, ErrUserNotFound // deleted meanwhile
		}
		return Issued{}, err
	}
	jwt, err := s.mintJWT(ctx, projectID, sess, now)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Session: sess, Token: token, JWT: jwt}, nil
}

// find loads the live session the credentials name; ErrSessionNotFound
// for anything unknown, expired, revoked or not issued for this project.
func (s *Service) find(ctx context.Context, projectID string, c Credentials) (store.Session, error) {
	sess, _, _, err := s.findHot(ctx, projectID, c)
	return sess, err
}

// findHot is find, answered from the node's hot sessions when it has the
// session (sessioncache.go): then hot is true and u is its user.
func (s *Service) findHot(ctx context.Context, projectID string, c Credentials) (sess store.Session, u store.User, hot bool, err error) {
	now := store.Now(s.clock)
	switch {
	case c.SessionToken != "":
		hash := s.pepper.Hash(c.SessionToken)
		if h, ok := s.hot.byTokenHash(projectID, hash, now); ok {
			return h.sess, h.user, true, nil
		}
		sess, err = s.store.SessionByToken(ctx, projectID, hash, now)
	case c.SessionJWT != "":
		id, sub, verr := s.verifyJWT(ctx, projectID, c.SessionJWT)
		if errors.Is(verr, errBadJWT) {
			return sess, u, false, ErrSessionNotFound
		} else if verr != nil {
			return sess, u, false, verr
		}
		if h, ok := s.hot.bySessionID(projectID, id, now); ok {
			if h.sess.UserID != sub {
				return sess, u, false, ErrSessionNotFound
			}
			return h.sess, h.user, true, nil
		}
		sess, err = s.store.SessionByID(ctx, projectID, id, now)
		if err == nil && sess.UserID != sub {
			return sess, u, false, ErrSessionNotFound
		}
	default:
		if h, ok := s.hot.bySessionID(projectID, c.SessionID, now); ok {
			return h.sess, h.user, true, nil
		}
		sess, err = s.store.SessionByID(ctx, projectID, c.SessionID, now)
	}
	if errors.Is(err, store.ErrNotFound) {
		return sess, u, false, ErrSessionNotFound
	}
	return sess, u, false, err
}

// extend touches a live session: accessed now, expiring d from now if d
// is set, with claims merged into its custom claims; then mints a JWT
// carrying roles, the user's roles as they are now (the session record
// keeps those of its start): a role assigned or withdrawn since shows in
// the session object and the JWT the next authenticate returns. A JWT
// minted before keeps the roles it says until it expires (five minutes):
// that is the window of the SDKs' local checks (authenticateJwtLocal);
// a network check (authorization_check) always counts the roles now.
func (s *Service) extend(ctx context.Context, projectID string, sess store.Session, d time.Duration, claims json.RawMessage, roles []string) (Issued, error) {
	now := store.Now(s.clock)
	var expires time.Time
	if d > 0 {
		expires = now.Add(d)
	}
	var custom json.RawMessage
	if len(claims) > 0 && string(claims) != "null" {
		var err error
		if custom, err = mergeClaims(sess.CustomClaims, claims); err != nil {
			return Issued{}, err
		}
		if custom == nil {
			custom = json.RawMessage("{}") // all keys deleted; nil would mean "unchanged"
		}
	}
	// last_accessed_at is written at most once per touchGranule when
	// nothing else changes: a session authenticated many times a second
	// costs no write each time, and its JWT stays the same (jwtcache.go).
	// The session read above is live, so skipping the write never revives
	// a revoked or expired session.
	if d > 0 || custom != nil || now.Sub(sess.LastAccessedAt) >= touchGranule {
		var err error
		sess, err = s.store.TouchSession(ctx, projectID, sess.ID, now, expires, custom)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return Issued{}, ErrSessionNotFound
		case err != nil:
			return Issued{}, err
		}
	}
	sess.Roles = roles
	jwt, err := s.mintJWT(ctx, projectID, sess, now)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Session: sess, JWT: jwt}, nil
}

// AuthenticateSession checks the session that c names (by token or JWT;
// a JWT past its exp is accepted while its session lives), extends it by
// opts, and returns its user and a fresh JWT (§5.2 sessions.authenticate).
// Errors: *InvalidError for opts, ErrSessionNotFound.
func (s *Service) AuthenticateSession(ctx context.Context, projectID string, c Credentials, opts SessionOptions) (store.User, Issued, error) {
	if err := opts.check(); err != nil {
		return store.User{}, Issued{}, err
	}
	// The epoch and the time come before any read: what is read may be
	// cached only if nothing was forgotten since (sessioncache.go).
	epoch, loaded := s.hot.begin(), store.Now(s.clock)
	sess, u, hot, err := s.findHot(ctx, projectID, c)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	if !hot {
		u, err = s.User(ctx, projectID, sess.UserID)
		if errors.Is(err, ErrUserNotFound) {
			return store.User{}, Issued{}, ErrSessionNotFound // the user was deleted meanwhile, and the session with them
		} else if err != nil {
			return store.User{}, Issued{}, err
		}
	}
	// The session carries the user's roles as they are now (a role change
	// forgets the hot copy).
	out, err := s.extend(ctx, projectID, sess, opts.Duration, opts.CustomClaims, userRoles(u))
	if err != nil {
		return store.User{}, Issued{}, err
	}
	out.Token = c.SessionToken
	if hot {
		return u, out, nil
	}
	var hash []byte
	if c.SessionToken != "" {
		hash = s.pepper.Hash(c.SessionToken)
	}
	// A touch above forgot the session, so this caches only what was read
	// untouched; the next authentication reads the touched one.
	s.hot.put(epoch, hash, out.Session, u, loaded)
	return u, out, nil
}

// Sessions lists the live sessions of the user with this user ID or
// external ID, newest first. ErrUserNotFound if there is no such user.
func (s *Service) Sessions(ctx context.Context, projectID, idOrExternalID string) ([]store.Session, error) {
	u, err := s.User(ctx, projectID, idOrExternalID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.UserSessions(ctx, projectID, u.ID, store.Now(s.clock))
	for i := range list {
		list[i].Roles = userRoles(u) // the roles now, as authenticate reports them
	}
	return list, err
}

// RevokeSession ends the session c names. ErrSessionNotFound if it is not
// live.
func (s *Service) RevokeSession(ctx context.Context, projectID string, c Credentials) error {
	sess, err := s.find(ctx, projectID, c)
	if err != nil {
		return err
	}
	s.jwts.forget(sess.ID)
	if err := s.store.RevokeSession(ctx, projectID, sess.ID, store.Now(s.clock)); errors.Is(err, store.ErrNotFound) {
		return ErrSessionNotFound // revoked concurrently
	} else if err != nil {
		return err
	}
	s.audit.Record(ctx, audit.Event{ProjectID: projectID, Type: audit.SessionRevoke, Subject: sess.ID,
		Outcome: audit.Success, Details: map[string]string{"user_id": sess.UserID}})
	return nil
}
