package memberauth_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/golden"
)

// TestDiscoveryWireGolden pins the discovery responses as SDKs see them
// (rewrite with -update when a change is meant).
func TestDiscoveryWireGolden(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	e.now = e.now.Add(time.Second) // discovery lists oldest first: a fixed order
	e.org(t, "initech", obj{"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": []string{"acme.example"}})
	e.migrateBcrypt(t, "acme", "ada@acme.example", pw)
	opts := golden.Options{Keys: []string{"request_id", "session_token", "intermediate_session_token"}}
	call := func(name, path, body string) {
		t.Helper()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.RemoteAddr = here
		req.SetBasicAuth(e.b2b.id, e.b2b.secret)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.http.ServeHTTP(rec, req)
		golden.JSON(t, name, rec.Body.Bytes(), opts)
	}
	ist := str(e.discover(t, "ada@acme.example", pw), "intermediate_session_token")
	call("discovery_password_authenticate", discoverPath, `{"email_address":"ada@acme.example","password":"`+pw+`"}`)
	call("discovery_organizations", listPath, `{"intermediate_session_token":"`+ist+`"}`)
	call("discovery_exchange", exchangePath, `{"intermediate_session_token":"`+ist+`","organization_id":"initech"}`)
	ist = str(e.discover(t, "ada@acme.example", pw), "intermediate_session_token")
	call("discovery_organization_create", createPath, `{"intermediate_session_token":"`+ist+`","organization_name":"Ada Labs","organization_slug":"ada-labs"}`)
	call("error_intermediate_session_not_found", exchangePath, `{"intermediate_session_token":"`+ist+`","organization_id":"acme"}`)
}
