package users_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
	"github.com/signet-id/signet/internal/users"
)

// counting counts the reads a session authentication makes, to tell a
// hot session (no read) from a miss.
type counting struct {
	store.Store
	reads atomic.Int64
}

func (c *counting) SessionByToken(ctx context.Context, projectID string, h []byte, now time.Time) (store.Session, error) {
	c.reads.Add(1)
	return c.Store.SessionByToken(ctx, projectID, h, now)
}

func (c *counting) SessionByID(ctx context.Context, projectID, id string, now time.Time) (store.Session, error) {
	c.reads.Add(1)
	return c.Store.SessionByID(ctx, projectID, id, now)
}

func (c *counting) User(ctx context.Context, projectID, id string) (store.User, error) {
	c.reads.Add(1)
	return c.Store.User(ctx, projectID, id)
}

// hotUser is a user with a password and a session, authenticated once so
// that the session is hot on e's node.
type hotUser struct {
	userID, sessionID, token, jwt string
}

func signInHot(t *testing.T, e *env) hotUser {
	t.Helper()
	out := e.must(t, "POST", "/v1/passwords", obj{"email": "hot@example.com", "password": "correct-horse-battery-staple-9"})
	s := hotUser{userID: out["user_id"].(string), token: out["session_token"].(string), jwt: out["session_jwt"].(string)}
	s.sessionID = out["session"].(obj)["session_id"].(string)
	e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
	return s
}

