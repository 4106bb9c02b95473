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
	Organizations
	MemberSessions
	IntermediateSessions
	Sessions
	M2MClients
	ConnectedApps
	Authorizations
	PushedRequests
	Banks
	BankVerifications
	LoginThrottles
	MasterKeys
	AuditEvents
	RBACPolicies
	LogoutDeliveries
	Registrations
	Changes
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// ProbeWrite commits a transaction that writes and leaves no trace, so
	// readiness knows the database still accepts writes (not full, not
	// read-only, its write lock obtainable), which Ping cannot tell.
	ProbeWrite(ctx context.Context) error
	// Sweep deletes what has expired by now (sessions, member sessions,
	// intermediate sessions, retired keys past
	// their removal time, authorization codes, refresh tokens, grants past
	// their expiry or revoked, pushed requests, used JWT IDs, bank
	// verification flows, remembered bank choices, sign-in throttle
	// counters, logout deliveries older than LogoutDeliveryRetention,
	// initial access tokens expired or spent) and reports how many records
	// went.
	Sweep(ctx context.Context, now time.Time) (int, error)
	Close() error
}

// Changes tells the caches of every process sharing the database which
// records changed, so that a node drops its copy of a deactivated client
// or a rotated key at once instead of when the copy's TTL runs out. The
// operations that change a cached record say which topic they announce;
// they announce it when their transaction commits, and only then.
//
// Every subscriber of the topic hears of it, in the writing process and in
// every other: in process on SQLite (one node), through PostgreSQL
// LISTEN/NOTIFY across nodes. Delivery is best effort: a notification sent
// while a node's listener is reconnecting is lost. So caches keep their
// TTL as the bound they promise, and a listener that (re)connects tells
// its subscribers to forget everything, with the key "".
type Changes interface {
	// Subscribe calls fn with the key of each changed record of topic, or
	// "" for "anything of the topic may have changed". fn runs on the
	// writer's or the listener's goroutine: it must be quick and must not
	// call the store. cancel stops the deliveries.
	Subscribe(topic string, fn func(key string)) (cancel func())
}

// The topics Changes announces, and what their key is.
const (
	TopicKeys         = "keys"          // project ID: its signing keys changed
	TopicProject      = "project"       // project ID: its settings changed
	TopicM2MClient    = "m2m_client"    // client ID of an M2M client
	TopicConnectedApp = "connected_app" // client ID of a Connected App
	TopicRBACPolicy   = "rbac_policy"   // project ID: its RBAC policy (or an organization's) changed
	TopicSession      = "session"       // session ID: a session was revoked, or its expiry or custom claims changed
	TopicUser         = "user"          // user ID: a user (or their password) changed, or was deleted with their sessions
)

// Projects are tenants.
type Projects interface {
	// CreateProject fails with a *DuplicateError{Field: "project_id"} if the id is taken.
	CreateProject(ctx context.Context, p Project) error
	Project(ctx context.Context, id string) (Project, error)
	ListProjects(ctx context.Context) ([]Project, error)
	// SetProjectTokenAlg changes the access-token algorithm of a project.
	// It announces TopicProject.
	SetProjectTokenAlg(ctx context.Context, id, alg string) error
	// SetProjectTrustAnchors replaces the project's tls_client_auth trust
	// anchors (PEM; "" for none). It announces TopicProject.
	SetProjectTrustAnchors(ctx context.Context, id, pem string) error
	// UpdateProjectSecret applies fn to the project inside one
	// transaction, with the row locked, and saves its SecretHash and
	// NextSecretHash (nothing else). fn's error aborts and is returned as
	// is. It is how a two-phase secret rotation moves from step to step.
	// It announces TopicProject, so other nodes' project-auth caches drop
	// the old secret.
	UpdateProjectSecret(ctx context.Context, id string, fn func(*Project) error) (Project, error)
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
	// earlier key it is a plain insert. It announces TopicKeys.
	RotateKey(ctx context.Context, k Key, removeAt time.Time) error
	// AddKeys inserts, in one transaction, each of ks (keys of one
	// project) whose Alg the project has no current key of (RetiresAt
	// nil), and leaves out the others: of two processes racing to give a
	// project its first key of an algorithm, one wins and the other adds
	// nothing. It reports how many it inserted, and announces TopicKeys.
	// ErrNotFound if the project does not exist.
	AddKeys(ctx context.Context, ks []Key) (int, error)
}

