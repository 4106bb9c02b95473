package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// masterKeyFile is the dev master key's file, in the data directory of
// serve --dev (or beside a SQLite database it made).
const masterKeyFile = "signet-master.key"

// common holds the settings every command that touches the database
// shares.
type common struct {
	db        string
	masterKey string
	fs        *flagSet
	// devDir is serve --dev's data directory ("" otherwise): the
	// database and the master key default to files in it.
	devDir string
}

func (c *common) register(fs *flagSet) {
	c.fs = fs
	fs.urlStringSetting(&c.db, "db", "sqlite:signet.db",
		"database: sqlite:PATH or a postgres:// URL (with --dev: sqlite:<data-dir>/signet.db)")
	fs.secretStringSetting(&c.masterKey, "master-key",
		"base64 32-byte `KEY` that seals signing keys and bank credentials at rest; make one with: signet master-key (with --dev: <data-dir>/"+masterKeyFile+", made once)")
}

// dsn is the database to open: --db, or with --dev and no --db from any
// layer, the data directory's.
func (c *common) dsn() string {
	if c.devDir != "" && c.fs.origin["db"] == "" {
		return "sqlite:" + filepath.Join(c.devDir, "signet.db")
	}
	return c.db
}

// migrator is implemented by both backends.
type migrator interface {
	store.Store
	store.Unavailabler
	Migrate(ctx context.Context) error
	MigrationStatus(ctx context.Context) ([]store.Migration, error)
}

// backend names the backend of dsn: "sqlite" or "postgres".
func backend(dsn string) (string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return "sqlite", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", nil
	}
	return "", fmt.Errorf("unsupported --db %q: want sqlite:PATH or postgres://URL", redactURL(dsn))
}

// keyCacheTTLFlag registers the key-cache-ttl setting (env
// SIGNET_KEY_CACHE_TTL, file key key-cache-ttl) and returns its checked
// value. serve and the commands that make keys (keys rotate, project set)
// must agree on it: a new key may sign only once every node's cache has
// re-read the keys, so the shortest safe publish delay is computed from it
// (keys.MinPublishDelay). Set it once, in the environment or the config
// file, for all of them.
func keyCacheTTLFlag(fs *flagSet) func() (time.Duration, error) {
	var d time.Duration
	fs.durationSetting(&d, "key-cache-ttl", keys.DefaultCacheTTL,
		"how long a server trusts its parsed signing keys before re-reading them, the bound on how late it sees a change another process made to them when no notification reaches it; the same on every server and for keys rotate and project set")
	return func() (time.Duration, error) {
		if d <= 0 {
			return 0, fmt.Errorf("--key-cache-ttl %v: want a positive duration such as 30s", d)
		}
		return d, nil
	}
}

