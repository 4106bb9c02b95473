package users

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"time"

	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/store"
)

// A password sign-in always yields a session and a JWT: it lasts 60
// minutes unless told otherwise (Stytch's default for its authenticate
// calls).

// CreatePasswordUser creates a user with an email and a password and
// signs them in (§5.2 passwords.create): the session has a password
// factor and lasts opts.Duration (0: 60 minutes). Errors: *InvalidError
// (a weak password among them), *DuplicateError.
func (s *Service) CreatePasswordUser(ctx context.Context, projectID string, in NewUser, pw string, opts SessionOptions) (store.User, Issued, error) {
	if in.Email == "" {
		return store.User{}, Issued{}, invalid("invalid_email", "email is required.")
	}
	u, err := s.newUser(projectID, in)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	if err := opts.check(); err != nil {
		return store.User{}, Issued{}, err
	}
	if st := s.policy.Check(pw, in.Email); !st.Valid {
		msg := "The password does not meet the strength policy; check it with /v1/passwords/strength_check."
		if st.Warning != "" {
			msg = st.Warning + " " + msg
		}
		return store.User{}, Issued{}, invalid("weak_password", "%s", msg)
	}
	// A cheap look-up first: a taken email should not cost a hash. The
	// unique index still decides races.
	switch _, err := s.store.UserByEmail(ctx, projectID, in.Email); {
	case err == nil:
		return store.User{}, Issued{}, &DuplicateError{Field: "email"}
	case !errors.Is(err, store.ErrNotFound):
		return store.User{}, Issued{}, err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	u.Password = &store.Password{ID: newID("password"), Hash: hash, CreatedAt: u.CreatedAt}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return store.User{}, Issued{}, duplicate(err)
	}
	out, err := s.startSession(ctx, projectID, u, passwordFactor(u, u.CreatedAt), orDefault(opts.Duration), opts.CustomClaims, opts.UserAgent)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	return u, out, nil
}

// CheckStrength judges a candidate password under the service's policy
// (email, which may be empty, is the account's address).
func (s *Service) CheckStrength(pw, email string) password.Strength {
	return s.policy.Check(pw, email)
}

// AuthenticatePassword checks email and password for a person at client
// (§5.2 passwords.authenticate), counted by the throttles, and signs them
// in: when existing names a session of the same user, that session is
// extended by opts; otherwise a new one starts, lasting opts.Duration (0:
// 60 minutes). A pending user becomes active, as Stytch activates a
// pending user at their first authentication.
//
// Errors: ErrThrottled (before any password check, whether or not the
// account exists), ErrBadCredentials (a wrong email or password, the same
// for an unknown email), *InvalidError (opts, or a session of another
// user), ErrSessionNotFound (existing names no live session).
func (s *Service) AuthenticatePassword(ctx context.Context, projectID, email, pw string, client netip.Addr, existing Credentials, opts SessionOptions) (store.User, Issued, error) {
	if err := opts.check(); err != nil {
		return store.User{}, Issued{}, err
	}
	u, err := s.passwordUser(ctx, projectID, email, pw, client)
	s.auditPassword(ctx, projectID, email, u, err)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	if existing.count() == 0 {
		out, err := s.startSession(ctx, projectID, u, passwordFactor(u, store.Now(s.clock)), orDefault(opts.Duration), opts.CustomClaims, opts.UserAgent)
		return u, out, err
	}
	sess, err := s.find(ctx, projectID, existing)
	if err != nil {
		return store.User{}, Issued{}, err
	}
	if sess.UserID != u.ID {
		return store.User{}, Issued{}, invalid("session_user_mismatch", "The session belongs to a different user.")
	}
	out, err := s.extend(ctx, projectID, sess, opts.Duration, opts.CustomClaims, userRoles(u))
	if err != nil {
		return store.User{}, Issued{}, err
	}
	out.Token = existing.SessionToken
	return u, out, nil
}

// passwordFactor is the AuthenticationFactor of a password check (§5.2:
// type password, delivery method knowledge, with the email used).
func passwordFactor(u store.User, at time.Time) store.Factor {
	f := store.Factor{Type: "password", DeliveryMethod: "knowledge", LastAuthenticatedAt: at, CreatedAt: at, UpdatedAt: at}
	if u.Email != nil {
		f.DetailName = "email_factor"
		f.Detail, _ = json.Marshal(map[string]string{"email_id": u.Email.ID, "email_address": u.Email.Address})
	}
	return f
}

// passwordUser is checkPassword for a sign-in: a pending user becomes
// active, as Stytch activates a pending user at their first authentication.
func (s *Service) passwordUser(ctx context.Context, projectID, email, pw string, client netip.Addr) (store.User, error) {
	u, err := s.checkPassword(ctx, projectID, email, pw, client)
	if err != nil || u.Status != "pending" {
		return u, err
	}
	now := store.Now(s.clock)
	u, err = s.store.UpdateUser(ctx, projectID, u.ID, func(u *store.User) error {
		u.Status, u.UpdatedAt = "active", now
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// checkPassword returns the user whose email and password these are,
// for a client at client.
//
// The attempt is counted first, and refused without a password check if
// it is throttled (package doc). Unknown emails and users without a
// password then cost one dummy hash and get the same ErrBadCredentials as
// a wrong password, and count as the same failure, so neither the answers
// nor their timing tell which emails exist.
func (s *Service) checkPassword(ctx context.Context, projectID, email, pw string, client netip.Addr) (store.User, error) {
	now := store.Now(s.clock)
	a := s.attempt(projectID, email, client)
	if err := s.admit(ctx, a, now); err != nil {
		return store.User{}, err
	}
	u, err := s.store.UserByEmail(ctx, projectID, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	var ok, rehash bool
	if err != nil || u.Password == nil {
		err = s.hasher.Dummy(ctx, pw)
	} else {
		ok, rehash, err = s.hasher.Verify(ctx, pw, u.Password.Hash)
	}
	if err != nil {
		return store.User{}, err
	}
	if !ok {
		if err := s.store.LoginFailed(ctx, a, s.throttle.policy(), now); err != nil {
			return store.User{}, err
		}
		return store.User{}, ErrBadCredentials
	}
	if err := s.store.LoginSucceeded(ctx, a, s.throttle.policy(), now); err != nil {
		return store.User{}, err
	}
	if rehash {
		// The stored hash predates the current parameters: replace it now,
		// while the plain password is at hand. A failure only postpones it.
		if hash, err := s.hasher.Hash(ctx, pw); err == nil {
			np := *u.Password
			np.Hash = hash
			if s.store.SetPassword(ctx, projectID, u.ID, np) == nil {
				u.Password = &np
			}
		}
	}
	return u, nil
}
