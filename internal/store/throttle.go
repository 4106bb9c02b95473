package store

import (
	"context"
	"time"
)

// LoginThrottles are the counters that throttle password sign-ins
// (internal/users documents the policy that reads them). They live in the
// database, so every node sharing it enforces one budget: N nodes do not
// give a guesser N times the tries.
//
// Three counters take part in an attempt: the client address's attempts
// in a fixed window (LoginPolicy.AddressWindow), the account's failures in
// a fixed window (AccountWindow), and the (account, address) pair's
// failures since its last success, which earn growing delays. An account
// is named by LoginAttempt.Account whether or not a user has it, so
// unknown accounts are counted exactly like real ones.
type LoginThrottles interface {
	// ClaimLoginAttempt is the check before a password is verified, in
	// one atomic statement:
	//   - the address's attempts in the current window go up by one;
	//   - the pair, unless its delay has not passed (Delayed: this attempt
	//     is then not counted toward it), counts one more failure, and once
	//     its failures pass FreeFailures the next attempt must wait Delay,
	//     doubled per further failure up to MaxDelay;
	//   - the account's failures in the current window are read.
	// A pair with no attempt for Forget starts afresh.
	ClaimLoginAttempt(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) (LoginClaim, error)
	// LoginFailed counts a failed check (wrong password, unknown account)
	// toward the account's failures in the current window.
	LoginFailed(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) error
	// LoginSucceeded forgets the pair's failures and delay, and marks the
	// address known to the account until now+KnownFor.
	LoginSucceeded(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) error
	// LiftLoginLock forgets the account's failures and the pair's, and
	// ends the pair's delay (a password reset, which proves the owner has
	// the account). Whether the address is known stays as it was.
	LiftLoginLock(ctx context.Context, a LoginAttempt) error
}

// LoginAttempt names the counters of a sign-in attempt.
type LoginAttempt struct {
	ProjectID string
	// Account identifies the account tried, the same for every attempt on
	// it; internal/users passes a peppered hash of the email address, so
	// no address anyone typed is stored.
	Account string
	// Address is the client's address as a limit key (clientip.Key).
	Address string
}

// LoginPolicy is what the store needs of the throttling policy.
type LoginPolicy struct {
	AddressWindow time.Duration
	AccountWindow time.Duration
	// FreeFailures of a pair earn no delay; the next one earns Delay, each
	// further one twice the last, up to MaxDelay.
	FreeFailures    int
	Delay, MaxDelay time.Duration
	// Forget: a pair with no attempt this long starts afresh (at least
	// MaxDelay).
	Forget time.Duration
	// KnownFor is how long an address stays known to an account after a
	// successful sign-in from it.
	KnownFor time.Duration
}

// LoginClaim is the counters' state after ClaimLoginAttempt.
type LoginClaim struct {
	// AddressAttempts in the current address window, this one included.
	AddressAttempts int
	// AccountFailures in the current account window.
	AccountFailures int
	// PairFailures since the pair's last success, this attempt included
	// unless Delayed.
	PairFailures int
	// Delayed means the pair's delay had not passed: no attempt of the pair
	// is allowed before DelayedUntil.
	Delayed bool
	// DelayedUntil is when the pair's current delay ends (zero: none).
	DelayedUntil time.Time
	// Known means the account signed in successfully from the address
	// within KnownFor.
	Known bool
}
