package storetest

import (
	"crypto/rand"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newRegistrationToken is a live initial access token of project p with
// a random hash, good for uses registrations within an hour.
func newRegistrationToken(p store.Project, uses int) store.RegistrationToken {
	at := now()
	return store.RegistrationToken{
		ID:        newID("registration-token"),
		ProjectID: p.ID,
		Hash:      []byte(rand.Text()),
		MaxUses:   uses,
		CreatedAt: at,
		ExpiresAt: at.Add(time.Hour),
	}
}

func newRegistration(c store.ConnectedApp) store.ClientRegistration {
	return store.ClientRegistration{ClientID: c.ClientID, ProjectID: c.ProjectID, AccessTokenHash: []byte(rand.Text()), CreatedAt: c.CreatedAt}
}

var registrationTests = []test{
	{"ProjectPolicy", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		got, err := s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, got.Registration, store.RegistrationPolicy{}) // closed by default
		want := store.RegistrationPolicy{Open: true, SoftwareStatementKeys: `{"keys":[]}`}
		must(t, s.SetProjectRegistration(ctx(t), p.ID, want))
		got, err = s.Project(ctx(t), p.ID)
		must(t, err)
		equal(t, got.Registration, want)
		wantErr(t, s.SetProjectRegistration(ctx(t), "project-test-missing", want), store.ErrNotFound)
	}},
	{"TokenCreateAndFind", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		tok := newRegistrationToken(p, 3)
		must(t, s.CreateRegistrationToken(ctx(t), tok))
		got, err := s.RegistrationTokenByHash(ctx(t), tok.Hash, now())
		must(t, err)
		equal(t, got, tok)
		// Expired at its ExpiresAt.
		wantErr(t, second(s.RegistrationTokenByHash(ctx(t), tok.Hash, tok.ExpiresAt)), store.ErrNotFound)
		wantErr(t, second(s.RegistrationTokenByHash(ctx(t), []byte("unknown"), now())), store.ErrNotFound)
		var dup *store.DuplicateError
		if err := s.CreateRegistrationToken(ctx(t), tok); !errors.As(err, &dup) {
			t.Fatalf("a second token with the same ID: %v, want a DuplicateError", err)
		}
	}},
	{"TokenDelete", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		tok := newRegistrationToken(p, 1)
		must(t, s.CreateRegistrationToken(ctx(t), tok))
		other := newProject(t, s)
		wantErr(t, s.DeleteRegistrationToken(ctx(t), other.ID, tok.ID), store.ErrNotFound)
		must(t, s.DeleteRegistrationToken(ctx(t), p.ID, tok.ID))
		wantErr(t, second(s.RegistrationTokenByHash(ctx(t), tok.Hash, now())), store.ErrNotFound)
		wantErr(t, s.DeleteRegistrationToken(ctx(t), p.ID, tok.ID), store.ErrNotFound)
	}},
	{"RegisterUsesToken", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		tok := newRegistrationToken(p, 2)
		must(t, s.CreateRegistrationToken(ctx(t), tok))
		for i := range 2 {
			c := newApp(p.ID, now())
			r := newRegistration(c)
			must(t, s.RegisterConnectedApp(ctx(t), c, r, tok.ID, now()))
			got, err := s.ConnectedApp(ctx(t), "", c.ClientID)
			must(t, err)
			equal(t, got, c)
			gotReg, err := s.ClientRegistration(ctx(t), c.ClientID)
			must(t, err)
			equal(t, gotReg, r)
			if i == 0 {
				left, err := s.RegistrationTokenByHash(ctx(t), tok.Hash, now())
				must(t, err)
				equal(t, left.Uses, 1)
			}
		}
		// Spent: nothing more is created with it.
		c := newApp(p.ID, now())
		wantErr(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), tok.ID, now()), store.ErrNotFound)
		wantErr(t, second(s.ConnectedApp(ctx(t), "", c.ClientID)), store.ErrNotFound)
		wantErr(t, second(s.RegistrationTokenByHash(ctx(t), tok.Hash, now())), store.ErrNotFound)
	}},
	{"RegisterRefusesOthersAndExpiredTokens", func(t *testing.T, s store.Store) {
		p, other := newProject(t, s), newProject(t, s)
		tok := newRegistrationToken(other, 5)
		must(t, s.CreateRegistrationToken(ctx(t), tok))
		c := newApp(p.ID, now())
		wantErr(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), tok.ID, now()), store.ErrNotFound)
		c.ProjectID = other.ID
		wantErr(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), tok.ID, tok.ExpiresAt), store.ErrNotFound)
		wantErr(t, second(s.ConnectedApp(ctx(t), "", c.ClientID)), store.ErrNotFound)
	}},
	{"RegisterOpen", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := newApp(p.ID, now())
		must(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), "", now()))
		var dup *store.DuplicateError
		if err := s.RegisterConnectedApp(ctx(t), c, newRegistration(c), "", now()); !errors.As(err, &dup) || dup.Field != "client_id" {
			t.Fatalf("a taken client ID: %v, want a DuplicateError on client_id", err)
		}
	}},
	{"ConcurrentLastUse", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		tok := newRegistrationToken(p, 1)
		must(t, s.CreateRegistrationToken(ctx(t), tok))
		var won atomic.Int32
		race(8, []store.Store{s}, func(int, store.Store) {
			c := newApp(p.ID, now())
			switch err := s.RegisterConnectedApp(ctx(t), c, newRegistration(c), tok.ID, now()); {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("registration: %v", err)
			}
		})
		if n := won.Load(); n != 1 {
			t.Fatalf("%d registrations used a single-use token, want 1", n)
		}
	}},
	{"DeleteClientDeletesRegistration", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := newApp(p.ID, now())
		must(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), "", now()))
		must(t, s.DeleteConnectedApp(ctx(t), p.ID, c.ClientID))
		wantErr(t, second(s.ClientRegistration(ctx(t), c.ClientID)), store.ErrNotFound)
		// A client made through the management API has no registration.
		plain := createApp(t, s, newApp(p.ID, now()))
		wantErr(t, second(s.ClientRegistration(ctx(t), plain.ClientID)), store.ErrNotFound)
	}},
	{"SweepTokens", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		live, spent, expired := newRegistrationToken(p, 1), newRegistrationToken(p, 1), newRegistrationToken(p, 1)
		expired.ExpiresAt = now().Add(-time.Second)
		for _, tok := range []store.RegistrationToken{live, spent, expired} {
			must(t, s.CreateRegistrationToken(ctx(t), tok))
		}
		c := newApp(p.ID, now())
		must(t, s.RegisterConnectedApp(ctx(t), c, newRegistration(c), spent.ID, now()))
		_, err := s.Sweep(ctx(t), now())
		must(t, err)
		must(t, second(s.RegistrationTokenByHash(ctx(t), live.Hash, now())))
		wantErr(t, s.DeleteRegistrationToken(ctx(t), p.ID, spent.ID), store.ErrNotFound)
		wantErr(t, s.DeleteRegistrationToken(ctx(t), p.ID, expired.ID), store.ErrNotFound)
	}},
}
