package users_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/users"
)

// TestGuardCredential: another package's credential check is counted by
// the same throttles as a user's sign-in (two free failures then a delay
// here), a success clears the pair, its accounts never share counters
// with users' emails, and check's own error passes through uncounted.
func TestGuardCredential(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.Throttle = users.Throttle{FreeFailures: 2, Delay: time.Hour, MaxDelay: time.Hour}
	})
	ctx := context.Background()
	addr := netip.MustParseAddr("192.0.2.7")
	calls := 0
	check := func(ok bool) func(context.Context) (bool, error) {
		return func(context.Context) (bool, error) { calls++; return ok, nil }
	}
	const account = "organization-test-1 ada@example.com"
	for i := range 3 {
		if err := e.svc.GuardCredential(ctx, e.projectID, account, addr, check(false)); !errors.Is(err, users.ErrBadCredentials) {
			t.Fatalf("failure %d: %v, want ErrBadCredentials", i+1, err)
		}
	}
	// Delayed now: refused before the check runs, even a right one.
	calls = 0
	if err := e.svc.GuardCredential(ctx, e.projectID, account, addr, check(true)); !errors.Is(err, users.ErrThrottled) || calls != 0 {
		t.Fatalf("after three failures: %v (check ran %d times), want ErrThrottled without a check", err, calls)
	}
	// Another account, and the user with the email alone, are not delayed.
	if err := e.svc.GuardCredential(ctx, e.projectID, "organization-test-2 ada@example.com", addr, check(true)); err != nil {
		t.Fatalf("another account: %v", err)
	}
	e.signup(t, "ada@example.com")
	if a := e.signIn(t, "192.0.2.7:1", "ada@example.com", strongPassword); a.Status != 200 {
		t.Fatalf("the user ada@example.com at the same address: %v", a)
	}
	// Once the delay passes, a success clears the pair: two free failures again.
	e.clock.Advance(time.Hour + time.Second)
	if err := e.svc.GuardCredential(ctx, e.projectID, account, addr, check(true)); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
	for i := range 2 {
		if err := e.svc.GuardCredential(ctx, e.projectID, account, addr, check(false)); !errors.Is(err, users.ErrBadCredentials) {
			t.Fatalf("free failure %d after a success: %v", i+1, err)
		}
	}
	// A fault of the check is returned as it is.
	boom := errors.New("boom")
	if err := e.svc.GuardCredential(ctx, e.projectID, "x", addr, func(context.Context) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Fatalf("check error: %v", err)
	}
}
