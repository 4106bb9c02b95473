package sqlite_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// A write lock held by another process (busy_timeout is 10 s) costs a
// write its deadline and reports ErrUnavailable, while reads go on (WAL);
// once the lock is released, writes work again.
func TestWriteLockHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	st := store.WithDeadline(open(t, path), 300*time.Millisecond)
	p := store.Project{ID: "project-test-locked", Name: "Locked", TokenAlg: "RS256", CreatedAt: store.Now(nil)}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	release := testdb.HoldSQLiteWriteLock(t, path)
	if err := st.SetProjectTokenAlg(t.Context(), p.ID, "ES256"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("write under the lock: got %v, want ErrUnavailable", err)
	}
	if err := st.ProbeWrite(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("probe under the lock: got %v, want ErrUnavailable", err)
	}
	if _, err := st.Project(t.Context(), p.ID); err != nil {
		t.Fatalf("read under the lock: %v", err)
	}
	release()
	if err := st.SetProjectTokenAlg(t.Context(), p.ID, "ES256"); err != nil {
		t.Fatalf("write after the lock: %v", err)
	}
	if err := st.ProbeWrite(t.Context()); err != nil {
		t.Fatalf("probe after the lock: %v", err)
	}
}
