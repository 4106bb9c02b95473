package apps

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// FuzzRegistrationMetadata: any JSON object a client sends is either
// refused with an RFC 7591 error or makes a client the management API's
// validator accepts; nothing panics.
func FuzzRegistrationMetadata(f *testing.F) {
	f.Add(`{"redirect_uris":["https://a.example/cb"]}`)
	f.Add(`{"redirect_uris":["com.example.app:/cb"],"token_endpoint_auth_method":"none"}`)
	f.Add(`{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[]},"security_profile":"fapi2"}`)
	f.Add(`{"redirect_uris":"x","grant_types":[1]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &obj) != nil || obj == nil {
			return
		}
		m, err := decodeMetadata(obj)
		if err == nil {
			err = m.check([]string{"openid"})
		}
		if err == nil {
			c := store.ConnectedApp{Type: m.clientType(), Status: statusActive, AccessTokenExpiryMinutes: DefaultAccessTokenExpiryMinutes}
			m.settings().apply(&c)
			err = registrationError(checkConnectedApp(c))
		}
		var oe *oidc.Error
		if err != nil && (!errors.As(err, &oe) || oe.Status != 400) {
			t.Fatalf("%s: %v is not a 400 OAuth error", body, err)
		}
	})
}

// FuzzSoftwareStatement: whatever a statement holds, it is refused with
// one of the two statement errors when no key verifies it.
func FuzzSoftwareStatement(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.AAAA")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, statement string) {
		_, err := softwareStatementClaims(statement, "", time.Now())
		var oe *oidc.Error
		if !errors.As(err, &oe) || (oe.Code != oidc.InvalidSoftwareStatement && oe.Code != oidc.UnapprovedSoftwareStatement) {
			t.Fatalf("%q: %v", statement, err)
		}
	})
}
