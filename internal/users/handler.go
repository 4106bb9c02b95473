package users

import (
	"context"
	"errors"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
)

// Handler serves the users, passwords and sessions routes of the
// management API over a Service: it decodes requests, calls the service,
// and writes responses, with the service's errors mapped to the Stytch
// envelope by APIError.
type Handler struct {
	Auth    *projects.Auth
	Service *Service
	// ClientIP finds the address a request came from, which the sign-in
	// throttles count per (zero: the connection's peer, no proxy trusted).
	ClientIP clientip.Resolver
	// Policies answers the authorization_check of sessions.authenticate
	// (nil: every check is refused, never skipped).
	Policies Policies
}

// Policies gives a project's RBAC policy.
type Policies interface {
	Policy(ctx context.Context, p store.Project) (*rbac.Compiled, error)
}

// Mount registers the routes on mux.
func (h *Handler) Mount(mux api.Router) {
	for pattern, fn := range map[string]projects.HandlerFunc{
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
		mux.Handle(pattern, h.Auth.Wrap(func(w http.ResponseWriter, r *http.Request, p store.Project) error {
			return APIError(fn(w, r, p))
		}))
	}
}

// The Stytch errors (error_type values, §2.4) of this package's domain
// errors that are not input errors.
var (
	errUserNotFound    = api.Errorf(http.StatusNotFound, "user_not_found", "User could not be found.")
	errSessionNotFound = api.Errorf(http.StatusNotFound, "session_not_found", "Session could not be found.")
)

// APIError is err as the management API sends it: the one place where
// the Service's errors become Stytch envelopes, for this package's routes
// and for the other management routes that pass them on (the consent
// API's session_not_found, a bank verification's session). An *api.Error
// (a request that could not be decoded) is sent as it is; anything else
// is an internal error, logged and never sent.
//
// Every throttled sign-in is the same 429 and every failed password check
// the same 401, whatever the account (package doc).
func APIError(err error) error {
	var (
		e   *api.Error
		inv *InvalidError
		dup *DuplicateError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrUserNotFound):
		return errUserNotFound
	case errors.Is(err, ErrSessionNotFound):
		return errSessionNotFound
	case errors.Is(err, ErrBadCredentials):
		return api.ErrUnauthorized
	case errors.Is(err, ErrThrottled):
		return api.ErrTooMany
	case errors.As(err, &inv):
		return api.BadRequest(inv.Code, "%s", inv.Message)
	case errors.As(err, &dup):
		switch dup.Field {
		case "email":
			return api.BadRequest("duplicate_email", "A user with this email already exists in the project.")
		case "phone_number":
			return api.BadRequest("duplicate_phone_number", "A user with this phone number already exists in the project.")
		case "external_id":
			return api.BadRequest("duplicate_external_id", "A user with this external_id already exists in the project.")
		}
	}
	return api.Internal(err)
}

// now is the time user JSON is judged at (whether an old lock still
// holds): the service's clock.
