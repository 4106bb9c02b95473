package store

import (
	"context"
	"time"
)

// RegistrationPolicy is how a project takes dynamic client registrations
// (RFC 7591), set by the operator.
type RegistrationPolicy struct {
	// Open lets anyone register a client without an initial access token
	// (RFC 7591 §3: "open registration"). Off by default.
	Open bool
	// SoftwareStatementKeys is a JWK Set (JSON) of the directories whose
	// software statements (RFC 7591 §2.3) the project trusts, or "".
	SoftwareStatementKeys string
}

// RegistrationToken is an initial access token (RFC 7591 §3): the project
// hands it to a developer, who presents it to register clients. The token
// is stored only as its hash. It is live while ExpiresAt is after now and
// Uses is below MaxUses.
type RegistrationToken struct {
	ID        string // "registration-token-<uuid>"
	ProjectID string
	Hash      []byte
	MaxUses   int // at least 1
	Uses      int
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ClientRegistration is what RFC 7592 management of a dynamically
// registered Connected App needs: the hash of its registration access
// token. A client made through the management API has none.
type ClientRegistration struct {
	ClientID        string
	ProjectID       string
	AccessTokenHash []byte
	CreatedAt       time.Time
}

// Registrations are dynamic client registrations (RFC 7591, RFC 7592).
type Registrations interface {
	// SetProjectRegistration replaces the project's registration policy.
	// It announces TopicProject. ErrNotFound if there is no such project.
	SetProjectRegistration(ctx context.Context, projectID string, p RegistrationPolicy) error
	// CreateRegistrationToken inserts t.
	CreateRegistrationToken(ctx context.Context, t RegistrationToken) error
	// RegistrationTokenByHash finds a live initial access token of any
	// project by its hash. ErrNotFound if there is none.
	RegistrationTokenByHash(ctx context.Context, hash []byte, now time.Time) (RegistrationToken, error)
	// DeleteRegistrationToken removes the project's token. ErrNotFound if
	// there is none.
	DeleteRegistrationToken(ctx context.Context, projectID, id string) error
	// RegisterConnectedApp creates the client c with its registration r in
	// one transaction. If tokenID is not "", it first uses the live
	// initial access token tokenID of c's project once: of concurrent
	// registrations with a token's last use exactly one succeeds; the
	// others, like a token expired or spent, get ErrNotFound and create
	// nothing. A taken client ID is a *DuplicateError{Field: "client_id"}.
	RegisterConnectedApp(ctx context.Context, c ConnectedApp, r ClientRegistration, tokenID string, now time.Time) error
	// ClientRegistration finds the registration of a client of any
	// project. ErrNotFound if the client was not registered dynamically
	// (or does not exist). DeleteConnectedApp deletes it with its client.
	ClientRegistration(ctx context.Context, clientID string) (ClientRegistration, error)
}
