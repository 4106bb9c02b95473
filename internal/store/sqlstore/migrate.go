package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// migration is one numbered SQL file, "0002_add_grants.sql".
type migration struct {
	version int64
	name    string
	sql     string
}

// Migrate applies, in order, the files NNNN_name.sql at the root of fsys
// that the schema_migrations table does not list yet, all in one
// transaction: a failure leaves the schema as it was (DDL is transactional
// in both databases). lock, if not "", is run first in that transaction to
// keep concurrent migrators apart (Postgres: an advisory transaction lock,
// since several nodes may start at once; SQLite needs none, its write
// transactions already exclude each other). Applied versions are read only
// after the lock is held, so the loser of a race sees the winner's work and
// applies nothing.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, lock string) error {
	migs, err := readMigrations(fsys)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return fmt.Errorf("sqlstore: migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT NOT NULL PRIMARY KEY,
		name       TEXT   NOT NULL,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range migs {
		if applied[m.version] {
			continue
		}
		// No arguments: pgx sends this with the simple protocol, and
		// modernc runs every statement of the string, so a file may hold
		// many statements.
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, micros(time.Now())); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: migrate: commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlstore: migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return applied, nil
}

// readMigrations lists the .sql files of fsys sorted by version and
// rejects a malformed name or a version used twice, which would otherwise
// be applied in an arbitrary order.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %q: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migrations: %w", err)
		}
		migs = append(migs, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(migs, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(migs); i++ {
		if migs[i].version == migs[i-1].version {
			return nil, fmt.Errorf("sqlstore: migrations %s and %s share a version", migs[i-1].name, migs[i].name)
		}
	}
	return migs, nil
}

// MigrationStatus lists the migrations of fsys with when each was
// applied (nil: pending), without changing anything.
func MigrationStatus(ctx context.Context, db *sql.DB, fsys fs.FS) ([]store.Migration, error) {
	migs, err := readMigrations(fsys)
	if err != nil {
		return nil, err
	}
	applied := map[int64]time.Time{}
	rows, err := db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err == nil {
		for rows.Next() {
			var v, at int64
			if err := rows.Scan(&v, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: migration status: %w", err)
			}
			applied[v] = fromMicros(at)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration status: %w", err)
		}
	}
	// An error here is a database never migrated (no schema_migrations
	// table): everything is pending.
	out := make([]store.Migration, len(migs))
	for i, m := range migs {
		out[i] = store.Migration{Version: m.version, Name: m.name}
		if at, ok := applied[m.version]; ok {
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}