// Users are end users and their passwords. (Failed sign-ins are counted
// by LoginThrottles, per email address, whether or not a user has it.)
type Users interface {
	// CreateUser inserts u (and its password, if u.Password is set). A taken
	// email, phone number or external ID yields a *DuplicateError naming it.
	CreateUser(ctx context.Context, u User) error
	// User finds a user by user ID or, failing that, by external ID.
	User(ctx context.Context, projectID, idOrExternalID string) (User, error)
	// UserByEmail finds a user by email address, case-insensitively.
	UserByEmail(ctx context.Context, projectID, email string) (User, error)
	// UserByBankSubject finds the user one of whose Verifications has this
	// bank issuer and subject (compared exactly). CreateUser and UpdateUser
	// keep that index: a pair already on another user of the project is a
	// *DuplicateError{Field: "bank_subject"}.
	UserByBankSubject(ctx context.Context, projectID, issuer, subject string) (User, error)
	// UpdateUser applies fn to the stored user inside one transaction and
	// saves the result (Password is ignored; use SetPassword). fn's error
	// aborts. It, DeleteUser and SetPassword announce TopicUser.
	UpdateUser(ctx context.Context, projectID, userID string, fn func(*User) error) (User, error)
	// DeleteUser removes the user with their password, sessions, consents,
	// grants, authorization codes, refresh tokens, bank subjects and bank
	// verification flows in one transaction, queuing first a
	// LogoutDelivery for each (client with a backchannel_logout_uri,
	// session) of the user's grants, as RevokeSession does.
	DeleteUser(ctx context.Context, projectID, userID string, now time.Time) error
	SearchUsers(ctx context.Context, projectID string, q UserQuery) (UserResult, error)
	// SetPassword creates or replaces the user's password.
	SetPassword(ctx context.Context, projectID, userID string, p Password) error
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
	// custom claims. ErrNotFound if it is gone or expired. It announces
	// TopicSession when it changes the expiry or the claims (not for
	// last_accessed_at alone: that is written often and matters little).
	TouchSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (Session, error)
	// UserSessions lists the user's live sessions, newest first.
	UserSessions(ctx context.Context, projectID, userID string, now time.Time) ([]Session, error)
	// RevokeSession ends a session and, in the same transaction, queues a
	// LogoutDelivery for each client with a backchannel_logout_uri that
	// has a grant from it (announcing TopicLogout when it queued any); it
	// announces TopicSession. ErrNotFound if there was none.
	RevokeSession(ctx context.Context, projectID, sessionID string, now time.Time) error
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
	// It and DeleteM2MClient announce TopicM2MClient.
	UpdateM2MClient(ctx context.Context, projectID, clientID string, fn func(*M2MClient) error) (M2MClient, error)
	DeleteM2MClient(ctx context.Context, projectID, clientID string) error
	SearchM2MClients(ctx context.Context, projectID string, q M2MQuery) (M2MResult, error)
}

// ConnectedApps are OAuth/OIDC clients of the hosted OP.
type ConnectedApps interface {
	// CreateConnectedApp fails with *DuplicateError{Field: "client_id"} if
	// the id is taken.
	CreateConnectedApp(ctx context.Context, c ConnectedApp) error
	// ConnectedApp finds a client by ID; projectID "" matches any project.
	ConnectedApp(ctx context.Context, projectID, clientID string) (ConnectedApp, error)
	// UpdateConnectedApp applies fn inside one transaction and saves the
	// result (ClientID, ProjectID, Type and CreatedAt cannot change). It and
	// DeleteConnectedApp announce TopicConnectedApp.
	UpdateConnectedApp(ctx context.Context, projectID, clientID string, fn func(*ConnectedApp) error) (ConnectedApp, error)
	// DeleteConnectedApp removes the client with its consents, grants,
	// authorization codes and refresh tokens.
	DeleteConnectedApp(ctx context.Context, projectID, clientID string) error
	SearchConnectedApps(ctx context.Context, projectID string, p Page) (ConnectedAppResult, error)
}

