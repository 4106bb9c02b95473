package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// grantIn issues a grant of a.u to app in the session sessionID ("" for
// none).
func (a authz) grantIn(t *testing.T, s store.Store, app store.ConnectedApp, sessionID string, t0 time.Time) store.Grant {
	t.Helper()
	c := a.code(t0)
	c.ClientID, c.SessionID, c.RedirectURI = app.ClientID, sessionID, app.RedirectURLs[0]
	must(t, s.CreateAuthCode(ctx(t), c, nil))
	g, err := s.RedeemAuthCode(ctx(t), c.Hash, t0, func(c store.AuthCode) (store.Grant, error) {
		return grantFor(c, t0, time.Hour), nil
	})
	must(t, err)
	return g
}

// logoutFixture: a user with two sessions; a.app (with a
// backchannel_logout_uri) got two grants in the first and one in the
// second, a second such client one in the first, and a client without a
// backchannel_logout_uri one in the first.
type logoutFixture struct {
	authz
	other    store.ConnectedApp
	one, two store.Session
	t0       time.Time
}

func newLogoutFixture(t *testing.T, s store.Store) logoutFixture {
	t.Helper()
	f := logoutFixture{authz: newAuthz(t, s), t0: now()}
	f.other = newApp(f.p.ID, f.t0)
	f.other.ClientID = newID("other-app")
	createApp(t, s, f.other)
	silent := newApp(f.p.ID, f.t0)
	silent.ClientID, silent.BackchannelLogoutURI = newID("silent-app"), ""
	createApp(t, s, silent)
	f.one = newSession(f.p.ID, f.u.ID, f.t0, f.t0.Add(time.Hour))
	f.two = newSession(f.p.ID, f.u.ID, f.t0, f.t0.Add(time.Hour))
	must(t, s.CreateSession(ctx(t), f.one))
	must(t, s.CreateSession(ctx(t), f.two))
	f.grantIn(t, s, f.app, f.one.ID, f.t0)
	f.grantIn(t, s, f.app, f.one.ID, f.t0)
	f.grantIn(t, s, f.app, f.two.ID, f.t0)
	f.grantIn(t, s, f.other, f.one.ID, f.t0)
	f.grantIn(t, s, silent, f.one.ID, f.t0)
	return f
}

// claimAll claims everything due at at (lease: a minute).
func claimAll(t *testing.T, s store.Store, at time.Time) []store.LogoutDelivery {
	t.Helper()
	ds, err := s.ClaimLogoutDeliveries(ctx(t), at, time.Minute, 100)
	must(t, err)
	return ds
}

// targets lists "client session" of each delivery, sorted.
func targets(ds []store.LogoutDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ClientID+" "+d.SessionID)
	}
	slices.Sort(out)
	return out
}

