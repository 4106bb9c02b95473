package apps

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// ConnectedReader is what ConnectedClients reads through to.
type ConnectedReader interface {
	ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)
}

// ConnectedClients is the read side of Connected Apps for the OAuth
// endpoints (authorization, token, introspection, revocation): clients
// looked up by client_id alone (IDs are unique on the instance, and the
// host-root endpoints have no project in their path), kept in memory for a
// short TTL, and their secrets checked.
//
// The cache follows the same rules as the M2M Cache: lock-free reads, one
// re-read per expired entry while others use the stale copy, and Forget
// (called by the management API after every committed change) bumps an
// epoch so that a read racing a write can never put the old client back.
// Other nodes forget when they hear of the change (store.Changes), and
// within the TTL at worst.
type ConnectedClients struct {
	store  ConnectedReader
	pepper secrets.Pepper
	cache  ttlCache[store.ConnectedApp]
}

// NewConnectedClients returns a lookup over st whose entries live for ttl;
// secrets are checked with pepper. now is the clock (nil: time.Now).
func NewConnectedClients(st ConnectedReader, pepper secrets.Pepper, ttl time.Duration, now func() time.Time) *ConnectedClients {
	if now == nil {
		now = time.Now
	}
	return &ConnectedClients{store: st, pepper: pepper, cache: ttlCache[store.ConnectedApp]{ttl: ttl, now: now}}
}

// Lookup finds a client by ID in any project. store.ErrNotFound if there
// is none. Unknown IDs are not cached, so a client created a moment ago
// works at once. The caller checks Status and the client's project.
func (c *ConnectedClients) Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error) {
	return c.cache.get(ctx, clientID, func(ctx context.Context) (store.ConnectedApp, error) {
		return c.store.ConnectedApp(ctx, "", clientID)
	})
}

// Authenticate reports whether secret is the client's secret: the current
// one, or during a rotation (between secrets/rotate/start and
// secrets/rotate) the next one too. Public clients have no secret and
// never authenticate this way. Both comparisons always run, in constant
// time, so timing does not reveal which secret matched.
func (c *ConnectedClients) Authenticate(app store.ConnectedApp, secret string) bool {
	if IsPublic(app) || len(app.SecretHash) == 0 || secret == "" {
		return false
	}
	current := c.pepper.Equal(app.SecretHash, secret)
	next := len(app.NextSecretHash) > 0 && c.pepper.Equal(app.NextSecretHash, secret)
	return current || next
}

// Forget drops the cached client after a change ("": every client). Call
// it after the change is committed.
func (c *ConnectedClients) Forget(clientID string) { c.cache.forget(clientID) }

// ttlCache is a read-through cache of records by ID with the semantics
// described on ConnectedClients.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time

	entries sync.Map // ID -> *ttlEntry[V]
	epoch   atomic.Uint64
}

type ttlEntry[V any] struct {
	value      V
	epoch      uint64
	expires    time.Time
	refreshing atomic.Bool // one request is re-reading the expired entry
}

func (c *ttlCache[V]) get(ctx context.Context, id string, load func(context.Context) (V, error)) (V, error) {
	now := c.now()
	epoch := c.epoch.Load()
	var stale *ttlEntry[V]
	if v, ok := c.entries.Load(id); ok {
		if e := v.(*ttlEntry[V]); e.epoch == epoch {
			if now.Before(e.expires) || !e.refreshing.CompareAndSwap(false, true) {
				return e.value, nil
			}
			stale = e
			defer e.refreshing.Store(false)
		}
	}
	v, err := load(ctx)
	if err != nil {
		if stale != nil && errors.Is(err, store.ErrNotFound) {
			c.entries.CompareAndDelete(id, stale)
		}
		var zero V
		return zero, err
	}
	c.entries.Store(id, &ttlEntry[V]{value: v, epoch: epoch, expires: now.Add(c.ttl)})
	return v, nil
}

func (c *ttlCache[V]) forget(id string) {
	c.epoch.Add(1)
	c.entries.Delete(id)
}
