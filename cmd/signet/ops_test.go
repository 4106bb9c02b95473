package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/keys"
)

// The admin commands an operator runs, through the CLI: projects list,
// a two-phase project secret rotation checked against a live server,
// migrate --status, backup, healthcheck and version.
func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "signet.db")
	t.Setenv("SIGNET_MASTER_KEY", keys.GenerateMasterKey().Encode())
	t.Setenv("SIGNET_DB", db)
	id, old := initJSON(t)

	out, _, err := cli(t, "projects", "list")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "RS256") {
		t.Errorf("projects list:\n%s%v", out, err)
	}
	base := startServe(t)
	auth := func(secret string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/users/user-test-missing", nil)
		req.SetBasicAuth(id, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	out, _, err = cli(t, "project", "secret", "rotate", "start", "--project", id)
	m := regexp.MustCompile(`next secret: (\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("rotate start: %q %v", out, err)
	}
	next := m[1]
	if _, _, err := cli(t, "project", "secret", "rotate", "start", "--project", id); err == nil {
		t.Error("a second start was accepted")
	}
	out, _, _ = cli(t, "projects", "list", "--json")
	if !strings.Contains(out, `"secret_rotation_in_progress":true`) {
		t.Errorf("projects list during a rotation: %s", out)
	}
	// A fresh server (no cached project) takes both secrets.
	base = startServe(t)
	if a, b := auth(old), auth(next); a == http.StatusUnauthorized || b == http.StatusUnauthorized {
		t.Errorf("during the rotation: old %d, next %d", a, b)
	}
	if _, _, err := cli(t, "project", "secret", "rotate", "complete", "--project", id); err != nil {
		t.Fatal(err)
	}
	base = startServe(t)
	if a, b := auth(old), auth(next); a != http.StatusUnauthorized || b == http.StatusUnauthorized {
		t.Errorf("after complete: old %d, next %d", a, b)
	}
	if _, _, err := cli(t, "project", "secret", "rotate", "cancel", "--project", id); err == nil || !strings.Contains(err.Error(), "no secret rotation") {
		t.Errorf("cancel with none: %v", err)
	}

	out, _, err = cli(t, "migrate", "--status")
	if err != nil || !strings.Contains(out, "0015_master_key_check.sql") || !strings.Contains(out, "0 pending") {
		t.Errorf("migrate --status:\n%s%v", out, err)
	}
	backupFile := filepath.Join(dir, "backup.db")
	out, _, err = cli(t, "backup", "--to", backupFile)
	if err != nil || !strings.Contains(out, "sealed under master key mk-") {
		t.Fatalf("backup: %q %v", out, err)
	}
	out, _, err = cli(t, "projects", "list", "--db", "sqlite:"+backupFile)
	if err != nil || !strings.Contains(out, id) {
		t.Errorf("the backup does not open with the same key:\n%s%v", out, err)
	}
	if _, _, err := cli(t, "backup", "--to", backupFile); err == nil {
		t.Error("backup overwrote a file")
	}
	_, errOut, err := cli(t, "backup", "--to", filepath.Join(dir, "x"), "--db", "postgres://u:hunter2@127.0.0.1:1/db")
	if err == nil || !strings.Contains(errOut, "pg_dump") || strings.Contains(errOut+err.Error(), "hunter2") {
		t.Errorf("backup of PostgreSQL: %v\n%s", err, errOut)
	}

	out, _, err = cli(t, "healthcheck", "--addr", strings.TrimPrefix(base, "http://"))
	if err != nil || !strings.Contains(out, "200 OK") {
		t.Errorf("healthcheck: %q %v", out, err)
	}
	if _, _, err := cli(t, "healthcheck", "--addr", "127.0.0.1:1"); err == nil {
		t.Error("healthcheck of nothing succeeded")
	}
	out, _, err = cli(t, "version")
	if err != nil || !strings.HasPrefix(out, "signet ") || !strings.Contains(out, "revision: ") || !strings.Contains(out, "go: go1.") {
		t.Errorf("version: %q %v", out, err)
	}
}
