package keys

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// projectCache holds one project's parsed keys. Readers only Load the
// pointer; refresh serializes the re-reads of this one project, so when the
// set goes stale one request reads the store while the others keep using
// the stale set (a few milliseconds late) instead of queueing behind it.
type projectCache struct {
	set     atomic.Pointer[keySet]
	refresh sync.Mutex
}

// keySet is an immutable snapshot of a project's published keys.
type keySet struct {
	expires time.Time // read again from here: loaded+TTL, or the next RemoveAt if sooner
	keys    []*key    // as the store lists them, oldest first
	jwks    []byte    // {"keys":[...]} of keys
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

// keySet returns the project's keys, from the cache while it is fresh.
func (m *Manager) keySet(ctx context.Context, projectID string) (*keySet, error) {
	var pc *projectCache
	if v, ok := m.projects.Load(projectID); ok {
		pc = v.(*projectCache)
	} else {
		v, _ := m.projects.LoadOrStore(projectID, new(projectCache))
		pc = v.(*projectCache)
	}
	old := pc.set.Load()
	if old != nil && m.now().Before(old.expires) {
		return old, nil
	}
	if old == nil {
		pc.refresh.Lock()
	} else if !pc.refresh.TryLock() {
		return old, nil // another request is re-reading right now
	}
	defer pc.refresh.Unlock()
	if cur := pc.set.Load(); cur != nil && m.now().Before(cur.expires) {
		return cur, nil // re-read while we waited
	}
	set, err := m.load(ctx, projectID, pc.set.Load())
	if err != nil {
		return nil, err
	}
	pc.set.Store(set)
	return set, nil
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
	set := &keySet{expires: now.Add(m.ttl), keys: make([]*key, 0, len(recs))}
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
