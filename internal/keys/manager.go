package keys

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// KeyStore is the storage a Manager needs (store.Keys).
type KeyStore interface {
	ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]store.Key, error)
	RotateKey(ctx context.Context, k store.Key, removeAt time.Time) error
	AddKeys(ctx context.Context, ks []store.Key) (int, error)
}

// Options tune a Manager. The zero value is the production setting.
type Options struct {
	// Now is the clock (default time.Now); tests move it to walk a key
	// through its lifecycle.
	Now func() time.Time
	// CacheTTL is how long a project's parsed key set is trusted before it
	// is read again (default 30s). It bounds how late this process sees a
	// rotation made by another one, such as `signet keys rotate` or another
	// node sharing the database, when no change notification reaches it
	// (store.Changes; the composition root subscribes Invalidate). Every
	// process sharing a database must use the same value (or the CLI the
	// largest), because MinPublishDelay is computed from it.
	CacheTTL time.Duration
	// Logger receives the keys that do not open (default slog.Default()).
	Logger *slog.Logger
}

// DefaultCacheTTL is Options.CacheTTL when unset.
const DefaultCacheTTL = 30 * time.Second

// The publish rule: no token is signed by a key that the JWKS of every
// node does not already serve (OpenID Connect Core §10.1.1). A node serves
// its cached view of a project's keys, which is at most CacheTTL old, or
// staleGrace older while one request re-reads it (cache.go). A new key
// signs from ActivatesAt, which the process that made it set by its own
// clock and every node compares with its own. So a key may sign only once
// it is
//
//	CacheTTL + staleGrace + writeSlack + MaxClockSkew
//
// old (MinPublishDelay): then the view of every node, taken after the key
// was committed, shows it. Change notifications usually make views fresh
// at once, but a notification can be lost, so the rule does not count on
// them.
const (
	// MaxClockSkew is how far apart the clocks of the processes sharing a
	// database may be (the nodes, and wherever `signet keys rotate` runs).
	// Run NTP.
	MaxClockSkew = 4 * time.Second
	// staleGrace is how long past its TTL a view is still served while
	// another request re-reads it (beyond it, requests wait for the read).
	staleGrace = time.Second
	// writeSlack bounds the time from a new key's ActivatesAt being fixed
	// to its row being committed (one insert).
	writeSlack = time.Second
)

// MinPublishDelay is the shortest publish delay that keeps the publish
// rule when the nodes' key caches live cacheTTL: cacheTTL plus 6s.
func MinPublishDelay(cacheTTL time.Duration) time.Duration {
	return cacheTTL + staleGrace + writeSlack + MaxClockSkew
}

// ErrPublishDelay means a rotation's publish delay is below MinPublishDelay.
var ErrPublishDelay = errors.New("keys: publish delay too short")

// ErrNoKey means the project has no key of the algorithm that may sign now.
var ErrNoKey = errors.New("keys: no active signing key")

// Manager creates, rotates and serves a project's signing keys. Reads come
// from a per-project cache of parsed keys, so signing, JWKS and verification
// never touch the database or decrypt anything on the request path, and
// take no lock shared across requests. The cache keeps an entry for every
// project ID it is asked about, so callers pass only IDs of projects that
// exist (the API authenticates the project first; discovery looks it up).
type Manager struct {
	st       KeyStore
	seal     *Sealer
	now      func() time.Time
	ttl      time.Duration
	projects sync.Map // project ID -> *projectCache
	union    atomic.Pointer[unionJWKS]
	log      *slog.Logger
	// unreadable holds, per project, the keys its last load could not
	// open (project ID -> []string of key IDs); see Unreadable.
	unreadable sync.Map
}

