package apps

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// ClientReader is what the cache reads through to.
type ClientReader interface {
	M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error)
}

// Cache keeps M2M clients in memory for a short TTL so that the token
// endpoint, which authenticates a client on every request, does not read
// the database each time.
//
// Reads take no lock: entries live in a sync.Map keyed by client ID (IDs are
// unique across the instance). When an entry expires, one request re-reads
// it while the others keep using the expired copy for the few milliseconds
// that takes, so a busy client does not send a burst of identical queries
// (and new pool connections) to the database every TTL.
//
// A write through the management API calls Forget, which drops the entry
// and bumps an epoch. An entry loaded before the latest Forget is never
// served, not even while being re-read, so a lookup that raced with an
// update cannot put the old client back. Forget invalidates every entry,
// not just one: management writes are rare next to token requests, and
// each client then costs one extra read.
//
// Changes made by other processes (Signet nodes sharing one Postgres)
// reach it too: the store announces every committed change of a client
// (store.Changes) and the composition root subscribes Forget, so another
// node forgets as soon as it hears. If it does not hear (its listener was
// reconnecting), a deactivated client, a deleted client or a secret
// dropped by rotation keeps authenticating there for at most TTL plus one
// database read.
type Cache struct {
	store ClientReader
	ttl   time.Duration
	now   func() time.Time

	entries sync.Map // client ID -> *cached
	epoch   atomic.Uint64
}

type cached struct {
	client     store.M2MClient
	epoch      uint64
	expires    time.Time
	refreshing atomic.Bool // one request is re-reading the expired entry
}

// NewCache returns a cache over st whose entries live for ttl. now is the
// clock (nil: time.Now).
func NewCache(st ClientReader, ttl time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{store: st, ttl: ttl, now: now}
}

// M2MClient finds a client like the store does (projectID "" matches any
// project), from memory when a fresh copy is there. Missing clients are not
// cached: a client created a moment ago must work at once.
func (c *Cache) M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error) {
	now := c.now()
	epoch := c.epoch.Load()
	var stale *cached
	if v, ok := c.entries.Load(clientID); ok {
		if e := v.(*cached); e.epoch == epoch {
			if now.Before(e.expires) || !e.refreshing.CompareAndSwap(false, true) {
				return inProject(e.client, projectID)
			}
			stale = e
			defer e.refreshing.Store(false)
		}
	}
	// Always read by ID alone, so one entry serves both token routes
	// (with and without a project in the path).
	cl, err := c.store.M2MClient(ctx, "", clientID)
	if err != nil {
		if stale != nil && errors.Is(err, store.ErrNotFound) {
			c.entries.CompareAndDelete(clientID, stale)
		}
		return store.M2MClient{}, err
	}
	c.entries.Store(clientID, &cached{client: cl, epoch: epoch, expires: now.Add(c.ttl)})
	return inProject(cl, projectID)
}

func inProject(cl store.M2MClient, projectID string) (store.M2MClient, error) {
	if projectID != "" && cl.ProjectID != projectID {
		return store.M2MClient{}, store.ErrNotFound
	}
	return cl, nil
}

// Forget drops what the cache holds after a client changed ("": after
// anything may have changed). Call it after the change is committed.
func (c *Cache) Forget(clientID string) {
	c.epoch.Add(1)
	c.entries.Delete(clientID)
}