var logoutTests = []test{
	{"RevokeSessionQueuesOnePerClient", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		must(t, s.RevokeSession(ctx(t), f.p.ID, f.one.ID, f.t0))
		ds := claimAll(t, s, f.t0)
		want := []string{f.app.ClientID + " " + f.one.ID, f.other.ClientID + " " + f.one.ID}
		slices.Sort(want)
		if got := targets(ds); !slices.Equal(got, want) {
			t.Fatalf("queued %v, want %v", got, want)
		}
		for _, d := range ds {
			if d.ID == "" || d.ProjectID != f.p.ID || d.UserID != f.u.ID || d.Attempts != 1 ||
				!d.CreatedAt.Equal(f.t0) || !d.NextAttemptAt.Equal(f.t0.Add(time.Minute)) {
				t.Errorf("claimed %+v", d)
			}
		}
		if ds[0].ID == ds[1].ID {
			t.Error("two deliveries share an ID (the logout token's jti)")
		}
	}},
	{"RevokeUnknownSessionQueuesNothing", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		wantErr(t, s.RevokeSession(ctx(t), f.p.ID, "session-unknown", f.t0), store.ErrNotFound)
		if ds := claimAll(t, s, f.t0); len(ds) != 0 {
			t.Fatalf("queued %d", len(ds))
		}
	}},
	{"ClaimLeaseRetryFinish", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		must(t, s.RevokeSession(ctx(t), f.p.ID, f.two.ID, f.t0))
		ds := claimAll(t, s, f.t0)
		if len(ds) != 1 {
			t.Fatalf("claimed %d, want 1", len(ds))
		}
		d := ds[0]
		// Leased: not due again until the lease ends.
		if again := claimAll(t, s, f.t0.Add(30*time.Second)); len(again) != 0 {
			t.Fatalf("claimed %d during the lease", len(again))
		}
		// A node that died mid-delivery: it comes back after the lease.
		back := claimAll(t, s, f.t0.Add(time.Minute))
		if len(back) != 1 || back[0].ID != d.ID || back[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v", back)
		}
		next := f.t0.Add(5 * time.Minute)
		must(t, s.RetryLogoutDelivery(ctx(t), d.ID, next, "503 Service Unavailable"))
		if early := claimAll(t, s, next.Add(-time.Microsecond)); len(early) != 0 {
			t.Fatalf("claimed %d before its retry time", len(early))
		}
		retried := claimAll(t, s, next)
		if len(retried) != 1 || retried[0].Attempts != 3 || retried[0].LastError != "503 Service Unavailable" {
			t.Fatalf("retried: %+v", retried)
		}
		must(t, s.FinishLogoutDelivery(ctx(t), d.ID))
		wantErr(t, s.FinishLogoutDelivery(ctx(t), d.ID), store.ErrNotFound)
		wantErr(t, s.RetryLogoutDelivery(ctx(t), d.ID, next, "x"), store.ErrNotFound)
		if rest := claimAll(t, s, next.Add(time.Hour)); len(rest) != 0 {
			t.Fatalf("%d left after finishing", len(rest))
		}
	}},
	{"ClaimLimit", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		must(t, s.RevokeSession(ctx(t), f.p.ID, f.one.ID, f.t0))
		ds, err := s.ClaimLogoutDeliveries(ctx(t), f.t0, time.Minute, 1)
		must(t, err)
		if len(ds) != 1 {
			t.Fatalf("claimed %d, want 1", len(ds))
		}
		if rest := claimAll(t, s, f.t0); len(rest) != 1 || rest[0].ID == ds[0].ID {
			t.Fatalf("then %+v", rest)
		}
	}},
	{"DeleteUserQueuesEverySession", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		// A grant with no session (the consent API) is owed a logout by sub.
		f.grantIn(t, s, f.other, "", f.t0)
		must(t, s.DeleteUser(ctx(t), f.p.ID, f.u.ID, f.t0))
		want := []string{f.app.ClientID + " " + f.one.ID, f.app.ClientID + " " + f.two.ID,
			f.other.ClientID + " " + f.one.ID, f.other.ClientID + " "}
		slices.Sort(want)
		if got := targets(claimAll(t, s, f.t0)); !slices.Equal(got, want) {
			t.Fatalf("queued %v, want %v", got, want)
		}
	}},
	{"Announced", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		w := watch(t, s, store.TopicLogout)
		w.listening(f.p.ID, func() {
			sess := newSession(f.p.ID, f.u.ID, f.t0, f.t0.Add(time.Hour))
			must(t, s.CreateSession(ctx(t), sess))
			f.grantIn(t, s, f.app, sess.ID, f.t0)
			must(t, s.RevokeSession(ctx(t), f.p.ID, sess.ID, f.t0))
		})
	}},
	{"SweptWhenOld", func(t *testing.T, s store.Store) {
		f := newLogoutFixture(t, s)
		must(t, s.RevokeSession(ctx(t), f.p.ID, f.one.ID, f.t0))
		_, err := s.Sweep(ctx(t), f.t0.Add(store.LogoutDeliveryRetention-time.Second))
		must(t, err)
		if ds := claimAll(t, s, f.t0); len(ds) != 2 {
			t.Fatalf("%d left before the retention ends, want 2", len(ds))
		}
		_, err = s.Sweep(ctx(t), f.t0.Add(store.LogoutDeliveryRetention))
		must(t, err)
		if ds := claimAll(t, s, f.t0.Add(time.Hour)); len(ds) != 0 {
			t.Fatalf("%d left after the retention", len(ds))
		}
	}},
}
