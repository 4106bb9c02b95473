package memberauth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Session lifetimes, as for consumer sessions (Stytch: "This value must be
// a minimum of 5 and a maximum of 527040 minutes (366 days)").
const (
	minSessionMinutes     = 5
	maxSessionMinutes     = 527040
	defaultSessionMinutes = 60
)

// SessionOptions shape the session a sign-in starts or extends.
type SessionOptions struct {
	// Duration is how long a new session lasts (0: 60 minutes), or how
	// long from now an extended one lasts (0: unchanged).
	Duration time.Duration
	// CustomClaims is a JSON object merged at the top level into the
	// session's custom claims (null deletes a key). Registered claims and
	// Stytch's namespace are refused.
	CustomClaims json.RawMessage
}

// reservedClaims are the claims Signet sets (Go SDK shared.ReservedClaim).
var reservedClaims = []string{"iss", "aud", "sub", "iat", "nbf", "exp", "jti"}

const reservedPrefix = "https://stytch.com/"

func (o SessionOptions) check() error {
	if o.Duration != 0 && (o.Duration < minSessionMinutes*time.Minute || o.Duration > maxSessionMinutes*time.Minute) {
		return invalid("invalid_session_duration",
			"session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	if len(o.CustomClaims) == 0 || string(o.CustomClaims) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(o.CustomClaims, &m); err != nil {
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
// keys replace, null deletes (the metadata rule of internal/api).
func mergeClaims(stored, update json.RawMessage) (json.RawMessage, error) {
	m, err := api.MergeMetadata("session_custom_claims", stored, update)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Unwrap() == nil {
		return nil, invalid("invalid_session_custom_claims", "%s", ae.Message)
	}
	return m, err
}

func orDefault(d time.Duration) time.Duration {
	if d == 0 {
		return defaultSessionMinutes * time.Minute
	}
	return d
}

// Issued is a member session with the credentials that prove it, shown
// once (Signet keeps only the token's peppered hash), and the member and
// organization it belongs to, as the responses show them.
type Issued struct {
	Session      store.MemberSession
	Member       store.Member
	Organization store.Organization
	// Token is a new session's token, or the one the caller presented;
	// "" when the caller presented a JWT.
	Token string
	// JWT is a fresh session JWT (five minutes).
	JWT string
}

// Credentials name a member session by one of its handles: its ID (the
// project's backend only), its token, or a JWT issued for it.
type Credentials struct {
	SessionID    string
	SessionToken string
	SessionJWT   string
}

// Count is how many handles are given.
func (c Credentials) Count() int {
	n := 0
	for _, s := range []string{c.SessionID, c.SessionToken, c.SessionJWT} {
		if s != "" {
			n++
		}
	}
	return n
}

// sessionRoles are the roles a session of member m of o carries, and
// the roles checks count: the member's effective roles
// (rbac.EffectiveMemberRoles: stytch_member, those assigned, those o's
// implicit assignments give its email domain).
func sessionRoles(m store.Member, o store.Organization) []string {
	return rbac.EffectiveMemberRoles(m, o)
}

// startSession creates a session of member m of o, proven by factor,
// lasting d.
func (s *Service) startSession(ctx context.Context, o store.Organization, m store.Member, factor store.Factor, d time.Duration, claims json.RawMessage) (Issued, error) {
	now := store.Now(s.clock)
	custom, err := mergeClaims(nil, claims)
	if err != nil {
		return Issued{}, err
	}
	token := secrets.New("")
	sess := store.MemberSession{
		ID:             "member-session-test-" + uuid.NewString(),
		ProjectID:      o.ProjectID,
		OrganizationID: o.ID,
		MemberID:       m.ID,
		TokenHash:      s.pepper.Hash(token),
		StartedAt:      now,
		LastAccessedAt: now,
		ExpiresAt:      now.Add(d),
		Factors:        []store.Factor{factor},
		CustomClaims:   custom,
		Roles:          sessionRoles(m, o),
	}
	if err := s.store.CreateMemberSession(ctx, sess); errors.Is(err, store.ErrNotFound) {
		return Issued{}, orgs.ErrMemberNotFound // deleted meanwhile
	} else if err != nil {
		return Issued{}, err
	}
	jwt, err := s.mintJWT(ctx, sess, o, now)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Session: sess, Member: m, Organization: o, Token: token, JWT: jwt}, nil
}

// live is a live session with its member and organization, as the store
// reads them together.
type live struct {
	sess store.MemberSession
	m    store.Member
	o    store.Organization
}

// find loads the live session c names, with its member and organization.
// ErrSessionNotFound for anything unknown, expired, revoked or not issued
// for this project (a session of a deleted member is gone with it).
func (s *Service) find(ctx context.Context, projectID string, c Credentials) (live, error) {
	now := store.Now(s.clock)
	var (
		l   live
		err error
	)
	switch {
	case c.SessionToken != "":
		l.sess, l.m, l.o, err = s.store.MemberSessionByToken(ctx, projectID, s.pepper.Hash(c.SessionToken), now)
	case c.SessionJWT != "":
		id, sub, verr := s.verifyJWT(ctx, projectID, c.SessionJWT)
		if errors.Is(verr, errBadJWT) {
			return l, ErrSessionNotFound
		} else if verr != nil {
			return l, verr
		}
		l.sess, l.m, l.o, err = s.store.MemberSessionByID(ctx, projectID, id, now)
		if err == nil && l.sess.MemberID != sub {
			return l, ErrSessionNotFound
		}
	case c.SessionID != "":
		l.sess, l.m, l.o, err = s.store.MemberSessionByID(ctx, projectID, c.SessionID, now)
	default:
		return l, ErrSessionNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return l, ErrSessionNotFound
	}
	return l, err
}

// usable refuses a live session whose organization was suspended since
// it started (organization_suspended).
func (l live) usable() error {
	if l.o.Status == orgs.StatusSuspended {
		return orgs.ErrOrganizationSuspended
	}
	return nil
}

// extend touches a live session of member m of o (accessed now, expiring
// d from now if d is set, claims merged) and mints a JWT carrying m's
// roles as they are now, as consumer sessions do (users/sessions.go
// extend): the session record keeps those of its start.
func (s *Service) extend(ctx context.Context, sess store.MemberSession, m store.Member, o store.Organization, d time.Duration, claims json.RawMessage) (store.MemberSession, string, error) {
	now := store.Now(s.clock)
	var expires time.Time
	if d > 0 {
		expires = now.Add(d)
	}
	var custom json.RawMessage
	if len(claims) > 0 && string(claims) != "null" {
		var err error
		if custom, err = mergeClaims(sess.CustomClaims, claims); err != nil {
			return sess, "", err
		}
		if custom == nil {
			custom = json.RawMessage("{}") // every key deleted; nil would mean "unchanged"
		}
	}
	// As consumer sessions (users/sessions.go): last_accessed_at is
	// written at most once per touchGranule when nothing else changes.
	if d > 0 || custom != nil || now.Sub(sess.LastAccessedAt) >= touchGranule {
		var err error
		sess, err = s.store.TouchMemberSession(ctx, sess.ProjectID, sess.ID, now, expires, custom)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return sess, "", ErrSessionNotFound
		case err != nil:
			return sess, "", err
		}
	}
	sess.Roles = sessionRoles(m, o)
	jwt, err := s.mintJWT(ctx, sess, o, now)
	return sess, jwt, err
}

// AuthenticateSession checks the session c names (by token or JWT; a JWT
// past its exp is accepted while its session lives), that its
// organization is not suspended, extends it by opts, and returns it with
// a fresh JWT. Errors: *Error (opts, ErrSessionNotFound),
// orgs.ErrOrganizationSuspended.
func (s *Service) AuthenticateSession(ctx context.Context, projectID string, c Credentials, opts SessionOptions) (Issued, error) {
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
	sess, jwt, err := s.extend(ctx, l.sess, l.m, l.o, opts.Duration, opts.CustomClaims)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Session: sess, Member: l.m, Organization: l.o, Token: c.SessionToken, JWT: jwt}, nil
}

// Sessions lists the live sessions of the member memberRef (ID or
// external ID) of the organization orgRef, newest first.
func (s *Service) Sessions(ctx context.Context, projectID, orgRef, memberRef string) ([]store.MemberSession, store.Organization, error) {
	m, o, err := s.orgs.Member(ctx, projectID, orgRef, memberRef)
	if err != nil {
		return nil, o, err
	}
	list, err := s.store.MemberSessionsOf(ctx, projectID, o.ID, m.ID, store.Now(s.clock))
	for i := range list {
		list[i].Roles = sessionRoles(m, o) // the roles now, as authenticate reports them
	}
	return list, o, err
}

// RevokeSession ends the session c names. ErrSessionNotFound if it is not
// live.
func (s *Service) RevokeSession(ctx context.Context, projectID string, c Credentials) error {
	l, err := s.find(ctx, projectID, c)
	if err != nil {
		return err
	}
	s.jwts.forget(l.sess.ID)
	if err := s.store.RevokeMemberSession(ctx, projectID, l.sess.ID); errors.Is(err, store.ErrNotFound) {
		return ErrSessionNotFound // revoked concurrently
	} else if err != nil {
		return err
	}
	return nil
}

// RevokeMemberSessions ends every session of the member with this ID
// (Stytch's revoke by member_id, which names no organization: member IDs
// are unique in the project). orgs.ErrMemberNotFound if there is none.
func (s *Service) RevokeMemberSessions(ctx context.Context, projectID, memberID string) error {
	m, o, err := s.orgs.DangerouslyGetMember(ctx, projectID, memberID, false)
	if err != nil {
		return err
	}
	_, err = s.revokeAll(ctx, projectID, o.ID, m.ID)
	return err
}

func (s *Service) revokeAll(ctx context.Context, projectID, orgID, memberID string) (int, error) {
	list, err := s.store.MemberSessionsOf(ctx, projectID, orgID, memberID, store.Now(s.clock))
	if err != nil {
		return 0, err
	}
	for _, sess := range list {
		s.jwts.forget(sess.ID)
	}
	return s.store.RevokeMemberSessions(ctx, projectID, orgID, memberID)
}

// Session returns the live session c names (by token or JWT) with its
// member and organization, without extending it or minting a JWT: the
// B2B consent API (internal/authorize) links a grant to it. Errors:
// ErrSessionNotFound, orgs.ErrOrganizationSuspended.
func (s *Service) Session(ctx context.Context, projectID string, c Credentials) (store.MemberSession, store.Member, store.Organization, error) {
	if c.SessionID != "" || c.Count() != 1 {
		return store.MemberSession{}, store.Member{}, store.Organization{}, ErrSessionNotFound
	}
	l, err := s.find(ctx, projectID, c)
	if err == nil {
		err = l.usable()
	}
	if err != nil {
		return store.MemberSession{}, store.Member{}, store.Organization{}, err
	}
	return l.sess, l.m, l.o, nil
}
