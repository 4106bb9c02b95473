package storetest

import (
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// announceWait bounds how long a test waits for an announcement. A
// backend delivers through another connection (Postgres LISTEN), so
// delivery takes a moment; it is not a performance bound.
const announceWait = 30 * time.Second

// watcher collects what one subscription delivers.
type watcher struct {
	t    *testing.T
	keys chan string
}

func watch(t *testing.T, s store.Store, topic string) *watcher {
	w := &watcher{t: t, keys: make(chan string, 256)}
	cancel := s.Subscribe(topic, func(key string) {
		select {
		case w.keys <- key:
		default: // a test that stops reading has its answer already
		}
	})
	t.Cleanup(cancel)
	return w
}

// next returns the next key other than "" (a listener (re)connecting
// says "forget everything"), or fails the test after d.
func (w *watcher) next(d time.Duration) (string, bool) {
	deadline := time.After(d)
	for {
		select {
		case k := <-w.keys:
			if k != "" {
				return k, true
			}
		case <-deadline:
			return "", false
		}
	}
}

// wait fails the test unless key is announced within announceWait, and
// returns the keys announced before it.
func (w *watcher) wait(key string) []string {
	w.t.Helper()
	var before []string
	deadline := time.Now().Add(announceWait)
	for {
		k, ok := w.next(time.Until(deadline))
		if !ok {
			w.t.Fatalf("%s was not announced (heard %v)", key, before)
		}
		if k == key {
			return before
		}
		before = append(before, k)
	}
}

// listening repeats write, which must announce key, until the
// subscription hears it: a backend that delivers through a listener
// (Postgres) promises nothing to a subscriber whose listener is not
// connected yet. Afterwards every write is heard.
func (w *watcher) listening(key string, write func()) {
	w.t.Helper()
	deadline := time.Now().Add(announceWait)
	for time.Now().Before(deadline) {
		write()
		for {
			k, ok := w.next(time.Second)
			if !ok {
				break
			}
			if k == key {
				return
			}
		}
	}
	w.t.Fatalf("%s was never announced", key)
}

var changeTests = []test{
	{"M2MClient", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		w := watch(t, s, store.TopicM2MClient)
		w.listening(c.ClientID, func() {
			_, err := s.UpdateM2MClient(ctx(t), p.ID, c.ClientID, func(c *store.M2MClient) error {
				c.Status = "inactive"
				return nil
			})
			must(t, err)
		})
		must(t, s.DeleteM2MClient(ctx(t), p.ID, c.ClientID))
		w.wait(c.ClientID)
	}},
	{"ConnectedApp", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createApp(t, s, newApp(p.ID, now()))
		w := watch(t, s, store.TopicConnectedApp)
		w.listening(c.ClientID, func() {
			_, err := s.UpdateConnectedApp(ctx(t), p.ID, c.ClientID, func(c *store.ConnectedApp) error {
				c.Status = "inactive"
				return nil
			})
			must(t, err)
		})
		must(t, s.DeleteConnectedApp(ctx(t), p.ID, c.ClientID))
		w.wait(c.ClientID)
	}},
	{"Keys", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		w := watch(t, s, store.TopicKeys)
		w.listening(p.ID, func() {
			must(t, s.RotateKey(ctx(t), newKey(p.ID, "RS256", now()), now().Add(time.Hour)))
		})
		_, err := s.AddKeys(ctx(t), []store.Key{newKey(p.ID, "ES256", now())})
		must(t, err)
		w.wait(p.ID)
	}},
	{"Project", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		w := watch(t, s, store.TopicProject)
		w.listening(p.ID, func() { must(t, s.SetProjectTokenAlg(ctx(t), p.ID, "ES256")) })
	}},
	// New trust anchors reach every node's cached project at once.
	{"ProjectTrustAnchors", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		w := watch(t, s, store.TopicProject)
		w.listening(p.ID, func() { must(t, s.SetProjectTrustAnchors(ctx(t), p.ID, "pem")) })
	}},
	// Each step of a project secret rotation is announced, so every
	// node's project-auth cache drops the secret hashes it holds (an old
	// secret must stop working when a rotation completes or is
	// cancelled); a step its function refuses is not.
	{"ProjectSecret", func(t *testing.T, s store.Store) {
		p, q, r := newProject(t, s), newProject(t, s), newProject(t, s)
		w := watch(t, s, store.TopicProject)
		w.listening(p.ID, func() { must(t, s.SetProjectTokenAlg(ctx(t), p.ID, "ES256")) })
		refused := errors.New("refused")
		_, err := s.UpdateProjectSecret(ctx(t), r.ID, func(*store.Project) error { return refused })
		wantErr(t, err, refused)
		_, err = s.UpdateProjectSecret(ctx(t), q.ID, func(p *store.Project) error {
			p.NextSecretHash = []byte("next secret hash")
			return nil
		})
		must(t, err)
		for _, k := range w.wait(q.ID) {
			if k == r.ID {
				t.Fatalf("a refused secret update of %s was announced", r.ID)
			}
		}
	}},
	// Every change of a user a session authentication shows is announced
	// (the nodes' caches of hot sessions hold the user), and so is a
	// deletion, which takes the user's sessions with it.
	{"User", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		u := createUser(t, s, newUser(p.ID))
		w := watch(t, s, store.TopicUser)
		w.listening(u.ID, func() {
			_, err := s.UpdateUser(ctx(t), p.ID, u.ID, func(u *store.User) error {
				u.UntrustedMetadata = json.RawMessage(`{"n":1}`)
				return nil
			})
			must(t, err)
		})
		must(t, s.SetPassword(ctx(t), p.ID, u.ID, store.Password{ID: newID("password"), Hash: "h", CreatedAt: now()}))
		w.wait(u.ID)
		must(t, s.DeleteUser(ctx(t), p.ID, u.ID, now()))
		w.wait(u.ID)
	}},
	// A revocation is announced, and so is a touch that changes what a
	// session says beyond last_accessed_at (its expiry, its claims).
	{"Session", func(t *testing.T, s store.Store) {
		p, _, sess := sessionFixture(t, s)
		w := watch(t, s, store.TopicSession)
		w.listening(sess.ID, func() {
			_, err := s.TouchSession(ctx(t), p.ID, sess.ID, now(), now().Add(2*time.Hour), nil)
			must(t, err)
		})
		_, err := s.TouchSession(ctx(t), p.ID, sess.ID, now(), time.Time{}, json.RawMessage(`{"plan":"team"}`))
		must(t, err)
		w.wait(sess.ID)
		must(t, s.RevokeSession(ctx(t), p.ID, sess.ID, now()))
		w.wait(sess.ID)
		wantErr(t, s.RevokeSession(ctx(t), p.ID, sess.ID, now()), store.ErrNotFound)
	}},
	// A write that fails announces nothing. Announcements arrive in commit
	// order, so once a later write's is heard, the failed one's never
	// will be.
	{"RolledBackWriteIsNotAnnounced", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		a := createClient(t, s, newClient(p.ID, now(), "active"))
		b := createClient(t, s, newClient(p.ID, now(), "active"))
		w := watch(t, s, store.TopicM2MClient)
		touch := func(id string) {
			_, err := s.UpdateM2MClient(ctx(t), p.ID, id, func(*store.M2MClient) error { return nil })
			must(t, err)
		}
		w.listening(b.ClientID, func() { touch(b.ClientID) })
		refused := errors.New("refused")
		_, err := s.UpdateM2MClient(ctx(t), p.ID, a.ClientID, func(*store.M2MClient) error { return refused })
		wantErr(t, err, refused)
		wantErr(t, s.DeleteM2MClient(ctx(t), p.ID, newID("m2m-client")), store.ErrNotFound)
		touch(b.ClientID)
		for _, k := range w.wait(b.ClientID) {
			if k == a.ClientID {
				t.Fatalf("a rolled-back update of %s was announced", a.ClientID)
			}
		}
	}},
	// Topics are separate, and a cancelled subscription hears nothing.
	{"TopicsAndCancel", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		c := createClient(t, s, newClient(p.ID, now(), "active"))
		keys := watch(t, s, store.TopicKeys)
		var gone atomic.Int32
		cancel := s.Subscribe(store.TopicM2MClient, func(string) { gone.Add(1) })
		cancel()
		m2m := watch(t, s, store.TopicM2MClient)
		m2m.listening(c.ClientID, func() {
			_, err := s.UpdateM2MClient(ctx(t), p.ID, c.ClientID, func(*store.M2MClient) error { return nil })
			must(t, err)
		})
		must(t, s.RotateKey(ctx(t), newKey(p.ID, "RS256", now()), now().Add(time.Hour)))
		for _, k := range keys.wait(p.ID) {
			if k == c.ClientID {
				t.Fatal("a client's change was announced on the keys topic")
			}
		}
		if n := gone.Load(); n != 0 {
			t.Fatalf("a cancelled subscription heard %d announcements", n)
		}
	}},
}