// Authorizations are what users grant Connected Apps: remembered consent,
// one-time codes, grants and their refresh-token families.
type Authorizations interface {
	// SaveConsent records consent; the stored scopes become the union of
	// the stored and the given ones.
	SaveConsent(ctx context.Context, c Consent) error
	Consent(ctx context.Context, projectID, userID, clientID string) (Consent, error)
	// MemberConsent is a B2B member's consent to the client (SaveConsent
	// and CreateAuthCode record one when Consent.MemberID is set).
	MemberConsent(ctx context.Context, projectID, memberID, clientID string) (Consent, error)
	// UserConsents lists a user's consents, oldest first.
	UserConsents(ctx context.Context, projectID, userID string) ([]Consent, error)
	// RevokeConsent deletes the consent and revokes every live grant of
	// that user to that client (killing their refresh and access tokens).
	// ErrNotFound if there was neither.
	RevokeConsent(ctx context.Context, projectID, userID, clientID string, now time.Time) error

	// CreateAuthCode stores a code and, when consent is not nil, records
	// that consent as SaveConsent does, in the same transaction: a code
	// and the consent it carries are written together or not at all, in
	// one commit instead of two.
	CreateAuthCode(ctx context.Context, c AuthCode, consent *Consent) error
	// RedeemAuthCode uses a code once, atomically. It finds the unexpired
	// code by hash and calls issue, which checks the token request against
	// it (client, redirect_uri, PKCE) and returns the grant to create. The
	// code is burned whatever issue returns (RFC 6749 §4.1.2: used at most
	// once); on success the grant is stored and the code remembers its ID.
	// A code redeemed before yields ErrAlreadyUsed, and the grant it issued
	// is revoked in the same transaction (RFC 6749 §4.1.2, RFC 9700 §4.5).
	// An unknown or expired code yields ErrNotFound.
	RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, issue func(AuthCode) (Grant, error)) (Grant, error)
	// Grant returns a live grant (not revoked, not expired).
	Grant(ctx context.Context, projectID, grantID string, now time.Time) (Grant, error)
	// RevokeGrant revokes a grant. ErrNotFound if it is unknown.
	RevokeGrant(ctx context.Context, projectID, grantID string, now time.Time) error

	// CreateRefreshToken stores the first refresh token of a grant.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RotateRefreshToken exchanges a refresh token for its successor,
	// atomically. It finds the unexpired token (of a live grant) by hash and
	// calls next with the grant; next checks the request (client binding)
	// and returns the successor, or an error that leaves everything as it
	// was. next must derive the successor from the presented token, the
	// same on every call. A token already rotated is refused with
	// ErrAlreadyUsed and its grant revoked (reuse detection, RFC 9700
	// §4.14.2) — unless it was rotated at most grace ago and its successor
	// is still unused: then it is a retry (a lost response, two requests
	// racing from one client), nothing is written and the grant is
	// returned, so the caller gives out the same successor again. A token
	// has at most one successor; a family, one live chain. Unknown or
	// expired token, revoked or expired grant: ErrNotFound.
	RotateRefreshToken(ctx context.Context, hash []byte, now time.Time, grace time.Duration, next func(Grant) (RefreshToken, error)) (Grant, error)
	// RefreshTokenGrant returns the live grant an unexpired refresh token
	// belongs to (for introspection and revocation).
	RefreshTokenGrant(ctx context.Context, hash []byte, now time.Time) (Grant, error)
	// RefreshToken returns an unexpired refresh token of a live grant with
	// that grant; RotatedAt tells whether it was already spent (RFC 7662
	// introspection reports a spent token as inactive).
	RefreshToken(ctx context.Context, hash []byte, now time.Time) (RefreshToken, Grant, error)
}