// openStore opens (but does not migrate) the database named by dsn.
// Errors never show a password the URL holds.
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
		_ = st.Close() // the failure above is the error to report
		return nil, st.Unavailable(err), fmt.Errorf("migrate: %w", err)
	}
	return st, false, nil
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, dsn string) (migrator, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close() // the failure above is the error to report
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

// open opens the migrated database and checks the master key against it
// (recording it in a database that has no check yet): the one way every
// command that uses the key gets it. The caller closes the store.
func (c *common) open(ctx context.Context) (migrator, keyring.Ring, error) {
	mk, err := c.prepare()
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	st, err := openMigrated(ctx, c.dsn())
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	ring, err := c.unlock(ctx, st, mk)
	if err != nil {
		_ = st.Close() // the failure above is the error to report
		return nil, keyring.Ring{}, err
	}
	return st, ring, nil
}

// openServing is open for a server: it waits up to wait for a database
// that is not up yet, bounds each operation by timeout (openServing), and
// checks the master key the same way. The caller closes the store.
func (c *common) openServing(ctx context.Context, wait, timeout time.Duration) (store.Store, keyring.Ring, error) {
	mk, err := c.prepare()
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	st, err := openServing(ctx, c.dsn(), wait, timeout)
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	ring, err := c.unlock(ctx, st, mk)
	if err != nil {
		_ = st.Close() // the failure above is the error to report
		return nil, keyring.Ring{}, err
	}
	return st, ring, nil
}

// prepare makes serve --dev's data directory and loads the master key.
func (c *common) prepare() (keys.MasterKey, error) {
	if c.devDir != "" {
		if err := os.MkdirAll(c.devDir, 0o700); err != nil {
			return keys.MasterKey{}, fmt.Errorf("data directory: %w", err)
		}
	}
	return c.loadMasterKey()
}

// unlock is keyring.Open with a message that says how to recover.
func (c *common) unlock(ctx context.Context, st keyring.Store, mk keys.MasterKey) (keyring.Ring, error) {
	ring, err := keyring.Open(ctx, st, mk)
	if err == nil {
		return ring, nil
	}
	var me *keyring.MismatchError
	var ne *keyring.NotOpenedError
	if !errors.As(err, &me) && !errors.As(err, &ne) {
		return ring, err
	}
	want := "the key it was made with"
	if me != nil {
		want = "that key (" + me.Database + ")"
	}
	advice := fmt.Sprintf("set SIGNET_MASTER_KEY to %s (`signet master-key id` shows the ID of the key set), or use a new --db for this key", want)
	if c.devDir != "" && c.fs.origin["master-key"] != "" {
		advice = fmt.Sprintf("serve --dev uses %s unless a master key is set, and one is set (%s): unset it, or give --dev its own --data-dir",
			filepath.Join(c.devDir, masterKeyFile), c.fs.origin["master-key"])
	}
	return ring, fmt.Errorf("%s: %w; %s", redactURL(c.dsn()), err, advice)
}

// haveMasterKey reports whether a master key is set or its file exists,
// for the commands that check it only when they can (migrate, backup).
func (c *common) haveMasterKey() bool {
	if c.masterKey != "" {
		return true
	}
	_, err := os.Stat(c.masterKeyPath())
	return err == nil
}

// loadMasterKey parses the master-key setting. Without one it uses the dev
// key file: serve --dev creates it in its data directory; other commands
// find it beside a SQLite database that --dev made.
func (c *common) loadMasterKey() (keys.MasterKey, error) {
	if c.masterKey != "" {
		mk, err := keys.ParseMasterKey(c.masterKey)
		if err != nil {
			return keys.MasterKey{}, fmt.Errorf("the master key (from %s): %w", c.fs.origin["master-key"], err)
		}
		return mk, nil
	}
	path := c.masterKeyPath()
	if c.devDir == "" {
		if _, err := os.Stat(path); err != nil {
			return keys.MasterKey{}, errors.New("no master key: set SIGNET_MASTER_KEY (make one with `signet master-key`), or run serve --dev for a local instance")
		}
	}
	return keys.LoadOrCreateMasterKeyFile(path)
}

// masterKeyPath is the dev key file: in the data directory with --dev,
// else beside the SQLite database (the working directory for Postgres).
func (c *common) masterKeyPath() string {
	if c.devDir != "" {
		return filepath.Join(c.devDir, masterKeyFile)
	}
	dir := "."
	if p, ok := strings.CutPrefix(c.dsn(), "sqlite:"); ok {
		dir = filepath.Dir(p)
	}
	return filepath.Join(dir, masterKeyFile)
}

// logClose closes c at the end of a command, logging (not failing on) a
// close error: every write the command made has committed by then, so the
// error can only be about releasing the connection.
func logClose(c interface{ Close() error }, what string) {
	if err := c.Close(); err != nil {
		slog.Warn("close failed", "what", what, "err", err)
	}
}

// closerFunc adapts a close function to logClose.
type closerFunc func() error

// Close calls f.
func (f closerFunc) Close() error { return f() }
