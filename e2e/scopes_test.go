package e2e

import (
	"os"
	"testing"
)

// The official Stytch Node SDK against RBAC policy scopes (issue 17): a
// Connected App granted a policy scope through the consent API, the scope
// dropped for a user without the role, idp.introspectTokenLocal and
// introspectTokenNetwork with an authorization_check allowed and denied,
// and an M2M client holding policy scopes (e2e/node/stytch_scopes.mjs).
// SQLite, or PostgreSQL under SIGNET_TEST_POSTGRES.
func TestStytchNodeSDKScopes(t *testing.T) {
	cmd := nodeScript(t, "stytch_scopes.mjs")
	s := startServer(t)
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_PROJECT_ID="+s.ProjectID, "SIGNET_SECRET="+s.Secret)
	out, err := cmd.CombinedOutput()
	t.Logf("node:\n%s", out)
	if err != nil {
		t.Fatalf("stytch_scopes.mjs: %v", err)
	}
}
