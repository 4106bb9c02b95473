package storetest

import (
	"crypto/rand"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func (a authz) pushed(t0 time.Time, ttl time.Duration) store.PushedRequest {
	return store.PushedRequest{
		Hash:      []byte(rand.Text()),
		ProjectID: a.p.ID,
		ClientID:  a.app.ClientID,
		Params:    json.RawMessage(`{"response_type":"code","scope":"openid","state":"af0ifjsldkj"}`),
		CreatedAt: t0,
		ExpiresAt: t0.Add(ttl),
	}
}

var pushedTests = []test{
	{"OpenUntilCompleted", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		got, err := s.OpenPushedRequest(ctx(t), r.Hash, t0.Add(time.Second), 30*time.Minute)
		must(t, err)
		equal(t, got.Params, r.Params)
		equal(t, got.ExpiresAt, t0.Add(time.Second+30*time.Minute))
		// A reload past the request's own minute finds it again (RFC
		// 9126 §4), and moves its hold on.
		got, err = s.OpenPushedRequest(ctx(t), r.Hash, t0.Add(10*time.Minute), 30*time.Minute)
		must(t, err)
		equal(t, got.ExpiresAt, t0.Add(40*time.Minute))
		must(t, s.CompletePushedRequest(ctx(t), r.Hash, t0.Add(11*time.Minute)))
		// One use: completed once, then refused, opening too (with the
		// request, so a page can name the application).
		wantErr(t, s.CompletePushedRequest(ctx(t), r.Hash, t0.Add(12*time.Minute)), store.ErrAlreadyUsed)
		got, err = s.OpenPushedRequest(ctx(t), r.Hash, t0.Add(12*time.Minute), 30*time.Minute)
		wantErr(t, err, store.ErrAlreadyUsed)
		equal(t, got.ClientID, r.ClientID)
		equal(t, got.ExpiresAt, t0.Add(40*time.Minute)) // a completed request is held no longer
	}},
	{"OpenExpiredOrUnknown", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		// The first opening must come within the request's life.
		_, err := s.OpenPushedRequest(ctx(t), r.Hash, t0.Add(time.Minute), 30*time.Minute)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.CompletePushedRequest(ctx(t), r.Hash, t0.Add(time.Minute)), store.ErrNotFound)
		_, err = s.OpenPushedRequest(ctx(t), []byte("unknown"), t0, time.Minute)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.CompletePushedRequest(ctx(t), []byte("unknown"), t0), store.ErrNotFound)
		// An opened request expires when its hold ends.
		o := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), o))
		_, err = s.OpenPushedRequest(ctx(t), o.Hash, t0, 5*time.Minute)
		must(t, err)
		_, err = s.OpenPushedRequest(ctx(t), o.Hash, t0.Add(5*time.Minute), 5*time.Minute)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"CompleteRace", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		var (
			wg sync.WaitGroup
			mu sync.Mutex
			ok int
		)
		for range 8 {
			wg.Go(func() {
				if err := s.CompletePushedRequest(ctx(t), r.Hash, t0); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		equal(t, ok, 1)
	}},
	{"DeletedWithClient", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		must(t, s.DeleteConnectedApp(ctx(t), a.p.ID, a.app.ClientID))
		_, err := s.OpenPushedRequest(ctx(t), r.Hash, t0, time.Minute)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"UseJTIOnce", func(t *testing.T, s store.Store) {
		t0 := now()
		client, other := newID("client"), newID("client")
		must(t, s.UseJTI(ctx(t), client, "jti-1", t0.Add(time.Minute)))
		wantErr(t, s.UseJTI(ctx(t), client, "jti-1", t0.Add(time.Minute)), store.ErrAlreadyUsed)
		// JWT IDs are per client (RFC 7523 §3 item 7).
		must(t, s.UseJTI(ctx(t), other, "jti-1", t0.Add(time.Minute)))
	}},
	{"SweepForgetsExpired", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		client := newID("client")
		must(t, s.UseJTI(ctx(t), client, "old", t0.Add(-time.Second)))
		must(t, s.UseJTI(ctx(t), client, "live", t0.Add(time.Minute)))
		old, live := a.pushed(t0.Add(-2*time.Minute), time.Minute), a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), old))
		must(t, s.CreatePushedRequest(ctx(t), live))
		n, err := s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 2)
		must(t, s.UseJTI(ctx(t), client, "old", t0.Add(time.Minute)))
		wantErr(t, s.UseJTI(ctx(t), client, "live", t0.Add(time.Minute)), store.ErrAlreadyUsed)
		_, err = s.OpenPushedRequest(ctx(t), live.Hash, t0, time.Minute)
		must(t, err)
	}},
}
