package store

import (
	"context"
	"encoding/json"
	"time"
)

// Store is everything a backend offers. Handlers never take a Store: each
// declares the few methods it needs; the composition root passes the backend.
type Store interface {
	Projects
	Keys
	Users
	Sessions
	M2MClients
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// Sweep deletes what has expired before now (sessions, retired keys past
	// their removal time) and reports how many records went.
	Sweep(ctx context.Context, now time.Time) (int, error)
	Close() error
}

// Projects are tenants.
type Projects interface {
	// CreateProject fails with a *DuplicateError{Field: "project_id"} if the id is taken.
	CreateProject(ctx context.Context, p Project) error
	Project(ctx context.Context, id string) (Project, error)
	ListProjects(ctx context.Context) ([]Project, error)
	// SetProjectTokenAlg changes the access-token algorithm of a project.
	SetProjectTokenAlg(ctx context.Context, id, alg string) error
}

// Keys are signing keys.
type Keys interface {
	// ProjectKeys returns the keys that are still published (RemoveAt nil or
	// after now), oldest first.
	ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]Key, error)
	// RotateKey inserts k and, in the same transaction, retires every other
	// current key of the project with the same Alg: RetiresAt = k.ActivatesAt
	// (they sign until the new key takes over) and RemoveAt = removeAt (they
	// stay in the JWKS until tokens they signed have expired). With no
	// earlier key it is a plain insert.
	RotateKey(ctx context.Context, k Key, removeAt time.Time) error
}

// Users are end users, their passwords and their lockout state.
type Users interface {
	// CreateUser inserts u (and its password, if u.Password is set). A taken
	// email, phone number or external ID yields a *DuplicateError naming it.
	CreateUser(ctx context.Context, u User) error
	// User finds a user by user ID or, failing that, by external ID.
	User(ctx context.Context, projectID, idOrExternalID string) (User, error)
	// UserByEmail finds a user by email address, case-insensitively.
	UserByEmail(ctx context.Context, projectID, email string) (User, error)
	// UpdateUser applies fn to the stored user inside one transaction and
	// saves the result (Password is ignored; use SetPassword). fn's error aborts.
	UpdateUser(ctx context.Context, projectID, userID string, fn func(*User) error) (User, error)
	// DeleteUser removes the user with their password and sessions (and, as
	// later capabilities add them, grants and tokens) in one transaction.
	DeleteUser(ctx context.Context, projectID, userID string) error
	SearchUsers(ctx context.Context, projectID string, q UserQuery) (UserResult, error)
	// SetPassword creates or replaces the user's password.
	SetPassword(ctx context.Context, projectID, userID string, p Password) error
	// RecordLoginFailure counts a failed password check. When the count
	// reaches maxFailures the user is locked until now+lockFor and the count
	// restarts. Returns the updated user.
	RecordLoginFailure(ctx context.Context, projectID, userID string, now time.Time, maxFailures int, lockFor time.Duration) (User, error)
	// ClearLoginFailures resets the count (after a successful check).
	ClearLoginFailures(ctx context.Context, projectID, userID string) error
}

// Sessions are signed-in users' sessions.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionByToken finds a live session (ExpiresAt after now) by token hash.
	SessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (Session, error)
	// SessionByID finds a live session by ID.
	SessionByID(ctx context.Context, projectID, sessionID string, now time.Time) (Session, error)
	// TouchSession marks a live session accessed at now; a non-zero
	// expiresAt replaces its expiry, and a non-nil customClaims replaces its
	// custom claims. ErrNotFound if it is gone or expired.
	TouchSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (Session, error)
	// UserSessions lists the user's live sessions, newest first.
	UserSessions(ctx context.Context, projectID, userID string, now time.Time) ([]Session, error)
	// RevokeSession ends a session. ErrNotFound if there was none.
	RevokeSession(ctx context.Context, projectID, sessionID string) error
}

// M2MClients are client_credentials clients.
type M2MClients interface {
	// CreateM2MClient fails with *DuplicateError{Field: "client_id"} if the
	// id is taken anywhere on the instance.
	CreateM2MClient(ctx context.Context, c M2MClient) error
	// M2MClient finds a client by ID; projectID "" matches any project (the
	// token endpoint without a project in its path).
	M2MClient(ctx context.Context, projectID, clientID string) (M2MClient, error)
	// UpdateM2MClient applies fn inside one transaction and saves the result.
	UpdateM2MClient(ctx context.Context, projectID, clientID string, fn func(*M2MClient) error) (M2MClient, error)
	DeleteM2MClient(ctx context.Context, projectID, clientID string) error
	SearchM2MClients(ctx context.Context, projectID string, q M2MQuery) (M2MResult, error)
}
