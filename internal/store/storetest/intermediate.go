package storetest

import (
	"crypto/rand"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newIntermediateSession is a live intermediate session of project p bound
// to an email, with a random token hash, lasting ten minutes.
func newIntermediateSession(p store.Project) store.IntermediateSession {
	at := now()
	return store.IntermediateSession{
		ID:                   newID("intermediate-session"),
		ProjectID:            p.ID,
		TokenHash:            []byte(rand.Text()),
		Email:                "Ada@Acme.example",
		EmailVerified:        true,
		AuthenticatedMembers: []string{"member-test-1", "member-test-2"},
		Factors: []store.Factor{{
			Type: "password", DeliveryMethod: "knowledge",
			LastAuthenticatedAt: at, CreatedAt: at, UpdatedAt: at,
			DetailName: "email_factor", Detail: json.RawMessage(`{"email_address":"Ada@Acme.example"}`),
		}},
		CreatedAt: at,
		ExpiresAt: at.Add(10 * time.Minute),
	}
}

var intermediateTests = []test{
	{"CreateAndGetByToken", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		is := newIntermediateSession(p)
		must(t, s.CreateIntermediateSession(ctx(t), is))
		got, err := s.IntermediateSessionByToken(ctx(t), p.ID, is.TokenHash, now())
		must(t, err)
		equal(t, got, is)
		// No members and no factors read back as nil, email unverified.
		bare := newIntermediateSession(p)
		bare.AuthenticatedMembers, bare.Factors, bare.EmailVerified = nil, nil, false
		must(t, s.CreateIntermediateSession(ctx(t), bare))
		got, err = s.IntermediateSessionByToken(ctx(t), p.ID, bare.TokenHash, now())
		must(t, err)
		equal(t, got, bare)
	}},
	{"OtherProjectNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		is := newIntermediateSession(p)
		must(t, s.CreateIntermediateSession(ctx(t), is))
		other := newProject(t, s)
		wantErr(t, second(s.IntermediateSessionByToken(ctx(t), other.ID, is.TokenHash, now())), store.ErrNotFound)
		wantErr(t, s.ConsumeIntermediateSession(ctx(t), other.ID, is.ID, now()), store.ErrNotFound)
		must(t, s.ConsumeIntermediateSession(ctx(t), p.ID, is.ID, now()))
	}},
	{"ExpiredNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		is := newIntermediateSession(p)
		must(t, s.CreateIntermediateSession(ctx(t), is))
		wantErr(t, second(s.IntermediateSessionByToken(ctx(t), p.ID, is.TokenHash, is.ExpiresAt)), store.ErrNotFound)
		wantErr(t, s.ConsumeIntermediateSession(ctx(t), p.ID, is.ID, is.ExpiresAt), store.ErrNotFound)
		n, err := s.Sweep(ctx(t), is.ExpiresAt)
		must(t, err)
		if n < 1 {
			t.Errorf("Sweep deleted %d records, want the expired intermediate session among them", n)
		}
		// Gone even for a reader whose clock is behind.
		wantErr(t, second(s.IntermediateSessionByToken(ctx(t), p.ID, is.TokenHash, now())), store.ErrNotFound)
	}},
	{"ConsumeOnce", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		is := newIntermediateSession(p)
		must(t, s.CreateIntermediateSession(ctx(t), is))
		must(t, s.ConsumeIntermediateSession(ctx(t), p.ID, is.ID, now()))
		wantErr(t, s.ConsumeIntermediateSession(ctx(t), p.ID, is.ID, now()), store.ErrNotFound)
		wantErr(t, second(s.IntermediateSessionByToken(ctx(t), p.ID, is.TokenHash, now())), store.ErrNotFound)
	}},
	{"ConcurrentConsumeOneWins", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		is := newIntermediateSession(p)
		must(t, s.CreateIntermediateSession(ctx(t), is))
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.ConsumeIntermediateSession(ctx(t), p.ID, is.ID, now())
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				wantErr(t, err, store.ErrNotFound)
			}
		}
		if won != 1 {
			t.Errorf("%d consumers succeeded, want exactly 1", won)
		}
	}},
}
