package token_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// These tests send one code many times at once, to two nodes on one
// database (two SQLite handles on one file, or two Postgres pools), as
// clients retrying and attackers racing them do.

// node starts another Signet node on the env's database, as a second
// `signet serve` would be: store connections and a key cache of its own,
// the same master key, pepper and issuer. wrap, if not nil, wraps the
// store the node serves from. The env returned sends its requests there.
func (e *env) node(wrap func(store.Store) store.Store) *env {
	e.t.Helper()
	st := testdb.OpenDSN(e.t, e.dsn)
	km := keys.NewManager(st, e.mk, keys.Options{Now: e.clock.Now})
	if wrap != nil {
		st = wrap(st)
	}
	n := *e
	n.url = e.serve(st, km, e.url)
	return &n
}

// hooked is a node's store that runs a hook when a redemption returns,
// before the handler goes on. It forces interleavings that concurrent
// requests hit only now and then, so that a test sees them every time.
type hooked struct {
	store.Store
	afterRedeem func(ctx context.Context, g store.Grant, err error)
}

func (s hooked) RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, issue func(store.AuthCode) (store.Grant, error)) (store.Grant, error) {
	g, err := s.Store.RedeemAuthCode(ctx, hash, now, issue)
	if s.afterRedeem != nil {
		s.afterRedeem(ctx, g, err)
	}
	return g, err
}

// race runs f(0) ... f(n-1) at once.
func race(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// wantNoServerError checks that r is tokens or invalid_grant: a grant
// revoked under a request is the client's problem (RFC 6749 §5.2), not
// the server's.
func wantNoServerError(t *testing.T, what string, r reply) {
	t.Helper()
	if r.code != 200 && (r.code != 400 || r.str("error") != "invalid_grant") {
		t.Errorf("%s = %d %v, want 200 or 400 invalid_grant", what, r.code, r.body)
	}
}

// Of concurrent exchanges of one code, on two nodes, at most one gets
// tokens (RFC 6749 §4.1.2); every other answer is invalid_grant, never a
// server error. The replays revoke the winner's grant (RFC 9700 §4.5),
// sometimes before the winner has stored its refresh token: that winner
// answered 500 (issue 14). Holding every winner until a replay has
// revoked its grant makes that happen on every run.
func TestCodeExchangeRace(t *testing.T) {
	for _, tc := range []struct {
		name string
		hold bool
	}{
		{"as it comes", false},
		{"winner held until a replay revoked its grant", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var wrap func(store.Store) store.Store
			if tc.hold {
				replayed := make(chan struct{})
				var once sync.Once
				wrap = func(st store.Store) store.Store {
					return hooked{Store: st, afterRedeem: func(ctx context.Context, _ store.Grant, err error) {
						switch {
						case errors.Is(err, store.ErrAlreadyUsed):
							once.Do(func() { close(replayed) })
						case err == nil:
							select {
							case <-replayed:
							case <-ctx.Done():
							}
						}
					}}
				}
			}
			nodes := []*env{e.node(wrap), e.node(wrap)}
			c := e.newClient("third_party")
			code := e.code(c, e.newUser(e.projectID), codeSpec{scopes: []string{"openid", "offline_access"}})
			const n = 50
			replies := make([]reply, n)
			race(n, func(i int) { replies[i] = nodes[i%len(nodes)].exchange(c, code) })
			wins := 0
			for _, r := range replies {
				wantNoServerError(t, "exchange", r)
				if r.code == 200 {
					wins++
				}
			}
			if wins > 1 {
				t.Errorf("%d exchanges of one code got tokens, want at most 1", wins)
			}
		})
	}
}
