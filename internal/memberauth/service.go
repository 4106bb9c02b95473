package memberauth

import (
	"context"
	"net/netip"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Store is the storage the service uses beside the organizations
// service: member sessions and member passwords.
type Store interface {
	store.MemberSessions
	SetMemberPassword(ctx context.Context, projectID, memberID string, p store.Password) error
}

// Orgs is the organizations and members domain (*orgs.Service): the
// records and the organization's policy.
type Orgs interface {
	Organization(ctx context.Context, projectID, ref string) (store.Organization, error)
	MemberByEmail(ctx context.Context, projectID, orgRef, email string) (store.Member, store.Organization, error)
	Member(ctx context.Context, projectID, orgRef, memberRef string) (store.Member, store.Organization, error)
	DangerouslyGetMember(ctx context.Context, projectID, memberID string, includeDeleted bool) (store.Member, store.Organization, error)
	ImportMember(ctx context.Context, projectID, orgRef string, f orgs.MemberFields, pw store.Password) (store.Member, store.Organization, bool, error)
	Activate(ctx context.Context, m store.Member) (store.Member, error)
}

// Guard runs a credential check under the sign-in throttles
// (*users.Service: the consumer sign-in's throttles, counted in the same
// store). It returns users.ErrThrottled, users.ErrBadCredentials, or
// check's error.
type Guard interface {
	GuardCredential(ctx context.Context, projectID, account string, client netip.Addr, check func(context.Context) (bool, error)) error
}

// Keys signs session JWTs with the project's RS256 key and checks them
// (*keys.Manager).
type Keys interface {
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
	Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error)
}

// Config is what a Service is built from. Every field but Hasher, Policy
// and Now is required.
type Config struct {
	Store  Store
	Orgs   Orgs
	Guard  Guard
	Keys   Keys
	Pepper secrets.Pepper
	// Issuer is the "iss" of session JWTs: the public base URL, as for
	// consumer sessions (stytch-api.md §4.2).
	Issuer string
	// Hasher hashes passwords (default: password.DefaultParams).
	Hasher *password.Hasher
	// Policy judges new passwords (default password.DefaultPolicy).
	Policy password.Policy
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is B2B sign-in: member passwords and member sessions, without
// HTTP. Its errors are *Error, the *orgs.Error of the organization's
// policy, and users.ErrThrottled / users.ErrBadCredentials from the
// throttled password check; anything else is internal.
type Service struct {
	store  Store
	orgs   Orgs
	guard  Guard
	keys   Keys
	pepper secrets.Pepper
	issuer string
	hasher *password.Hasher
	policy password.Policy
	clock  func() time.Time
	jwts   jwtCache
}

// NewService returns the service of cfg, complete.
func NewService(cfg Config) *Service {
	s := &Service{store: cfg.Store, orgs: cfg.Orgs, guard: cfg.Guard, keys: cfg.Keys, pepper: cfg.Pepper,
		issuer: cfg.Issuer, hasher: cfg.Hasher, policy: cfg.Policy, clock: cfg.Now}
	if s.hasher == nil {
		s.hasher = password.NewHasher(password.DefaultParams, 0)
	}
	if s.policy == (password.Policy{}) {
		s.policy = password.DefaultPolicy
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s
}
