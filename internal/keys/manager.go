package keys

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// KeyStore is the storage a Manager needs (store.Keys).
type KeyStore interface {
	ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]store.Key, error)
	RotateKey(ctx context.Context, k store.Key, removeAt time.Time) error
}

// Options tune a Manager. The zero value is the production setting.
type Options struct {
	// Now is the clock (default time.Now); tests move it to walk a key
	// through its lifecycle.
	Now func() time.Time
	// CacheTTL is how long a project's parsed key set is trusted before it
	// is read again (default 30s). It bounds how late this process sees a
	// rotation made by another one, such as `signet keys rotate` or another
	// node sharing the database.
	CacheTTL time.Duration
	// Logger receives the keys that do not open (default slog.Default()).
	Logger *slog.Logger
}

// DefaultCacheTTL is Options.CacheTTL when unset.
const DefaultCacheTTL = 30 * time.Second

// ensureRetain is how long a key stays verifiable if a concurrent
// EnsureKey retires it the moment it was made (two first keys raced). It
// matches the CLI's default --retain.
const ensureRetain = 24 * time.Hour

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

// EnsureKey gives the project a key of alg if it has no current one. The
// key signs at once. It is how a new project gets its first key.
func (m *Manager) EnsureKey(ctx context.Context, projectID, alg string) error {
	if err := checkAlg(alg); err != nil {
		return err
	}
	now := m.clock()
	recs, err := m.st.ProjectKeys(ctx, projectID, now)
	if err != nil {
		return fmt.Errorf("keys: read keys of %s: %w", projectID, err)
	}
	for _, r := range recs {
		if r.Alg == alg && (r.RetiresAt == nil || r.RetiresAt.After(now)) {
			return nil
		}
	}
	k, err := m.newKey(projectID, alg, now, now)
	if err != nil {
		return err
	}
	// removeAt matters only if another EnsureKey inserted a key between our
	// read and this write: RotateKey then retires that one now, and its
	// tokens must keep verifying.
	if err := m.st.RotateKey(ctx, k, now.Add(ensureRetain)); err != nil {
		return fmt.Errorf("keys: store new key: %w", err)
	}
	m.Invalidate(projectID)
	return nil
}

// Rotate makes a new key of alg for the project. It is published (in the
// JWKS) at once but signs only from now+publishDelay, so verifiers that
// cache the JWKS have fetched it before the first token it signs arrives;
// publishDelay should exceed both Options.CacheTTL of every node and the
// JWKS cache lifetime of relying parties. The project's current keys of alg
// sign until then and stay published for retain after it, which must cover
// the longest lifetime of a token they sign.
func (m *Manager) Rotate(ctx context.Context, projectID, alg string, publishDelay, retain time.Duration) (store.Key, error) {
	if err := checkAlg(alg); err != nil {
		return store.Key{}, err
	}
	if publishDelay < 0 || retain < 0 {
		return store.Key{}, errors.New("keys: rotate: publish delay and retain must not be negative")
	}
	now := m.clock()
	k, err := m.newKey(projectID, alg, now, now.Add(publishDelay))
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

// Invalidate drops the cached keys of the project, so the next read sees
// the store. Rotate and EnsureKey call it; other nodes rely on CacheTTL.
func (m *Manager) Invalidate(projectID string) {
	m.projects.Delete(projectID)
}

// clock is the time stored in new records: UTC, microsecond precision,
// which is what both SQL backends keep, so a record reads back equal.
func (m *Manager) clock() time.Time {
	return m.now().UTC().Truncate(time.Microsecond)
}

// newKey generates and seals a key of alg.
func (m *Manager) newKey(projectID, alg string, created, activates time.Time) (store.Key, error) {
	priv, err := generate(alg)
	if err != nil {
		return store.Key{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
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
