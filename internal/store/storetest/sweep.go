package storetest

import (
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var sweepTest = test{"Sweep", func(t *testing.T, s store.Store) {
	a := newAuthz(t, s)
	p, u := a.p, a.u
	t0 := now()
	live := newSession(p.ID, u.ID, t0, t0.Add(time.Hour))
	for _, sess := range []store.Session{
		live,
		newSession(p.ID, u.ID, t0.Add(-2*time.Hour), t0.Add(-time.Hour)),
		newSession(p.ID, u.ID, t0.Add(-2*time.Hour), t0),
	} {
		must(t, s.CreateSession(ctx(t), sess))
	}
	k1, k2, k3 := newKey(p.ID, "RS256", t0), newKey(p.ID, "RS256", t0), newKey(p.ID, "RS256", t0)
	must(t, s.RotateKey(ctx(t), k1, t0))                   // nothing to retire yet
	must(t, s.RotateKey(ctx(t), k2, t0.Add(-time.Minute))) // retires k1, removed before t0
	must(t, s.RotateKey(ctx(t), k3, t0.Add(time.Hour)))    // retires k2, removed after t0

	// Codes: one expired at t0 and one live (plus the live, redeemed
	// codes behind each grant below).
	oldCode, liveCode := a.code(t0.Add(-time.Hour)), a.code(t0)
	for _, c := range []store.AuthCode{oldCode, liveCode} {
		must(t, s.CreateAuthCode(ctx(t), c, nil))
	}
	// Grants: live (with a live and an expired token), expired, revoked
	// more than a day ago, revoked an hour ago; each with a live token.
	liveGrant := a.grant(t, s, t0, time.Hour)
	liveTok, oldTok := token(t, s, liveGrant, t0, time.Hour), token(t, s, liveGrant, t0.Add(-2*time.Hour), time.Hour)
	expired := a.grant(t, s, t0, 0)
	revokedLong, revokedLately := a.grant(t, s, t0, 48*time.Hour), a.grant(t, s, t0, 48*time.Hour)
	for _, g := range []store.Grant{expired, revokedLong, revokedLately} {
		token(t, s, g, t0, time.Hour)
	}
	must(t, s.RevokeGrant(ctx(t), p.ID, revokedLong.ID, t0.Add(-25*time.Hour)))
	must(t, s.RevokeGrant(ctx(t), p.ID, revokedLately.ID, t0.Add(-time.Hour)))

	n, err := s.Sweep(ctx(t), t0)
	must(t, err)
	// Two sessions, one key, one code, three refresh tokens (one
	// expired, two of dead grants), two grants.
	equal(t, n, 9)

	sessions, err := s.UserSessions(ctx(t), p.ID, u.ID, t0.Add(-3*time.Hour))
	must(t, err)
	equal(t, len(sessions), 1)
	equal(t, sessions[0].ID, live.ID)
	keys, err := s.ProjectKeys(ctx(t), p.ID, t0.Add(-3*time.Hour))
	must(t, err)
	equal(t, len(keys), 2)
	// Asked about a time when they were live, the swept rows are gone.
	wantFound(t, "expired code", second(s.RedeemAuthCode(ctx(t), oldCode.Hash, oldCode.CreatedAt, redeemNever(t))), false)
	wantFound(t, "expired token", second(s.RefreshTokenGrant(ctx(t), oldTok.Hash, oldTok.CreatedAt)), false)
	wantFound(t, "live token", second(s.RefreshTokenGrant(ctx(t), liveTok.Hash, t0)), true)
	for _, tc := range []struct {
		name  string
		g     store.Grant
		found bool
	}{
		{"live grant", liveGrant, true},
		{"expired grant", expired, false},
		{"grant revoked long ago", revokedLong, false},
		{"grant revoked lately", revokedLately, true}, // kept a day, to recognise replays
	} {
		wantFound(t, tc.name, s.RevokeGrant(ctx(t), p.ID, tc.g.ID, t0), tc.found)
	}

	n, err = s.Sweep(ctx(t), t0)
	must(t, err)
	equal(t, n, 0)

	_, err = s.RedeemAuthCode(ctx(t), liveCode.Hash, t0, func(c store.AuthCode) (store.Grant, error) {
		return grantFor(c, t0, time.Hour), nil
	})
	must(t, err)
}}
