package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// projectCache holds one project's parsed keys. Readers only Load the
// pointer. When the set goes stale one request re-reads it while the
// others keep using the stale set, for at most staleGrace, instead of
// queueing behind it; after that they wait for the re-read, so no view
// is ever older than CacheTTL+staleGrace (the publish rule, manager.go,
// counts on it).
type projectCache struct {
	set  atomic.Pointer[keySet]
	mu   sync.Mutex
	load *loadCall // the re-read in flight, if any; guarded by mu
}

// loadCall is one re-read of a project's keys, which other requests may
// wait for.
type loadCall struct {
	done chan struct{}
	set  *keySet
	err  error
}

// keySet is an immutable snapshot of a project's published keys.
type keySet struct {
	expires time.Time // read again from here: loaded+TTL, or the next RemoveAt if sooner
	keys    []*key    // as the store lists them, oldest first
	jwks    []byte    // {"keys":[...]} of keys
	// stored: the store held keys for the project, whether or not they
	// open (see keySet).
	stored bool
}

// key is one published key with its schedule. Zero times mean "not set".
type key struct {
	signer      *Signer
	sealed      []byte // the stored form, to tell whether a re-read changed it
	jwk         []byte
	activatesAt time.Time
	retiresAt   time.Time
	removeAt    time.Time
}

// published reports whether the key belongs in the JWKS at now.
func (k *key) published(now time.Time) bool {
	return k.removeAt.IsZero() || now.Before(k.removeAt)
}

// signs reports whether the key may sign at now.
func (k *key) signs(now time.Time) bool {
	return !now.Before(k.activatesAt) &&
		(k.retiresAt.IsZero() || now.Before(k.retiresAt)) &&
		k.published(now)
}

// errLoadAborted is what waiters get if the re-read they waited for
// panicked.
var errLoadAborted = errors.New("keys: re-read of the keys aborted")

// keySet returns the project's keys, from the cache while it is fresh.
func (m *Manager) keySet(ctx context.Context, projectID string) (*keySet, error) {
	var pc *projectCache
	if v, ok := m.projects.Load(projectID); ok {
		pc = v.(*projectCache)
	} else {
		v, _ := m.projects.LoadOrStore(projectID, new(projectCache))
		pc = v.(*projectCache)
	}
	now := m.now()
	old := pc.set.Load()
	if old != nil && now.Before(old.expires) {
		return old, nil
	}
	pc.mu.Lock()
	if cur := pc.set.Load(); cur != nil && now.Before(cur.expires) {
		pc.mu.Unlock()
		return cur, nil // re-read while we waited for the lock
	}
	if c := pc.load; c != nil {
		pc.mu.Unlock()
		if old != nil && now.Before(old.expires.Add(staleGrace)) {
			return old, nil // another request is re-reading right now
		}
		select {
		case <-c.done:
			return c.set, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &loadCall{done: make(chan struct{}), err: errLoadAborted}
	pc.load = c
	pc.mu.Unlock()

	defer func() { // whatever happens, waiters are released
		pc.mu.Lock()
		pc.load = nil
		pc.mu.Unlock()
		close(c.done)
	}()
	c.set, c.err = m.load(ctx, projectID, old)
	// A set with no key is not kept: the first keys of a new project
	// sign at once (EnsureKeys), which is safe only if no view lacking
	// them outlives their creation. A project whose keys are all in the
	// store but do not open is no new project (EnsureKeys counts stored
	// keys), so its empty set is kept like any other, and not read (and
	// logged) again on every request.
	if c.err == nil && c.set.stored {
		pc.set.Store(c.set)
	}
	return c.set, c.err
}

// load reads the project's published keys and parses them. Keys already
// parsed in prev are reused when their sealed bytes are unchanged: a
// refresh every CacheTTL then costs one query, not one RSA key validation
// per key, and a Signer (with its cached headers) lives as long as its key.
//
// Every key, retired ones included, is opened with the master key, and the
// public key comes from the private one rather than the stored PublicJWK.
// So what Signet publishes and trusts is authenticated by the master key: a
// database writer can neither slip a key of their own into the JWKS nor
// move one between projects (see Sealer.aad).
func (m *Manager) load(ctx context.Context, projectID string, prev *keySet) (*keySet, error) {
	now := m.now()
	recs, err := m.st.ProjectKeys(ctx, projectID, now)
	if err != nil {
		return nil, fmt.Errorf("keys: read keys of %s: %w", projectID, err)
	}
	reuse := map[string]*key{}
	if prev != nil {
		for _, k := range prev.keys {
			reuse[k.signer.kid] = k
		}
	}
	set := &keySet{expires: now.Add(m.ttl), keys: make([]*key, 0, len(recs)), stored: len(recs) > 0}
	var unreadable []string
	jwks := []byte(`{"keys":[`)
	for _, r := range recs {
		if r.ProjectID != projectID {
			return nil, fmt.Errorf("keys: store returned key %s of project %s for %s", r.ID, r.ProjectID, projectID)
		}
		k := &key{activatesAt: r.ActivatesAt}
		if r.RetiresAt != nil {
			k.retiresAt = *r.RetiresAt
		}
		if r.RemoveAt != nil {
			k.removeAt = *r.RemoveAt
			if k.removeAt.Before(set.expires) {
				set.expires = k.removeAt // drop it from the JWKS on time
			}
		}
		if p := reuse[r.ID]; p != nil && p.signer.alg == r.Alg && bytes.Equal(p.sealed, r.PrivateKey) {
			k.signer, k.sealed, k.jwk = p.signer, p.sealed, p.jwk
		} else if err := m.parse(k, r.ProjectID, r.ID, r.Alg, r.PrivateKey); err != nil {
			// A key that does not open (sealed under another master
			// key, or altered) is left out: it is neither published nor
			// used, and the project's other keys, and every other
			// project, go on working. Unreadable reports it.
			m.log.Error("signing key does not open; left out of the JWKS and never used",
				"project_id", projectID, "kid", r.ID, "err", err)
			unreadable = append(unreadable, r.ID)
			continue
		}
		set.keys = append(set.keys, k)
		if len(set.keys) > 1 {
			jwks = append(jwks, ',')
		}
		jwks = append(jwks, k.jwk...)
	}
	set.jwks = append(jwks, "]}"...)
	if len(unreadable) > 0 {
		m.unreadable.Store(projectID, unreadable)
	} else {
		m.unreadable.Delete(projectID)
	}
	return set, nil
}

// parse opens a sealed key and fills k's signer and JWK.
func (m *Manager) parse(k *key, projectID, kid, alg string, sealed []byte) error {
	if err := checkAlg(alg); err != nil {
		return fmt.Errorf("keys: key %s: %w", kid, err)
	}
	der, err := m.seal.Open(sealed, projectID, kid, alg)
	if err != nil {
		return fmt.Errorf("key %s: %w", kid, err)
	}
	priv, err := parsePrivate(alg, der)
	clear(der)
	if err != nil {
		return fmt.Errorf("key %s: %w", kid, err)
	}
	k.signer = newSigner(kid, alg, priv)
	k.sealed = sealed
	k.jwk, err = publicJWK(kid, alg, priv.Public())
	return err
}
