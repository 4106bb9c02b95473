package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// common holds the flags every command that touches the database shares.
type common struct {
	db        string
	masterKey string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", envOr("SIGNET_DB", "sqlite:signet.db"),
		"database: sqlite:PATH or a postgres:// URL (env SIGNET_DB)")
	fs.StringVar(&c.masterKey, "master-key", os.Getenv("SIGNET_MASTER_KEY"),
		"base64 32-byte key that encrypts private keys at rest (env SIGNET_MASTER_KEY)")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envDuration is the duration in the environment variable name, or def
// when it is unset; a malformed value is an error, not a silent default.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// migrator is implemented by both backends.
type migrator interface {
	store.Store
	store.Unavailabler
	Migrate(ctx context.Context) error
}

// backend names the backend of dsn: "sqlite" or "postgres".
func backend(dsn string) (string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return "sqlite", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", nil
	}
	return "", fmt.Errorf("unsupported --db %q: want sqlite:PATH or postgres://...", dsn)
}

// keyCacheTTLFlag registers --key-cache-ttl (env SIGNET_KEY_CACHE_TTL) and
// returns its parsed value. serve and the commands that make keys (keys
// rotate, project set) must agree on it: a new key may sign only once
// every node's cache has re-read the keys, so the shortest safe publish
// delay is computed from it (keys.MinPublishDelay). Set the variable once
// for all of them.
func keyCacheTTLFlag(fs *flag.FlagSet) func() (time.Duration, error) {
	s := fs.String("key-cache-ttl", envOr("SIGNET_KEY_CACHE_TTL", keys.DefaultCacheTTL.String()),
		"how long a server trusts its parsed signing keys before re-reading them, the bound on how late it sees a change another process made to them when no notification reaches it; the same on every server and for the admin commands (env SIGNET_KEY_CACHE_TTL)")
	return func() (time.Duration, error) {
		d, err := time.ParseDuration(*s)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("--key-cache-ttl %q: want a positive duration such as 30s", *s)
		}
		return d, nil
	}
}

// openStore opens (but does not migrate) the database named by dsn.
func openStore(ctx context.Context, dsn string) (migrator, error) {
	b, err := backend(dsn)
	if err != nil {
		return nil, err
	}
	if b == "sqlite" {
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	}
	return postgres.Open(ctx, dsn)
}

// Defaults of serve's --store-timeout and --db-wait.
const (
	// defaultStoreTimeout bounds every database operation of a request:
	// far above a healthy database's milliseconds, short enough that a
	// frozen one answers the client (503) before its own timeout does.
	defaultStoreTimeout = 5 * time.Second
	// defaultDBWait is how long serve waits for a database that is not up
	// yet, as when it starts beside its node (compose, a Kubernetes rollout).
	defaultDBWait = 30 * time.Second
)

// openServing opens and migrates the database for a server, waiting up to
// wait for it (openWaiting), and bounds each of its operations by timeout
// (store.WithDeadline), so a database that stops answering later costs a
// request timeout and a 503 instead of holding it.
func openServing(ctx context.Context, dsn string, wait, timeout time.Duration) (store.Store, error) {
	st, err := openWaiting(ctx, dsn, wait, timeout)
	if err != nil {
		return nil, err
	}
	return store.WithDeadline(st, timeout), nil
}

// openWaiting is openMigrated, tried again with backoff (a quarter second,
// doubling to five) while the database cannot be reached, until wait has
// passed; wait 0 tries once. Each attempt to connect is bounded by attempt,
// so a database that accepts connections but never answers is also waited
// out. A migration that fails for another reason than the database being
// out of reach is not retried.
func openWaiting(ctx context.Context, dsn string, wait, attempt time.Duration) (store.Store, error) {
	until := time.Now().Add(wait)
	delay := 250 * time.Millisecond
	for n := 1; ; n++ {
		st, retry, err := openOnce(ctx, dsn, attempt)
		if err == nil {
			return st, nil
		}
		if !retry {
			return nil, err
		}
		if time.Now().Add(delay).After(until) {
			if n > 1 {
				return nil, fmt.Errorf("database not reachable after %d attempts in %v: %w", n, wait, err)
			}
			return nil, err
		}
		slog.Warn("database not reachable yet; retrying", "attempt", n, "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// openOnce opens (connecting within attempt) and migrates; retry says
// whether the failure was the database being out of reach.
func openOnce(ctx context.Context, dsn string, attempt time.Duration) (_ store.Store, retry bool, _ error) {
	if _, err := backend(dsn); err != nil {
		return nil, false, err
	}
	octx, cancel := context.WithTimeout(ctx, attempt)
	st, err := openStore(octx, dsn)
	cancel()
	if err != nil {
		return nil, true, err
	}
	// No deadline: a migration may take long, or wait for another node's.
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, st.Unavailable(err), fmt.Errorf("migrate: %w", err)
	}
	return st, false, nil
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, dsn string) (store.Store, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

// openAdmin opens the migrated database and the master key for an admin
// command (init, keys rotate, project set); the caller closes the store.
func (c *common) openAdmin(ctx context.Context) (store.Store, keys.MasterKey, error) {
	mk, err := c.loadMasterKey(false)
	if err != nil {
		return nil, keys.MasterKey{}, err
	}
	st, err := openMigrated(ctx, c.db)
	if err != nil {
		return nil, keys.MasterKey{}, err
	}
	return st, mk, nil
}

// loadMasterKey parses --master-key. Without one it uses the dev key file
// beside the SQLite database, which --dev creates when missing.
func (c *common) loadMasterKey(dev bool) (keys.MasterKey, error) {
	if c.masterKey != "" {
		return keys.ParseMasterKey(c.masterKey)
	}
	path := filepath.Join(c.dataDir(), "signet-master.key")
	if _, err := os.Stat(path); !dev && err != nil {
		return keys.MasterKey{}, errors.New("no master key: set SIGNET_MASTER_KEY (make one with `signet master-key`) or use serve --dev")
	}
	return keys.LoadOrCreateMasterKeyFile(path)
}

// dataDir is where dev-mode files live: the SQLite file's directory, or the
// working directory for Postgres.
func (c *common) dataDir() string {
	if p, ok := strings.CutPrefix(c.db, "sqlite:"); ok {
		return filepath.Dir(p)
	}
	return "."
}

// pepperFrom derives the secret-hashing pepper from the master key, so an
// operator manages one secret, not two.
func pepperFrom(mk keys.MasterKey) secrets.Pepper {
	return secrets.NewPepper(mk.Derive("signet/pepper/v1"))
}
