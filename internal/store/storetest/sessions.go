package storetest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newSession is a session of userID from started until expires, with a
// random token hash.
func newSession(projectID, userID string, started, expires time.Time) store.Session {
	return store.Session{
		ID:             newID("session"),
		ProjectID:      projectID,
		UserID:         userID,
		TokenHash:      []byte(rand.Text()),
		StartedAt:      started,
		LastAccessedAt: started,
		ExpiresAt:      expires,
		IPAddress:      "203.0.113.7",
		UserAgent:      "storetest/1.0",
		Factors: []store.Factor{{
			Type:                "password",
			DeliveryMethod:      "knowledge",
			LastAuthenticatedAt: started,
			CreatedAt:           started,
			UpdatedAt:           started,
			DetailName:          "email_factor",
			Detail:              json.RawMessage(`{"email_id":"email-test-1","email_address":"ada@example.com"}`),
		}},
		CustomClaims: json.RawMessage(`{"plan":"pro"}`),
		Roles:        []string{"admin"},
	}
}

// sessionFixture is a project with a user and a live session.
func sessionFixture(t *testing.T, s store.Store) (store.Project, store.User, store.Session) {
	t.Helper()
	p := newProject(t, s)
	u := createUser(t, s, newUser(p.ID))
	sess := newSession(p.ID, u.ID, now(), now().Add(time.Hour))
	must(t, s.CreateSession(ctx(t), sess))
	return p, u, sess
}

var sessionTests = []test{
	{"CreateAndGetByToken", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		got, err := s.SessionByToken(ctx(t), p.ID, sess.TokenHash, now())
		must(t, err)
		equal(t, got, sess)
	}},
	{"GetByID", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		got, err := s.SessionByID(ctx(t), p.ID, sess.ID, now())
		must(t, err)
		equal(t, got, sess)
	}},
	{"CreateMinimal", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		sess := store.Session{ID: newID("session"), ProjectID: p.ID, UserID: u.ID, TokenHash: []byte("t"),
			StartedAt: now(), LastAccessedAt: now(), ExpiresAt: now().Add(time.Hour)}
		must(t, s.CreateSession(ctx(t), sess))
		got, err := s.SessionByID(ctx(t), p.ID, sess.ID, now())
		must(t, err)
		equal(t, got, sess)
	}},
	{"CreateForMissingUser", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		sess := newSession(p.ID, "user-test-missing", now(), now().Add(time.Hour))
		wantErr(t, s.CreateSession(ctx(t), sess), store.ErrNotFound)
	}},
	{"DuplicateToken", func(t *testing.T, s store.Store) {
		p, u, sess := sessionFixture(t, s)
		again := newSession(p.ID, u.ID, now(), now().Add(time.Hour))
		again.TokenHash = sess.TokenHash
		wantDup(t, s.CreateSession(ctx(t), again), "session_token")
	}},
	{"ExpiredIsNotReturned", func(t *testing.T, s store.Store) {
		p, u, sess := sessionFixture(t, s)
		at := sess.ExpiresAt // live means expires_at > now
		c := ctx(t)
		for name, err := range map[string]error{
			"ByToken": second(s.SessionByToken(c, p.ID, sess.TokenHash, at)),
			"ByID":    second(s.SessionByID(c, p.ID, sess.ID, at)),
			"Touch":   second(s.TouchSession(c, p.ID, sess.ID, at, at.Add(time.Hour), nil)),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s on an expired session: %v, want ErrNotFound", name, err)
			}
		}
		list, err := s.UserSessions(c, p.ID, u.ID, at)
		must(t, err)
		equal(t, len(list), 0)
		// A microsecond earlier it is still live.
		_, err = s.SessionByID(c, p.ID, sess.ID, at.Add(-time.Microsecond))
		must(t, err)
	}},
	{"TouchExtends", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		at, until := now().Add(time.Minute), now().Add(3*time.Hour)
		claims := json.RawMessage(`{"plan":"enterprise"}`)
		got, err := s.TouchSession(ctx(t), p.ID, sess.ID, at, until, claims)
		must(t, err)
		want := sess
		want.LastAccessedAt, want.ExpiresAt, want.CustomClaims = at, until, claims
		equal(t, got, want)
		stored, err := s.SessionByID(ctx(t), p.ID, sess.ID, at)
		must(t, err)
		equal(t, stored, want)
	}},
	{"TouchKeepsExpiryAndClaims", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		at := now().Add(time.Minute)
		got, err := s.TouchSession(ctx(t), p.ID, sess.ID, at, time.Time{}, nil)
		must(t, err)
		want := sess
		want.LastAccessedAt = at
		equal(t, got, want)
	}},
	{"TouchNotFound", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		_, err := s.TouchSession(ctx(t), p.ID, "session-test-missing", now(), time.Time{}, nil)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Revoke", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		must(t, s.RevokeSession(ctx(t), p.ID, sess.ID, time.Now()))
		_, err := s.SessionByToken(ctx(t), p.ID, sess.TokenHash, now())
		wantErr(t, err, store.ErrNotFound)
		_, err = s.SessionByID(ctx(t), p.ID, sess.ID, now())
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.RevokeSession(ctx(t), p.ID, sess.ID, time.Now()), store.ErrNotFound)
	}},
	{"UserSessionsNewestFirst", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u, other := createUser(t, s, newUser(p.ID)), createUser(t, s, newUser(p.ID))
		t0 := now()
		var want []store.Session
		for i := range 3 {
			sess := newSession(p.ID, u.ID, t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Hour))
			must(t, s.CreateSession(ctx(t), sess))
			want = append([]store.Session{sess}, want...)
		}
		for _, sess := range []store.Session{
			newSession(p.ID, u.ID, t0.Add(-time.Hour), t0),                     // expired
			newSession(p.ID, other.ID, t0.Add(time.Hour), t0.Add(2*time.Hour)), // someone else's
		} {
			must(t, s.CreateSession(ctx(t), sess))
		}
		got, err := s.UserSessions(ctx(t), p.ID, u.ID, t0)
		must(t, err)
		equal(t, got, want)
	}},
	{"ProjectIsolation", func(t *testing.T, s store.Store) {
		_, u, sess := sessionFixture(t, s)
		b := newProject(t, s)
		c := ctx(t)
		for name, err := range map[string]error{
			"ByToken": second(s.SessionByToken(c, b.ID, sess.TokenHash, now())),
			"ByID":    second(s.SessionByID(c, b.ID, sess.ID, now())),
			"Touch":   second(s.TouchSession(c, b.ID, sess.ID, now(), time.Time{}, nil)),
			"Revoke":  s.RevokeSession(c, b.ID, sess.ID, time.Now()),
			"Create":  s.CreateSession(c, newSession(b.ID, u.ID, now(), now().Add(time.Hour))),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s from another project: %v, want ErrNotFound", name, err)
			}
		}
		list, err := s.UserSessions(c, b.ID, u.ID, now())
		must(t, err)
		equal(t, len(list), 0)
	}},
}
