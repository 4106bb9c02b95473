package clientauth

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// FuzzAuthenticate feeds arbitrary Authorization headers and client
// assertions: every outcome is an *oidc.Error, never a panic, and nothing
// but a well-formed credential authenticates.
func FuzzAuthenticate(f *testing.F) {
	f.Add("Basic and0LWNsaWVudDp4", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqd3QtY2xpZW50In0.sig")
	f.Add("basic %%%", "a.b.c")
	f.Add("", "eyJhbGciOiJub25lIn0.e30.")
	e := newEnv(f)
	e.client("jwt-client", false, store.ClientMetadata{TokenEndpointAuthMethod: oidc.AuthPrivateKeyJWT,
		JWKS: publicJWKS(f, &e.key.PublicKey, "k1")})
	f.Fuzz(func(t *testing.T, authz, assertion string) {
		form := url.Values{"client_assertion_type": {AssertionType}, "client_assertion": {assertion}}
		if authz != "" {
			form = url.Values{}
		}
		r := httptest.NewRequestWithContext(t.Context(), "POST", endpoint, nil)
		r.Header.Set("Authorization", authz)
		_, err := e.auth.Authenticate(r, form, issuer)
		var oe *oidc.Error
		if err == nil || !errors.As(err, &oe) {
			t.Fatalf("err = %v, want an *oidc.Error", err)
		}
	})
}
