package users

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// The person's own account page (internal/account) acts on the signed-in
// user through these methods: the user's sessions, one by one or all but
// the current one, and a password change that proves the current
// password under the sign-in throttles.

// UseSession returns the live session a session token names and marks it
// used now (its last_accessed_at), as the account page shows when each
// session was last used. ErrSessionNotFound for an unknown, expired or
// revoked one.
func (s *Service) UseSession(ctx context.Context, projectID, token string) (store.Session, error) {
	sess, err := s.SessionFromToken(ctx, projectID, token)
	if err != nil {
		return sess, err
	}
	sess, err = s.store.TouchSession(ctx, projectID, sess.ID, store.Now(s.clock), time.Time{}, nil)
	if errors.Is(err, store.ErrNotFound) {
		return sess, ErrSessionNotFound // ended meanwhile
	}
	return sess, err
}

// UserSessions lists the live sessions of the user with this user ID,
// newest first.
func (s *Service) UserSessions(ctx context.Context, projectID, userID string) ([]store.Session, error) {
	return s.store.UserSessions(ctx, projectID, userID, store.Now(s.clock))
}

// EndUserSession ends the user's session sessionID. A session of another
// user is ErrSessionNotFound, as an unknown one: the user may end only
// their own.
func (s *Service) EndUserSession(ctx context.Context, projectID, userID, sessionID string) error {
	sess, err := s.find(ctx, projectID, Credentials{SessionID: sessionID})
	if err != nil {
		return err
	}
	if sess.UserID != userID {
		return ErrSessionNotFound
	}
	return s.endSession(ctx, sess)
}

// EndOtherSessions ends every live session of the user but keep (the
// session they are using), and reports how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, projectID, userID, keep string) (int, error) {
	all, err := s.UserSessions(ctx, projectID, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sess := range all {
		if sess.ID == keep {
			continue
		}
		switch err := s.endSession(ctx, sess); {
		case errors.Is(err, ErrSessionNotFound): // ended meanwhile
		case err != nil:
			return n, err
		default:
			n++
		}
	}
	return n, nil
}

// endSession revokes a session the user ended themselves.
func (s *Service) endSession(ctx context.Context, sess store.Session) error {
	s.jwts.forget(sess.ID)
	if err := s.store.RevokeSession(ctx, sess.ProjectID, sess.ID, store.Now(s.clock)); errors.Is(err, store.ErrNotFound) {
		return ErrSessionNotFound
	} else if err != nil {
		return err
	}
	s.audit.Record(ctx, audit.Event{ProjectID: sess.ProjectID, Type: audit.SessionRevoke, Actor: "user:" + sess.UserID,
		Subject: sess.ID, Outcome: audit.Success, Details: map[string]string{"user_id": sess.UserID}})
	return nil
}

// ChangePassword replaces the user's password after checking the current
// one, a person at client changing it on their account page. The check is
// a password sign-in's (checkPassword: counted by the throttles before
// the password is verified, under the user's email address and client, so
// a stolen session cannot be used to guess the password faster than the
// sign-in form allows). The new password must pass the strength policy
// (*InvalidError weak_password, checked first, costing no attempt). On
// success every other session of the user ends, as a password change
// should end what a thief of the old password may have started; keep
// (the session in use) stays.
//
// Errors: ErrNoPassword, ErrThrottled, ErrBadCredentials (a wrong current
// password), *InvalidError, ErrUserNotFound.
func (s *Service) ChangePassword(ctx context.Context, projectID, userID, current, next string, client netip.Addr, keep string) error {
	u, err := s.User(ctx, projectID, userID)
	if err != nil {
		return err
	}
	if u.Password == nil || u.Email == nil || u.Email.Address == "" {
		return ErrNoPassword
	}
	if st := s.policy.Check(next, u.Email.Address); !st.Valid {
		msg := "Choose a longer or less common password."
		if st.Warning != "" {
			msg = st.Warning + " " + msg
		}
		return invalid("weak_password", "%s", msg)
	}
	checked, err := s.checkPassword(ctx, projectID, u.Email.Address, current, client)
	s.auditPassword(ctx, projectID, u.Email.Address, checked, err)
	if err != nil {
		return err
	}
	if checked.ID != u.ID { // the address moved to another user meanwhile
		return ErrBadCredentials
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	np := store.Password{ID: checked.Password.ID, Hash: hash, CreatedAt: store.Now(s.clock)}
	if err := s.store.SetPassword(ctx, projectID, u.ID, np); errors.Is(err, store.ErrNotFound) {
		return ErrUserNotFound
	} else if err != nil {
		return err
	}
	_, err = s.EndOtherSessions(ctx, projectID, u.ID, keep)
	return err
}
