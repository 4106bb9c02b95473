package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/rbac"
)

// `rbac get` prints the project's policy (its vertical's default at
// first); `rbac set --file` replaces it only when the file is valid as a
// whole, and get prints what set stored.
func TestRBACCommand(t *testing.T) {
	dir := t.TempDir()
	common := []string{"--db", "sqlite:" + filepath.Join(dir, "signet.db"), "--master-key", keys.GenerateMasterKey().Encode()}
	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), append(args, common...), &out, &bytes.Buffer{})
		return out.String(), err
	}
	out, err := cmd("init", "--json", "--vertical", "b2b")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	get := func() rbac.Policy {
		t.Helper()
		out, err := cmd("rbac", "get", "--project", p.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		var pol rbac.Policy
		if err := json.Unmarshal([]byte(out), &pol); err != nil {
			t.Fatalf("rbac get printed %q: %v", out, err)
		}
		return pol
	}
	if pol := get(); len(pol.Roles) != 2 || pol.Roles[0].RoleID != rbac.AdminRole {
		t.Fatalf("default B2B policy = %+v", pol)
	}

	pol := rbac.Default(rbac.B2B)
	pol.Resources = append(pol.Resources, rbac.Resource{ResourceID: "documents", Actions: []string{"read"}})
	pol.Roles = append(pol.Roles, rbac.Role{RoleID: "reader", Permissions: []rbac.Permission{{ResourceID: "documents", Actions: []string{"read"}}}})
	good, _ := json.Marshal(pol)
	pol.Roles = pol.Roles[1:] // stytch_admin removed
	bad, _ := json.Marshal(pol)
	goodFile, badFile := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	os.WriteFile(goodFile, good, 0o600)
	os.WriteFile(badFile, bad, 0o600)

	for _, args := range [][]string{
		{"rbac"}, {"rbac", "list"}, {"rbac", "get"}, {"rbac", "set", "--project", p.ProjectID},
		{"rbac", "get", "--project", "project-test-nope"},
	} {
		if _, err := cmd(args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := cmd("rbac", "set", "--project", p.ProjectID, "--file", badFile); err == nil || !strings.Contains(err.Error(), "stytch_admin") {
		t.Fatalf("a policy without stytch_admin: %v", err)
	}
	if got := get(); len(got.Roles) != 2 {
		t.Fatalf("a refused set changed the policy: %+v", got)
	}
	if _, err := cmd("rbac", "set", "--project", p.ProjectID, "--file", goodFile); err != nil {
		t.Fatal(err)
	}
	if got := get(); len(got.Roles) != 3 || got.Roles[2].RoleID != "reader" || len(got.Resources) != 4 {
		t.Fatalf("after set: %+v", got)
	}
}