// Every write of a session or its user is seen by the next authentication
// on the node that made it, at once, although the session was hot there
// (served with no store read before the write).
func TestHotSessionReadYourWrites(t *testing.T) {
	type check func(t *testing.T, code int, out obj)
	gone := func(t *testing.T, code int, out obj) {
		if code != 404 || out["error_type"] != "session_not_found" {
			t.Fatalf("authenticate = %d %v, want 404 session_not_found", code, out)
		}
	}
	user := func(path, want string) check {
		return func(t *testing.T, code int, out obj) {
			if code != 200 {
				t.Fatalf("authenticate = %d %v", code, out)
			}
			got, _ := json.Marshal(dig(out, "user", path))
			if string(got) != want {
				t.Fatalf("user.%s = %s, want %s", path, got, want)
			}
		}
	}
	session := func(path, want string) check {
		return func(t *testing.T, code int, out obj) {
			if code != 200 {
				t.Fatalf("authenticate = %d %v", code, out)
			}
			got, _ := json.Marshal(dig(out, "session", path))
			if string(got) != want {
				t.Fatalf("session.%s = %s, want %s", path, got, want)
			}
		}
	}
	tests := []struct {
		name  string
		write func(t *testing.T, e *env, s hotUser)
		check check
	}{
		{"users.update name", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "PUT", "/v1/users/"+s.userID, obj{"name": obj{"first_name": "Grace"}})
		}, user("name.first_name", `"Grace"`)},
		{"users.update roles (RBAC)", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "PUT", "/v1/users/"+s.userID, obj{"roles": []string{"admin"}})
		}, user("roles", `["stytch_user","admin"]`)},
		{"users.update trusted metadata", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "PUT", "/v1/users/"+s.userID, obj{"trusted_metadata": obj{"plan": "pro"}})
		}, user("trusted_metadata", `{"plan":"pro"}`)},
		{"users.delete", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "DELETE", "/v1/users/"+s.userID, nil)
		}, gone},
		{"sessions.revoke by token", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/sessions/revoke", obj{"session_token": s.token})
		}, gone},
		{"sessions.revoke by ID", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/sessions/revoke", obj{"session_id": s.sessionID})
		}, gone},
		{"sessions.revoke by JWT", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/sessions/revoke", obj{"session_jwt": s.jwt})
		}, gone},
		{"sessions.authenticate with a new duration", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token, "session_duration_minutes": 5})
		}, session("expires_at", `"`+e0.Add(5*time.Minute).Format(time.RFC3339)+`"`)},
		{"sessions.authenticate with custom claims", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_jwt": s.jwt, "session_custom_claims": obj{"tier": 2}})
		}, session("custom_claims", `{"tier":2}`)},
		{"passwords.authenticate extending the session", func(t *testing.T, e *env, s hotUser) {
			e.must(t, "POST", "/v1/passwords/authenticate", obj{"email": "hot@example.com", "password": "correct-horse-battery-staple-9",
				"session_token": s.token, "session_duration_minutes": 7})
		}, session("expires_at", `"`+e0.Add(7*time.Minute).Format(time.RFC3339)+`"`)},
		{"bank verification linked to the user", func(t *testing.T, e *env, s hotUser) {
			id := bankID("cust-hot", map[string]any{"given_name": "Ada"})
			id.LinkUserID = s.userID
			if _, err := e.svc.RecordBankVerification(t.Context(), e.projectID, id); err != nil {
				t.Fatal(err)
			}
		}, user("name.first_name", `"Ada"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &counting{Store: testdb.Open(t)}
			e := newEnvOn(t, cs)
			e.clock.Set(e0)
			s := signInHot(t, e)
			before := cs.reads.Load()
			e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
			if n := cs.reads.Load() - before; n != 0 {
				t.Fatalf("a hot session took %d store reads", n)
			}
			tt.write(t, e, s)
			code, out := e.call(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
			tt.check(t, code, out)
			code, out = e.call(t, "POST", "/v1/sessions/authenticate", obj{"session_jwt": s.jwt})
			tt.check(t, code, out)
		})
	}
}

// e0 is the fake clock's start in these tests, to the second.
var e0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// dig walks a dotted path of JSON objects from out[top].
func dig(out obj, top, path string) any {
	v := out[top]
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(obj)
		v = m[k]
	}
	return v
}

// The consent API and the hosted pages read sessions through the same
// cache: a revocation is seen there at once too.
func TestHotSessionRevokedForOtherReaders(t *testing.T) {
	e := newEnv(t)
	s := signInHot(t, e)
	if _, err := e.svc.SessionFromToken(t.Context(), e.projectID, s.token); err != nil {
		t.Fatal(err)
	}
	e.must(t, "POST", "/v1/sessions/revoke", obj{"session_id": s.sessionID})
	if _, err := e.svc.SessionFromToken(t.Context(), e.projectID, s.token); !errors.Is(err, users.ErrSessionNotFound) {
		t.Fatalf("SessionFromToken after revoke: %v", err)
	}
	if _, err := e.svc.SessionFromJWT(t.Context(), e.projectID, s.jwt); !errors.Is(err, users.ErrSessionNotFound) {
		t.Fatalf("SessionFromJWT after revoke: %v", err)
	}
}

// A hot session expires exactly at expires_at, on the fake clock: served
// from memory a microsecond before, refused at the instant.
func TestHotSessionExpiryIsExact(t *testing.T) {
	cs := &counting{Store: testdb.Open(t)}
	e := newEnvOn(t, cs)
	e.clock.Set(e0)
	out := e.must(t, "POST", "/v1/passwords", obj{"email": "hot@example.com", "password": "correct-horse-battery-staple-9", "session_duration_minutes": 5})
	token := out["session_token"].(string)
	expires := e0.Add(5 * time.Minute)
	e.clock.Set(expires.Add(-2 * time.Second))
	body := obj{"session_token": token}
	e.must(t, "POST", "/v1/sessions/authenticate", body) // touches (a minute passed): not cached
	e.must(t, "POST", "/v1/sessions/authenticate", body) // read and cached
	e.clock.Set(expires.Add(-time.Microsecond))
	before := cs.reads.Load()
	e.must(t, "POST", "/v1/sessions/authenticate", body)
	if n := cs.reads.Load() - before; n != 0 {
		t.Fatalf("the session was not hot: %d store reads", n)
	}
	e.clock.Set(expires)
	e.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", body)
}

// A node that misses an announcement (here: a second service on the same
// store that subscribes to nothing) refuses a revoked session once its
// copy is sessionCacheTTL (5 s) old, and not before its own next read.
func TestHotSessionTTLBoundsLostAnnouncement(t *testing.T) {
	a := newEnv(t)
	a.clock.Set(e0)
	b := *a
	b.serve() // node B: its own service and cache, the same store, clock and project
	s := signInHot(t, a)
	b.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token}) // hot on B
	a.must(t, "POST", "/v1/sessions/revoke", obj{"session_token": s.token})
	a.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
	// Within the TTL, B still answers from its copy: this is the bound,
	// not a promise (the announcement normally arrives long before).
	b.clock.Advance(4 * time.Second)
	b.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
	b.clock.Advance(time.Second)
	b.fails(t, 404, "session_not_found", "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
}

// ForgetSession and ForgetUser (the subscribers of the store's
// announcements) drop a hot session at once; "" drops every one.
func TestHotSessionForget(t *testing.T) {
	for _, tt := range []struct {
		name   string
		forget func(svc *users.Service, s hotUser)
	}{
		{"session", func(svc *users.Service, s hotUser) { svc.ForgetSession(s.sessionID) }},
		{"user", func(svc *users.Service, s hotUser) { svc.ForgetUser(s.userID) }},
		{"all sessions", func(svc *users.Service, _ hotUser) { svc.ForgetSession("") }},
		{"all users", func(svc *users.Service, _ hotUser) { svc.ForgetUser("") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs := &counting{Store: testdb.Open(t)}
			e := newEnvOn(t, cs)
			s := signInHot(t, e)
			tt.forget(e.svc, s)
			before := cs.reads.Load()
			e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": s.token})
			if n := cs.reads.Load() - before; n == 0 {
				t.Fatal("the session was still hot")
			}
		})
	}
}

// Authentications racing a revocation (misses filling the cache, hits)
// never resurrect it: every one that starts after the revocation returned
// is refused.
func TestHotSessionConcurrentRevoke(t *testing.T) {
	e := newEnv(t)
	s := signInHot(t, e)
	var revoked atomic.Bool
	errs := make(chan string, 8)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				after := revoked.Load()
				rec := e.raw(t, "/v1/sessions/authenticate", `{"session_token":"`+s.token+`"}`)
				if after && rec.Code != 404 {
					errs <- rec.Body.String()
					return
				}
				if after {
					return
				}
			}
		}()
	}
	for range 3 { // users.update forgets too, so fills race forgets
		e.must(t, "PUT", "/v1/users/"+s.userID, obj{"untrusted_metadata": obj{"n": 1}})
	}
	e.must(t, "POST", "/v1/sessions/revoke", obj{"session_id": s.sessionID})
	revoked.Store(true)
	for range 4 {
		<-done
	}
	select {
	case body := <-errs:
		t.Fatalf("authenticated after the revocation returned: %s", body)
	default:
	}
}
