package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/testdb"
)

// Two stores on one schema are two Signet nodes; a store on another schema
// is another instance (or a parallel test) on the same database.

// openNode opens a store on dsn (migrating it first if migrate), closed at
// cleanup.
func openNode(t *testing.T, dsn string, migrate bool) *postgres.DB {
	t.Helper()
	open := postgres.Open
	if migrate {
		open = postgres.OpenAndMigrate
	}
	db, err := open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// heard collects one subscription's deliveries.
func heard(t *testing.T, s store.Store, topic string) chan string {
	ch := make(chan string, 256)
	t.Cleanup(s.Subscribe(topic, func(k string) {
		select {
		case ch <- k:
		default:
		}
	}))
	return ch
}

// waitFor reads ch until key arrives and returns what came before it; it
// fails the test after 30 s (a bound on delivery, not a performance test).
func waitFor(t *testing.T, ch chan string, key string) []string {
	t.Helper()
	var before []string
	deadline := time.After(30 * time.Second)
	for {
		select {
		case k := <-ch:
			if k == key {
				return before
			}
			before = append(before, k)
		case <-deadline:
			t.Fatalf("%q never arrived (heard %q)", key, before)
		}
	}
}

// touchable makes a project and an M2M client in it, and returns a function
// that changes the client (announcing its ID).
func touchable(t *testing.T, s store.Store) (clientID string, touch func()) {
	t.Helper()
	ctx := context.Background()
	p := store.Project{ID: "project-test-" + randHex(), Name: "p", SecretHash: []byte{1}, TokenAlg: "RS256", CreatedAt: store.Now(nil)}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := store.M2MClient{ClientID: "m2m-client-test-" + randHex(), ProjectID: p.ID, Name: "c", Status: "active",
		SecretHash: []byte{1}, CreatedAt: p.CreatedAt, UpdatedAt: p.CreatedAt}
	if err := s.CreateM2MClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c.ClientID, func() {
		if _, err := s.UpdateM2MClient(ctx, p.ID, c.ClientID, func(*store.M2MClient) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
}

// listening repeats touch until ch hears key: a listener promises nothing
// before it has connected.
func listening(t *testing.T, ch chan string, key string, touch func()) {
	t.Helper()
	for range 30 {
		touch()
		if heardWithin(ch, key, time.Second) {
			return
		}
	}
	t.Fatalf("listener never heard %s", key)
}

func heardWithin(ch chan string, key string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case k := <-ch:
			if k == key {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

func TestChangesReachOtherNodesOfTheSchemaOnly(t *testing.T) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		t.Skip(testdb.EnvPostgres + " is not set")
	}
	dsn := testdb.DSN(t)
	a, b := openNode(t, dsn, true), openNode(t, dsn, false)
	other := openNode(t, testdb.DSN(t), true)

	onB, onOther := heard(t, b, store.TopicM2MClient), heard(t, other, store.TopicM2MClient)
	id, touch := touchable(t, a)
	listening(t, onB, id, touch)
	otherID, touchOther := touchable(t, other)
	listening(t, onOther, otherID, touchOther)

	touch()
	waitFor(t, onB, id)
	// Notifications arrive in commit order: when other's own change
	// arrives, a's (committed before it) would have arrived first.
	touchOther()
	for _, k := range waitFor(t, onOther, otherID) {
		if k == id {
			t.Fatal("a change in one schema reached a store on another")
		}
	}
}

// A listener whose connection is killed reconnects, tells its subscribers
// to forget everything (what was announced meanwhile is lost), and hears
// later changes again.
func TestListenerReconnectFlushes(t *testing.T) {
	base := os.Getenv(testdb.EnvPostgres)
	if base == "" {
		t.Skip(testdb.EnvPostgres + " is not set")
	}
	dsn := testdb.DSN(t)
	a, b := openNode(t, dsn, true), openNode(t, dsn, false)
	onB := heard(t, b, store.TopicM2MClient)
	id, touch := touchable(t, a)
	listening(t, onB, id, touch)

	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRowContext(t.Context(), `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'signet-listener' AND query = $1`, `LISTEN "signet:`+schema+`"`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listener sessions, want 1", killed)
	}
	waitFor(t, onB, "") // reconnected: forget everything
	touch()
	waitFor(t, onB, id)
}

func randHex() string { return uuid.NewString() }
