package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/keys"
)

func TestBanksCommand(t *testing.T) {
	common := []string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "signet.db"), "--master-key", keys.GenerateMasterKey().Encode()}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(t.Context(), append(args, common...), &out, &errOut)
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

	out, err = cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--issuer", "https://bank.example", "--name", "Example Bank",
		"--client-id", "rp-1", "--auth-method", "client_secret_basic", "--client-secret", "very-secret-value", "--color", "#0a3d62",
		"--max-age", "10m")
	if err != nil || !strings.Contains(out, "bank bank-") {
		t.Fatalf("add = %q, %v", out, err)
	}
	// Same validation as the API: no secret for client_secret_basic.
	if _, err := cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--issuer", "https://b2.example", "--name", "B2",
		"--client-id", "rp-1", "--auth-method", "client_secret_basic"); err == nil || !strings.Contains(err.Error(), "client_secret is required") {
		t.Fatalf("add without secret: %v", err)
	}
	if _, err := cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--issuer", "https://bank.example", "--name", "Again",
		"--client-id", "rp-1", "--auth-method", "client_secret_basic", "--client-secret", "x"); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("duplicate issuer: %v", err)
	}
	for _, bad := range []string{"-1s", "1500ms", "9000h"} {
		if _, err := cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--issuer", "https://b4.example", "--name", "B4",
			"--client-id", "rp-1", "--auth-method", "client_secret_basic", "--client-secret", "x", "--max-age", bad); err == nil {
			t.Errorf("--max-age %s accepted", bad)
		}
	}
	if _, err := cmd("banks", "add", "--skip-checks", "--project", "project-test-missing", "--issuer", "https://b3.example", "--name", "B3",
		"--client-id", "rp-1", "--auth-method", "client_secret_basic", "--client-secret", "x"); err == nil {
		t.Fatal("add to a missing project succeeded")
	}

	// From a bank's RP file: a setup it lacks, and --from without --setup,
	// are clear errors that save nothing.
	rpPath := filepath.Join(t.TempDir(), "rp.json")
	if err := writeJSON0600(rpPath, rpFile{Issuer: "https://rp-file.example", Clients: map[string]rpClient{
		"basic": {ClientID: "c-basic", ClientSecret: "s3cret-s3cret", TokenEndpointAuthMethod: "client_secret_basic"},
		"plain": {ClientID: "c-plain", ClientSecret: "s3cret-s3cret", TokenEndpointAuthMethod: "client_secret_basic"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--from", rpPath, "--setup", "mtls"); err == nil ||
		!strings.Contains(err.Error(), "no such client; it has basic, plain") {
		t.Fatalf("unknown setup: %v", err)
	}
	if _, err := cmd("banks", "add", "--skip-checks", "--project", p.ProjectID, "--from", rpPath); err == nil || !strings.Contains(err.Error(), "--setup") {
		t.Fatalf("--from without --setup: %v", err)
	}

	out, err = cmd("banks", "list", "--project", p.ProjectID, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "very-secret-value") {
		t.Fatalf("list prints the secret: %s", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0]["issuer"] != "https://bank.example" || list[0]["has_client_secret"] != true ||
		list[0]["primary_color"] != "#0a3d62" || list[0]["max_age"] != float64(600) {
		t.Fatalf("list = %v", list)
	}
	id := list[0]["bank_id"].(string)
	out, err = cmd("banks", "list", "--project", p.ProjectID)
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "Example Bank") {
		t.Fatalf("list = %q, %v", out, err)
	}

	if out, err = cmd("banks", "remove", "--project", p.ProjectID, "--bank", id); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove = %q, %v", out, err)
	}
	if _, err = cmd("banks", "remove", "--project", p.ProjectID, "--bank", id); err == nil {
		t.Fatal("second remove succeeded")
	}
	if out, _ = cmd("banks", "list", "--project", p.ProjectID, "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("list after remove = %q", out)
	}
}
