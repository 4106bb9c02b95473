package storetest

import (
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// throttlePolicy is small enough to walk through: two free failures, then
// 1 s, 2 s, 4 s, and 8 s from then on.
var throttlePolicy = store.LoginPolicy{
	AddressWindow: 10 * time.Minute,
	AccountWindow: time.Hour,
	FreeFailures:  2,
	Delay:         time.Second,
	MaxDelay:      8 * time.Second,
	Forget:        time.Hour,
	KnownFor:      24 * time.Hour,
}

// throttleStart is a time at the start of every window of throttlePolicy
// (windows are aligned on the Unix epoch), so a test knows which of its
// times share a window.
func throttleStart() time.Time { return now().Truncate(time.Hour) }

func newAttempt(projectID, address string) store.LoginAttempt {
	return store.LoginAttempt{ProjectID: projectID, Account: newID("account"), Address: address}
}

// claim claims an attempt at t and checks what the pair says.
func claim(t *testing.T, s store.Store, a store.LoginAttempt, at time.Time, p store.LoginPolicy) store.LoginClaim {
	t.Helper()
	c, err := s.ClaimLoginAttempt(ctx(t), a, p, at)
	must(t, err)
	return c
}

func wantPair(t *testing.T, c store.LoginClaim, failures int, delayed bool, until time.Time) {
	t.Helper()
	if c.PairFailures != failures || c.Delayed != delayed || !c.DelayedUntil.Equal(until) {
		t.Fatalf("pair = %d failures, delayed %v until %v; want %d, %v until %v",
			c.PairFailures, c.Delayed, c.DelayedUntil, failures, delayed, until)
	}
}

var throttleTests = []test{
	{"PairDelays", func(t *testing.T, s store.Store) {
		a, t0 := newAttempt("project-a", "192.0.2.1"), throttleStart()
		var none time.Time
		sec := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Second))) }
		wantPair(t, claim(t, s, a, t0, throttlePolicy), 1, false, none)
		wantPair(t, claim(t, s, a, t0, throttlePolicy), 2, false, none)
		// The third failure earns a delay for the next attempt.
		wantPair(t, claim(t, s, a, t0, throttlePolicy), 3, false, sec(1))
		// Meanwhile attempts are refused and not counted.
		wantPair(t, claim(t, s, a, sec(0.5), throttlePolicy), 3, true, sec(1))
		wantPair(t, claim(t, s, a, sec(0.999999), throttlePolicy), 3, true, sec(1))
		// Each further failure doubles it, up to the maximum.
		wantPair(t, claim(t, s, a, sec(1), throttlePolicy), 4, false, sec(3))
		wantPair(t, claim(t, s, a, sec(3), throttlePolicy), 5, false, sec(7))
		wantPair(t, claim(t, s, a, sec(7), throttlePolicy), 6, false, sec(15))
		wantPair(t, claim(t, s, a, sec(15), throttlePolicy), 7, false, sec(23))
		c := claim(t, s, a, sec(16), throttlePolicy)
		wantPair(t, c, 7, true, sec(23))
		equal(t, c.AddressAttempts, 10) // every attempt, refused or not

		// Another address has its own pair.
		b := a
		b.Address = "192.0.2.2"
		wantPair(t, claim(t, s, b, sec(16), throttlePolicy), 1, false, none)
		// A pair left alone for Forget after its last attempt (refused
		// ones included) starts afresh.
		late := sec(16).Add(time.Hour - time.Microsecond)
		wantPair(t, claim(t, s, a, late, throttlePolicy), 8, false, late.Add(8*time.Second))
		wantPair(t, claim(t, s, b, sec(16).Add(2*time.Hour), throttlePolicy), 1, false, none)
	}},
	{"NoFreeFailures", func(t *testing.T, s store.Store) {
		a, t0 := newAttempt("project-a", "192.0.2.1"), throttleStart()
		p := throttlePolicy
		p.FreeFailures = 0
		wantPair(t, claim(t, s, a, t0, p), 1, false, t0.Add(time.Second))
		wantPair(t, claim(t, s, a, t0, p), 1, true, t0.Add(time.Second))
	}},
	{"Windows", func(t *testing.T, s store.Store) {
		a, t0 := newAttempt("project-a", "2001:db8::/64"), throttleStart()
		for i := 1; i <= 3; i++ {
			equal(t, claim(t, s, a, t0, throttlePolicy).AddressAttempts, i)
			must(t, s.LoginFailed(ctx(t), a, throttlePolicy, t0))
		}
		c := claim(t, s, a, t0.Add(time.Minute), throttlePolicy)
		equal(t, []int{c.AddressAttempts, c.AccountFailures}, []int{4, 3})

		// Another account from the address shares its window; another
		// project shares nothing.
		other := newAttempt("project-a", a.Address)
		c = claim(t, s, other, t0.Add(time.Minute), throttlePolicy)
		equal(t, []int{c.AddressAttempts, c.AccountFailures}, []int{5, 0})
		elsewhere := a
		elsewhere.ProjectID = "project-b"
		c = claim(t, s, elsewhere, t0.Add(time.Minute), throttlePolicy)
		equal(t, []int{c.AddressAttempts, c.AccountFailures}, []int{1, 0})

		// A new address window; the account's is an hour.
		c = claim(t, s, a, t0.Add(10*time.Minute), throttlePolicy)
		equal(t, []int{c.AddressAttempts, c.AccountFailures}, []int{1, 3})
		must(t, s.LoginFailed(ctx(t), a, throttlePolicy, t0.Add(59*time.Minute)))
		equal(t, claim(t, s, a, t0.Add(59*time.Minute), throttlePolicy).AccountFailures, 4)
		c = claim(t, s, a, t0.Add(time.Hour), throttlePolicy)
		equal(t, []int{c.AddressAttempts, c.AccountFailures}, []int{1, 0})
	}},
	{"SuccessResetsThePairAndKnowsTheAddress", func(t *testing.T, s store.Store) {
		a, t0 := newAttempt("project-a", "192.0.2.1"), throttleStart()
		for range 3 {
			claim(t, s, a, t0, throttlePolicy)
		}
		must(t, s.LoginFailed(ctx(t), a, throttlePolicy, t0))
		equal(t, claim(t, s, a, t0, throttlePolicy).Known, false)
		must(t, s.LoginSucceeded(ctx(t), a, throttlePolicy, t0))

		c := claim(t, s, a, t0, throttlePolicy)
		wantPair(t, c, 1, false, time.Time{})
		// The account's failures stay: a success somewhere does not give
		// guessers elsewhere a fresh allowance.
		equal(t, []any{c.Known, c.AccountFailures}, []any{true, 1})
		b := a
		b.Address = "192.0.2.2"
		equal(t, claim(t, s, b, t0, throttlePolicy).Known, false)
		// Known for KnownFor, and remembered although it outlives Forget.
		equal(t, claim(t, s, a, t0.Add(23*time.Hour), throttlePolicy).Known, true)
		equal(t, claim(t, s, a, t0.Add(24*time.Hour), throttlePolicy).Known, false)
	}},
	{"Lift", func(t *testing.T, s store.Store) {
		a, t0 := newAttempt("project-a", "192.0.2.1"), throttleStart()
		b := a
		b.Address = "192.0.2.2"
		must(t, s.LoginSucceeded(ctx(t), a, throttlePolicy, t0))
		for range 4 {
			claim(t, s, a, t0, throttlePolicy)
			claim(t, s, b, t0, throttlePolicy)
			must(t, s.LoginFailed(ctx(t), a, throttlePolicy, t0))
		}
		must(t, s.LiftLoginLock(ctx(t), a))
		c := claim(t, s, a, t0, throttlePolicy)
		wantPair(t, c, 1, false, time.Time{})
		equal(t, []any{c.AccountFailures, c.Known}, []any{0, true})
		wantPair(t, claim(t, s, b, t0, throttlePolicy), 3, true, t0.Add(time.Second))
		must(t, s.LiftLoginLock(ctx(t), newAttempt("project-a", "192.0.2.3"))) // nothing to lift
	}},
	{"ConcurrentClaimsAllCount", func(t *testing.T, s store.Store) {
		concurrentClaims(t, s)
	}},
	{"Sweep", func(t *testing.T, s store.Store) {
		t0 := throttleStart()
		old, live := newAttempt("project-a", "192.0.2.1"), newAttempt("project-a", "192.0.2.2")
		claim(t, s, old, t0.Add(-3*time.Hour), throttlePolicy)
		claim(t, s, live, t0, throttlePolicy)
		n, err := s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 3) // the old address, pair and account
		equal(t, claim(t, s, live, t0, throttlePolicy).AddressAttempts, 2)
	}},
}

// concurrentClaims claims one attempt many times at once, spread over
// nodes, and checks that every claim was counted once and exactly one got
// past the pair.
func concurrentClaims(t *testing.T, nodes ...store.Store) {
	at, t0 := newAttempt("project-a", "192.0.2.1"), throttleStart()
	p := throttlePolicy
	p.FreeFailures = 0 // the first claim earns a delay: exactly one passes
	const n = 16
	delayed := make([]bool, n)
	race(n, nodes, func(i int, s store.Store) {
		c, err := s.ClaimLoginAttempt(ctx(t), at, p, t0)
		if err != nil {
			t.Error(err)
			return
		}
		delayed[i] = c.Delayed
		if err := s.LoginFailed(ctx(t), at, p, t0); err != nil {
			t.Error(err)
		}
	})
	if passed := n - countTrue(delayed); passed != 1 {
		t.Fatalf("%d of %d concurrent claims got past the pair, want 1", passed, n)
	}
	c := claim(t, nodes[0], at, t0, p)
	equal(t, []int{c.AddressAttempts, c.AccountFailures, c.PairFailures}, []int{n + 1, n, 1})
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
