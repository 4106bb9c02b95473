package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// RunNodes runs the tests of what nodes sharing one database must get
// right together (one code or refresh token redeemed once, one budget of
// sign-in attempts). open returns two stores on one fresh, empty, migrated
// database, each with connections of its own, as two Signet processes
// have; it arranges for both to be closed when t ends.
//
// The same tests run on one store in Run: every node is then the same.
func RunNodes(t *testing.T, open func(t *testing.T) (store.Store, store.Store)) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, nodes ...store.Store)
	}{
		{"ConcurrentRedeem", concurrentRedeem},
		{"ConcurrentRotate", concurrentRotate},
		{"ConcurrentLoginClaims", concurrentClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			tc.run(t, a, b)
		})
	}
}

// race runs f(i, node) n times at once, the i-th call on nodes[i%len(nodes)].
func race(n int, nodes []store.Store, f func(i int, s store.Store)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i, nodes[i%len(nodes)])
		})
	}
	close(start)
	wg.Wait()
}

// concurrentRedeem: of concurrent redemptions of one code, on any nodes,
// exactly one issues a grant, and the others, replays, revoke it
// (RFC 6749 §4.1.2).
func concurrentRedeem(t *testing.T, nodes ...store.Store) {
	s := nodes[0]
	a := newAuthz(t, s)
	t0 := now()
	code := a.code(t0)
	must(t, s.CreateAuthCode(ctx(t), code, nil))
	const n = 16
	grants := make([]store.Grant, n)
	errs := make([]error, n)
	race(n, nodes, func(i int, s store.Store) {
		grants[i], errs[i] = s.RedeemAuthCode(ctx(t), code.Hash, now(), func(c store.AuthCode) (store.Grant, error) {
			return grantFor(c, t0, time.Hour), nil
		})
	})
	var won []store.Grant
	for i, err := range errs {
		if err == nil {
			won = append(won, grants[i])
			continue
		}
		wantErr(t, err, store.ErrAlreadyUsed)
	}
	if len(won) != 1 {
		t.Fatalf("%d redemptions succeeded, want exactly 1", len(won))
	}
	// The replays revoked what the winner got.
	wantFound(t, "grant", second(s.Grant(ctx(t), a.p.ID, won[0].ID, now())), false)
}

// concurrentRotate: of concurrent rotations of one refresh token, on any
// nodes, one rotates it; without a grace window the others are replays
// and revoke the family, within it they are retries that get the same
// successor. Either way the family never has two live chains
// (RFC 9700 §4.14.2).
func concurrentRotate(t *testing.T, nodes ...store.Store) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
	}{
		{"no grace: one wins, the replays revoke", 0},
		{"within grace: all get the one successor", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := nodes[0]
			_, g, first := family(t, s)
			const n = 16
			errs := make([]error, n)
			race(n, nodes, func(i int, s store.Store) {
				_, errs[i] = s.RotateRefreshToken(ctx(t), first.Hash, now(), tc.grace, derived(first))
			})
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
					continue
				}
				wantErr(t, err, store.ErrAlreadyUsed)
			}
			wantWon, live := 1, false
			if tc.grace > 0 {
				wantWon, live = n, true
			}
			if won != wantWon {
				t.Fatalf("%d rotations succeeded, want %d", won, wantWon)
			}
			wantFound(t, "grant", second(s.Grant(ctx(t), g.ProjectID, g.ID, now())), live)
			if !live {
				return
			}
			// One chain: its head is the one successor, unspent, and
			// once it moves on the old token is a replay.
			succ := successorOf(first)
			head, _, err := s.RefreshToken(ctx(t), succ.Hash, now())
			must(t, err)
			if head.RotatedAt != nil {
				t.Fatalf("the successor is spent: %+v", head)
			}
			_, err = nodes[len(nodes)-1].RotateRefreshToken(ctx(t), succ.Hash, now(), tc.grace, derived(succ))
			must(t, err)
			_, err = s.RotateRefreshToken(ctx(t), first.Hash, now(), tc.grace, derived(first))
			wantErr(t, err, store.ErrAlreadyUsed)
		})
	}
}
