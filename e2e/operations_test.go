package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestore follows docs/operations.md, "Backups and restore", on
// the backend under test: a backup taken while the server runs holds what
// was written before it and nothing after; restored, it serves the same
// project (secret, signing keys) under the same master key.
func TestBackupRestore(t *testing.T) {
	s := startServer(t)
	before := createUser(t, s, "before-backup@example.com")
	kids := jwksKids(t, s.URL)

	var restoreDB string
	if path, ok := strings.CutPrefix(s.DB, "sqlite:"); ok {
		// SQLite: an online copy, then the copy is the database.
		backup := filepath.Join(filepath.Dir(path), "backup.db")
		s.run(t, "backup", "--db", s.DB, "--to", backup)
		createUser(t, s, "after-backup@example.com")
		stopServer(t, s)
		restoreDB = "sqlite:" + backup
	} else {
		// PostgreSQL: pg_dump while serving; lose the data; pg_restore.
		if _, err := exec.LookPath("pg_dump"); err != nil {
			t.Skip("pg_dump is not installed")
		}
		conn, schema := pgConn(t, s.DB)
		dump := filepath.Join(t.TempDir(), "signet.dump")
		pgTool(t, "pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, conn)
		createUser(t, s, "after-backup@example.com")
		stopServer(t, s)
		pgTool(t, "psql", "-q", "-c", "DROP SCHEMA "+schema+" CASCADE", conn)
		pgTool(t, "pg_restore", "--no-owner", "--dbname="+conn, dump)
		restoreDB = s.DB
	}

	r := &Server{ProjectID: s.ProjectID, Secret: s.Secret, DB: restoreDB, MasterKey: s.MasterKey, Log: &bytes.Buffer{}}
	addr := freeAddr(t)
	r.URL = "http://" + addr
	r.serve(t, []string{"serve", "--addr", addr, "--db", restoreDB})

	var got struct {
		Users []struct {
			UserID string `json:"user_id"`
		} `json:"results"`
	}
	if code := r.call(t, "POST", "/v1/users/search", map[string]any{}, &got); code != http.StatusOK {
		t.Fatalf("users search on the restored database = %d", code)
	}
	if len(got.Users) != 1 || got.Users[0].UserID != before {
		t.Fatalf("restored users = %+v, want only %s (written before the backup)", got.Users, before)
	}
	if after := jwksKids(t, r.URL); after != kids {
		t.Errorf("restored JWKS kids = %s, want %s", after, kids)
	}
	status := string(r.run(t, "migrate", "--db", restoreDB, "--status"))
	if !strings.Contains(status, "\n0 pending") {
		t.Errorf("migrate --status on the restored database lists pending migrations:\n%s", status)
	}
}

func createUser(t *testing.T, s *Server, email string) string {
	t.Helper()
	var out struct {
		UserID string `json:"user_id"`
	}
	if code := s.call(t, "POST", "/v1/users", map[string]any{"email": email}, &out); code != http.StatusOK {
		t.Fatalf("create %s = %d", email, code)
	}
	return out.UserID
}

// jwksKids is the root JWKS's key IDs, in order, as one string.
func jwksKids(t *testing.T, base string) string {
	t.Helper()
	var kids []string
	for _, k := range fetchJWKS(t, base+"/.well-known/jwks.json").Keys {
		kids = append(kids, k.KeyID)
	}
	return strings.Join(kids, ",")
}

// stopServer stops s as an operator would (SIGINT, graceful) before
// t's cleanup, which then finds it stopped.
func stopServer(t *testing.T, s *Server) {
	t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("signet did not stop within 15s")
	}
}

// pgConn splits a test DSN into a libpq connection URI (without the
// search_path parameter, which libpq does not take) and its schema.
func pgConn(t *testing.T, dsn string) (string, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema
}

func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
