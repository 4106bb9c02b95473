package e2e

import (
	"encoding/json"
	"os"
	"testing"
)

// The official Stytch Node SDK's Client and B2BClient, unchanged, against
// Signet's RBAC: policies, organization roles, authorization checks over
// the network and in the SDK (local), which must agree. On PostgreSQL
// when SIGNET_TEST_POSTGRES is set, as every e2e test.
func TestStytchNodeSDKRBAC(t *testing.T) {
	cmd := nodeScript(t, "stytch_rbac.mjs")
	s := startServer(t)
	var b2b struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	out := s.run(t, "init", "--db", s.DB, "--vertical", "b2b", "--json")
	if err := json.Unmarshal(out, &b2b); err != nil {
		t.Fatalf("init --vertical b2b = %s (%v)", out, err)
	}
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL,
		"SIGNET_PROJECT_ID="+s.ProjectID, "SIGNET_SECRET="+s.Secret,
		"SIGNET_B2B_PROJECT_ID="+b2b.ProjectID, "SIGNET_B2B_SECRET="+b2b.Secret)
	res, err := cmd.CombinedOutput()
	t.Logf("node stytch_rbac.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("stytch node SDK RBAC checks failed: %v", err)
	}
}