// Banks are the bank identity providers a project offers (the bank registry).
type Banks interface {
	// CreateBank fails with *DuplicateError{Field: "issuer"} if the project
	// already has a bank with that issuer (Field "bank_id" if the ID is taken).
	CreateBank(ctx context.Context, b Bank) error
	Bank(ctx context.Context, projectID, bankID string) (Bank, error)
	// Banks lists the project's banks by display name (then ID).
	Banks(ctx context.Context, projectID string) ([]Bank, error)
	// UpdateBank applies fn to the stored bank inside one transaction and
	// saves the result (ID, ProjectID and CreatedAt cannot change). fn's
	// error aborts; a changed issuer that collides is a *DuplicateError.
	UpdateBank(ctx context.Context, projectID, bankID string, fn func(*Bank) error) (Bank, error)
	// DeleteBank removes the bank and the account selector's memory of
	// visitors who chose it. ErrNotFound if there was none.
	DeleteBank(ctx context.Context, projectID, bankID string) error
}

// BankVerifications are runs of the relying-party flow to a bank and the
// account selector's memory of which bank a visitor chose.
type BankVerifications interface {
	// CreateBankVerification fails with *DuplicateError{Field:
	// "bank_verification_id"} if the ID is taken. When v.SourceHash is
	// set and perSource > 0, that source holds at most perSource runs:
	// its expired runs are deleted first, and if perSource runs (live at
	// v.CreatedAt) remain, it fails with ErrLimitReached and writes
	// nothing. Concurrent creations from one source are serialized, so
	// the bound holds on every backend.
	CreateBankVerification(ctx context.Context, v BankVerification, perSource int) error
	// BankVerification finds an unexpired flow (ExpiresAt after now) by ID,
	// in any project: the browser's callback knows only the ID.
	BankVerification(ctx context.Context, id string, now time.Time) (BankVerification, error)
	// UpdateBankVerification applies fn to the unexpired flow inside one
	// transaction, with the row locked, and saves the result (ID,
	// ProjectID, Kind, SourceHash and CreatedAt cannot change). fn's error aborts and
	// is returned as is. This is the compare-and-set that moves a flow
	// from one status to the next exactly once.
	UpdateBankVerification(ctx context.Context, id string, now time.Time, fn func(*BankVerification) error) (BankVerification, error)
	// RememberBank records (or replaces) the bank a visitor chose. When
	// c.SourceHash is set and perSource > 0, that source keeps at most
	// perSource choices: in the same transaction, its choices beyond the
	// perSource most recent (by ChosenAt) are forgotten, so a new choice
	// is always kept and an address can never hold more.
	RememberBank(ctx context.Context, c BankChoice, perSource int) error
	// RememberedBank returns the visitor's unexpired choice; ErrNotFound if
	// there is none.
	RememberedBank(ctx context.Context, projectID string, visitorHash []byte, now time.Time) (BankChoice, error)
}

// PushedRequests are PAR requests (RFC 9126) and the one-time identifiers
// (JWT IDs) that client assertions and request objects carry.
type PushedRequests interface {
	// CreatePushedRequest stores a pushed authorization request.
	CreatePushedRequest(ctx context.Context, r PushedRequest) error
	// OpenPushedRequest returns the unexpired pushed request with this
	// hash for the authorization endpoint to show, and keeps it open for
	// hold more from now (its expiry only ever moves later): the first
	// opening must come within the request's own life (RFC 9126 §2.2,
	// expires_in), and a reload or Back within the interaction finds it
	// again (§4 allows it). Unknown or expired: ErrNotFound. Completed
	// before: ErrAlreadyUsed, with the request returned so that the page
	// can name the application.
	OpenPushedRequest(ctx context.Context, hash []byte, now time.Time, hold time.Duration) (PushedRequest, error)
	// CompletePushedRequest spends the request's one use (RFC 9126 §4)
	// as its authorization completes, atomically: of two racing
	// completions one succeeds, the other gets ErrAlreadyUsed. Unknown or
	// expired: ErrNotFound.
	CompletePushedRequest(ctx context.Context, hash []byte, now time.Time) error
	// UseJTI records that the JWT with this jti, from this client, was
	// accepted and is valid until exp. A jti the client used before (and
	// that has not been swept since exp) yields ErrAlreadyUsed (RFC 7523
	// §3 item 7, RFC 9101 §10.8).
	UseJTI(ctx context.Context, clientID, jti string, exp time.Time) error
}
