// Package postgres is Signet's shared storage backend: the portable SQL of
// sqlstore over pgx v5 (through database/sql), with this backend's
// numbered migrations embedded from migrations/. Many stateless Signet
// nodes may share one database.
//
// Open does not migrate: `signet migrate` (or OpenAndMigrate) does, so a
// node never changes a schema as a side effect of starting. Migrate is
// safe to run from several nodes at once.
//
// Writes that change a record nodes cache announce it with NOTIFY in their
// transaction, and a node with subscribers LISTENs on one extra connection
// (store.Changes, listen.go), so every node's caches hear of a change as
// it commits.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open Postgres store.
type DB struct {
	*sqlstore.DB
	pool   *sql.DB
	listen *listener
}

// Open connects to the database at url (postgres://user@host/db?...; pgx
// passes unknown parameters such as search_path on as session settings).
// It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// Requests spend most of their time waiting on the network, so allow
	// several connections per core; idle ones are kept so bursts do not
	// pay for new TLS handshakes, and recycled so a failover or a
	// rebalanced pooler is picked up.
	n := 4*runtime.GOMAXPROCS(0) + 4
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pool.SetConnMaxLifetime(time.Hour)
	// The channel of cross-node change notifications (listen.go) is
	// named after the schema, which this also checks is reachable.
	schema, err := currentSchema(ctx, pool)
	if err != nil {
		_ = pool.Close() // err is the one to report
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	channel := channelFor(schema)
	d := dialect
	d.Notify = notifier(channel)
	db := &DB{DB: sqlstore.New(d, pool, pool), pool: pool}
	db.listen = &listener{url: url, channel: channel, deliver: db.Deliver, flush: db.Flush}
	return db, nil
}

// Subscribe registers fn (store.Changes) and, with the first subscriber,
// starts listening for the changes other nodes announce (listen.go).
func (db *DB) Subscribe(topic string, fn func(key string)) (cancel func()) {
	cancel = db.DB.Subscribe(topic, fn)
	db.listen.start()
	return cancel
}

// Close stops listening and closes the pool.
func (db *DB) Close() error {
	db.listen.stop()
	return db.DB.Close()
}

// OpenAndMigrate connects and applies pending migrations.
func OpenAndMigrate(ctx context.Context, url string) (*DB, error) {
	db, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close() // err is the one to report
		return nil, err
	}
	return db, nil
}

// migrationLock is the first key of the advisory lock Migrate holds: an
// arbitrary constant that all Signet nodes share. The second key is the
// schema being migrated, so nodes sharing a schema take turns while
// instances in other schemas of the same database (or parallel tests)
// do not wait for each other.
const migrationLock = 0x5349474e // "SIGN"

// Migrate applies this backend's pending migrations. When several nodes
// start at once, the transaction-scoped advisory lock lets one migrate
// while the others wait, then find nothing left to do.
func (db *DB) Migrate(ctx context.Context) error {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	lock := fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, hashtext(COALESCE(current_schema(), '')))", migrationLock)
	return sqlstore.Migrate(ctx, db.pool, files, lock)
}

// sourceLock is the first key of the advisory lock that serializes the
// writes of one client address under a bound (sqlstore.Dialect.SourceLock);
// the second is the address's key. A collision of two addresses' keys only
// makes them take turns.
const sourceLock = 0x53524345 // "SRCE"

// MigrationStatus lists this backend's migrations and which are applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]store.Migration, error) {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migration status: %w", err)
	}
	return sqlstore.MigrationStatus(ctx, db.pool, files)
}

var dialect = sqlstore.Dialect{
	UniqueViolation: uniqueViolation,
	ForUpdate:       " FOR UPDATE",
	SourceLock:      fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, $1)", sourceLock),
	Unavailable:     unavailable,
	Explain:         "EXPLAIN ",
}

// unavailable reports whether err means the server is out of reach rather
// than that a statement failed: no connection could be made (refused, the
// server starting or shutting down), the connection broke, or the server
// refuses writes or has no room for them.
func unavailable(err error) bool {
	var (
		ce *pgconn.ConnectError
		ne net.Error
		pe *pgconn.PgError
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF): // the server closed the connection
		return true
	case errors.As(err, &pe):
		// PostgreSQL Appendix A: class 08 connection exception, class 53
		// insufficient resources (53100 disk_full), 57P01-57P03 the server
		// shutting down or not yet accepting connections, 25006
		// read_only_sql_transaction (a standby, or a read-only database).
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "25006"
	}
	return false
}

// uniqueViolation names the constraint of a unique_violation (SQLSTATE
// 23505). The schema names every unique constraint the way sqlstore
// expects, so the name is used as is.
func uniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return "", false
	}
	return pe.ConstraintName, true
}
