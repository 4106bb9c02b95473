package authorize

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/signet-id/signet/oidc"
)

// The claims parameter must be a JSON object whose id_token and userinfo
// members are objects (OpenID Connect Core §5.5); what is inside them is
// the token side's to read.
func TestCheckClaimsRequest(t *testing.T) {
	for _, tt := range []struct {
		claims string
		ok     bool
	}{
		{`{"id_token":{"email":{"essential":true}},"userinfo":{"payment_details":null}}`, true},
		{`{"userinfo":{"address":{"value":"x"},"shoe_size":null}}`, true},
		{`{}`, true},
		{`{"other":1}`, true},
		{`{not json`, false},
		{`null`, false},
		{`[]`, false},
		{`"{}"`, false},
		{`{"id_token":[]}`, false},
		{`{"id_token":null}`, false},
		{`{"userinfo":"email"}`, false},
		{`{"id_token":{},"userinfo":1}`, false},
	} {
		err := checkClaimsRequest(tt.claims)
		if (err == nil) != tt.ok {
			t.Errorf("checkClaimsRequest(%s) = %v, want ok %v", tt.claims, err, tt.ok)
		}
		if err != nil && oidc.AsError(err).Code != oidc.InvalidRequest {
			t.Errorf("checkClaimsRequest(%s) = %v, want invalid_request", tt.claims, err)
		}
	}
}

// The consent page shows what a claims request releases beyond the
// scopes, as the scopes that would release it.
func TestClaimScopes(t *testing.T) {
	for _, tc := range []struct {
		claims  string
		granted []string
		want    []string
	}{
		{``, []string{"openid"}, nil},
		{`{"userinfo":{"payment_details":null},"id_token":{"email":{"essential":true}}}`, []string{"openid"}, []string{"email", "payment_details"}},
		{`{"id_token":{"email":null,"given_name":null}}`, []string{"openid", "email"}, []string{"profile"}},
		{`{"id_token":{"made_up":null},"other":"x"}`, []string{"openid"}, nil},
	} {
		got := claimScopes(json.RawMessage(tc.claims), tc.granted)
		if !slices.Equal(got, tc.want) {
			t.Errorf("claimScopes(%s, %v) = %v, want %v", tc.claims, tc.granted, got, tc.want)
		}
	}
}
