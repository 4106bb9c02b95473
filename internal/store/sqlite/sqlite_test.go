package sqlite_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
	"github.com/signet-id/signet/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, filepath.Join(t.TempDir(), "signet.db")) })
}

// TestConformanceInMemory covers ":memory:", where reads and writes share
// one connection instead of a write pool and a read pool.
func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, ":memory:") })
}

// TestNodes opens the database file twice, as two processes on one
// machine would; SQLite's file lock takes the place of Postgres's row
// locks.
func TestNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "signet.db")
		return open(t, path), open(t, path)
	})
}

// TestMigrateTwice checks that concurrent and repeated migrations find
// nothing left to do after the first.
func TestMigrateTwice(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "signet.db"))
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := db.Migrate(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// open gives each test its own database (a file under t.TempDir, removed
// afterwards), so tests run in parallel without sharing state.
func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.OpenAndMigrate(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Backup copies a database in use to a new file that opens with the same
// records; MigrationStatus tells a fresh file from a migrated one.
func TestBackupAndMigrationStatus(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	fresh, err := sqlite.Open(ctx, filepath.Join(dir, "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	status, err := fresh.MigrationStatus(ctx)
	if err != nil || len(status) == 0 || status[0].AppliedAt != nil || status[len(status)-1].AppliedAt != nil {
		t.Fatalf("fresh database: %+v, %v; want every migration pending", status, err)
	}
	db := open(t, filepath.Join(dir, "signet.db"))
	status, err = db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if m.AppliedAt == nil {
			t.Errorf("migration %s pending after Migrate", m.Name)
		}
	}
	p := store.Project{ID: "project-test-backup", Name: "B", TokenAlg: "RS256", SecretHash: []byte("h"), CreatedAt: store.Now(nil)}
	if err := db.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Error("a second backup overwrote the first")
	}
	restored := open(t, path)
	got, err := restored.Project(ctx, p.ID)
	if err != nil || got.Name != "B" {
		t.Errorf("restored project: %+v, %v", got, err)
	}
}
