package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// `project set --open-registration / --software-statement-keys` set the
// project's registration policy; `clients registration-token create`
// makes an initial access token stored as its hash, within bounds.
func TestRegistrationCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "signet.db")
	common := []string{"--db", "sqlite:" + db, "--master-key", keys.GenerateMasterKey().Encode()}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), append(args, common...), &out, &bytes.Buffer{})
		return out.String(), err
	}
	out, err := cmd("init", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "dir", Use: "sig", Algorithm: "ES256"}}})
	keysFile, badFile := filepath.Join(t.TempDir(), "dir.json"), filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(keysFile, set, 0o600)
	os.WriteFile(badFile, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), 0o600)
	stored := func() store.RegistrationPolicy {
		t.Helper()
		st, err := sqlite.OpenAndMigrate(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		pr, err := st.Project(context.Background(), p.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		return pr.Registration
	}

	for _, bad := range [][]string{
		{"--open-registration", "maybe"},
		{"--software-statement-keys", badFile},
		{"--software-statement-keys", filepath.Join(t.TempDir(), "missing.json")},
	} {
		if _, err := cmd(append([]string{"project", "set", "--project", p.ProjectID}, bad...)...); err == nil {
			t.Errorf("project set %v was accepted", bad)
		}
	}
	if got := stored(); got != (store.RegistrationPolicy{}) {
		t.Fatalf("refused settings changed the policy: %+v", got)
	}
	if _, err := cmd("project", "set", "--project", p.ProjectID, "--open-registration", "true", "--software-statement-keys", keysFile); err != nil {
		t.Fatal(err)
	}
	if got := stored(); !got.Open || got.SoftwareStatementKeys != string(set) {
		t.Fatalf("stored %+v", got)
	}
	// One setting at a time leaves the other as it is.
	if _, err := cmd("project", "set", "--project", p.ProjectID, "--open-registration", "false"); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.Open || got.SoftwareStatementKeys != string(set) {
		t.Fatalf("after --open-registration false: %+v", got)
	}
	if _, err := cmd("project", "set", "--project", p.ProjectID, "--software-statement-keys", "none"); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != (store.RegistrationPolicy{}) {
		t.Fatalf("after none: %+v", got)
	}

	for _, bad := range [][]string{
		{},
		{"--project", p.ProjectID, "--max-uses", "0"},
		{"--project", p.ProjectID, "--expires-in", "721h"},
		{"--project", "project-test-missing"},
	} {
		if _, err := cmd(append([]string{"clients", "registration-token", "create"}, bad...)...); err == nil {
			t.Errorf("registration-token create %v was accepted", bad)
		}
	}
	out, err = cmd("clients", "registration-token", "create", "--project", p.ProjectID, "--max-uses", "3", "--expires-in", "2h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		ID        string    `json:"registration_token_id"`
		Token     string    `json:"token"`
		MaxUses   int       `json:"max_uses"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" || tok.MaxUses != 3 ||
		time.Until(tok.ExpiresAt) < time.Hour || time.Until(tok.ExpiresAt) > 2*time.Hour {
		t.Fatalf("token %q: %+v %v", out, tok, err)
	}
	if strings.Contains(readAll(t, db), tok.Token) {
		t.Error("the token is stored in the clear")
	}
	out, err = cmd("clients", "registration-token", "create", "--project", p.ProjectID)
	if err != nil || !strings.Contains(out, "shown once") {
		t.Fatalf("text output %q, %v", out, err)
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	var all []byte
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		all = append(all, b...)
	}
	return string(all)
}
