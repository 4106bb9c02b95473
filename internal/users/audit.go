package users

import (
	"context"
	"errors"
	"fmt"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// errLocked is the throttle's refusal of an account that is locked (its
// failures from every address reached Throttle.AccountLimit). Callers see
// ErrThrottled (errors.Is), as for every other refusal; only the audit log
// tells it apart.
var errLocked = fmt.Errorf("%w (the account is locked)", ErrThrottled)

// auditPassword records a password sign-in's outcome (u and err are
// passwordUser's): success, or failure with its reason; a locked account
// is a lockout event too. Faults (the store failing) are no outcome of
// the attempt and are logged as faults by the caller's writer instead.
func (s *Service) auditPassword(ctx context.Context, projectID, email string, u store.User, err error) {
	e := audit.Event{ProjectID: projectID, Type: audit.SignIn, Outcome: audit.Success,
		Details: map[string]string{"method": "password", "email": email}}
	switch {
	case err == nil:
		e.Subject = u.ID
	case errors.Is(err, errLocked):
		s.audit.Record(ctx, audit.Event{ProjectID: projectID, Type: audit.Lockout, Outcome: audit.Failure,
			Details: map[string]string{"email": email}})
		e.Outcome, e.Details["reason"] = audit.Failure, "locked"
	case errors.Is(err, ErrThrottled):
		e.Outcome, e.Details["reason"] = audit.Failure, "throttled"
	case errors.Is(err, ErrBadCredentials):
		e.Outcome, e.Details["reason"] = audit.Failure, "bad_credentials"
	default:
		return
	}
	s.audit.Record(ctx, e)
}
