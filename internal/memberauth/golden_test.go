package memberauth_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/golden"
)

// TestWireGolden pins the B2B password and session responses as SDKs see
// them. A change shows as a diff of testdata/golden/*.json; rewrite them
// with -update when it is meant.
func TestWireGolden(t *testing.T) {
	e := newEnv(t)
	e.org(t, "acme", nil)
	opts := golden.Options{Keys: []string{"request_id", "session_token"}}
	call := func(name, method, path, body string) []byte {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.RemoteAddr = here
		req.SetBasicAuth(e.b2b.id, e.b2b.secret)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.http.ServeHTTP(rec, req)
		golden.JSON(t, name, rec.Body.Bytes(), opts)
		return rec.Body.Bytes()
	}
	call("password_migrate", "POST", "/v1/b2b/passwords/migrate", `{"organization_id":"acme","email_address":"ada@acme.example",
		"hash_type":"md_5","hash":"5f4dcc3b5aa765d61d8327deb882cf99","name":"Ada","roles":["stytch_admin"]}`)
	out := e.signIn(t, "acme", "ada@acme.example", "password")
	e.now = e.now.Add(time.Second) // sessions_get lists newest first: a second apart, in a fixed order
	call("password_authenticate", "POST", "/v1/b2b/passwords/authenticate",
		`{"organization_id":"acme","email_address":"ada@acme.example","password":"password","session_custom_claims":{"plan":"pro"}}`)
	call("session_authenticate", "POST", "/v1/b2b/sessions/authenticate", `{"session_token":"`+str(out, "session_token")+`"}`)
	call("sessions_get", "GET", "/v1/b2b/sessions?organization_id=acme&member_id="+str(out, "member_id"), "")
	call("error_authorization_check", "POST", "/v1/b2b/sessions/authenticate",
		`{"session_token":"x","authorization_check":{"organization_id":"o","resource_id":"r","action":"a"}}`)
}
