package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	Migrate(ctx context.Context) error
	MigrationStatus(ctx context.Context) ([]store.Migration, error)
}

// openStore opens (but does not migrate) the database named by dsn.
// Errors never show a password the URL holds.
func openStore(ctx context.Context, dsn string) (migrator, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("unsupported --db %q: want sqlite:PATH or postgres://...", redactURL(dsn))
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, dsn string) (migrator, error) {
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

// open opens the migrated database and checks the master key against it
// (recording it in a database that has no check yet): the one way every
// command that uses the key gets it. The caller closes the store.
func (c *common) open(ctx context.Context) (migrator, keyring.Ring, error) {
	if c.devDir != "" {
		if err := os.MkdirAll(c.devDir, 0o700); err != nil {
			return nil, keyring.Ring{}, fmt.Errorf("data directory: %w", err)
		}
	}
	mk, err := c.loadMasterKey()
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	st, err := openMigrated(ctx, c.dsn())
	if err != nil {
		return nil, keyring.Ring{}, err
	}
	ring, err := c.unlock(ctx, st, mk)
	if err != nil {
		st.Close()
		return nil, keyring.Ring{}, err
	}
	return st, ring, nil
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
