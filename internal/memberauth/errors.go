package memberauth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/users"
)

// Error is a refusal of this package, named by the Stytch error_type the
// API answers with and carrying its HTTP status.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return "memberauth: " + e.Code + ": " + e.Msg }

// Is matches any *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func refuse(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(code, format string, args ...any) *Error {
	return refuse(http.StatusBadRequest, code, format, args...)
}

// Errors the service returns (others are made where they arise).
var (
	// ErrSessionNotFound: the credentials name no live member session of
	// the project (unknown, expired, revoked, a JWT not issued for it, or
	// a session whose member or organization is gone).
	ErrSessionNotFound = refuse(http.StatusNotFound, "session_not_found", "Session could not be found.")
	// ErrMemberNotActive: the password is right but the member cannot
	// sign in with it yet: an invited member accepts the invitation
	// first (Stytch's invite magic link).
	ErrMemberNotActive = refuse(http.StatusForbidden, "member_not_active",
		"The member has not accepted its invitation; it cannot sign in until it is active.")
	// ErrMFAUnsupported: the organization requires MFA of every member
	// (mfa_policy REQUIRED_FOR_ALL) or the member is enrolled in it, and
	// Signet cannot run an MFA step yet. Stytch would answer with an
	// intermediate session and member_authenticated false; a full session
	// would bypass the organization's policy, so the sign-in is refused.
	ErrMFAUnsupported = refuse(http.StatusForbidden, "mfa_unsupported",
		"This sign-in needs an MFA step (the organization's mfa_policy or the member's mfa_enrolled), which Signet cannot run yet.")
	// ErrSessionMemberMismatch: a password sign-in names a session of
	// another member to extend.
	ErrSessionMemberMismatch = invalid("session_member_mismatch", "The session belongs to a different member.")
)

// APIError is err in the Stytch envelope: an *Error with its status, an
// *orgs.Error as the organizations API sends it, the throttled password
// check's refusals as users sends them, anything else a 500.
func APIError(err error) error {
	var e *Error
	var oe *orgs.Error
	var ae *api.Error
	switch {
	case errors.As(err, &e):
		return api.Errorf(e.Status, e.Code, "%s", e.Msg)
	case errors.As(err, &oe):
		return orgs.APIError(err)
	case errors.Is(err, users.ErrBadCredentials):
		return api.ErrUnauthorized
	case errors.Is(err, users.ErrThrottled):
		return api.ErrTooMany
	case errors.As(err, &ae):
		return ae
	}
	return api.Internal(err)
}
