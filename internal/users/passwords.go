package users

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Passwords sessions last 60 minutes when session_duration_minutes is
// absent (Stytch's default for its authenticate calls), so a password
// login always yields a session and a JWT.

type createPasswordRequest struct {
	Email                  string          `json:"email"`
	Password               string          `json:"password"`
	Name                   *nameRequest    `json:"name"`
	TrustedMetadata        json.RawMessage `json:"trusted_metadata"`
	UntrustedMetadata      json.RawMessage `json:"untrusted_metadata"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
}

type passwordSessionResponse struct {
	api.Meta
	UserID       string       `json:"user_id"`
	EmailID      string       `json:"email_id,omitempty"` // passwords.create only
	SessionToken string       `json:"session_token"`
	SessionJWT   string       `json:"session_jwt"`
	Session      *sessionJSON `json:"session"`
	User         userJSON     `json:"user"`
}

// createPassword is POST /v1/passwords: a new user with email and
// password, signed in.
func (h *Handler) createPassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createPasswordRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Email == "" {
		return api.BadRequest("invalid_email", "email is required.")
	}
	u, err := h.newUser(p.ID, createUserRequest{
		Email: req.Email, Name: req.Name, TrustedMetadata: req.TrustedMetadata, UntrustedMetadata: req.UntrustedMetadata,
	})
	if err != nil {
		return err
	}
	d, err := sessionDuration(req.SessionDurationMinutes)
	if err != nil {
		return err
	}
	if err := checkCustomClaims(req.SessionCustomClaims); err != nil {
		return err
	}
	if s := h.Policy.Check(req.Password, req.Email); !s.Valid {
		msg := "The password does not meet the strength policy; check it with /v1/passwords/strength_check."
		if s.Warning != "" {
			msg = s.Warning + " " + msg
		}
		return api.BadRequest("weak_password", "%s", msg)
	}
	// A cheap look-up first: a taken email should not cost a hash. The
	// unique index still decides races.
	switch _, err := h.Store.UserByEmail(r.Context(), p.ID, req.Email); {
	case err == nil:
		return duplicate(&store.DuplicateError{Field: "email"})
	case !errors.Is(err, store.ErrNotFound):
		return api.Internal(err)
	}
	hash, err := h.Hasher.Hash(r.Context(), req.Password)
	if err != nil {
		return api.Internal(err)
	}
	u.Password = &store.Password{ID: newID("password"), Hash: hash, CreatedAt: u.CreatedAt}
	if err := h.Store.CreateUser(r.Context(), u); err != nil {
		return duplicate(err)
	}
	out, err := h.startSession(r.Context(), p.ID, u, passwordFactor(u, u.CreatedAt), orDefault(d), req.SessionCustomClaims)
	if err != nil {
		return err
	}
	writePasswordSession(w, r, u, out, u.Email.ID, h.now())
	return nil
}

func orDefault(d time.Duration) time.Duration {
	if d == 0 {
		return defaultSessionMinutes * time.Minute
	}
	return d
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

func writePasswordSession(w http.ResponseWriter, r *http.Request, u store.User, out issued, emailID string, now time.Time) {
	s := toSessionJSON(out.session)
	api.WriteNoStore(w, r, http.StatusOK, &passwordSessionResponse{
		UserID: u.ID, EmailID: emailID, SessionToken: out.token, SessionJWT: out.jwt, Session: &s, User: toUserJSON(u, now),
	})
}

type authenticatePasswordRequest struct {
	Email                  string          `json:"email"`
	Password               string          `json:"password"`
	SessionToken           string          `json:"session_token"`
	SessionJWT             string          `json:"session_jwt"`
	SessionDurationMinutes *int64          `json:"session_duration_minutes"`
	SessionCustomClaims    json.RawMessage `json:"session_custom_claims"`
}

// authenticatePassword is POST /v1/passwords/authenticate. With a
// session_token or session_jwt of the same user, that session is extended
// instead of a new one started.
func (h *Handler) authenticatePassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req authenticatePasswordRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	creds := sessionCredentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}
	if creds.count() > 1 {
		return oneCredential(creds, "session_token or session_jwt")
	}
	d, err := sessionDuration(req.SessionDurationMinutes)
	if err != nil {
		return err
	}
	if err := checkCustomClaims(req.SessionCustomClaims); err != nil {
		return err
	}
	u, err := h.passwordUser(r.Context(), p.ID, req.Email, req.Password, h.ClientIP.Addr(r))
	if err != nil {
		return err
	}
	var out issued
	if creds.count() == 1 {
		s, err := h.find(r.Context(), p.ID, creds)
		if err != nil {
			return err
		}
		if s.UserID != u.ID {
			return api.BadRequest("session_user_mismatch", "The session belongs to a different user.")
		}
		if out, err = h.extend(r.Context(), p.ID, s, d, req.SessionCustomClaims); err != nil {
			return err
		}
		out.token = req.SessionToken
	} else if out, err = h.startSession(r.Context(), p.ID, u, passwordFactor(u, h.now()), orDefault(d), req.SessionCustomClaims); err != nil {
		return err
	}
	writePasswordSession(w, r, u, out, "", h.now())
	return nil
}

// passwordUser is checkPassword for a sign-in: a pending user becomes
// active, as Stytch activates a pending user at their first authentication.
func (h *Handler) passwordUser(ctx context.Context, projectID, email, pw string, client netip.Addr) (store.User, error) {
	u, err := h.checkPassword(ctx, projectID, email, pw, client)
	if err != nil || u.Status != "pending" {
		return u, err
	}
	now := h.now()
	u, err = h.Store.UpdateUser(ctx, projectID, u.ID, func(u *store.User) error {
		u.Status, u.UpdatedAt = "active", now
		return nil
	})
	if err != nil {
		return store.User{}, api.Internal(err)
	}
	return u, nil
}

// checkPassword returns the user whose email and password these are,
// for a client at client.
//
// The attempt is counted first, and refused without a password check if
// it is throttled (package doc). Unknown emails and users without a
// password then cost one dummy hash and get the same 401 as a wrong
// password, and count as the same failure, so neither the answers nor
// their timing tell which emails exist.
func (h *Handler) checkPassword(ctx context.Context, projectID, email, pw string, client netip.Addr) (store.User, error) {
	now := h.now()
	a := h.attempt(projectID, email, client)
	if err := h.admit(ctx, a, now); err != nil {
		return store.User{}, err
	}
	u, err := h.Store.UserByEmail(ctx, projectID, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, api.Internal(err)
	}
	var ok, rehash bool
	if err != nil || u.Password == nil {
		err = h.Hasher.Dummy(ctx, pw)
	} else {
		ok, rehash, err = h.Hasher.Verify(ctx, pw, u.Password.Hash)
	}
	if err != nil {
		return store.User{}, api.Internal(err)
	}
	if !ok {
		if err := h.Store.LoginFailed(ctx, a, h.Throttle.policy(), now); err != nil {
			return store.User{}, api.Internal(err)
		}
		return store.User{}, api.ErrUnauthorized
	}
	if err := h.Store.LoginSucceeded(ctx, a, h.Throttle.policy(), now); err != nil {
		return store.User{}, api.Internal(err)
	}
	if rehash {
		// The stored hash predates the current parameters: replace it now,
		// while the plain password is at hand. A failure only postpones it.
		if hash, err := h.Hasher.Hash(ctx, pw); err == nil {
			np := *u.Password
			np.Hash = hash
			if h.Store.SetPassword(ctx, projectID, u.ID, np) == nil {
				u.Password = &np
			}
		}
	}
	return u, nil
}
