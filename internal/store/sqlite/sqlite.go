// Package sqlite is Signet's embedded storage backend: the portable SQL of
// sqlstore over modernc.org/sqlite (pure Go, no cgo), with this backend's
// numbered migrations embedded from migrations/.
//
// Open does not migrate: `signet migrate` (or OpenAndMigrate, for tests and
// single-binary setups) does, so a server never changes a schema as a side
// effect of starting.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open SQLite store.
type DB struct {
	*sqlstore.DB
	w *sql.DB // the write pool, which migrations use
}

// pragmas apply to every connection:
//   - WAL lets readers run beside the one writer;
//   - busy_timeout waits for the write lock instead of failing at once
//     (another process, such as `signet migrate`, may hold it);
//   - foreign_keys is off by default in SQLite;
//   - synchronous(NORMAL) is durable in WAL except for the last
//     transactions on power loss, and much faster than FULL.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// Open opens (creating if missing) the database file at path. It does not
// migrate; call Migrate. path ":memory:" gives a private in-memory
// database on a single connection, for throwaway use.
func Open(ctx context.Context, path string) (*DB, error) {
	if strings.ContainsAny(path, "?#") {
		// The driver would read what follows as DSN parameters.
		return nil, fmt.Errorf("sqlite: path %q may not contain '?' or '#'", path)
	}
	// Writes: one connection. SQLite has one writer at a time anyway; with
	// a single connection writers queue in database/sql, in order, instead
	// of polling the busy handler. _txlock=immediate makes every
	// transaction take the write lock at BEGIN, so a read-modify-write
	// never has to upgrade its lock halfway (which fails with SQLITE_BUSY
	// rather than waiting); this is what makes sqlstore's transactions
	// serializable here without FOR UPDATE.
	w := openDB(path + "?" + pragmas + "&_txlock=immediate")
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	r := w
	if path != ":memory:" {
		// Reads: several connections; WAL gives each a snapshot while
		// the writer works. query_only guards against a write slipping
		// into the read pool.
		r = openDB(path + "?" + pragmas + "&_pragma=query_only(1)")
		n := max(4, runtime.GOMAXPROCS(0))
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
	}
	db := &DB{DB: sqlstore.New(dialect, w, r), w: w}
	// The write connection goes first: it switches the file to WAL, which
	// a query_only connection could not.
	if err := w.PingContext(ctx); err != nil {
		_ = db.Close() // err is the one to report
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close() // err is the one to report
		return nil, err
	}
	return db, nil
}

// OpenAndMigrate opens the database and applies pending migrations.
func OpenAndMigrate(ctx context.Context, path string) (*DB, error) {
	db, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close() // err is the one to report
		return nil, err
	}
	return db, nil
}

// Migrate applies this backend's pending migrations. Concurrent migrators
// need no extra lock: the transaction begins IMMEDIATE, so they take
// turns, and each reads what is applied only once it holds the lock.
func (db *DB) Migrate(ctx context.Context) error {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return sqlstore.Migrate(ctx, db.w, files, "")
}

// Backup writes a consistent copy of the database to the new file at
// path, while it is in use (VACUUM INTO: one read transaction, so the copy
// is a snapshot; the file must not exist). The copy is compact and, like
// the original, sealed under the master key.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := db.w.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// MigrationStatus lists this backend's migrations and which are applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]store.Migration, error) {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migration status: %w", err)
	}
	return sqlstore.MigrationStatus(ctx, db.w, files)
}

var dialect = sqlstore.Dialect{
	UniqueViolation: uniqueViolation,
	ForUpdate:       "", // see sqlstore.Dialect: BEGIN IMMEDIATE already locks
	Unavailable:     unavailable,
	Explain:         "EXPLAIN QUERY PLAN ",
	SubstringFTS:    true,
}

// unavailable reports whether err means the database file cannot be used
// rather than that a statement failed: its lock held by another process
// past busy_timeout, a full disk, a read-only or vanished file, an I/O
// error, or a statement interrupted because its context ended.
func unavailable(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_INTERRUPT:
		return true
	}
	return false
}

// uniqueViolation names the constraint of a SQLite unique violation. SQLite
// reports the columns ("UNIQUE constraint failed: users.project_id,
// users.email_lower"); the schema names each constraint after its table and
// last column, so that is enough to rebuild the name.
func uniqueViolation(err error) (string, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", false
	}
	if c := se.Code(); c != sqlite3.SQLITE_CONSTRAINT_UNIQUE && c != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return "", false
	}
	msg := se.Error()
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "", true
	}
	cols := msg[i+len(marker):]
	if j := strings.LastIndex(cols, " ("); j >= 0 { // the driver appends " (2067)"
		cols = cols[:j]
	}
	if j := strings.LastIndex(cols, ", "); j >= 0 {
		cols = cols[j+2:]
	}
	return strings.ReplaceAll(cols, ".", "_") + "_key", true
}
