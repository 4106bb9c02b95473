package postgres_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/testdb"
)

// A frozen server (a proxy that stops forwarding, as SIGSTOP would) costs
// an operation its deadline and reports ErrUnavailable, whether the pool
// has a connection to wait on or must dial a new one; a stopped server
// (connections closed at once) is ErrUnavailable without waiting; and
// the same store works again as soon as the server answers.
func TestFrozenServer(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	t.Setenv(testdb.EnvPostgres, base)
	proxy, dsn := testdb.ProxyURL(t, testdb.DSN(t))
	db, err := postgres.OpenAndMigrate(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.WithDeadline(db, 2*time.Second) // generous: a loaded machine may be slow to connect
	p := store.Project{ID: "project-test-frozen", Name: "Frozen", TokenAlg: "RS256", CreatedAt: store.Now(nil)}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	works := func(when string) {
		t.Helper()
		if _, err := st.Project(t.Context(), p.ID); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if err := st.ProbeWrite(t.Context()); err != nil {
			t.Fatalf("%s: probe write: %v", when, err)
		}
	}
	unavailable := func(when string) {
		t.Helper()
		// The first call waits on a pooled connection, which the
		// deadline then closes, so the next ones dial anew.
		for range 2 {
			if _, err := st.Project(t.Context(), p.ID); !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("%s: read: got %v, want ErrUnavailable", when, err)
			}
		}
		if err := st.ProbeWrite(t.Context()); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s: write: got %v, want ErrUnavailable", when, err)
		}
	}
	works("before")
	proxy.Pause()
	unavailable("frozen")
	proxy.Resume()
	works("thawed")
	proxy.Refuse()
	unavailable("stopped")
	proxy.Resume()
	works("restarted")
}
