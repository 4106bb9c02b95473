package storetest

import (
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// successor is a next callback that issues a token of the grant it gets,
// live for a day from t0, and records it.
func successor(t0 time.Time, issued *[]store.RefreshToken) func(store.Grant) (store.RefreshToken, error) {
	return func(g store.Grant) (store.RefreshToken, error) {
		rt := newToken(g, t0, 24*time.Hour)
		*issued = append(*issued, rt)
		return rt, nil
	}
}

// derived is a next callback as RotateRefreshToken wants them: it derives
// the successor from the presented token, so every call gives the same.
func derived(presented store.RefreshToken) func(store.Grant) (store.RefreshToken, error) {
	return func(store.Grant) (store.RefreshToken, error) { return successorOf(presented), nil }
}

// successorOf is the successor derived rotates presented into.
func successorOf(presented store.RefreshToken) store.RefreshToken {
	sum := sha256.Sum256(append([]byte("storetest successor\x00"), presented.Hash...))
	return store.RefreshToken{Hash: sum[:], GrantID: presented.GrantID, ProjectID: presented.ProjectID,
		CreatedAt: presented.CreatedAt, ExpiresAt: presented.ExpiresAt}
}

// nextNever is a next callback for rotations that must not reach it.
func nextNever(t *testing.T) func(store.Grant) (store.RefreshToken, error) {
	return func(store.Grant) (store.RefreshToken, error) {
		t.Error("next called")
		return store.RefreshToken{}, errAbort
	}
}

// family is a live grant with its first refresh token.
func family(t *testing.T, s store.Store) (authz, store.Grant, store.RefreshToken) {
	t.Helper()
	a := newAuthz(t, s)
	t0 := now()
	g := a.grant(t, s, t0, 30*24*time.Hour)
	return a, g, token(t, s, g, t0, 24*time.Hour)
}

var refreshTests = []test{
	{"RotateChain", func(t *testing.T, s store.Store) {
		_, g, first := family(t, s)
		t0 := now()
		var issued []store.RefreshToken
		cur := first
		for i := range 3 {
			got, err := s.RotateRefreshToken(ctx(t), cur.Hash, t0.Add(time.Duration(i)*time.Minute), 0, successor(t0, &issued))
			must(t, err)
			equal(t, got, g)
			cur = issued[len(issued)-1]
		}
		// Every member still leads to the family, rotated or not.
		for i, rt := range append([]store.RefreshToken{first}, issued...) {
			got, err := s.RefreshTokenGrant(ctx(t), rt.Hash, t0)
			must(t, err)
			if got.ID != g.ID {
				t.Fatalf("token %d: grant %s, want %s", i, got.ID, g.ID)
			}
		}
	}},
	{"RefreshTokenTellsSpentFromLive", func(t *testing.T, s store.Store) {
		_, g, first := family(t, s)
		t0 := now()
		var issued []store.RefreshToken
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, 0, successor(t0, &issued))
		must(t, err)
		spent, sg, err := s.RefreshToken(ctx(t), first.Hash, t0)
		must(t, err)
		equal(t, sg.ID, g.ID)
		if spent.RotatedAt == nil || !spent.RotatedAt.Equal(store.Time(t0)) {
			t.Fatalf("spent token RotatedAt = %v, want %v", spent.RotatedAt, t0)
		}
		live, _, err := s.RefreshToken(ctx(t), issued[0].Hash, t0)
		must(t, err)
		if live.RotatedAt != nil || live.GrantID != g.ID || !live.ExpiresAt.Equal(issued[0].ExpiresAt) {
			t.Fatalf("successor = %+v", live)
		}
		if _, _, err := s.RefreshToken(ctx(t), []byte("unknown-token-hash-unknown-token"), t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: err = %v, want ErrNotFound", err)
		}
	}},
	{"SuccessorJoinsFamily", func(t *testing.T, s store.Store) {
		a, g, first := family(t, s)
		other := a.grant(t, s, now(), time.Hour)
		var succ store.RefreshToken
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, now(), 0, func(store.Grant) (store.RefreshToken, error) {
			succ = newToken(other, now(), time.Hour) // a confused caller
			return succ, nil
		})
		must(t, err)
		got, err := s.RefreshTokenGrant(ctx(t), succ.Hash, now())
		must(t, err)
		equal(t, got.ID, g.ID)
	}},
	{"ReuseRevokesFamily", func(t *testing.T, s store.Store) {
		_, g, first := family(t, s)
		t0 := now()
		var issued []store.RefreshToken
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, 0, successor(t0, &issued))
		must(t, err)
		// At the very instant of the rotation (grace 0 is no window at
		// all); the second replay finds the family already revoked.
		for range 2 {
			_, err = s.RotateRefreshToken(ctx(t), first.Hash, t0, 0, nextNever(t))
			wantErr(t, err, store.ErrAlreadyUsed)
		}
		wantFound(t, "grant", second(s.Grant(ctx(t), g.ProjectID, g.ID, t0)), false)
		wantFound(t, "successor", second(s.RefreshTokenGrant(ctx(t), issued[0].Hash, t0)), false)
		_, err = s.RotateRefreshToken(ctx(t), issued[0].Hash, t0.Add(time.Second), 0, nextNever(t))
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Grace", func(t *testing.T, s store.Store) {
		const grace = 10 * time.Second
		for _, tc := range []struct {
			name  string
			after time.Duration // between the first and the second rotation
			want  error
		}{
			{"immediately", 0, nil},
			{"within", 5 * time.Second, nil},
			{"at the edge", grace, nil},
			{"after", grace + time.Microsecond, store.ErrAlreadyUsed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, g, first := family(t, s)
				t0 := now()
				_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, grace, derived(first))
				must(t, err)
				got, err := s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(tc.after), grace, derived(first))
				wantErr(t, err, tc.want)
				if tc.want == nil {
					equal(t, got, g)
				}
				wantFound(t, "grant", second(s.Grant(ctx(t), g.ProjectID, g.ID, t0)), tc.want == nil)
				wantFound(t, "successor", second(s.RefreshTokenGrant(ctx(t), successorOf(first).Hash, t0)), tc.want == nil)
			})
		}
	}},
	{"RetryWithinGraceKeepsOneSuccessor", func(t *testing.T, s store.Store) {
		// RFC 9700 §4.14.2: a retry (the response was lost) gets the
		// successor the first rotation stored, which stays live and
		// unspent; the chain goes on from it alone.
		_, g, first := family(t, s)
		t0 := now()
		const grace = 10 * time.Second
		for _, at := range []time.Duration{0, time.Second, 2 * time.Second} {
			got, err := s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(at), grace, derived(first))
			must(t, err)
			equal(t, got, g)
		}
		succ := successorOf(first)
		live, _, err := s.RefreshToken(ctx(t), succ.Hash, t0)
		must(t, err)
		if live.RotatedAt != nil || live.GrantID != g.ID {
			t.Fatalf("successor = %+v, want a live token of the grant", live)
		}
		spent, _, err := s.RefreshToken(ctx(t), first.Hash, t0)
		must(t, err)
		if spent.RotatedAt == nil || !spent.RotatedAt.Equal(t0) {
			t.Fatalf("presented token RotatedAt = %v, want the first rotation %v", spent.RotatedAt, t0)
		}
		_, err = s.RotateRefreshToken(ctx(t), succ.Hash, t0.Add(3*time.Second), grace, derived(succ))
		must(t, err)
	}},
	{"RetryAfterSuccessorUsedRevokes", func(t *testing.T, s store.Store) {
		// Within the window, but the chain has moved on: whoever retries
		// holds a token the client no longer needs, so it is a replay.
		_, g, first := family(t, s)
		t0 := now()
		const grace = 10 * time.Second
		succ := successorOf(first)
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, grace, derived(first))
		must(t, err)
		_, err = s.RotateRefreshToken(ctx(t), succ.Hash, t0.Add(time.Second), grace, derived(succ))
		must(t, err)
		_, err = s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(2*time.Second), grace, derived(first))
		wantErr(t, err, store.ErrAlreadyUsed)
		wantFound(t, "grant", second(s.Grant(ctx(t), g.ProjectID, g.ID, t0)), false)
		wantFound(t, "head of the chain", second(s.RefreshTokenGrant(ctx(t), successorOf(succ).Hash, t0)), false)
	}},
	{"OtherSuccessorWithinGraceRevokes", func(t *testing.T, s store.Store) {
		// A caller that does not derive the successor would fork the
		// family into two live chains; the store refuses, as reuse.
		_, g, first := family(t, s)
		t0 := now()
		const grace = 10 * time.Second
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, grace, derived(first))
		must(t, err)
		var issued []store.RefreshToken
		_, err = s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(time.Second), grace, successor(t0, &issued))
		wantErr(t, err, store.ErrAlreadyUsed)
		wantFound(t, "grant", second(s.Grant(ctx(t), g.ProjectID, g.ID, t0)), false)
		wantFound(t, "successor", second(s.RefreshTokenGrant(ctx(t), successorOf(first).Hash, t0)), false)
	}},
	{"GraceDoesNotSlide", func(t *testing.T, s store.Store) {
		_, _, first := family(t, s)
		t0 := now()
		const grace = 10 * time.Second
		for _, at := range []time.Duration{0, 6 * time.Second} {
			_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(at), grace, derived(first))
			must(t, err)
		}
		// 12s after the first rotation, though 6s after the second.
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0.Add(12*time.Second), grace, nextNever(t))
		wantErr(t, err, store.ErrAlreadyUsed)
	}},
	{"FailedNextChangesNothing", func(t *testing.T, s store.Store) {
		_, g, first := family(t, s)
		t0 := now()
		_, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, 0, func(store.Grant) (store.RefreshToken, error) {
			return store.RefreshToken{}, errAbort // say, another client presenting it
		})
		wantErr(t, err, errAbort)
		var issued []store.RefreshToken
		got, err := s.RotateRefreshToken(ctx(t), first.Hash, t0, 0, successor(t0, &issued))
		must(t, err)
		equal(t, got, g)
	}},
	{"RotateNotFound", func(t *testing.T, s store.Store) {
		for _, tc := range []struct {
			name  string
			setup func(t *testing.T, g store.Grant, rt store.RefreshToken) ([]byte, time.Time)
		}{
			{"unknown", func(t *testing.T, g store.Grant, rt store.RefreshToken) ([]byte, time.Time) {
				return []byte("no-such-token"), rt.CreatedAt
			}},
			{"token expired", func(t *testing.T, g store.Grant, rt store.RefreshToken) ([]byte, time.Time) {
				return rt.Hash, rt.ExpiresAt
			}},
			{"grant revoked", func(t *testing.T, g store.Grant, rt store.RefreshToken) ([]byte, time.Time) {
				must(t, s.RevokeGrant(ctx(t), g.ProjectID, g.ID, rt.CreatedAt))
				return rt.Hash, rt.CreatedAt
			}},
			{"grant expired", func(t *testing.T, g store.Grant, rt store.RefreshToken) ([]byte, time.Time) {
				rt = token(t, s, g, g.ExpiresAt.Add(-time.Hour), 2*time.Hour) // outlives its grant
				return rt.Hash, g.ExpiresAt
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, g, rt := family(t, s)
				hash, at := tc.setup(t, g, rt)
				_, err := s.RotateRefreshToken(ctx(t), hash, at, time.Minute, nextNever(t))
				wantErr(t, err, store.ErrNotFound)
				_, err = s.RefreshTokenGrant(ctx(t), hash, at)
				wantErr(t, err, store.ErrNotFound)
			})
		}
	}},
	{"ConcurrentRotate", func(t *testing.T, s store.Store) { concurrentRotate(t, s) }},
	{"CreateNeedsLiveGrantOfProject", func(t *testing.T, s store.Store) {
		a, g, rt := family(t, s)
		wantDup(t, s.CreateRefreshToken(ctx(t), rt), "refresh_token")
		revoked := a.grant(t, s, now(), time.Hour)
		must(t, s.RevokeGrant(ctx(t), a.p.ID, revoked.ID, now()))
		for _, tc := range []struct {
			name   string
			modify func(rt *store.RefreshToken)
		}{
			{"missing grant", func(rt *store.RefreshToken) { rt.GrantID = "grant-test-missing" }},
			{"revoked grant", func(rt *store.RefreshToken) { rt.GrantID = revoked.ID }},
			{"grant of another project", func(rt *store.RefreshToken) { rt.ProjectID = newProject(t, s).ID }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rt := newToken(g, now(), time.Hour)
				tc.modify(&rt)
				wantErr(t, s.CreateRefreshToken(ctx(t), rt), store.ErrNotFound)
			})
		}
	}},
}
