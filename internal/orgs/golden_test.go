package orgs_test

import (
	"testing"

	"github.com/signet-id/signet/internal/golden"
)

// TestWireGolden pins the Organization and Member objects and the
// responses around them as SDKs see them, and the vertical error. A change
// shows as a diff of testdata/golden/*.json; rewrite them with -update
// when it is meant.
func TestWireGolden(t *testing.T) {
	e := newEnv(t)
	opts := golden.Options{Keys: []string{"request_id", "next_cursor"}}
	call := func(name string, c credentials, method, path, body string) {
		t.Helper()
		golden.JSON(t, name, e.raw(t, c, method, path, body), opts)
	}
	call("organization_create", e.b2b, "POST", "/v1/b2b/organizations", `{"organization_name":"Acme","organization_slug":"acme",
		"organization_external_id":"crm-42","trusted_metadata":{"plan":"enterprise"},"email_allowed_domains":["acme.example"],
		"email_jit_provisioning":"RESTRICTED","auth_methods":"RESTRICTED","allowed_auth_methods":["password"]}`)
	call("member_create", e.b2b, "POST", "/v1/b2b/organizations/acme/members", `{"email_address":"ada@acme.example",
		"name":"Ada","roles":["stytch_admin"],"external_id":"hr-7","untrusted_metadata":{"theme":"dark"}}`)
	call("members_search", e.b2b, "POST", "/v1/b2b/organizations/members/search",
		`{"organization_ids":["`+orgID(t, e, "acme")+`"],"limit":1}`)
	call("member_delete", e.b2b, "DELETE", "/v1/b2b/organizations/acme/members/hr-7", "")
	call("error_invalid_b2b_endpoint", e.classic, "POST", "/v1/b2b/organizations", `{"organization_name":"Acme"}`)
}
