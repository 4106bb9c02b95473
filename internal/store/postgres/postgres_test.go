package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/storetest"
)

// SIGNET_TEST_POSTGRES is the URL of a database the tests may create and
// drop schemas in, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const envURL = "SIGNET_TEST_POSTGRES"

func TestConformance(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	schemas := newSchemaPool(t, base)
	storetest.Run(t, schemas.open)
}

// TestNodes gives each test two pools on one schema, as two Signet nodes
// sharing a database have.
func TestNodes(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	schemas := newSchemaPool(t, base)
	storetest.RunNodes(t, func(t *testing.T) (store.Store, store.Store) {
		s := schemas.take(t)
		t.Cleanup(func() { schemas.put(t, s) })
		other, err := postgres.Open(t.Context(), schemas.url(s.schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() }) // before put empties the schema
		return s.db, other
	})
}

// TestMigrateTwice checks that a second Migrate finds nothing to do, as
// it does when several nodes start at once.
func TestMigrateTwice(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	db := newSchemaPool(t, base).open(t).(*postgres.DB)
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

// schemaPool hands each test an empty, migrated store in a schema of its
// own (found through search_path), so tests run in parallel against one
// database without seeing each other's rows.
//
// Creating and migrating a schema, and opening connections to it, costs
// far more than the typical test, so a schema is emptied (TRUNCATE) and
// reused, pool and all, once its test ends: only as many schemas exist as
// tests run at once. They are dropped when the whole suite ends.
type schemaPool struct {
	admin *sql.DB
	base  *url.URL
	mu    sync.Mutex
	free  []*pooled
}

type pooled struct {
	schema string
	db     *postgres.DB
}

func newSchemaPool(t *testing.T, base string) *schemaPool {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.PingContext(t.Context()); err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	p := &schemaPool{admin: admin, base: u}
	t.Cleanup(func() {
		// Every test has returned its schema by now.
		for _, s := range p.free {
			s.db.Close()
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+s.schema+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", s.schema, err)
			}
		}
		admin.Close()
	})
	return p
}

// open returns an empty store for t and takes it back when t ends.
func (p *schemaPool) open(t *testing.T) store.Store {
	t.Helper()
	s := p.take(t)
	t.Cleanup(func() { p.put(t, s) })
	return s.db
}

func (p *schemaPool) take(t *testing.T) *pooled {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return s
	}
	p.mu.Unlock()

	schema := "signet_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := p.admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.OpenAndMigrate(t.Context(), p.url(schema))
	if err != nil {
		t.Fatal(err)
	}
	return &pooled{schema: schema, db: db}
}

// url is the database URL of schema.
func (p *schemaPool) url(schema string) string {
	u := *p.base
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as session settings
	u.RawQuery = q.Encode()
	return u.String()
}

// put empties the schema's tables (all of them, so tables added by later
// migrations need no change here) and returns it to the pool. A schema
// that cannot be emptied is dropped instead.
func (p *schemaPool) put(t *testing.T, s *pooled) {
	ctx := context.Background() // t.Context is cancelled before cleanups run
	err := func() error {
		rows, err := p.admin.QueryContext(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)
			FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`, s.schema)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = p.admin.ExecContext(ctx, "TRUNCATE "+strings.Join(tables, ", "))
		return err
	}()
	if err != nil {
		t.Errorf("empty schema %s: %v", s.schema, err)
		s.db.Close()
		p.admin.ExecContext(ctx, "DROP SCHEMA "+s.schema+" CASCADE") //nolint:errcheck // best effort
		return
	}
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
}

// TestWriteNotText: PostgreSQL cannot hold text that is not valid UTF-8
// or holds a NUL (SQLSTATE 22021); a write of some is
// store.ErrInvalidText, which the API answers 400, not 500.
// (SQLite stores it; the API's edges keep it from either, see api.ValidText.)
func TestWriteNotText(t *testing.T) {
	base := os.Getenv(envURL)
	if base == "" {
		t.Skip(envURL + " is not set")
	}
	db := newSchemaPool(t, base).open(t)
	ctx := t.Context()
	now := store.Now(nil)
	p := store.Project{ID: "project-test-" + uuid.NewString(), Name: "T", SecretHash: []byte("h"), TokenAlg: "RS256", CreatedAt: now}
	if err := db.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]store.User{
		"NUL in text":               {Name: store.Name{First: "a\x00"}},
		"invalid UTF-8":             {Name: store.Name{First: "\xff"}},
		"invalid UTF-8 in metadata": {TrustedMetadata: json.RawMessage("{\"k\":\"\xff\"}")},
	} {
		u.ID, u.ProjectID, u.Status, u.CreatedAt, u.UpdatedAt = "user-test-"+uuid.NewString(), p.ID, "active", now, now
		if err := db.CreateUser(ctx, u); !errors.Is(err, store.ErrInvalidText) {
			t.Errorf("%s: CreateUser = %v, want store.ErrInvalidText", name, err)
		}
	}
}
