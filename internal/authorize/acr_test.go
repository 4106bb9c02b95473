package authorize_test

import (
	"testing"

	"github.com/signet-id/signet/internal/authorize"
)

// acr_values asked for and proven by the sign-in reach the code (and so
// the ID token); one the sign-in does not prove is not stated.
func TestACRValues(t *testing.T) {
	e := newEnv(t)
	e.user("acr@example.com")
	_, challenge := pkce()
	for _, tt := range []struct {
		name, acrValues, want string
	}{
		{"password proven", "urn:other " + authorize.ACRPassword, authorize.ACRPassword},
		{"bank not proven by a password", authorize.ACRBank, ""},
		{"none asked", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := e.client("third_party", cb) // a fresh consent each time
			p := params("client_id", id, "redirect_uri", cb, "response_type", "code", "scope", "openid",
				"state", "s", "code_challenge", challenge, "code_challenge_method", "S256")
			if tt.acrValues != "" {
				p.Set("acr_values", tt.acrValues)
			}
			b := e.browser()
			q := b.decide(b.login(b.authorize(p), "acr@example.com", password), "allow").callback(e.url, cb)
			if got := e.inspect(q.Get("code")).ACR; got != tt.want {
				t.Errorf("code acr = %q, want %q", got, tt.want)
			}
		})
	}
}
