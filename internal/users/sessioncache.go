package users

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The hot sessions of a node, with their users, so that authenticating a
// session the node has seen in the last few seconds reads nothing from
// the store (issue 20: the session and user reads were ~40% of a
// sessions.authenticate's CPU). What keeps it true:
//
//   - Read-your-writes on this node. Every write of a session or a user
//     the service makes goes through one decorator of its store
//     (forgetting, below), which forgets what it wrote after the store
//     returns, whatever the outcome (a write that timed out may still
//     have committed). No caller of the service has to remember to.
//   - No stale fill. A miss reads the store and then caches what it read,
//     but only if nothing was forgotten meanwhile (an epoch that every
//     forget advances, checked under the lock the forget takes): a read
//     that raced a revocation is served once and never cached.
//   - Other nodes. Revocations, expiry and claim changes, and user
//     changes are announced by the store when they commit
//     (store.TopicSession, store.TopicUser: NOTIFY on PostgreSQL), and
//     the composition root hands them to ForgetSession and ForgetUser.
//     A lost announcement (a listener reconnecting flushes everything)
//     or a write by another process on SQLite is bounded by
//     sessionCacheTTL: an entry is used for that long after its read.
//   - Expiry is exact: every hit checks expires_at against the clock, as
//     the store's read does, and an entry past it is a miss (the store
//     decides, which also sees an extension made on another node).
//
// Memory is bounded: at most sessionCacheMax sessions, one evicted at
// random when full. The lock is an RWMutex: hits share it.
const (
	sessionCacheTTL = 5 * time.Second
	sessionCacheMax = 100_000
)

type hotSession struct {
	sess   store.Session
	user   store.User
	token  string    // the session's token hash as a map key; "" if not known
	loaded time.Time // when sess and user were read from the store
}

type sessionCache struct {
	mu      sync.RWMutex
	epoch   uint64                         // advanced by every forget
	byID    map[string]*hotSession         // session ID
	byToken map[string]string              // token hash -> session ID
	byUser  map[string]map[string]struct{} // user ID -> session IDs
	max     int                            // 0: sessionCacheMax; < 0: no caching
	ttl     time.Duration
}

func newSessionCache(size int) *sessionCache {
	if size == 0 {
		size = sessionCacheMax
	}
	return &sessionCache{
		byID: map[string]*hotSession{}, byToken: map[string]string{}, byUser: map[string]map[string]struct{}{},
		max: size, ttl: sessionCacheTTL,
	}
}

// begin is the epoch to hand to put after reading the store.
func (c *sessionCache) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// byTokenHash is the cached live session of projectID with this token
// hash, and its user.
func (c *sessionCache) byTokenHash(projectID string, hash []byte, now time.Time) (hotSession, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.fresh(c.byID[c.byToken[string(hash)]], projectID, now)
}

// bySessionID is the cached live session of projectID with this ID.
func (c *sessionCache) bySessionID(projectID, id string, now time.Time) (hotSession, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.fresh(c.byID[id], projectID, now)
}

func (c *sessionCache) fresh(e *hotSession, projectID string, now time.Time) (hotSession, bool) {
	if e == nil || e.sess.ProjectID != projectID ||
		!now.Before(e.sess.ExpiresAt) || // expired: exact, as the store's expires_at > now
		now.Before(e.loaded) || now.Sub(e.loaded) >= c.ttl {
		return hotSession{}, false
	}
	return *e, true
}

// put caches sess and its user, read at loaded, unless something was
// forgotten since epoch (the read may predate a write: see above).
// tokenHash may be nil (the session was named by ID or JWT).
func (c *sessionCache) put(epoch uint64, tokenHash []byte, sess store.Session, u store.User, loaded time.Time) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return
	}
	old := c.byID[sess.ID]
	if old == nil && len(c.byID) >= c.max {
		for id := range c.byID { // evict one at random (map order)
			c.remove(id)
			break
		}
	}
	e := &hotSession{sess: sess, user: u, loaded: loaded}
	if old != nil {
		e.token = old.token
		c.remove(sess.ID)
	}
	if tokenHash != nil {
		e.token = string(tokenHash)
	}
	c.byID[sess.ID] = e
	if e.token != "" {
		c.byToken[e.token] = sess.ID
	}
	ids := c.byUser[sess.UserID]
	if ids == nil {
		ids = map[string]struct{}{}
		c.byUser[sess.UserID] = ids
	}
	ids[sess.ID] = struct{}{}
}

// remove drops session id; the caller holds the write lock.
func (c *sessionCache) remove(id string) {
	e := c.byID[id]
	if e == nil {
		return
	}
	delete(c.byID, id)
	if e.token != "" {
		delete(c.byToken, e.token)
	}
	if ids := c.byUser[e.sess.UserID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(c.byUser, e.sess.UserID)
		}
	}
}

// forgetSession drops session id ("": every session).
func (c *sessionCache) forgetSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if id == "" {
		c.byID, c.byToken, c.byUser = map[string]*hotSession{}, map[string]string{}, map[string]map[string]struct{}{}
		return
	}
	c.remove(id)
}

// forgetUser drops every session of user id ("": every session).
func (c *sessionCache) forgetUser(id string) {
	if id == "" {
		c.forgetSession("")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for sid := range c.byUser[id] {
		c.remove(sid)
	}
}

// ForgetSession drops the node's cached copy of session id, or of every
// session when id is "": the store.TopicSession subscriber.
func (s *Service) ForgetSession(id string) { s.hot.forgetSession(id) }

// ForgetUser drops the node's cached sessions of user id, or every
// session when id is "": the store.TopicUser subscriber.
func (s *Service) ForgetUser(id string) { s.hot.forgetUser(id) }

// forgetting is the service's store: each write of a session or a user
// forgets the node's cached copy when the store returns, so the next
// read on this node sees it whichever path of the service wrote it (the
// management API, passwords and their resets, the hosted pages, bank
// verification, session revocation and extension).
type forgetting struct {
	Store
	hot *sessionCache
}

func (f forgetting) UpdateUser(ctx context.Context, projectID, userID string, fn func(*store.User) error) (store.User, error) {
	defer f.hot.forgetUser(userID)
	return f.Store.UpdateUser(ctx, projectID, userID, fn)
}

func (f forgetting) DeleteUser(ctx context.Context, projectID, userID string, now time.Time) error {
	defer f.hot.forgetUser(userID)
	return f.Store.DeleteUser(ctx, projectID, userID, now)
}

func (f forgetting) SetPassword(ctx context.Context, projectID, userID string, p store.Password) error {
	defer f.hot.forgetUser(userID)
	return f.Store.SetPassword(ctx, projectID, userID, p)
}

func (f forgetting) TouchSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, claims json.RawMessage) (store.Session, error) {
	defer f.hot.forgetSession(sessionID)
	return f.Store.TouchSession(ctx, projectID, sessionID, now, expiresAt, claims)
}

func (f forgetting) RevokeSession(ctx context.Context, projectID, sessionID string, now time.Time) error {
	defer f.hot.forgetSession(sessionID)
	return f.Store.RevokeSession(ctx, projectID, sessionID, now)
}
