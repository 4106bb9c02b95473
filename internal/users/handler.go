package users

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Store is the storage the handler uses: users with their passwords, the
// sign-in throttles, and sessions.
type Store interface {
	store.Users
	store.LoginThrottles
	store.Sessions
}

// Keys signs session JWTs with the project's current RS256 key and checks
// signatures against its published keys (*keys.Manager).
type Keys interface {
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
	Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error)
}

// Handler serves the users, passwords and sessions routes. Fields left
// zero get the defaults documented on them when Mount runs.
type Handler struct {
	Auth   *api.ProjectAuth
	Store  Store
	Keys   Keys
	Pepper secrets.Pepper
	// Issuer is the "iss" of session JWTs: the public base URL, no
	// trailing slash, which Stytch SDKs accept (stytch-api.md §4.2).
	Issuer string

	// Hasher hashes passwords (default: password.DefaultParams, at most
	// GOMAXPROCS hashes at once).
	Hasher *password.Hasher
	// Policy judges new passwords (default password.DefaultPolicy).
	Policy password.Policy
	// Throttle slows password guessing (zero: DefaultThrottle).
	Throttle Throttle
	// ClientIP finds the address a request came from, which the throttle
	// counts per (zero: the connection's peer, no proxy trusted).
	ClientIP clientip.Resolver

	Now func() time.Time // default time.Now
}

// Mount fills defaults and registers the routes on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.Hasher == nil {
		h.Hasher = password.NewHasher(password.DefaultParams, 0)
	}
	if h.Policy == (password.Policy{}) {
		h.Policy = password.DefaultPolicy
	}
	if h.Throttle == (Throttle{}) {
		h.Throttle = DefaultThrottle
	}
	if h.Now == nil {
		h.Now = time.Now
	}

	for pattern, fn := range map[string]api.HandlerFunc{
		"POST /v1/users":                    h.createUser,
		"GET /v1/users/{user_id}":           h.getUser,
		"PUT /v1/users/{user_id}":           h.updateUser,
		"DELETE /v1/users/{user_id}":        h.deleteUser,
		"POST /v1/users/search":             h.searchUsers,
		"POST /v1/passwords":                h.createPassword,
		"POST /v1/passwords/authenticate":   h.authenticatePassword,
		"POST /v1/passwords/strength_check": h.strengthCheck,
		"POST /v1/sessions/authenticate":    h.authenticateSession,
		"GET /v1/sessions":                  h.listSessions,
		"POST /v1/sessions/revoke":          h.revokeSession,
	} {
		mux.Handle(pattern, h.Auth.Wrap(fn))
	}
}

// now is the time written to records: UTC at the stores' microsecond
// precision, so what a response shows is what a later read returns.
func (h *Handler) now() time.Time {
	return h.Now().UTC().Truncate(time.Microsecond)
}

// Errors of this package's routes (Stytch error_type values, §2.4). The
// exported ones are also what SignIn and SessionFrom... return. A
// throttled sign-in is api.ErrTooMany, whatever the account (package doc).
var (
	errUserNotFound    = api.Errorf(http.StatusNotFound, "user_not_found", "User could not be found.")
	ErrSessionNotFound = api.Errorf(http.StatusNotFound, "session_not_found", "Session could not be found.")
)

// findUser loads a user by user ID or external ID.
func (h *Handler) findUser(ctx context.Context, projectID, id string) (store.User, error) {
	u, err := h.Store.User(ctx, projectID, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, errUserNotFound
	case err != nil:
		return store.User{}, api.Internal(err)
	}
	return u, nil
}

// duplicate maps a store duplicate to the Stytch error for the field.
func duplicate(err error) error {
	var dup *store.DuplicateError
	if !errors.As(err, &dup) {
		return api.Internal(err)
	}
	switch dup.Field {
	case "email":
		return api.BadRequest("duplicate_email", "A user with this email already exists in the project.")
	case "phone_number":
		return api.BadRequest("duplicate_phone_number", "A user with this phone number already exists in the project.")
	case "external_id":
		return api.BadRequest("duplicate_external_id", "A user with this external_id already exists in the project.")
	}
	return api.Internal(err)
}
