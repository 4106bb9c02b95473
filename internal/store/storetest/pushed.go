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
	{"ConsumeOnce", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		got, err := s.ConsumePushedRequest(ctx(t), r.Hash, t0.Add(time.Second))
		must(t, err)
		equal(t, got, r)
		// RFC 9126 §4: a request_uri is used once.
		_, err = s.ConsumePushedRequest(ctx(t), r.Hash, t0.Add(2*time.Second))
		wantErr(t, err, store.ErrAlreadyUsed)
	}},
	{"ConsumeExpiredOrUnknown", func(t *testing.T, s store.Store) {
		a, t0 := newAuthz(t, s), now()
		r := a.pushed(t0, time.Minute)
		must(t, s.CreatePushedRequest(ctx(t), r))
		_, err := s.ConsumePushedRequest(ctx(t), r.Hash, t0.Add(time.Minute))
		wantErr(t, err, store.ErrNotFound)
		_, err = s.ConsumePushedRequest(ctx(t), []byte("unknown"), t0)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"ConsumeRace", func(t *testing.T, s store.Store) {
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
				if _, err := s.ConsumePushedRequest(ctx(t), r.Hash, t0); err == nil {
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
		_, err := s.ConsumePushedRequest(ctx(t), r.Hash, t0)
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
		_, err = s.ConsumePushedRequest(ctx(t), live.Hash, t0)
		must(t, err)
	}},
}
