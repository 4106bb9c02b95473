// Package testdb gives tests a fresh, migrated database: a SQLite file in a
// temporary directory, or, when SIGNET_TEST_POSTGRES names a server, a new
// schema on it that is dropped when the test ends. It is for tests only.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// EnvPostgres names the environment variable that switches tests to Postgres.
const EnvPostgres = "SIGNET_TEST_POSTGRES"

// Open returns a fresh migrated store, closed at cleanup.
func Open(t testing.TB) store.Store {
	t.Helper()
	return OpenDSN(t, DSN(t))
}

// OpenDSN opens (and migrates) the store at dsn, a DSN value, closed at
// cleanup. Opening one DSN twice gives two stores with connections of
// their own on one database, as two Signet nodes have.
func OpenDSN(t testing.TB, dsn string) store.Store {
	t.Helper()
	ctx := context.Background()
	var (
		db  store.Store
		err error
	)
	if p, ok := cutSQLite(dsn); ok {
		db, err = sqlite.OpenAndMigrate(ctx, p)
	} else {
		db, err = postgres.OpenAndMigrate(ctx, dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeLogged(t, db) })
	return db
}

// DSN returns a `signet --db` value for an empty database: "sqlite:PATH" in
// a temporary directory, or a Postgres URL whose search_path is a new schema
// (dropped at cleanup, after the test's own cleanups have closed their
// connections).
func DSN(t testing.TB) string {
	t.Helper()
	pg := os.Getenv(EnvPostgres)
	if pg == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "signet.db")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := fmt.Sprintf("signet_test_%x", b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	defer func() { _ = conn.Close(ctx) }() // the schema is made, or the test failed
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), pg); err == nil {
			if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Logf("drop schema %s: %v", schema, err) // a leftover, not a verdict
			}
			_ = c.Close(context.Background()) // the schema is dropped or logged
		}
	})
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Rows counts the rows of table in the database dsn names, through a
// connection of its own: for tests that check how much a flood of
// requests made the server write, which no store operation reports.
func Rows(t testing.TB, dsn, table string) int {
	t.Helper()
	driver, source := "pgx", dsn
	if p, ok := cutSQLite(dsn); ok {
		driver, source = "sqlite", p
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLogged(t, db)
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// closeLogged closes c at a test's end, logging rather than failing: the
// test's verdict is already in.
func closeLogged(t testing.TB, c io.Closer) {
	if err := c.Close(); err != nil {
		t.Logf("close: %v", err)
	}
}

func cutSQLite(dsn string) (string, bool) {
	const prefix = "sqlite:"
	if len(dsn) > len(prefix) && dsn[:len(prefix)] == prefix {
		return dsn[len(prefix):], true
	}
	return "", false
}
