package store

import (
	"context"
	"time"
)

// IntermediateSession is a B2B discovery session (Stytch's intermediate
// session): proof that someone holds an email address, or a member's
// password under it, before an organization is chosen. Short-lived and
// single-use: exchanging it, or creating an organization with it, consumes
// it. The opaque token is stored only as its hash.
type IntermediateSession struct {
	ID        string // "intermediate-session-test-<uuid>"
	ProjectID string
	TokenHash []byte
	// Email is the address the session is bound to, as given.
	Email string
	// EmailVerified says the factor proves the holder receives mail at
	// Email (an email factor, or the password of a member whose email is
	// verified), which JIT provisioning and organization creation need.
	EmailVerified bool
	// AuthenticatedMembers are the IDs of the members the factor
	// authenticated (those whose password matched): they may be entered
	// without another primary factor.
	AuthenticatedMembers []string
	Factors              []Factor
	CreatedAt            time.Time
	ExpiresAt            time.Time
}

// IntermediateSessions are B2B discovery sessions. A session is live while
// its ExpiresAt is after now; Sweep deletes expired ones.
type IntermediateSessions interface {
	// CreateIntermediateSession inserts s.
	CreateIntermediateSession(ctx context.Context, s IntermediateSession) error
	// IntermediateSessionByToken finds a live intermediate session of the
	// project by the hash of its token. ErrNotFound if there is none.
	IntermediateSessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (IntermediateSession, error)
	// ConsumeIntermediateSession deletes the live session with this ID:
	// of two concurrent consumers exactly one succeeds; the other, and any
	// later one, gets ErrNotFound, as does an expired session.
	ConsumeIntermediateSession(ctx context.Context, projectID, sessionID string, now time.Time) error
}