// NewManager returns a Manager over st whose private keys are sealed with
// mk. It panics if mk is the zero MasterKey, which would seal every key
// under a publicly known key.
func NewManager(st KeyStore, mk MasterKey, opts Options) *Manager {
	if mk.isZero() {
		panic("keys: NewManager with a zero MasterKey")
	}
	m := &Manager{st: st, seal: NewKeySealer(mk), now: opts.Now, ttl: opts.CacheTTL, log: opts.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.ttl <= 0 {
		m.ttl = DefaultCacheTTL
	}
	return m
}

// MinPublishDelay is MinPublishDelay of this Manager's CacheTTL.
func (m *Manager) MinPublishDelay() time.Duration { return MinPublishDelay(m.ttl) }

// EnsureKey is EnsureKeys for one algorithm.
func (m *Manager) EnsureKey(ctx context.Context, projectID, alg string) error {
	return m.EnsureKeys(ctx, projectID, alg)
}

// EnsureKeys gives the project a key of each of algs it has no current key
// of (a rotation's pending key counts), in one store transaction.
//
// A project with no key at all, one being created, gets keys that sign at
// once: no node can hold a view of its keys that lacks them, because a
// view with no key is never cached and they all arrive together. Any
// other project gets keys that are published now and sign from
// MinPublishDelay on, like a rotation's, because other nodes may hold a
// view of its keys taken a moment ago.
func (m *Manager) EnsureKeys(ctx context.Context, projectID string, algs ...string) error {
	for _, alg := range algs {
		if err := checkAlg(alg); err != nil {
			return err
		}
	}
	read := store.Now(m.now)
	recs, err := m.st.ProjectKeys(ctx, projectID, read)
	if err != nil {
		return fmt.Errorf("keys: read keys of %s: %w", projectID, err)
	}
	var missing []string
	for _, alg := range algs {
		if !slices.Contains(missing, alg) && !hasCurrent(recs, alg, read) {
			missing = append(missing, alg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	privs := make([]crypto.Signer, len(missing))
	for i, alg := range missing {
		if privs[i], err = generate(alg); err != nil {
			return fmt.Errorf("keys: generate %s key: %w", alg, err)
		}
	}
	now := store.Now(m.now)
	activates := now
	if len(recs) > 0 {
		activates = now.Add(m.MinPublishDelay())
	}
	ks := make([]store.Key, len(missing))
	for i, alg := range missing {
		if ks[i], err = m.newKey(projectID, alg, privs[i], now, activates); err != nil {
			return err
		}
	}
	if _, err := m.st.AddKeys(ctx, ks); err != nil {
		return fmt.Errorf("keys: store new keys: %w", err)
	}
	m.Invalidate(projectID)
	return nil
}

// hasCurrent reports whether recs hold a key of alg that signs now or will.
func hasCurrent(recs []store.Key, alg string, now time.Time) bool {
	for _, r := range recs {
		if r.Alg == alg && (r.RetiresAt == nil || r.RetiresAt.After(now)) {
			return true
		}
	}
	return false
}

// SignsFrom reports, from the store, when the project will first have a
// key of alg that signs: now if one does, the ActivatesAt of the pending
// one otherwise. ErrNoKey if it has neither.
func (m *Manager) SignsFrom(ctx context.Context, projectID, alg string) (time.Time, error) {
	now := store.Now(m.now)
	recs, err := m.st.ProjectKeys(ctx, projectID, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("keys: read keys of %s: %w", projectID, err)
	}
	var first time.Time
	for _, r := range recs {
		if r.Alg != alg || (r.RetiresAt != nil && !r.RetiresAt.After(now)) {
			continue
		}
		if !r.ActivatesAt.After(now) {
			return now, nil
		}
		if first.IsZero() || r.ActivatesAt.Before(first) {
			first = r.ActivatesAt
		}
	}
	if first.IsZero() {
		return time.Time{}, fmt.Errorf("%w: project %s has no %s key", ErrNoKey, projectID, alg)
	}
	return first, nil
}

// Rotate makes a new key of alg for the project. It is published (in the
// JWKS) at once but signs only from now+publishDelay, so verifiers that
// cache the JWKS have fetched it before the first token it signs arrives.
// publishDelay must be at least MinPublishDelay (ErrPublishDelay), the
// bound for Signet's own nodes; it should also exceed the JWKS cache
// lifetime of relying parties. The project's current keys of alg sign
// until then and stay published for retain after it, which must cover the
// longest lifetime of a token they sign.
func (m *Manager) Rotate(ctx context.Context, projectID, alg string, publishDelay, retain time.Duration) (store.Key, error) {
	if err := checkAlg(alg); err != nil {
		return store.Key{}, err
	}
	if publishDelay < 0 || retain < 0 {
		return store.Key{}, errors.New("keys: rotate: publish delay and retain must not be negative")
	}
	if least := m.MinPublishDelay(); publishDelay < least {
		return store.Key{}, fmt.Errorf("%w: %v is less than %v (the key cache TTL, %v, plus %v for clock skew and reads and writes in flight): a node could sign with the new key before another node's JWKS shows it",
			ErrPublishDelay, publishDelay, least, m.ttl, least-m.ttl)
	}
	priv, err := generate(alg)
	if err != nil {
		return store.Key{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
	now := store.Now(m.now)
	k, err := m.newKey(projectID, alg, priv, now, now.Add(publishDelay))
	if err != nil {
		return store.Key{}, err
	}
	if err := m.st.RotateKey(ctx, k, k.ActivatesAt.Add(retain)); err != nil {
		return store.Key{}, fmt.Errorf("keys: store new key: %w", err)
	}
	m.Invalidate(projectID)
	return k, nil
}

// Signer returns the signer for the project's key of alg that signs now:
// the newest one that has activated and not retired. ErrNoKey if none.
func (m *Manager) Signer(ctx context.Context, projectID, alg string) (*Signer, error) {
	set, err := m.keySet(ctx, projectID)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var best *key
	for _, k := range set.keys {
		if k.signer.alg != alg || !k.signs(now) {
			continue
		}
		if best == nil || !k.activatesAt.Before(best.activatesAt) {
			best = k
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: project %s has no %s key", ErrNoKey, projectID, alg)
	}
	return best.signer, nil
}

// Invalidate drops the cached keys of the project ("": of every project),
// so the next read sees the store. Rotate and EnsureKeys call it, and the
// composition root subscribes it to store.TopicKeys, so other nodes call
// it when they hear of the change; CacheTTL bounds the rest.
func (m *Manager) Invalidate(projectID string) {
	if projectID == "" {
		m.projects.Clear()
		return
	}
	m.projects.Delete(projectID)
}

// newKey seals priv, a key of alg, as a record. Callers generate priv
// before they read the clock for created and activates, so the time
// generation takes does not eat into the publish delay.
func (m *Manager) newKey(projectID, alg string, priv crypto.Signer, created, activates time.Time) (store.Key, error) {
	kid := kidPrefix(projectID) + uuid.NewString()
	pub, err := publicJWK(kid, alg, priv.Public())
	if err != nil {
		return store.Key{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.Key{}, fmt.Errorf("keys: encode private key: %w", err)
	}
	defer clear(der)
	return store.Key{
		ID:          kid,
		ProjectID:   projectID,
		Alg:         alg,
		PrivateKey:  m.seal.Seal(der, projectID, kid, alg),
		PublicJWK:   pub,
		CreatedAt:   created,
		ActivatesAt: activates,
	}, nil
}

// kidPrefix follows Stytch's key IDs ("jwk-test-…", "jwk-live-…"), taking
// the environment from the project ID.
func kidPrefix(projectID string) string {
	if strings.HasPrefix(projectID, "project-live-") {
		return "jwk-live-"
	}
	return "jwk-test-"
}
