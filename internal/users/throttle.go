package users

import (
	"context"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/store"
)

// Throttle is the policy that slows password guessing (the package doc
// explains it). The zero Throttle means DefaultThrottle; any other value is
// used as it is, so a limit of 0 is off.
type Throttle struct {
	// AddressLimit is how many attempts one client address (an IPv6
	// client: its /64) may make per AddressWindow, over every account of a
	// project (0: no limit).
	AddressLimit  int
	AddressWindow time.Duration
	// FreeFailures of an (account, address) pair cost nothing; the next
	// one delays that pair's next attempt by Delay, and each further one
	// doubles the delay, up to MaxDelay (Delay 0: no delays).
	FreeFailures    int
	Delay, MaxDelay time.Duration
	// AccountLimit failures of one account per AccountWindow, from all
	// addresses together, lock it until the window ends, except at the
	// addresses known to it (0: no limit).
	AccountLimit  int
	AccountWindow time.Duration
	// KnownFor is how long an address where the account signed in
	// successfully stays known to it (0: none is).
	KnownFor time.Duration
}

// DefaultThrottle is the policy of a Service whose Throttle is zero.
//
// A guesser at one address gets 5 tries at an account, then waits 1 s,
// 2 s, 4 s ... 15 min between tries: about 100 a day. Across addresses an
// account takes 100 failures an hour before it locks for unknown
// addresses. An address may try 100 times in 10 minutes, over all
// accounts: a sign-in page behind one NAT serves a busy office, while a
// credential-stuffing host is held to 600 tries an hour.
var DefaultThrottle = Throttle{
	AddressLimit:  100,
	AddressWindow: 10 * time.Minute,
	FreeFailures:  5,
	Delay:         time.Second,
	MaxDelay:      15 * time.Minute,
	AccountLimit:  100,
	AccountWindow: time.Hour,
	KnownFor:      30 * 24 * time.Hour,
}

// pairForget is how long a pair's failures are remembered after its last
// attempt (longer if MaxDelay is).
const pairForget = 24 * time.Hour

// Validate reports what is wrong with t, all at once.
func (t Throttle) Validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New("users: throttle: "+msg))
		}
	}
	check(t.AddressLimit >= 0 && t.AccountLimit >= 0 && t.FreeFailures >= 0, "limits may not be negative")
	check(t.AddressLimit == 0 || t.AddressWindow > 0, "an address limit needs a positive window")
	check(t.AccountLimit == 0 || t.AccountWindow > 0, "an account limit needs a positive window")
	check(t.Delay >= 0 && t.MaxDelay >= t.Delay, "delays may not be negative, nor the maximum below the first")
	check(t.KnownFor >= 0, "KnownFor may not be negative")
	return errors.Join(errs...)
}

func (t Throttle) policy() store.LoginPolicy {
	return store.LoginPolicy{
		AddressWindow: t.AddressWindow,
		AccountWindow: t.AccountWindow,
		FreeFailures:  t.FreeFailures,
		Delay:         t.Delay,
		MaxDelay:      t.MaxDelay,
		Forget:        max(pairForget, t.MaxDelay),
		KnownFor:      t.KnownFor,
	}
}

// attempt names the counters of a sign-in with email from client. The
// account is a peppered hash of the address as typed, lowercased, whether
// or not a user has it: unknown emails are counted and throttled exactly
// like real ones, so the answers cannot tell them apart.
func (s *Service) attempt(projectID, email string, client netip.Addr) store.LoginAttempt {
	sum := s.pepper.Hash("signet/login-account/v1:" + strings.ToLower(email))
	return store.LoginAttempt{
		ProjectID: projectID,
		Account:   hex.EncodeToString(sum[:16]),
		Address:   clientip.Key(client),
	}
}

// admit counts an attempt before its password is checked and refuses it
// (ErrThrottled) if a limit is reached. Every reason gets the same
// answer: which limit it was would tell an attacker whether the account
// is locked, and so that it exists.
func (s *Service) admit(ctx context.Context, a store.LoginAttempt, now time.Time) error {
	c, err := s.store.ClaimLoginAttempt(ctx, a, s.throttle.policy(), now)
	if err != nil {
		return err
	}
	t := s.throttle
	switch {
	case t.AccountLimit > 0 && c.AccountFailures >= t.AccountLimit && !c.Known:
		return errLocked
	case c.Delayed, t.AddressLimit > 0 && c.AddressAttempts > t.AddressLimit:
		return ErrThrottled
	}
	return nil
}

// LiftLockout is what a successful password reset does to the throttles
// (none is served yet; passwords.email.reset and its siblings will call
// it): the reset proves the owner holds the account, so its lock ends, and
// the failures and delay of the (account, address) pair of the address
// the reset came from are forgotten. Pairs at other addresses keep their
// delays: they slow only whoever failed there.
func (s *Service) LiftLockout(ctx context.Context, projectID, email string, client netip.Addr) error {
	return s.store.LiftLoginLock(ctx, s.attempt(projectID, email, client))
}
