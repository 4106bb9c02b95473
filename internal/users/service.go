package users

import (
	"context"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Store is the storage the service uses: users with their passwords, the
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

// Config is what a Service is built from. Store, Keys, Pepper and Issuer
// are required; the other fields get the defaults documented on them.
type Config struct {
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
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Audit records sign-ins, lockouts and session revocations (nil:
	// none).
	Audit *audit.Log
	// HotSessions is how many sessions the node keeps in memory with
	// their users (sessioncache.go; 0: 100,000; negative: none, every
	// authentication reads the store).
	HotSessions int
	// Policies checks the roles users are assigned (nil: against the
	// consumer default policy).
	Policies Policies
}

// Service is the users domain: accounts, passwords and their sign-in
// throttles, sessions, and the users bank verifications land on. It is
// what every caller uses, the management API's Handler and other
// packages alike (the hosted sign-in page, the consent API, the bank
// flow), and it knows nothing of HTTP: its errors are this package's
// domain errors (errors.go), which each caller shows in its own way.
type Service struct {
	store    Store
	keys     Keys
	pepper   secrets.Pepper
	issuer   string
	hasher   *password.Hasher
	policy   password.Policy
	throttle Throttle
	clock    func() time.Time
	audit    *audit.Log
	policies Policies
	jwts     jwtCache      // session JWTs reused while fresh (jwtcache.go)
	hot      *sessionCache // hot sessions and their users (sessioncache.go)
}

// NewService returns the service of cfg, complete: nothing is filled in
// later.
func NewService(cfg Config) *Service {
	hot := newSessionCache(cfg.HotSessions)
	s := &Service{
		// Every write of the service passes through forgetting, so none
		// leaves a stale copy in hot.
		store: forgetting{Store: cfg.Store, hot: hot}, keys: cfg.Keys, pepper: cfg.Pepper, issuer: cfg.Issuer,
		hasher: cfg.Hasher, policy: cfg.Policy, throttle: cfg.Throttle, clock: cfg.Now, audit: cfg.Audit,
		hot: hot, policies: cfg.Policies,
	}
	if s.hasher == nil {
		s.hasher = password.NewHasher(password.DefaultParams, 0)
	}
	if s.policy == (password.Policy{}) {
		s.policy = password.DefaultPolicy
	}
	if s.throttle == (Throttle{}) {
		s.throttle = DefaultThrottle
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s
}
