package testdb

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// Freezer makes a test database stop answering, as a database server
// frozen or overloaded in production would, and answer again.
type Freezer struct {
	// ReadsGoOn is true on SQLite, where only writes stop: Freeze holds
	// the write lock from another connection, and WAL lets reads go on.
	// On Postgres everything stops: a proxy in front of the server stops
	// forwarding, as with a SIGSTOPped server.
	ReadsGoOn bool
	// Deadline is a store deadline (store.WithDeadline) the healthy
	// database meets even on a loaded machine; on Postgres it covers
	// connecting anew after a freeze.
	Deadline time.Duration

	freeze, thaw func()
}

// Freeze stops the database answering until Thaw.
func (f *Freezer) Freeze() { f.freeze() }

// Thaw lets the database answer again.
func (f *Freezer) Thaw() { f.thaw() }

// OpenFreezable is Open with a Freezer.
func OpenFreezable(t testing.TB) (store.Store, *Freezer) {
	t.Helper()
	ctx := context.Background()
	dsn := DSN(t)
	if path, ok := cutSQLite(dsn); ok {
		db, err := sqlite.OpenAndMigrate(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		var release func()
		return db, &Freezer{ReadsGoOn: true, Deadline: 500 * time.Millisecond,
			freeze: func() { release = HoldSQLiteWriteLock(t, path) },
			thaw:   func() { release() }}
	}
	proxy, dsn := ProxyURL(t, dsn)
	db, err := postgres.OpenAndMigrate(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, &Freezer{Deadline: 2 * time.Second, freeze: proxy.Pause, thaw: proxy.Resume}
}

// HoldSQLiteWriteLock takes the write lock of the SQLite database at path
// from a connection of its own, as another process would, until release
// (or the test's end). Writers then wait for busy_timeout.
func HoldSQLiteWriteLock(t testing.TB, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK") //nolint:errcheck // closing ends it anyway
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}
