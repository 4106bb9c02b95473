package e2e

import (
	"encoding/json"
	"os"
	"testing"
)

// The official Stytch Node SDK's B2BClient, unchanged, against Signet's
// organizations and members, with a B2B project made by `signet init
// --vertical b2b` beside startServer's consumer one.
func TestStytchNodeSDKB2BOrganizations(t *testing.T) {
	cmd := nodeScript(t, "stytch_b2b_orgs.mjs")
	s := startServer(t)
	var b2b struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
		Vertical  string `json:"vertical"`
	}
	out := s.run(t, "init", "--db", s.DB, "--vertical", "b2b", "--json")
	if err := json.Unmarshal(out, &b2b); err != nil || b2b.Vertical != "b2b" {
		t.Fatalf("init --vertical b2b = %s (%v)", out, err)
	}
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL,
		"SIGNET_B2B_PROJECT_ID="+b2b.ProjectID, "SIGNET_B2B_SECRET="+b2b.Secret,
		"SIGNET_PROJECT_ID="+s.ProjectID, "SIGNET_SECRET="+s.Secret)
	res, err := cmd.CombinedOutput()
	t.Logf("node stytch_b2b_orgs.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("stytch node SDK B2B checks failed: %v", err)
	}
}

// The official Stytch Node SDK's B2BClient, unchanged, against Signet's
// B2B passwords and member sessions: migrate, authenticate, sessions by
// token and by JWT verified locally (the organization claim and the B2B
// JWKS), get, revoke, and the errors.
func TestStytchNodeSDKB2BSessions(t *testing.T) {
	cmd := nodeScript(t, "stytch_b2b_sessions.mjs")
	s := startServer(t)
	var b2b struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	out := s.run(t, "init", "--db", s.DB, "--vertical", "b2b", "--json")
	if err := json.Unmarshal(out, &b2b); err != nil {
		t.Fatalf("init --vertical b2b = %s (%v)", out, err)
	}
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_B2B_PROJECT_ID="+b2b.ProjectID, "SIGNET_B2B_SECRET="+b2b.Secret)
	res, err := cmd.CombinedOutput()
	t.Logf("node stytch_b2b_sessions.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("stytch node SDK B2B sessions checks failed: %v", err)
	}
}

// TestStytchNodeSDKB2BDiscovery drives B2B discovery (passwords discovery,
// organizations list, intermediate session exchange with JIT,
// organizations create) with the official Node SDK's B2BClient.
func TestStytchNodeSDKB2BDiscovery(t *testing.T) {
	cmd := nodeScript(t, "stytch_b2b_discovery.mjs")
	s := startServer(t)
	var b2b struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	out := s.run(t, "init", "--db", s.DB, "--vertical", "b2b", "--json")
	if err := json.Unmarshal(out, &b2b); err != nil {
		t.Fatalf("init --vertical b2b = %s (%v)", out, err)
	}
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_B2B_PROJECT_ID="+b2b.ProjectID, "SIGNET_B2B_SECRET="+b2b.Secret)
	res, err := cmd.CombinedOutput()
	t.Logf("node stytch_b2b_discovery.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("stytch node SDK B2B discovery checks failed: %v", err)
	}
}

// TestStytchNodeSDKB2BConnectedApps drives B2B Connected Apps with the
// official Node SDK's B2BClient: the consent API (idp.oauth), the code
// exchanged at the token endpoint, idp.introspectTokenLocal and
// introspectTokenNetwork, UserInfo, and sessions.exchange, for a member
// of two organizations.
func TestStytchNodeSDKB2BConnectedApps(t *testing.T) {
	cmd := nodeScript(t, "stytch_b2b_idp.mjs")
	s := startServer(t)
	var b2b struct {
		ProjectID string `json:"project_id"`
		Secret    string `json:"secret"`
	}
	out := s.run(t, "init", "--db", s.DB, "--vertical", "b2b", "--json")
	if err := json.Unmarshal(out, &b2b); err != nil {
		t.Fatalf("init --vertical b2b = %s (%v)", out, err)
	}
	cmd.Env = append(os.Environ(), "SIGNET_URL="+s.URL, "SIGNET_B2B_PROJECT_ID="+b2b.ProjectID, "SIGNET_B2B_SECRET="+b2b.Secret)
	res, err := cmd.CombinedOutput()
	t.Logf("node stytch_b2b_idp.mjs:\n%s", res)
	if err != nil {
		t.Fatalf("stytch node SDK B2B Connected Apps checks failed: %v", err)
	}
}
