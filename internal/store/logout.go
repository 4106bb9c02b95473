package store

import (
	"context"
	"time"
)

// LogoutDelivery is one logout token owed to a client (OpenID Connect
// Back-Channel Logout 1.0 §2.5): the user, and the session when there was
// one, that the client must forget. The store writes it in the transaction
// that ends the session or deletes the user (RevokeSession, DeleteUser),
// for each client with a backchannel_logout_uri that got a grant in that
// session (of that user); it stays until it is delivered or given up
// (FinishLogoutDelivery), so a crash between the logout and the delivery,
// or between two attempts, loses nothing.
type LogoutDelivery struct {
	ID        string // the logout token's jti, the same on every attempt
	ProjectID string
	ClientID  string
	UserID    string // the token's sub
	SessionID string // the token's sid; "" when the grant had no session
	// Attempts counts the claims so far, this one included.
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	LastError     string // why the previous attempt failed
}

// LogoutDeliveries is the back-channel logout outbox.
type LogoutDeliveries interface {
	// ClaimLogoutDeliveries takes at most limit deliveries due at now
	// (NextAttemptAt not after now), soonest first: each counts an attempt
	// and is not due again before now+lease, so no other node takes it
	// while this one delivers, and it comes back if this one dies first.
	ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]LogoutDelivery, error)
	// RetryLogoutDelivery records a failed attempt: due again at next, and
	// why. ErrNotFound if it is gone.
	RetryLogoutDelivery(ctx context.Context, id string, next time.Time, lastError string) error
	// FinishLogoutDelivery deletes a delivery, delivered or given up.
	// ErrNotFound if it is gone.
	FinishLogoutDelivery(ctx context.Context, id string) error
}

// TopicLogout is announced (key: the project ID) when a transaction
// queued logout deliveries, so every node's sender looks at once.
const TopicLogout = "logout"

// LogoutDeliveryRetention bounds how long an undelivered logout waits:
// Sweep deletes older ones (a sender gives up well before; this is for
// the rows no sender is running to take).
const LogoutDeliveryRetention = 24 * time.Hour
